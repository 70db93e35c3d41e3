"""The ledger: intent recorded before a send, the result after, one row per idempotency key.

Why a ledger: a host process can die at any moment, including between "the SMS gateway took
the message" and "we wrote that down".  The ledger makes that gap visible.  Before calling an
adapter the dispatcher *claims* the action's idempotency key (state ``intended``); after the
adapter answers it *records* the result (state ``sent``, with the outcome).  On the next run,
``decide()`` proposes the same action with the same key (it is deterministic and the outcome
never reached the history), and the claim finds the key in one of three states:

``sent``
    The result is known; the dispatcher does not send again and replays the recorded outcome so
    the host can append the event it lost.
``intended`` (no result) and its owner is gone
    The send may or may not have happened.  If the adapter declares ``honours_keys = True``
    the dispatcher re-sends with the *same* key (the provider drops the duplicate); otherwise it
    marks the row ``unknown`` and reports it for a human, who settles it with
    :meth:`~SqliteLedger.resolve` (it went out) or :meth:`~SqliteLedger.discard` (send again).
``unknown``
    Waiting for that human; reported as ``unknown`` on every run until settled.

An ``intended`` row whose owner is still alive (another process is sending it right now) is
reported as ``busy`` and left alone.  The owner is "gone" when it ran on this host and its
process no longer exists, or when its lease (default five minutes) has run out.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

from overdue._masking import scrub
from overdue.decision import Action
from overdue.dispatch.outcomes import Delivered, Failed, SendOutcome, Unknown
from overdue.errors import DispatchError
from overdue.events import Outcome as EventOutcome

__all__ = [
    "Claim",
    "ClaimStatus",
    "InMemoryLedger",
    "Ledger",
    "LedgerEntry",
    "LedgerState",
    "SqliteLedger",
]

LedgerState = Literal["intended", "sent", "unknown"]
ClaimStatus = Literal["new", "in_doubt", "busy", "done", "unknown"]


@attrs.frozen
class LedgerEntry:
    """One idempotency key's row.  ``contact`` is the masked address, never the real one."""

    key: str
    state: LedgerState
    account_id: str
    channel: str
    template: str
    contact: str | None = None
    intended_at: datetime | None = None
    recorded_at: datetime | None = None
    attempts: int = 0
    recoveries: int = 0
    outcome: SendOutcome | None = None
    detail: str | None = None


@attrs.frozen
class Claim:
    """The answer to "may I send this key now?".

    ``new``: yes, first time.  ``in_doubt``: a previous owner died after claiming it; the
    claim now belongs to the caller, who must re-send with the same key or mark it unknown.
    ``busy``: someone alive holds it.  ``done``: the result is recorded.  ``unknown``: waiting
    for a human.
    """

    status: ClaimStatus
    entry: LedgerEntry


@runtime_checkable
class Ledger(Protocol):
    """What the dispatcher needs from a ledger.  Implementations must make ``claim`` atomic."""

    def claim(self, action: Action, *, at: datetime) -> Claim:
        """Record the intent to send *action* unless its key is already known."""
        ...

    def record(
        self, key: str, outcome: SendOutcome, *, at: datetime, attempts: int
    ) -> LedgerEntry:
        """Record the adapter's answer for *key* (state ``sent``)."""
        ...

    def mark_unknown(self, key: str, *, at: datetime, detail: str) -> LedgerEntry:
        """Mark an in-doubt *key* for a human (state ``unknown``)."""
        ...

    def resolve(self, key: str, outcome: SendOutcome, *, at: datetime) -> LedgerEntry:
        """A human's verdict on an ``unknown`` or ``intended`` key: it went out, like this."""
        ...

    def discard(self, key: str) -> None:
        """A human's verdict: the message did not go out; forget the key so it is sent again."""
        ...

    def get(self, key: str) -> LedgerEntry | None:
        """The row of *key*, if any."""
        ...

    def entries(self, state: LedgerState | None = None) -> tuple[LedgerEntry, ...]:
        """Every row (or those in *state*), oldest first."""
        ...


