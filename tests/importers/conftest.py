"""Shared helpers for the importer tests: the data folder and a one-invoice timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from overdue import Account, Invoice, Money, timeline
from overdue.engine.debtors import debtor_timeline
from overdue.engine.invoices import invoice_debtor
from overdue.policy import Policy

DATA = Path(__file__).resolve().parent / "data"


def entered(policy: Policy, account: Account, start: date, *, days: int = 120) -> dict[str, date]:
    """The UTC date each rung is first entered when nothing changes and nobody pays."""
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
    out: dict[str, date] = {}
    until = begin + timedelta(days=days)
    # A per-invoice policy (OCA's) is refused by timeline(): its schedule is per invoice.
    entries = (
        debtor_timeline(policy, invoice_debtor(account), begin, until)
        if policy.ladder_per == "invoice"
        else timeline(policy, account, begin, until)
    )
    for e in entries:
        if e.kind == "stage_entered" and e.stage is not None:
            out.setdefault(e.stage, e.at.astimezone(UTC).date())
    return out


def one_invoice(due: date, amount: str = "10.00", currency: str = "USD") -> Account:
    """An account in UTC with a single unpaid invoice due (Kill Bill: dated) on ``due``."""
    return Account("A-1", timezone="UTC", invoices=[Invoice("INV-1", Money(amount, currency), due)])
