"""An overpayment is the debtor's money: its credit settles later invoices until it is spent.

Before this fix the fold applied a credit to the next invoice and dropped what was left, so a
debtor who paid 150.00 against one 50.00 invoice was later dunned for the third invoice.
"""

from datetime import UTC, date, datetime, timedelta

from overdue import REFERENCE_POLICY, Account, Money, decide, fold
from overdue.events import InvoiceIssued, PaymentReceived

T = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _bill(name: str, hours: int, amount: str = "50.00") -> InvoiceIssued:
    return InvoiceIssued(
        at=T + timedelta(hours=hours),
        invoice_id=name,
        amount=Money(amount, "CNY"),
        due=date(2026, 3, 10),
    )


def test_a_credit_settles_every_later_invoice_it_can() -> None:
    paid_ahead = Account(
        "CREDIT",
        timezone="Asia/Shanghai",
        events=(
            _bill("A", 0),
            PaymentReceived(at=T + timedelta(hours=1), amount=Money("150.00", "CNY")),
            _bill("B", 2),
            _bill("C", 3),
        ),
    )
    snap = fold(paid_ahead, T + timedelta(days=30))
    assert snap.balance == Money("0.00", "CNY")
    assert decide(REFERENCE_POLICY, paid_ahead, T + timedelta(days=30)).status == "resolved"


def test_what_the_credit_cannot_cover_is_still_owed() -> None:
    short = Account(
        "SHORT",
        timezone="Asia/Shanghai",
        events=(
            _bill("A", 0),
            PaymentReceived(at=T + timedelta(hours=1), amount=Money("120.00", "CNY")),
            _bill("B", 2),
            _bill("C", 3),
        ),
    )
    assert fold(short, T + timedelta(days=30)).balance == Money("30.00", "CNY")


def test_apply_carries_the_credit_as_the_fold_does() -> None:
    events = (
        _bill("A", 0),
        PaymentReceived(at=T + timedelta(hours=1), amount=Money("150.00", "CNY")),
        _bill("B", 2),
        _bill("C", 3),
    )
    snap = fold(Account("STEP", timezone="UTC"), T)
    for event in events:
        snap = snap.apply(event)
    folded = fold(Account("STEP", timezone="UTC", events=events), T + timedelta(hours=4))
    assert snap.balance == folded.balance == Money("0.00", "CNY")