def _ledger_target(path: str | os.PathLike[str], ephemeral: bool) -> str:
    """The file SQLite is to open, after refusing what would silently not be durable."""
    try:
        text = os.fspath(path)
    except TypeError:
        raise DispatchError(
            "a ledger path is a string or a path", got=type(path).__name__
        ) from None
    if not isinstance(text, str):
        text = os.fsdecode(text)
    if "\x00" in text:
        raise DispatchError(
            "a ledger path cannot contain a NUL byte",
            expected="a file path",
            got=text,  # quoted with repr: the NUL shows as \x00
        )
    in_memory = text in ("", ":memory:") or text.startswith("file:") or "mode=memory" in text
    if in_memory:
        if ephemeral:
            return ":memory:"
        raise DispatchError(
            "this ledger would live in memory (or behind a SQLite URI) and forget every key "
            "on close, so a second run would send again",
            expected="a file path, or SqliteLedger.ephemeral() for tests and demos",
            got=text,
        )
    if ephemeral:
        raise DispatchError(
            "ephemeral=True is for in-memory ledgers; a file path is durable",
            expected='":memory:" with ephemeral=True, or a file path without it',
            got=text,
        )
    parent = Path(text).parent
    if not parent.is_dir():
        raise DispatchError(
            f"the ledger's directory {str(parent)!r} does not exist",
            expected="a path in an existing directory",
            got=text,
        )
    return text


def _masked(action: Action) -> str | None:
    return action.contact.masked if action.contact is not None else None


def _unknown_key(key: str) -> DispatchError:
    return DispatchError(f"the ledger has no entry for key {key!r}", got=key)


# -- in memory ------------------------------------------------------------------------------


@attrs.define
class _Row:
    entry: LedgerEntry
    claimed_at: float


