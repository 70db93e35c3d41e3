"""The command line against hostile input: the batch goes on, counts reconcile, output is safe."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import overdue.cli
from overdue.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "policies" / "seed_platform.toml")
LINES = (ROOT / "examples" / "accounts.jsonl").read_bytes().split(b"\n")[:3]
AT = "2026-03-01T09:00:00+08:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _file(tmp_path: Path, *lines: bytes) -> str:
    path = tmp_path / "accounts.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


def test_next_reports_every_kind_of_bad_line_and_decides_the_rest(tmp_path: Path) -> None:
    first = json.loads(LINES[0])
    far = dict(first, id="FAR", invoices=[{"id": "I", "amount": "1 CNY", "due": "9999-12-31"}])
    bad = [
        json.dumps(far).encode(),
        b'{"id": "BIG", "x": ' + b"9" * 5001 + b"}",
        b"[" * 5000 + b"]" * 5000,
        b'{"id": "\xff"}',
    ]
    path = _file(tmp_path, LINES[0], *bad, LINES[1], LINES[2])
    code, out, err = run("next", SEED, path, "--at", AT)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["status"] == "error" for r in records] == [False] + [True] * 4 + [False] * 2
    assert [r["line"] for r in records if r["status"] == "error"] == [2, 3, 4, 5]
    assert records[1]["account_id"] == "FAR"
    assert "7 account(s) read, 3 decided; 4 account(s) could not be decided" in err


def test_an_exception_from_one_account_is_its_error_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = overdue.cli.decide_honouring_versions

    def flaky(policy, account, at, **versions):  # type: ignore[no-untyped-def]
        if account.id == "A-1002":
            raise OverflowError("date value out of range")
        return real(policy, account, at, **versions)

    monkeypatch.setattr(overdue.cli, "decide_honouring_versions", flaky)  # next
    monkeypatch.setattr(overdue.cli, "decide", flaky)  # explain
    code, out, err = run("next", SEED, _file(tmp_path, *LINES), "--at", AT)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [r["status"] == "error" for r in records] == [False, True, False]
    assert records[1]["error"]["type"] == "InternalError"
    assert "OverflowError" in records[1]["error"]["message"]
    code, out, err = run("explain", SEED, _file(tmp_path, *LINES), "--id", "A-1002", "--at", AT)
    assert code == 1
    assert "OverflowError" in err
    assert "Traceback" not in err


def test_timeline_and_explain_pick_their_account_past_damaged_lines(tmp_path: Path) -> None:
    path = _file(tmp_path, LINES[0], b"{not json", b'{"id": "\xff"}', LINES[1])
    code, _out, err = run("explain", SEED, path, "--id", "A-1002", "--at", AT)
    assert code == 0, err
    code, _out, err = run("timeline", SEED, path, "--id", "A-1002", "--days", "30")
    assert code == 0, err


def test_terminal_escapes_in_ids_are_escaped_in_tables(tmp_path: Path) -> None:
    doc = json.loads(LINES[0])
    doc["id"] = "A-\x1b[2J\x07-\u2028"
    code, out, err = run(
        "next", SEED, _file(tmp_path, json.dumps(doc).encode()), "--at", AT, "--format", "table"
    )
    assert code == 0, err
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\\x1b[2J" in out
    code, out, err = run("next", SEED, _file(tmp_path, json.dumps(doc).encode()), "--at", AT)
    assert len(out.splitlines()) == 1  # U+2028 escaped in JSONL: one record, one line
    assert json.loads(out)["account_id"] == doc["id"]


def test_check_escapes_and_never_raises_on_odd_ids(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "policies" / "seed_platform.toml").read_text()
    path = tmp_path / "p.toml"
    path.write_text(text.replace('id = "seed-platform"', 'id = "seed\\u001b[31m"', 1))
    code, out, err = run("check", str(path))
    assert "\x1b" not in out + err
    jpath = tmp_path / "p.json"
    jpath.write_text('{"schema": "overdue.policy/1", "id": "\\ud800", "stages": []}')
    code, out, err = run("check", str(jpath))
    assert code == 1
    assert "lone surrogate" in err
    err.encode("utf-8")  # printable


def test_a_policy_file_in_utf16_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(
        (ROOT / "examples" / "policies" / "seed_platform.toml").read_text().encode("utf-16")
    )
    code, _out, err = run("check", str(path))
    assert code == 1
    assert "UTF-16" in err
    code, _out, err = run("next", str(path), str(tmp_path / "none.jsonl"), "--at", AT)
    assert code == 2
    assert "UTF-16" in err


def test_stdin_is_read_as_bytes_with_bare_cr_a_bom_and_a_bad_byte() -> None:
    import subprocess
    import sys

    data = b"\xef\xbb\xbf" + b"\r".join([LINES[0], b'{"id": "\xff"}', LINES[1]]) + b"\r"
    proc = subprocess.run(
        [sys.executable, "-m", "overdue", "next", SEED, "-", "--at", AT],
        input=data,
        capture_output=True,
        check=False,
    )
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert proc.returncode == 1, proc.stderr
    assert [r["status"] == "error" for r in records] == [False, True, False]
    assert records[1]["line"] == 2


def test_out_of_range_times_and_lengths_are_usage_errors(tmp_path: Path) -> None:
    path = _file(tmp_path, *LINES)
    code, _out, err = run("next", SEED, path, "--at", "9999-12-31T23:00:00+00:00")
    assert code == 2
    assert "1900..2999" in err
    code, _out, err = run("timeline", SEED, path, "--id", "A-1002", "--days", "99999999")
    assert code == 2
    assert "past the year 9999" in err
