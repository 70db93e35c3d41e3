"""A debtor with three debts and two phone numbers: who gets called, when, and on which number.

The policy (a TOML policy file, inline) reminds by SMS, then calls daily.  Two caps make the
budget shared: at most two calls a day to the person (all debts together), at most one a day
to each number; the call step rotates to the next number when one is capped, found invalid or
unanswered twice in a row.  The home number turns out to be invalid on 7 March.

Run: python examples/debtor_timeline.py
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Invoice, Money
from overdue.config import loads_policy
from overdue.debtor import Debtor
from overdue.decision import Action
from overdue.engine.debtors import debtor_timeline, decide_debtor

POLICY = """
schema = "overdue.policy/1"
id = "shared-budget"

[[stages]]
id = "reminder"
deadline = "3d"
steps = [{ channel = "sms", template = "reminder.sms" }]

[[stages]]
id = "calls"

[[stages.steps]]
channel = "phone"
template = "call"
repeat_every = "1d"
max_attempts = 4
rotate = ["capped", "invalid", "unanswered"]  # move on to the next number when...
rotate_after = 2                              # ...two calls in a row went unanswered

[[rules]]
kind = "contact_hours"
id = "hours"
window = ["08:00", "21:00"]

[[rules]]
kind = "frequency_cap"
id = "two-calls-a-day-per-person"
max_contacts = 2
per = "1d"
window = "rolling_days"
scope = "debtor"
channels = ["phone"]

[[rules]]
kind = "frequency_cap"
id = "one-call-a-day-per-number"
max_contacts = 1
per = "1d"
window = "rolling_days"
scope = "contact_point"
channels = ["phone"]
"""

NY = ZoneInfo("America/New_York")
MOBILE = "+1 212 555 0100"
HOME = "+1 212 555 0111"


def _debt(debt_id: str, amount: str, due: date) -> Account:
    return Account(debt_id, invoices=[Invoice(f"{debt_id}-INV", Money(amount, "USD"), due)])


def _answer(_debt_id: str, action: Action, at: datetime) -> str:
    """Calls go unanswered; the home number is found invalid from 7 March."""
    if action.channel != "phone":
        return "delivered"
    if action.contact is not None and action.contact.address == HOME and at.day >= 7:
        return "invalid_number"
    return "no_answer"


def main() -> None:
    policy = loads_policy(POLICY, format="toml")
    debtor = Debtor(
        "P-100",
        [
            _debt("CARD-2", "420.00", date(2026, 2, 1)),
            _debt("LOAN-1", "1800.00", date(2026, 1, 20)),
            _debt("LOAN-3", "95.00", date(2026, 2, 10)),
        ],
        contacts=[
            ContactPoint("sms", MOBILE, kind="mobile"),
            ContactPoint("phone", MOBILE, kind="mobile"),
            ContactPoint("phone", HOME, kind="home"),
        ],
        timezone="America/New_York",
    )
    start = datetime(2026, 3, 2, 9, 0, tzinfo=NY)
    order = [d.debt_id for d in decide_debtor(policy, debtor, start).debts]
    print(f"debtor {debtor.id}: 3 debts, 2 numbers; the budget goes oldest debt first: ", end="")
    print(", ".join(order))
    print()
    until = datetime(2026, 3, 12, tzinfo=NY)
    for entry in debtor_timeline(policy, debtor, start, until, answer=_answer):
        print(entry.render())


if __name__ == "__main__":
    main()
