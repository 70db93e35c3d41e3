"""The processes the crash and concurrency tests kill or race: dispatchers on one SQLite ledger.

Usage::

    python crash_worker.py serve LEDGER LOGDIR COUNT honours|plain
    python crash_worker.py run   LEDGER LOGDIR COUNT honours|plain [SEED [PEERS]]

``run`` prints ``ready``, waits for a line on stdin (so several can start together), dispatches
the batch (shuffled by ``SEED`` when given) and prints its statuses as JSON.  With ``PEERS``
the process, once its provider delivered its first message, waits until ``PEERS`` processes
(itself included) have each delivered one: a race in which every process takes part by
construction, not by luck of the scheduler.

``serve`` is a zygote: it imports everything once, prints ``ready`` and then obeys one command
per stdin line, so the crash test can start many dispatching processes without paying an
interpreter start each time:

``start POINT N``
    fork a child that dispatches the whole batch and prints ``done PID {statuses}``.  Unless
    POINT is ``-``, the child SIGKILLs itself the *N*-th time it reaches the fault-injection
    point POINT (see :data:`POINTS`), after appending ``POINT N KEY`` to ``deaths.log``.
    Answers ``started PID``.
``reap PID``
    wait for that child and answer ``exited PID STATUS`` (``-9`` for a kill, otherwise the exit
    code).

Why the kill is placed, not timed: a kill sent from outside after a random delay lands wherever
the scheduler happens to be, so which moments a test covers (and any count of kills "in the
gap") depends on the machine's speed and load.  A process that kills itself at a named point
dies at the same place on every machine, so the test can cover every point of the dispatch
path on purpose and predict exactly which key each death leaves in doubt.  The death is still
real: ``SIGKILL`` runs no ``finally``, no ``atexit`` and no SQLite rollback; the operating
system drops the process's file locks and the next process finds the files as they were.

The points count only *live* keys (no result recorded yet), so ``N`` says how far into the
remaining work the process gets; keys already ``sent`` or ``unknown`` are replayed and skipped.

The adapter stands for a provider: every call is appended to ``calls.log`` and every delivery
to ``delivered.log`` (one ``os.write`` per line with ``O_APPEND``, so a kill never leaves half a
line and concurrent processes never interleave).  In ``honours`` mode the provider drops a key
it already delivered, as an SMS gateway with idempotency keys does; in ``plain`` mode it
delivers whatever it is given.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from overdue.account import ContactPoint
from overdue.decision import Action, MessageFacts
from overdue.dispatch import (
    ChannelRegistry,
    Claim,
    Delivered,
    Dispatcher,
    LedgerEntry,
    LedgerState,
    Message,
    Renderer,
    SendOutcome,
    SqliteLedger,
)
from overdue.money import Money

NOW = datetime(2026, 1, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

#: Every point of the dispatch path of one action, in the order the dispatcher passes them.
POINTS = (
    "before_claim",  # nothing of this key is written yet
    "claim_uncommitted",  # the claim's INSERT/UPDATE ran; its COMMIT did not
    "after_claim",  # the claim is committed; the adapter has not been called
    "in_send",  # the provider has the request (calls.log); nothing delivered yet
    "after_send",  # the provider delivered; the ledger has not recorded it
    "record_uncommitted",  # the result's UPDATE ran; its COMMIT did not
    "after_record",  # the result is committed; the host has not seen it
)
#: The points of an in-doubt key whose adapter does not honour keys: it is marked for a human.
UNKNOWN_POINTS = ("before_mark_unknown", "mark_unknown_uncommitted", "after_mark_unknown")
#: A death at one of these leaves the key's claim ``intended`` with a dead owner: in doubt.
IN_DOUBT = frozenset(
    {
        "after_claim",
        "in_send",
        "after_send",
        "record_uncommitted",
        "before_mark_unknown",
        "mark_unknown_uncommitted",
    }
)
#: A death at one of these comes after the provider delivered the key.
DELIVERED = frozenset({"after_send", "record_uncommitted"})


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # one write per line: parent and children share stdout


class Faults:
    """Where this process dies: the *n*-th time it reaches *point* (never when point is None)."""

    def __init__(self, logdir: Path, point: str | None = None, n: int = 0) -> None:
        if point is not None and point not in POINTS + UNKNOWN_POINTS:
            raise ValueError(f"no fault-injection point {point!r}")
        self.point = point
        self.n = n
        self.reached = 0
        self.deaths = logdir / "deaths.log"

    def reach(self, point: str, key: str) -> None:
        if point != self.point:
            return
        self.reached += 1
        if self.reached == self.n:
            _append(self.deaths, f"{point} {self.n} {key}")
            os.kill(os.getpid(), signal.SIGKILL)


class FaultyLedger:
    """A real :class:`SqliteLedger` with the fault-injection points of the ledger's side.

    The ``*_uncommitted`` points fire from SQLite's statement trace when the transaction's
    ``COMMIT`` is about to run: the row is written inside the transaction, not yet committed.
    """

    def __init__(self, inner: SqliteLedger, faults: Faults) -> None:
        self.inner = inner
        self.faults = faults
        self._doing: tuple[str, str] | None = None  # (what, key) while a live key is written
        inner._conn.set_trace_callback(self._statement)

    def _statement(self, sql: str) -> None:
        if self._doing is not None and sql.strip().upper() == "COMMIT":
            what, key = self._doing
            self.faults.reach(f"{what}_uncommitted", key)

    def _live(self, key: str) -> bool:
        entry = self.inner.get(key)
        return entry is None or entry.state == "intended"

    def claim(self, action: Action, *, at: datetime) -> Claim:
        key = action.idempotency_key
        if not self._live(key):
            return self.inner.claim(action, at=at)
        self.faults.reach("before_claim", key)
        self._doing = ("claim", key)
        try:
            claim = self.inner.claim(action, at=at)
        finally:
            self._doing = None
        self.faults.reach("after_claim", key)
        return claim

    def record(
        self, key: str, outcome: SendOutcome, *, at: datetime, attempts: int
    ) -> LedgerEntry:
        self._doing = ("record", key)
        try:
            entry = self.inner.record(key, outcome, at=at, attempts=attempts)
        finally:
            self._doing = None
        self.faults.reach("after_record", key)
        return entry

    def mark_unknown(self, key: str, *, at: datetime, detail: str) -> LedgerEntry:
        self.faults.reach("before_mark_unknown", key)
        self._doing = ("mark_unknown", key)
        try:
            entry = self.inner.mark_unknown(key, at=at, detail=detail)
        finally:
            self._doing = None
        self.faults.reach("after_mark_unknown", key)
        return entry

    def resolve(self, key: str, outcome: SendOutcome, *, at: datetime) -> LedgerEntry:
        return self.inner.resolve(key, outcome, at=at)

    def discard(self, key: str) -> None:
        self.inner.discard(key)

    def get(self, key: str) -> LedgerEntry | None:
        return self.inner.get(key)

    def entries(self, state: LedgerState | None = None) -> tuple[LedgerEntry, ...]:
        return self.inner.entries(state)


class ProviderAdapter:
    """A provider with a memory (its delivery log) and the adapter side's injection points."""

    channel = "sms"

    def __init__(
        self, logdir: Path, honours: bool, faults: Faults, *, peers: int = 0
    ) -> None:
        self.honours_keys = honours
        self.calls = logdir / "calls.log"
        self.delivered = logdir / "delivered.log"
        self.barrier = logdir / "barrier"
        self.faults = faults
        self.peers = peers
        self.deliveries = 0

    def _seen(self, key: str) -> bool:
        if not self.delivered.exists():
            return False
        return key in self.delivered.read_text().split()

    def _meet_peers(self) -> None:
        """Wait until every racing process delivered one message (see ``run ... PEERS``)."""
        self.barrier.mkdir(exist_ok=True)
        (self.barrier / str(os.getpid())).touch()
        give_up = time.monotonic() + 120  # a guard against a hang, not a measurement
        while len(list(self.barrier.iterdir())) < self.peers:
            if time.monotonic() > give_up:
                sys.stderr.write(f"only {len(list(self.barrier.iterdir()))} peers arrived\n")
                os._exit(3)
            time.sleep(0.002)

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        _append(self.calls, idempotency_key)
        self.faults.reach("in_send", idempotency_key)
        if self.honours_keys and self._seen(idempotency_key):
            outcome = Delivered("duplicate-dropped")
        else:
            _append(self.delivered, idempotency_key)
            self.deliveries += 1
            if self.deliveries == 1 and self.peers:
                self._meet_peers()
            outcome = Delivered(idempotency_key)
        self.faults.reach("after_send", idempotency_key)
        return outcome


