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
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

from overdue.errors import MissingCalendarDataError, PolicyError, suggest

__all__ = [
    "MON_FRI",
    "BusinessCalendar",
    "HolidaysCalendar",
    "MissingYear",
    "WeekCalendar",
    "add_business_days",
    "china_calendar",
    "england_wales_calendar",
    "is_quiet_day",
    "next_business_day",
    "us_federal_calendar",
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

_INSTALL_HINT = 'pip install "overdue-policy[holidays]"'

ANNUAL_NOTICE_COUNTRIES = frozenset({"CN"})
"""Countries whose holidays and make-up working days are fixed by a yearly official notice.

For these, a year counts as covered only when the installed ``holidays`` package carries that
year's notice (for China, the State Council's, published each autumn for the next year); the
package's own estimates for later years lack the make-up working days (调休) and are refused.
"""

MissingYear = Literal["refuse", "estimate", "weekends_only"]
"""What a :class:`HolidaysCalendar` does with a year it has no data for (see its docs)."""


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
    """(first year, last year, weekend) the installed package has real data for."""
    hol = _holidays_module()
    # A closed allow-list: only the country codes (and their subdivisions) the package lists as
    # supported are ever handed to it.  The package looks a country up by attribute name, so an
    # unchecked name from a policy file ('HolidayBase', '__class__') would reach arbitrary
    # objects of the package.
    supported = hol.list_supported_countries()
    codes = list(supported)
    if country not in supported:
        raise MissingCalendarDataError(
            "the 'holidays' package has no such country",
            expected="an ISO 3166 country code such as 'CN' or 'US'",
            got=country,
            suggestion=suggest(country.upper(), codes),
        )
    subdivs = list(supported[country])
    if subdiv is not None and subdiv not in subdivs:
        raise MissingCalendarDataError(
            f"the 'holidays' package has no subdivision {subdiv!r} of {country}",
            expected=f"one of {', '.join(subdivs[:12])}{', ...' if len(subdivs) > 12 else ''}",
            got=subdiv,
            suggestion=suggest(str(subdiv).upper(), subdivs),
        )
    try:
        obj = hol.country_holidays(country, subdiv=subdiv, years=[])
    except NotImplementedError:
        raise MissingCalendarDataError(
            f"the 'holidays' package cannot build a calendar for {country!r}",
            expected="a supported country and subdivision",
            got=f"{country}-{subdiv}" if subdiv else country,
        ) from None
    first, last = int(obj.start_year), int(obj.end_year)
    if country in ANNUAL_NOTICE_COUNTRIES:
        # Holidays and make-up working days are set by a yearly notice; the package estimates
        # later years without the make-up days, so only the years with a notice are covered.
        notices = sorted(getattr(obj, "special_public_holidays", None) or ())
        if notices:
            first, last = max(first, int(notices[0])), min(last, int(notices[-1]))
    return first, last, frozenset(obj.weekend)


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


def _missing_year(_i: object, _a: object, value: object) -> None:
    if value not in ("refuse", "estimate", "weekends_only"):
        raise PolicyError(
            "on_missing_year must say what to do with a year the calendar has no data for",
            expected="'refuse' | 'estimate' | 'weekends_only'",
            got=value,
            suggestion=suggest(str(value), ("refuse", "estimate", "weekends_only")),
        )


@attrs.frozen
class HolidaysCalendar:
    """Public holidays and weekends of a country (and subdivision) from the ``holidays`` package.

    ``years`` is the inclusive range of years the calendar vouches for; by default, the range the
    installed package has real data for: the country's ``start_year``..``end_year``, narrowed for
    countries with yearly notices (:data:`ANNUAL_NOTICE_COUNTRIES`, China) to the years whose
    notice the package carries, because only those have the make-up working days.

    ``on_missing_year`` says what happens on a date outside :attr:`covered`:

    * ``'refuse'`` (the default): :meth:`is_business_day` raises
      :class:`MissingCalendarDataError`, because a calendar that quietly guesses moves legal
      deadlines and allows contact on public holidays.
    * ``'estimate'``: the package's rule-of-thumb holidays for that year, weekends as usual and
      no make-up working days (weekends outside the package's range).  Of the two fallbacks it
      finds *more* quiet days, so a "wait N business days" ends later rather than earlier and
      fewer days are open for contact: the cautious choice for a collector.
    * ``'weekends_only'``: weekdays are business days, the weekend is quiet, as if the year had
      no public holidays.  Deadlines counted in business days come out as early as possible and
      contact may fall on an unknown holiday; for hosts that must never stall.

    The package also computes holidays ahead of official notices in countries without
    :data:`ANNUAL_NOTICE_COUNTRIES` rules; narrow ``years`` to the range you have checked if that
    matters.
    """

    country: str = attrs.field(converter=_country)
    subdiv: str | None = None
    years: tuple[int, int] | None = attrs.field(default=None, converter=_years)
    on_missing_year: MissingYear = attrs.field(default="refuse", validator=_missing_year)
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

    def covers(self, year: int) -> bool:
        """Whether ``year`` has real data (outside it, ``on_missing_year`` decides)."""
        first, last = self._covered
        return first <= year <= last

    def is_business_day(self, d: date) -> bool:
        """True on working days; a year outside :attr:`covered` follows ``on_missing_year``."""
        year = d.year
        quiet = self._cache.get(year)
        if quiet is None:
            if not self.covers(year):
                quiet = self._uncovered(d)
            else:
                quiet = _quiet_days(self.country, self.subdiv, year)
            self._cache[year] = quiet
        return d not in quiet

    def _uncovered(self, d: date) -> frozenset[date]:
        year = d.year
        if self.on_missing_year == "refuse":
            first, last = self._covered
            raise MissingCalendarDataError(
                f"calendar {self.name!r} has no holiday data for {year}",
                expected=f"a date in {first}-{last}",
                got=d,
                suggestion=(
                    "update the 'holidays' package once the year's notice is published, or set "
                    "on_missing_year = 'estimate' to accept estimated holidays"
                ),
            )
        if self.on_missing_year == "estimate":
            first, last, _weekend = _country_info_raw(self.country, self.subdiv)
            if first <= year <= last:
                return _estimated_quiet_days(self.country, self.subdiv, year)
        first_day = date(year, 1, 1)
        span = (date(year + 1, 1, 1) - first_day).days
        all_days = (first_day + timedelta(days=i) for i in range(span))
        return frozenset(x for x in all_days if x.weekday() in self._weekend)


@functools.lru_cache(maxsize=256)
def _country_info_raw(country: str, subdiv: str | None) -> tuple[int, int, frozenset[int]]:
    """The package's own year range, estimates included."""
    obj = _holidays_module().country_holidays(country, subdiv=subdiv, years=[])
    return int(obj.start_year), int(obj.end_year), frozenset(obj.weekend)


@functools.lru_cache(maxsize=256)
def _estimated_quiet_days(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    """Weekends and the package's estimated holidays; make-up working days are not estimated."""
    obj = _holidays_module().country_holidays(country, subdiv=subdiv, years=year)
    first = date(year, 1, 1)
    days = (first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days))
    return frozenset(d for d in days if d in obj or d.weekday() in obj.weekend)


# --------------------------------------------------------------------------- named calendars


def china_calendar(
    *, years: tuple[int, int] | None = None, on_missing_year: MissingYear = "refuse"
) -> HolidaysCalendar:
    """Mainland China: public holidays and make-up working days (调休), years with a notice only.

    "3 working days from Friday 2025-09-26" ends on Tuesday 2025-09-30, because Sunday
    2025-09-28 is worked before the National Day break.  A year whose State Council notice the
    installed ``holidays`` package does not carry is refused (see ``on_missing_year``).
    """
    return HolidaysCalendar("CN", years=years, on_missing_year=on_missing_year)


def us_federal_calendar(
    *, years: tuple[int, int] | None = None, on_missing_year: MissingYear = "refuse"
) -> HolidaysCalendar:
    """US federal holidays (5 U.S.C. 6103(a)) with their observed days, Saturdays and Sundays.

    The observed Friday or Monday counts as the holiday, which the ``holidays`` package returns;
    whether Regulation F's "excluding legal public holidays" means the observed day is not
    settled, and counting it as a holiday makes an assumed receipt later, the cautious side.
    """
    return HolidaysCalendar("US", years=years, on_missing_year=on_missing_year)


def england_wales_calendar(
    *, years: tuple[int, int] | None = None, on_missing_year: MissingYear = "refuse"
) -> HolidaysCalendar:
    """Bank holidays of England and Wales (the ``holidays`` package's ``GB``/``ENG`` list).

    Wales has the same bank holidays as England; Scotland and Northern Ireland differ (use
    ``HolidaysCalendar("GB", subdiv="SCT")`` or ``"NIR"``).
    """
    return HolidaysCalendar("GB", subdiv="ENG", years=years, on_missing_year=on_missing_year)
