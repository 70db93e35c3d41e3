"""One portfolio, five paths: ``decide``, the CLI (JSONL and Parquet), the kernel, Dask, Spark.

Every path must give every account the same decision (and the same account the same error).
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from overdue import decide
from overdue.cli import main
from overdue.config import account_to_dict, decision_to_dict, load_accounts, load_policy
from overdue.dask import decide_dataset
from overdue.portfolio.arrow import (
    DECISIONS_SCHEMA,
    accounts_to_table,
    decision_rows,
    write_accounts,
)
from overdue.portfolio.kernel import decide_table
from overdue.simulate import generate_portfolio
from overdue.spark import decide_dataframe

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "examples" / "policies" / "seed_platform.toml")
AT = "2026-03-01T09:00:00+08:00"
BAD = "A-BAD"  # an account whose history the fold refuses (a payment in another currency)
IGNORE = ["input_events", "input_invoices"]  # only the kernel knows these
HOW = "source"  # how a row was decided: 'engine', or 'prepass' (settled from the columns)


def _portfolio() -> list[Any]:
    examples = [r.account for r in load_accounts(ROOT / "examples" / "accounts.jsonl")]
    generated = generate_portfolio(15, seed=5, due_between=(
        datetime(2026, 1, 1).date(), datetime(2026, 3, 20).date()))  # fmt: skip
    return [a for a in examples if a is not None] + generated


def _bad_line() -> dict[str, Any]:
    return {
        "id": BAD,
        "timezone": "Asia/Shanghai",
        "invoices": [{"id": "I-1", "amount": "100.00 CNY", "due": "2026-01-10"}],
        "events": [{"kind": "payment", "at": "2026-01-20T10:00:00+08:00", "amount": "5.00 EUR"}],
    }


def _rows(table: pa.Table) -> dict[str, dict[str, Any]]:
    table = table.select(DECISIONS_SCHEMA.names).cast(DECISIONS_SCHEMA).drop_columns(IGNORE)
    assert set(table[HOW].to_pylist()) <= {"engine", "prepass"}
    return {r["account_id"]: r for r in table.drop_columns([HOW]).to_pylist()}


def test_every_path_gives_every_account_the_same_decision(
    tmp_path: Path, dask_client: Any, spark: Any
) -> None:
    policy = load_policy(POLICY)
    at = datetime.fromisoformat(AT)
    accounts = _portfolio()
    ids = [a.id for a in accounts] + [BAD]

    # 1. decide, one account at a time
    reference = {a.id: decide(policy, a, at) for a in accounts}
    expected = _rows(decision_rows(reference.values()))

    jsonl = tmp_path / "accounts.jsonl"
    lines = [json.dumps(account_to_dict(a)) for a in accounts] + [json.dumps(_bad_line())]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parquet_dir = tmp_path / "accounts"
    parquet_dir.mkdir()
    table = pa.concat_tables(
        [accounts_to_table(accounts), _bad_table()]
    )  # the bad account's table row is built from its JSON, like any host would
    write_accounts(parquet_dir / "part-0.parquet", table.slice(0, 14))
    write_accounts(parquet_dir / "part-1.parquet", table.slice(14))

    # 2. the CLI on JSONL: the full decision records
    out, err = io.StringIO(), io.StringIO()
    code = main(["next", POLICY, str(jsonl), "--at", AT], out=out, err=err)
    assert code == 1  # the bad account failed, the others were decided
    records = {r["account_id"]: r for r in map(json.loads, out.getvalue().splitlines())}
    assert set(records) == set(ids)
    assert records[BAD]["status"] == "error"
    for aid, d in reference.items():
        assert records[aid] == decision_to_dict(d), aid

    # 3. the CLI on Parquet, into Parquet
    code = main(
        ["next", POLICY, str(parquet_dir), "--at", AT, "-o", str(tmp_path / "cli.parquet")],
        out=io.StringIO(), err=io.StringIO(),
    )  # fmt: skip
    assert code == 1
    paths = {"cli-parquet": _rows(pq.read_table(tmp_path / "cli.parquet"))}

    # 4. the kernel
    paths["kernel"] = _rows(decide_table(policy, table, at))

    # 5. Dask, two worker processes
    decide_dataset(policy, parquet_dir, tmp_path / "dask", at, client=dask_client)
    paths["dask"] = _rows(pq.read_table(tmp_path / "dask"))

    # 6. Spark, local mode
    df = spark.read.parquet(str(parquet_dir))
    paths["spark"] = _rows(pa.Table.from_batches(
        decide_dataframe(policy, df, at)._collect_as_arrow()))  # fmt: skip

    for name, rows in paths.items():
        assert set(rows) == set(ids), name
        assert rows[BAD]["status"] == "error", name
        assert rows[BAD]["error_type"] == "MoneyError" or rows[BAD]["error_message"], name
        for aid, row in expected.items():
            assert rows[aid] == row, (name, aid)


def _bad_table() -> pa.Table:
    from overdue.portfolio.arrow import ACCOUNTS_SCHEMA

    return pa.Table.from_pylist(
        [
            {
                "id": BAD,
                "timezone": "Asia/Shanghai",
                "invoices": [{"id": "I-1", "amount": "100.00", "currency": "CNY",
                              "due": datetime(2026, 1, 10).date()}],
                "events": [{"kind": "payment", "at": datetime.fromisoformat(
                    "2026-01-20T10:00:00+08:00"), "amount": "5.00", "currency": "EUR"}],
            }
        ],
        schema=ACCOUNTS_SCHEMA,
    )  # fmt: skip
