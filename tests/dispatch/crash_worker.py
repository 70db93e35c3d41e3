"""The processes the crash and concurrency tests kill or race: dispatchers on one SQLite ledger.

Usage::

    python crash_worker.py serve LEDGER LOGDIR COUNT honours|plain
    python crash_worker.py run   LEDGER LOGDIR COUNT honours|plain [SEED]

``run`` prints ``ready``, waits for a line on stdin (so several can start together), dispatches
the batch (shuffled by ``SEED`` when given) and prints its statuses as JSON.

``serve`` is a zygote: it imports everything once, prints ``ready`` and then obeys one command
per stdin line, so the crash test can start a fresh dispatching process every few milliseconds
instead of paying an interpreter start each time:

``start N``
    fork a child that dispatches the whole batch and prints ``done PID {statuses}``; with
    ``N > 0`` the child SIGKILLs itself right after the provider delivered its N-th message and
    before the ledger recorded it, the worst moment to die.  Answers ``started PID``.
``reap PID``
    wait for that child (the test SIGKILLs it from outside first, or not) and answer
    ``exited PID STATUS`` (``-9`` for a kill, otherwise the exit code).  A child stays a zombie
    until reaped, so its pid cannot be reused while the test may still signal it.

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
    Delivered,
    Dispatcher,
    Message,
    Renderer,
    SendOutcome,
    SqliteLedger,
)
from overdue.money import Money

NOW = datetime(2026, 1, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())  # one write per line: parent and children share stdout


class ProviderAdapter:
    """A provider with a memory (its delivery log); ``die_after`` kills the process mid-send."""

    channel = "sms"

    def __init__(self, logdir: Path, honours: bool, die_after: int = 0) -> None:
        self.honours_keys = honours
        self.calls = logdir / "calls.log"
        self.delivered = logdir / "delivered.log"
        self.die_after = die_after
        self.deliveries = 0

    def _seen(self, key: str) -> bool:
        if not self.delivered.exists():
            return False
        return key in self.delivered.read_text().split()

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        _append(self.calls, idempotency_key)
        time.sleep(0.0005)  # the provider takes a moment: outside kills land mid-send too
        if self.honours_keys and self._seen(idempotency_key):
            return Delivered("duplicate-dropped")
        _append(self.delivered, idempotency_key)
        self.deliveries += 1
        if self.deliveries == self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)  # delivered, not yet recorded
        return Delivered(idempotency_key)


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
    ledger_path: str, logdir: str, count: int, mode: str, *, die_after: int = 0, seed: int = -1
) -> dict[str, int]:
    """Dispatch the batch in chunks of 10, as a host's run would; returns the status counts."""
    adapter = ProviderAdapter(Path(logdir), mode == "honours", die_after)
    batch = actions(count)
    if seed >= 0:
        random.Random(seed).shuffle(batch)
    statuses: dict[str, int] = {}
    with SqliteLedger(ledger_path) as ledger:
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
        verb, _, arg = line.strip().partition(" ")
        if verb == "start":
            pid = os.fork()
            if pid == 0:  # the child: a dispatching process like any other
                code = 0
                try:
                    statuses = dispatch_all(ledger_path, logdir, count, mode, die_after=int(arg))
                    _say(f"done {os.getpid()} {json.dumps(statuses)}")
                except BaseException as exc:
                    _say(f"error {os.getpid()} {type(exc).__name__}: {exc}")
                    code = 1
                os._exit(code)
            _say(f"started {pid}")
        elif verb == "reap":
            pid, status = os.waitpid(int(arg), 0)
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
    _say("ready")
    sys.stdin.readline()  # go
    _say(json.dumps(dispatch_all(ledger_path, logdir, int(count), mode, seed=seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
