"""Entry conditions for stages: small frozen values that compose with ``&``, ``|`` and ``~``.

A condition answers two questions about a :class:`~overdue.situation.Situation`: does it hold
now, and, if not, from which moment will it hold if nothing else changes (so the engine can tell
the host when to ask again).  Conditions are data: each has a ``kind`` string used in policy
files, and ``describe()`` is the text diagrams and explanations show.

A condition that time can make *false* (a fact set with an ``until``) may also say when it
stops holding, with an optional ``holds_until(s)``; :class:`Not` uses it to know when its
negation starts to hold.  Conditions without it are taken never to lapse by time alone.

What each kind measures (the calendar semantics of ages, unpaid invoices, facts and
per-currency thresholds) is written out in ``docs/conditions.md``.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar, Literal, Protocol, cast, runtime_checkable

import attrs

from overdue._time import local_midnight
from overdue._validators import money, one_of
from overdue.calendars import MON_FRI, BusinessCalendar, add_business_days
from overdue.durations import Duration, as_duration
from overdue.errors import PolicyError
from overdue.money import Money
from overdue.situation import Situation

__all__ = [
    "All",
    "AnyOf",
    "BalanceAtLeast",
    "BalanceAtLeastPerCurrency",
    "Condition",
    "DaysOverdueAtLeast",
    "HasFact",
    "Not",
    "OverdueFor",
    "UnpaidInvoicesAtLeast",
    "all_of",
    "any_of",
    "balance_at_least",
    "days_overdue_at_least",
    "end_of_month",
    "has_fact",
    "holds_until",
    "not_",
    "overdue_for",
    "threshold_currencies",
    "unpaid_invoices_at_least",
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
    amount: Money = attrs.field(
        validator=money("Money('100.00', 'EUR')", prefix="balance_at_least.")
    )

    def holds(self, s: Situation) -> bool:
        return s.balance is not None and s.balance.reaches(self.amount)

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
        # Time makes most conditions true, never false, so a negation that does not hold now
        # starts holding only when the inner condition lapses by itself (a fact with an end).
        if self.holds(s):
            return s.now
        return holds_until(self.condition, s)

    def describe(self) -> str:
        return f"not ({self.condition.describe()})"


def holds_until(c: Condition, s: Situation) -> datetime | None:
    """When ``c``, holding now, stops holding by time alone (``None``: not by time).

    Read from the condition's optional ``holds_until`` method; :class:`All` lapses with its
    first inner condition to lapse.
    """
    if isinstance(c, All):
        ends = [t for t in (holds_until(x, s) for x in c.conditions) if t is not None]
        return min(ends) if ends else None
    method = getattr(c, "holds_until", None)
    if method is None:
        return None
    return cast("datetime | None", method(s))


def end_of_month(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=monthrange(day.year, day.month)[1])


_AGE_UNITS = ("d", "w", "mo", "bd")


def _age(value: object) -> Duration:
    age = as_duration(value)  # type: ignore[arg-type]
    if age.unit not in _AGE_UNITS:
        raise PolicyError(
            "an age overdue counts calendar dates: days, weeks, months or business days",
            expected="'45d', '2w', '1mo', '30bd'",
            got=str(age),
        )
    return age


@attrs.frozen
class OverdueFor(_Ops):
    """True once the oldest unpaid invoice is overdue by ``age`` (a duration of dates).

    The threshold is a local date: the due date plus ``age`` (``d`` and ``w`` count calendar
    days, ``mo`` calendar months with the day clamped to the month's last, so 31 January plus
    one month is 28 February, or 29 in a leap year; ``bd`` counts business days of the policy's
    calendar).  With ``anchor='end_of_month'`` the threshold moves on to the last day of the
    month it falls in ("45 days end of month").  The condition holds from local midnight of the
    threshold date, the way ``days_overdue_at_least`` does: ``OverdueFor('30d')`` and
    ``DaysOverdueAtLeast(30)`` hold on exactly the same days.
    """

    kind: ClassVar[str] = "overdue_for"
    age: Duration = attrs.field(converter=_age)
    anchor: Literal["due", "end_of_month"] = attrs.field(
        default="due", kw_only=True, validator=one_of(("due", "end_of_month"))
    )

    def threshold(self, due: date, calendar: BusinessCalendar | None = None) -> date:
        """The first local date on which an invoice due on ``due`` is overdue by the age."""
        age = self.age
        if age.unit == "bd":
            day = add_business_days(calendar if calendar is not None else MON_FRI, due, age.amount)
        else:
            day = age.add_to_date(due)
        return end_of_month(day) if self.anchor == "end_of_month" else day

    def _zero(self) -> bool:
        # ``0d`` from the due date: true on and before the due date too, as 0 days overdue is.
        return self.age.is_zero and self.anchor == "due"

    def holds(self, s: Situation) -> bool:
        due = s.snapshot.earliest_unpaid_due()
        if due is None or self._zero():
            return self._zero()
        return s.local_date >= self.threshold(due, s.calendar)

    def holds_from(self, s: Situation) -> datetime | None:
        due = s.snapshot.earliest_unpaid_due()
        if due is None or self._zero():
            return s.now if self._zero() else None
        day = self.threshold(due, s.calendar)
        if s.local_date >= day:
            return s.now
        return local_midnight(day, s.tz if s.tz is not None else UTC)

    def describe(self) -> str:
        tail = ", end of month" if self.anchor == "end_of_month" else ""
        return f"overdue for {self.age}{tail}"


@attrs.frozen
class UnpaidInvoicesAtLeast(_Ops):
    """True while at least ``count`` invoices are overdue and not paid in full.

    An invoice counts from the day after its due date (the debtor's local date), as days
    overdue do; one paid in full stops counting.  Invoices not yet due do not count.
    """

    kind: ClassVar[str] = "unpaid_invoices_at_least"
    count: int = attrs.field()

    @count.validator
    def _check(self, _a: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PolicyError(
                "unpaid_invoices_at_least needs a whole number of invoices >= 1", got=value
            )

    def _dues(self, s: Situation) -> list[date]:
        return sorted(i.due for i in s.snapshot.invoices if i.paid < i.amount.amount)

    def holds(self, s: Situation) -> bool:
        dues = self._dues(s)
        return len(dues) >= self.count and dues[self.count - 1] < s.local_date

    def holds_from(self, s: Situation) -> datetime | None:
        dues = self._dues(s)
        if len(dues) < self.count:
            return None
        nth = dues[self.count - 1]
        if nth < s.local_date:
            return s.now
        if nth >= date.max:  # a "never" due date
            return None
        return local_midnight(nth + timedelta(days=1), s.tz if s.tz is not None else UTC)

    def describe(self) -> str:
        return f"{self.count}+ unpaid invoices overdue"


@attrs.frozen
class HasFact(_Ops):
    """True while the named fact is open: a tag or flag set by ``fact_set`` (or a hold, a
    dispute: every fact the fold keeps) and not cleared by ``fact_cleared`` or its ``until``.

    Wrap it in ``not`` for a tag that keeps an account out of a rung.  Before the account is
    on a rung, its facts are read at every decision, so clearing a blocking fact makes the rung
    enterable again at once (and setting it again stops an entry that has not happened yet).
    """

    kind: ClassVar[str] = "has_fact"
    name: str = attrs.field()

    @name.validator
    def _check(self, _a: object, value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise PolicyError("has_fact needs the fact's name", expected="'vip'", got=value)

    def holds(self, s: Situation) -> bool:
        return s.snapshot.fact_open(self.name, s.now) is not None

    def holds_from(self, s: Situation) -> datetime | None:
        return s.now if self.holds(s) else None

    def holds_until(self, s: Situation) -> datetime | None:
        """When the open fact lapses by its ``until`` (``None``: only when cleared)."""
        state = s.snapshot.fact_open(self.name, s.now)
        return state.until if state is not None else None

    def describe(self) -> str:
        return f"fact {self.name!r} is set"


def _amounts(value: object) -> tuple[Money, ...]:
    if isinstance(value, Money | str):
        value = (value,)
    items = tuple(cast("Iterable[object]", value))
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            item = Money.parse(item)
        if not isinstance(item, Money):
            raise PolicyError(
                f"item {i} of a per-currency threshold is not money",
                expected="Money('100.00', 'EUR') or '100.00 EUR'",
                got=item,
            )
        out.append(item)
    return tuple(out)


@attrs.frozen
class BalanceAtLeastPerCurrency(_Ops):
    """True while the balance is at least the threshold given for the balance's currency.

    One amount per currency (``['100.00 EUR', '120.00 USD', '15000 JPY']``); an account in a
    currency without a threshold never meets it (``overdue check --accounts`` warns).  There is
    no threshold without a currency: a number of money units means a different sum in every
    currency, so each one is written out.
    """

    kind: ClassVar[str] = "balance_at_least_per_currency"
    amounts: tuple[Money, ...] = attrs.field(converter=_amounts)

    @amounts.validator
    def _check(self, _a: object, value: tuple[Money, ...]) -> None:
        if not value:
            raise PolicyError(
                "a per-currency threshold needs at least one amount",
                expected="['100.00 EUR', '120.00 USD']",
            )
        seen: set[str] = set()
        for m in value:
            if m.currency in seen:
                raise PolicyError(
                    f"a per-currency threshold gives {m.currency} twice",
                    expected="one amount per currency",
                    got=[str(x) for x in value],
                )
            seen.add(m.currency)

    def holds(self, s: Situation) -> bool:
        balance = s.balance  # one amount per currency: at most one threshold can apply
        return balance is not None and any(balance.reaches(m) for m in self.amounts)

    def holds_from(self, s: Situation) -> datetime | None:
        return s.now if self.holds(s) else None

    def describe(self) -> str:
        return "balance >= " + " or ".join(str(m) for m in self.amounts) + " (per currency)"


def threshold_currencies(c: Condition | None) -> frozenset[str] | None:
    """The currencies a condition's balance thresholds are written in (``None``: it has none).

    For ``overdue check --accounts``: an account in another currency never meets them.
    """
    if isinstance(c, BalanceAtLeast):
        return frozenset((c.amount.currency,))
    if isinstance(c, BalanceAtLeastPerCurrency):
        return frozenset(m.currency for m in c.amounts)
    if isinstance(c, All | AnyOf):
        found = [t for t in (threshold_currencies(x) for x in c.conditions) if t is not None]
        return frozenset().union(*found) if found else None
    if isinstance(c, Not):
        return threshold_currencies(c.condition)
    return None


def _wrap(c: Condition) -> str:
    text = c.describe()
    return f"({text})" if isinstance(c, All | AnyOf) else text


def days_overdue_at_least(days: int) -> DaysOverdueAtLeast:
    """At least ``days`` days past the earliest unpaid due date."""
    return DaysOverdueAtLeast(days)


def balance_at_least(
    amount: Money | str, *more: Money | str
) -> BalanceAtLeast | BalanceAtLeastPerCurrency:
    """A balance of at least ``amount`` (``Money`` or ``'100.00 EUR'``).

    With several amounts, one per currency: a :class:`BalanceAtLeastPerCurrency`.
    """
    if more:
        return BalanceAtLeastPerCurrency((amount, *more))
    return BalanceAtLeast(amount if isinstance(amount, Money) else Money.parse(amount))


def overdue_for(
    age: Duration | str, *, anchor: Literal["due", "end_of_month"] = "due"
) -> OverdueFor:
    """Overdue by ``age`` (``'45d'``, ``'1mo'``, ``'30bd'``), optionally to the month's end."""
    return OverdueFor(as_duration(age), anchor=anchor)


def unpaid_invoices_at_least(count: int) -> UnpaidInvoicesAtLeast:
    """At least ``count`` invoices overdue and not paid in full."""
    return UnpaidInvoicesAtLeast(count)


def has_fact(name: str) -> HasFact:
    """The named fact (a tag or flag set by ``FactSet``) is open."""
    return HasFact(name)


def all_of(*conditions: Condition) -> All:
    """Every condition holds."""
    return All(conditions)


def any_of(*conditions: Condition) -> AnyOf:
    """At least one condition holds."""
    return AnyOf(conditions)


def not_(condition: Condition) -> Not:
    """The condition does not hold."""
    return Not(condition)
