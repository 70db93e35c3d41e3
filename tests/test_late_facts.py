"""Late and out-of-order facts (issue 12, item 2): folded in effective order, audited as known.

Before: an event earlier than the last one recorded raised ``EventError`` ("events must be in
time order"), so a late payment webhook made the account undecidable until the host re-sorted
its history.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, Invoice, Money, decide, fold
from overdue.config.accounts import account_from_dict, account_to_dict
from overdue.errors import EventError, OverdueError
from overdue.events import (
    ContactAttempted,
    DisputeOpened,
    DisputeResolved,
    PaymentReceived,
    StageEntered,
)
from overdue.testing.strategies import accounts

SH = ZoneInfo("Asia/Shanghai")


def _debtor() -> Account:
    return Account(
        "L-1",
        timezone="Asia/Shanghai",
        invoices=[Invoice("I-1", Money("500.00", "CNY"), date(2026, 3, 1))],
        events=[
            StageEntered(at=datetime(2026, 3, 2, 9, tzinfo=SH), stage="reminder"),
            ContactAttempted(
                at=datetime(2026, 3, 2, 9, tzinfo=SH),
                channel="sms",
                outcome="delivered",
                stage="reminder",
                step="reminder.sms",
                template="reminder.sms",
            ),
        ],
    )


LATE_PAYMENT = PaymentReceived(
    at=datetime(2026, 3, 2, 8, tzinfo=SH),
    amount=Money("200.00", "CNY"),
    recorded_at=datetime(2026, 3, 3, 11, tzinfo=SH),
)


def test_a_late_payment_is_applied_where_it_took_effect() -> None:
    acct = _debtor().with_events(LATE_PAYMENT)
    now = datetime(2026, 3, 3, 12, tzinfo=SH)
    d = decide(REFERENCE_POLICY, acct, now)
    assert d.balance == Money("300.00", "CNY")
    snap = fold(acct)
    assert [type(e).__name__ for e in snap.history] == [
        "PaymentReceived",
        "StageEntered",
        "ContactAttempted",
    ]
    assert len(snap.contacts) == 1  # the SMS sent before the webhook stays a fact
    assert d == decide(REFERENCE_POLICY, Account(
        "L-1",
        timezone="Asia/Shanghai",
        invoices=acct.invoices,
        events=sorted(acct.events, key=lambda e: e.at),
    ), now)


def test_as_known_at_reproduces_the_decision_made_before_the_webhook() -> None:
    before = _debtor()
    later = before.with_events(LATE_PAYMENT)
    now = datetime(2026, 3, 2, 12, tzinfo=SH)
    known = datetime(2026, 3, 2, 12, tzinfo=SH)
    assert decide(REFERENCE_POLICY, later, now, as_known_at=known) == decide(
        REFERENCE_POLICY, before, now
    )
    assert decide(REFERENCE_POLICY, later, now).balance == Money("300.00", "CNY")


def test_a_back_dated_dispute_pauses_the_clock_from_its_effective_time() -> None:
    opened = datetime(2026, 3, 2, 10, tzinfo=SH)
    acct = _debtor().with_events(
        DisputeOpened(at=opened, dispute_id="D", recorded_at=datetime(2026, 3, 9, tzinfo=SH)),
        DisputeResolved(at=datetime(2026, 3, 9, 1, tzinfo=SH), dispute_id="D"),
    )
    now = datetime(2026, 3, 9, 2, tzinfo=SH)
    d = decide(REFERENCE_POLICY, acct, now)
    plain = decide(REFERENCE_POLICY, _debtor(), now)
    assert plain.deadline is not None
    assert d.deadline is not None
    # Held from 03-02 10:00 to 03-09 01:00: the rung's deadline moves on by that much.
    assert d.deadline - plain.deadline >= timedelta(days=6)
    held = decide(REFERENCE_POLICY, acct, datetime(2026, 3, 8, tzinfo=SH))
    assert held.status == "on_hold"
    assert "cleared:dispute_open" in held.waiting_for


def test_as_known_at_cannot_be_combined_with_a_held_snapshot() -> None:
    acct = _debtor()
    now = datetime(2026, 3, 3, tzinfo=SH)
    with pytest.raises(OverdueError, match="as_known_at"):
        decide(REFERENCE_POLICY, acct, now, snapshot=fold(acct, now), as_known_at=now)


def test_a_resolution_before_its_dispute_is_refused_with_its_index() -> None:
    acct = _debtor().with_events(
        DisputeOpened(at=datetime(2026, 3, 2, 10, tzinfo=SH), dispute_id="D"),
        DisputeResolved(at=datetime(2026, 3, 2, 9, 30, tzinfo=SH), dispute_id="D"),
    )
    with pytest.raises(EventError) as info:
        fold(acct)
    assert info.value.event_index == 3
    assert info.value.account_id == "L-1"


def test_recorded_at_round_trips_through_account_json() -> None:
    acct = _debtor().with_events(LATE_PAYMENT)
    doc = account_to_dict(acct)
    assert doc["events"][-1]["recorded_at"] == "2026-03-03T11:00:00+08:00"
    assert "recorded_at" not in doc["events"][0]
    assert account_from_dict(doc) == acct


def test_recorded_at_must_be_aware() -> None:
    with pytest.raises(OverdueError):
        PaymentReceived(
            at=datetime(2026, 3, 2, tzinfo=SH),
            amount=Money("1.00", "CNY"),
            recorded_at=datetime(2026, 3, 2),
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(policy=REFERENCE_POLICY), st.randoms(use_true_random=False), st.integers(0, 60))
def test_the_order_of_recording_does_not_matter(
    acct: Account, rnd: object, days: int
) -> None:
    times = [e.at for e in acct.events]
    assume(len(set(times)) == len(times))  # ties keep the order given, by design
    shuffled = list(acct.events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    mixed = Account(acct.id, timezone=acct.timezone, contacts=acct.contacts, events=shuffled)
    now = max(times) + timedelta(days=days)
    assert fold(mixed, now) == fold(acct, now)
    assert decide(REFERENCE_POLICY, mixed, now) == decide(REFERENCE_POLICY, acct, now)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(policy=REFERENCE_POLICY), st.data())
def test_late_payments_applied_to_a_held_snapshot_refold_into_place(
    acct: Account, data: st.DataObject
) -> None:
    # Payments never contradict anything, so any of them may arrive late; the held snapshot
    # must end up where a fresh fold of the whole history is.
    ordered = sorted(acct.events, key=lambda e: e.at)
    pays = [i for i, e in enumerate(ordered) if isinstance(e, PaymentReceived)]
    late = set(data.draw(st.lists(st.sampled_from(pays), unique=True)) if pays else [])
    arrival = [e for i, e in enumerate(ordered) if i not in late]
    arrival += [ordered[i] for i in sorted(late)]
    snap = fold(Account(acct.id, timezone=acct.timezone, contacts=acct.contacts))
    for e in arrival:
        snap = snap.apply(e)
    whole = Account(acct.id, timezone=acct.timezone, contacts=acct.contacts, events=arrival)
    assert snap == fold(whole)
