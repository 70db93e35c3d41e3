"""Entry conditions for stages: small frozen values that compose with ``&``, ``|`` and ``~``.

A condition answers two questions about a :class:`~overdue.situation.Situation`: does it hold
now, and, if not, from which moment will it hold if nothing else changes (so the engine can tell
the host when to ask again).  Conditions are data: each has a ``kind`` string used in policy
files, and ``describe()`` is the text diagrams and explanations show.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Protocol, cast, runtime_checkable

import attrs

from overdue._time import local_midnight
from overdue.errors import PolicyError
from overdue.money import Money
from overdue.situation import Situation

__all__ = [
    "All",
    "AnyOf",
    "BalanceAtLeast",
    "Condition",
    "DaysOverdueAtLeast",
    "Not",
    "all_of",
    "any_of",
    "balance_at_least",
    "days_overdue_at_least",
    "not_",
]


@runtime_checkable
class Condition(Protocol):
    """What a stage entry condition provides."""

    kind: ClassVar[str]

    def holds(self, s: Situation) -> bool:
        """Whether the condition is true in ``s``."""

    def holds_from(self, s: Situation) -> datetime | None:
        """When the condition becomes true if nothing but time changes; ``None`` if never.

        Returns ``s.now`` (or earlier) when it already holds.
        """

    def describe(self) -> str:
        """A short plain-language text for diagrams and explanations."""


class _Ops:
    """``&``, ``|`` and ``~`` for every condition."""

    __slots__ = ()

    def __and__(self, other: Condition) -> All:
        return All((self, other))

    def __or__(self, other: Condition) -> AnyOf:
        return AnyOf((self, other))

    def __invert__(self) -> Not:
        return Not(self)  # type: ignore[arg-type]


def _nonneg_int(_i: object, a: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError(f"{a.name} must be a whole number of days >= 0", got=value)


@attrs.frozen
class DaysOverdueAtLeast(_Ops):
    """True once the oldest unpaid invoice is at least ``days`` days past its due date."""

    kind: ClassVar[str] = "days_overdue_at_least"
    days: int = attrs.field(validator=_nonneg_int)

    def holds(self, s: Situation) -> bool:
        return s.days_overdue >= self.days

    def holds_from(self, s: Situation) -> datetime | None:
        if s.days_overdue >= self.days:
            return s.now
        due = s.snapshot.earliest_unpaid_due()
        if due is None:
            return None
        # Unknown zone: UTC, as ``decide`` counts days overdue (never the zone ``now`` is in).
        tz = s.tz if s.tz is not None else UTC
        return local_midnight(due + timedelta(days=self.days), tz)

    def describe(self) -> str:
        return f"{self.days}+ days overdue"


@attrs.frozen
class BalanceAtLeast(_Ops):
    """True while the balance is at least ``amount`` (in the same currency)."""

    kind: ClassVar[str] = "balance_at_least"
    amount: Money = attrs.field()

    @amount.validator
    def _check(self, _a: object, value: object) -> None:
        if not isinstance(value, Money):
            raise PolicyError(
                "balance_at_least needs Money", expected="Money('100.00', 'EUR')", got=value
            )

    def holds(self, s: Situation) -> bool:
        if s.balance is None:
            return False
        if s.balance.currency != self.amount.currency:
            return False
        return s.balance.amount >= self.amount.amount

    def holds_from(self, s: Situation) -> datetime | None:
        return s.now if self.holds(s) else None

    def describe(self) -> str:
        return f"balance >= {self.amount}"


def _conds(value: object) -> tuple[Condition, ...]:
    items: tuple[object, ...] = tuple(cast("Iterable[object]", value))
    for i, c in enumerate(items):
        if not isinstance(c, Condition):
            raise PolicyError(f"item {i} is not a condition", got=c)
    return cast("tuple[Condition, ...]", items)


@attrs.frozen
class All(_Ops):
    """True when every inner condition holds."""

    kind: ClassVar[str] = "all"
    conditions: tuple[Condition, ...] = attrs.field(converter=_conds)

    def holds(self, s: Situation) -> bool:
        return all(c.holds(s) for c in self.conditions)

    def holds_from(self, s: Situation) -> datetime | None:
        latest = s.now
        for c in self.conditions:
            t = c.holds_from(s)
            if t is None:
                return None
            latest = max(latest, t)
        return latest

    def describe(self) -> str:
        return " and ".join(_wrap(c) for c in self.conditions)


@attrs.frozen
class AnyOf(_Ops):
    """True when at least one inner condition holds."""

    kind: ClassVar[str] = "any"
    conditions: tuple[Condition, ...] = attrs.field(converter=_conds)

    def holds(self, s: Situation) -> bool:
        return any(c.holds(s) for c in self.conditions)

    def holds_from(self, s: Situation) -> datetime | None:
        times = [t for t in (c.holds_from(s) for c in self.conditions) if t is not None]
        return min(times) if times else None

    def describe(self) -> str:
        return " or ".join(_wrap(c) for c in self.conditions)


@attrs.frozen
class Not(_Ops):
    """True when the inner condition does not hold."""

    kind: ClassVar[str] = "not"
    condition: Condition = attrs.field()

    @condition.validator
    def _check(self, _a: object, value: object) -> None:
        if not isinstance(value, Condition):
            raise PolicyError("not needs a condition", got=value)

    def holds(self, s: Situation) -> bool:
        return not self.condition.holds(s)

    def holds_from(self, s: Situation) -> datetime | None:
        # Time only ever makes the library's conditions true, never false, so a negation that
        # does not hold now will not start holding by waiting.
        return s.now if self.holds(s) else None

    def describe(self) -> str:
        return f"not ({self.condition.describe()})"


def _wrap(c: Condition) -> str:
    text = c.describe()
    return f"({text})" if isinstance(c, All | AnyOf) else text


def days_overdue_at_least(days: int) -> DaysOverdueAtLeast:
    """At least ``days`` days past the earliest unpaid due date."""
    return DaysOverdueAtLeast(days)


def balance_at_least(amount: Money | str) -> BalanceAtLeast:
    """A balance of at least ``amount`` (``Money`` or ``'100.00 EUR'``)."""
    return BalanceAtLeast(amount if isinstance(amount, Money) else Money.parse(amount))


def all_of(*conditions: Condition) -> All:
    """Every condition holds."""
    return All(conditions)


def any_of(*conditions: Condition) -> AnyOf:
    """At least one condition holds."""
    return AnyOf(conditions)


def not_(condition: Condition) -> Not:
    """The condition does not hold."""
    return Not(condition)
