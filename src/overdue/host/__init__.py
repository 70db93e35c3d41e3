"""Hosting the engine: an event store and the loop that decides, dispatches and records.

The engine decides and performs no I/O; a host keeps the facts, wakes accounts up, sends and
writes down what happened.  This package is that host, ready-made:

* :class:`EventStore`, the protocol: an append-only log per account with optimistic
  concurrency, a wake index, and the dispatch ledger in the same transactions (an outbox);
* :class:`SqliteStore` (embedded, one file) and :class:`PostgresStore` (the ``postgres``
  extra: ``pip install "overdue-policy[postgres]"``);
* :class:`Runner`, whose ``run_once(now)`` loads the due accounts, decides, dispatches through
  the channel adapters, records outcomes and stage changes, and schedules the next wake.

``import overdue`` does not import this package; ``sqlite3`` and ``psycopg`` are imported only
here (``psycopg`` only when :class:`PostgresStore` is used).  See ``docs/host.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from overdue.host.runner import AccountRun, Runner, RunReport, RunStep
from overdue.host.sqlite import SqliteStore
from overdue.host.store import (
    ConcurrencyError,
    DuplicateEventError,
    EventStore,
    StoredAccount,
    StoreError,
    UnknownAccountError,
)

if TYPE_CHECKING:
    from overdue.host.postgres import PostgresStore

__all__ = [
    "AccountRun",
    "ConcurrencyError",
    "DuplicateEventError",
    "EventStore",
    "PostgresStore",
    "RunReport",
    "RunStep",
    "Runner",
    "SqliteStore",
    "StoreError",
    "StoredAccount",
    "UnknownAccountError",
]


def __getattr__(name: str) -> Any:
    # psycopg is an optional extra: imported when PostgresStore is first asked for.
    if name == "PostgresStore":
        from overdue.host.postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module 'overdue.host' has no attribute {name!r}")
