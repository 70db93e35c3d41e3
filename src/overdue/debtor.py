"""A debtor who owes several debts: one person, one contact budget, one ladder per debt.

Real portfolios are not one account = one debt = one phone number.  A :class:`Debtor` holds
several debts, each an :class:`~overdue.account.Account` with its own history and its own
position on the ladder, and the contact points they share (in the order to try them).

What the debts share is what a contact budget counts: the contacts.  A contact recorded on
one debt is seen by the others (tagged with the debt it was about), so a cap per debtor counts
every call to the person once, a cap per contact point counts every call to the number, and a
cap per debt counts that debt's own calls only (a conversation about two debts, recorded once
with ``debt_ids``, counts for each of them).  Every other fact (a payment, a promise, a
dispute, a cease, an opt-out) belongs to the debt it is recorded on: record it on each debt it
concerns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

import attrs

from overdue._time import zone_problem
from overdue.account import Account, ContactPoint
from overdue.errors import AccountError
from overdue.events import ContactAttempted, Event

__all__ = ["Debtor"]


def _nonempty(_inst: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise AccountError(f"debtor {attribute.name} must be a non-empty string", got=value)


def _zone(inst: Debtor, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    problem = zone_problem(value)
    if problem is not None:
        raise problem.located(key_path=f"debtor {inst.id!r}.{attribute.name}") from None


def _tuple(value: Iterable[object]) -> tuple[object, ...]:
    return tuple(value)


def _must_be(item: object, kind: type, debtor_id: str, key_path: str, what: str, a: str) -> None:
    """Refuse a member of the wrong type (one message for debts and contact points alike)."""
    if not isinstance(item, kind):
        raise AccountError(
            f"debtor {debtor_id!r}: every {what} must be {a}",
            key_path=key_path,
            got=type(item).__name__,
        )


@attrs.frozen
class Debtor:
    """One person (or business) with several debts and the contact points they share.

    Attributes:
        id: the debtor's id.
        debts: the debts, each an :class:`~overdue.account.Account` whose ``id`` is the debt
            id; at least one, ids unique.  A debt's ``debtor_id`` is set to this debtor's id
            when it is left empty (:meth:`debt`), and must be this id when it is given.
        contacts: the contact points shared by every debt, tried in this order on a channel;
            a debt's own contact points come after them.
        timezone / address_timezone: the debtor's zone, used for a debt that declares none.

    A contact recorded on a debt may name its debt (``debt_id`` / ``debt_ids``); it must then
    name debts of this debtor, so that a host tagging calls with an id of another system is
    told at once rather than finding a per-debt cap silently counting nothing.
    """

    id: str = attrs.field(validator=_nonempty)
    debts: tuple[Account, ...] = attrs.field(converter=_tuple)
    contacts: tuple[ContactPoint, ...] = attrs.field(default=(), kw_only=True, converter=_tuple)
    timezone: str | None = attrs.field(default=None, kw_only=True, validator=_zone)
    address_timezone: str | None = attrs.field(default=None, kw_only=True, validator=_zone)

    def __attrs_post_init__(self) -> None:
        if not self.debts:
            raise AccountError(
                f"debtor {self.id!r} has no debts", expected="at least one Account", got=()
            )
        seen: set[str] = set()
        for i, debt in enumerate(self.debts):
            _must_be(debt, Account, self.id, f"debts[{i}]", "debt", "an Account")
            if debt.id in seen:
                raise AccountError(
                    f"debtor {self.id!r} holds debt {debt.id!r} twice",
                    key_path=f"debts[{i}].id",
                    expected="a unique id per debt",
                    got=debt.id,
                )
            seen.add(debt.id)
            if debt.debtor_id is not None and debt.debtor_id != self.id:
                raise AccountError(
                    f"debt {debt.id!r} belongs to debtor {debt.debtor_id!r}, not {self.id!r}",
                    account_id=debt.id,
                    key_path=f"debts[{i}].debtor_id",
                    expected=repr(self.id),
                    got=debt.debtor_id,
                )
        for i, cp in enumerate(self.contacts):
            _must_be(cp, ContactPoint, self.id, f"contacts[{i}]", "contact point", "a ContactPoint")
        for i, debt in enumerate(self.debts):
            for index, event in enumerate(debt.events):
                if not isinstance(event, ContactAttempted):
                    continue
                for name in event.debts:
                    if name not in seen:
                        raise AccountError(
                            f"a contact on debt {debt.id!r} names debt {name!r}, which debtor "
                            f"{self.id!r} does not hold (a per-debt cap would not count it)",
                            account_id=debt.id,
                            event_index=index,
                            key_path=f"debts[{i}].events[{index}]."
                            + ("debt_ids" if name in event.debt_ids else "debt_id"),
                            expected=" | ".join(sorted(seen)) + " (or none: the debt it is on)",
                            got=name,
                        )

    @property
    def debt_ids(self) -> tuple[str, ...]:
        """The debts' ids, in the order given."""
        return tuple(d.id for d in self.debts)

    def debt(self, debt_id: str, *, sharing: Iterable[str] | None = None) -> Account:
        """The debt ``debt_id`` as the engine sees it: its own history and points, plus the
        debtor's points, zone and id, and the contacts recorded on the other debts.

        The other debts' contacts lose their ladder position (``stage``/``step``: they are not
        this debt's attempts) and, when they named no debt, name the debt they were recorded
        on.  Own contacts that name no debt are this debt's.  ``sharing`` limits the other
        debts whose contacts are seen (``()``: none, the debt on its own; ``None``: all).
        """
        own = self.own(debt_id)
        seen = None if sharing is None else frozenset(sharing)
        foreign: list[Event] = []
        for other in self.debts:
            if other.id == debt_id or (seen is not None and other.id not in seen):
                continue
            for e in other.events:
                if isinstance(e, ContactAttempted):
                    tag = e.debt_id if e.debts else other.id
                    foreign.append(attrs.evolve(e, stage=None, step=None, debt_id=tag))
        if not foreign:
            return own
        merged = sorted((*own.events, *foreign), key=lambda e: e.at.astimezone(UTC))
        return attrs.evolve(own, events=merged)

    def own(self, debt_id: str) -> Account:
        """The debt ``debt_id`` with the debtor's points, zone and id but only its own history
        (what it would be decided on if no other debt shared the budget)."""
        for d in self.debts:
            if d.id == debt_id:
                return attrs.evolve(
                    d,
                    debtor_id=self.id,
                    contacts=(*self.contacts, *d.contacts),
                    timezone=d.timezone if d.timezone is not None else self.timezone,
                    address_timezone=(
                        d.address_timezone
                        if d.address_timezone is not None
                        else self.address_timezone
                    ),
                )
        raise AccountError(
            f"debtor {self.id!r} holds no debt {debt_id!r}",
            expected=" | ".join(self.debt_ids),
            got=debt_id,
        )

    def with_events(self, debt_id: str, *events: Event) -> Debtor:
        """A copy with ``events`` appended to debt ``debt_id``: how a host records an outcome."""
        self.own(debt_id)  # a located error for an unknown debt
        debts = tuple(d.with_events(*events) if d.id == debt_id else d for d in self.debts)
        return attrs.evolve(self, debts=debts)
