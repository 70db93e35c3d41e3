"""A snapshot: the account's events folded at a moment.

The fold is incremental: ``fold(account)`` and ``snapshot.apply(event)`` share one private
builder, so applying one more event to a kept snapshot gives exactly what folding the whole
history again would give (a property test holds us to that).  Hosts with long histories keep
the snapshot and apply new events; everyone else folds.

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
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from operator import attrgetter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from overdue._time import require_aware
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
from overdue.money import Money

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
_UNKNOWN = object()  # "not computed by a fold" for the oldest unpaid due date


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
    # books, what is owed, the oldest unpaid due date, entries per rung, the contacts' UTC
    # times (in effective order, for windows by bisection).  ``None``/empty on a snapshot
    # made by hand: the properties then compute from the fields above.
    books: _Books | None = attrs.field(default=None, eq=False, repr=False)
    owed: Decimal | None = attrs.field(default=None, eq=False, repr=False)
    oldest_unpaid: date | object | None = attrs.field(default=_UNKNOWN, eq=False, repr=False)
    entries: Mapping[str, int] = attrs.field(default=_EMPTY, eq=False, repr=False)

    @property
    def balance(self) -> Money | None:
        """What is owed now; ``None`` for an account with no invoices."""
        if self.currency is None:
            return None
        if self.owed is not None:
            if self.books is not None:  # the fold's own total, in its events' checked currency
                return Money.of_checked(self.owed, self.currency)
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
        """The due date days overdue are counted from: the oldest invoice not paid in full."""
        if self.oldest_unpaid is not _UNKNOWN:
            return self.oldest_unpaid  # type: ignore[return-value]
        dues = [i.due for i in self.invoices if not i.paid >= i.amount.amount]  # not settled
        return min(dues) if dues else None

    def entered(self, stage: str) -> int:
        """How often the account entered ``stage`` (its ``StageEntered`` events)."""
        if self.entries or not self.stages_entered:
            return self.entries.get(stage, 0)
        return sum(1 for e in self.stages_entered if e.stage == stage)

    def contacts_since(self, start: datetime) -> tuple[ContactAttempted, ...]:
        """The contacts at or after ``start`` (an instant), found by bisection, in order.

        Frequency caps look at a window of recent contacts; with this, a decision's cost does
        not grow with the length of the history.
        """
        # The contacts are in effective order (the fold's), so a bisection finds the window.
        k = bisect.bisect_left(self.contacts, start, key=_at)
        return self.contacts[k:]

    def fact_open(self, name: str, at: datetime) -> FactState | None:
        """The open fact ``name`` at ``at``, or ``None``."""
        state = self.facts.get(name)
        if state is None or not state.open_at(at):
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

    def apply(self, event: Event, *, account_id: str | None = None) -> Snapshot:
        """Return the snapshot with one more event applied (the incremental fold).

        An event earlier than ``as_of`` (a late payment webhook) is folded in its place: the
        snapshot refolds the history it keeps, so the result equals a fresh :func:`fold` of
        the history with the event appended.
        """
        if self.as_of is not None and event.at < self.as_of:
            where = self.positions if self.positions is not None else range(len(self.history))
            late = sorted(
                (*zip(where, self.history, strict=True), (self.event_count, event)),
                key=_effective,
            )
            return _fold(self.account_id, self.opening, late, self.event_count + 1)
        builder = _Builder.from_snapshot(self)
        builder.apply(event, self.event_count)
        return builder.freeze()


def _effective(item: tuple[int, Event]) -> datetime:
    return item[1].at


class _Books:
    """The invoice ledger's indexes, so the fold stays linear in invoices and payments.

    ``by_id`` finds an invoice by id; ``order`` holds ``(due, position)`` of every invoice in
    allocation order (oldest due first, ties in issue order), and every entry before ``head``
    is paid in full; ``owed`` is the running sum of what is outstanding.  A snapshot shares its
    books with the builder that made it; a builder copies them before it changes them.
    """

    __slots__ = ("by_id", "head", "order", "owed")

    def __init__(self) -> None:
        self.by_id: dict[str, int] = {}
        self.order: list[tuple[date, int]] = []
        self.head = 0
        self.owed = _ZERO

    def copy(self) -> _Books:
        b = _Books()
        b.by_id = dict(self.by_id)
        b.order = self.order[self.head :]
        b.owed = self.owed
        return b


def _books_of(invoices: tuple[InvoiceState, ...]) -> _Books:
    """Books rebuilt from invoices (for a snapshot made by hand, without the fold's books)."""
    b = _Books()
    for k, inv in enumerate(invoices):
        b.by_id.setdefault(inv.invoice_id, k)
        b.owed += inv.amount.amount - inv.paid
    b.order = sorted((inv.due, k) for k, inv in enumerate(invoices) if not inv.settled)
    return b


class _Builder:
    """The mutable fold shared by :func:`fold` and :meth:`Snapshot.apply`.

    Per event it does a constant amount of work (plus, for a payment, the invoices it settles):
    a type-keyed handler, an append to the history, milestones.  Built from a snapshot it
    copies the snapshot's containers (a C-level copy; nothing is rebuilt value by value).
    """

    __slots__ = (
        "account_id",
        "as_of",
        "authorisations",
        "books",
        "cease",
        "contacts",
        "count",
        "credit",
        "currency",
        "debtor_contacts",
        "disputes",
        "entries",
        "fact_intervals",
        "facts",
        "first_seen",
        "history",
        "invoices",
        "last_seen",
        "opening",
        "opted_out",
        "own_books",
        "payments",
        "plan",
        "positions",
        "promise",
        "settled_at",
        "stage",
        "stage_since",
        "stages_entered",
        "steps",
        "waivers",
        "written_off",
    )

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self.as_of: datetime | None = None
        self.count = 0
        self.currency: str | None = None
        self.invoices: list[InvoiceState] = []
        self.books = _Books()
        self.own_books = True
        self.credit = _ZERO
        self.payments: list[PaymentReceived] = []
        self.contacts: list[ContactAttempted] = []
        self.stage: str | None = None
        self.stage_since: datetime | None = None
        self.stages_entered: list[StageEntered] = []
        self.entries: dict[str, int] = {}
        # (count, last_at) per step key; made StepProgress values once, when frozen.
        self.steps: dict[str, tuple[int, datetime]] = {}
        self.facts: dict[str, FactState] = {}
        self.fact_intervals: list[tuple[str, datetime, datetime]] = []
        self.disputes: set[str] = set()
        self.cease: CeaseRequested | None = None
        self.opted_out: set[str] = set()
        self.authorisations: dict[str, AuthorisationGranted] = {}
        self.promise: PromiseState | None = None
        self.plan: PaymentPlanAgreed | None = None
        self.written_off: WrittenOff | None = None
        self.first_seen: dict[str, datetime] = {}
        self.last_seen: dict[str, datetime] = {}
        self.settled_at: datetime | None = None
        self.waivers: list[WaiverState] = []
        self.debtor_contacts: list[DebtorContacted] = []
        self.opening: tuple[Invoice, ...] = ()
        self.history: list[Event] = []
        self.positions: list[int] | None = None  # None: positions 0, 1, 2, ...

    @classmethod
    def from_snapshot(cls, s: Snapshot) -> _Builder:
        b = cls(s.account_id)
        b.as_of = s.as_of
        b.count = s.event_count
        b.currency = s.currency
        b.invoices = list(s.invoices)
        b.books = s.books if s.books is not None else _books_of(s.invoices)
        b.own_books = False
        b.credit = s.credit
        b.payments = list(s.payments)
        b.contacts = list(s.contacts)
        b.stage = s.stage
        b.stage_since = s.stage_since
        b.stages_entered = list(s.stages_entered)
        b.entries = dict(s.entries)
        b.steps = {k: (p.count, p.last_at) for k, p in s.steps.items()}
        b.facts = dict(s.facts)
        b.fact_intervals = list(s.fact_intervals)
        b.disputes = set(s.open_disputes)
        b.cease = s.cease
        b.opted_out = set(s.opted_out)
        b.authorisations = dict(s.authorisations)
        b.promise = s.promise
        b.plan = s.plan
        b.written_off = s.written_off
        b.first_seen = dict(s.first_seen)
        b.last_seen = dict(s.last_seen)
        b.settled_at = s.settled_at
        b.waivers = list(s.waivers)
        b.debtor_contacts = list(s.debtor_contacts)
        b.opening = s.opening
        b.history = list(s.history)
        b.positions = list(s.positions) if s.positions is not None else None
        return b

    def freeze(self) -> Snapshot:
        books = self.books
        return Snapshot(
            account_id=self.account_id,
            as_of=self.as_of,
            event_count=self.count,
            currency=self.currency,
            invoices=tuple(self.invoices),
            credit=self.credit,
            payments=tuple(self.payments),
            contacts=tuple(self.contacts),
            stage=self.stage,
            stage_since=self.stage_since,
            stages_entered=tuple(self.stages_entered),
            steps=MappingProxyType({k: StepProgress(n, t) for k, (n, t) in self.steps.items()}),
            facts=MappingProxyType(dict(self.facts)),
            fact_intervals=tuple(self.fact_intervals),
            open_disputes=frozenset(self.disputes),
            cease=self.cease,
            opted_out=frozenset(self.opted_out),
            authorisations=MappingProxyType(dict(self.authorisations)),
            promise=self.promise,
            plan=self.plan,
            written_off=self.written_off,
            first_seen=MappingProxyType(dict(self.first_seen)),
            last_seen=MappingProxyType(dict(self.last_seen)),
            settled_at=self.settled_at,
            waivers=tuple(self.waivers),
            debtor_contacts=tuple(self.debtor_contacts),
            opening=self.opening,
            history=tuple(self.history),
            positions=tuple(self.positions) if self.positions is not None else None,
            books=books,
            owed=books.owed,
            oldest_unpaid=self._oldest_unpaid(),
            entries=MappingProxyType(dict(self.entries)),
        )

    def _oldest_unpaid(self) -> date | None:
        books, invoices = self.books, self.invoices
        order = books.order
        for k in range(books.head, len(order)):
            due, pos = order[k]
            inv = invoices[pos]
            if inv.paid < inv.amount.amount:
                return due
        return None

    # -- helpers -----------------------------------------------------------------------------

    def _fail(self, what: str, index: int, **kw: object) -> EventError:
        return EventError(what, account_id=self.account_id, event_index=index, **kw)  # type: ignore[arg-type]

    def _milestone(self, key: str, at: datetime) -> None:
        if key not in self.first_seen:
            self.first_seen[key] = at
        self.last_seen[key] = at

    def _open_fact(
        self, name: str, at: datetime, until: datetime | None, detail: str | None
    ) -> None:
        self._close_fact(name, at)
        self.facts[name] = FactState(name, at, until, detail)

    def _close_fact(self, name: str, at: datetime) -> bool:
        state = self.facts.pop(name, None)
        if state is None:
            return False
        end = at if state.until is None else min(at, state.until)
        self.fact_intervals.append((name, state.since, end))
        return True

    def _writable_books(self) -> _Books:
        if not self.own_books:
            self.books = self.books.copy()
            self.own_books = True
        return self.books

    def add_invoice(self, invoice_id: str, amount: Money, due: date, index: int) -> None:
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
        books = self._writable_books()
        if invoice_id in books.by_id:
            raise self._fail(f"invoice {invoice_id!r} was issued twice", index)
        pos = len(self.invoices)
        books.by_id[invoice_id] = pos
        self.invoices.append(InvoiceState(invoice_id, amount, due))
        books.owed += amount.amount
        entry = (due, pos)
        order = books.order
        if not order or order[-1] <= entry:
            order.append(entry)  # invoices usually come in due order
        else:
            at = bisect.bisect_right(order, entry)
            order.insert(at, entry)
            books.head = min(books.head, at)
        if self.credit > 0:
            self._allocate(self.credit, None)
            self.credit = _ZERO

    def _pay(self, pos: int, remaining: Decimal) -> Decimal:
        """Pay invoice ``pos`` what it still owes, up to ``remaining``; return what is left."""
        inv = self.invoices[pos]
        owed = inv.amount.amount - inv.paid
        if owed <= 0:
            return remaining
        take = owed if owed < remaining else remaining
        self.invoices[pos] = InvoiceState(inv.invoice_id, inv.amount, inv.due, inv.paid + take)
        self.books.owed -= take
        return remaining - take

    def _allocate(self, amount: Decimal, invoice_id: str | None) -> Decimal:
        """Allocate a payment: the named invoice first, then oldest due first; return leftover."""
        books = self._writable_books()
        remaining = amount
        if invoice_id is not None:
            remaining = self._pay(books.by_id[invoice_id], remaining)
        order, invoices = books.order, self.invoices
        k = books.head
        while remaining > 0 and k < len(order):
            remaining = self._pay(order[k][1], remaining)
            k += 1
        # Move the head over the invoices now paid in full (each passes it once).
        head = books.head
        while head < len(order):
            inv = invoices[order[head][1]]
            if inv.paid < inv.amount.amount:
                break
            head += 1
        books.head = head
        return remaining

    # -- the fold ----------------------------------------------------------------------------

    def apply(self, event: Event, index: int) -> None:
        """Apply ``event`` (at ``index`` in the history as given), the latest in effective time."""
        at = event.at
        self.as_of = at
        self.count += 1
        history = self.history
        positions = self.positions
        if positions is not None:
            positions.append(index)
        elif index != len(history):
            positions = self.positions = list(range(len(history)))
            positions.append(index)
        history.append(event)
        # ``_milestone`` inlined: this runs for every event of every fold.
        key = event.kind
        first_seen = self.first_seen
        if key not in first_seen:
            first_seen[key] = at
        self.last_seen[key] = at
        handler = _HANDLERS.get(type(event))
        if handler is None:
            handler = _handler_for(type(event))
        try:
            handler(self, event, index)
        except OverflowError:
            raise CalendarRangeError(
                f"event at {at.isoformat()} cannot be placed in time: in UTC it falls outside "
                "the calendar (year 1 to 9999)",
                account_id=self.account_id,
                event_index=index,
                expected="an event time within years 1 to 9999 in every zone",
            ) from None

    def _contact(self, event: ContactAttempted, index: int) -> None:
        at = event.at
        self.contacts.append(event)
        if event.initiated_by == "creditor":
            step = event.step
            if step is not None and event.stage is not None and event.stage == self.stage:
                prev = self.steps.get(step)
                self.steps[step] = ((prev[0] if prev else 0) + 1, at)
            # ``outcome`` is always an ``Outcome`` (the event's converter sees to it).
            if event.template and event.outcome in _REACHED:
                key = f"contacted:{event.template}"
                if key not in self.first_seen:
                    self.first_seen[key] = at
                self.last_seen[key] = at

    def _payment(self, event: PaymentReceived, index: int) -> None:
        if self.currency is not None and event.amount.currency != self.currency:
            raise self._fail(
                f"payment is in {event.amount.currency}, the account is in {self.currency}",
                index,
                expected=f"an amount in {self.currency}",
                got=str(event.amount),
            )
        if event.invoice_id is not None and event.invoice_id not in self.books.by_id:
            raise self._fail(
                f"payment names invoice {event.invoice_id!r}, which was never issued",
                index,
                expected="an issued invoice id or none",
                got=event.invoice_id,
            )
        if self.currency is None:
            self.currency = event.amount.currency
        self.payments.append(event)
        self.credit += self._allocate(event.amount.amount, event.invoice_id)
        if self.invoices and self.books.owed <= 0:  # every invoice paid in full
            self.settled_at = event.at
        if self.promise is not None:
            self.promise = attrs.evolve(
                self.promise, paid_since=self.promise.paid_since + event.amount.amount
            )

    def _invoice(self, event: InvoiceIssued, index: int) -> None:
        self.add_invoice(event.invoice_id, event.amount, event.due, index)

    def _stage(self, event: StageEntered, index: int) -> None:
        at = event.at
        self.stage = event.stage
        self.stage_since = at
        self.stages_entered.append(event)
        self.entries[event.stage] = self.entries.get(event.stage, 0) + 1
        self.steps = {}
        self._milestone(f"stage_entered:{event.stage}", at)

    def _promise(self, event: PromiseToPay, index: int) -> None:
        if self.currency is not None and event.amount.currency != self.currency:
            raise self._fail(
                f"promise is in {event.amount.currency}, the account is in {self.currency}",
                index,
            )
        self.promise = PromiseState(event.amount, event.by, event.at)

    def _dispute(self, event: DisputeOpened, index: int) -> None:
        if event.dispute_id in self.disputes:
            raise self._fail(f"dispute {event.dispute_id!r} is already open", index)
        self.disputes.add(event.dispute_id)
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
        self.disputes.discard(event.dispute_id)
        if not self.disputes:
            self._close_fact("dispute_open", event.at)

    def _cease(self, event: CeaseRequested, index: int) -> None:
        self.cease = event

    def _cease_withdrawn(self, event: CeaseWithdrawn, index: int) -> None:
        self.cease = None

    def _opt_out(self, event: OptedOut, index: int) -> None:
        self.opted_out.add(event.channel)

    def _opt_in(self, event: OptedIn, index: int) -> None:
        self.opted_out.discard(event.channel)

    def _granted(self, event: AuthorisationGranted, index: int) -> None:
        self.authorisations[event.authorisation] = event
        self._milestone(f"authorised:{event.authorisation}", event.at)

    def _revoked(self, event: AuthorisationRevoked, index: int) -> None:
        if self.authorisations.pop(event.authorisation, None) is None:
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
        self.debtor_contacts.append(event)

    def _waiver(self, event: ConsentWaiver, index: int) -> None:
        self.waivers.append(
            WaiverState(event.rule_id, event.at, event.until, event.duration, event.detail)
        )

    def _consent_withdrawn(self, event: ConsentWithdrawn, index: int) -> None:
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


_Handler = Callable[[_Builder, Any, int], None]
_HANDLERS: dict[type[Event], _Handler] = {
    ContactAttempted: _Builder._contact,
    PaymentReceived: _Builder._payment,
    InvoiceIssued: _Builder._invoice,
    StageEntered: _Builder._stage,
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


# A C-level key for the bisection of ``contacts_since`` (no Python frame per comparison).
_at: Callable[[ContactAttempted], datetime] = attrgetter("at")


def fold(
    account: Account, at: datetime | None = None, *, as_known_at: datetime | None = None
) -> Snapshot:
    """Fold ``account``'s invoices and events into a snapshot, in effective-time order.

    Events after ``at`` are ignored; with ``as_known_at``, so are the events the host
    recorded after that moment (``recorded_at``; an event without one counts as recorded at
    its ``at``).  Events with the same ``at`` are applied in the order given.
    """
    try:
        if at is not None:
            require_aware(at, "at")
        if as_known_at is not None:
            require_aware(as_known_at, "as_known_at")
    except OverdueError as exc:
        raise exc.located(account_id=account.id) from None
    builder = _Builder(account.id)
    builder.opening = account.invoices
    for inv in account.invoices:
        builder.add_invoice(inv.id, inv.amount, inv.due, -1)
    events = account.events
    last: datetime | None = None
    try:
        for index, event in enumerate(events):
            when = event.at
            if at is not None and when > at:
                continue
            if as_known_at is not None and not event.known_at(as_known_at):
                continue
            if last is not None and when < last:
                break  # recorded out of order (a late webhook): fold again, in effective order
            last = when
            builder.apply(event, index)
        else:
            return builder.freeze()
    except EventError:
        # A contradiction in the order given may be none in effective order (a resolution
        # recorded before the dispute it resolves, back-dated): decide in effective order.
        pass
    chosen = [
        (i, e)
        for i, e in enumerate(events)
        if (at is None or e.at <= at) and (as_known_at is None or e.known_at(as_known_at))
    ]
    # Sorting is stable: events with the same ``at`` keep the order they were given in.
    chosen.sort(key=_effective)
    return _fold(account.id, account.invoices, chosen, None)


def _fold(
    account_id: str,
    opening: tuple[Invoice, ...],
    events: list[tuple[int, Event]],
    count: int | None,
) -> Snapshot:
    builder = _Builder(account_id)
    builder.opening = opening
    for inv in opening:
        builder.add_invoice(inv.id, inv.amount, inv.due, -1)
    for index, event in events:
        builder.apply(event, index)
    if count is not None:
        builder.count = count
    return builder.freeze()