def actions(count: int) -> list[Action]:
    out = []
    for n in range(count):
        out.append(
            Action(
                account_id=f"A-{n}",
                stage="reminder",
                step="reminder.sms",
                channel="sms",
                template="reminder.sms",
                attempt=1,
                max_attempts=1,
                not_before=NOW - timedelta(minutes=1),
                idempotency_key=f"A-{n}:reminder#1:reminder.sms:1",
                facts=MessageFacts(amount=Money("100.00", "CNY"), days_overdue=3, deadline=None),
                contact=ContactPoint("sms", f"+86138{n:08d}"),
            )
        )
    return out


def dispatch_all(
    ledger_path: str,
    logdir: str,
    count: int,
    mode: str,
    *,
    faults: Faults | None = None,
    seed: int = -1,
    peers: int = 0,
) -> dict[str, int]:
    """Dispatch the batch in chunks of 10, as a host's run would; returns the status counts."""
    faults = faults if faults is not None else Faults(Path(logdir))
    adapter = ProviderAdapter(Path(logdir), mode == "honours", faults, peers=peers)
    batch = actions(count)
    if seed >= 0:
        random.Random(seed).shuffle(batch)
    statuses: dict[str, int] = {}
    # a long busy timeout: on a loaded machine a racing peer may hold the write lock a while
    with SqliteLedger(ledger_path, timeout=300) as sqlite_ledger:
        ledger = FaultyLedger(sqlite_ledger, faults)
        dispatcher = Dispatcher(
            ChannelRegistry([adapter]), ledger=ledger, renderer=Renderer(locale="en")
        )
        for chunk in range(0, len(batch), 10):
            report = dispatcher.dispatch(batch[chunk : chunk + 10], now=NOW)
            for r in report.results:
                key = r.status + ("+recovered" if r.recovered else "")
                statuses[key] = statuses.get(key, 0) + 1
    return statuses


