"""When in the debtor's day and week a contact may happen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from typing import ClassVar

import attrs

from overdue._time import at_local, zone
from overdue.calendars import BusinessCalendar, next_business_day
from overdue.errors import PolicyError
from overdue.rules.base import RuleBase, Verdict
from overdue.situation import Candidate

__all__ = ["WEEKDAY_NAMES", "ContactHours", "QuietDays", "weekday_set"]

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekday_set(value: Iterable[int | str] | None) -> frozenset[int] | None:
    """Weekdays as Python numbers (Monday is 0) from numbers or names such as ``'mon'``."""
    if value is None:
        return None
    out: set[int] = set()
    for item in value:
        if isinstance(item, str):
            key = item.strip().lower()[:3]
            if key not in WEEKDAY_NAMES:
                raise PolicyError(
                    "unknown weekday", expected=", ".join(WEEKDAY_NAMES), got=item
                )
            out.add(WEEKDAY_NAMES.index(key))
        elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            out.add(item)
        else:
            raise PolicyError("a weekday is a name like 'mon' or a number 0-6", got=item)
    if not out:
        raise PolicyError("weekdays must name at least one day", got=tuple(value))
    return frozenset(out)


def _window(value: object) -> tuple[time, time]:
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise PolicyError("window is (start, end)", expected="(time(8), time(21))", got=value)
    start, end = value
    if not isinstance(start, time) or not isinstance(end, time):
        raise PolicyError("window bounds are datetime.time values", got=value)
    if start.tzinfo is not None or end.tzinfo is not None:
        raise PolicyError("window times are wall-clock times in the debtor's zone; drop tzinfo")
    if not start < end:
        raise PolicyError(
            "window start must be before its end (windows over midnight are two rules)",
            got=f"{start:%H:%M}-{end:%H:%M}",
        )
    return (start, end)


def _zone_name(_i: object, _a: object, value: str | None) -> None:
    if value is not None:
        zone(value)


def _resolve_zone(candidate: Candidate, assume_zone: str | None) -> tzinfo | None:
    tz = candidate.situation.tz
    if tz is None and assume_zone is not None:
        return zone(assume_zone)
    return tz


@attrs.frozen(kw_only=True)
class ContactHours(RuleBase):
    """Contact only inside a daily window in the debtor's zone, on the allowed weekdays.

    The window's start is inclusive and its end exclusive: ``(08:00, 21:00)`` allows 20:59 and
    defers 21:00 to 08:00 the next allowed day.  The zone is the account's, else the policy's
    assumed zone, else this rule's ``assume_zone``; when none is known the rule **blocks**
    rather than guessing, because calling someone at 3 a.m. is worse than not calling.
    A local time that does not exist (a spring-forward gap) opens at the first instant after it.
    """

    kind: ClassVar[str] = "contact_hours"
    window: tuple[time, time] = attrs.field(default=(time(8), time(21)), converter=_window)
    weekdays: frozenset[int] | None = attrs.field(default=None, converter=weekday_set)
    assume_zone: str | None = attrs.field(default=None, validator=_zone_name)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        tz = _resolve_zone(candidate, self.assume_zone)
        if tz is None:
            return self.block(
                "zone_unknown",
                "the debtor's time zone is unknown and no zone is assumed, so contact hours "
                "cannot be honoured",
            )
        local = at.astimezone(tz)
        start, end = self.window
        day = local.date()
        now_t = local.time().replace(tzinfo=None)
        allowed_day = self.weekdays is None or day.weekday() in self.weekdays
        if allowed_day and start <= now_t < end:
            return None
        if allowed_day and now_t < start:
            opens = at_local(day, start, tz)
        else:
            opens = at_local(self._next_day(day), start, tz)
        return self.defer(
            "outside_hours",
            f"{local:%a %H:%M} {local.tzname()} is outside contact hours "
            f"{start:%H:%M}-{end:%H:%M}",
            opens,
        )

    def _next_day(self, day: date) -> date:
        nxt = day + timedelta(days=1)
        if self.weekdays is not None:
            while nxt.weekday() not in self.weekdays:
                nxt += timedelta(days=1)
        return nxt

    def describe(self) -> str:
        start, end = self.window
        days = ""
        if self.weekdays is not None:
            days = " on " + ", ".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))
        window = f"{start:%H:%M}-{end:%H:%M}"
        return f"contact only {window} debtor's local time{days}{self.scope_text()}"


@attrs.frozen(kw_only=True)
class QuietDays(RuleBase):
    """No contact on days that are not business days in the calendar (weekends, holidays).

    ``calendar=None`` uses the policy's calendar.  A deferral lands at local midnight of the
    next business day; stack a :class:`ContactHours` rule to move it on to opening time.
    """

    kind: ClassVar[str] = "quiet_days"
    calendar: BusinessCalendar | None = None
    assume_zone: str | None = attrs.field(default=None, validator=_zone_name)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        tz = _resolve_zone(candidate, self.assume_zone)
        if tz is None:
            return self.block(
                "zone_unknown",
                "the debtor's time zone is unknown, so their holidays cannot be honoured",
            )
        cal = self.calendar if self.calendar is not None else candidate.situation.calendar
        day = at.astimezone(tz).date()
        if cal.is_business_day(day):
            return None
        nxt = next_business_day(cal, day)
        return self.defer(
            "quiet_day",
            f"{day.isoformat()} ({day:%a}) is not a business day in the {cal.name} calendar",
            at_local(nxt, time(0), tz),
        )

    def describe(self) -> str:
        cal = self.calendar.name if self.calendar is not None else "the policy's"
        return f"no contact on weekends and holidays ({cal} calendar){self.scope_text()}"
