"""Kill real dispatching processes with SIGKILL, again and again, and count the sends.

The worker (``crash_worker.py serve``) forks one dispatching process per run, each with its own
:class:`SqliteLedger` connection on a real file.  The test kills them two ways, alternating:

* from outside, with ``SIGKILL`` after a random delay, so kills land anywhere: in the ledger's
  transactions, inside the adapter, between actions;
* from inside, right after the provider delivered a message and before the ledger recorded it
  (the gap the ledger exists for), after a random number of deliveries.

After the last kill one run finishes the batch.  The provider's own log is the ground truth:
with an adapter that honours idempotency keys every key must be delivered exactly once (zero
lost, zero duplicated); with one that does not, nothing may be delivered twice, and every key a
crash left in doubt must be reported ``unknown`` for a human instead of being lost silently.

The counts are printed (``pytest -s``) and recorded as test properties (``--junitxml``).
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import IO, Any

import pytest

from overdue.dispatch import SqliteLedger

WORKER = Path(__file__).with_name("crash_worker.py")

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL") or not hasattr(os, "fork"), reason="needs fork and SIGKILL"
)


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


class Zygote:
    """Drives ``crash_worker.py serve``: start a dispatching process, kill it, reap it."""

    def __init__(self, tmp_path: Path, count: int, mode: str) -> None:
        self.ledger = tmp_path / "ledger.db"
        cmd = [sys.executable, str(WORKER), "serve", str(self.ledger), str(tmp_path),
               str(count), mode]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.finished: list[str] = []  # the ``done`` lines of runs that completed
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()
        assert self.expect("ready", timeout=30) == "ready"

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.strip())
        self.lines.put("eof")

    def tell(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, prefix: str, timeout: float) -> str:
        """The next line starting with *prefix*; ``done`` lines met on the way are kept."""
        while True:
            line = self.lines.get(timeout=timeout)
            if line.startswith(prefix):
                return line
            assert line.startswith("done"), f"worker said {line!r}"
            self.finished.append(line)

    def start(self, die_after: int) -> int:
        self.tell(f"start {die_after}")
        return int(self.expect("started", timeout=10).split()[1])

    def reap(self, pid: int) -> int:
        self.tell(f"reap {pid}")
        line = self.expect(f"exited {pid} ", timeout=60)
        return int(line.split()[2])

    def close(self) -> None:
        self.tell("quit")
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def _run_with_kills(
    tmp_path: Path, count: int, mode: str, kills_wanted: int, seed: int
) -> dict[str, Any]:
    """Kill runs until *kills_wanted* kills landed, then let one run finish the batch."""
    rng = random.Random(seed)
    zygote = Zygote(tmp_path, count, mode)
    kills = {"outside": 0, "in_the_gap": 0}
    runs = 0
    try:
        while sum(kills.values()) < kills_wanted and runs < kills_wanted * 3:
            runs += 1
            in_the_gap = runs % 2 == 0
            pid = zygote.start(rng.randint(1, 8) if in_the_gap else 0)
            if not in_the_gap:
                try:  # let it work for a random moment, unless it finishes first
                    line = zygote.lines.get(timeout=rng.uniform(0.002, 0.08))
                    assert line.startswith(f"done {pid}"), line
                    zygote.finished.append(line)
                except queue.Empty:
                    os.kill(pid, signal.SIGKILL)  # alive or a zombie: never a reused pid
            code = zygote.reap(pid)
            if code == -signal.SIGKILL:
                kills["in_the_gap" if in_the_gap else "outside"] += 1
            else:
                assert code == 0, f"run {runs} exited with {code}"
                break  # the batch is complete: nothing left to kill
        pid = zygote.start(0)
        assert zygote.reap(pid) == 0
        final = json.loads(zygote.finished[-1].split(" ", 2)[2])
    finally:
        zygote.close()
    return {"kills": kills, "runs": runs + 1, "final": final, "ledger": zygote.ledger}


def _report(record_property: Any, summary: dict[str, Any]) -> str:
    for name, value in summary.items():
        record_property(name, value)
    text = ", ".join(f"{k}={v}" for k, v in summary.items())
    print(text)
    return text


@pytest.mark.parametrize("seed", [20260112])
def test_key_honouring_adapter_zero_lost_zero_duplicated(
    tmp_path: Path, seed: int, record_property: Any
) -> None:
    count = 300
    run = _run_with_kills(tmp_path, count, "honours", kills_wanted=40, seed=seed)
    expected = {f"A-{n}:reminder#1:reminder.sms:1" for n in range(count)}
    delivered = _lines(tmp_path / "delivered.log")
    calls = Counter(_lines(tmp_path / "calls.log"))
    duplicated = [k for k, n in Counter(delivered).items() if n > 1]
    lost = expected - set(delivered)
    resent = sorted(k for k, n in calls.items() if n > 1)
    with SqliteLedger(run["ledger"]) as ledger:
        entries = ledger.entries()
    kills = run["kills"]
    text = _report(
        record_property,
        {
            "kills": sum(kills.values()),
            "kills_outside": kills["outside"],
            "kills_in_the_gap": kills["in_the_gap"],
            "runs": run["runs"],
            "keys": count,
            "adapter_calls": sum(calls.values()),
            "deliveries": len(delivered),
            "resent_with_same_key": len(resent),
            "ledger_recoveries": sum(e.recoveries for e in entries),
            "lost": len(lost),
            "duplicated": len(duplicated),
            "final_run": run["final"],
        },
    )
    assert sum(kills.values()) >= 40, text
    assert kills["in_the_gap"] >= 15, text
    assert duplicated == [], text
    assert lost == set(), text
    assert {e.key for e in entries} == expected
    assert {e.state for e in entries} == {"sent"}
    # every kill in the gap left its key in doubt; the restart re-sent it with the same key and
    # the provider dropped the copy
    assert len(resent) >= kills["in_the_gap"], text


@pytest.mark.parametrize("seed", [7])
def test_adapter_without_keys_is_never_sent_twice_and_doubt_is_reported(
    tmp_path: Path, seed: int, record_property: Any
) -> None:
    count = 200
    run = _run_with_kills(tmp_path, count, "plain", kills_wanted=20, seed=seed)
    expected = {f"A-{n}:reminder#1:reminder.sms:1" for n in range(count)}
    delivered = _lines(tmp_path / "delivered.log")
    calls = Counter(_lines(tmp_path / "calls.log"))
    with SqliteLedger(run["ledger"]) as ledger:
        entries = {e.key: e for e in ledger.entries()}
    unknown = {k for k, e in entries.items() if e.state == "unknown"}
    sent = {k for k, e in entries.items() if e.state == "sent"}
    kills = run["kills"]
    text = _report(
        record_property,
        {
            "kills": sum(kills.values()),
            "kills_in_the_gap": kills["in_the_gap"],
            "adapter_calls": sum(calls.values()),
            "deliveries": len(delivered),
            "unknown_for_a_human": len(unknown),
            "lost_silently": len(expected - sent - unknown),
            "sent_twice": sum(1 for n in calls.values() if n > 1),
            "final_run": run["final"],
        },
    )
    assert sum(kills.values()) >= 20, text
    assert max(calls.values()) == 1, text  # nothing was ever sent twice
    assert len(delivered) == len(set(delivered))
    assert sent | unknown == expected, text  # nothing lost silently
    assert sent <= set(delivered)
    # each kill in the gap left a delivered, unrecorded key: it must be waiting for a human
    assert len(unknown & set(delivered)) >= kills["in_the_gap"], text
    assert len(unknown) <= sum(kills.values())
    assert all(entries[k].detail for k in unknown)
