"""Kill a real dispatching process with SIGKILL, again and again, and count the sends.

The worker (``crash_worker.py``) dispatches actions through a :class:`SqliteLedger` on a real
file.  The test starts it, waits until it is dispatching, kills it at a random moment, and
starts it again, more than twenty times, then lets it finish.  The provider's own log is the
ground truth: with an adapter that honours idempotency keys, every key must be delivered
exactly once (zero lost, zero duplicated); with one that does not, nothing may be delivered
twice, and every key the crashes left in doubt must be reported ``unknown`` for a human.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from overdue.dispatch import SqliteLedger

WORKER = Path(__file__).with_name("crash_worker.py")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _run_with_kills(
    tmp_path: Path, count: int, mode: str, kills_wanted: int, seed: int
) -> dict[str, object]:
    rng = random.Random(seed)
    ledger = tmp_path / "ledger.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, str(WORKER), str(ledger), str(tmp_path), str(count), mode]
    kills = 0
    finished_early = 0
    while kills < kills_wanted:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.strip() == b"ready", proc.stderr.read() if proc.stderr else ready
        time.sleep(rng.uniform(0.0, 0.12))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        else:
            finished_early += 1
        proc.wait()
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
        if finished_early:
            break
    final = subprocess.run(cmd, capture_output=True, env=env, timeout=60, check=False)
    assert final.returncode == 0, final.stderr.decode()
    statuses = json.loads(final.stdout.decode().splitlines()[-1])
    return {"kills": kills, "final_statuses": statuses, "ledger": ledger}


@pytest.mark.parametrize("seed", [20260112])
def test_key_honouring_adapter_zero_lost_zero_duplicated(tmp_path: Path, seed: int) -> None:
    count = 600
    run = _run_with_kills(tmp_path, count, "honours", kills_wanted=22, seed=seed)
    expected = {f"A-{n}:reminder#1:reminder.sms:1" for n in range(count)}
    delivered = _lines(tmp_path / "delivered.log")
    calls = Counter(_lines(tmp_path / "calls.log"))
    duplicates = [k for k, n in Counter(delivered).items() if n > 1]
    resent = sorted(k for k, n in calls.items() if n > 1)
    with SqliteLedger(run["ledger"]) as ledger:  # type: ignore[arg-type]
        entries = ledger.entries()
        recovered = sum(e.recoveries for e in entries)
    summary = (
        f"{run['kills']} kills; {len(delivered)} deliveries of {count} keys; "
        f"{len(duplicates)} duplicated; {len(expected - set(delivered))} lost; "
        f"{len(resent)} in-doubt keys re-sent with their key; {recovered} ledger recoveries; "
        f"final run: {run['final_statuses']}"
    )
    print(summary)
    assert run["kills"] >= 20, summary
    assert duplicates == [], summary
    assert set(delivered) == expected, summary
    assert {e.key for e in entries} == expected
    assert {e.state for e in entries} == {"sent"}
    assert len(resent) <= run["kills"]  # only keys in flight at a kill are sent again


@pytest.mark.parametrize("seed", [7])
def test_adapter_without_keys_is_never_sent_twice_and_doubt_is_reported(
    tmp_path: Path, seed: int
) -> None:
    count = 200
    run = _run_with_kills(tmp_path, count, "plain", kills_wanted=6, seed=seed)
    expected = {f"A-{n}:reminder#1:reminder.sms:1" for n in range(count)}
    delivered = _lines(tmp_path / "delivered.log")
    calls = Counter(_lines(tmp_path / "calls.log"))
    with SqliteLedger(run["ledger"]) as ledger:  # type: ignore[arg-type]
        entries = {e.key: e for e in ledger.entries()}
    unknown = {k for k, e in entries.items() if e.state == "unknown"}
    sent = {k for k, e in entries.items() if e.state == "sent"}
    summary = (
        f"{run['kills']} kills; {len(delivered)} deliveries; {len(unknown)} unknown for a "
        f"human; final run: {run['final_statuses']}"
    )
    print(summary)
    assert max(calls.values()) == 1, summary  # nothing was ever sent twice
    assert len(delivered) == len(set(delivered))
    assert sent | unknown == expected, summary  # nothing lost silently
    assert sent <= set(delivered)
    assert len(unknown) <= run["kills"]
    assert all(entries[k].detail for k in unknown)
