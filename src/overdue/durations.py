"""Durations as policies write them: ``30min``, ``12h``, ``7d``, ``2w``, ``1mo``, ``3bd``.

A duration is an amount and a unit, not a ``timedelta``, because "7 days" and "168 hours" differ
across a daylight-saving change, "1 month" has no fixed length, and "3 business days" depends on
a calendar.  :meth:`Duration.add_to` is where each unit gets its meaning:

=====  ================  ==========================================================
unit   meaning           arithmetic
=====  ================  ==========================================================
min    minutes           exact elapsed time
h      hours             exact elapsed time
d      calendar days     same wall-clock time n days later in the zone
w      weeks             same as 7n days
mo     calendar months   same wall-clock time, same day of month (clamped to month end)
bd     business days     same wall-clock time on the n-th business day after
=====  ================  ==========================================================
"""

from __future__ import annotations

import functools
import math
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import cast

import attrs

from overdue._time import _GAP_FREE, _checked, at_local, gap_free, require_aware
from overdue.calendars import MON_FRI, BusinessCalendar, add_business_days
from overdue.errors import InvalidDurationError

__all__ = [
    "UNITS",
    "Duration",
    "as_duration",
    "business_days",
    "days",
    "hours",
    "minutes",
    "months",
    "weeks",
]

#: The units a duration may have, in increasing order of size.
UNITS: tuple[str, ...] = ("min", "h", "d", "w", "mo", "bd")
_UNIT_SET = frozenset(UNITS)

_EXPECTED = "durations look like '7d', '2w', '1mo', '3bd', '12h', '30min'"
_PATTERN = re.compile(r"(\d+)(min|h|d|w|mo|bd)")
_LOOSE = re.compile(r"\s*(\d+)\s*([A-Za-z][A-Za-z ]*?)\s*")
_SYNONYMS = {
    "m": "min", "mi": "min", "mins": "min", "minute": "min", "minutes": "min",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "day": "d", "days": "d",
    "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "mon": "mo", "mos": "mo", "mth": "mo", "month": "mo", "months": "mo",
    "business day": "bd", "business days": "bd", "bday": "bd", "bdays": "bd",
    "working day": "bd", "working days": "bd", "wd": "bd",
}  # fmt: skip


