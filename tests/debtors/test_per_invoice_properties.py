"""Property: splitting an account per invoice allocates every payment as the fold does.

Whatever the history (late invoices, payments naming an invoice or none, overpayments kept as
credit), each invoice's own debt owes at every moment exactly what the account's fold says
that invoice owes, and nothing paid is lost: allocated plus credit is what was paid.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from overdue import Account, fold
from overdue.engine.invoices import invoice_debtor
from overdue.events import InvoiceIssued, PaymentReceived
from overdue.testing.strategies import accounts

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(account=accounts(), cut=st.floats(0, 1))
def test_each_invoice_owes_what_the_fold_says_at_every_moment(account: Account, cut: float) -> None:
    assume(any(isinstance(e, InvoiceIssued) for e in account.events))
    times = sorted(e.at for e in account.events)
    at = times[int(cut * (len(times) - 1))]
    snap = fold(account, at)
    debts = {d.id: fold(d, at) for d in invoice_debtor(account).debts}
    for state in snap.invoices:
        assert debts[state.invoice_id].balance is not None
        assert debts[state.invoice_id].balance.amount == state.outstanding  # type: ignore[union-attr]
    paid = sum((p.amount.amount for p in snap.payments), Decimal(0))
    allocated = sum(
        (
            p.amount.amount
            for s in debts.values()
            for p in s.payments
            if isinstance(p, PaymentReceived)
        ),
        Decimal(0),
    )
    assert allocated + snap.credit == paid
