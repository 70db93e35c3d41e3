"""When in the debtor's day and week a contact may happen."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from time import strftime as _strftime
from typing import ClassVar, Literal

import attrs

from overdue._time import _GAP_FREE, at_local, gap_free, zone
from overdue._validators import one_of
from overdue.calendars import BusinessCalendar, next_business_day
from overdue.errors import PolicyError
from overdue.rules.base import RuleBase, Verdict
from overdue.situation import Candidate

__all__ = ["WEEKDAY_NAMES", "ZONE_SOURCES", "ContactHours", "QuietDays", "weekday_set"]

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

ZONE_SOURCES = ("account", "contact_point", "address")
"""Where :class:`ContactHours` may read the debtor's zone: the account's declared
``timezone``, the contacted point's ``timezone`` (from a phone's area code, say) and the
account's ``address_timezone``."""

_MAX_ZONE_ROUNDS = 32


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


def _zone_sources(value: Iterable[str] | str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = (value,) if isinstance(value, str) else tuple(value)
    if not items:
        raise PolicyError("zone_sources names at least one source", expected=str(ZONE_SOURCES))
    for item in items:
        if item not in ZONE_SOURCES:
            raise PolicyError(
                "unknown time-zone source", expected=" | ".join(ZONE_SOURCES), got=item
            )
    return tuple(dict.fromkeys(items))


def _on_unknown(_i: object, _a: object, value: str) -> None:
    if value != "block":
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
    defers 21:00 to 08:00 the next allowed day.  A local time that does not exist (a
    spring-forward gap) opens at the first instant after it.

    Which zone: by default the debtor's zone as the engine resolved it (the account's declared
    zone, else its address zone, else the policy's assumed zone).  ``zone_sources`` instead
    names where to look, in order: ``'account'`` (declared), ``'contact_point'`` (the contacted
    point's own zone, e.g. from a phone's area code) and ``'address'``.  With
    ``zone_mode='intersect'`` (the default) a moment is allowed only when it is inside the
    window in *every* zone found, so 08:00-21:00 in both New York and Los Angeles means
    11:00-21:00 New York time (Reg F's "convenient in all the candidate locations");
    ``'first'`` uses the first zone found.

    When no zone is known the policy's assumed zone is used, else ``on_unknown`` (or the older
    ``assume_zone``): ``'block'`` (the default) **blocks** rather than guessing, because calling
    someone at 3 a.m. is worse than not calling; an IANA name assumes that zone.

    ``other_days='open'`` makes the rule speak only for its ``weekdays`` and leave the other
    days to other rules, so two rules give two windows: Ontario's 07:00-21:00 Monday to
    Saturday and 13:00-17:00 on Sunday are ``ContactHours(window=(7, 21), weekdays=[mon..sat],
    other_days='open')`` plus ``ContactHours(window=(13, 17), weekdays=['sun'],
    other_days='open')``.  With ``'closed'`` (the default) a day outside ``weekdays`` allows
    no contact at all.
    """

    kind: ClassVar[str] = "contact_hours"
    window: tuple[time, time] = attrs.field(default=(time(8), time(21)), converter=_window)
    weekdays: frozenset[int] | None = attrs.field(default=None, converter=weekday_set)
    assume_zone: str | None = attrs.field(default=None, validator=_zone_name)
    zone_sources: tuple[str, ...] | None = attrs.field(default=None, converter=_zone_sources)
    zone_mode: Literal["intersect", "first"] = attrs.field(
        default="intersect", validator=one_of(("intersect", "first"))
    )
    on_unknown: str = attrs.field(default="block", validator=_on_unknown)
    other_days: Literal["closed", "open"] = attrs.field(
        default="closed", validator=one_of(("closed", "open"))
    )

    def __attrs_post_init__(self) -> None:
        if self.other_days == "open" and self.weekdays is None:
            raise PolicyError(
                f"rule {self.id!r}: other_days = 'open' needs the weekdays the window is for",
                expected="weekdays = ['sun'] with other_days = 'open'",
            )
        if (
            self.assume_zone is not None
            and self.on_unknown != "block"
            and self.on_unknown != self.assume_zone
        ):
            raise PolicyError(
                f"rule {self.id!r}: assume_zone and on_unknown name different zones",
                expected="on_unknown alone",
                got=f"assume_zone={self.assume_zone!r}, on_unknown={self.on_unknown!r}",
            )

    @property
    def _assumed(self) -> str | None:
        return self.on_unknown if self.on_unknown != "block" else self.assume_zone

    def zones_for(self, candidate: Candidate) -> tuple[tuple[str, tzinfo], ...]:
        """The zones the window must hold in, each with where it came from (empty: unknown)."""
        s = candidate.situation
        if self.zone_sources is None:
            if s.tz is not None:
                return ((s.tz_source, s.tz),)
            assumed = self._assumed
            return (("assumed", zone(assumed)),) if assumed is not None else ()
        found: dict[str, str] = {}
        for source in self.zone_sources:
            if source == "account":
                name = s.account.timezone
            elif source == "address":
                name = s.account.address_timezone
            else:
                name = candidate.contact.timezone if candidate.contact is not None else None
            if name is not None and name not in found:
                found[name] = source
                if self.zone_mode == "first":
                    break
        if found:
            return tuple((source, zone(name)) for name, source in found.items())
        if s.tz_source == "policy" and s.tz is not None:
            return (("policy", s.tz),)
        assumed = self._assumed
        return (("assumed", zone(assumed)),) if assumed is not None else ()

    def _opens(self, at: datetime, tz: tzinfo) -> datetime:
        """``at`` when it is inside the window in ``tz``, else the next opening (in UTC)."""
        local = at.astimezone(tz)
        start, end = self.window
        day = local.date()
        now_t = local.time()  # ``time()`` is naive already (``timetz()`` would keep the zone)
        allowed_day = self.weekdays is None or day.weekday() in self.weekdays
        if not allowed_day and self.other_days == "open":
            return at.astimezone(UTC)  # not this rule's day: another rule speaks for it
        if allowed_day and start <= now_t < end:
            return at.astimezone(UTC)
        if allowed_day and now_t < start:
            return at_local(day, start, tz).astimezone(UTC)
        nxt = day + timedelta(days=1)
        if self.other_days == "open" and self.weekdays is not None:
            if nxt.weekday() not in self.weekdays:
                return at_local(nxt, time(0), tz).astimezone(UTC)
            return at_local(nxt, start, tz).astimezone(UTC)
        return at_local(self._next_day(day), start, tz).astimezone(UTC)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        tz = candidate.situation.tz
        if self.zone_sources is None and tz is not None:
            # The common case, the debtor's one zone: inside the window (or on a day that is
            # not this rule's) allows at once, as the loop of ``_in_zones`` would.
            local = at.astimezone(tz)
            weekdays = self.weekdays
            if weekdays is None or local.weekday() in weekdays:
                start, end = self.window
                if start <= local.time() < end:
                    return None
            elif self.other_days == "open":
                return None
            if self.other_days == "closed":
                return self._outside(candidate, at, local, tz)
        return self._in_zones(candidate, at, self.zones_for(candidate))

    def one_zone(self) -> Callable[[Candidate, datetime], Verdict | None]:
        """A ``check`` that answers exactly as :meth:`check` does, worked out once per rule
        for the compiled policy (:mod:`overdue.compiled`), or ``check`` itself.

        Why: a rule is asked at every moment the engine tries, mostly inside the window in
        the debtor's one zone; with the rule's fields read once here, that answer is two
        comparisons of the wall clock after one conversion, and a moment outside goes
        straight to :meth:`_outside`.  Property-tested against :meth:`check`
        (``tests/rules/test_hours_fast_path.py``).
        """
        if self.zone_sources is not None:
            return self.check
        check, outside = self.check, self._outside
        start, end = self.window
        weekdays = self.weekdays
        open_days = self.other_days == "open"

        def hours(candidate: Candidate, at: datetime) -> Verdict | None:
            tz = candidate.situation.tz
            if tz is None:
                return check(candidate, at)  # the zone assumed, or none: the full check
            local = at if at.tzinfo is tz else at.astimezone(tz)
            if weekdays is None or local.weekday() in weekdays:
                if start <= local.time() < end:
                    return None
                if open_days:
                    return check(candidate, at)  # outside its window on its own day
                return outside(candidate, at, local, tz)
            if open_days:
                return None  # not this rule's day: another rule speaks for it
            return outside(candidate, at, local, tz)

        return hours

    def lane_terms(self) -> tuple[bool, frozenset[int] | None, time, time] | None:
        """What the scheduler's lane (:func:`overdue.engine.schedule.lane_of`) needs to see,
        inline, that :meth:`one_zone`'s check allows a moment in the debtor's known zone:
        whether other days are open, the weekdays, and the window (``None``: the rule
        reads other zones, and the lane always asks its check).

        Why: the check's allowing answer is one conversion and two comparisons of the wall
        clock; the lane converts once per round for every rule and asks the check itself
        only when the moment is outside (then it says why, and until when).
        """
        if self.zone_sources is not None:
            return None
        start, end = self.window
        return (self.other_days == "open", self.weekdays, start, end)

    def _outside(
        self, candidate: Candidate, at: datetime, local: datetime, tz: tzinfo
    ) -> Verdict | None:
        """The deferral of ``at`` (``local`` in the debtor's one zone ``tz``, outside the
        window; other days closed), as :meth:`_in_zones` states it.

        Why: the full check searches the zones' windows for a common opening, asking each
        zone at least twice.  In one zone the next opening is the window's start on the day
        :meth:`_opens` names, and it is the answer unless a daylight-saving gap swallowed that
        start (then the full check is asked).  Property-tested against the full check
        (``tests/rules/test_hours_fast_path.py``).
        """
        weekdays = self.weekdays
        start, end = self.window
        day = local.date()
        if (weekdays is None or day.weekday() in weekdays) and local.time() < start:
            opens = at_local(day, start, tz)
        else:
            opens = at_local(self._next_day(day), start, tz)
        if not (
            (weekdays is None or opens.weekday() in weekdays) and start <= opens.time() < end
        ):
            return self._in_zones(candidate, at, self.zones_for(candidate))  # a gap moved it
        # As the full check states it: ``opens.astimezone(UTC).astimezone(tz)``, which on a
        # day no offset change comes near is ``opens`` itself (``at_local``'s wall time).
        try:
            steady = _GAP_FREE[tz][opens.date()]
        except (KeyError, TypeError):
            steady = gap_free(tz, opens.date())
        return self.defer(
            "outside_hours",
            f"{_clock(local)} {local.tzname()} is outside contact hours "
            f"{_window_text(self.window)}",
            opens if steady and type(opens) is datetime else opens.astimezone(UTC).astimezone(tz),
        )

    def _in_zones(
        self, candidate: Candidate, at: datetime, zones: tuple[tuple[str, tzinfo], ...]
    ) -> Verdict | None:
        """The verdict at ``at`` for the window in every one of ``zones`` (the full check)."""
        if not zones:
            where = (
                "from " + ", ".join(s.replace("_", " ") for s in self.zone_sources)
                if self.zone_sources is not None
                else "on the account"
            )
            return self.block(
                "zone_unknown",
                f"the debtor's time zone is unknown ({where}) and neither the policy nor this "
                "rule assumes one, so contact hours cannot be honoured",
            )
        start, end = self.window
        first = at.astimezone(UTC)
        t = first
        only = zones[0][1] if len(zones) == 1 else None  # the common case: one zone
        for _ in range(_MAX_ZONE_ROUNDS):
            if only is not None:
                latest = self._opens(t, only)
            else:
                latest = max(self._opens(t, tz) for _, tz in zones)
            if latest == t:
                break
            t = latest
        else:
            return self.block(
                "no_common_window",
                f"contact hours {start:%H:%M}-{end:%H:%M} never overlap in the debtor's zones "
                + ", ".join(f"{getattr(tz, 'key', tz)} ({src})" for src, tz in zones),
            )
        if t == first:
            return None
        outside = [(src, at.astimezone(tz)) for src, tz in zones if self._opens(at, tz) != first]
        where = " and ".join(f"{loc:%a %H:%M} {loc.tzname()}" for _, loc in outside)
        if len(zones) > 1:
            where += " (" + ", ".join(src.replace("_", " ") for src, _ in outside) + " zone)"
        common = " in every one of the debtor's zones" if len(zones) > 1 else ""
        return self.defer(
            "outside_hours",
            f"{where} is outside contact hours {start:%H:%M}-{end:%H:%M}{common}",
            t.astimezone(zones[0][1]),  # in the debtor's (first) zone, for readable reasons
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
            if self.other_days == "open":
                days += " (other days: other rules)"
        window = f"{start:%H:%M}-{end:%H:%M}"
        zones = ""
        if self.zone_sources is not None:
            how = "in every zone of" if self.zone_mode == "intersect" else "in the first zone of"
            zones = f" ({how} {', '.join(s.replace('_', ' ') for s in self.zone_sources)})"
        unknown = ""
        if self._assumed is not None:
            unknown = f"; {self._assumed} when unknown"
        return (
            f"contact only {window} debtor's local time{zones}{days}{unknown}{self.scope_text()}"
        )


def _clock(local: datetime) -> str:
    """``f"{local:%a %H:%M}"``: the weekday and wall clock a deferral states.

    ``datetime.__format__`` hands the format to ``time.strftime`` with the datetime's
    ``timetuple()`` (a zone's daylight-saving lookup) after scanning it for ``%z``, ``%Z`` and
    ``%f``, some 19,000 instructions; these three fields read only the weekday, hour and
    minute, given here (under the locale in force, as there), for about a third of that."""
    return _strftime(
        "%a %H:%M",
        (local.year, local.month, local.day, local.hour, local.minute, 0, local.weekday(), 1, -1),
    )


def _window_text(window: tuple[time, time]) -> str:
    """``f"{start:%H:%M}-{end:%H:%M}"`` of a window, made once per window (two ``strftime``
    calls, some 22,000 instructions, at every deferral otherwise); digits only, so the
    locale does not change it."""
    text = _WINDOW_TEXTS.get(window)
    if text is None:
        start, end = window
        text = f"{start:%H:%M}-{end:%H:%M}"
        if len(_WINDOW_TEXTS) < 1024:  # windows are few (one per rule)
            _WINDOW_TEXTS[window] = text
    return text


_WINDOW_TEXTS: dict[tuple[time, time], str] = {}


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
