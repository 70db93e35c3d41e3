"""The embedded event store: one SQLite file (stdlib ``sqlite3``), safe for several processes.

The file is opened in WAL mode (readers never wait for the writer) with ``synchronous=FULL``
(a committed append survives the process being killed and the machine losing power), and every
call runs in one ``BEGIN IMMEDIATE`` transaction, so appends and claims are serialised across
processes exactly as :class:`~overdue.dispatch.SqliteLedger`'s are.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Literal

from overdue.dispatch.ledger import open_sqlite
from overdue.host._sql import (
    Connection,
    Dialect,
    SqlStore,
    lease_clock,
    text_utc,
    utc_text,
    wall_clock,
)

__all__ = ["SqliteStore"]


def _unique_violation(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)


SQLITE = Dialect(
    name="sqlite",
    param="?",
    serial="INTEGER PRIMARY KEY AUTOINCREMENT",
    timestamp="TEXT",
    json="TEXT",
    real="REAL",
    for_update="",
    json_param="?",
    ts_in=utc_text,
    ts_out=text_utc,
    is_unique_violation=_unique_violation,
)


class SqliteStore(SqlStore):
    """An :class:`~overdue.host.EventStore` in a SQLite file (created with its tables).

    Args:
        path: the database file.
        clock: when the store learned an event, for appends that give no ``recorded_at``
            (default: the wall clock, UTC).
        lease: seconds after which another host's unfinished claim counts as abandoned (on
            this host a claim is abandoned as soon as its process is gone).
        timeout: seconds to wait for another process's write lock.
        synchronous: SQLite's ``synchronous`` pragma (``'FULL'`` or ``'NORMAL'``).
        lease_clock: wall-clock seconds for leases (injectable for tests).
    """

    dialect = SQLITE

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        clock: Callable[[], datetime] = wall_clock,
        lease: float = 300.0,
        timeout: float = 30.0,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        lease_clock: Callable[[], float] = lease_clock,
    ) -> None:
        super().__init__(clock=clock, lease=lease, lease_clock=lease_clock)
        self.path = Path(path)
        self._conn = open_sqlite(
            str(self.path), timeout=timeout, synchronous=synchronous, foreign_keys=True
        )
        self._create_schema()

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
