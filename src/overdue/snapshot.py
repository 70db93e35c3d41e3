"""A snapshot: the account's events folded at a moment.

The fold is incremental: ``fold(account)`` and ``snapshot.apply(event)`` share one private
builder, so applying one more event to a kept snapshot gives exactly what folding the whole
history again would give (a property test holds us to that).  Hosts with long histories keep
the snapshot and apply new events; everyone else folds.  ``apply`` costs the same at any
length of history: it extends the lists of the fold that made the snapshot instead of copying
them (the snapshot keeps reading only its own part; see ``_Builder.extended``), and the fields a
decision seldom reads are made on first read.

Events are folded in the order they took effect (``event.at``; events with the same ``at`` in
the order given), whatever order the host recorded them in: a payment webhook delivered a day
late is applied where it belongs.  ``Snapshot.apply`` of an event earlier than the snapshot's
``as_of`` refolds the history the snapshot keeps with the event in its place (a cost linear in
the history, paid only for late events).  ``fold(..., as_known_at=T)`` leaves out the events
recorded after ``T`` (``recorded_at``), to reproduce what was known then.

The fold refuses what cannot be true: a payment in another currency, a dispute resolved that
was never opened (before it, in effective time).  Each refusal names the account and the event
index (its position in the history as given).
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from operator import attrgetter, length_hint
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

import attrs

from overdue._time import ALWAYS_AWARE, require_aware
from overdue.durations import Duration
from overdue.errors import CalendarRangeError, EventError, OverdueError
from overdue.events import (
    AuthorisationGranted,
    AuthorisationRevoked,
    CeaseRequested,
    CeaseWithdrawn,
    ConsentWaiver,
    ConsentWithdrawn,
    ContactAttempted,
    DebtorContacted,
    DisputeOpened,
    DisputeResolved,
    Event,
    FactCleared,
    FactSet,
    HoldReleased,
    InvoiceIssued,
    ManualHold,
    OptedIn,
    OptedOut,
    Outcome,
    PaymentPlanAgreed,
    PaymentPlanBroken,
    PaymentReceived,
    PromiseToPay,
    StageEntered,
    WrittenOff,
)
from overdue.money import Money, _Unchecked

if TYPE_CHECKING:
    from overdue.account import Account, Invoice
    from overdue.calendars import BusinessCalendar

__all__ = [
    "FactState",
    "InvoiceState",
    "PromiseState",
    "Snapshot",
    "StepProgress",
    "WaiverState",
    "fold",
]

_ZERO = Decimal(0)
_REACHED = (Outcome.DELIVERED, Outcome.CONVERSATION)
_EMPTY: Mapping[str, object] = MappingProxyType({})


class _Unknown:
    """ "Not computed yet", for the values a snapshot computes on first read.  One value,
    also after a pickle or a copy (it is pickled by name)."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "_UNKNOWN"

    def __repr__(self) -> str:
        return "<not computed yet>"


_UNKNOWN = _Unknown()
_NO_CHANNELS: frozenset[str] = frozenset()


@attrs.frozen
class InvoiceState:
    """One invoice and how much of it has been paid."""

    invoice_id: str
    amount: Money
    due: date
    paid: Decimal = _ZERO

    @property
    def outstanding(self) -> Decimal:
        """What is still owed on this invoice."""
        return self.amount.amount - self.paid

    @property
    def settled(self) -> bool:
        """Paid in full."""
        return self.paid >= self.amount.amount


@attrs.frozen
class FactState:
    """A named fact that is open: since when, until when (if known), and why."""

    name: str
    since: datetime
    until: datetime | None = None
    detail: str | None = None

    def open_at(self, at: datetime) -> bool:
        """Whether the fact still holds at ``at`` (a fact with an ``until`` lapses by itself)."""
        return self.until is None or at < self.until


@attrs.frozen
class PromiseState:
    """An open promise to pay and what has been paid since it was made."""

    amount: Money
    by: date
    made_at: datetime
    paid_since: Decimal = _ZERO

    @property
    def kept(self) -> bool:
        """The promised amount has arrived."""
        return self.paid_since >= self.amount.amount


@attrs.frozen
class WaiverState:
    """A consent waiver as recorded: the rule it lifts, from when, and how it ends.

    ``withdrawn`` is set when a :class:`~overdue.events.ConsentWithdrawn` for the rule followed.
    The end of a waiver given as a ``duration`` depends on the debtor's zone (days are local
    calendar days), so :meth:`ends` takes the zone; the snapshot itself knows none.
    """

    rule_id: str
    since: datetime
    until: datetime | None = None
    duration: Duration | None = None
    detail: str | None = None
    withdrawn: datetime | None = None

    def ends(
        self, tz: tzinfo | None = None, calendar: BusinessCalendar | None = None
    ) -> datetime | None:
        """When the waiver stops (``None``: until withdrawn).

        Days count in ``tz`` (UTC when unknown), business days in ``calendar``.
        """
        end = self.until
        if self.duration is not None:
            end = self.duration.add_to(self.since, tz=tz or UTC, calendar=calendar)
        if self.withdrawn is not None and (end is None or self.withdrawn < end):
            end = self.withdrawn
        return end

    def active_at(
        self, at: datetime, tz: tzinfo | None = None, calendar: BusinessCalendar | None = None
    ) -> bool:
        """Whether the waiver holds at ``at``."""
        if at < self.since:
            return False
        end = self.ends(tz, calendar)
        return end is None or at < end


@attrs.frozen
class StepProgress:
    """Attempts at one step since the current stage was entered."""

    count: int
    last_at: datetime


