"""Kill real dispatching processes with SIGKILL at every point of the dispatch path.

The worker (``crash_worker.py serve``) forks one dispatching process per run, each with its own
:class:`SqliteLedger` connection on a real file.  Each run is told where to die: the *n*-th
time it reaches one fault-injection point (before the claim, inside the claim's transaction,
after the claim, inside the provider, after delivery, inside the record's transaction, after
the record; for an adapter without keys also around marking a key for a human).  It appends
the point and the key it was handling to ``deaths.log`` and SIGKILLs itself: a real death, at a
place that does not depend on the machine's speed.  The schedule (which point, which *n*) comes
from a seeded RNG and visits every point several times; after the last death one run finishes
the batch.

The provider's own log is the ground truth, and the tests assert only the promises:

* an adapter that honours idempotency keys: every key delivered exactly once (zero lost, zero
  duplicated), every key a death left in doubt re-sent with the same key (the provider dropped
  the copy when it had delivered it);
* one that does not: nothing ever sent twice, nothing lost silently, and exactly the keys a
  death left in doubt reported ``unknown`` for a human.

``OVERDUE_CRASH_SEED=<int>`` draws another schedule.  The counts are printed (``pytest -s``) and
recorded as test properties (``--junitxml``).
"""

from __future__ import annotations

import importlib.util
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
_spec = importlib.util.spec_from_file_location("crash_worker", WORKER)
assert _spec is not None
assert _spec.loader is not None
worker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(worker)
POINTS, UNKNOWN_POINTS = worker.POINTS, worker.UNKNOWN_POINTS
IN_DOUBT, DELIVERED = worker.IN_DOUBT, worker.DELIVERED
SEEDS = [int(os.environ["OVERDUE_CRASH_SEED"])] if "OVERDUE_CRASH_SEED" in os.environ else [
    20260112,
    7,
]

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL") or not hasattr(os, "fork"), reason="needs fork and SIGKILL"
)


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


class Zygote:
    """Drives ``crash_worker.py serve``: start a dispatching process, reap it."""

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
        assert self.expect("ready") == "ready"

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.strip())
        self.lines.put("eof")

    def tell(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, prefix: str) -> str:
        """The next line starting with *prefix*; ``done`` lines met on the way are kept.

        The timeout only turns a hung worker into a failure; nothing is measured with it.
        """
        while True:
            line = self.lines.get(timeout=120)
            if line.startswith(prefix):
                return line
            assert line.startswith("done"), f"worker said {line!r}"
            self.finished.append(line)

    def run(self, point: str, n: int) -> int:
        """Start a run told to die at the *n*-th *point* (``-``: never); its exit status."""
        self.tell(f"start {point} {n}")
        pid = int(self.expect("started").split()[1])
        self.tell(f"reap {pid}")
        return int(self.expect(f"exited {pid} ").split()[2])

    def close(self) -> None:
        self.tell("quit")
        self.proc.wait(timeout=60)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def schedule(seed: int, mode: str, rounds: int) -> list[tuple[str, int]]:
    """Where each run dies: every point *rounds* times, in a seeded order, at a seeded *n*.

    A point of marking a key for a human is reached only by a run that finds a key in doubt,
    so it is scheduled right after a death that leaves one (its key is the first unsettled
    key the next run meets, hence ``n = 1``).
    """
    rng = random.Random(seed)
    points = list(POINTS) + (list(UNKNOWN_POINTS) if mode == "plain" else [])
    leaves_doubt = sorted(IN_DOUBT & set(POINTS))
    runs: list[tuple[str, int]] = []
    for _ in range(rounds):
        for point in rng.sample(points, len(points)):
            if point in UNKNOWN_POINTS:
                runs.append((rng.choice(leaves_doubt), rng.randint(1, 3)))
                runs.append((point, 1))
            else:
                runs.append((point, rng.randint(1, 3)))
    return runs


def _run_with_deaths(tmp_path: Path, count: int, mode: str, seed: int) -> dict[str, Any]:
    """Run the schedule (every run must die where it was told), then finish the batch."""
    runs = schedule(seed, mode, rounds=3 if mode == "honours" else 2)
    deaths: list[tuple[str, str]] = []  # (point, key) per run, in order
    zygote = Zygote(tmp_path, count, mode)
    try:
        for number, (point, n) in enumerate(runs, 1):
            code = zygote.run(point, n)
            noted = _lines(tmp_path / "deaths.log")
            assert code == -signal.SIGKILL, f"run {number} ({point} #{n}) exited with {code}"
            assert len(noted) == number, noted
            died_at, died_n, key = noted[-1].split()
            assert (died_at, int(died_n)) == (point, n)
            deaths.append((point, key))
        assert zygote.run("-", 0) == 0
        final = json.loads(zygote.finished[-1].split(" ", 2)[2])
    finally:
        zygote.close()
    with SqliteLedger(zygote.ledger) as ledger:
        entries = {e.key: e for e in ledger.entries()}
    return {"deaths": deaths, "final": final, "entries": entries}


