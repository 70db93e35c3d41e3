"""Bounded proofs: every history up to a bound, with memoisation; a pasteable counterexample."""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money
from overdue.testing import Move, play, prove, requirements_of
from overdue.testing.mutants import mutant

ACCOUNT = Account(
    "A-1",
    timezone="Asia/Shanghai",
    contacts=[
        ContactPoint("sms", "+8613800000000"),
        ContactPoint("phone", "+8613800000001"),
        ContactPoint("email", "debtor@example.com"),
        ContactPoint("letter", "1 Example Road"),
    ],
    invoices=[Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 3, 2))],
)
HOURS_AND_CAPS = requirements_of(REFERENCE_POLICY).only("hours", "caps")


def test_the_reference_policys_hours_and_caps_hold_for_every_history_of_14_days() -> None:
    """The CI proof: 14 days, a move a day, up to two moves (dispute, its resolution, an
    opt-out of calls, a promise, the debtor answering).  benchmarks/bench_testing_kit.py
    prints the figures."""
    result = prove(REFERENCE_POLICY, HOURS_AND_CAPS, ACCOUNT, days=14, grid=timedelta(days=1))
    assert result.holds, str(result)
    assert result.counterexample is None
    assert result.histories > 1000
    assert result.merged > 0  # histories meeting in one state were explored once
    assert "14 days" in result.bound


def test_a_debtor_whose_zone_is_unknown_is_proved_in_the_assumed_zone() -> None:
    unknown = attrs.evolve(ACCOUNT, timezone=None)
    result = prove(
        REFERENCE_POLICY, HOURS_AND_CAPS, unknown, days=7, grid=timedelta(days=1), max_moves=1
    )
    assert result.holds, str(result)


def test_hours_and_caps_hold_across_a_daylight_saving_change() -> None:
    # Berlin moves its clocks forward on 2026-03-29, inside the 14 days.
    berlin = attrs.evolve(
        ACCOUNT,
        timezone="Europe/Berlin",
        invoices=(Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 3, 22)),),
    )
    result = prove(REFERENCE_POLICY, HOURS_AND_CAPS, berlin, days=14, grid=timedelta(days=1))
    assert result.holds, str(result)


def test_a_widened_window_is_refuted_with_the_earliest_shortest_history() -> None:
    widened = mutant(REFERENCE_POLICY, "hours_widened:contact-hours").policy
    result = prove(widened, HOURS_AND_CAPS, ACCOUNT, days=14, grid=timedelta(days=1))
    assert not result.holds
    assert result.counterexample == ()  # no move needed: the first reminder goes at 06:00
    assert result.violations[0].invariant == "requirement:contact_hours"
    assert "06:00" in result.violations[0].message


def test_a_cap_that_only_breaks_after_a_move_is_refuted_with_that_move() -> None:
    # Opting out of calls sends the courtesy call's attempts to SMS, its fallback: with the
    # weekly cap removed, the SMS pile up past what the requirements allow.
    uncapped = mutant(REFERENCE_POLICY, "cap_removed:three-contacts-a-week").policy
    result = prove(uncapped, HOURS_AND_CAPS, ACCOUNT, days=14, grid=timedelta(days=1))
    assert not result.holds
    assert result.violations[0].invariant == "requirement:caps"
    assert result.account is not None


def test_the_counterexample_is_a_pasteable_regression_test() -> None:
    widened = mutant(REFERENCE_POLICY, "hours_widened:contact-hours").policy
    result = prove(widened, HOURS_AND_CAPS, ACCOUNT, days=3, grid=timedelta(days=1))
    source = result.regression_test("widened", "requirements")
    assert source.startswith("from datetime import")
    pasted: dict[str, object] = {"widened": widened, "requirements": HOURS_AND_CAPS}
    exec(source, pasted)  # the file a user pastes it into
    with pytest.raises(AssertionError):
        pasted["test_bounded_proof_counterexample"]()  # type: ignore[operator]
    # ... and it passes once the policy is fixed.
    fixed: dict[str, object] = {"widened": REFERENCE_POLICY, "requirements": HOURS_AND_CAPS}
    exec(source, fixed)
    fixed["test_bounded_proof_counterexample"]()  # type: ignore[operator]


def test_play_replays_the_moves_prove_explores() -> None:
    start = ACCOUNT
    moves = [Move("dispute", _at(2)), Move("resolve_dispute", _at(4))]
    played = play(REFERENCE_POLICY, start, moves, _at(7), grid=timedelta(days=1))
    kinds = [type(e).__name__ for e in played.events]
    assert "DisputeOpened" in kinds
    assert "DisputeResolved" in kinds


def _at(day: int):  # type: ignore[no-untyped-def]
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(2026, 3, 3, tzinfo=ZoneInfo("Asia/Shanghai")) + timedelta(days=day)


def test_an_unknown_move_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown move"):
        prove(REFERENCE_POLICY, HOURS_AND_CAPS, ACCOUNT, days=1, moves=("dance",))
