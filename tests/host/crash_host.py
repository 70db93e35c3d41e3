"""The host process the crash test kills: a Runner on a real store, dying at a chosen point.

Usage::

    python crash_host.py serve STORE LOGDIR honours|plain

``STORE`` is ``sqlite:PATH`` or ``postgres:SCHEMA@URL``.  ``serve`` is a zygote: it imports
everything once, prints ``ready`` and obeys one command per stdin line:

``run DAY GAP N``
    fork a host process that runs ``Runner.run_once`` at day DAY's morning and SIGKILLs itself
    the N-th time it reaches the kill point GAP (``none``: never); wait for it and answer
    ``exited CODE`` (``-9`` when it was killed).  A run that finishes writes its report to
    ``LOGDIR/report.json``: the keys it sent, recovered and found in doubt, and its errors.

The kill points sit between every pair of the host's steps, decide | facts | claim | send |
record | commit, plus after the commit:

=================  ==================================================================
``decide>facts``   decided; the stage entered is not yet written
``facts>claim``    the stage entered is committed; no key claimed yet
``claim>send``     a key is claimed (``intended``); the provider has not been called
``send>record``    the provider delivered; neither the ledger nor the history knows
``record>commit``  ledger row and outcome event committed; the wake time is not
``commit>next``    the account's schedule is committed; the next account not begun
=================  ==================================================================

The provider's own log (``delivered.log``, one ``os.write`` per line with ``O_APPEND``) is the
ground truth.  In ``honours`` mode the provider drops a key it already delivered (as a gateway
with idempotency keys does); in ``plain`` mode it delivers whatever it is given.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Invoice, Money
from overdue.decision import Action
from overdue.dispatch import (
    ChannelRegistry,
    Claim,
    Delivered,
    Ledger,
    LedgerEntry,
    Message,
    SendOutcome,
)
from overdue.events import DisputeOpened, DisputeResolved, Event, PaymentReceived
from overdue.host import Runner, RunStep
from overdue.host._sql import SqlStore
from overdue.reference import reference_policy

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = date(2026, 1, 12)
DAYS = 10
POLICY = reference_policy()
CHANNELS = ("sms", "phone", "email", "letter", "in_app", "legal")
GAPS = ("decide>facts", "facts>claim", "claim>send", "send>record", "record>commit",
        "commit>next")


def morning(day: int) -> datetime:
    """The host's run on day *day*: 10:00 in Shanghai."""
    return datetime.combine(START + timedelta(days=day), time(10), SHANGHAI)


def accounts() -> list[Account]:
    """Four debtors; their stories are in :func:`world`."""
    out = []
    for n, amount in enumerate(("1200.50", "350.00", "640.00", "80.00"), start=1):
        phone = f"+86138000{n:05d}"
        out.append(
            Account(
                f"A-{n}",
                timezone="Asia/Shanghai",
                contacts=(ContactPoint("sms", phone), ContactPoint("phone", phone),
                          ContactPoint("email", f"debtor{n}@example.com")),
                invoices=(Invoice(f"INV-{n}", Money(amount, "CNY"), START - timedelta(days=2)),),
            )
        )
    return out


def world(day: int) -> dict[str, list[Event]]:
    """What the outside world reports before the morning run of *day* (webhooks)."""
    return {
        # A-2 paid on day 3 at 09:30, before that morning's SMS; the webhook comes on day 5
        5: {"A-2": [PaymentReceived(at=morning(3) - timedelta(minutes=30),
                                    amount=Money("350.00", "CNY"))]},
        # A-3 disputes on day 4 and the dispute is settled against them on day 9
        4: {"A-3": [DisputeOpened(at=morning(4) - timedelta(hours=2), reason="says it was paid")]},
        9: {"A-3": [DisputeResolved(at=morning(9) - timedelta(hours=1), resolution="no record")]},
    }.get(day, {})


def open_store(spec: str) -> SqlStore:
    """``sqlite:PATH`` or ``postgres:SCHEMA@URL``."""
    kind, _, rest = spec.partition(":")
    if kind == "sqlite":
        from overdue.host import SqliteStore

        # NORMAL keeps every commit across a killed process (WAL); FULL adds an fsync per
        # commit against power loss, which a process kill does not test and which would make
        # the hundreds of runs here slow.
        return SqliteStore(rest, synchronous="NORMAL")
    from overdue.host import PostgresStore

    schema, _, url = rest.partition("@")
    return PostgresStore(url, schema=schema)


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


