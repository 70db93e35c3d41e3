"""Shared helpers for the importer tests: the data folder and a one-invoice timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from overdue import Account, Invoice, Money, timeline
from overdue.policy import Policy

DATA = Path(__file__).resolve().parent / "data"


def entered(policy: Policy, account: Account, start: date, *, days: int = 120) -> dict[str, date]:
    """The UTC date each rung is first entered when nothing changes and nobody pays."""
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
    out: dict[str, date] = {}
    for e in timeline(policy, account, begin, begin + timedelta(days=days)):
        if e.kind == "stage_entered" and e.stage is not None:
            out.setdefault(e.stage, e.at.astimezone(UTC).date())
    return out


def one_invoice(due: date, amount: str = "10.00", currency: str = "USD") -> Account:
    """An account in UTC with a single unpaid invoice due (Kill Bill: dated) on ``due``."""
    return Account("A-1", timezone="UTC", invoices=[Invoice("INV-1", Money(amount, currency), due)])
