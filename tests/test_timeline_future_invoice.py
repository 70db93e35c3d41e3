"""Side finding of issue 18, fixed in the engine: ``timeline`` never woke for an invoice that is
already in the account's history but issued after the start (the decision had no ``wake_at``,
and the projection's kept snapshot never took in events dated after its start).

Now ``decide`` wakes at the next event on file dated after ``now``, and the projection applies
such events when it reaches them: it enters the first rung the day after the invoice falls due,
as it does when the same invoice is known from the start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs

from overdue import REFERENCE_POLICY, Account, Money, decide, timeline
from overdue.events import InvoiceIssued, PaymentReceived, WrittenOff
from overdue.snapshot import fold

START = datetime(2026, 1, 16, tzinfo=UTC)


def _future_invoice_account() -> Account:
    issued = InvoiceIssued(
        at=datetime(2026, 2, 1, tzinfo=UTC),
        invoice_id="INV-2",
        amount=Money("50.00", "CNY"),
        due=date(2026, 3, 1),
    )
    return Account("A-future", timezone="Asia/Shanghai", events=[issued])


def test_timeline_wakes_for_an_invoice_issued_after_the_start() -> None:
    account = _future_invoice_account()
    entries = timeline(REFERENCE_POLICY, account, START, datetime(2026, 4, 1, tzinfo=UTC))
    entered = [e for e in entries if e.kind == "stage_entered"]
    assert entered, [(e.at, e.kind, e.detail) for e in entries]
    assert entered[0].stage == "reminder"
    assert entered[0].at.date() == date(2026, 3, 2)
    # The same as when the invoice is known from the start.
    issued = datetime(2026, 2, 1, tzinfo=UTC)
    known = timeline(REFERENCE_POLICY, account, issued, datetime(2026, 4, 1, tzinfo=UTC))
    assert next(e for e in known if e.kind == "stage_entered") == entered[0]


def test_decide_wakes_when_an_event_on_file_takes_effect() -> None:
    account = _future_invoice_account()
    d = decide(REFERENCE_POLICY, account, START)
    assert d.status == "current"
    assert d.wake_at is not None
    assert d.wake_at == datetime(2026, 2, 1, tzinfo=UTC)
    # A kept snapshot (folded at now) gives the same answer as a fresh fold.
    kept = decide(REFERENCE_POLICY, account, START, snapshot=fold(account, START))
    assert kept == d
    # As known before the invoice was recorded, nothing is on file: no wake.
    late = attrs.evolve(
        account,
        events=[attrs.evolve(account.events[0], recorded_at=datetime(2026, 1, 20, tzinfo=UTC))],
    )
    known = decide(REFERENCE_POLICY, late, START, as_known_at=START)
    assert known.wake_at is None


def test_wake_is_never_later_than_a_future_payment_and_the_timeline_resolves_there() -> None:
    inv = InvoiceIssued(
        at=datetime(2026, 1, 1, tzinfo=UTC),
        invoice_id="INV-1",
        amount=Money("80.00", "CNY"),
        due=date(2026, 1, 5),
    )
    pay = PaymentReceived(at=datetime(2026, 3, 3, 8, tzinfo=UTC), amount=Money("80.00", "CNY"))
    account = Account("A-pays-later", timezone="Asia/Shanghai", events=[inv, pay])
    now = datetime(2026, 3, 1, tzinfo=UTC)
    without = decide(REFERENCE_POLICY, attrs.evolve(account, events=[inv]), now)
    with_pay = decide(REFERENCE_POLICY, account, now)
    assert with_pay.wake_at is not None
    assert with_pay.wake_at <= pay.at
    # Nothing but the wake time moves.
    assert attrs.evolve(with_pay, wake_at=without.wake_at) == without
    entries = timeline(REFERENCE_POLICY, account, now, datetime(2026, 6, 1, tzinfo=UTC))
    assert entries[-1].kind == "resolved"
    assert all(e.at <= pay.at for e in entries)


def test_a_written_off_account_does_not_wake_for_later_events() -> None:
    inv = InvoiceIssued(
        at=datetime(2026, 1, 1, tzinfo=UTC),
        invoice_id="INV-1",
        amount=Money("80.00", "CNY"),
        due=date(2026, 1, 5),
    )
    off = WrittenOff(at=datetime(2026, 2, 1, tzinfo=UTC))
    pay = PaymentReceived(at=datetime(2026, 3, 3, tzinfo=UTC), amount=Money("10.00", "CNY"))
    account = Account("A-off", timezone="Asia/Shanghai", events=[inv, off, pay])
    d = decide(REFERENCE_POLICY, account, datetime(2026, 2, 10, tzinfo=UTC))
    assert d.status == "written_off"
    assert d.wake_at is None