class Killer:
    """Counts how often each kill point is reached and dies at the chosen reach."""

    def __init__(self, gap: str, nth: int) -> None:
        self.gap = gap
        self.nth = nth
        self.reached = 0

    def at(self, gap: str) -> None:
        if gap != self.gap:
            return
        self.reached += 1
        if self.reached == self.nth:
            os.kill(os.getpid(), signal.SIGKILL)


class Provider:
    """One channel of a provider whose log is the truth; see the module docstring."""

    def __init__(self, channel: str, logdir: Path, honours: bool, killer: Killer) -> None:
        self.channel = channel
        self.honours_keys = honours
        self.delivered = logdir / "delivered.log"
        self.killer = killer

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        known = self.delivered.exists() and idempotency_key in self.delivered.read_text().split()
        if not (self.honours_keys and known):
            _append(self.delivered, idempotency_key)
        self.killer.at("send>record")
        return Delivered(idempotency_key)


class KillingLedger:
    """The store's ledger, with the kill points after a claim and after a record."""

    def __init__(self, inner: Ledger, killer: Killer) -> None:
        self.inner = inner
        self.killer = killer

    def claim(self, action: Action, *, at: datetime) -> Claim:
        claim = self.inner.claim(action, at=at)
        if claim.status in ("new", "in_doubt"):
            self.killer.at("claim>send")
        return claim

    def record(self, key: str, outcome: SendOutcome, *, at: datetime, attempts: int) -> LedgerEntry:
        entry = self.inner.record(key, outcome, at=at, attempts=attempts)
        self.killer.at("record>commit")
        return entry

    def mark_unknown(self, key: str, *, at: datetime, detail: str) -> LedgerEntry:
        return self.inner.mark_unknown(key, at=at, detail=detail)

    def resolve(self, key: str, outcome: SendOutcome, *, at: datetime) -> LedgerEntry:
        return self.inner.resolve(key, outcome, at=at)

    def discard(self, key: str) -> None:
        self.inner.discard(key)

    def get(self, key: str) -> LedgerEntry | None:
        return self.inner.get(key)

    def entries(self, state: object = None) -> tuple[LedgerEntry, ...]:
        return self.inner.entries(state)  # type: ignore[arg-type]


def run(spec: str, logdir: Path, honours: bool, day: int, gap: str, nth: int) -> None:
    """One host process: one ``run_once``, maybe killed on the way."""
    killer = Killer(gap, nth)
    steps: dict[RunStep, str] = {"decide": "decide>facts", "facts": "facts>claim",
                                 "commit": "commit>next"}

    def on_step(step: RunStep, _account_id: str) -> None:
        killer.at(steps.get(step, ""))

    store = open_store(spec)
    try:
        runner = Runner(
            POLICY,
            store,
            ChannelRegistry(Provider(c, logdir, honours, killer) for c in CHANNELS),
            KillingLedger(store.ledger, killer),
            on_step=on_step,
        )
        report = runner.run_once(morning(day))
    finally:
        store.close()
    (logdir / "report.json").write_text(json.dumps({
        "sent": list(report.sent),
        "recovered": [r.key for r in report.results if r.recovered],
        "in_doubt": list(report.in_doubt),
        "errors": [f"{a}: {e}" for a, e in report.errors],
    }))


def serve(spec: str, logdir: Path, honours: bool) -> int:
    os.write(1, b"ready\n")
    for line in sys.stdin:
        verb, *args = line.split()
        if verb != "run":
            break
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                run(spec, logdir, honours, int(args[0]), args[1], int(args[2]))
            except BaseException as exc:
                (logdir / "report.json").write_text(json.dumps({"crash": repr(exc)}))
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        os.write(1, f"exited {code}\n".encode())
    return 0


if __name__ == "__main__":
    command, spec, logdir, mode = sys.argv[1:5]
    assert command == "serve"
    raise SystemExit(serve(spec, Path(logdir), mode == "honours"))
