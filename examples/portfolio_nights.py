"""Two nights of a portfolio on Parquet: decide everything, record, then decide what is due.

Run with ``python examples/portfolio_nights.py`` (needs ``pip install "overdue-policy[arrow]"``).
Night 1 decides every account of a generated portfolio from a Parquet file (the pre-pass
settles the accounts not due yet from their columns, without the engine); the host records
the stage entries and the contacts that were due; night 2 passes night 1's decisions as
``previous``, and the wake index keeps the rows of the accounts with nothing due and nothing new.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from overdue import REFERENCE_POLICY, decide
from overdue.portfolio import (
    accounts_from_table,
    decide_table,
    read_accounts,
    write_accounts,
)
from overdue.portfolio.kernel import summary
from overdue.simulate import generate_portfolio


def main() -> None:
    night1 = datetime(2026, 2, 1, 18, tzinfo=UTC)  # 02:00 in Shanghai
    accounts = generate_portfolio(300, seed=1, due_between=(night1.date() - timedelta(days=20),
                                                            night1.date() + timedelta(days=20)))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "accounts.parquet"
        write_accounts(path, accounts)
        first = decide_table(REFERENCE_POLICY, read_accounts(path), night1)
        print("night 1:", summary(first))

        # the host carries out what was due and records it (here: every contact delivered)
        recorded = []
        for account in accounts_from_table(read_accounts(path)):
            assert not isinstance(account, Exception)
            d = decide(REFERENCE_POLICY, account, night1)
            done = [a.outcome_event("delivered", night1) for a in d.due_actions]
            recorded.append(account.with_events(*d.record, *done))
        write_accounts(path, recorded)

        night2 = night1 + timedelta(days=1)
        second = decide_table(REFERENCE_POLICY, read_accounts(path), night2, previous=first)
        counts = summary(second)
        print("night 2:", counts)
        print(f"night 2 kept {counts['carried'] / counts['accounts']:.0%} of the rows without "
              "deciding them again")
        statuses = second.group_by("status").aggregate([("account_id", "count")]).to_pylist()
        for row in sorted(statuses, key=lambda r: r["status"]):
            print(f"  {row['status']:<10} {row['account_id_count']:>4}")


if __name__ == "__main__":
    main()
