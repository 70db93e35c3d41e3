"""The production event store: PostgreSQL through psycopg 3 (the ``postgres`` extra).

``pip install "overdue-policy[postgres]"``.  One connection per store, in autocommit mode with
an explicit transaction per call; appends lock the account's row (``SELECT ... FOR UPDATE``), so
two writers on one account are serialised and the second sees the version the first wrote.
Timestamps are ``timestamptz`` and event payloads ``jsonb``, for operators who query them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
import psycopg.errors

from overdue.host._sql import (
    Connection,
    Dialect,
    SqlStore,
    ddl,
    lease_clock,
    text_utc,
    wall_clock,
)
from overdue.host.store import StoreError

__all__ = ["PostgresStore"]

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SCHEMA_LOCK = 0x6F76_6572_6475_65  # "overdue": one advisory lock for creating the tables


def _same(value: datetime) -> object:
    return value


def _unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, psycopg.errors.UniqueViolation)


POSTGRES = Dialect(
    name="postgresql",
    param="%s",
    serial="BIGSERIAL PRIMARY KEY",
    timestamp="TIMESTAMPTZ",
    json="JSONB",
    real="DOUBLE PRECISION",
    for_update=" FOR UPDATE",
    json_param="%s::jsonb",
    ts_in=_same,
    ts_out=text_utc,
    is_unique_violation=_unique_violation,
)


class PostgresStore(SqlStore):
    """An :class:`~overdue.host.EventStore` in a PostgreSQL database (tables created if missing).

    Args:
        url: a libpq connection string (``postgresql://user@host:5432/db``).
        schema: the schema holding the tables (created if missing; default: the connection's
            ``search_path``, usually ``public``).
        clock, lease, lease_clock: as for :class:`~overdue.host.SqliteStore`.
    """

    dialect = POSTGRES

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        clock: Callable[[], datetime] = wall_clock,
        lease: float = 300.0,
        lease_clock: Callable[[], float] = lease_clock,
    ) -> None:
        if schema is not None and not _IDENT.match(schema):
            raise StoreError(
                "schema must be a plain lower-case SQL name",
                expected="letters, digits and '_', not starting with a digit",
                got=schema,
            )
        super().__init__(clock=clock, lease=lease, lease_clock=lease_clock)
        self.schema = schema
        self._conn: Any = psycopg.connect(url, autocommit=True)
        self._conn.execute("SET TIME ZONE 'UTC'")
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            if schema is not None:
                self._conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        if schema is not None:
            self._conn.execute(f'SET search_path TO "{schema}"')
        self._create_schema()

    def __repr__(self) -> str:
        where = f", schema={self.schema!r}" if self.schema else ""
        return f"PostgresStore({self._conn.info.dbname!r}{where})"

    def _create_schema(self) -> None:
        row = self._conn.execute("SELECT to_regclass('overdue_host_ledger')").fetchone()
        if row is not None and row[0] is not None:
            return  # the tables are there: no lock, no DDL
        with self._tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for statement in ddl(self.dialect):
                conn.execute(statement)

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._lock, self._conn.transaction():
            yield self._conn
