"""Kill the host with SIGKILL between every pair of its steps, restart it, and count the sends.

A 10-day scenario (four debtors, a late payment webhook, a dispute opened and settled) is run
by host processes forked from ``crash_host.py serve``.  For one kill point at a time, every run
dies the N-th time it reaches that point (N = 1, 2, 3, … on the successive restarts of a day),
so the kills land at a different account or action each time, deterministically: which point,
and the how-manieth, is chosen; nothing depends on timing.  (On PostgreSQL every other reach,
N = 1, 3, 5, …: a connection there costs a server process.)  After each kill the host is
restarted at the same moment, as a supervisor would.  With a provider that cannot drop
duplicates, an operator settles every key a run reports in doubt by checking the provider's
log (``resolve`` if it went out, ``discard`` if not), and the host runs again.

Then, against a run of the same scenario without kills:

* **0 lost**: every message the undisturbed host sent was delivered;
* **0 duplicated**: no key reached the provider's log twice, and nothing extra went out;
* every key a kill left claimed but unrecorded was recovered (re-sent with its key) or
  reported in doubt, never dropped silently;
* the ledger and the histories agree: each delivered key is one ``sent`` row and one
  ``ContactAttempted`` event, and every account's history equals the undisturbed one.

The figures are printed (``pytest -s``) and recorded as test properties (``--junitxml``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from queue import Queue
from typing import IO, Any

import pytest

from overdue import decide
from overdue.dispatch import Delivered
from overdue.events import ContactAttempted

from .crash_host import DAYS, GAPS, POLICY, accounts, morning, open_store, world

WORKER = Path(__file__).with_name("crash_host.py")

pytestmark = pytest.mark.skipif(
    not hasattr(signal, "SIGKILL") or not hasattr(os, "fork"), reason="needs fork and SIGKILL"
)


class Host:
    """Drives ``crash_host.py serve``: one host process per ``run``."""

    def __init__(self, spec: str, logdir: Path, mode: str) -> None:
        self.logdir = logdir
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), "serve", spec, str(logdir), mode],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: Queue[str] = Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()
        assert self._next() == "ready"

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.strip())
        self.lines.put("eof")

    def _next(self) -> str:
        line = self.lines.get(timeout=120)
        if line == "eof":
            assert self.proc.stderr is not None
            pytest.fail("the host zygote died: " + self.proc.stderr.read())
        return line

    def run(self, day: int, gap: str, nth: int) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"run {day} {gap} {nth}\n")
        self.proc.stdin.flush()
        verb, code = self._next().split()
        assert verb == "exited"
        return int(code)

    def report(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.logdir / "report.json").read_text())
        return data

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def history(store: Any) -> dict[str, list[tuple[str, str, str, str]]]:
    """Every account's facts.  Events of one instant are compared as a set: a message re-sent
    after a restart is appended after its neighbours of the same moment, and the order of
    simultaneous events means nothing to the engine."""
    out = {}
    for account_id in store.account_ids():
        out[account_id] = sorted(
            (e.at.astimezone(UTC).isoformat(), e.kind, getattr(e, "idempotency_key", None) or "",
             str(e.outcome) if isinstance(e, ContactAttempted) else "")
            for e in store.load(account_id).account.events
        )
    return out


def final(store: Any) -> dict[str, tuple[str, str | None, str | None]]:
    """Every account's decision the morning after the scenario."""
    out = {}
    for account_id in store.account_ids():
        d = decide(POLICY, store.load(account_id).account, morning(DAYS))
        out[account_id] = (d.status, d.stage, d.wake_at.isoformat() if d.wake_at else None)
    return out