class InMemoryLedger:
    """A ledger in a dict, for tests and single-process hosts that keep their own journal.

    It guards against duplicate sends within one process (a batch retried, two coroutines
    racing); it cannot survive a crash.  ``lease`` is how long a claim stays ``busy`` before
    it counts as abandoned (seconds).
    """

    def __init__(self, *, lease: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self._rows: dict[str, _Row] = {}
        self._lock = threading.Lock()
        self.lease = lease
        self._clock = clock

    def __repr__(self) -> str:
        return f"InMemoryLedger(entries={len(self._rows)})"

    def claim(self, action: Action, *, at: datetime) -> Claim:
        """See :meth:`Ledger.claim`."""
        key = action.idempotency_key
        with self._lock:
            row = self._rows.get(key)
            now = self._clock()
            if row is None:
                entry = intended_entry(action, at)
                self._rows[key] = _Row(entry, now)
                return Claim("new", entry)
            status = classify_claim(row.entry.state, now - row.claimed_at >= self.lease)
            if status != "in_doubt":
                return Claim(status, row.entry)
            row.entry = attrs.evolve(row.entry, recoveries=row.entry.recoveries + 1)
            row.claimed_at = now
            return Claim("in_doubt", row.entry)

    def _update(self, key: str, **changes: Any) -> LedgerEntry:
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                raise _unknown_key(key)
            row.entry = attrs.evolve(row.entry, **changes)
            return row.entry

    def record(
        self, key: str, outcome: SendOutcome, *, at: datetime, attempts: int
    ) -> LedgerEntry:
        """See :meth:`Ledger.record`."""
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                raise _unknown_key(key)
            row.entry = attrs.evolve(
                row.entry,
                state="sent",
                outcome=_scrubbed(outcome),
                recorded_at=at,
                attempts=row.entry.attempts + attempts,
            )
            return row.entry

    def mark_unknown(self, key: str, *, at: datetime, detail: str) -> LedgerEntry:
        """See :meth:`Ledger.mark_unknown`."""
        return self._update(key, state="unknown", recorded_at=at, detail=scrub(detail))

    def resolve(self, key: str, outcome: SendOutcome, *, at: datetime) -> LedgerEntry:
        """See :meth:`Ledger.resolve`."""
        return self._update(key, state="sent", outcome=_scrubbed(outcome), recorded_at=at)

    def discard(self, key: str) -> None:
        """See :meth:`Ledger.discard`."""
        with self._lock:
            self._rows.pop(key, None)

    def get(self, key: str) -> LedgerEntry | None:
        """See :meth:`Ledger.get`."""
        row = self._rows.get(key)
        return row.entry if row is not None else None

    def entries(self, state: LedgerState | None = None) -> tuple[LedgerEntry, ...]:
        """See :meth:`Ledger.entries`."""
        with self._lock:
            rows = [r.entry for r in self._rows.values()]
        return tuple(e for e in rows if state is None or e.state == state)


# -- SQLite ---------------------------------------------------------------------------------

def ledger_ddl(table: str, *, serial: str, real: str, ts: str) -> str:
    """The ledger table, for every SQL ledger (this module's SQLite file, the host's outbox on
    SQLite or PostgreSQL): one declaration, the database's own types filled in."""
    return f"""CREATE TABLE IF NOT EXISTS {table} (
    seq             {serial},
    idempotency_key TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL CHECK (state IN ('intended', 'sent', 'unknown')),
    account_id      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    template        TEXT NOT NULL,
    contact         TEXT,
    owner_host      TEXT,
    owner_pid       INTEGER,
    owner_token     TEXT,
    claimed_at      {real},
    intended_at     {ts},
    recorded_at     {ts},
    attempts        INTEGER NOT NULL DEFAULT 0,
    recoveries      INTEGER NOT NULL DEFAULT 0,
    outcome_kind    TEXT CHECK (outcome_kind IN ('delivered', 'failed', 'unknown')),
    event_outcome   TEXT,
    code            TEXT,
    retryable       INTEGER,
    reference       TEXT,
    detail          TEXT
)"""


_SCHEMA = ledger_ddl(
    "overdue_ledger", serial="INTEGER PRIMARY KEY AUTOINCREMENT", real="REAL", ts="TEXT"
)

_COLUMNS = (
    "idempotency_key, state, account_id, channel, template, contact, intended_at, recorded_at,"
    " attempts, recoveries, outcome_kind, event_outcome, code, retryable, reference, detail,"
    " owner_host, owner_pid, owner_token, claimed_at"
)


_process_token = uuid.uuid4().hex


def _new_process_token() -> None:
    global _process_token
    _process_token = uuid.uuid4().hex


# A forked child is another process: its claims must not pass for its parent's.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_process_token)


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _scrubbed(outcome: SendOutcome) -> SendOutcome:
    """The outcome with its free-text detail masked: a ledger row never holds a raw address."""
    detail = getattr(outcome, "detail", None)
    if isinstance(outcome, Failed | Unknown) and isinstance(detail, str) and detail:
        return attrs.evolve(outcome, detail=scrub(detail))
    return outcome


def _outcome_columns(
    outcome: SendOutcome,
) -> tuple[str, str, str | None, int, str | None, str | None]:
    outcome = _scrubbed(outcome)
    if isinstance(outcome, Delivered):
        return ("delivered", outcome.event_outcome.value, None, 0, outcome.reference, None)
    if isinstance(outcome, Failed):
        return (
            "failed",
            outcome.event_outcome.value,
            outcome.code,
            int(outcome.retryable),
            None,
            outcome.detail,
        )
    return ("unknown", outcome.event_outcome.value, None, 0, None, outcome.detail)


def _iso_ts(value: object) -> datetime:
    return datetime.fromisoformat(str(value))


def row_entry(
    row: Sequence[object], ts: Callable[[object], datetime] = _iso_ts
) -> LedgerEntry:
    """A ledger row (the first 16 of ``_COLUMNS``) as a :class:`LedgerEntry`; ``ts`` reads a
    stored timestamp (SQLite keeps ISO text; other databases their own type).  Shared by this
    module's SQLite ledger and the host's outbox ledger."""
    (key, state, account_id, channel, template, contact, intended_at, recorded_at, attempts,
     recoveries, kind, event_outcome, code, retryable, reference, detail) = row[:16]
    outcome: SendOutcome | None
    if kind == "delivered":
        outcome = Delivered(
            None if reference is None else str(reference),
            outcome=EventOutcome(str(event_outcome)),
        )
    elif kind == "failed":
        outcome = Failed(str(code), bool(retryable), None if detail is None else str(detail))
    elif kind == "unknown":
        outcome = Unknown(None if detail is None else str(detail))
    else:
        outcome = None
    return LedgerEntry(
        str(key),
        _ledger_state(state),
        str(account_id),
        str(channel),
        str(template),
        None if contact is None else str(contact),
        intended_at=None if intended_at is None or intended_at == "" else ts(intended_at),
        recorded_at=None if recorded_at is None or recorded_at == "" else ts(recorded_at),
        attempts=int(str(attempts)),
        recoveries=int(str(recoveries)),
        outcome=outcome,
        detail=None if (detail is None or kind is not None) else str(detail),
    )


def _ledger_state(value: object) -> LedgerState:
    if value == "intended" or value == "sent" or value == "unknown":
        return value
    raise DispatchError(
        "a ledger row holds an unknown state", expected="intended | sent | unknown", got=value
    )


def _row_entry(row: Sequence[object]) -> LedgerEntry:
    return row_entry(row)


# -- claims: one answer for every ledger ------------------------------------------------------


def classify_claim(state: LedgerState, abandoned: bool) -> ClaimStatus:
    """The answer to a claim on a key that already has a row, for every ledger (in memory,
    SQLite, the host's outbox): ``sent`` is done, ``unknown`` waits for a human, ``intended``
    is busy while its owner holds it and in doubt once the owner is gone (``abandoned``)."""
    if state == "sent":
        return "done"
    if state == "unknown":
        return "unknown"
    return "in_doubt" if abandoned else "busy"


def intended_entry(action: Action, at: datetime) -> LedgerEntry:
    """The row a first claim writes: the key is ``intended`` for ``at``, the address masked."""
    return LedgerEntry(
        action.idempotency_key,
        "intended",
        action.account_id,
        action.channel,
        action.template,
        _masked(action),
        intended_at=at,
    )


def owner_gone(
    owner: Sequence[object], *, host: str, token: str, now: float, lease: float
) -> bool:
    """Whether the claim of ``owner`` (the row's host, pid, token and claim time) is abandoned,
    as seen by the ledger ``token`` on ``host``: its process on this host is gone (or its pid
    now belongs to another process), or, on another host, its lease ran out."""
    o_host, pid, o_token, claimed_at = owner
    if o_token == token:
        return False  # our own claim, still in flight in this process
    if o_host == host and isinstance(pid, int):
        if not _pid_alive(pid):
            return True
        if pid == os.getpid() and not str(o_token).startswith(f"{_process_token}/"):
            # Our own pid, but another process's token: the owner died and its pid was
            # given to us (a restarted container runs its program as the same pid).
            return True
    return claimed_at is None or now - float(str(claimed_at)) >= lease


@attrs.frozen
class LedgerSql:
    """Every statement a SQL ledger runs on its ``table``, written once for this module's
    SQLite ledger and the host's outbox ledger (``?`` placeholders; a store whose driver
    wants another style rewrites them)."""

    table: str

    @property
    def select(self) -> str:
        """Every row, in ``_COLUMNS`` order (add a ``WHERE``)."""
        return f"SELECT {_COLUMNS} FROM {self.table}"

    @property
    def insert(self) -> str:
        """A first claim: key, account, channel, template, contact, owner (host, pid, token),
        claimed_at, intended_at."""
        return (
            f"INSERT INTO {self.table} (idempotency_key, state, account_id, channel, template,"
            " contact, owner_host, owner_pid, owner_token, claimed_at, intended_at)"
            " VALUES (?, 'intended', ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )

    @property
    def takeover(self) -> str:
        """An in-doubt claim taken over: owner host, pid, token, claimed_at, key."""
        return (
            f"UPDATE {self.table} SET owner_host = ?, owner_pid = ?, owner_token = ?,"
            " claimed_at = ?, recoveries = recoveries + 1 WHERE idempotency_key = ?"
        )

    @property
    def record(self) -> str:
        """The adapter's answer: recorded_at, attempts, the outcome's columns, key."""
        return (
            f"UPDATE {self.table} SET state = 'sent', recorded_at = ?, attempts = attempts + ?,"
            " outcome_kind = ?, event_outcome = ?, code = ?, retryable = ?, reference = ?,"
            " detail = ? WHERE idempotency_key = ?"
        )

    @property
    def mark_unknown(self) -> str:
        """An intended key left for a human: recorded_at, detail (masked), key."""
        return (
            f"UPDATE {self.table} SET state = 'unknown', recorded_at = ?, detail = ?"
            " WHERE idempotency_key = ? AND state = 'intended'"
        )

    @property
    def resolve(self) -> str:
        """A human's verdict that it went out: recorded_at, the outcome's columns, key."""
        return (
            f"UPDATE {self.table} SET state = 'sent', recorded_at = ?, outcome_kind = ?,"
            " event_outcome = ?, code = ?, retryable = ?, reference = ?, detail = ?"
            " WHERE idempotency_key = ?"
        )

    @property
    def discard(self) -> str:
        """A human's verdict that it did not: key."""
        return f"DELETE FROM {self.table} WHERE idempotency_key = ?"


_SQL = LedgerSql("overdue_ledger")


def _check_synchronous(value: str) -> None:
    if value not in ("FULL", "NORMAL"):
        raise DispatchError(
            "synchronous must be 'FULL' or 'NORMAL'", expected="FULL | NORMAL", got=value
        )


def open_sqlite(
    target: str, *, timeout: float, synchronous: str, foreign_keys: bool = False
) -> sqlite3.Connection:
    """A SQLite connection as every SQLite ledger and store in the library wants it: explicit
    transactions (autocommit mode), usable from several threads, waiting ``timeout`` seconds for
    another process's write lock, WAL journal, and ``synchronous`` ``'FULL'`` (a commit survives
    power loss) or ``'NORMAL'``.  Anything else for ``synchronous`` is a ``DispatchError``."""
    _check_synchronous(synchronous)
    conn = sqlite3.connect(target, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    if foreign_keys:
        conn.execute("PRAGMA foreign_keys = ON")
    return conn


class SqliteLedger:
    """A ledger in a SQLite file, safe for several processes on one host.

    The file is opened in WAL mode; every claim runs in a ``BEGIN IMMEDIATE`` transaction (one
    writer at a time, readers never blocked) and the idempotency key is ``UNIQUE``, so two
    processes can never both claim a key as ``new``.  ``synchronous=FULL`` by default: a row
    that was committed survives the process being killed and the machine losing power.

    The ledger exists to be durable: a ledger that forgets on exit claims every key as ``new``
    again, and the next run sends twice.  So ``":memory:"``, an empty path and SQLite URIs
    (``"file:...?mode=memory"``) are refused unless the caller asks for a throw-away ledger in
    so many words: :meth:`ephemeral` (tests, demos).  A path that cannot be opened (a missing
    directory, a NUL byte) is a :class:`~overdue.errors.DispatchError` naming it.

    Args:
        path: the database file (created with its table if missing; its directory must exist).
        ephemeral: allow an in-memory database (``":memory:"``); prefer :meth:`ephemeral`.
        lease: seconds after which another host's ``intended`` claim counts as abandoned.
            On the same host a claim is abandoned as soon as its process is gone.
        timeout: seconds to wait for another process's write lock.
        synchronous: SQLite's ``synchronous`` pragma (``'FULL'`` or ``'NORMAL'``).
        clock: wall-clock seconds for leases (injectable for tests).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        ephemeral: bool = False,
        lease: float = 300.0,
        timeout: float = 30.0,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_synchronous(synchronous)  # before the path: the call's own mistake
        target = _ledger_target(path, ephemeral)
        self.path = Path(target)
        self.in_memory = target == ":memory:"
        self.lease = lease
        self._clock = clock
        self._host = socket.gethostname()
        self._instance = uuid.uuid4().hex
        self._lock = threading.RLock()
        try:
            self._conn = open_sqlite(target, timeout=timeout, synchronous=synchronous)
            with self._tx():
                self._conn.execute(_SCHEMA)
                self._conn.execute("PRAGMA user_version = 1")
        except sqlite3.Error as exc:
            raise DispatchError(
                f"cannot open the ledger at {target!r}: {exc}",
                expected="a writable SQLite file in an existing directory",
                got=target,
            ) from None

    @classmethod
    def ephemeral(cls, **kwargs: Any) -> SqliteLedger:
        """A ledger in memory, gone when it is closed: for tests and demos, never production.

        Two ephemeral ledgers share nothing, so they do not protect each other from a
        duplicate send; that is why a plain ``SqliteLedger(":memory:")`` is refused.
        """
        return cls(":memory:", ephemeral=True, **kwargs)

    def __repr__(self) -> str:
        return f"SqliteLedger({str(self.path)!r})"

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SqliteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -----------------------------------------------------------------------

    class _Tx:
        def __init__(self, ledger: SqliteLedger) -> None:
            self.ledger = ledger

        def __enter__(self) -> sqlite3.Connection:
            self.ledger._lock.acquire()
            try:
                self.ledger._conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.ledger._lock.release()
                raise
            return self.ledger._conn

        def __exit__(self, exc_type: object, *_: object) -> None:
            try:
                self.ledger._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
            finally:
                self.ledger._lock.release()

    def _tx(self) -> SqliteLedger._Tx:
        return SqliteLedger._Tx(self)

    def _select(self, conn: sqlite3.Connection, key: str) -> tuple[object, ...] | None:
        cur = conn.execute(
            _SQL.select + " WHERE idempotency_key = ?", (key,)
        )
        row: tuple[object, ...] | None = cur.fetchone()
        return row

    @property
    def _token(self) -> str:
        """Who holds a claim: this process (a fresh value per process) and this ledger."""
        return f"{_process_token}/{self._instance}"

    def _abandoned(self, row: Sequence[object], now: float) -> bool:
        return owner_gone(row[16:20], host=self._host, token=self._token, now=now, lease=self.lease)

    # -- the protocol -----------------------------------------------------------------------

    def claim(self, action: Action, *, at: datetime) -> Claim:
        """See :meth:`Ledger.claim`."""
        key = action.idempotency_key
        now = self._clock()
        with self._tx() as conn:
            row = self._select(conn, key)
            if row is None:
                conn.execute(
                    _SQL.insert,
                    (key, action.account_id, action.channel, action.template, _masked(action),
                     self._host, os.getpid(), self._token, now, at.isoformat()),
                )
                return Claim("new", intended_entry(action, at))
            entry = _row_entry(row)
            gone = entry.state == "intended" and self._abandoned(row, now)
            status = classify_claim(entry.state, gone)
            if status != "in_doubt":
                return Claim(status, entry)
            conn.execute(_SQL.takeover, (self._host, os.getpid(), self._token, now, key))
            return Claim("in_doubt", attrs.evolve(entry, recoveries=entry.recoveries + 1))

    def _get_or_fail(self, conn: sqlite3.Connection, key: str) -> LedgerEntry:
        row = self._select(conn, key)
        if row is None:
            raise _unknown_key(key)
        return _row_entry(row)

    def record(
        self, key: str, outcome: SendOutcome, *, at: datetime, attempts: int
    ) -> LedgerEntry:
        """See :meth:`Ledger.record`."""
        with self._tx() as conn:
            self._get_or_fail(conn, key)
            conn.execute(
                _SQL.record,
                (at.isoformat(), attempts, *_outcome_columns(outcome), key),
            )
            return self._get_or_fail(conn, key)

    def mark_unknown(self, key: str, *, at: datetime, detail: str) -> LedgerEntry:
        """See :meth:`Ledger.mark_unknown`."""
        with self._tx() as conn:
            self._get_or_fail(conn, key)
            conn.execute(
                _SQL.mark_unknown,
                (at.isoformat(), scrub(detail), key),
            )
            return self._get_or_fail(conn, key)

    def resolve(self, key: str, outcome: SendOutcome, *, at: datetime) -> LedgerEntry:
        """See :meth:`Ledger.resolve`."""
        with self._tx() as conn:
            self._get_or_fail(conn, key)
            conn.execute(
                _SQL.resolve,
                (at.isoformat(), *_outcome_columns(outcome), key),
            )
            return self._get_or_fail(conn, key)

    def discard(self, key: str) -> None:
        """See :meth:`Ledger.discard`."""
        with self._tx() as conn:
            conn.execute(_SQL.discard, (key,))

    def get(self, key: str) -> LedgerEntry | None:
        """See :meth:`Ledger.get`."""
        with self._lock:
            row = self._select(self._conn, key)
        return _row_entry(row) if row is not None else None

    def entries(self, state: LedgerState | None = None) -> tuple[LedgerEntry, ...]:
        """See :meth:`Ledger.entries`."""
        query = _SQL.select
        args: tuple[str, ...] = ()
        if state is not None:
            query += " WHERE state = ?"
            args = (state,)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY seq", args).fetchall()
        return tuple(_row_entry(r) for r in rows)
