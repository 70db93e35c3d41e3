"""The SQL both stores share: tables, queries, the outbox ledger.

SQLite and PostgreSQL differ in four things only (how a transaction starts, the placeholder,
column types, row locks), which a :class:`Dialect` names; everything else (what an append
checks, what a claim answers, what ``record`` writes) is written once here, so the two
backends cannot drift apart.
"""

from __future__ import annotations

import abc
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol, Self

import attrs

from overdue._masking import scrub
from overdue.account import Account
from overdue.config.accounts import (
    account_from_dict,
    account_to_dict,
    event_from_dict,
    event_to_dict,
)
from overdue.decision import Action
from overdue.dispatch import ledger as dispatch_ledger
from overdue.dispatch.ledger import (
    Claim,
    LedgerEntry,
    LedgerSql,
    LedgerState,
    _outcome_columns,
    classify_claim,
    intended_entry,
    ledger_ddl,
    owner_gone,
    row_entry,
)
from overdue.dispatch.outcomes import SendOutcome
from overdue.errors import DispatchError, OverdueError
from overdue.events import ContactAttempted, Event, PaymentReceived
from overdue.host.store import (
    ConcurrencyError,
    DuplicateEventError,
    StoredAccount,
    StoreError,
    UnknownAccountError,
)


class Cursor(Protocol):
    """The part of a DB-API cursor used here."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


class Connection(Protocol):
    """The part of a connection used here (sqlite3 and psycopg both have ``execute``)."""

    def execute(self, sql: Any, params: Any = ...) -> Any: ...


@attrs.frozen
class Dialect:
    """What differs between the two databases."""

    name: str
    param: str  # "?" or "%s"
    serial: str  # an auto-increment primary key column type
    timestamp: str  # a column type for instants
    json: str  # a column type for JSON documents
    real: str  # a column type for float seconds
    for_update: str  # "" or " FOR UPDATE"
    json_param: str  # the placeholder for a JSON value ("?" or "%s::jsonb")
    ts_in: Callable[[datetime], object]
    ts_out: Callable[[object], datetime]
    is_unique_violation: Callable[[BaseException], bool]


def utc_text(dt: datetime) -> str:
    """An instant as fixed-width UTC text, so that text order is time order (SQLite)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def text_utc(value: object) -> datetime:
    """The inverse of :func:`utc_text`, and UTC for a driver's datetime (PostgreSQL)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def ddl(d: Dialect) -> list[str]:
    """The DDL, idempotent (``IF NOT EXISTS``)."""
    ts, js = d.timestamp, d.json
    return [
        f"""CREATE TABLE IF NOT EXISTS overdue_accounts (
            account_id      TEXT PRIMARY KEY,
            facts           {js} NOT NULL,
            version         INTEGER NOT NULL DEFAULT 0,
            decided_version INTEGER,
            wake_at         {ts},
            stale           INTEGER NOT NULL DEFAULT 1
        )""",
        "CREATE INDEX IF NOT EXISTS overdue_accounts_wake ON overdue_accounts (wake_at)",
        "CREATE INDEX IF NOT EXISTS overdue_accounts_stale ON overdue_accounts (stale)",
        f"""CREATE TABLE IF NOT EXISTS overdue_events (
            seq             {d.serial},
            account_id      TEXT NOT NULL REFERENCES overdue_accounts (account_id),
            version         INTEGER NOT NULL,
            kind            TEXT NOT NULL,
            at              {ts} NOT NULL,
            recorded_at     {ts} NOT NULL,
            idempotency_key TEXT,
            payload         {js} NOT NULL,
            UNIQUE (account_id, version)
        )""",
        "CREATE INDEX IF NOT EXISTS overdue_events_at"
        " ON overdue_events (account_id, at, version)",
        "CREATE UNIQUE INDEX IF NOT EXISTS overdue_events_key"
        " ON overdue_events (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
        ledger_ddl(_SQL.table, serial=d.serial, real=d.real, ts=ts),
    ]


# -- the store --------------------------------------------------------------------------------


class SqlStore(abc.ABC):
    """An :class:`~overdue.host.EventStore` over one DB-API connection.

    Subclasses open the connection and provide :meth:`_tx` (one transaction, serialised with
    the other writers) and the :class:`Dialect`.
    """

    dialect: Dialect
    _conn: Any

    def __init__(self, *, clock: Callable[[], datetime], lease: float,
                 lease_clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._ledger = OutboxLedger(self, lease=lease, clock=lease_clock)

    # -- subclass hooks ---------------------------------------------------------------------

    @abc.abstractmethod
    def _tx(self) -> AbstractContextManager[Connection]:
        """One transaction, serialised with the other writers (each store knows how)."""

    def _sql(self, text: str) -> str:
        return text.replace("?", self.dialect.param) if self.dialect.param != "?" else text

    def _x(self, conn: Connection, text: str, params: Sequence[object] = ()) -> Any:
        return conn.execute(self._sql(text), tuple(params))

    def _create_schema(self) -> None:
        with self._tx() as conn:
            for statement in ddl(self.dialect):
                conn.execute(statement)

    # -- the protocol -----------------------------------------------------------------------

    @property
    def ledger(self) -> OutboxLedger:
        """See :attr:`EventStore.ledger`."""
        return self._ledger

    def close(self) -> None:
        """See :meth:`EventStore.close`."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create(self, account: Account, *, recorded_at: datetime | None = None) -> int:
        """See :meth:`EventStore.create`."""
        facts = _facts_json(account)
        with self._tx() as conn:
            row = self._x(
                conn, "SELECT 1 FROM overdue_accounts WHERE account_id = ?", (account.id,)
            ).fetchone()
            if row is not None:
                raise StoreError(
                    "an account with this id is already stored",
                    account_id=account.id,
                    expected="a new id (or update_facts() / append() for this account)",
                )
            self._x(
                conn,
                "INSERT INTO overdue_accounts (account_id, facts, version, stale)"
                f" VALUES (?, {self.dialect.json_param}, 0, 1)",
                (account.id, facts),
            )
            return self._insert(conn, account.id, account.events, 0, recorded_at)

    def update_facts(self, account: Account) -> None:
        """See :meth:`EventStore.update_facts`."""
        if account.events:
            raise StoreError(
                "update_facts() replaces facts only",
                account_id=account.id,
                expected="an account without events (append events with append())",
                got=f"{len(account.events)} event(s)",
            )
        with self._tx() as conn:
            self._version(conn, account.id)
            self._x(
                conn,
                f"UPDATE overdue_accounts SET facts = {self.dialect.json_param}, stale = 1"
                " WHERE account_id = ?",
                (_facts_json(account), account.id),
            )

    def append(
        self,
        account_id: str,
        events: Sequence[Event],
        expected_version: int | None,
        *,
        recorded_at: datetime | None = None,
    ) -> int:
        """See :meth:`EventStore.append`."""
        _check_events(account_id, events)
        with self._tx() as conn:
            version = self._version(conn, account_id)
            if expected_version is not None and version != expected_version:
                raise ConcurrencyError(account_id, expected_version, version)
            return self._insert(conn, account_id, events, version, recorded_at)

    def load(self, account_id: str, *, known_at: datetime | None = None) -> StoredAccount:
        """See :meth:`EventStore.load`."""
        with self._tx() as conn:
            row = self._x(
                conn,
                "SELECT facts, version, decided_version, wake_at FROM overdue_accounts"
                " WHERE account_id = ?",
                (account_id,),
            ).fetchone()
            if row is None:
                raise _unknown(account_id)
            facts, version, decided, wake = row
            query = (
                "SELECT payload, recorded_at FROM overdue_events WHERE account_id = ?"
                " AND version <= ?"
            )
            params: list[object] = [account_id, version]
            if known_at is not None:
                query += " AND recorded_at <= ?"
                params.append(self.dialect.ts_in(known_at))
            rows = self._x(conn, query + " ORDER BY at, version", params).fetchall()
        try:
            account = account_from_dict(_json(facts))
            events = tuple(_with_recorded_at(event_from_dict(_json(p)), r) for p, r in rows)
            account = attrs.evolve(account, events=events)
        except OverdueError as exc:
            raise exc.located(account_id=account_id) from None
        if known_at is not None:
            version = len(rows)
        return StoredAccount(
            account,
            int(version),
            None if decided is None else int(decided),
            None if wake is None else self.dialect.ts_out(wake),
            tuple(self.dialect.ts_out(r) for _, r in rows),
        )

    def due(self, now: datetime, *, limit: int | None = None) -> tuple[str, ...]:
        """See :meth:`EventStore.due`."""
        query = (
            "SELECT account_id FROM overdue_accounts WHERE wake_at <= ?"
            " UNION SELECT account_id FROM overdue_accounts WHERE stale = 1"
            " ORDER BY account_id"
        )
        params: list[object] = [self.dialect.ts_in(now)]
        if limit is not None:
            query += " LIMIT ?"
            params.append(int(limit))
        with self._tx() as conn:
            rows = self._x(conn, query, params).fetchall()
        return tuple(str(r[0]) for r in rows)

    def mark_decided(self, account_id: str, *, version: int, wake_at: datetime | None) -> None:
        """See :meth:`EventStore.mark_decided`."""
        with self._tx() as conn:
            current = self._version(conn, account_id)
            self._x(
                conn,
                "UPDATE overdue_accounts SET decided_version = ?, wake_at = ?, stale = ?"
                " WHERE account_id = ?",
                (
                    version,
                    None if wake_at is None else self.dialect.ts_in(wake_at),
                    1 if current > version else 0,
                    account_id,
                ),
            )

    def account_ids(self) -> tuple[str, ...]:
        """See :meth:`EventStore.account_ids`."""
        with self._tx() as conn:
            rows = self._x(
                conn, "SELECT account_id FROM overdue_accounts ORDER BY account_id"
            ).fetchall()
        return tuple(str(r[0]) for r in rows)

    # -- inside a transaction ---------------------------------------------------------------

    def _version(self, conn: Connection, account_id: str) -> int:
        row = self._x(
            conn,
            "SELECT version FROM overdue_accounts WHERE account_id = ?" + self.dialect.for_update,
            (account_id,),
        ).fetchone()
        if row is None:
            raise _unknown(account_id)
        return int(row[0])

    def _insert(
        self,
        conn: Connection,
        account_id: str,
        events: Sequence[Event],
        version: int,
        recorded_at: datetime | None,
    ) -> int:
        if not events:
            return version
        learned = recorded_at if recorded_at is not None else self._clock()
        for offset, event in enumerate(events, start=1):
            key = natural_key(event)
            own = getattr(event, "recorded_at", None)  # once events carry it themselves
            when = own if isinstance(own, datetime) else learned
            if key is not None and self._has_key(conn, account_id, key):
                raise DuplicateEventError(
                    "this event is already recorded (same idempotency key or reference)",
                    account_id=account_id,
                    expected="each contact attempt and each referenced payment recorded once",
                    got=key,
                )
            self._x(
                conn,
                "INSERT INTO overdue_events (account_id, version, kind, at, recorded_at,"
                f" idempotency_key, payload) VALUES (?, ?, ?, ?, ?, ?, {self.dialect.json_param})",
                (
                    account_id,
                    version + offset,
                    event.kind,
                    self.dialect.ts_in(event.at),
                    self.dialect.ts_in(when),
                    key,
                    json.dumps(event_to_dict(event)),
                ),
            )
        new = version + len(events)
        self._x(
            conn,
            "UPDATE overdue_accounts SET version = ?, stale = 1 WHERE account_id = ?",
            (new, account_id),
        )
        return new

    def _has_key(self, conn: Connection, account_id: str, key: str) -> bool:
        row = self._x(
            conn,
            "SELECT 1 FROM overdue_events WHERE account_id = ? AND idempotency_key = ?",
            (account_id, key),
        ).fetchone()
        return row is not None


