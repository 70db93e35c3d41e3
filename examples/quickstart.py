"""The README's quick start: one decision with its explanation, then a 120-day timeline.

Run: python examples/quickstart.py
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, timeline


def main() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    account = Account(
        "A-1001",
        timezone="Asia/Shanghai",
        contacts=[
            ContactPoint("sms", "+86 138 0013 8000"),
            ContactPoint("phone", "+86 138 0013 8000"),
            ContactPoint("email", "li.lei@example.com"),
            ContactPoint("letter", "1 Example Road, Pudong, Shanghai"),
        ],
        invoices=[Invoice("INV-1", Money("1200.50", "CNY"), date(2026, 1, 10))],
    )
    now = datetime(2026, 1, 11, 21, 40, tzinfo=shanghai)
    decision = decide(REFERENCE_POLICY, account, now)
    print(decision.explain())
    print()
    print("timeline, day 1 to day 120, if nobody answers:")
    for entry in timeline(REFERENCE_POLICY, account, now, now + timedelta(days=120)):
        local = entry.at.astimezone(shanghai)
        what = f"{entry.channel} {entry.template}" if entry.channel else entry.detail
        print(f"  {local:%Y-%m-%d %H:%M}  {entry.kind:<14} {entry.stage or '-':<14} {what}")


if __name__ == "__main__":
    main()
