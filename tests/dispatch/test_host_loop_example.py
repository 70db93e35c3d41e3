"""``python examples/host_loop.py``, the README's command, runs and prints what was sent."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_host_loop_runs_day_by_day_and_sends_each_step_once(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    done = subprocess.run(
        [sys.executable, "examples/host_loop.py", "--ledger", str(ledger)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    sent = [line for line in out.splitlines() if re.match(r"\d{4}-\d\d-\d\d A-\d00 ", line)]
    # every account got its reminders, on the first morning and later ones
    for account in ("A-100", "A-200", "A-300", "A-400"):
        assert any(f"2026-01-11 {account}" in line and "reminder.sms" in line for line in sent)
    template = re.compile(r" ((?:reminder|call|notice|letter|claim)\.\S+)")
    templates = {t for line in sent for t in template.findall(line)}
    assert {"reminder.sms", "call.polite", "notice.formal", "letter.lawyer", "claim.file"} <= (
        templates
    )
    # the authorised visit went out, with the conduct obligations acknowledged by the host
    [visit] = [line for line in sent if "visit.field" in line]
    assert "A-400" in visit
    assert "Example Field Services" in visit
    # nothing failed, was refused or lacked an adapter; nothing went out twice
    assert " ! " not in out
    assert "A-100: active   stage litigation" in out
    assert "A-200: resolved" in out
    assert re.search(r"ledger: (\d+) keys, \1 sent", out)
    assert "re-dispatching day 1's batch of 8: 8 already_done" in out
    assert "unexpected send" not in out
    # the addresses are masked in what the host prints
    assert "13812345678" not in out
    assert "li@example.com" not in out
    assert ledger.exists()