def natural_key(event: Event) -> str | None:
    """What makes *event* unique in its account: a contact attempt's idempotency key, or
    ``payment:<reference>`` for a payment with the provider's reference, so that a webhook
    delivered twice is refused instead of counted twice.  (Other events with a reference, an
    authorisation's case number, may legitimately recur: granted, revoked, granted again.)"""
    if isinstance(event, ContactAttempted):
        return event.idempotency_key
    if isinstance(event, PaymentReceived) and event.reference is not None:
        return f"{event.kind}:{event.reference}"
    return None


def _unknown(account_id: str) -> UnknownAccountError:
    return UnknownAccountError(
        "the store holds no account with this id",
        account_id=account_id,
        expected="an id added with create()",
    )


def _check_events(account_id: str, events: Sequence[Event]) -> None:
    for i, event in enumerate(events):
        if not isinstance(event, Event):
            raise StoreError(
                "only overdue events can be appended",
                account_id=account_id,
                event_index=i,
                expected="an instance such as PaymentReceived(...)",
                got=type(event).__name__,
            )


def _facts_json(account: Account) -> str:
    return json.dumps(account_to_dict(attrs.evolve(account, events=())))


def _json(value: object) -> Any:
    return value if isinstance(value, dict) else json.loads(str(value))


def _with_recorded_at(event: Event, recorded: object) -> Event:
    """Once events carry ``recorded_at`` (issue 12, item 2), fill it from the store's column."""
    if "recorded_at" in attrs.fields_dict(type(event)) and getattr(event, "recorded_at", 0) is None:
        changes: dict[str, Any] = {"recorded_at": text_utc(recorded)}
        return attrs.evolve(event, **changes)
    return event


