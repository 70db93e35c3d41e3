"""``overdue next`` with Parquet on either side, ``--previous``, and its usage errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from overdue.cli import main
from overdue.config import load_accounts
from overdue.portfolio.arrow import write_accounts

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "examples" / "policies" / "seed_platform.toml")
ACCOUNTS = str(ROOT / "examples" / "accounts.jsonl")
AT = "2026-03-01T09:00:00+08:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_jsonl_in_parquet_out_then_parquet_in_jsonl_out(tmp_path: Path) -> None:
    code, _, err = run("next", POLICY, ACCOUNTS, "--at", AT, "-o", str(tmp_path / "d.parquet"))
    assert code == 0, err
    assert "12 account(s): 12 decided, 0 kept from --previous, 0 failed" in err
    table = pq.read_table(tmp_path / "d.parquet")
    assert table.num_rows == 12
    write_accounts(tmp_path / "a.parquet", [r.account for r in load_accounts(ACCOUNTS)])  # type: ignore[misc]
    code, out, err = run("next", POLICY, str(tmp_path / "a.parquet"), "--at", AT)
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["account_id"] for r in records] == table["account_id"].to_pylist()
    assert [r["status"] for r in records] == table["status"].to_pylist()


def test_output_to_a_jsonl_file(tmp_path: Path) -> None:
    code, out, err = run("next", POLICY, ACCOUNTS, "--at", AT, "-o", str(tmp_path / "d.jsonl"))
    assert code == 0, err
    assert out == ""
    expected = run("next", POLICY, ACCOUNTS, "--at", AT)[1]
    assert (tmp_path / "d.jsonl").read_text(encoding="utf-8") == expected


def test_the_next_night_keeps_rows(tmp_path: Path) -> None:
    first = str(tmp_path / "d1.parquet")
    assert run("next", POLICY, ACCOUNTS, "--at", AT, "-o", first)[0] == 0
    later = "2026-03-01T09:30:00+08:00"
    code, _, err = run(
        "next", POLICY, ACCOUNTS, "--at", later, "-o", str(tmp_path / "d2.parquet"),
        "--previous", first,
    )  # fmt: skip
    assert code == 0, err
    kept = pq.read_table(tmp_path / "d2.parquet")["source"].to_pylist().count("carried")
    assert f"{12 - kept} decided, {kept} kept from --previous" in err
    assert kept > 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--output-format", "parquet"], "needs a file"),
        (["--previous", "x.parquet"], "--previous needs Parquet output"),
        (["--input-format", "parquet", "--format", "table"], "--format table is for"),
    ],
)
def test_usage_errors(extra: list[str], message: str) -> None:
    code, _, err = run("next", POLICY, ACCOUNTS, "--at", AT, *extra)
    assert code == 2
    assert message in err