def drive(spec: str, logdir: Path, mode: str, gap: str, stride: int = 1) -> dict[str, Any]:
    """The scenario, killed at *gap* on every restart; returns what happened.

    The n-th restart of a day dies at the ``1 + (n - 1) * stride``-th time the point is
    reached (``stride=2`` halves the runs where a process start is dear)."""
    logdir.mkdir(parents=True, exist_ok=True)
    delivered_log = logdir / "delivered.log"

    def delivered() -> list[str]:
        return delivered_log.read_text().split() if delivered_log.exists() else []

    store = open_store(spec)  # the webhooks' and the operator's connection
    host = Host(spec, logdir, mode)
    kills = runs = 0
    left_claimed: set[str] = set()
    reported: set[str] = set()
    try:
        for account in accounts():
            store.create(account, recorded_at=morning(0))
        for day in range(DAYS):
            for account_id, events in world(day).items():
                store.append(account_id, events, None, recorded_at=morning(day))
            nth = 1
            while True:
                code = host.run(day, gap, nth)
                runs += 1
                if code == -signal.SIGKILL:
                    kills += 1
                    nth += stride
                    left_claimed |= {e.key for e in store.ledger.entries("intended")}
                    continue
                report = host.report()
                assert code == 0, report
                assert report["errors"] == []
                reported.update(report["in_doubt"])
                if not report["in_doubt"]:
                    break
                for key in report["in_doubt"]:  # the operator checks the provider's log
                    if key in delivered():
                        store.ledger.resolve(key, Delivered("checked"), at=morning(day))
                    else:
                        store.ledger.discard(key)
        return {
            "kills": kills,
            "runs": runs,
            "delivered": delivered(),
            "history": history(store),
            "final": final(store),
            "ledger": {e.key: e.state for e in store.ledger.entries()},
            "recoveries": {e.key for e in store.ledger.entries() if e.recoveries},
            "left_claimed": left_claimed,
            "reported": reported,
        }
    finally:
        host.close()
        store.close()


Spec = Callable[[str], str]


@pytest.fixture
def spec(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Spec]:
    """Names a fresh database per call (``sqlite:PATH`` or ``postgres:SCHEMA@URL``)."""
    if backend == "sqlite":
        yield lambda name: f"sqlite:{tmp_path / (name + '.db')}"
        return
    url = request.getfixturevalue("postgres_url")
    schema = request.getfixturevalue("postgres_schema")
    yield lambda name: f"postgres:{schema}_{name.replace('>', '_').replace('-', '_')}@{url}"
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for (name,) in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (schema + "_%",)
        ).fetchall():
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')  # type: ignore[arg-type]


def test_killing_the_host_between_every_pair_of_steps_loses_and_duplicates_nothing(
    spec: Spec, backend: str, tmp_path: Path, record_property: Any
) -> None:
    # The claim logic is the same code on both backends: PostgreSQL runs every kill point with
    # key-honouring adapters, SQLite the operator's path as well (about 150 host processes a
    # mode; this keeps the suite quick).
    figures: list[str] = []
    for mode in ("honours", "plain") if backend == "sqlite" else ("honours",):
        figures.extend(_kill_every_gap(spec, backend, mode, tmp_path / mode))
    for line in figures:
        print(line)
    record_property("figures", "; ".join(figures))


def _kill_every_gap(spec: Spec, backend: str, mode: str, tmp_path: Path) -> list[str]:
    reference = drive(spec(f"{mode}_reference"), tmp_path / "reference", mode, "none")
    assert reference["kills"] == 0
    expected = Counter(reference["delivered"])
    assert expected
    assert max(expected.values()) == 1
    figures = []
    # Without key-honouring adapters only the two kills around the send leave anything in
    # doubt; the other four behave exactly as with them (the honours run covers them).
    for gap in GAPS if mode == "honours" else ("claim>send", "send>record"):
        # a PostgreSQL connection costs a server process: every other reach there
        stride = 1 if backend == "sqlite" else 2
        got = drive(spec(f"{mode}_{gap}"), tmp_path / gap, mode, gap, stride)
        sent = Counter(got["delivered"])
        lost = sorted(set(expected) - set(sent))
        duplicated = sorted(k for k, n in sent.items() if n > 1)
        extra = sorted(set(sent) - set(expected))
        figures.append(
            f"{backend} {mode} {gap}: {got['runs']} runs, {got['kills']} kills, "
            f"{len(sent)} keys delivered, "
            f"lost={len(lost)} duplicated={len(duplicated)} extra={len(extra)}, "
            f"left claimed={len(got['left_claimed'])}, in doubt reported={len(got['reported'])}"
        )
        assert got["kills"] >= 1, f"the kill point {gap} was never reached"
        assert lost == [], gap
        assert duplicated == [], gap
        assert extra == [], gap
        # a claim a kill left behind was found in doubt by the next claim (the ledger counts
        # it), then re-sent with its key or reported for a human
        settled = got["recoveries"] if mode == "honours" else got["reported"]
        assert got["left_claimed"] <= settled, gap
        # the ledger and the histories agree with the provider and with the undisturbed run
        assert got["ledger"] == dict.fromkeys(expected, "sent"), gap
        assert got["history"] == reference["history"], gap
        assert got["final"] == reference["final"], gap
    if mode == "plain":
        # the gap the outbox exists for: a kill after the send left a key for the operator
        assert any("send>record" in f and "reported=0" not in f for f in figures)
    return figures