def serve(ledger_path: str, logdir: str, count: int, mode: str) -> int:
    _say("ready")
    for line in sys.stdin:
        verb, *args = line.split()
        if verb == "start":
            point, n = args
            pid = os.fork()
            if pid == 0:  # the child: a dispatching process like any other
                code = 0
                try:
                    faults = Faults(Path(logdir), None if point == "-" else point, int(n))
                    statuses = dispatch_all(ledger_path, logdir, count, mode, faults=faults)
                    _say(f"done {os.getpid()} {json.dumps(statuses)}")
                except BaseException as exc:
                    _say(f"error {os.getpid()} {type(exc).__name__}: {exc}")
                    code = 1
                os._exit(code)
            _say(f"started {pid}")
        elif verb == "reap":
            pid, status = os.waitpid(int(args[0]), 0)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            _say(f"exited {pid} {code}")
        elif verb == "quit":
            break
    return 0


def main() -> int:
    command, ledger_path, logdir, count, mode = sys.argv[1:6]
    if command == "serve":
        return serve(ledger_path, logdir, int(count), mode)
    seed = int(sys.argv[6]) if len(sys.argv) > 6 else -1
    peers = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    _say("ready")
    sys.stdin.readline()  # go
    statuses = dispatch_all(ledger_path, logdir, int(count), mode, seed=seed, peers=peers)
    _say(json.dumps(statuses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
