"""An account: who owes, where they can be reached, in which zone they live, and their history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType

import attrs

from overdue._masking import mask
from overdue._time import zone_problem
from overdue._validators import non_empty
from overdue.errors import AccountError
from overdue.events import Event
from overdue.money import Money

_nonempty = non_empty(AccountError)

__all__ = ["POINT_KINDS", "Account", "ContactPoint", "Invoice", "mask"]


POINT_KINDS = ("mobile", "home", "work", "other")
"""The classes of contact point: regulations cap them differently (a home or mobile number,
a workplace, any other number)."""


def _kind(_inst: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and value not in POINT_KINDS:
        raise AccountError(
            f"contact point {attribute.name} must be one of the known classes",
            expected=" | ".join(POINT_KINDS) + " (or none)",
            got=value,
        )


def _opt_text(_inst: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise AccountError(f"{attribute.name} must be a non-empty string or none", got=value)


@attrs.frozen(repr=False)
class ContactPoint:
    """One way to reach someone: a channel and an address on it.

    ``is_debtor=False`` marks a third party (a relative, an employer); messages to them must
    never state debt facts.  The address is masked in ``repr`` so it never reaches logs.
    ``kind`` is the point's class (``'mobile'``, ``'home'``, ``'work'``, ``'other'``; ``None``
    when unknown), so caps can differ per class (Massachusetts: 2 calls in 7 days to home and
    mobile numbers, 2 in 30 days to other numbers) and a step can rotate between points.
    ``relationship`` says who a third party is to the debtor (``'spouse'``, ``'employer'``).
    Points on one channel are tried in declaration order.
    """

    channel: str = attrs.field(validator=_nonempty)
    address: str = attrs.field(validator=_nonempty)
    label: str | None = attrs.field(default=None, kw_only=True)
    is_debtor: bool = attrs.field(default=True, kw_only=True)
    timezone: str | None = attrs.field(default=None, kw_only=True)
    kind: str | None = attrs.field(default=None, kw_only=True, validator=_kind)
    relationship: str | None = attrs.field(default=None, kw_only=True, validator=_opt_text)

    def __repr__(self) -> str:
        extra = "" if self.is_debtor else ", is_debtor=False"
        return f"ContactPoint({self.channel!r}, {mask(self.address)!r}{extra})"

    @property
    def masked(self) -> str:
        """The address as it may appear in logs."""
        return mask(self.address)


@attrs.frozen
class Invoice:
    """An invoice known when the account is built (the same as an ``InvoiceIssued`` event)."""

    id: str = attrs.field(validator=_nonempty)
    amount: Money = attrs.field()
    due: date = attrs.field()
    issued: datetime | None = attrs.field(default=None, kw_only=True)

    @amount.validator
    def _check_amount(self, _a: object, value: object) -> None:
        if not isinstance(value, Money) or not value.is_positive:
            raise AccountError(f"invoice {self.id!r} amount must be positive Money", got=value)

    @due.validator
    def _check_due(self, _a: object, value: object) -> None:
        if not isinstance(value, date) or isinstance(value, datetime):
            raise AccountError(f"invoice {self.id!r} due must be a date", got=value)


def _tuple(value: Iterable[object]) -> tuple[object, ...]:
    return tuple(value)


def _check_zone(inst: Account, a: attrs.Attribute[str | None], value: str | None) -> None:
    problem = zone_problem(value)
    if problem is not None:
        raise problem.located(account_id=inst.id, key_path=a.name) from None


def _check_events(inst: Account, _a: object, value: tuple[object, ...]) -> None:
    for i, event in enumerate(value):
        if not isinstance(event, Event):
            raise AccountError(
                "every event must be an overdue event",
                expected="an instance such as PaymentReceived(...)",
                got=type(event).__name__,
                account_id=inst.id,
                event_index=i,
            )


# For the portfolio readers' constructors (``overdue.portfolio._construct``), as
# ``overdue.events._PLAIN_CASES``: each check as an expression true only when it accepts ``{v}``
# unchanged, and the checks a reader's own column kind always passes.
_PLAIN_CASES: Mapping[object, str] = MappingProxyType(
    {
        _tuple: "type({v}) is tuple",
        _check_zone: "{v} is None or zone_problem({v}) is None",
    }
)
_PLAIN_NAMES: Mapping[str, object] = MappingProxyType({"zone_problem": zone_problem})
_SURE_FOR: Mapping[object, str] = MappingProxyType({_check_events: "events"})
"""``events``: a column of tuples of events the reader built itself (every one an ``Event``)."""


@attrs.frozen
class Account:
    """A debtor's account: identity, zone, contact points, invoices and event history.

    ``timezone`` is an IANA name (``'Asia/Shanghai'``); ``None`` means unknown, and contact-hour
    rules then use the policy's assumed zone or refuse to contact (see ``docs/rules.md``).
    ``address_timezone`` is the zone of the debtor's postal address when it is known separately
    (it may differ from the declared zone or a phone's area); ``ContactHours`` can intersect it
    with the others, and the engine falls back to it when ``timezone`` is unknown.
    ``debtor_id`` names the debtor this account is one debt of (:class:`~overdue.debtor.Debtor`
    fills it in; ``overdue.config.debtors.debtors_from_accounts`` groups accounts by it).  It
    changes nothing when the account is decided alone.
    """

    id: str = attrs.field(validator=_nonempty)
    timezone: str | None = attrs.field(default=None, kw_only=True, validator=_check_zone)
    contacts: tuple[ContactPoint, ...] = attrs.field(
        default=(), kw_only=True, converter=_tuple
    )
    invoices: tuple[Invoice, ...] = attrs.field(
        default=(), kw_only=True, converter=_tuple
    )
    events: tuple[Event, ...] = attrs.field(
        default=(), kw_only=True, converter=_tuple, validator=_check_events
    )
    contract: str | None = attrs.field(default=None, kw_only=True)
    address_timezone: str | None = attrs.field(default=None, kw_only=True, validator=_check_zone)
    debtor_id: str | None = attrs.field(default=None, kw_only=True, validator=_opt_text)

    def contact_for(self, channel: str) -> ContactPoint | None:
        """The first debtor contact point on ``channel``, or ``None``."""
        for cp in self.contacts:
            if cp.channel == channel and cp.is_debtor:
                return cp
        return None

    def points_on(self, channel: str) -> tuple[ContactPoint, ...]:
        """The debtor's own contact points on ``channel``, in declaration order."""
        return tuple(cp for cp in self.contacts if cp.channel == channel and cp.is_debtor)

    def kind_of(self, address: str | None) -> str | None:
        """The class of the contact point at ``address`` (``None``: unknown or unclassed)."""
        for cp in self.contacts:
            if cp.address == address:
                return cp.kind
        return None

    def third_parties_on(self, channel: str) -> tuple[ContactPoint, ...]:
        """The contact points on ``channel`` that are not the debtor's, in declaration order."""
        return tuple(cp for cp in self.contacts if cp.channel == channel and not cp.is_debtor)

    def with_events(self, *events: Event) -> Account:
        """A copy with ``events`` appended: how a host records what happened."""
        return attrs.evolve(self, events=self.events + events)

