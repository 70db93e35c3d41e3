"""A host loop: a handful of accounts, day by day, through decide -> dispatch -> record.

Run it from the repository root::

    python examples/host_loop.py            # 70 days, a throw-away SQLite ledger
    python examples/host_loop.py --days 40 --ledger /tmp/overdue-ledger.db

Each simulated morning (10:00 in the debtor's zone) the host records what happened overnight
(payments, disputes, authorisations), asks the engine what to do, appends the stage changes it
decided, dispatches the due actions through its adapters with a SQLite ledger, and appends the
outcome events.  The policy is the reference ladder with its field-visit rung on: one debtor's
file gets the visit authorised, and the host acknowledges the visit's conduct obligations (its
contract with the visiting firm covers them) when it dispatches.  The adapters here print
instead of sending; see ``examples/adapters/`` for
real SMTP and HTTP ones.  At the end the first day's batch is dispatched again, to show that a
retried batch sends nothing twice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Invoice, Money, decide, reference_policy
from overdue.decision import Action
from overdue.dispatch import (
    ChannelRegistry,
    Delivered,
    Dispatcher,
    Message,
    Renderer,
    SqliteLedger,
)
from overdue.dispatch.outcomes import SendOutcome
from overdue.events import (
    AuthorisationGranted,
    DisputeOpened,
    DisputeResolved,
    Event,
    PaymentReceived,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = date(2026, 1, 11)
POLICY = reference_policy(field_visit=True)

VISIT_CONDUCT = {
    "identity_disclosure",
    "show_identification",
    "two_staff",
    "no_entry_without_consent",
    "record_visit",
}
"""The field-visit obligations this host has signed off: its contract with the visiting firm
binds the firm to each.  An obligation missing here makes the dispatcher refuse the visit."""


class PrintingAdapter:
    """Prints one line per message instead of sending it; honours idempotency keys."""

    honours_keys = True

    def __init__(self, channel: str, log: list[str]) -> None:
        self.channel = channel
        self._log = log
        self._seen: set[str] = set()

    def __repr__(self) -> str:
        return f"PrintingAdapter({self.channel!r})"

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        if idempotency_key not in self._seen:
            self._seen.add(idempotency_key)
            to = action.contact.masked[:18] if action.contact is not None else "-"
            first = message.body.replace("\n", " ")
            first = first if len(first) <= 64 else first[:63] + "…"
            self._log.append(f"{action.channel:<11} {to:<18} {action.template:<19} {first}")
        return Delivered(f"{self.channel}:{idempotency_key}")


def accounts() -> list[Account]:
    """Four debtors with different stories."""
    phone = "+8613812345678"

    def acct(id_: str, amount: str, *, mail: str, number: str = phone) -> Account:
        address = f"Room {id_[2:]}, No. 1 Example Road, Shanghai"
        return Account(
            id_,
            timezone="Asia/Shanghai",
            contacts=(
                ContactPoint("sms", number),
                ContactPoint("phone", number),
                ContactPoint("email", mail),
                ContactPoint("letter", address),
                ContactPoint("field_visit", address),
            ),
            invoices=(Invoice(f"INV-{id_}", Money(amount, "CNY"), START - timedelta(days=1)),),
        )

    return [
        acct("A-100", "1200.50", mail="li@example.com"),  # never pays; goes to court
        acct("A-200", "350.00", mail="wang@example.com", number="+8613900001111"),  # pays
        acct("A-300", "80.00", mail="zhao@example.com", number="+8613700002222"),  # small
        acct("A-400", "640.00", mail="chen@example.com", number="+8613600003333"),  # disputes;
        # later a visit is authorised
    ]


def scripted(day: int, at: datetime) -> dict[str, list[Event]]:
    """What happens in the world on a given day, before the host's morning run."""
    story: dict[int, dict[str, list[Event]]] = {
        5: {"A-400": [DisputeOpened(at=at, reason="says the invoice was paid in cash")]},
        9: {"A-200": [PaymentReceived(at=at, amount=Money("350.00", "CNY"))]},
        19: {"A-400": [DisputeResolved(at=at, resolution="no record of the cash payment")]},
        40: {"A-400": [AuthorisationGranted(at=at, authorisation="field_visit")]},
        50: {"A-100": [AuthorisationGranted(at=at, authorisation="legal_review")]},
    }
    return story.get(day, {})


def run(days: int, ledger_path: Path, out: list[str]) -> None:
    log: list[str] = []
    registry = ChannelRegistry()
    for channel in ("sms", "phone", "email", "letter", "in_app", "field_visit", "legal"):
        registry.register(PrintingAdapter(channel, log))
    registry.check(POLICY)  # names every channel of the policy that has no adapter
    renderer = Renderer(
        locale="en",
        locale_for=lambda a: "zh-CN" if a.account_id == "A-100" else None,
        creditor="Example Lending",
        contact_line="400-000-0000",
        agent="Example Field Services",
    )
    renderer.check(POLICY, locales=["en", "zh-CN"])
    books = {a.id: a for a in accounts()}
    first_batch: list[Action] = []
    with SqliteLedger(ledger_path) as ledger:
        dispatcher = Dispatcher(registry, ledger=ledger, renderer=renderer)
        for day in range(days):
            now = datetime.combine(START + timedelta(days=day), time(10), SHANGHAI)
            for account_id, events in scripted(day, now).items():
                books[account_id] = books[account_id].with_events(*events)
            for account_id, account in books.items():
                decision = decide(POLICY, account, now)
                account = account.with_events(*decision.record)
                report = dispatcher.dispatch(
                    decision.actions, now=now, acknowledged_obligations=VISIT_CONDUCT
                )
                account = account.with_events(*report.outcome_events())
                books[account_id] = account
                if day == 0:
                    first_batch.extend(decision.due_actions)
                for line in log:
                    out.append(f"{now:%Y-%m-%d} {account_id:<6} {line}")
                log.clear()
                for result in report.errors:
                    out.append(f"{now:%Y-%m-%d} {account_id:<6} ! {result.describe()}")
        end = datetime.combine(START + timedelta(days=days), time(10), SHANGHAI)
        out.append("")
        out.append(f"after {days} days:")
        for account_id, account in books.items():
            d = decide(POLICY, account, end)
            out.append(f"  {account_id}: {d.status:<8} stage {d.stage or '-'}")
        states: dict[str, int] = {}
        for entry in ledger.entries():
            states[entry.state] = states.get(entry.state, 0) + 1
        out.append(f"ledger: {sum(states.values())} keys, " + ", ".join(
            f"{n} {s}" for s, n in sorted(states.items())
        ))
        again = dispatcher.dispatch(first_batch, now=end)
        out.append(f"re-dispatching day 1's batch of {len(first_batch)}: {again.summary()}")
        for line in log:
            out.append("  unexpected send: " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--days", type=int, default=70)
    parser.add_argument("--ledger", type=Path, default=None, help="SQLite file (default: temp)")
    args = parser.parse_args(argv)
    out: list[str] = []
    if args.ledger is not None:
        run(args.days, args.ledger, out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(args.days, Path(tmp) / "ledger.db", out)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
