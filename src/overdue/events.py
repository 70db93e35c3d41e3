"""The typed events of an account's history: the single source of truth.

A host appends events as things happen (an invoice is issued, a payment arrives, a call is
answered, a dispute is opened) and `overdue` folds them into a :class:`~overdue.snapshot.Snapshot`.
Nothing else is stored: a decision is always recomputed from events, never resumed, so every
decision can be replayed for an audit.

Every event is a frozen value with an aware ``at`` and a stable ``kind`` string (the name used in
account files).  Events refuse bad values when built; events that contradict the history before
them (a dispute resolved that was never opened, a payment in another currency) are refused by the
fold, with the account id and event index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import Enum
from types import MappingProxyType
from typing import ClassVar, cast

import attrs

from overdue._masking import masked_repr
from overdue._time import ALWAYS_AWARE, require_aware
from overdue._validators import one_of
from overdue._validators import optional_duration as _opt_duration
from overdue.durations import Duration
from overdue.errors import EventError
from overdue.money import Money

__all__ = [
    "EVENT_KINDS",
    "AuthorisationGranted",
    "AuthorisationRevoked",
    "CeaseRequested",
    "CeaseWithdrawn",
    "ChargePosted",
    "ConsentWaiver",
    "ConsentWithdrawn",
    "ContactAttempted",
    "DebtorContacted",
    "DisputeOpened",
    "DisputeResolved",
    "Event",
    "FactCleared",
    "FactSet",
    "HoldReleased",
    "InvoiceIssued",
    "ManualHold",
    "OptedIn",
    "OptedOut",
    "Outcome",
    "PaymentPlanAgreed",
    "PaymentPlanBroken",
    "PaymentReceived",
    "PromiseToPay",
    "ServiceRecorded",
    "StageEntered",
    "StageLeft",
    "WrittenOff",
]


# The validators run for every event of every account read: each answers the plain case
# (an aware datetime in a zone or at an offset, a non-empty name) before anything else.


def _aware(_inst: object, attribute: attrs.Attribute[datetime], value: object) -> None:
    if type(value) is datetime and type(value.tzinfo) in ALWAYS_AWARE:
        return
    require_aware(value, f"event.{attribute.name}")


def _name(_inst: object, attribute: attrs.Attribute[str], value: object) -> None:
    if type(value) is str and value and not value[0].isspace():
        return  # a name that starts with a non-space is not blank
    if not isinstance(value, str) or not value.strip():
        raise EventError(
            f"event.{attribute.name} must be a non-empty string", expected="a name", got=value
        )


def _opt_name(inst: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        _name(inst, attribute, value)  # type: ignore[arg-type]


def _names(value: object) -> tuple[object, ...]:
    """A set of names as a sorted tuple (one canonical form, whatever order a host wrote);
    one bare string stays one name (not its letters)."""
    if isinstance(value, str):
        return (value,)
    items = list(dict.fromkeys(value))  # type: ignore[call-overload]
    try:
        return tuple(sorted(items))
    except TypeError:  # not all names: the validator says which
        return tuple(items)


def _name_list(inst: object, attribute: attrs.Attribute[tuple[str, ...]], value: object) -> None:
    for item in value:  # type: ignore[attr-defined]
        _name(inst, attribute, item)  # type: ignore[arg-type]


def _money(_inst: object, attribute: attrs.Attribute[Money], value: object) -> None:
    if not isinstance(value, Money):
        raise EventError(
            f"event.{attribute.name} must be Money", expected="Money('12.50', 'EUR')", got=value
        )


def _positive_money(inst: object, attribute: attrs.Attribute[Money], value: object) -> None:
    _money(inst, attribute, value)
    if not value.is_positive:  # type: ignore[attr-defined]
        raise EventError(
            f"event.{attribute.name} must be positive", expected="an amount above zero", got=value
        )


def _date(_inst: object, attribute: attrs.Attribute[date], value: object) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise EventError(
            f"event.{attribute.name} must be a date", expected="datetime.date", got=value
        )


def _opt_aware(_inst: object, attribute: attrs.Attribute[datetime | None], value: object) -> None:
    if value is not None:
        _aware(_inst, attribute, value)  # type: ignore[arg-type]


def _opt_staff(_inst: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise EventError(
            f"event.{attribute.name} must be a whole number >= 1", expected="1, 2, ...", got=value
        )


def _channels(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset((value,))
    return frozenset(cast("Iterable[str]", value))


@attrs.frozen
class Event:
    """Base of every event: something that happened to an account at an aware moment.

    ``at`` is when the fact took effect (the payment's value date, when the dispute was
    raised); ``recorded_at``, optional, is when the host learned it.  The fold orders events by
    ``at`` (ties keep the order given), so a fact learned late is applied where it belongs;
    ``decide(..., as_known_at=T)`` ignores the events recorded after ``T`` to reproduce what
    was decided then (see ``docs/facts.md``, "Late and out-of-order facts").
    """

    kind: ClassVar[str] = "event"
    at: datetime = attrs.field(validator=_aware)
    recorded_at: datetime | None = attrs.field(default=None, kw_only=True, validator=_opt_aware)

    def known_at(self, moment: datetime) -> bool:
        """Whether the host knew of this event at ``moment`` (its ``recorded_at``, else ``at``)."""
        return (self.recorded_at if self.recorded_at is not None else self.at) <= moment


@attrs.frozen(kw_only=True)
class InvoiceIssued(Event):
    """An invoice was issued: it becomes overdue the day after ``due`` (debtor's local date)."""

    kind: ClassVar[str] = "invoice_issued"
    invoice_id: str = attrs.field(validator=_name)
    amount: Money = attrs.field(validator=_positive_money)
    due: date = attrs.field(validator=_date)


@attrs.frozen(kw_only=True)
class PaymentReceived(Event):
    """Money arrived.  It settles ``invoice_id`` when given, else the oldest unpaid invoices."""

    kind: ClassVar[str] = "payment"
    amount: Money = attrs.field(validator=_positive_money)
    invoice_id: str | None = attrs.field(default=None, validator=_opt_name)
    reference: str | None = None


class Outcome(str, Enum):  # noqa: UP042  (str() stays 'Outcome.X' on every Python)
    """How a contact attempt went.  The values are the strings used in account files."""

    DELIVERED = "delivered"
    FAILED = "failed"
    NO_ANSWER = "no_answer"
    CONVERSATION = "conversation"
    BOUNCED = "bounced"
    REFUSED = "refused"
    INVALID_NUMBER = "invalid_number"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


def _outcome(value: object) -> Outcome:
    if isinstance(value, Outcome):
        return value
    try:
        return Outcome(value)
    except ValueError:
        raise EventError(
            "unknown contact outcome",
            expected=" | ".join(o.value for o in Outcome),
            got=value,
        ) from None


# For the portfolio readers' constructor (``overdue.portfolio.records.constructor``), which
# builds millions of events from values already read: each validator (and converter) above as
# an expression that is true only when it would accept the value ``{v}`` (leave it unchanged).
# Where the expression holds, the call is skipped; where it does not, the validator itself runs
# and raises its own error.  Each expression is the validator's own plain case, never wider.
_PLAIN_CASES: Mapping[object, str] = MappingProxyType(
    {
        _aware: "type({v}) is datetime and type({v}.tzinfo) in ALWAYS_AWARE",
        _opt_aware: "{v} is None or type({v}) is datetime and type({v}.tzinfo) in ALWAYS_AWARE",
        _name: "type({v}) is str and {v} != '' and not {v}[0].isspace()",
        _opt_name: "{v} is None or type({v}) is str and {v} != '' and not {v}[0].isspace()",
        _positive_money: "type({v}) is Money and {v}.amount > 0",
        _date: "type({v}) is date",
        _opt_staff: "{v} is None or type({v}) is int and {v} >= 1",
        _outcome: "type({v}) is Outcome",  # a converter: an Outcome is returned as it is
    }
)
_PLAIN_NAMES: Mapping[str, object] = MappingProxyType(
    {"ALWAYS_AWARE": ALWAYS_AWARE, "Money": Money, "Outcome": Outcome, "date": date,
     "datetime": datetime}
)
"""The names the expressions of ``_PLAIN_CASES`` use."""
_SURE_FOR: Mapping[object, str] = MappingProxyType(
    {_aware: "instant", _opt_aware: "instant", _date: "date"}
)
"""The validators that accept every value of a column kind a reader builds itself
(``overdue.portfolio._construct.ColumnKind``): an ``instant`` column holds only ``None`` and
datetimes in ``datetime.UTC``, a ``date`` column only ``None`` and dates, which these validators
accept as they are (``_opt_aware`` takes ``None``; for the others ``None`` means "not given")."""


@attrs.frozen(kw_only=True)
class ContactAttempted(Event):
    """A contact step was carried out (or tried) and this is how it went.

    ``stage`` and ``step`` tie the attempt to the ladder (attempt counts per step come from
    them); ``debt_id`` scopes frequency caps "per debt"; ``contact_point`` scopes them "per
    contact point"; ``initiated_by='debtor'`` marks an inbound contact, which caps do not count.
    ``party`` says who was contacted: the ``'debtor'``, a ``'third_party'`` (a relative, an
    employer: third-party rules count these per person) or the debtor's ``'representative'``
    (an attorney: caps may exclude these).  ``outcome='invalid_number'`` means the number or
    address does not exist, which makes the debtor unreachable on it.  ``debt_ids`` names every
    debt one contact was about (one conversation about two loans; a set, kept sorted): it
    counts for each of them under a per-debt cap, and once under a per-debtor cap.
    """

    kind: ClassVar[str] = "contact"
    channel: str = attrs.field(validator=_name)
    outcome: Outcome = attrs.field(converter=_outcome)
    stage: str | None = attrs.field(default=None, validator=_opt_name)
    step: str | None = attrs.field(default=None, validator=_opt_name)
    template: str | None = None
    contact_point: str | None = attrs.field(default=None, repr=masked_repr)
    debt_id: str | None = None
    debt_ids: tuple[str, ...] = attrs.field(default=(), converter=_names, validator=_name_list)
    initiated_by: str = attrs.field(
        default="creditor", validator=one_of(("creditor", "debtor"), EventError)
    )
    idempotency_key: str | None = None
    party: str = attrs.field(
        default="debtor",
        validator=one_of(("debtor", "third_party", "representative"), EventError),
    )

    @property
    def debts(self) -> tuple[str, ...]:
        """The debts this contact was about: ``debt_ids`` and ``debt_id``, each once; ``()``
        when it names none (it is then about the whole account it is recorded on)."""
        if not self.debt_ids:
            return () if self.debt_id is None else (self.debt_id,)
        if self.debt_id is None or self.debt_id in self.debt_ids:
            return self.debt_ids
        return (self.debt_id, *self.debt_ids)


@attrs.frozen(kw_only=True)
class DebtorContacted(Event):
    """The debtor contacted the creditor (a text, a call, an e-mail) on ``channel``.

    A :class:`~overdue.rules.RespondOnce` rule lets exactly one reply go out on the same channel
    within its window even at a time other rules would defer (the debtor chose the moment).
    Frequency caps do not count it: it was not initiated by the creditor.
    """

    kind: ClassVar[str] = "debtor_contacted"
    channel: str = attrs.field(validator=_name)
    contact_point: str | None = attrs.field(default=None, repr=masked_repr)
    detail: str | None = None


@attrs.frozen(kw_only=True)
class ConsentWaiver(Event):
    """The debtor consented to what the rule ``rule_id`` would otherwise prevent.

    For example they agreed to be called after 22:00, or to more calls a day.  Only rules built
    with ``waivable=True`` honour it: the engine skips such a rule while the waiver is active
    and says so in the decision's reasons.  The waiver runs from ``at`` until ``until``, or for
    ``duration`` (days counted on the debtor's local calendar), or until a
    :class:`ConsentWithdrawn` for the same rule when neither is given.  A frequency cap that
    excludes ``'consented'`` contacts reads the same event as the moment of consent.
    """

    kind: ClassVar[str] = "consent_waiver"
    rule_id: str = attrs.field(validator=_name)
    until: datetime | None = attrs.field(default=None, validator=_opt_aware)
    duration: Duration | None = attrs.field(default=None, converter=_opt_duration)
    detail: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.until is not None and self.duration is not None:
            raise EventError(
                f"consent waiver for {self.rule_id!r} gives both until and duration",
                expected="one of until or duration (or neither: until withdrawn)",
                got=f"until={self.until.isoformat()}, duration={self.duration}",
            )
        if self.until is not None and self.until <= self.at:
            raise EventError(
                f"consent waiver for {self.rule_id!r} ends before it starts",
                expected=f"until after {self.at.isoformat()}",
                got=self.until.isoformat(),
            )


@attrs.frozen(kw_only=True)
class ConsentWithdrawn(Event):
    """The debtor withdrew a consent waiver for ``rule_id``; the rule applies again."""

    kind: ClassVar[str] = "consent_withdrawn"
    rule_id: str = attrs.field(validator=_name)


@attrs.frozen(kw_only=True)
class PromiseToPay(Event):
    """The debtor promised to pay ``amount`` by the end of ``by`` (their local date)."""

    kind: ClassVar[str] = "promise_to_pay"
    amount: Money = attrs.field(validator=_positive_money)
    by: date = attrs.field(validator=_date)


@attrs.frozen(kw_only=True)
class DisputeOpened(Event):
    """The debtor disputes the debt (or part of it); halting holds apply until resolved."""

    kind: ClassVar[str] = "dispute_opened"
    dispute_id: str = attrs.field(default="dispute", validator=_name)
    reason: str | None = None


@attrs.frozen(kw_only=True)
class DisputeResolved(Event):
    """A dispute was closed; ``resolution`` is free text such as ``'rejected'`` or ``'upheld'``."""

    kind: ClassVar[str] = "dispute_resolved"
    dispute_id: str = attrs.field(default="dispute", validator=_name)
    resolution: str | None = None


@attrs.frozen(kw_only=True)
class CeaseRequested(Event):
    """The debtor asked to stop contact: on every channel (``channels=None``) or on some."""

    kind: ClassVar[str] = "cease_requested"
    channels: frozenset[str] | None = attrs.field(default=None, converter=_channels)


@attrs.frozen(kw_only=True)
class CeaseWithdrawn(Event):
    """The debtor withdrew an earlier cease request."""

    kind: ClassVar[str] = "cease_withdrawn"


@attrs.frozen(kw_only=True)
class OptedOut(Event):
    """The debtor opted out of one channel; steps on it go to their fallback channel."""

    kind: ClassVar[str] = "opt_out"
    channel: str = attrs.field(validator=_name)


@attrs.frozen(kw_only=True)
class OptedIn(Event):
    """The debtor opted back in to a channel."""

    kind: ClassVar[str] = "opt_in"
    channel: str = attrs.field(validator=_name)


@attrs.frozen(kw_only=True)
class AuthorisationGranted(Event):
    """An authorisation the ladder may require: ``legal_review``, ``field_visit``, ``judgment``.

    ``staff`` is how many agents the authorisation assigns (a field visit "authorised with two
    agents"); ``field_visit_conduct`` blocks a visit assigned fewer than its ``min_staff``.
    """

    kind: ClassVar[str] = "authorisation_granted"
    authorisation: str = attrs.field(validator=_name)
    reference: str | None = None
    expires: datetime | None = attrs.field(default=None, validator=_opt_aware)
    staff: int | None = attrs.field(default=None, validator=_opt_staff)


@attrs.frozen(kw_only=True)
class AuthorisationRevoked(Event):
    """An authorisation was withdrawn."""

    kind: ClassVar[str] = "authorisation_revoked"
    authorisation: str = attrs.field(validator=_name)


@attrs.frozen(kw_only=True)
class PaymentPlanAgreed(Event):
    """A payment plan was agreed; the ladder pauses while it runs."""

    kind: ClassVar[str] = "payment_plan_agreed"
    plan_id: str = attrs.field(default="plan", validator=_name)
    until: date | None = None


@attrs.frozen(kw_only=True)
class PaymentPlanBroken(Event):
    """The payment plan was broken; the ladder resumes."""

    kind: ClassVar[str] = "payment_plan_broken"
    plan_id: str = attrs.field(default="plan", validator=_name)


@attrs.frozen(kw_only=True)
class ManualHold(Event):
    """An operator put the account on hold, until a moment or until released.

    ``hold`` names the fact the hold sets (``manual_hold`` by default; ``bankruptcy`` or
    ``moratorium`` for those), which :class:`~overdue.rules.HoldWhile` rules look at.
    """

    kind: ClassVar[str] = "manual_hold"
    reason: str = attrs.field(validator=_name)
    until: datetime | None = attrs.field(default=None, validator=_opt_aware)
    hold: str = attrs.field(default="manual_hold", validator=_name)


@attrs.frozen(kw_only=True)
class HoldReleased(Event):
    """A hold set by :class:`ManualHold` was released before its end."""

    kind: ClassVar[str] = "hold_released"
    hold: str = attrs.field(default="manual_hold", validator=_name)


@attrs.frozen(kw_only=True)
class FactSet(Event):
    """A named fact became true (``bankruptcy``, ``deceased``, ``consent:evening_calls``).

    The escape hatch for facts the library has no event for; rules refer to facts by name.
    """

    kind: ClassVar[str] = "fact_set"
    name: str = attrs.field(validator=_name)
    until: datetime | None = attrs.field(default=None, validator=_opt_aware)
    detail: str | None = None


@attrs.frozen(kw_only=True)
class FactCleared(Event):
    """A named fact stopped being true."""

    kind: ClassVar[str] = "fact_cleared"
    name: str = attrs.field(validator=_name)


@attrs.frozen(kw_only=True)
class StageEntered(Event):
    """The account entered a rung of the ladder; decisions tell the host to record this.

    ``policy_id`` / ``policy_version`` name the policy the rung was entered under (the engine
    fills them in); see ``docs/versions.md`` for what a new version does with them.
    ``debt_id`` names the invoice whose ladder it is under a per-invoice ladder
    (``Policy.ladder_per = 'invoice'``); ``None``: the account's own ladder.
    """

    kind: ClassVar[str] = "stage_entered"
    stage: str = attrs.field(validator=_name)
    # Which policy (id and version) the rung was entered under, so a later version knows the
    # account is in flight under an older one (``Policy.on_new_version``).  ``None`` in
    # histories recorded before versions were recorded.
    policy_id: str | None = attrs.field(default=None, validator=_opt_name)
    policy_version: str | None = attrs.field(default=None, validator=_opt_name)
    debt_id: str | None = attrs.field(default=None, validator=_opt_name)


@attrs.frozen(kw_only=True)
class StageLeft(Event):
    """The account stepped down off the ladder (policy ``step_down``): no rung holds any more.

    Decisions tell the host to record it, as they do :class:`StageEntered`; a step down to a
    lower rung is recorded as that rung's ``StageEntered``.  ``stage`` is the rung left.
    """

    kind: ClassVar[str] = "stage_left"
    stage: str = attrs.field(validator=_name)
    reason: str | None = None


@attrs.frozen(kw_only=True)
class ServiceRecorded(Event):
    """The host's adapter carried out (or undid) a service action on the customer's service.

    Appended from the dispatch report (``ServiceAction.outcome_event``).  Never a contact: no
    contact rule counts it.  ``operation`` is ``'perform'`` or ``'undo'`` (the undo of the
    action keyed ``idempotency_key``, without its ``:undo`` suffix); ``result`` is the
    adapter's answer (``delivered`` = done; named apart from a contact's ``outcome``, which
    is an :class:`Outcome`).
    """

    kind: ClassVar[str] = "service"
    action: str = attrs.field(validator=_name)
    stage: str = attrs.field(validator=_name)
    step: str = attrs.field(validator=_name)
    idempotency_key: str = attrs.field(validator=_name)
    operation: str = attrs.field(
        default="perform", validator=one_of(("perform", "undo"), EventError)
    )
    result: str = "delivered"

    @property
    def undo(self) -> bool:
        """Whether this records an undo."""
        return self.operation == "undo"


@attrs.frozen(kw_only=True)
class ChargePosted(InvoiceIssued):
    """The host posted a fee or interest the decision instructed (a ``Posting``).

    It is an invoice (its ``invoice_id`` is the posting's idempotency key), so the amount is
    owed and collected like any other; the same key twice is refused by the fold, which is what
    keeps a fee from being charged twice for one rung entry.  ``period_end`` is the last day
    an interest posting covers (the next interest posting starts after it).
    """

    kind: ClassVar[str] = "charge_posted"
    charge: str = attrs.field(validator=one_of(("fee", "interest"), EventError))
    stage: str = attrs.field(validator=_name)
    period_end: date | None = None


@attrs.frozen(kw_only=True)
class WrittenOff(Event):
    """The debt was written off; the ladder stops."""

    kind: ClassVar[str] = "write_off"
    reason: str | None = None


EVENT_KINDS: Mapping[str, type[Event]] = MappingProxyType(
    {
        cls.kind: cls
        for cls in (
            InvoiceIssued,
            PaymentReceived,
            ContactAttempted,
            DebtorContacted,
            ConsentWaiver,
            ConsentWithdrawn,
            PromiseToPay,
            DisputeOpened,
            DisputeResolved,
            CeaseRequested,
            CeaseWithdrawn,
            OptedOut,
            OptedIn,
            AuthorisationGranted,
            AuthorisationRevoked,
            PaymentPlanAgreed,
            PaymentPlanBroken,
            ManualHold,
            HoldReleased,
            FactSet,
            FactCleared,
            StageEntered,
            WrittenOff,
            StageLeft,
            ServiceRecorded,
            ChargePosted,
        )
    }
)
"""Every event class by its ``kind`` string, as written in account files (read-only)."""
