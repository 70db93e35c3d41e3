"""Accounts per second through ``overdue.host.Runner`` on a real store, one process.

Usage::

    python benchmarks/bench_host.py                          # 2,000 accounts on SQLite
    python benchmarks/bench_host.py --accounts 500
    python benchmarks/bench_host.py --postgres URL           # on a PostgreSQL server

Three figures: (a) the first morning, every account due, each sends its reminder SMS and in-app
notice (load, decide, append the stage entered, claim, send, record with the event, schedule);
(b) the same morning again (nothing due: the wake index answers); (c) ten mornings later, the
accounts whose next reminder is due.  The adapters return at once, so this measures the
library and the database, not a provider.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money
from overdue.dispatch import RecordingAdapter
from overdue.host import EventStore, Runner, SqliteStore

SHANGHAI = ZoneInfo("Asia/Shanghai")


def accounts(n: int) -> list[Account]:
    return [
        Account(
            f"A-{i:06d}",
            timezone="Asia/Shanghai",
            contacts=[ContactPoint("sms", f"+86138{i:08d}")],
            invoices=[Invoice(f"INV-{i}", Money("100.00", "CNY"), date(2026, 1, 10))],
        )
        for i in range(n)
    ]


def bench(store: EventStore, n: int) -> list[str]:
    for account in accounts(n):
        store.create(account)
    runner = Runner(REFERENCE_POLICY, store, [RecordingAdapter("sms"), RecordingAdapter("in_app")])
    out = []
    for label, now in (
        ("(a) first morning, all due", datetime(2026, 1, 12, 10, tzinfo=SHANGHAI)),
        ("(b) the same morning again", datetime(2026, 1, 12, 10, tzinfo=SHANGHAI)),
        ("(c) three days later", datetime(2026, 1, 12, 10, tzinfo=SHANGHAI) + timedelta(days=3)),
    ):
        start = time.perf_counter()
        report = runner.run_once(now)
        took = time.perf_counter() - start
        rate = f"{report.due / took:,.0f} accounts/s" if report.due else "-"
        out.append(
            f"{label:<30} {report.due:>6} due, {len(report.sent):>6} sent in {took:7.2f} s  {rate}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL",
                        help="SQLite's synchronous pragma (NORMAL: no fsync per commit)")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    if args.postgres:
        from overdue.host import PostgresStore

        schema = f"bench_{os.getpid()}"
        with PostgresStore(args.postgres, schema=schema) as store:
            print(f"PostgreSQL, schema {schema} (drop it afterwards)")
            lines = bench(store, args.accounts)
    else:
        with (
            tempfile.TemporaryDirectory() as tmp,
            SqliteStore(Path(tmp) / "b.db", synchronous=args.synchronous) as store,
        ):
            print(f"SQLite (WAL, synchronous={args.synchronous})")
            lines = bench(store, args.accounts)
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
