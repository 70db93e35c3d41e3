"""Business calendars: which days count as working days for "3 business days" and quiet days.

A calendar is anything with a ``name`` and ``is_business_day(date)`` (:class:`BusinessCalendar`),
so a host can plug in its own.  Two are provided: :class:`WeekCalendar`, a fixed weekend plus
explicit holidays and make-up working days, and :class:`HolidaysCalendar`, an adapter over the
optional ``holidays`` package.  A calendar that has no data for a year refuses to answer rather
than guess, because a guessed holiday moves a legal deadline.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import attrs

from overdue.errors import MissingCalendarDataError, PolicyError, suggest

__all__ = [
    "MON_FRI",
    "BusinessCalendar",
    "HolidaysCalendar",
    "WeekCalendar",
    "add_business_days",
    "is_quiet_day",
    "next_business_day",
]

#: The longest run of non-business days the search functions accept before they decide the
#: calendar is broken (every day a holiday, a seven-day weekend) instead of looping forever.
MAX_QUIET_RUN = 3660

_ONE_DAY = timedelta(days=1)


@runtime_checkable
class BusinessCalendar(Protocol):
    """What the library needs from a business calendar."""

    @property
    def name(self) -> str:
        """A short label for reasons and logs (``"mon-fri"``, ``"holidays:CN"``)."""
        ...

    def is_business_day(self, d: date) -> bool:
        """True if *d* is a working day."""
        ...


# --------------------------------------------------------------------------- WeekCalendar


def _weekdays(value: Iterable[int]) -> frozenset[int]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise PolicyError(
            "weekend must be a collection of weekday numbers",
            expected="weekday numbers 0-6 (Monday=0), e.g. {5, 6}",
            got=value,
        )
    days = frozenset(value)
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise PolicyError(
                "weekend day out of range",
                expected="weekday numbers 0-6 (Monday=0), e.g. {5, 6}",
                got=day,
            )
    return days


def _dates(value: Iterable[date]) -> frozenset[date]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise PolicyError(
            "calendar days must be a collection of dates", expected="dates", got=value
        )
    days = frozenset(value)
    for day in days:
        # A datetime is a date subclass but never equal to one, so it would silently not match.
        if not isinstance(day, date) or isinstance(day, datetime):
            raise PolicyError(
                "calendar days must be dates", expected="datetime.date(2025, 10, 1)", got=day
            )
    return days


@attrs.frozen
class WeekCalendar:
    """A fixed weekend plus explicit holidays and make-up working days.

    ``workdays`` are days that fall on the weekend but are worked (China moves working days to
    weekends around long holidays); they win over both ``holidays`` and ``weekend``.
    """

    name: str = "mon-fri"
    weekend: frozenset[int] = attrs.field(default=frozenset({5, 6}), converter=_weekdays)
    holidays: frozenset[date] = attrs.field(default=frozenset(), converter=_dates)
    workdays: frozenset[date] = attrs.field(default=frozenset(), converter=_dates)

    def is_business_day(self, d: date) -> bool:
        """Workdays first, then holidays, then the weekend."""
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() not in self.weekend


#: Monday to Friday, no holidays: the default when a policy names no calendar.
MON_FRI = WeekCalendar()


# --------------------------------------------------------------------------- functions


def _broken(calendar: BusinessCalendar, d: date) -> PolicyError:
    return PolicyError(
        f"calendar {calendar.name!r} has no business day within {MAX_QUIET_RUN} days of {d}",
        expected="a calendar with business days",
        got=calendar,
    )


def add_business_days(calendar: BusinessCalendar, d: date, n: int) -> date:
    """The *n*-th business day after *d* (``d`` itself for ``n == 0``).

    *d* need not be a business day: 1 business day after Saturday is Monday.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise PolicyError("business days must be a whole number >= 0", expected=">= 0", got=n)
    is_business = calendar.is_business_day
    current = d
    quiet = 0
    while n:
        current += _ONE_DAY
        if is_business(current):
            n -= 1
            quiet = 0
        else:
            quiet += 1
            if quiet > MAX_QUIET_RUN:
                raise _broken(calendar, d)
    return current


def next_business_day(calendar: BusinessCalendar, d: date) -> date:
    """*d* if it is a business day, else the first business day after it."""
    is_business = calendar.is_business_day
    current = d
    for _ in range(MAX_QUIET_RUN + 1):
        if is_business(current):
            return current
        current += _ONE_DAY
    raise _broken(calendar, d)


def is_quiet_day(calendar: BusinessCalendar, d: date) -> bool:
    """True if *d* is not a business day (weekend or holiday): the day contact rules avoid."""
    return not calendar.is_business_day(d)


# --------------------------------------------------------------------------- holidays adapter

_INSTALL_HINT = "pip install 'overdue[holidays]'"


