"""Presets: the national standard and the banking guideline stacked on the reference ladder.

Prints what each preset holds (every limit with its source and verification mark), then a
decision at 22:10 Shanghai time after three unanswered calls and three conversations today,
whose reasons cite the rules that moved the contacts.  Presets are a tool, not legal advice.

Run: python examples/presets_demo.py
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Invoice, Money, decide
from overdue.events import ContactAttempted, StageEntered
from overdue.presets import preset, with_presets
from overdue.reference import reference_policy


def main() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    policy = with_presets(reference_policy(), "cn_gbt_2025", "cn_cba_2026")
    for name in policy.presets:
        print(preset(name).explain())
        print()

    def at(hour: int) -> datetime:
        return datetime(2026, 3, 3, hour, tzinfo=shanghai)

    calls = [
        ContactAttempted(at=at(h), channel="phone", outcome=o, contact_point="+86 138 0013 8000")
        for h, o in ((9, "no_answer"), (11, "conversation"), (13, "no_answer"))
    ]
    calls += [ContactAttempted(at=at(h), channel="phone", outcome="conversation") for h in (15, 17)]
    account = Account(
        "A-2001",
        timezone="Asia/Shanghai",
        contacts=[
            ContactPoint("sms", "+86 138 0013 8000"),
            ContactPoint("phone", "+86 138 0013 8000"),
            ContactPoint("email", "han.mei@example.com"),
        ],
        invoices=[Invoice("INV-7", Money("3400.00", "CNY"), date(2026, 2, 10))],
        events=[
            StageEntered(at=datetime(2026, 2, 11, 9, tzinfo=shanghai), stage="reminder"),
            StageEntered(at=datetime(2026, 3, 1, 9, tzinfo=shanghai), stage="courtesy_call"),
            *calls,
        ],
    )
    decision = decide(policy, account, datetime(2026, 3, 3, 22, 10, tzinfo=shanghai))
    print(decision.explain())


if __name__ == "__main__":
    main()