@attrs.frozen
class Snapshot:
    """The state of an account at a moment, folded from its events.

    Attributes whose meaning is not obvious:
        as_of: the time of the last event applied (``None`` before any).
        event_count: how many events were applied, so an incremental ``apply`` knows the index.
        facts: open named facts (``dispute_open``, ``manual_hold``, ``bankruptcy``, ...).
        fact_intervals: closed ``(name, start, end)`` intervals, for pausing deadlines.
        steps: attempts per step key in the current stage, reset when a stage is entered.
        first_seen / last_seen: milestone times (``stage_entered:lawyer_letter``,
            ``contacted:letter.lawyer``, ``fact:<name>`` for a ``FactSet``, an event kind) for
            rules that need a prior event.
        settled_at: when a payment last left nothing owed; a debt that becomes overdue
            after it climbs the ladder from the bottom again.
    """

    account_id: str
    as_of: datetime | None = None
    event_count: int = 0
    currency: str | None = None
    invoices: tuple[InvoiceState, ...] = ()
    credit: Decimal = _ZERO
    payments: tuple[PaymentReceived, ...] = ()
    contacts: tuple[ContactAttempted, ...] = ()
    stage: str | None = None
    stage_since: datetime | None = None
    stages_entered: tuple[StageEntered, ...] = ()
    steps: Mapping[str, StepProgress] = _EMPTY  # type: ignore[assignment]
    facts: Mapping[str, FactState] = _EMPTY  # type: ignore[assignment]
    fact_intervals: tuple[tuple[str, datetime, datetime], ...] = ()
    open_disputes: frozenset[str] = frozenset()
    cease: CeaseRequested | None = None
    opted_out: frozenset[str] = frozenset()
    authorisations: Mapping[str, AuthorisationGranted] = _EMPTY  # type: ignore[assignment]
    promise: PromiseState | None = None
    plan: PaymentPlanAgreed | None = None
    written_off: WrittenOff | None = None
    first_seen: Mapping[str, datetime] = _EMPTY  # type: ignore[assignment]
    last_seen: Mapping[str, datetime] = _EMPTY  # type: ignore[assignment]
    settled_at: datetime | None = None
    waivers: tuple[WaiverState, ...] = ()
    debtor_contacts: tuple[DebtorContacted, ...] = ()
    # What was folded, for a refold when a late event arrives: the invoices given with the
    # account, the events in effective order, and their positions in the history as given
    # (``None`` when those are 0, 1, 2, ...: a history recorded in order).
    opening: tuple[Invoice, ...] = attrs.field(default=(), eq=False, repr=False)
    history: tuple[Event, ...] = attrs.field(default=(), eq=False, repr=False)
    positions: tuple[int, ...] | None = attrs.field(default=None, eq=False, repr=False)
    # Running totals the fold keeps so a decision reads them without a scan: the invoice
    # books, what is owed, the oldest unpaid due date, entries per rung (counted on first
    # read), the contacts' UTC times (in effective order, for windows by bisection).
    # ``None``/empty on a snapshot made by hand: the properties then compute from the
    # fields above.
    books: _Books | None = attrs.field(default=None, eq=False, repr=False)
    owed: Decimal | None = attrs.field(default=None, eq=False, repr=False)
    oldest_unpaid: date | object | None = attrs.field(default=_UNKNOWN, eq=False, repr=False)
    entries: Mapping[str, int] = attrs.field(default=_EMPTY, eq=False, repr=False)
    # The builder that made this snapshot, frozen since: the fields above that a fold leaves
    # unset are made from its containers on first read, and the first ``apply`` extends its
    # lists in place (see ``_Builder.extended``).  ``None`` on a snapshot made by hand (every
    # field is then set).
    _lazy: _Builder | None = attrs.field(default=None, init=False, eq=False, repr=False)
    # What the reads a decision makes on every decision have computed, kept for the next
    # read of the same snapshot (a host deciding from a held snapshot again and again):
    # ``balance`` is built once (by the fold's ``freeze``; on first read for a snapshot made
    # by hand).  A snapshot never changes (``apply`` makes a new one), so nothing here is
    # ever stale.
    _balance: Money | object | None = attrs.field(
        default=_UNKNOWN, init=False, eq=False, repr=False
    )
    # What rules worked out from this snapshot for themselves (``memo``): neither compared,
    # shown, nor pickled, and made anew with every snapshot (``apply`` makes a new one).
    _memo: dict[Hashable, Any] | None = attrs.field(
        default=None, init=False, eq=False, repr=False
    )

    @property
    def balance(self) -> Money | None:
        """What is owed now; ``None`` for an account with no invoices.

        Built once and kept: every decision reads it (a fold builds it as it freezes, from
        its running total; a snapshot made by hand on first read).
        """
        balance = self._balance
        if balance is _UNKNOWN:
            balance = self._owed_now()
            object.__setattr__(self, "_balance", balance)
        return balance  # type: ignore[return-value]

    def _owed_now(self) -> Money | None:
        if self.currency is None:
            return None
        if self.owed is not None:
            return Money(self.owed, self.currency)
        total = _ZERO  # the sum of ``outstanding``, without a property call per invoice
        for i in self.invoices:
            total += i.amount.amount - i.paid
        return Money(total, self.currency)

    @property
    def total_invoiced(self) -> Money | None:
        """Everything ever invoiced."""
        if self.currency is None:
            return None
        return Money(sum((i.amount.amount for i in self.invoices), _ZERO), self.currency)

    def earliest_unpaid_due(self) -> date | None:
        """The due date days overdue are counted from: the oldest invoice not paid in full.

        A fold keeps it as it goes (``oldest_unpaid``); a snapshot made by hand finds it on
        first call and keeps it.
        """
        oldest = self.oldest_unpaid
        if oldest is _UNKNOWN:
            dues = [i.due for i in self.invoices if not i.paid >= i.amount.amount]  # unsettled
            oldest = min(dues) if dues else None
            object.__setattr__(self, "oldest_unpaid", oldest)
        return oldest  # type: ignore[return-value]

    def entered(self, stage: str) -> int:
        """How often the account entered ``stage`` (its ``StageEntered`` events).

        Counted on first call and kept (``entries``): a fold's from its share of the stage
        entries (``_MAKERS``; few decisions ask, so the fold's loop does not count them), a
        snapshot made by hand's from ``stages_entered``.
        """
        entries = self.entries
        if not entries and self._lazy is None and self.stages_entered:  # made by hand
            entries = _entries_of(self.stages_entered, None)
            object.__setattr__(self, "entries", entries)
        return entries.get(stage, 0)

    def contacts_since(self, start: datetime) -> tuple[ContactAttempted, ...]:
        """The contacts at or after ``start`` (an instant), found by bisection, in order.

        Frequency caps look at a window of recent contacts; with this, a decision's cost does
        not grow with the length of the history.
        """
        # The contacts are in effective order (the fold's), so a bisection finds the window;
        # on a folded snapshot it reads the fold's shared list, so the full tuple is not made.
        lazy = self._lazy
        if lazy is not None:
            contacts = lazy.contacts
            n = len(contacts) if lazy.lens is None else lazy.lens[1]
            return tuple(contacts[bisect.bisect_left(contacts, start, 0, n, key=_at) : n])
        k = bisect.bisect_left(self.contacts, start, key=_at)
        return self.contacts[k:]

    def memo(self) -> dict[Hashable, Any]:
        """A dict kept with this snapshot for what rules work out from it, once.

        Why: a held snapshot is decided again and again, and a rule may ask the same of it
        at every moment a decision tries (a frequency cap's counted contacts,
        :mod:`overdue.rules.frequency`).  A snapshot never changes, so nothing kept here
        goes stale; keys are the rules' own (a shape of what they count, not a rule or a
        policy, so the dict does not grow with the policies that read it).
        """
        try:
            memo = self._memo
        except AttributeError:  # an unpickled snapshot leaves the slot unset
            memo = None
        if memo is None:
            memo = {}
            object.__setattr__(self, "_memo", memo)
        return memo

    def fact_open(self, name: str, at: datetime) -> FactState | None:
        """The open fact ``name`` at ``at``, or ``None``."""
        state = self.facts.get(name)
        if state is None or (state.until is not None and at >= state.until):  # not ``open_at``
            return None
        return state

    def waiver_for(
        self,
        rule_id: str,
        at: datetime,
        tz: tzinfo | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> WaiverState | None:
        """The consent waiver for ``rule_id`` active at ``at`` (the latest one), or ``None``.

        ``tz`` is the debtor's zone, for waivers given as a number of days (UTC when unknown).
        """
        for state in reversed(self.waivers):
            if state.rule_id == rule_id and state.active_at(at, tz, calendar):
                return state
        return None

    def has_authorisation(self, name: str, at: datetime) -> bool:
        """Whether ``name`` was granted, not revoked, and has not expired at ``at``."""
        grant = self.authorisations.get(name)
        return grant is not None and (grant.expires is None or at < grant.expires)

    def __reduce__(self) -> tuple[Callable[[dict[str, object]], Snapshot], tuple[object, ...]]:
        """Pickle and copy as the values read now, without the fold's builder.

        Why: a host keeps snapshots between decisions, and some keep them in a cache or hand
        them to another process; ``copy.deepcopy`` goes the same way.  A folded snapshot
        shares its builder's lists and ledger with the snapshots applied after it and shows
        its mappings read-only, and neither pickles.  Every field is read (made, if the fold
        left it to first read) and restored as on a snapshot made by hand: equal to this
        one, deciding the same, and ``apply`` extends it as it would this one
        (``tests/test_snapshot_pickle.py``).
        """
        state: dict[str, object] = {}
        for name in _PICKLED:
            value = getattr(self, name)
            state[name] = dict(value) if type(value) is MappingProxyType else value
        return _restored, (state,)

    def apply(self, event: Event, *, account_id: str | None = None) -> Snapshot:
        """Return the snapshot with one more event applied (the incremental fold).

        An event earlier than ``as_of`` (a late payment webhook) is folded in its place: the
        snapshot refolds the history it keeps, so the result equals a fresh :func:`fold` of
        the history with the event appended.
        """
        lazy = self._lazy  # ``as_of`` from the fold's builder: not made on this snapshot
        as_of = self.as_of if lazy is None else lazy.as_of
        if as_of is not None and event.at < as_of:
            where = self.positions if self.positions is not None else range(len(self.history))
            late = sorted(
                (*zip(where, self.history, strict=True), (self.event_count, event)),
                key=_effective,
            )
            return _fold(_Builder(self.account_id, self.opening), late)
        # The fold's builder extended in place, when this is the first ``apply`` of this
        # snapshot; otherwise (a branch, or a snapshot made by hand) one made from its fields.
        builder = None if lazy is None else lazy.extended()
        if builder is None:
            builder = _Builder.from_snapshot(self)
        builder.step(event, self.event_count)
        return builder.freeze()


def _effective(item: tuple[int, Event]) -> datetime:
    return item[1].at


class _Books:
    """The invoice ledger's indexes, so the fold stays linear in invoices and payments.

    ``by_id`` finds an invoice by id; ``order`` holds ``(due, position)`` of every invoice in
    allocation order (oldest due first, ties in issue order), and every entry before ``head``
    is paid in full; ``owed`` is the running sum of what is outstanding.  The builder that
    made a snapshot hands them on to the one that extends it (see ``_Builder.extended``).

    A fold's builder keeps these four fields itself (one object less to make per fold, and
    one read less per use); a ``_Books`` is made only to rebuild them from a snapshot's
    invoices (``_books_of``).
    """

    __slots__ = ("by_id", "head", "order", "owed")

    # No ``__init__`` of its own: ``_Books()`` is then a call in C only (object's), some 300
    # machine instructions less than ``object.__new__(_Books)``, and a fold makes one.  Who
    # makes one sets every field.
    by_id: dict[str, int]
    order: list[tuple[date, int]]
    head: int
    owed: Decimal


def _books_of(invoices: tuple[InvoiceState, ...]) -> _Books:
    """Books rebuilt from invoices (for a snapshot made by hand, without the fold's books)."""
    b = _Books()
    b.by_id, b.head, b.owed = {}, 0, _ZERO
    for k, inv in enumerate(invoices):
        b.by_id.setdefault(inv.invoice_id, k)
        b.owed += inv.amount.amount - inv.paid
    b.order = sorted((inv.due, k) for k, inv in enumerate(invoices) if not inv.settled)
    return b


_CLAIM = threading.Lock()

# The builder's append-only lists, in the order of ``_Builder.lens``.
_LOGS = (
    "history",
    "contacts",
    "payments",
    "stages_entered",
    "invoices",
    "fact_intervals",
    "waivers",
    "debtor_contacts",
    "positions",
    "journal",
)


def _prefix(items: list[Any], n: int) -> tuple[Any, ...]:
    return tuple(items) if len(items) == n else tuple(items[:n])


def _log_maker(i: int) -> Callable[[_Builder], object]:
    name = _LOGS[i]

    def make(b: _Builder) -> object:
        items = getattr(b, name)
        if items is None:  # ``positions`` of a history folded in order
            return None
        lens = b.lens
        if lens is not None:  # claimed: the lists may have grown past this snapshot
            return _prefix(items, lens[i])
        out = tuple(items)
        lens = b.lens  # claimed while copying (another thread): keep this snapshot's prefix
        return out if lens is None else out[: lens[i]]

    return make


def _entries_of(stages: Sequence[StageEntered], b: _Builder | None) -> Mapping[str, int]:
    """How often each stage was entered, in the order first entered: in ``stages``, or when
    they are the list of the builder ``b``, in its snapshot's share of them."""
    n = len(stages)  # read before ``lens``: if not claimed by then, this is the share
    if b is not None and b.lens is not None:
        n = b.lens[3]  # (``_LOGS``: the stage entries)
    counts: dict[str, int] = {}
    for e in stages[:n]:
        counts[e.stage] = counts.get(e.stage, 0) + 1
    return _proxy(counts)


def _proxy(d: Mapping[str, Any]) -> Mapping[str, Any]:
    # The builder's dict is never changed after it froze: a view is enough, not a copy.
    return MappingProxyType(d) if d else _EMPTY


_INVOICES = _log_maker(_LOGS.index("invoices"))
_JOURNAL = _LOGS.index("journal")


def _invoices(b: _Builder) -> tuple[InvoiceState, ...]:
    rows: tuple[list[Any], ...] = _INVOICES(b)  # type: ignore[assignment]
    paid = [row[3] for row in rows]  # read before the journal (see ``_Builder.journal``)
    lens = b.lens
    if lens is not None:  # later payments changed rows in place: undo them, latest first
        for pos, before in reversed(b.journal[lens[_JOURNAL] :]):
            if pos < len(paid):
                paid[pos] = before
    return tuple(InvoiceState(r[0], r[1], r[2], p) for r, p in zip(rows, paid, strict=True))


def _milestones(b: _Builder) -> _Builder:
    """``b`` with the milestones of its events in ``first_seen`` and ``last_seen`` (up to its
    snapshot's share of the lists): an event's kind, and for contacts and stage entries the
    template reached and the stage entered.  The fold's loop leaves them out, since few
    rules read milestones, and they are caught up here on first read (only the milestones
    a handler names, ``authorised:`` and ``fact:``, are kept as the fold goes).

    ``b.merged`` counts the contacts, stage entries and events of the history already in the
    two dicts; a builder that extends another starts from the other's counts (the lists are
    shared), so each entry is merged once along a chain of ``apply``.
    """
    with _CLAIM:  # the builder is frozen, but two threads may read its snapshot at once
        lens = b.lens
        contacts, stages, history = b.contacts, b.stages_entered, b.history
        n_c = len(contacts) if lens is None else lens[1]
        n_s = len(stages) if lens is None else lens[3]
        n_h = len(history) if lens is None else lens[0]
        i_c, i_s, i_h = b.merged
        first_seen, last_seen = b.first_seen, b.last_seen
        if not first_seen:  # the shared empty value of a new builder (see ``payments``)
            b.first_seen = first_seen = {}
        if not last_seen:
            b.last_seen = last_seen = {}
        # The kinds of the other events (contacts and stage entries are merged below).
        for j in range(i_h, n_h):
            e = history[j]
            cls = type(e)
            if cls is not ContactAttempted and cls is not StageEntered:
                key = _kind_key(cls)
                if key is not None:
                    first_seen.setdefault(key, e.at)
                    last_seen[key] = e.at
        for j in range(i_c, n_c):
            c = contacts[j]
            at = c.at
            if type(c).kind == _CONTACT_KIND:  # a host's subclass may have a kind of its own
                first_seen.setdefault(_CONTACT_KIND, at)
                last_seen[_CONTACT_KIND] = at
            # ``outcome`` is always an ``Outcome`` (the event's converter sees to it).
            if c.initiated_by == "creditor" and c.template and c.outcome in _REACHED:
                key = _CONTACTED.get(c.template) or _key("contacted:", c.template)
                first_seen.setdefault(key, at)
                last_seen[key] = at
        for j in range(i_s, n_s):
            e = stages[j]
            at = e.at
            if type(e).kind == _STAGE_KIND:
                first_seen.setdefault(_STAGE_KIND, at)
                last_seen[_STAGE_KIND] = at
            key = _ENTERED.get(e.stage) or _key("stage_entered:", e.stage)
            first_seen.setdefault(key, at)
            last_seen[key] = at
        b.merged = (n_c, n_s, n_h)
    return b


def _kind_key(cls: type[Event]) -> str | None:
    """The milestone an event of class ``cls`` records under its kind, merged from the
    history; ``None`` for a contact or a stage entry of the base kind (merged from their own
    lists, with the template reached or the stage entered)."""
    key = cls.kind
    if key in (_CONTACT_KIND, _STAGE_KIND):
        handler = _HANDLERS.get(cls) or _handler_for(cls)
        if handler is (_CONTACT if key == _CONTACT_KIND else _STAGE):
            return None
    return key


# The fields every ``freeze`` sets although a builder keeps them as a list or a set: read by
# most decisions that plan, and small (closed holds, channels opted out of), so as cheap to
# copy there as a first read through a ``_Lazy`` would be.
_SET_BY_FREEZE = ("fact_intervals", "opted_out")

# How each field a fold leaves unset is made on first read (a :class:`_Lazy` in its place on
# the class), from the builder that made the snapshot.
_MAKERS: dict[str, Callable[[_Builder], object]] = {
    **{name: _log_maker(i) for i, name in enumerate(_LOGS) if name not in _SET_BY_FREEZE},
    "invoices": _invoices,
    "first_seen": lambda b: _proxy(_milestones(b).first_seen),
    "last_seen": lambda b: _proxy(_milestones(b).last_seen),
    "entries": lambda b: _entries_of(b.stages_entered, b),
    "open_disputes": lambda b: frozenset(b.disputes),
    "opening": attrgetter("opening"),
    "books": lambda b: b,  # (the builder keeps the four fields of ``_Books`` itself)
    # Scalars a decision seldom reads.
    "as_of": attrgetter("as_of"),
    "credit": attrgetter("credit"),
    "plan": attrgetter("plan"),
}

_LATER: Any = object()
"""What a fold stores in a slot it leaves to first read when a first decision may read it
(see ``_Lazy``)."""


class _Lazy:
    """The descriptor of a field a fold may leave unset: its slot's value, made from the fold's
    builder (``_MAKERS``) on first read and kept in the slot.

    Why a descriptor on these fields only, not a ``__getattr__`` on the class: with one,
    Python reads every attribute of the class through its slow path (a plain slot read cost
    some five times as much, and a decision reads a snapshot's slots some twenty times), while
    a field the fold leaves unset is seldom read (most decisions read none; ``entries`` by
    those that plan).  ``__set__`` stores in the slot as ever (``__init__``, unpickling,
    ``_Making``).  A slot left unset raises ``AttributeError`` when read, which costs some
    1.5 µs to catch; a field a first decision reads is set to ``_LATER`` by the fold instead
    (``entries``), which is made the same way without it.
    """

    __slots__ = ("make", "name", "slot")

    def __init__(self, name: str, slot: Any, make: Callable[[_Builder], object]) -> None:
        self.name, self.slot, self.make = name, slot, make

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        try:
            value = self.slot.__get__(obj, cls)
        except AttributeError:  # left to first read by the fold
            lazy = obj._lazy
            if lazy is None:  # not a fold's (an attribute deleted by hand): as a slot says
                raise
        else:
            if value is not _LATER:
                return value
            lazy = obj._lazy
        value = self.make(lazy)
        self.slot.__set__(obj, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        self.slot.__set__(obj, value)

    def __delete__(self, obj: Any) -> None:
        self.slot.__delete__(obj)


# The slots of the fields a fold may leave unset, as Python made them (``_Making`` stores
# through them).
_SLOTS = {
    name: Snapshot.__dict__[name]
    for name in _MAKERS
    if name in Snapshot.__dict__  # (``journal`` is the builder's only)
}
for _name, _slot in _SLOTS.items():
    setattr(Snapshot, _name, _Lazy(_name, _slot, _MAKERS[_name]))
del _name, _slot


_new = object.__new__

# The fields a pickled snapshot keeps: all but the fold's builder (``_lazy``) and the ledger
# indexes it shares (``books``), which a builder rebuilds from the invoices when it needs them,
# and what rules kept for themselves (``_memo``), which they work out again.
_PICKLED = tuple(
    f.name for f in attrs.fields(Snapshot) if f.name not in ("_lazy", "books", "_memo")
)


def _restored(state: dict[str, object]) -> Snapshot:
    """A snapshot from :meth:`Snapshot.__reduce__`'s values (its mappings read-only again)."""
    s: Any = _new(_Making)
    for name, value in state.items():
        if type(value) is dict:
            value = MappingProxyType(value) if value else _EMPTY
        setattr(s, name, value)
    s._lazy = None
    s.books = None
    s.__class__ = Snapshot
    return s  # type: ignore[no-any-return]


class _Making(Snapshot):
    """A snapshot while the fold's ``freeze`` fills it in, made a :class:`Snapshot` at once.

    Why: a frozen class's slots can only be set through a descriptor call (``object.
    __setattr__`` or the slot's ``__set__``), some 600 machine instructions each, and a fold
    sets a dozen; on this subclass, with the plain attribute protocol back, each is a
    specialised store (about 70), and changing the class of the finished value (the same
    layout: no slots of its own) costs about one call.  No ``_Making`` is ever seen outside
    ``freeze``.
    """

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__  # both, or the class keeps the slow attribute protocol
    __init__ = object.__init__  # (as ``_Progress``)


for _name, _slot in _SLOTS.items():  # stores in the slots themselves, not through ``_Lazy``
    setattr(_Making, _name, _slot)
del _name, _slot


class _Progress(StepProgress):
    """A :class:`StepProgress` while ``_Builder._count_steps`` fills it in, made a
    ``StepProgress`` at once: two plain stores instead of attrs' ``__init__`` (a call, and a
    descriptor call per field), as ``_Making`` is for a snapshot.  Never seen outside."""

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__
    # Made by ``_Progress()``: with object's ``__init__`` the call stays in C (some 300 machine
    # instructions less than ``object.__new__(_Progress)``, whose wrapper slices its arguments).
    __init__ = object.__init__


class _Fact(FactState):
    """A :class:`FactState` while ``_Builder._open_fact`` fills it in, made a ``FactState`` at
    once: four plain stores instead of attrs' ``__init__`` (a descriptor call per field; a
    dispute or a hold opens one), as ``_Progress`` is for a step's count.  Never seen
    outside."""

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__
    __init__ = object.__init__  # (as ``_Progress``)


_NO_NAMES: frozenset[str] = frozenset()
# The index a handler is given by ``_Builder.run``: "the event the run is at" (``_index``).
_RUN = -2


class _Opening(NamedTuple):
    """An invoice given with the account, as the fold's invoice handler reads an event."""

    invoice_id: str
    amount: Money
    due: date


# The fields of a new ``_Builder`` that start with a shared value (unpacked in its
# ``__init__``, in this order).
_START_FIELDS: dict[str, object] = {
    "history": (),
    "positions": None,
    "as_of": None,
    "count": 0,
    "currency": None,
    "credit": _ZERO,
    "own_lists": True,
    "journal": (),
    "stage": None,
    "stage_since": None,
    "steps_from": 0,
    "disputes": _NO_NAMES,
    "cease": None,
    "opted_out": _NO_CHANNELS,
    "authorisations": _EMPTY,
    "promise": None,
    "plan": None,
    "written_off": None,
    "settled_at": None,
    "fact_intervals": (),
    "waivers": (),
    "debtor_contacts": (),
    "merged": (0, 0, 0),
    "lens": None,
    "taken": False,
    "payments": (),
    "steps": _EMPTY,
    "facts": _EMPTY,
    "first_seen": _EMPTY,
    "last_seen": _EMPTY,
}
_START: tuple[Any, ...] = tuple(_START_FIELDS.values())


class _Builder:
    """The mutable fold shared by :func:`fold` and :meth:`Snapshot.apply`.

    Per event it does a constant amount of work (plus, for a payment, the invoices it settles):
    :meth:`run` handles contacts and stage entries inline (most of any history) and hands the
    other kinds to a type-keyed handler.  Freezing hands the containers to the snapshot
    without copying (below); a builder made from a snapshot shares its lists
    (appending only) and copies its small dicts and sets.

    A frozen builder is the state its snapshot reads unset fields from.  The first
    :meth:`Snapshot.apply` on that snapshot *claims* it (:meth:`extended`): ``lens`` records the
    lengths of its append-only lists, and the applying builder appends to the same lists in
    place while this snapshot reads only its prefix.  A chain of applies so shares one list
    per log and never copies the history; a second apply on the same snapshot (a branch)
    copies what it needs.
    """

    __slots__ = (
        "account_id",
        "as_of",
        "authorisations",
        "by_id",
        "cease",
        "contacts",
        "count",
        "credit",
        "currency",
        "debtor_contacts",
        "disputes",
        "fact_intervals",
        "facts",
        "first_seen",
        "head",
        "history",
        "invoices",
        "journal",
        "last_seen",
        "lens",
        "merged",
        "opening",
        "opted_out",
        "order",
        "owed",
        "own_lists",
        "payments",
        "plan",
        "positions",
        "promise",
        "run_at",
        "settled_at",
        "stage",
        "stage_since",
        "stages_entered",
        "steps",
        "steps_from",
        "taken",
        "waivers",
        "written_off",
    )

    account_id: str
    # What was folded: the invoices given with the account; the events, in effective order
    # (the account's own tuple when taken whole), and their positions in the history as given
    # (``None``: 0, 1, 2, ...).
    opening: tuple[Invoice, ...]
    history: Sequence[Event]
    positions: list[int] | None
    as_of: datetime | None
    count: int
    currency: str | None
    # ``[invoice_id, amount, due, paid]`` per invoice: made InvoiceState values when read.
    invoices: list[list[Any]]
    by_id: dict[str, int]
    order: list[tuple[date, int]]
    head: int
    owed: Decimal
    credit: Decimal
    # False while the lists are shared with a snapshot (see ``extended``): appending is allowed,
    # a change in place is not.  A payment then changes an invoice row in place all the same,
    # but first appends ``(position, paid before)`` to ``journal``, from which the earlier
    # snapshots read their own paid amounts; ``waivers`` are copied.
    own_lists: bool
    journal: list[tuple[int, Decimal]] | tuple[()]
    # (``payments``, ``steps``, ``facts``, ``first_seen`` and ``last_seen`` start as a shared
    # empty value, never changed: the first change in place makes the builder's own, as
    # ``if not x: x = self.x = []`` does; replacing an empty one of its own is as good.)
    payments: list[PaymentReceived]
    contacts: list[ContactAttempted]
    stage: str | None
    stage_since: datetime | None
    stages_entered: list[StageEntered]
    # The attempts per step key of the contacts before ``steps_from`` in the current stage;
    # ``freeze`` counts the rest (``_count_steps``), and its snapshot shows this dict.
    steps: dict[str, StepProgress]
    steps_from: int
    facts: dict[str, FactState]
    fact_intervals: list[tuple[str, datetime, datetime]] | tuple[()]
    disputes: set[str] | frozenset[str]
    cease: CeaseRequested | None
    opted_out: set[str] | frozenset[str]
    authorisations: dict[str, AuthorisationGranted] | Mapping[str, Any]
    promise: PromiseState | None
    plan: PaymentPlanAgreed | None
    written_off: WrittenOff | None
    settled_at: datetime | None
    waivers: list[WaiverState] | tuple[()]
    debtor_contacts: list[DebtorContacted] | tuple[()]
    # Milestones; those of the events' kinds, contacts and stage entries are merged in on
    # first read only (``merged``: how many of each are in; see ``_milestones``).
    first_seen: dict[str, datetime]
    last_seen: dict[str, datetime]
    merged: tuple[int, int, int]
    lens: tuple[int, ...] | None  # see ``extended``
    taken: bool
    # While ``run`` runs (set by it, read only by it and the handlers it calls): its iterator
    # over the events and the position of the last one (see ``_index``).
    run_at: tuple[Iterator[Event], int]

    def __init__(self, account_id: str, opening: tuple[Invoice, ...] = ()) -> None:
        """An empty fold of ``account_id``, starting from the invoices given with the account."""
        self.account_id = account_id
        self.opening = opening
        self.invoices = []
        self.by_id, self.order, self.head, self.owed = {}, [], 0, _ZERO
        self.contacts = []
        self.stages_entered = []
        # The rest from one constant (a fold is made per account, and this is half its
        # fields): the scalars, and the containers most histories never use as shared
        # empty values, for their handlers to make their own on first use.
        (
            self.history,
            self.positions,
            self.as_of,
            self.count,
            self.currency,
            self.credit,
            self.own_lists,
            self.journal,
            self.stage,
            self.stage_since,
            self.steps_from,
            self.disputes,
            self.cease,
            self.opted_out,
            self.authorisations,
            self.promise,
            self.plan,
            self.written_off,
            self.settled_at,
            self.fact_intervals,
            self.waivers,
            self.debtor_contacts,
            self.merged,
            self.lens,
            self.taken,
            self.payments,
            self.steps,
            self.facts,
            self.first_seen,
            self.last_seen,
        ) = _START
        for inv in opening:
            self._invoice(_Opening(inv.id, inv.amount, inv.due), -1)

    def extended(self) -> _Builder | None:
        """A builder that extends this frozen one's lists in place (``None``: already done).

        The first ``apply`` of a snapshot *claims* its builder: ``lens`` records the lengths
        of the lists (read name by name: a loop over ``_LOGS`` cost more than the rest), and
        the new builder appends to them while this one's snapshot reads only its prefix.  A
        builder is claimed once; a second ``apply`` of the same snapshot (a branch) makes its
        builder from the snapshot's fields.
        """
        with _CLAIM:  # a reader of this builder's snapshot may be catching it up just now
            if self.taken:
                return None
            positions = self.positions
            self.lens = (  # in the order of ``_LOGS``
                len(self.history),
                len(self.contacts),
                len(self.payments),
                len(self.stages_entered),
                len(self.invoices),
                len(self.fact_intervals),
                len(self.waivers),
                len(self.debtor_contacts),
                -1 if positions is None else len(positions),
                len(self.journal),
            )
            self.taken = True
            b = self._extending()
            # The lists are shared: count and merge on from where this builder is.
            steps, first, last = self.steps, self.first_seen, self.last_seen
            b.steps, b.steps_from = steps if steps is _EMPTY else dict(steps), self.steps_from
            b.first_seen = first if first is _EMPTY else dict(first)
            b.last_seen = last if last is _EMPTY else dict(last)
            b.merged = self.merged
        return b

    @classmethod
    def from_snapshot(cls, s: Snapshot) -> _Builder:
        """A builder that extends ``s``, made from its fields (a snapshot made by hand, or a
        second ``apply`` of a folded one: see ``extended``)."""
        b = cls(s.account_id)
        b.invoices = [[i.invoice_id, i.amount, i.due, i.paid] for i in s.invoices]
        # Rebuilt, not shared: a folded snapshot's books may have moved on with the
        # snapshot applied after it.
        books = _books_of(s.invoices)
        b.by_id, b.order, b.head, b.owed = books.by_id, books.order, books.head, books.owed
        b.payments = list(s.payments)
        b.contacts = list(s.contacts)
        b.stages_entered = list(s.stages_entered)
        b.steps = dict(s.steps)
        b.steps_from = len(b.contacts)
        b.facts = dict(s.facts)
        b.fact_intervals = list(s.fact_intervals)
        b.disputes = set(s.open_disputes)
        b.opted_out = set(s.opted_out)
        b.authorisations = dict(s.authorisations)
        b.first_seen = dict(s.first_seen)
        b.last_seen = dict(s.last_seen)
        b.history = list(s.history)
        b.merged = (len(b.contacts), len(b.stages_entered), len(b.history))
        b.waivers = list(s.waivers)
        b.debtor_contacts = list(s.debtor_contacts)
        b.opening = s.opening
        b.positions = list(s.positions) if s.positions is not None else None
        b._scalars_of(s)
        return b

    def _extending(self) -> _Builder:
        """A builder that appends to this frozen builder's lists (claimed: see ``extended``,
        which also hands on the step counts and milestones, under its lock).

        Every field is set here, from this builder, without ``__init__`` (whose new lists and
        dicts would be dropped at once) and without reading the snapshot (whose seldom-read
        fields are made on first read).  The lists are this builder's own, exactly as long as
        ``lens`` says (a builder is claimed once, and only its claimer appends): they are
        shared as they are.  The history may be the account's tuple (a fold of a history in
        order shares it): the first ``apply`` of a chain copies it once.  An empty log is a
        shared ``()`` until a handler makes its own list.
        """
        b: _Builder = _new(_Builder)
        b.account_id, b.opening = self.account_id, self.opening
        history = self.history
        b.history = history if type(history) is list else list(history)
        b.positions = self.positions
        b.contacts, b.payments = self.contacts, self.payments
        b.stages_entered, b.invoices = self.stages_entered, self.invoices
        b.fact_intervals, b.waivers = self.fact_intervals, self.waivers
        b.debtor_contacts = self.debtor_contacts
        if not isinstance(self.journal, list):
            self.journal = []  # claimed: no one else appends to it
        b.journal = self.journal
        b.own_lists = False
        # The ledger's indexes move on in place (``by_id`` and ``order`` shared, ``head`` and
        # ``owed`` handed on): the snapshot of this builder read what it needs of them when it
        # froze (``owed``, ``oldest_unpaid``), and a branch from it rebuilds its own.
        b.by_id, b.order, b.head, b.owed = self.by_id, self.order, self.head, self.owed
        # Small containers that change in place: copied (the shared empty values, which no
        # one changes, as they are: a handler makes its own on first use).
        facts = self.facts
        b.facts = facts if facts is _EMPTY else dict(facts)
        disputes, opted, grants = self.disputes, self.opted_out, self.authorisations
        b.disputes = disputes if disputes is _NO_NAMES else set(disputes)
        b.opted_out = opted if opted is _NO_CHANNELS else set(opted)
        b.authorisations = grants if grants is _EMPTY else dict(grants)
        (
            b.as_of,
            b.count,
            b.currency,
            b.credit,
            b.stage,
            b.stage_since,
            b.cease,
            b.promise,
            b.plan,
            b.written_off,
            b.settled_at,
        ) = (
            self.as_of,
            self.count,
            self.currency,
            self.credit,
            self.stage,
            self.stage_since,
            self.cease,
            self.promise,
            self.plan,
            self.written_off,
            self.settled_at,
        )
        b.lens, b.taken = None, False
        return b

    def _scalars_of(self, s: Snapshot) -> None:
        self.as_of = s.as_of
        self.count = s.event_count
        self.currency = s.currency
        self.credit = s.credit
        self.stage = s.stage
        self.stage_since = s.stage_since
        self.cease = s.cease
        self.promise = s.promise
        self.plan = s.plan
        self.written_off = s.written_off
        self.settled_at = s.settled_at

    def freeze(self) -> Snapshot:
        """The snapshot of this builder, which must not change afterwards.

        Only the fields nearly every decision reads are set; the others (the containers
        above all) are made on first read.
        """
        books = self  # (the ledger's indexes: see ``_Books``)
        s: Any = _Making()  # (see ``_Making``)
        s.account_id = self.account_id
        s.currency = currency = self.currency
        # Read by every decision: the balance, from the fold's total in the currency its
        # events were checked in (as ``Money.of_checked``, without the call).
        if currency is None:
            s._balance = None
        else:
            balance: Any = _new(_Unchecked)
            s._balance = balance
            balance.amount, balance.currency = books.owed, currency
            balance.__class__ = Money
        # Read by nearly every decision: counted here, where the builder is not yet shared,
        # rather than on first read (under the lock, through a ``_Lazy``).
        if self.steps_from < len(self.contacts):  # contacts to count (the call only then)
            self._count_steps()
        steps = self.steps
        s.steps = MappingProxyType(steps) if steps else _EMPTY
        s.stage = self.stage
        s.stage_since = self.stage_since
        s.promise = self.promise
        s.written_off = self.written_off
        s.settled_at = self.settled_at
        s.owed = books.owed
        oldest = None
        order, invoices, head = books.order, self.invoices, books.head
        while head < len(order):  # the entry at the head is unpaid: one step, as a rule
            due, pos = order[head]
            row = invoices[pos]
            if row[3] < row[1].amount:
                oldest = due
                break
            head += 1
        s.oldest_unpaid = oldest
        facts = self.facts  # read by nearly every decision
        s.facts = MappingProxyType(facts) if facts else _EMPTY
        # Read by every decision (the wake for events dated after ``now``): a plain slot.
        s.event_count = self.count
        # Read by the decisions that plan a contact (a fifth to a third of them), and as cheap
        # to set here as a first read through a ``_Lazy`` would be on average.
        s.cease = self.cease
        grants = self.authorisations
        s.authorisations = _EMPTY if grants is _EMPTY else _proxy(grants)
        # Read by every decision that plans, often several times: a plain slot (a field left
        # to first read is read through a ``_Lazy``, a Python call).  Empty in most histories.
        intervals = self.fact_intervals
        s.fact_intervals = tuple(intervals) if intervals else ()
        s.entries = _LATER  # read by the decisions that plan: made then (see ``_Lazy``)
        opted = self.opted_out  # (``_SET_BY_FREEZE``)
        s.opted_out = opted if opted.__class__ is frozenset else frozenset(opted)
        if self.own_lists:
            # A fold's own builder (not one ``apply`` extends, whose lists are long and shared:
            # those are made on first read): its lists are this snapshot's share, and copied
            # here, in a fold that is linear anyway, they cost less than a first read through a
            # ``_Lazy`` would on average (a decision that plans or states a payment reads them).
            s.contacts = tuple(self.contacts)
            payments = self.payments
            s.payments = tuple(payments) if payments else ()
        # The rules' and the engine's kept values (``memo``): set here, where a plain store
        # costs nothing, not on the first decision's read (an ``AttributeError`` raised and
        # caught, several times the cost).
        s._memo = {}
        s._lazy = self
        s.__class__ = Snapshot
        return s  # type: ignore[no-any-return]

    def _count_steps(self) -> None:
        """Count the attempts per step of the contacts from ``steps_from`` on into ``steps``.

        Only the contacts since the last stage entry count (the fold's loop notes where they
        start), so a fold pays for the contacts of the current stage, not the whole history;
        a builder that extends another starts from the other's counts (the lists are shared),
        so each contact is counted once along a chain of ``apply``.  A contact counts for its
        ``step`` when it was made by the creditor in the current stage.  Each count is a new
        value (an earlier snapshot may show the one it replaces), made through ``_Progress``:
        a plain Python loop, since a segment holds a few contacts (a pipeline of ``map`` and
        ``compress`` in C cost more time for so few, in making its iterators).
        """
        contacts, start, stage = self.contacts, self.steps_from, self.stage
        n = len(contacts)
        self.steps_from = n
        if start >= n or stage is None:
            return
        steps = self.steps  # a dict of its own once a stage is entered (``run``, ``step``)
        for c in contacts[start:]:
            step = c.step
            if step is not None and c.stage == stage and c.initiated_by == "creditor":
                prev = steps.get(step)
                p: Any = _Progress()  # as ``StepProgress(count, c.at)`` (see ``_Progress``)
                p.count = 1 if prev is None else prev.count + 1
                p.last_at = c.at
                p.__class__ = StepProgress
                steps[step] = p

    # -- helpers -----------------------------------------------------------------------------

    def _index(self, k: int) -> int:
        """The position as given of the event at ``k`` in the fold's order (-1: an opening
        one; ``_RUN``: the one :meth:`run` is at, read from its iterator)."""
        if k == _RUN:
            it, end = self.run_at
            k = end - length_hint(it)
        return k if self.positions is None or k < 0 else self.positions[k]

    def _fail(self, what: str, k: int, **kw: object) -> EventError:
        return EventError(what, account_id=self.account_id, event_index=self._index(k), **kw)  # type: ignore[arg-type]

    def step(self, event: Event, index: int) -> None:
        """Keep and fold one event, not earlier than ``as_of``: ``Snapshot.apply``.

        ``index`` is its position in the history as given (kept for a later refold) and in
        the fold's order.  What :meth:`run` does for each event, without its loop's set-up
        (``apply`` has checked the order; a property test holds the two to one answer).
        """
        history = self.history
        assert isinstance(history, list)  # a builder that extends a snapshot owns a list
        if self.positions is not None:
            self.positions.append(index)
        elif index != len(history):
            self.positions = [*range(len(history)), index]
        history.append(event)
        cls = type(event)
        if cls is ContactAttempted:
            self.contacts.append(event)  # type: ignore[arg-type]
        else:
            handler = _HANDLERS.get(cls) or _handler_for(cls)
            if handler is _STAGE:
                self.stage, self.stage_since = event.stage, event.at  # type: ignore[attr-defined]
                self.steps, self.steps_from = {}, len(self.contacts)
                self.stages_entered.append(event)  # type: ignore[arg-type]
            else:
                try:
                    handler(self, event, index)
                except OverflowError:
                    raise self._out_of_range(event.at, index) from None
        self.as_of = event.at
        self.count = index + 1

    def _milestone(self, key: str, at: datetime) -> None:
        first, last = self.first_seen, self.last_seen
        if not first:  # the shared empty value of a new builder (see ``payments``)
            self.first_seen = first = {}
        if not last:
            self.last_seen = last = {}
        if key not in first:
            first[key] = at
        last[key] = at

    def _open_fact(
        self, name: str, at: datetime, until: datetime | None, detail: str | None
    ) -> None:
        facts = self.facts
        if not facts:  # the shared empty value of a new builder (see ``payments``)
            self.facts = facts = {}
        elif name in facts:  # (the call only then: most facts open on none of their name)
            self._close_fact(name, at)
        state: Any = _Fact()  # as ``FactState(name, at, until, detail)`` (see ``_Fact``)
        state.name, state.since, state.until, state.detail = name, at, until, detail
        state.__class__ = FactState
        facts[name] = state

    def _close_fact(self, name: str, at: datetime) -> bool:
        facts = self.facts
        state = facts.get(name)
        if state is None:
            return False
        del facts[name]  # (a dict of the builder's own: it holds a fact)
        end = at if state.until is None else min(at, state.until)
        if not isinstance(self.fact_intervals, list):
            self.fact_intervals = []
        self.fact_intervals.append((name, state.since, end))
        return True

    def _invoice(self, event: InvoiceIssued | _Opening, index: int) -> None:
        invoice_id, amount, due = event.invoice_id, event.amount, event.due
        if self.currency is None:
            self.currency = amount.currency
        elif amount.currency != self.currency:
            raise self._fail(
                f"invoice {invoice_id!r} is in {amount.currency}, "
                f"the account is in {self.currency}",
                index,
                expected=f"an amount in {self.currency}",
                got=str(amount),
            )
        books = self
        if invoice_id in books.by_id:
            raise self._fail(f"invoice {invoice_id!r} was issued twice", index)
        pos = len(self.invoices)
        books.by_id[invoice_id] = pos
        self.invoices.append([invoice_id, amount, due, _ZERO])
        books.owed += amount.amount
        entry = (due, pos)
        order = books.order
        if not order or order[-1] <= entry:
            order.append(entry)  # invoices usually come in due order
        else:
            at = bisect.bisect_right(order, entry)
            order.insert(at, entry)
            books.head = min(books.head, at)
        if self.credit:  # never negative
            # What the credit does not settle stays a credit for the next invoice.
            self.credit = self._allocate(self.credit, None)

    def _allocate(self, amount: Decimal, invoice_id: str | None) -> Decimal:
        """Allocate a payment: the named invoice first, then oldest due first; return leftover.

        The head of ``books.order`` moves over the invoices paid in full on the way (each
        passes it once); one paid in full out of order, by name, is passed when reached.
        """
        books = self
        journal = None if self.own_lists or not isinstance(self.journal, list) else self.journal
        invoices = self.invoices
        remaining = amount
        order, head = books.order, books.head
        n = len(order)
        pos = -1 if invoice_id is None else books.by_id[invoice_id]
        while remaining > _ZERO:  # against a Decimal: no int converted per comparison
            named = pos >= 0  # the named invoice first, then the open ones from the head on
            if not named:
                if head >= n:
                    break
                pos = order[head][1]
            row = invoices[pos]
            owed = row[1].amount - row[3]
            if owed > _ZERO:
                take = owed if owed < remaining else remaining
                if journal is not None:
                    journal.append((pos, row[3]))
                row[3] += take
                remaining -= take
                if take < owed:  # paid in part (nothing remains): it stays where it is
                    break
            if not named:
                head += 1
            pos = -1
        books.head = head
        books.owed -= amount - remaining
        return remaining

    # -- the fold ----------------------------------------------------------------------------

    def run(self, events: Sequence[Event], start: int) -> bool:
        """Apply ``events``; ``start + j`` is the position of ``events[j]`` in the fold's order
        (in the history as given through ``positions``, when set).

        Stops and returns ``False`` at the first event earlier than the one before it (the
        caller then folds in effective order, with a new builder); ``True`` when all applied.

        Contacts and stage entries, most of any history, are handled here inline: a contact
        is appended to its list, a stage entry restarts the count of attempts; every other
        kind goes to its handler, found by one lookup on the exact class.  What a contact
        adds (its attempt at a step, its milestones) and the milestones of stage entries are
        made from the lists later (``_count_steps`` at ``freeze``, ``_milestones`` on first
        read): only the contacts of the current stage count, and most decisions never read
        the milestones.  (Finding the contacts in C instead, by ``compress`` over the
        events' classes, and checking the order by ``all(map(le, ...))``, ran fewer bytecodes
        but more machine instructions: about 20,000 more a fold, under callgrind.)  Hot
        state lives in locals while the loop runs and is written back when it ends (the
        builder is dropped if an event is refused).
        """
        if not events:
            return True
        last = self.as_of if self.as_of is not None else events[0].at
        contacts = self.contacts
        stages_entered = self.stages_entered
        steps_from: int | None = None  # where the contacts of a stage entered here start
        handlers = _HANDLERS
        contact_cls, stage_cls = ContactAttempted, StageEntered
        # No ``enumerate``: an event's position is needed only for the index in a refusal,
        # and is then read from the iterator (``end`` minus what is left; see ``_index``).
        # Handlers get ``_RUN`` for it: working the position out for every call cost more
        # than the rest of a payment's bookkeeping in Python (``length_hint`` looks up a
        # special method).
        it = iter(events)
        end = start + len(events) - 1
        self.run_at = it, end
        for event in it:
            # ``last`` moves to each event's time, which must not be before the previous one;
            # it is read once for a contact, once for a stage entry and once for any other
            # kind, so that each read sees one class as a rule and stays specialised (one
            # read for all kinds fell to the interpreter's generic attribute lookup for every
            # other class than the one it was specialised for).
            cls = type(event)
            if cls is contact_cls:
                if last > (last := event.at):
                    return False
                # A contact (most of any history): its attempt and milestones are counted
                # from the list when read.  ``contacts.append``, not a bound ``append`` kept
                # in a local: the interpreter appends in place for the method's own form
                # (some 100 machine instructions less a contact, and no bound method made).
                contacts.append(event)  # type: ignore[arg-type]
                continue
            if cls is not stage_cls:
                if last > (last := event.at):
                    return False
                # A host's subclass of an event is folded as its base class is.  (A
                # subscript, not ``get``: no call for the known classes.)
                try:
                    handler = handlers[cls]
                except KeyError:
                    handler = _handler_for(cls)
                if handler is not _STAGE:
                    try:
                        handler(self, event, _RUN)
                    except OverflowError:
                        raise self._out_of_range(last, _RUN) from None
                    continue
            elif last > (last := event.at):  # (a read of its own, as for contacts)
                return False
            # A stage entry: the attempts per step restart, and are counted at ``freeze``
            # (``_count_steps``) from the contacts after it.  (The stage and its time are
            # read from the last one, after the loop.)
            steps_from = len(contacts)
            stages_entered.append(event)  # type: ignore[arg-type]
        if steps_from is not None:
            entered = stages_entered[-1]
            self.stage, self.stage_since = entered.stage, entered.at
            self.steps = {}
            self.steps_from = steps_from
        self.as_of = last
        self.count = end + 1
        return True

    def _out_of_range(self, at: datetime, k: int) -> CalendarRangeError:
        return CalendarRangeError(
            f"event at {at.isoformat()} cannot be placed in time: in "
            "UTC it falls outside the calendar (year 1 to 9999)",
            account_id=self.account_id,
            event_index=self._index(k),
            expected="an event time within years 1 to 9999 in every zone",
        )

    def _payment(self, event: PaymentReceived, index: int) -> None:
        money, currency = event.amount, self.currency
        if money.currency != currency and currency is not None:
            raise self._fail(
                f"payment is in {money.currency}, the account is in {currency}",
                index,
                expected=f"an amount in {currency}",
                got=str(money),
            )
        invoice_id, books = event.invoice_id, self
        if invoice_id is not None and invoice_id not in books.by_id:
            raise self._fail(
                f"payment names invoice {invoice_id!r}, which was never issued",
                index,
                expected="an issued invoice id or none",
                got=invoice_id,
            )
        if currency is None:
            self.currency = money.currency
        payments = self.payments
        if not payments:  # the shared empty value of a new builder (see ``payments``)
            self.payments = payments = []
        payments.append(event)
        amount = money.amount
        head = books.head
        if invoice_id is None and self.own_lists and head < len(books.order):
            # The common payment: a part of the oldest unpaid invoice (the head of the order,
            # unpaid by the invariant of ``_allocate``).  What ``_allocate`` would do for it,
            # in four Decimal operations instead of ten: a payment is positive (its validator),
            # so one below what is owed is taken whole and leaves nothing.
            row = self.invoices[books.order[head][1]]
            if amount < row[1].amount - row[3]:
                row[3] += amount
                books.owed -= amount
            else:
                left = self._allocate(amount, None)
                if left:
                    self.credit += left
        else:
            left = self._allocate(amount, invoice_id)
            if left:
                self.credit += left
        if books.owed <= _ZERO and self.invoices:  # every invoice paid in full
            self.settled_at = event.at
        if self.promise is not None:
            self.promise = attrs.evolve(
                self.promise, paid_since=self.promise.paid_since + event.amount.amount
            )

    def _promise(self, event: PromiseToPay, index: int) -> None:
        if self.currency is not None and event.amount.currency != self.currency:
            raise self._fail(
                f"promise is in {event.amount.currency}, the account is in {self.currency}",
                index,
            )
        self.promise = PromiseState(event.amount, event.by, event.at)

    def _dispute(self, event: DisputeOpened, index: int) -> None:
        dispute_id, disputes = event.dispute_id, self.disputes
        if dispute_id in disputes:
            raise self._fail(f"dispute {dispute_id!r} is already open", index)
        if disputes:  # a set of the builder's own (see ``payments`` for the empty ones)
            disputes.add(dispute_id)  # type: ignore[union-attr]
        else:
            self.disputes = {dispute_id}
        if "dispute_open" not in self.facts:
            self._open_fact("dispute_open", event.at, None, event.reason)

    def _resolved(self, event: DisputeResolved, index: int) -> None:
        if event.dispute_id not in self.disputes:
            raise self._fail(
                f"dispute {event.dispute_id!r} was resolved but never opened",
                index,
                expected="a DisputeOpened with the same dispute_id earlier in the history",
                got=event.dispute_id,
            )
        self.disputes.discard(event.dispute_id)  # type: ignore[union-attr]  # a set: it is in
        if not self.disputes:
            self._close_fact("dispute_open", event.at)

    def _cease(self, event: CeaseRequested, index: int) -> None:
        self.cease = event

    def _cease_withdrawn(self, event: CeaseWithdrawn, index: int) -> None:
        self.cease = None

    def _opt_out(self, event: OptedOut, index: int) -> None:
        if not isinstance(self.opted_out, set):
            self.opted_out = set()
        self.opted_out.add(event.channel)

    def _opt_in(self, event: OptedIn, index: int) -> None:
        if isinstance(self.opted_out, set):
            self.opted_out.discard(event.channel)

    def _granted(self, event: AuthorisationGranted, index: int) -> None:
        if not isinstance(self.authorisations, dict):
            self.authorisations = {}
        self.authorisations[event.authorisation] = event
        self._milestone(f"authorised:{event.authorisation}", event.at)

    def _revoked(self, event: AuthorisationRevoked, index: int) -> None:
        grants = self.authorisations
        if not isinstance(grants, dict) or grants.pop(event.authorisation, None) is None:
            raise self._fail(
                f"authorisation {event.authorisation!r} was revoked but never granted", index
            )

    def _plan(self, event: PaymentPlanAgreed, index: int) -> None:
        self.plan = event
        self._open_fact("payment_plan", event.at, None, event.plan_id)

    def _plan_broken(self, event: PaymentPlanBroken, index: int) -> None:
        if self.plan is None or self.plan.plan_id != event.plan_id:
            raise self._fail(f"payment plan {event.plan_id!r} was broken but is not active", index)
        self.plan = None
        self._close_fact("payment_plan", event.at)

    def _hold(self, event: ManualHold, index: int) -> None:
        self._open_fact(event.hold, event.at, event.until, event.reason)

    def _released(self, event: HoldReleased, index: int) -> None:
        state = self.facts.get(event.hold)
        if state is None or not state.open_at(event.at):
            raise self._fail(f"hold {event.hold!r} was released but is not open", index)
        self._close_fact(event.hold, event.at)

    def _fact_set(self, event: FactSet, index: int) -> None:
        self._open_fact(event.name, event.at, event.until, event.detail)
        self._milestone(f"fact:{event.name}", event.at)

    def _fact_cleared(self, event: FactCleared, index: int) -> None:
        self._close_fact(event.name, event.at)

    def _written_off(self, event: WrittenOff, index: int) -> None:
        self.written_off = event

    def _debtor_contacted(self, event: DebtorContacted, index: int) -> None:
        if not isinstance(self.debtor_contacts, list):
            self.debtor_contacts = []
        self.debtor_contacts.append(event)

    def _waiver(self, event: ConsentWaiver, index: int) -> None:
        if not isinstance(self.waivers, list):
            self.waivers = []
        self.waivers.append(
            WaiverState(event.rule_id, event.at, event.until, event.duration, event.detail)
        )

    def _consent_withdrawn(self, event: ConsentWithdrawn, index: int) -> None:
        if not self.own_lists or not isinstance(self.waivers, list):  # shared: change a copy
            self.waivers = list(self.waivers)
        for k in range(len(self.waivers) - 1, -1, -1):
            w = self.waivers[k]
            if w.rule_id == event.rule_id and w.withdrawn is None:
                self.waivers[k] = attrs.evolve(w, withdrawn=event.at)
                return
        raise self._fail(
            f"consent for rule {event.rule_id!r} was withdrawn but never given",
            index,
            expected="a ConsentWaiver with the same rule_id earlier in the history",
            got=event.rule_id,
        )

    def _other(self, event: Event, index: int) -> None:
        """An event kind the fold has nothing to keep for (its milestone is recorded)."""


# The kinds ``_Builder.run`` folds inline: a contact is appended to its list (a host's
# subclass of one through this handler), and ``_STAGE`` marks a stage entry.
def _CONTACT(b: _Builder, event: Event, index: int) -> None:  # noqa: N802
    b.contacts.append(event)  # type: ignore[arg-type]


def _STAGE(b: _Builder, event: Event, index: int) -> None:  # noqa: N802
    raise AssertionError("stage entries are folded inline by _Builder.run")


_CONTACT_KIND = ContactAttempted.kind
_STAGE_KIND = StageEntered.kind

# Milestone keys by template and by stage, made once (a policy has few of each).
_CONTACTED: dict[str, str] = {}
_ENTERED: dict[str, str] = {}


def _key(prefix: str, name: str) -> str:
    key = prefix + name
    if len(_CONTACTED) + len(_ENTERED) < 4096:  # bounded: names come from hosts' data
        (_CONTACTED if prefix == "contacted:" else _ENTERED)[name] = key
    return key


_Handler = Callable[[_Builder, Any, int], None]
_HANDLERS: dict[type[Event], _Handler] = {
    ContactAttempted: _CONTACT,
    PaymentReceived: _Builder._payment,
    InvoiceIssued: _Builder._invoice,
    StageEntered: _STAGE,
    PromiseToPay: _Builder._promise,
    DisputeOpened: _Builder._dispute,
    DisputeResolved: _Builder._resolved,
    CeaseRequested: _Builder._cease,
    CeaseWithdrawn: _Builder._cease_withdrawn,
    OptedOut: _Builder._opt_out,
    OptedIn: _Builder._opt_in,
    AuthorisationGranted: _Builder._granted,
    AuthorisationRevoked: _Builder._revoked,
    PaymentPlanAgreed: _Builder._plan,
    PaymentPlanBroken: _Builder._plan_broken,
    ManualHold: _Builder._hold,
    HoldReleased: _Builder._released,
    FactSet: _Builder._fact_set,
    FactCleared: _Builder._fact_cleared,
    WrittenOff: _Builder._written_off,
    DebtorContacted: _Builder._debtor_contacted,
    ConsentWaiver: _Builder._waiver,
    ConsentWithdrawn: _Builder._consent_withdrawn,
}


def _handler_for(cls: type[Event]) -> _Handler:
    """The handler of the nearest known base class (a host's subclass of an event)."""
    for base in cls.__mro__:
        if base in _HANDLERS:
            return _HANDLERS[base]
    return _Builder._other


# The memo's slot read directly, in C (``engine.plan``): unset on an unpickled snapshot, it
# raises ``AttributeError``; ``Snapshot.memo`` makes it then.
_memo_of: Callable[[Snapshot], dict[Hashable, Any] | None] = Snapshot.__dict__["_memo"].__get__

# A C-level key for the bisection of ``contacts_since`` (no Python frame per comparison).
_at: Callable[[Event], datetime] = attrgetter("at")


def fold(
    account: Account, at: datetime | None = None, *, as_known_at: datetime | None = None
) -> Snapshot:
    """Fold ``account``'s invoices and events into a snapshot, in effective-time order.

    Events after ``at`` are ignored; with ``as_known_at``, so are the events the host
    recorded after that moment (``recorded_at``; an event without one counts as recorded at
    its ``at``).  Events with the same ``at`` are applied in the order given.
    """
    if as_known_at is not None or (
        at is not None and (type(at) is not datetime or type(at.tzinfo) not in ALWAYS_AWARE)
    ):
        try:
            if at is not None:
                require_aware(at, "at")
            if as_known_at is not None:
                require_aware(as_known_at, "as_known_at")
        except OverdueError as exc:
            raise exc.located(account_id=account.id) from None
    return _folded(account, at, as_known_at)


def _folded(account: Account, at: datetime | None, as_known_at: datetime | None) -> Snapshot:
    """:func:`fold`, for a caller that has checked ``at`` and ``as_known_at`` already (each
    ``None`` or aware): ``decide`` asks for every account, and checks ``now`` itself."""
    events = account.events
    if as_known_at is None:
        # The common case: a history recorded in effective order, taken whole or up to
        # ``at`` (the run checks the order as it goes).
        kept: tuple[Event, ...] | None = events
        if at is not None and events and events[-1].at > at:
            # Events after ``at``: cut where they start, if the history is in order.  The
            # run checks the order of what is kept and, since a bisection of any list stops
            # after an event not after ``at``, all that is kept is not after it; the rest
            # must all be after it (else the history is out of order: ``None``).
            k = bisect.bisect_right(events, at, key=_at)
            kept = events[:k] if min(map(_at, events[k:])) > at else None
        if kept is not None:
            # As ``_Builder(...)``, but the ``__init__`` is a call from Python to Python (the
            # interpreter's own frame), not through the type's call in C: ~700 instructions less.
            builder = _new(_Builder)
            builder.__init__(account.id, account.invoices)  # type: ignore[misc]
            try:
                if builder.run(kept, 0):
                    builder.history = kept  # shared, not copied
                    return builder.freeze()
            except EventError:
                # A contradiction in the order given may be none in effective order (a
                # resolution recorded before the dispute it resolves, back-dated).
                pass
    # Recorded out of order (a late webhook), or seen as known at a moment: fold in
    # effective order.  Sorting is stable: events with the same ``at`` keep the order given.
    chosen = [
        (i, e)
        for i, e in enumerate(events)
        if (at is None or e.at <= at) and (as_known_at is None or e.known_at(as_known_at))
    ]
    chosen.sort(key=_effective)
    return _fold(_Builder(account.id, account.invoices), chosen)


def _fold(builder: _Builder, pairs: list[tuple[int, Event]]) -> Snapshot:
    """Fold ``(position as given, event)`` pairs, in effective order, into ``builder``."""
    positions = [i for i, _ in pairs]
    events = [e for _, e in pairs]
    if positions != list(range(len(positions))):
        builder.positions = positions
    builder.history = events
    builder.run(events, 0)  # in order: it runs to the end
    return builder.freeze()
