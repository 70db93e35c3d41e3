"""examples/compare_policies.py: every change it shows moves the result."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import attrs

from overdue import REFERENCE_POLICY, Money, Stage
from overdue.conditions import balance_at_least, days_overdue_at_least
from overdue.simulate import Comparison

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "compare_policies.py"


def _example() -> dict[str, Any]:
    return runpy.run_path(str(EXAMPLE), run_name="compare_policies")


def test_each_change_moves_at_least_one_metric() -> None:
    ex = _example()
    runs: dict[str, Comparison] = ex["effects"](80, 90)
    assert set(runs) == {*ex["CHANGES"], "both changes"}
    for name, comparison in runs.items():
        moved = {k: v for k, v in ex["metrics"](comparison).items() if v[0] != v[1]}
        assert moved, f"{name!r} moves nothing"
    sms = ex["metrics"](runs["two reminder SMS instead of three"])["sms contacts"]
    assert sms[1] < sms[0]
    letter = ex["metrics"](runs["lawyer's letter from 21 days overdue"])
    day = letter["mean day of the lawyer's letter"]
    assert day[0] - day[1] >= 5  # the letter goes out about a week earlier


def test_lowering_the_lawyers_entry_alone_would_move_nothing() -> None:
    # The bug the example had: the formal notice's 14-day deadline governs, so "from 21 days
    # overdue" is already true whenever the account could climb.
    ex = _example()

    def only_entry(stage: Stage) -> Stage:
        if stage.id != "lawyer_letter":
            return stage
        sooner = days_overdue_at_least(21) & balance_at_least(Money("100.00", "CNY"))
        return attrs.evolve(stage, enters_when=sooner)

    from overdue.simulate import generate_portfolio, simulate

    policy = attrs.evolve(
        REFERENCE_POLICY, stages=tuple(only_entry(s) for s in REFERENCE_POLICY.stages)
    )
    accounts = generate_portfolio(60, seed=42)
    a = simulate(REFERENCE_POLICY, accounts, ex["START"], 90, costs=ex["COSTS"], seed=7)
    b = simulate(policy, accounts, ex["START"], 90, costs=ex["COSTS"], seed=7)
    assert all(v[0] == v[1] for v in ex["metrics"](Comparison(a, b)).values())
