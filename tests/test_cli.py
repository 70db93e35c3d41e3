"""The ``overdue`` command line, run in-process (and once as a real console script)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from overdue.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "policies" / "seed_platform.toml")
ACCOUNTS = str(ROOT / "examples" / "accounts.jsonl")
AT = "2026-03-01T09:00:00+08:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_demo() -> None:
    code, out, err = run("demo")
    assert code == 0, err
    assert "ACCOUNT" in out
    assert "A-1003" in out
    assert "projected timeline of A-1003" in out
    for status in ("current", "active", "waiting", "on_hold", "paused", "resolved", "done"):
        assert f" {status} " in out, status
    for stage in (
        "reminder",
        "courtesy_call",
        "formal_notice",
        "lawyer_letter",
        "litigation",
        "enforcement",
    ):
        assert stage in out


def test_check_examples_ok_and_broken_file_fails(tmp_path: Path) -> None:
    policies = sorted(str(p) for p in (ROOT / "examples" / "policies").glob("*.toml"))
    code, out, _ = run("check", *policies)
    assert code == 0
    assert out.count("ok  ") == len(policies) == 3


def test_check_reports_every_problem_with_exit_1(tmp_path: Path) -> None:
    from importlib import util

    spec = util.spec_from_file_location(
        "loader_tests", ROOT / "tests" / "config" / "test_loader.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    bad = tmp_path / "broken.toml"
    bad.write_text(mod.FIVE_MISTAKES)
    code, out, err = run("check", SEED, str(bad))
    assert code == 1
    assert "ok  " in out
    assert "5 problem(s)" in err
    assert err.count("\n  - ") == 5


def test_check_warnings_and_strict(tmp_path: Path) -> None:
    p = tmp_path / "nocap.toml"
    p.write_text(
        'schema = "overdue.policy/1"\nid = "p"\n[[stages]]\nid = "s"\n'
        'steps = [{ channel = "sms", template = "t" }]\n'
    )
    code, out, _ = run("check", str(p))
    assert code == 0
    assert "warning: $.rules: no frequency cap" in out
    assert run("check", "--strict", str(p))[0] == 1


def test_next_table_and_jsonl() -> None:
    code, out, err = run("next", SEED, ACCOUNTS, "--at", AT, "--format", "table")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ACCOUNT", "STATUS", "STAGE"]
    assert len(lines) == 1 + len(Path(ACCOUNTS).read_text().splitlines())
    code, out, err = run("next", SEED, ACCOUNTS, "--at", AT)
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert all(r["schema"] == "overdue.decision/1" for r in records)
    assert err == ""  # no progress output when stderr is not a terminal


def test_next_reports_a_bad_account_and_decides_the_others(tmp_path: Path) -> None:
    lines = Path(ACCOUNTS).read_text().splitlines()[:3]
    bad = json.loads(lines[1])
    bad["id"] = "A-BAD"
    bad["events"][0]["at"] = "2026-02-27T00:00:00"  # naive
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join([lines[0], json.dumps(bad), lines[2]]) + "\n")
    code, out, err = run("next", SEED, str(batch), "--at", AT)
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["status"] for r in records][1] == "error"
    assert records[1]["account_id"] == "A-BAD"
    assert records[1]["error"]["event_index"] == 0
    assert sum(r["status"] != "error" for r in records) == 2
    assert "A-BAD" in err
    assert "event #0" in err
    assert "1 account(s) could not be decided" in err
    code, out, _ = run("next", SEED, str(batch), "--at", AT, "--format", "table")
    assert code == 1
    assert "A-BAD" in out
    assert " error " in out


def test_next_refuses_naive_time_and_invalid_policy(tmp_path: Path) -> None:
    code, _, err = run("next", SEED, ACCOUNTS, "--at", "2026-03-01T09:00:00")
    assert code == 2
    assert "offset" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = "overdue.policy/1"\n')
    code, _, err = run("next", str(bad), ACCOUNTS, "--at", AT)
    assert code == 2
    assert "$.id" in err
    assert "Traceback" not in err


def test_explain_timeline_diagram() -> None:
    code, out, _ = run("explain", SEED, ACCOUNTS, "--id", "A-1009", "--at", AT)
    assert code == 0
    assert "status: on_hold" in out
    assert "dispute" in out
    code, out, _ = run("explain", SEED, ACCOUNTS, "--at", AT)
    assert code == 2
    code, out, _ = run("timeline", SEED, ACCOUNTS, "--id", "A-1002", "--days", "30")
    assert code == 0
    assert "stage_entered" in out
    assert "courtesy_call" in out
    code, out, _ = run(
        "timeline",
        SEED,
        ACCOUNTS,
        "--id",
        "A-1002",
        "--until",
        "2026-03-10T00:00:00+08:00",
        "--format",
        "jsonl",
    )
    assert code == 0
    assert all(json.loads(line)["at"] for line in out.splitlines())
    code, out, _ = run("diagram", SEED, "--format", "dot")
    assert code == 0
    assert out.startswith("digraph")
    assert run("diagram", SEED)[1].startswith("flowchart LR")


@pytest.mark.skipif(
    shutil.which("overdue") is None and not (Path(sys.executable).parent / "overdue").exists(),
    reason="console script not installed",
)
def test_console_script_and_python_m() -> None:
    script = shutil.which("overdue") or str(Path(sys.executable).parent / "overdue")
    done = subprocess.run([script, "check", SEED], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert "seed-reference" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "overdue", "diagram", SEED],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("flowchart LR")
