"""A host on top of ``overdue.host.Runner``: four debtors for 30 days, late webhooks, a dispute.

Run it from the repository root::

    python examples/host_loop.py                        # SQLite in a temporary directory
    python examples/host_loop.py --db /tmp/overdue.db   # keep the SQLite file
    python examples/host_loop.py --postgres postgresql://user@localhost/overdue

Every morning at 10:00 (Shanghai) the host first appends what its webhooks delivered overnight,
then calls ``runner.run_once(now)``, which decides every due account, sends through the
adapters, and records outcomes, stage changes and the next wake time in the store, with the
dispatch ledger in the same transactions.  Two payments arrive late: their webhooks come a day
or two after the money did, so the store holds them at their effective time, before messages
that already went out.  The adapters print instead of sending (addresses masked); see
``examples/adapters/`` for real SMTP and HTTP ones.  At the end the last morning is run again:
nothing is sent twice.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Invoice, Money, decide
from overdue.decision import Action
from overdue.dispatch import Delivered, Message, Renderer, SendOutcome
from overdue.events import DisputeOpened, DisputeResolved, Event, PaymentReceived
from overdue.host import EventStore, Runner, SqliteStore
from overdue.reference import reference_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = date(2026, 1, 11)
POLICY = reference_policy()


def morning(day: int, hour: int = 10) -> datetime:
    return datetime.combine(START + timedelta(days=day), time(hour), SHANGHAI)


class PrintingAdapter:
    """Prints one line per message instead of sending it; drops a key it already sent."""

    honours_keys = True

    def __init__(self, channel: str, out: list[str]) -> None:
        self.channel = channel
        self.out = out
        self.seen: set[str] = set()

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        if idempotency_key not in self.seen:
            self.seen.add(idempotency_key)
            to = action.contact.masked[:16] if action.contact is not None else "-"
            body = message.body.replace("\n", " ")
            body = body if len(body) <= 56 else body[:55] + "…"
            self.out.append(
                f"  {action.account_id:<6} {action.channel:<7} {to:<16} {action.template:<16} "
                f"{body}"
            )
        return Delivered(f"{self.channel}:{idempotency_key}")


def debtors() -> list[Account]:
    def debtor(id_: str, amount: str, phone: str) -> Account:
        return Account(
            id_,
            timezone="Asia/Shanghai",
            contacts=(
                ContactPoint("sms", phone),
                ContactPoint("phone", phone),
                ContactPoint("email", f"{id_.lower()}@example.com"),
                ContactPoint("letter", f"Room {id_[2:]}, No. 1 Example Road, Shanghai"),
            ),
            invoices=(Invoice(f"INV-{id_}", Money(amount, "CNY"), START - timedelta(days=1)),),
        )

    return [
        debtor("A-100", "1200.50", "+8613812345678"),  # never pays
        debtor("A-200", "350.00", "+8613900001111"),  # pays on day 6; the webhook is late
        debtor("A-300", "80.00", "+8613700002222"),  # pays on day 15; the webhook is late
        debtor("A-400", "640.00", "+8613600003333"),  # disputes, loses the dispute
    ]


def webhooks(day: int) -> dict[str, list[Event]]:
    """What the payment provider and the support desk report before day *day*'s run."""
    return {
        # paid at 09:00 on day 6, before that morning's reminder; reported on day 7
        7: {"A-200": [PaymentReceived(at=morning(6, 9), amount=Money("350.00", "CNY"))]},
        # the dispute was opened by phone the evening before
        5: {"A-400": [DisputeOpened(at=morning(4, 19), reason="says the invoice was paid")]},
        # paid on day 15, reported two days later
        17: {"A-300": [PaymentReceived(at=morning(15, 12), amount=Money("80.00", "CNY"))]},
        19: {"A-400": [DisputeResolved(at=morning(19, 9), resolution="no record of payment")]},
    }.get(day, {})


def run(store: EventStore, days: int, out: list[str]) -> None:
    channels = [PrintingAdapter(c, out) for c in ("sms", "phone", "email", "in_app", "letter")]
    renderer = Renderer(locale="en", creditor="Example Lending", contact_line="400-000-0000")
    runner = Runner(POLICY, store, channels, renderer=renderer)
    for account in debtors():
        store.create(account, recorded_at=morning(0))
    for day in range(days):
        now = morning(day)
        out.append(f"{now:%Y-%m-%d %H:%M}")
        for account_id, events in webhooks(day).items():
            store.append(account_id, events, None, recorded_at=now)  # a fact, whatever we read
            for e in events:
                out.append(f"  {account_id:<6} webhook {e.kind} effective {e.at:%Y-%m-%d %H:%M}")
        report = runner.run_once(now)
        for account_id, error in report.errors:
            out.append(f"  {account_id:<6} ! {error}")
        for result in report.results:
            if result.is_error:
                out.append(f"  {result.action.account_id:<6} ! {result.describe()}")
    out.append("")
    out.append(f"after {days} days:")
    for account_id in store.account_ids():
        stored = store.load(account_id)
        d = decide(POLICY, stored.account, morning(days))
        wake = f"{stored.wake_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if stored.wake_at else "-"
        out.append(
            f"  {account_id}: {d.status:<8} stage {d.stage or '-':<14} "
            f"{len(stored.account.events)} events, wake {wake}"
        )
    states: dict[str, int] = {}
    for entry in store.ledger.entries():
        states[entry.state] = states.get(entry.state, 0) + 1
    out.append(
        f"ledger: {sum(states.values())} keys, "
        + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
    )
    again = runner.run_once(morning(days - 1))
    out.append(f"running day {days} again: {len(again.sent)} sent, {again.due} due")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: temporary)")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server instead")
    args = parser.parse_args(argv)
    out: list[str] = []
    if args.postgres:
        from overdue.host import PostgresStore

        with PostgresStore(args.postgres) as store:
            run(store, args.days, out)
    elif args.db is not None:
        with SqliteStore(args.db) as store:
            run(store, args.days, out)
    else:
        with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "host.db") as store:
            run(store, args.days, out)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