# -- the outbox ledger ------------------------------------------------------------------------

_SQL = LedgerSql("overdue_host_ledger")


class OutboxLedger:
    """The dispatch :class:`~overdue.dispatch.Ledger` on the store's own connection.

    It answers claims exactly as :class:`~overdue.dispatch.SqliteLedger` does (``new``,
    ``done``, ``busy``, ``in_doubt``, ``unknown``; an owner is gone when its process on this
    host died or its lease ran out).  The difference is :meth:`record`: in the same
    transaction as the ledger row it appends the action's ``ContactAttempted`` event to the
    account, so the ledger and the history can never disagree about a send.
    """

    def __init__(self, store: SqlStore, *, lease: float, clock: Callable[[], float]) -> None:
        self._store = store
        self.lease = lease
        self._clock = clock
        self._host = socket.gethostname()
        self._instance = uuid.uuid4().hex
        self._claimed: dict[str, Action] = {}

    def __repr__(self) -> str:
        return f"OutboxLedger({self._store!r})"

    @property
    def _token(self) -> str:
        # the dispatch ledger's process token, renewed in a forked child by its fork hook
        return f"{dispatch_ledger._process_token}/{self._instance}"

    def _select(self, conn: Connection, key: str, lock: bool = False) -> Any:
        lock_sql = self._store.dialect.for_update if lock else ""
        return self._store._x(
            conn,
            _SQL.select + " WHERE idempotency_key = ?" + lock_sql,
            (key,),
        ).fetchone()

    def _entry(self, row: Sequence[object]) -> LedgerEntry:
        return row_entry(row, self._store.dialect.ts_out)

    def _abandoned(self, row: Sequence[object], now: float) -> bool:
        return owner_gone(row[16:20], host=self._host, token=self._token, now=now, lease=self.lease)

    def claim(self, action: Action, *, at: datetime) -> Claim:
        """See :meth:`overdue.dispatch.Ledger.claim`."""
        try:
            return self._claim(action, at)
        except Exception as exc:
            # Two processes inserted the same new key at once (PostgreSQL lets both try; the
            # unique index stops the second): ask again, and the row is now there.
            if not self._store.dialect.is_unique_violation(exc):
                raise
            return self._claim(action, at)

    def _claim(self, action: Action, at: datetime) -> Claim:
        key = action.idempotency_key
        now = self._clock()
        masked = intended_entry(action, at).contact
        s = self._store
        with s._tx() as conn:
            row = self._select(conn, key, lock=True)
            if row is None:
                s._x(
                    conn,
                    _SQL.insert,
                    (key, action.account_id, action.channel, action.template, masked,
                     self._host, os.getpid(), self._token, now, s.dialect.ts_in(at)),
                )
                self._claimed[key] = action
                return Claim("new", intended_entry(action, at))
            entry = self._entry(row)
            gone = entry.state == "intended" and self._abandoned(row, now)
            status = classify_claim(entry.state, gone)
            if status != "in_doubt":
                return Claim(status, entry)
            s._x(conn, _SQL.takeover, (self._host, os.getpid(), self._token, now, key))
            self._claimed[key] = action
            return Claim("in_doubt", attrs.evolve(entry, recoveries=entry.recoveries + 1))

    def _get_or_fail(self, conn: Connection, key: str) -> LedgerEntry:
        row = self._select(conn, key)
        if row is None:
            raise DispatchError(f"the ledger has no entry for key {key!r}", got=key)
        return self._entry(row)

    def record(
        self, key: str, outcome: SendOutcome, *, at: datetime, attempts: int
    ) -> LedgerEntry:
        """See :meth:`overdue.dispatch.Ledger.record`; also appends the outcome event.

        The event is appended when this process claimed the key (the dispatcher always does);
        a key recorded without a claim here gets its event when the engine proposes the action
        again and the dispatcher replays the recorded outcome.
        """
        s = self._store
        action = self._claimed.get(key)
        with s._tx() as conn:
            self._get_or_fail(conn, key)
            s._x(
                conn,
                _SQL.record,
                (s.dialect.ts_in(at), attempts, *_outcome_columns(outcome), key),
            )
            if action is not None and not s._has_key(conn, action.account_id, key):
                event = action.outcome_event(outcome.event_outcome.value, at)
                version = s._version(conn, action.account_id)
                s._insert(conn, action.account_id, (event,), version, at)
            entry = self._get_or_fail(conn, key)
        self._claimed.pop(key, None)
        return entry

    def mark_unknown(self, key: str, *, at: datetime, detail: str) -> LedgerEntry:
        """See :meth:`overdue.dispatch.Ledger.mark_unknown`."""
        ts = self._store.dialect.ts_in(at)
        entry = self._update(key, _SQL.mark_unknown, (ts, scrub(detail), key))
        self._claimed.pop(key, None)
        return entry

    def resolve(self, key: str, outcome: SendOutcome, *, at: datetime) -> LedgerEntry:
        """See :meth:`overdue.dispatch.Ledger.resolve`.  The next run appends the event (the
        engine proposes the action again and the dispatcher replays this outcome)."""
        ts = self._store.dialect.ts_in(at)
        return self._update(key, _SQL.resolve, (ts, *_outcome_columns(outcome), key))

    def _update(self, key: str, statement: str, params: Sequence[object]) -> LedgerEntry:
        """Run one statement on an existing row, in one transaction, and read the row back
        (an unknown key raises before anything is written)."""
        s = self._store
        with s._tx() as conn:
            self._get_or_fail(conn, key)
            s._x(conn, statement, params)
            return self._get_or_fail(conn, key)

    def discard(self, key: str) -> None:
        """See :meth:`overdue.dispatch.Ledger.discard`."""
        s = self._store
        with s._tx() as conn:
            s._x(conn, _SQL.discard, (key,))
        self._claimed.pop(key, None)

    def get(self, key: str) -> LedgerEntry | None:
        """See :meth:`overdue.dispatch.Ledger.get`."""
        with self._store._tx() as conn:
            row = self._select(conn, key)
        return None if row is None else self._entry(row)

    def entries(self, state: LedgerState | None = None) -> tuple[LedgerEntry, ...]:
        """See :meth:`overdue.dispatch.Ledger.entries`."""
        query = _SQL.select
        params: tuple[str, ...] = ()
        if state is not None:
            query += " WHERE state = ?"
            params = (state,)
        with self._store._tx() as conn:
            rows = self._store._x(conn, query + " ORDER BY seq", params).fetchall()
        return tuple(self._entry(r) for r in rows)


def wall_clock() -> datetime:
    """The store's default clock for ``recorded_at``: now, in UTC."""
    return datetime.now(UTC)


def lease_clock() -> float:
    """Seconds for claim leases."""
    return time.time()