def _amount(_inst: object, _a: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidDurationError(
            "a duration's amount must be a whole number >= 0", expected="0, 1, 2, ...", got=value
        )


def _unit(_inst: object, _a: object, value: str) -> None:
    if value not in _UNIT_SET:
        raise InvalidDurationError(
            "unknown duration unit",
            expected="one of " + ", ".join(repr(u) for u in UNITS),
            got=value,
            suggestion=_SYNONYMS.get(str(value).strip().lower()),
        )


@attrs.frozen
class Duration:
    """An amount of a unit; see the module docstring for what each unit means."""

    amount: int = attrs.field(validator=_amount)
    unit: str = attrs.field(validator=_unit)

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``'7d'``-style text (cached: policies repeat the same few strings)."""
        if not isinstance(text, str):
            raise InvalidDurationError(
                f"a duration must be text such as '7d', not a {type(text).__name__}",
                expected=_EXPECTED,
                got=text,
            )
        return _parse(text)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @functools.cached_property
    def _days(self) -> timedelta | None:
        # The calendar days of a ``d`` or ``w`` duration (``None``: another unit), worked out
        # once per duration: :meth:`after` adds them several times a decision.
        unit = self.unit
        n = self.amount if unit == "d" else 7 * self.amount if unit == "w" else None
        return None if n is None else timedelta(n)

    @property
    def is_zero(self) -> bool:
        """True for ``0d``, ``0h``...: adding it changes nothing."""
        return self.amount == 0

    @property
    def min_timedelta(self) -> timedelta:
        """The shortest elapsed time this duration can stand for.

        ``min``/``h`` are exact.  ``d``/``w`` are taken as nominal 24-hour days: across a
        daylight-saving change the real elapsed time differs by the DST step (usually 1h),
        which these bounds deliberately ignore so they can serve as the nominal length too.
        ``mo`` is at least 28 days a month, ``bd`` at least one day per business day.
        """
        return _bounds(self.amount, self.unit)[0]

    @property
    def max_timedelta(self) -> timedelta:
        """The longest elapsed time this duration can stand for.

        ``mo`` is at most 31 days a month.  ``bd`` assumes a calendar that is not much worse
        than Monday-Friday: 7/5 of the business days (rounded up), 2 days for starting on a
        weekend, and 14 holiday days per started year of span (250 business days).  A calendar
        with longer closures can exceed it.
        """
        return _bounds(self.amount, self.unit)[1]

    def add_to(
        self,
        start: datetime,
        *,
        tz: tzinfo | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> datetime:
        """The instant this duration after *start* (which must be aware).

        *tz* is the zone whose calendar days, months and wall clock count (default: the zone of
        *start*); *calendar* decides business days (default: :data:`MON_FRI`).  The result of a
        ``d``/``w``/``mo``/``bd`` addition is expressed in *tz* (always ``fold=0``); a wall
        time that falls in a DST gap moves forward, and an ambiguous one takes the first
        occurrence (see :func:`overdue._time.at_local`).  ``min``/``h`` results are expressed
        in UTC.  A zero duration returns *start* unchanged.  Compare results as instants
        (Python compares datetimes sharing a ``tzinfo`` by wall clock).
        """
        require_aware(start, "start")
        return self.after(start, cast(tzinfo, start.tzinfo) if tz is None else tz, calendar)

    def after(
        self, start: datetime, zone: tzinfo, calendar: BusinessCalendar | None = None
    ) -> datetime:
        """:meth:`add_to` for a caller that has checked ``start`` is aware and knows the zone.

        The engine's form: it adds durations several times a decision to instants it has
        already checked, in the debtor's zone, so it skips the check and the keyword defaults.
        """
        days = self._days
        if days is not None:  # the common units first: days and weeks
            if not days:
                return start
            # (``astimezone`` parses its arguments even to return ``start`` itself: asked only
            # for a start in another zone.)
            local = start if start.tzinfo is zone else start.astimezone(zone)
            if type(local) is datetime:
                # The same wall time so many days later (an addition resets ``fold``).  On a
                # day no offset change comes near (most days; every day of UTC or of a zone
                # without daylight saving), that wall time exists once: it is what
                # ``at_local`` finds, without its gap check.  (A subclass, such as a
                # dataframe's timestamp, goes the long way, so the result is a plain
                # ``datetime``.)
                end = local + days
                day = end.date()
                try:
                    if _GAP_FREE[zone][day]:
                        return end
                except (KeyError, TypeError):
                    if gap_free(zone, day):
                        return end
            return _wall_days_later(local, days, zone)
        n, unit = self.amount, self.unit
        if n == 0:
            return start
        if unit == "h" or unit == "min":
            delta = timedelta(hours=n) if unit == "h" else timedelta(minutes=n)
            # Returned in UTC on purpose: in start's own zone the result could be a fold=1
            # wall time, and Python compares and subtracts datetimes that share a tzinfo by
            # wall clock, which would put 01:10 EST "before" 01:50 EDT.
            return start.astimezone(UTC) + delta
        local = start if start.tzinfo is zone else start.astimezone(zone)
        if unit == "mo":
            return _months_later(local, n, zone)
        day = add_business_days(MON_FRI if calendar is None else calendar, local.date(), n)
        return at_local(day, local.time(), zone)

    def add_to_date(self, day: date) -> date:
        """``day`` plus this many calendar days, weeks or months (a date, no wall clock).

        Months clamp to the month's last day: 31 January plus ``1mo`` is the last day of
        February.  Durations of hours, minutes or business days are refused (the first have no
        date arithmetic, the last need a calendar: :func:`~overdue.calendars.add_business_days`).
        """
        n, unit = self.amount, self.unit
        if unit == "d":
            return day + timedelta(n)
        if unit == "w":
            return day + timedelta(7 * n)
        if unit == "mo":
            return _add_months(day, n)
        raise InvalidDurationError(
            f"{self} cannot be added to a date", expected="days, weeks or months", got=str(self)
        )


def _wall_days_later(local: datetime, days: timedelta, zone: tzinfo) -> datetime:
    """:meth:`Duration.after` for days and weeks the long way: ``at_local`` of the same wall
    time ``days`` later, for a day an offset change comes near (or a subclass of datetime)."""
    t = local.time()
    if t.fold:
        t = t.replace(fold=0)
    day = local.date() + days
    return _checked(datetime.combine(day, t, zone), day, t, zone)


def _months_later(local: datetime, n: int, zone: tzinfo) -> datetime:
    """:meth:`Duration.after` for ``n`` months from ``local`` (a wall time in ``zone``): the
    same wall time on the same day of the month (clamped to its end), as ``at_local`` finds.
    (``date(...)`` refuses a year past 9999 as ``date.replace`` did: ``year 10000 is out of
    range``.)"""
    year, month, day = _month_ahead(local.year, local.month, local.day, n)
    return at_local(date(year, month, day), local.time(), zone)


# Days in each month of a common year (index 1 to 12): month arithmetic looks the length up
# here (and tests February for a leap year) instead of calling ``calendar.monthrange``.
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_ahead(year: int, month: int, day: int, n: int) -> tuple[int, int, int]:
    """The year, month and day ``n`` months after the given date, the day clamped to the
    month's last (the year may fall outside 1 to 9999: the caller's ``replace`` refuses it)."""
    years, months = divmod(month - 1 + n, 12)
    year, month = year + years, months + 1
    if day > 28:
        last = _MONTH_DAYS[month]
        if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
            last = 29
        if day > last:
            day = last
    return year, month, day


def _add_months(day: date, n: int) -> date:
    """``day + relativedelta(months=n)``, without building a ``relativedelta``: the same
    month arithmetic, the day clamped to the month's last, the same errors past the calendar.
    """
    year, month, d = _month_ahead(day.year, day.month, day.day, n)
    return day.replace(year=year, month=month, day=d)


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> Duration:
    match = _PATTERN.fullmatch(text.strip())
    if match is not None:
        return Duration(int(match.group(1)), match.group(2))
    hint = None
    loose = _LOOSE.fullmatch(text)
    if loose is not None:
        unit = loose.group(2).lower()
        unit = _SYNONYMS.get(unit, unit if unit in _UNIT_SET else "")
        if unit:
            hint = f"{int(loose.group(1))}{unit}"
    raise InvalidDurationError("malformed duration", expected=_EXPECTED, got=text, suggestion=hint)


@functools.lru_cache(maxsize=1024)
def _bounds(n: int, unit: str) -> tuple[timedelta, timedelta]:
    if unit == "min":
        exact = timedelta(minutes=n)
        return exact, exact
    if unit == "h":
        exact = timedelta(hours=n)
        return exact, exact
    if unit == "d":
        exact = timedelta(days=n)
        return exact, exact
    if unit == "w":
        exact = timedelta(days=7 * n)
        return exact, exact
    if unit == "mo":
        return timedelta(days=28 * n), timedelta(days=31 * n)
    if n == 0:
        return timedelta(0), timedelta(0)
    spread = math.ceil(n * 7 / 5) + 2 + 14 * (1 + n // 250)
    return timedelta(days=n), timedelta(days=spread)


def as_duration(value: Duration | str) -> Duration:
    """A :class:`Duration` as is, or text parsed (for fields that accept either)."""
    if isinstance(value, Duration):
        return value
    return Duration.parse(value)


def minutes(n: int) -> Duration:
    """``n`` minutes of elapsed time."""
    return Duration(n, "min")


def hours(n: int) -> Duration:
    """``n`` hours of elapsed time."""
    return Duration(n, "h")


def days(n: int) -> Duration:
    """``n`` calendar days (same wall time)."""
    return Duration(n, "d")


def weeks(n: int) -> Duration:
    """``n`` weeks of calendar days."""
    return Duration(n, "w")


def months(n: int) -> Duration:
    """``n`` calendar months (month-end safe)."""
    return Duration(n, "mo")


def business_days(n: int) -> Duration:
    """``n`` business days per a :class:`~overdue.calendars.BusinessCalendar`."""
    return Duration(n, "bd")
