"""Spark: a DataFrame of accounts decided with ``mapInArrow`` in local mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from overdue import REFERENCE_POLICY
from overdue.portfolio.arrow import DECISIONS_SCHEMA, accounts_to_table, write_accounts
from overdue.portfolio.kernel import decide_table
from overdue.simulate import generate_portfolio
from overdue.spark import decide_dataframe

NOW = datetime(2026, 1, 20, 9, tzinfo=UTC)


def _rows(df: Any) -> list[dict[str, Any]]:
    table = pa.Table.from_batches(df._collect_as_arrow()).cast(DECISIONS_SCHEMA)
    return table.sort_by("account_id").to_pylist()  # type: ignore[no-any-return]


def test_a_dataframe_is_decided_like_the_kernel(tmp_path: Path, spark: Any) -> None:
    accounts = generate_portfolio(30, seed=11)
    write_accounts(tmp_path / "accounts.parquet", accounts)
    df = spark.read.parquet(str(tmp_path / "accounts.parquet"))
    decided = decide_dataframe(REFERENCE_POLICY, df, NOW)
    table = accounts_to_table(accounts)
    expected = decide_table(REFERENCE_POLICY, table, NOW).sort_by("account_id").to_pylist()
    assert _rows(decided) == expected
    # the next night with the previous decisions joined on: the same answers
    later = NOW + timedelta(days=1)
    again = decide_dataframe(REFERENCE_POLICY, df, later, previous=decided)
    drop = ["at", "days_overdue", "source"]
    full = decide_table(REFERENCE_POLICY, table, later).drop_columns(drop)
    got = [{k: v for k, v in r.items() if k not in drop} for r in _rows(again)]
    assert got == full.sort_by("account_id").to_pylist()
