"""The event store: where a host keeps each account's facts, its events and its schedule.

Events are the one truth (``docs/design.md``), so a host's database is an append-only log per
account plus three small pieces of bookkeeping: the account's *version* (how many events it
has; the basis of optimistic concurrency), the *version last decided* and the *wake time* the
decision asked for.  An account is due when its wake time has come or when it has events newer
than its last decision (a payment webhook, a dispute, a late fact).

The dispatch ledger lives in the same database and shares its transactions (an *outbox*):
recording that a message went out and appending the ``ContactAttempted`` event that says so are
one commit, so "sent but not recorded" cannot happen silently.  A crash between the adapter's
answer and that commit leaves the ledger row ``intended``, which the next run finds *in doubt*
(the dispatcher re-sends with the same key, or reports it for a human): the claim semantics of
:mod:`overdue.dispatch.ledger`, unchanged.

Two implementations: :class:`~overdue.host.SqliteStore` (the embedded default, one file) and
:class:`~overdue.host.PostgresStore` (the ``postgres`` extra).  Both pass the same contract
tests.  See ``docs/host.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from overdue.account import Account
from overdue.dispatch.ledger import Ledger
from overdue.errors import OverdueError
from overdue.events import Event

__all__ = [
    "ConcurrencyError",
    "DuplicateEventError",
    "EventStore",
    "StoreError",
    "StoredAccount",
    "UnknownAccountError",
]


class StoreError(OverdueError):
    """The event store refused an operation (a duplicate account, a duplicate outcome event,
    facts that cannot be read back)."""


class DuplicateEventError(StoreError):
    """The event is already in the account's history: a contact attempt with the same
    idempotency key, or a payment with the same provider ``reference`` (a webhook delivered
    twice).  A webhook handler treats it as success."""


class UnknownAccountError(StoreError, LookupError):
    """The store holds no account with this id."""


class ConcurrencyError(StoreError):
    """The account's version moved since the caller read it: someone else appended first.

    Re-load the account, decide again and retry; the :class:`~overdue.host.Runner` does so on
    its own.  ``expected_version`` is what the caller read, ``actual_version`` what the store
    holds now.
    """

    def __init__(self, account_id: str, expected_version: int, actual_version: int) -> None:
        self.expected_version = expected_version
        self.actual_version = actual_version
        super().__init__(
            "the account changed since it was read (another writer appended events)",
            account_id=account_id,
            expected=f"version {expected_version}",
            got=actual_version,
        )


@attrs.frozen
class StoredAccount:
    """An account as the store holds it.

    Attributes:
        account: the facts with every event, ordered by effective time (``at``), ties kept in
            the order they were appended.
        version: how many events the account has; pass it as ``expected_version`` to append.
        decided_version: the version the last recorded decision saw (``None``: never decided).
        wake_at: when the last decision asked to be woken (UTC; ``None``: only a new event).
        recorded_at: when the store learned each event of ``account.events`` (same order).
    """

    account: Account
    version: int
    decided_version: int | None = None
    wake_at: datetime | None = None
    recorded_at: tuple[datetime, ...] = ()

    @property
    def account_id(self) -> str:
        """The account's id."""
        return self.account.id


@runtime_checkable
class EventStore(Protocol):
    """What a host (and the :class:`~overdue.host.Runner`) needs from its database.

    Implementations keep every write of one call in one transaction, and ``ledger`` shares
    those transactions (see the module docstring).
    """

    @property
    def ledger(self) -> Ledger:
        """The dispatch ledger in the same database: its ``record`` appends the outcome event
        in the same transaction as the ledger row."""
        ...

    def create(self, account: Account, *, recorded_at: datetime | None = None) -> int:
        """Add a new account with its facts and events; returns its version.

        Raises :class:`StoreError` when the id is taken.
        """
        ...

    def update_facts(self, account: Account) -> None:
        """Replace an account's facts (contact points, zone, invoices); events are untouched
        (pass an account without events).  The account becomes due, so it is decided again."""
        ...

    def append(
        self,
        account_id: str,
        events: Sequence[Event],
        expected_version: int | None,
        *,
        recorded_at: datetime | None = None,
    ) -> int:
        """Append *events* and return the new version.

        ``expected_version`` is the version the caller read; when the account has moved on,
        nothing is written and :class:`ConcurrencyError` is raised.  ``None`` appends
        whatever the version (facts from the outside world, such as a payment webhook, do not
        depend on what the caller read).  ``recorded_at`` is when the host learned the events
        (default: the store's clock).  An event already recorded (a contact attempt's
        idempotency key, a payment's ``reference``) raises :class:`DuplicateEventError` and
        nothing is written.
        """
        ...

    def load(self, account_id: str, *, known_at: datetime | None = None) -> StoredAccount:
        """The account with its events ordered by effective time.

        ``known_at`` keeps only the events recorded by then: the history as the host knew it
        at that moment, for audits.
        """
        ...

    def due(self, now: datetime, *, limit: int | None = None) -> tuple[str, ...]:
        """The ids of accounts whose wake time has come by *now*, or that have events newer
        than their last decision (never decided included), in id order."""
        ...

    def mark_decided(self, account_id: str, *, version: int, wake_at: datetime | None) -> None:
        """Record that the account was decided at *version* and wants waking at *wake_at*."""
        ...

    def account_ids(self) -> tuple[str, ...]:
        """Every account id, in order."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
