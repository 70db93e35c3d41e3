"""Stable arms, bootstrap intervals that say 'within noise', and sample sizes."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import REFERENCE_POLICY
from overdue.errors import OverdueError
from overdue.notebook.experiments import (
    arm_of,
    assign,
    paired_differences,
    run_experiment,
    sample_size,
    unit_interval,
)
from overdue.simulate import Behaviour, compare, generate_portfolio

START = datetime(2026, 2, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_documented_hash_rule_gives_the_same_arm() -> None:
    # What a host re-implements in production, without this library.
    for account_id in ("A-1", "A-2", "SIM-000123", "客户-7"):
        digest = hashlib.sha256(("spring-26:" + account_id).encode("utf-8")).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        assert unit_interval("spring-26", account_id) == u
        expected = "champion" if u < 0.9 else "challenger"
        assert arm_of(account_id, "spring-26", {"champion": 0.9, "challenger": 0.1}) == expected


def test_arms_are_stable_have_the_asked_shares_and_change_with_the_salt() -> None:
    ids = [f"A-{i}" for i in range(4000)]
    first = [arm_of(i, "s1") for i in ids]
    assert first == [arm_of(i, "s1") for i in ids]
    share = first.count("challenger") / len(ids)
    assert 0.46 < share < 0.54
    other = [arm_of(i, "s2") for i in ids]
    agree = sum(a == b for a, b in zip(first, other, strict=True)) / len(ids)
    assert 0.45 < agree < 0.55  # an independent split, not the same one
    small = [arm_of(i, "s1", {"champion": 0.8, "challenger": 0.2}) for i in ids]
    assert 0.17 < small.count("challenger") / len(ids) < 0.23


def test_assign_splits_accounts_and_refuses_bad_arms() -> None:
    accounts = generate_portfolio(50, seed=1)
    arms = assign(accounts, "x", {"a": 0.3, "b": 0.3, "c": 0.4})
    assert sum(len(v) for v in arms.values()) == 50
    assert {a.id for v in arms.values() for a in v} == {a.id for a in accounts}
    with pytest.raises(OverdueError, match="add up to 1"):
        arm_of("A", "x", {"a": 0.5, "b": 0.6})
    with pytest.raises(OverdueError, match="salt"):
        arm_of("A", "")


def test_identical_policies_differ_by_nothing_and_are_within_noise() -> None:
    c = compare(REFERENCE_POLICY, REFERENCE_POLICY, generate_portfolio(25, seed=2), START, 40)
    for d in c.differences(n_boot=100):
        assert d.difference == 0
        assert d.low == 0
        assert d.high == 0
        assert d.within_noise
        assert d.paired


def test_a_real_difference_is_not_within_noise_and_the_seed_fixes_the_interval() -> None:
    eager = Behaviour(pay=0.3, partial=0, promise=0, dispute=0)
    silent = Behaviour(pay=0, partial=0, promise=0, dispute=0)
    from overdue.simulate import simulate

    accounts = generate_portfolio(60, seed=4)
    a = simulate(REFERENCE_POLICY, accounts, START, 60, behaviour=silent)
    b = simulate(REFERENCE_POLICY, accounts, START, 60, behaviour=eager)
    diffs = {d.metric: d for d in paired_differences(a, b, n_boot=200, seed=3)}
    rec = diffs["recovery_rate"]
    assert rec.difference > 0.5
    assert rec.low > 0
    assert not rec.within_noise
    assert rec.low <= rec.difference <= rec.high
    again = {d.metric: d.describe() for d in paired_differences(a, b, n_boot=200, seed=3)}
    assert again == {m: d.describe() for m, d in diffs.items()}  # (nan != nan, so as text)
    assert diffs["cost_per_recovered"].within_noise  # nothing collected: no ratio, no claim
    other = {d.metric: d for d in paired_differences(a, b, n_boot=200, seed=4)}
    assert other["recovery_rate"].low != rec.low


def test_a_split_experiment_sees_each_account_under_one_policy() -> None:
    accounts = generate_portfolio(80, seed=5)
    exp = run_experiment(
        REFERENCE_POLICY, REFERENCE_POLICY, accounts, START, 30, salt="t", share=0.25
    )
    champ = {a.account_id for a in exp.champion.accounts}
    chall = {a.account_id for a in exp.challenger.accounts}
    assert not champ & chall
    assert len(champ | chall) == 80
    split = {"champion": 0.75, "challenger": 0.25}
    assert all(arm_of(i, "t", split) == "challenger" for i in chall)
    diffs = exp.differences(n_boot=100)
    assert not any(d.paired for d in diffs)
    assert len(exp.to_frame()) == 80
    assert "experiment, salt t" in exp._repr_html_()
    # the same policy in both arms: whatever the split shows is noise
    assert diffs[0].within_noise


def test_sample_size_matches_the_textbook_and_grows_as_the_difference_shrinks() -> None:
    # Two proportions 0.60 vs 0.65, alpha 0.05 two-sided, power 0.8, equal arms: ~1,470 per arm.
    n = sample_size(0.60, 0.05)
    assert 1400 <= n["champion"] <= 1500
    assert n["champion"] == n["challenger"]
    assert sample_size(0.60, 0.02)["total"] > 5 * n["total"]
    lopsided = sample_size(0.60, 0.05, share=0.1)
    assert lopsided["champion"] > lopsided["challenger"]
    assert lopsided["total"] > n["total"]
    with pytest.raises(OverdueError):
        sample_size(0.99, 0.05)


def test_a_handful_of_changed_accounts_is_within_noise_even_if_the_interval_is_not() -> None:
    from decimal import Decimal

    from overdue import Money
    from overdue.simulate import SimulatedAccount, SimulationResult

    def run(paid: int) -> SimulationResult:
        rows = []
        for i in range(300):
            owed = Money("100.00", "CNY")
            got = owed if i < paid else Money("0.00", "CNY")
            rows.append(SimulatedAccount(f"A-{i}", owed, got, 1 if i < paid else None, None, (),
                                      {}, Decimal(0)))
        return SimulationResult("p", START, 10, tuple(rows))

    few = {d.metric: d for d in paired_differences(run(150), run(156), n_boot=400)}
    d = few["resolved_share"]
    assert d.changed == 6
    assert d.low > 0  # every resample that holds a changed account moves one way...
    assert d.within_noise  # ...but six accounts are thin evidence
    many = {d.metric: d for d in paired_differences(run(150), run(190), n_boot=400)}
    assert many["resolved_share"].changed == 40
    assert not many["resolved_share"].within_noise
