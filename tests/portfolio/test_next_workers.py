"""``overdue next --workers N`` and the orjson reader: the same bytes as one process and as the
standard library, on good and damaged input alike (docs/scale.md, issue 10).

Every run here is a real one: ``--workers`` forks worker processes that read, decide and render
chunks of lines (the chunk size is made small so that a few dozen lines make many chunks).
Values only, never timings.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import overdue.cli
import overdue.portfolio.commands
from overdue.cli import main
from overdue.portfolio.jsonl import use_orjson

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "examples" / "policies" / "seed_platform.toml")
GOOD = [line for line in (ROOT / "examples" / "accounts.jsonl").read_bytes().split(b"\n") if line]
AT = "2026-03-01T09:00:00+08:00"


def _damaged() -> list[bytes]:
    """One line of each kind of damage the reader must report as the standard library does."""
    first = json.loads(GOOD[0])
    event = dict(first["events"][0]) if first.get("events") else {"kind": "payment"}

    def acc(**changes: object) -> bytes:
        return json.dumps(dict(first, **changes)).encode()

    staff = {"kind": "authorisation_granted", "at": "2026-01-01T00:00:00+00:00",
             "authorisation": "a"}  # fmt: skip
    return [
        b'{"id": "X",',  # broken JSON
        b'{"id": "\xff"}',  # not UTF-8
        b'{"id": "\xed\xa0\x80"}',  # a surrogate encoded in UTF-8 bytes
        acc(id="NAIVE", events=[dict(event, at="2026-01-01T00:00:00")]),
        acc(id="UNKNOWN", bogus=1),
        b'{"id": "\\ud800"}',  # a lone surrogate, escaped
        acc(id="SURROGATE").replace(b'"SURROGATE"', b'"S\\udc00R"'),
        b'{"id": "DEEP", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"[" * 5000 + b"]" * 5000,
        b'{"id": "D1000", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        b'{"id": "NAN", "x": NaN}',
        b'{"id": "INF", "x": Infinity, "y": -Infinity, "z": 1e400}',
        acc(id="Y9999", invoices=[{"id": "I", "amount": "1 CNY", "due": "9999-12-31"}]),
        acc(id="Y1", invoices=[{"id": "I", "amount": "1 CNY", "due": "0001-01-01"}]),
        GOOD[1].replace(b"{", b'{"id": "DUPLICATE", ', 1),  # duplicate keys: the last wins
        b'{"id": "A", "id": "B"}',
        b'{"id": "BIG", "x": ' + b"9" * 5001 + b"}",
        acc(id="BIG2", events=[dict(staff, staff=123456789012345678901234567890)]),
        acc(id="FLOAT", events=[dict(staff, staff=3.0)]),
        acc(id="AMOUNT", invoices=[{"id": "I", "amount": 12.5, "due": "2026-01-01"}]),
        b'{"id": "CTL\x01"}',
        b'"a string"',
        b"42",
        b"{}",
        b'{"id": "TRAIL"} x',
    ]


def _file(tmp_path: Path, copies: int = 3) -> str:
    lines = [b"\xef\xbb\xbf" + GOOD[0]]  # a byte-order mark first
    for _ in range(copies):
        lines += GOOD + _damaged()
    path = tmp_path / "accounts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\r\n\n")
    return str(path)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few lines: a file of a hundred lines is many chunks, over every worker."""
    monkeypatch.setattr(overdue.cli, "_CHUNK_LINES", 7)
    monkeypatch.setattr(overdue.portfolio.commands, "WORKER_LINES", 7)


@pytest.mark.parametrize("fmt", ["jsonl", "table"])
def test_workers_write_what_one_process_writes(tmp_path: Path, fmt: str) -> None:
    path = _file(tmp_path)
    one = run("next", SEED, path, "--at", AT, "--format", fmt)
    assert one[0] == 1
    assert "could not be decided" in one[2]
    for workers in ("2", "3"):
        assert run("next", SEED, path, "--at", AT, "--format", fmt, "--workers", workers) == one


def test_workers_write_the_same_file(tmp_path: Path) -> None:
    path = _file(tmp_path)
    outputs = []
    for workers in ("1", "2"):
        target = tmp_path / f"decisions-{workers}.jsonl"
        code, out, err = run(
            "next", SEED, path, "--at", AT, "-o", str(target), "--workers", workers
        )
        outputs.append((code, out, err, target.read_bytes()))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1
    assert outputs[0][3].count(b"\n") > 100


def test_workers_on_parquet_give_the_same_tables(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    from overdue.config import load_accounts
    from overdue.portfolio import accounts_to_table

    path = _file(tmp_path)
    accounts = [r.account for r in load_accounts(path) if r.account is not None]
    table = accounts_to_table(accounts * 3)
    pq.write_table(table, tmp_path / "accounts.parquet", row_group_size=20)  # many batches
    runs = {}
    for source in ("accounts.parquet", "accounts.jsonl"):
        for workers in ("1", "2"):
            target = tmp_path / f"{source}-{workers}.parquet"
            got = run("next", SEED, str(tmp_path / source), "--at", AT, "-o", str(target),
                      "--workers", workers)  # fmt: skip
            runs[source, workers] = (got, pq.read_table(target))
    for source in ("accounts.parquet", "accounts.jsonl"):
        one, two = runs[source, "1"], runs[source, "2"]
        assert one[0] == two[0]
        assert one[1].equals(two[1])
    # Parquet in, JSONL out: the decision records, in input order
    out = [run("next", SEED, str(tmp_path / "accounts.parquet"), "--at", AT, "--workers", w)
           for w in ("1", "2")]  # fmt: skip
    assert out[0] == out[1]
    assert out[0][0] == 0


def test_workers_must_be_at_least_one(tmp_path: Path) -> None:
    code, out, err = run("next", SEED, _file(tmp_path), "--at", AT, "--workers", "0")
    assert (code, out) == (2, "")
    assert "--workers must be at least 1" in err


def test_orjson_reads_as_the_standard_library(tmp_path: Path) -> None:
    pytest.importorskip("orjson")
    path = _file(tmp_path)
    out = tmp_path / "decisions.jsonl"
    runs = []
    try:
        for on in (False, True):
            assert use_orjson(on) is on
            runs.append(
                (
                    run("next", SEED, path, "--at", AT),
                    run("next", SEED, path, "--at", AT, "--workers", "2"),
                    run("next", SEED, path, "--at", AT, "-o", str(out)),
                    out.read_bytes(),
                )
            )
    finally:
        use_orjson(True)
    assert runs[0] == runs[1]
    assert runs[0][0][0] == 1


def test_the_environment_switches_orjson_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERDUE_JSON", "stdlib")
    try:
        assert use_orjson(True) is False
    finally:
        monkeypatch.delenv("OVERDUE_JSON")
        use_orjson(True)
