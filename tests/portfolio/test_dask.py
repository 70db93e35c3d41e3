"""Dask: a partitioned dataset decided by two worker processes, each reading its own files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from overdue import REFERENCE_POLICY
from overdue.dask import decide_dataset
from overdue.portfolio.arrow import accounts_to_table, read_decisions, write_accounts
from overdue.portfolio.kernel import decide_table
from overdue.simulate import generate_portfolio

NOW = datetime(2026, 1, 20, 9, tzinfo=UTC)


def _dataset(root: Path) -> Any:
    accounts = generate_portfolio(60, seed=7)
    root.mkdir()
    for i in range(3):
        write_accounts(root / f"part-{i}.parquet", accounts[i * 20 : (i + 1) * 20])
    return accounts_to_table(accounts)


def test_a_dataset_is_decided_like_the_kernel(tmp_path: Path, dask_client: Any) -> None:
    table = _dataset(tmp_path / "accounts")
    reports = decide_dataset(
        REFERENCE_POLICY, tmp_path / "accounts", tmp_path / "decisions", NOW, client=dask_client
    )
    assert [r["partition"] for r in reports] == [f"part-{i}.parquet" for i in range(3)]
    assert sum(r["accounts"] for r in reports) == 60
    assert all(r["accounts"] == r["decided"] + r["carried"] + r["failed"] for r in reports)
    written = read_decisions(tmp_path / "decisions")
    expected = decide_table(REFERENCE_POLICY, table, NOW)
    key = ["account_id"]
    assert written.sort_by([(k, "ascending") for k in key]).to_pylist() == expected.sort_by(
        [(k, "ascending") for k in key]
    ).to_pylist()
    # the next night, with the previous decisions: the same answers, some kept
    later = NOW + timedelta(days=1)
    again = decide_dataset(
        REFERENCE_POLICY, tmp_path / "accounts", tmp_path / "night2", later,
        previous=tmp_path / "decisions", client=dask_client,
    )  # fmt: skip
    assert sum(r["accounts"] for r in again) == 60
    night2 = pq.read_table(tmp_path / "night2").sort_by("account_id")
    full = decide_table(REFERENCE_POLICY, table, later).sort_by("account_id")
    drop = ["at", "days_overdue", "source"]
    assert night2.drop_columns(drop).to_pylist() == full.drop_columns(drop).to_pylist()
