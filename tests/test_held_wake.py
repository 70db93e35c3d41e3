"""Named bug fix (issue 15): a held decision does not change with the hour it is made.

Before the fix, a step stopped by an open-ended hold (a dispute, a manual hold with no end)
also listed the deferrals met on the way -- "outside contact hours until 08:00" -- when the
decision was made outside contact hours, and none within them.  The wake time followed
(08:00 the next day, or none), so the same account with the same history got a different
decision at 15:00 and at 21:00 although nothing could go at either; and a decision made at
15:00 said "only a new fact changes this" (no wake time) while the one at 21:00 differed.  A
blocked step now states its blocks only: what the decision waits for is the fact that lifts
them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from overdue import REFERENCE_POLICY, Account, ContactPoint, Money, decide
from overdue.config import decision_to_dict
from overdue.events import DisputeOpened, Event, InvoiceIssued, ManualHold, StageEntered

START = datetime(2026, 1, 1, tzinfo=UTC)


def held(extra: Event) -> Account:
    return Account(
        "A-HELD",
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", "+8613800000000"),),
        events=(
            InvoiceIssued(at=START, invoice_id="I", amount=Money("50.00", "CNY"),
                          due=START.date()),
            StageEntered(at=START, stage="reminder"),
            extra,
        ),
    )  # fmt: skip


def timeless(record: dict[str, object]) -> dict[str, object]:
    """The record without what says when it was made."""
    return {k: v for k, v in record.items() if k not in ("at", "days_overdue")}


@pytest.mark.parametrize(
    "hold",
    [DisputeOpened(at=START, dispute_id="D1"), ManualHold(at=START, reason="checking")],
    ids=["dispute", "manual_hold"],
)
def test_a_held_decision_is_the_same_at_every_hour(hold: Event) -> None:
    account = held(hold)
    # 15:00, 21:00 (contact hours over), 05:00 (not yet open) and two days later, in Shanghai.
    t0 = datetime(2026, 1, 2, 7, tzinfo=UTC)
    nows = [t0, t0 + timedelta(hours=6), t0 + timedelta(hours=14), t0 + timedelta(days=2)]
    decisions = [decide(REFERENCE_POLICY, account, now) for now in nows]
    for d in decisions:
        assert d.status == "on_hold"
        assert d.wake_at is None  # only a new fact (the hold lifted) changes it
        assert d.blocked
        for b in d.blocked:
            assert [r.code for r in b.reasons] == ["hold"]
            assert all(r.until is None for r in b.reasons)
    first = timeless(decision_to_dict(decisions[0]))
    for d in decisions[1:]:
        assert timeless(decision_to_dict(d)) == first


def test_a_deferred_step_still_states_its_deferral() -> None:
    """Only blocked steps drop their deferrals: a step that can go later still says why."""
    account = held(ManualHold(at=START, reason="checking", until=START + timedelta(days=9)))
    d = decide(REFERENCE_POLICY, account, datetime(2026, 1, 2, 13, tzinfo=UTC))  # 21:00 local
    assert d.actions
    assert not d.blocked
    assert d.wake_at is not None
    assert d.wake_at.astimezone(UTC) == START + timedelta(days=9)
    assert "hold" in [r.code for r in d.actions[0].reasons]