def _holidays_module() -> Any:
    try:
        import holidays
    except ImportError:
        raise MissingCalendarDataError(
            f"HolidaysCalendar needs the optional 'holidays' package; {_INSTALL_HINT}",
            expected="the 'holidays' package installed",
        ) from None
    return holidays


@functools.lru_cache(maxsize=256)
def _country_info(country: str, subdiv: str | None) -> tuple[int, int, frozenset[int]]:
    """(first year, last year, weekend) the installed package knows for a country."""
    hol = _holidays_module()
    try:
        obj = hol.country_holidays(country, subdiv=subdiv, years=[])
    except NotImplementedError:
        codes = list(hol.list_supported_countries())
        if country not in codes:
            raise MissingCalendarDataError(
                "the 'holidays' package has no such country",
                expected="an ISO 3166 country code such as 'CN' or 'US'",
                got=country,
                suggestion=suggest(country.upper(), codes),
            ) from None
        subdivs = list(hol.list_supported_countries()[country])
        raise MissingCalendarDataError(
            f"the 'holidays' package has no subdivision {subdiv!r} of {country}",
            expected=f"one of {', '.join(subdivs[:12])}{', ...' if len(subdivs) > 12 else ''}",
            got=subdiv,
            suggestion=suggest(str(subdiv).upper(), subdivs),
        ) from None
    return int(obj.start_year), int(obj.end_year), frozenset(obj.weekend)


@functools.lru_cache(maxsize=1024)
def _quiet_days(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """Every non-working day of *year* (weekends and holidays, minus make-up working days).

    Built once per (country, subdivision, year) by asking the package about each day, so the
    package's own rules (weekends that changed over the years, make-up days) are respected and
    the hot path is one set lookup.
    """
    obj = _holidays_module().country_holidays(country, subdiv=subdiv, years=year)
    first = date(year, 1, 1)
    days = (first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days))
    return frozenset(d for d in days if not obj.is_working_day(d))


def _country(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise MissingCalendarDataError(
            "country must be a country code", expected="'CN', 'US', 'DE', ...", got=value
        )
    return value


def _years(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(y, int) and not isinstance(y, bool) for y in value)
        and value[0] <= value[1]
    ):
        return (value[0], value[1])
    raise PolicyError(
        "years must be an inclusive (first, last) range", expected="(2020, 2030)", got=value
    )


@attrs.frozen
class HolidaysCalendar:
    """Public holidays and weekends of a country (and subdivision) from the ``holidays`` package.

    ``years`` is the inclusive range of years the calendar vouches for; by default, the range the
    installed package has rules for (``start_year``..``end_year`` of the country class).  Outside
    it, :meth:`is_business_day` raises :class:`MissingCalendarDataError`, because a calendar that
    quietly ignores holidays shortens legal grace periods and allows contact on public holidays.

    ``pessimistic=True`` turns that refusal into a fallback for uncovered years: weekdays are
    business days and the country's weekend is quiet, as if the year had no public holidays.
    It is the "assume nothing is known" choice: deadlines counted in business days can only come
    out *earlier* than the true calendar would give (never later), and no day is invented as a
    holiday.  Contact rules, however, may then allow contact on an unknown holiday, which is why
    it is off by default.

    The package computes holidays for years whose official notice is not out yet (China's
    make-up working days are announced each autumn for the next year); narrow ``years`` to the
    range you have checked if that matters.
    """

    country: str = attrs.field(converter=_country)
    subdiv: str | None = None
    years: tuple[int, int] | None = attrs.field(default=None, converter=_years)
    pessimistic: bool = False
    _covered: tuple[int, int] = attrs.field(init=False, eq=False, repr=False)
    _weekend: frozenset[int] = attrs.field(init=False, eq=False, repr=False)
    _cache: dict[int, frozenset[date]] = attrs.field(init=False, eq=False, repr=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        first, last, weekend = _country_info(self.country, self.subdiv)
        object.__setattr__(self, "_covered", self.years or (first, last))
        object.__setattr__(self, "_weekend", weekend)

    @property
    def name(self) -> str:
        """``"holidays:CN"`` or ``"holidays:US-CA"``."""
        return f"holidays:{self.country}" + (f"-{self.subdiv}" if self.subdiv else "")

    @property
    def covered(self) -> tuple[int, int]:
        """The inclusive range of years this calendar answers for."""
        return self._covered

    def is_business_day(self, d: date) -> bool:
        """True on working days; refuses years outside :attr:`covered` unless pessimistic."""
        year = d.year
        quiet = self._cache.get(year)
        if quiet is None:
            first, last = self._covered
            if not first <= year <= last:
                if self.pessimistic:
                    return d.weekday() not in self._weekend
                raise MissingCalendarDataError(
                    f"calendar {self.name!r} has no holiday data for {year}",
                    expected=f"a date in {first}-{last}",
                    got=d,
                )
            quiet = _quiet_days(self.country, self.subdiv, year)
            self._cache[year] = quiet
        return d not in quiet