def _report(record_property: Any, summary: dict[str, Any]) -> str:
    for name, value in summary.items():
        record_property(name, value)
    text = ", ".join(f"{k}={v}" for k, v in summary.items())
    print(text)
    return text


@pytest.mark.parametrize("seed", SEEDS)
def test_key_honouring_adapter_zero_lost_zero_duplicated(
    tmp_path: Path, seed: int, record_property: Any
) -> None:
    count = 100
    run = _run_with_deaths(tmp_path, count, "honours", seed)
    deaths, entries = run["deaths"], run["entries"]
    expected = {f"A-{n}:reminder#1:reminder.sms:1" for n in range(count)}
    delivered = Counter(_lines(tmp_path / "delivered.log"))
    calls = Counter(_lines(tmp_path / "calls.log"))
    in_doubt = {key for point, key in deaths if point in IN_DOUBT}
    delivered_then_died = {key for point, key in deaths if point in DELIVERED}
    text = _report(
        record_property,
        {
            "seed": seed,
            "deaths": len(deaths),
            "deaths_by_point": dict(Counter(point for point, _ in deaths)),
            "keys": count,
            "adapter_calls": sum(calls.values()),
            "deliveries": sum(delivered.values()),
            "left_in_doubt": len(in_doubt),
            "ledger_recoveries": sum(e.recoveries for e in entries.values()),
            "final_run": run["final"],
        },
    )
    assert {point for point, _ in deaths} == set(POINTS), text  # every point was hit
    # the promises: zero lost, zero duplicated, everything recorded
    assert set(delivered) == expected, text
    assert max(delivered.values()) == 1, text
    assert set(entries) == expected
    assert {e.state for e in entries.values()} == {"sent"}
    # every death in doubt was recovered once by a later run, which re-sent the same key ...
    assert sum(e.recoveries for e in entries.values()) == sum(
        1 for point, _ in deaths if point in IN_DOUBT
    ), text
    assert all(entries[key].recoveries >= 1 for key in in_doubt)
    assert {key for key, n in calls.items() if n > 1} <= in_doubt
    # ... and where the provider had delivered it before the death, it dropped the copy
    assert all(calls[key] >= 2 for key in delivered_then_died), text


@pytest.mark.parametrize("seed", SEEDS)
def test_adapter_without_keys_is_never_sent_twice_and_doubt_is_reported(
    tmp_path: Path, seed: int, record_property: Any
) -> None:
    count = 100
    run = _run_with_deaths(tmp_path, count, "plain", seed)
    deaths, entries = run["deaths"], run["entries"]
    expected = {f"A-{n}:reminder#1:reminder.sms:1" for n in range(count)}
    delivered = Counter(_lines(tmp_path / "delivered.log"))
    calls = Counter(_lines(tmp_path / "calls.log"))
    unknown = {k for k, e in entries.items() if e.state == "unknown"}
    sent = {k for k, e in entries.items() if e.state == "sent"}
    in_doubt = {key for point, key in deaths if point in IN_DOUBT}
    text = _report(
        record_property,
        {
            "seed": seed,
            "deaths": len(deaths),
            "deaths_by_point": dict(Counter(point for point, _ in deaths)),
            "adapter_calls": sum(calls.values()),
            "deliveries": sum(delivered.values()),
            "unknown_for_a_human": len(unknown),
            "lost_silently": len(expected - sent - unknown),
            "sent_twice": sum(1 for n in calls.values() if n > 1),
            "final_run": run["final"],
        },
    )
    assert {point for point, _ in deaths} == set(POINTS + UNKNOWN_POINTS), text
    # the promises: nothing sent twice, nothing lost silently ...
    assert max(calls.values()) == 1, text
    assert max(delivered.values()) == 1, text
    assert sent | unknown == expected, text
    assert sent <= set(delivered)
    # ... and exactly the keys a death left in doubt wait for a human, with a reason
    assert unknown == in_doubt, text
    assert all(entries[key].detail for key in unknown)
    assert unknown & set(delivered) == {key for point, key in deaths if point in DELIVERED}
    assert sum(e.recoveries for e in entries.values()) == sum(
        1 for point, _ in deaths if point in IN_DOUBT
    ), text
