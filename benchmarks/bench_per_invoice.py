"""What a per-invoice ladder costs next to one ladder per account (issue 18, item 4), here.

Usage::

    python benchmarks/bench_per_invoice.py            # 2, 5, 20 and 50 invoices

For an account with N monthly invoices, a few payments and one contact per invoice, it times
``decide`` (the account as a whole, ``ladder_per = "account"``) and ``decide_invoices`` (one
ladder per invoice sharing a one-contact-a-day cap) and prints the ratio.  ``decide_invoices``
splits the account (one fold, then a replay of invoices and payments) and decides each unpaid
invoice through ``decide_debtor``, so its cost grows with the unpaid invoices.
"""

from __future__ import annotations

import os
import platform
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Money, Policy, Stage, Step, decide, fold
from overdue.conditions import days_overdue_at_least
from overdue.engine.invoices import decide_invoices
from overdue.events import ContactAttempted, Event, InvoiceIssued, PaymentReceived
from overdue.rules import ContactHours, FrequencyCap

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 10, tzinfo=NY)


def policy(per: str) -> Policy:
    return Policy(
        "bench",
        ladder_per=per,  # type: ignore[arg-type]
        stages=(
            Stage(
                "reminder",
                enters_when=days_overdue_at_least(1),
                steps=(Step("sms", template="reminder"),),
                deadline="10d",
            ),
            Stage(
                "formal",
                enters_when=days_overdue_at_least(30),
                steps=(Step("letter", template="formal"),),
            ),
        ),
        rules=(
            ContactHours("hours"),
            FrequencyCap("one-a-day", max_contacts=1, per="1d", window="rolling_days"),
        ),
    )


def account(n: int) -> Account:
    events: list[Event] = []
    for k in range(n):
        due = date(2026, 2, 20) - timedelta(days=30 * (n - 1 - k))
        issued = datetime(due.year, due.month, due.day, 9, tzinfo=NY) - timedelta(days=14)
        events.append(
            InvoiceIssued(at=issued, invoice_id=f"I{k}", amount=Money("100.00", "USD"), due=due)
        )
        events.append(
            ContactAttempted(
                at=issued + timedelta(days=16, hours=1),
                channel="sms",
                outcome="delivered",
                debt_id=f"I{k}",
            )
        )
        if k % 3 == 0:
            events.append(
                PaymentReceived(at=issued + timedelta(days=20), amount=Money("60.00", "USD"))
            )
    events.sort(key=lambda e: e.at)
    return Account(
        "ACC",
        timezone="America/New_York",
        contacts=[ContactPoint("sms", "+12125550100"), ContactPoint("letter", "1 Main St")],
        events=events,
    )


def per_call(fn: object, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - start) / repeat


def main() -> None:
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores (shared), {platform.machine()}"
    )
    whole, split = policy("account"), policy("invoice")
    print(f"{'invoices':>8} {'unpaid':>6} {'decide ms':>10} {'per-invoice ms':>15} {'ratio':>6}")
    for n in (2, 5, 20, 50):
        acct = account(n)
        unpaid = sum(1 for s in fold(acct, NOW).invoices if not s.settled)
        repeat = max(3, 200 // n)
        one = per_call(lambda acct=acct: decide(whole, acct, NOW), repeat)
        many = per_call(lambda acct=acct: decide_invoices(split, acct, NOW), max(2, repeat // 4))
        print(f"{n:>8} {unpaid:>6} {one * 1e3:>10.2f} {many * 1e3:>15.2f} {many / one:>6.1f}")


if __name__ == "__main__":
    main()
