"""Private time helpers: aware datetimes only, zones by name, wall times that always exist.

Every instant in `overdue` is an aware ``datetime``.  A naive one is refused rather than
guessed, because a guessed zone silently moves a contact window or a deadline by hours.
Local wall times ("09:00 on the 5th in the debtor's zone") go through :func:`at_local`, which
is the one place that decides what a wall time means on a daylight-saving night.
"""

from __future__ import annotations

import functools
import importlib
import re
from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from overdue.errors import NaiveDatetimeError, OverdueError, UnknownTimeZoneError, suggest

__all__ = [
    "at_local",
    "gap_free",
    "local_midnight",
    "require_aware",
    "steady_from",
    "to_local",
    "zone",
]

# Zone types whose datetimes always have an offset (a hot path may skip asking).
ALWAYS_AWARE = (ZoneInfo, timezone)
_ZONE_HINT = "attach a zone, e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai'))"


def require_aware(value: object, what: str = "datetime") -> datetime:
    """Return *value* if it is an aware ``datetime``; refuse anything else.

    ``what`` names the value in the message (``"event.at"``, ``"now"``) so the caller does not
    have to re-wrap the error.  A ``date`` is refused too: a day is not an instant.
    """
    if isinstance(value, datetime):
        tz = value.tzinfo
        # A ZoneInfo or a fixed offset always gives an offset: skip asking (hot path).
        if tz is not None and (type(tz) in ALWAYS_AWARE or value.utcoffset() is not None):
            return value
        raise NaiveDatetimeError(
            f"{what} is a naive datetime; {_ZONE_HINT}",
            expected="an aware datetime",
            got=value,
        )
    raise NaiveDatetimeError(
        f"{what} must be an aware datetime",
        expected="an aware datetime, e.g. datetime(..., tzinfo=ZoneInfo('Asia/Shanghai'))",
        got=value,
    )


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name, cached; unknown names get a "did you mean" hint.

    The list of all zone names is only built when a name is wrong, since reading it walks the
    whole zone database.
    """
    if not isinstance(name, str) or not name:
        raise UnknownTimeZoneError(
            "time zone must be an IANA zone name",
            expected="a name such as 'Asia/Shanghai' or 'UTC'",
            got=name,
        )
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    raise UnknownTimeZoneError(
        "unknown time zone",
        expected="an IANA zone name such as 'Asia/Shanghai' or 'UTC'",
        got=name,
        suggestion=suggest(name, available_timezones()),
    )


def zone_problem(name: str | None) -> OverdueError | None:
    """Why ``name`` is not a zone :func:`zone` can read (``None`` when it is, or when no zone
    is given): the one zone check of the accounts' and debtors' validators, which each add
    where the name stood."""
    if name is None:
        return None
    try:
        zone(name)
    except OverdueError as exc:
        return exc
    return None


def at_local(d: date, t: time, tz: tzinfo) -> datetime:
    """The aware instant at wall time *t* on day *d* in zone *tz*.

    Daylight-saving nights are resolved the same way everywhere in the library:

    * a wall time that does not exist (the spring-forward gap) moves forward to the first
      instant after the gap: 02:30 on 2025-03-09 in America/New_York becomes 03:00 EDT.  A
      step never happens *before* the wall time it was scheduled for;
    * an ambiguous wall time (the fall-back hour, which happens twice) takes the first
      occurrence (``fold=0``), so a step is not delayed by an hour for no reason.

    Any ``fold`` or ``tzinfo`` on *t* is ignored; the zone is *tz*.
    """
    if t.tzinfo is not None or t.fold:
        t = t.replace(tzinfo=None, fold=0)
    candidate = datetime.combine(d, t, tz)  # one allocation: this runs several times a decision
    try:
        if _GAP_FREE[tz][d]:
            return candidate  # no transition near that day: the wall time exists once
    except (KeyError, TypeError):
        if gap_free(tz, d):
            return candidate
    return _checked(candidate, d, t, tz)


def _checked(candidate: datetime, d: date, t: time, tz: tzinfo) -> datetime:
    """:func:`at_local`'s answer on a day the zone's offset may change: ``candidate`` (wall
    time *t* on *d* in *tz*, ``fold=0``) unless it falls in a gap."""
    # PEP 495: in a gap, fold=0 reads the wall time with the offset before the transition and
    # fold=1 with the (larger) offset after it; anywhere else fold=1 gives the same or a
    # smaller offset.  Two utcoffset() calls are cheaper than a round trip through UTC.
    before = candidate.utcoffset()
    after = datetime.combine(d, _fold1(t), tz).utcoffset()  # ``replace(fold=1)``, 3x cheaper
    if before is None or after is None or not before < after:
        return candidate
    return _after_gap(candidate.replace(tzinfo=None), tz)


@functools.lru_cache(maxsize=4096)
def _fold1(t: time) -> time:
    """*t* with ``fold=1``; wall times repeat (09:00, 00:00...), and ``replace`` is slow."""
    return t.replace(fold=1)


def _after_gap(naive: datetime, tz: tzinfo) -> datetime:
    """The first existing instant after the gap that swallowed wall time *naive*.

    With fold=0 the gap time is read with the offset before the transition, with fold=1 with
    the offset after it; the transition lies between the two readings.  Searching whole
    seconds is exact because zone transitions fall on whole seconds.
    """
    early = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    late = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if early > late:
        early, late = late, early
    lo = int(early.timestamp()) - 1  # wall time here is before *naive*
    hi = int(late.timestamp()) + 1  # wall time here is after *naive*
    while hi - lo > 1:
        mid = (lo + hi) // 2
        wall = datetime.fromtimestamp(mid, tz).replace(tzinfo=None)
        if wall >= naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC).astimezone(tz)


_STEADY: dict[tzinfo, date | None] = {UTC: date.min}
# Two days of margin around a zone's last transition: the wall times a transition swallows or
# repeats lie within a day of it, whatever the offsets.
_MARGIN = timedelta(days=2)


def steady_from(tz: tzinfo) -> date | None:
    """The first local date from which ``tz`` keeps one UTC offset for good (``None``: never
    known to).

    Why: on and after that date every wall time exists exactly once, so a wall time plus whole
    days needs no daylight-saving check (:func:`at_local`, :meth:`Duration.after
    <overdue.durations.Duration.after>`).  Fixed offsets are steady from ``date.min``; a
    ``ZoneInfo`` is steady after its last transition when its rule for later years (the
    TZif footer) has no daylight saving: ``Asia/Shanghai`` from 1991, ``UTC`` always,
    ``America/New_York`` never.  Read from the zone's own TZif data once per zone; any zone
    that cannot be read so (a ``tzinfo`` of the host's own, ``ZoneInfo.from_file``) is
    ``None`` and always takes the full check.
    """
    try:
        return _STEADY[tz]
    except KeyError:
        pass
    except TypeError:  # an unhashable tzinfo of the host's own: not kept, always checked
        return None
    steady: date | None = None
    if type(tz) is timezone:
        steady = date.min
    elif isinstance(tz, ZoneInfo):
        steady = _zoneinfo_steady(tz)
    if len(_STEADY) < 1024:  # zones are few; ``ZoneInfo.no_cache`` ones are not kept past that
        _STEADY[tz] = steady
    return steady


def _zoneinfo_steady(tz: ZoneInfo) -> date | None:
    """:func:`steady_from` for a ``ZoneInfo`` named by its key, from the same TZif data the
    zone was read from (the standard library's loader; any failure: ``None``)."""
    try:
        data = _tzif(tz)
        if data is None:
            return None
        transitions, footer = data
        if footer is None or _STD_ONLY.fullmatch(footer.decode("ascii")) is None:
            return None  # a daylight-saving rule for the years after (or none stated)
        if not transitions:
            return date.min
        last = datetime.fromtimestamp(transitions[-1], UTC)
        return (last + _MARGIN).date() + _MARGIN
    except Exception:  # unreadable here: the full check, always right
        return None


def _tzif(tz: ZoneInfo) -> tuple[Any, bytes | None] | None:
    """A zone's listed transitions (UTC seconds since 1970) and its TZ rule for the years after
    them, read again from the TZif data the zone was read from (``None``: not read by key).

    Through the standard library's own loader (private, but the zone's own reader); it may
    raise on data it cannot read: the callers then fall back to the full check."""
    if not _from_key(tz):
        return None
    key = tz.key
    from zoneinfo import _common, _tzpath

    path = _tzpath.find_tzfile(key)
    with open(path, "rb") if path is not None else _common.load_tzdata(key) as fobj:
        _idx, transitions, _off, _dst, _abbr, footer = _common.load_data(fobj)
    return transitions, footer


def _from_key(tz: ZoneInfo) -> bool:
    """Whether ``tz`` was read from the zone database by its key, so that reading the key's
    TZif data again gives its transitions.  ``ZoneInfo.from_file`` may name any key for data
    of its own: such a zone refuses to be pickled (its data could not be found again by key),
    which is how it is told apart."""
    if not tz.key:
        return False
    try:
        tz.__reduce__()
    except Exception:
        return False
    return True


# A POSIX TZ string naming a standard time and its offset only: no daylight-saving part.
_STD_ONLY = re.compile(r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)[+-]?\d{1,3}(?::\d{1,2}){0,2}")


# Per zone, the local dates already asked about and whether they are gap-free (see
# :func:`gap_free`): the hot paths read ``_GAP_FREE[tz][d]`` and ask :func:`gap_free` only on a
# miss.  Dates asked about are few (a portfolio's dates cluster around ``now``), but a long run
# over many years could keep adding, so a zone's dates are forgotten past ``_DAYS_KEPT``.
_GAP_FREE: dict[tzinfo, dict[date, bool]] = {}
_DAYS_KEPT = 8192


def gap_free(tz: tzinfo, d: date) -> bool:
    """True when no offset change of ``tz`` comes near local day ``d``: every wall time of that
    day then exists exactly once, and :func:`at_local` is ``datetime.combine(d, t, tz)``.

    Why: most days of a zone with daylight saving are like that, and knowing it per day (once
    per zone and date, kept) spares the two ``utcoffset`` readings of the gap check each time
    a wall time on that day is made, several times a decision.  ``False`` is always safe (the
    full check follows): for a ``tzinfo`` of the host's own, a zone without a key, or any
    failure to read the zone's transitions.
    """
    try:
        days = _GAP_FREE[tz]
    except KeyError:
        days = {}
        if len(_GAP_FREE) < 1024:  # zones are few; as for ``_STEADY``
            _GAP_FREE[tz] = days
    except TypeError:  # unhashable: a tzinfo of the host's own, always checked
        return False
    try:
        return days[d]
    except KeyError:
        pass
    free = _quiet(tz, d)
    if len(days) >= _DAYS_KEPT:
        days.clear()
    days[d] = free
    return free


def _quiet(tz: tzinfo, d: date) -> bool:
    """:func:`gap_free` worked out: steady from before ``d``, or no transition of the zone's
    TZif data (its list, then its rule for the later years) within ``_NEAR`` days of ``d``."""
    steady = steady_from(tz)
    if steady is not None and d >= steady:
        return True
    if type(tz) is not ZoneInfo:  # (a subclass may read its wall clock its own way)
        return False
    try:
        marks = _MARKS[tz]
    except KeyError:
        marks = _Transitions.read(tz)
        if len(_MARKS) < 1024:
            _MARKS[tz] = marks
    try:
        return marks is not None and not marks.near(d)
    except Exception:  # a rule that cannot be worked out for that year: the full check
        return False


# A transition at UTC instant T moves wall times within a day of T (Python keeps every UTC
# offset within 24 hours), so only local dates within a day of T's UTC date can hold a gap or
# a fold; three days leaves a margin (and covers the rule's transitions, given in local time).
_NEAR = 3
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MAX_ORDINAL = date.max.toordinal()


class _Transitions:
    """When a ``ZoneInfo``'s offset changes, from the same TZif data the zone reads."""

    __slots__ = ("_by_year", "_rule", "footer", "listed", "rule_from")

    def __init__(self, listed: tuple[int, ...], footer: str | None, rule_from: int) -> None:
        self.listed = listed  # the listed transitions, UTC seconds since 1970, in order
        self.footer = footer  # the TZ rule for the years after the list (``None``: none)
        self.rule_from = rule_from  # the first year the rule may apply to
        self._rule: Any = None  # the footer read (when first needed: most dates are listed)
        self._by_year: dict[int, tuple[int, ...]] = {}

    @classmethod
    def read(cls, tz: ZoneInfo) -> _Transitions | None:
        """The zone's transitions (``None``: not read by key, or unreadable: always checked)."""
        try:
            data = _tzif(tz)
            if data is None:
                return None
            transitions, footer = data
            text = None if footer is None else footer.decode("ascii")
            if text is not None and _STD_ONLY.fullmatch(text) is not None:
                text = None  # a standard time only: one offset after the list
            # The rule reads the wall clock after the last listed transition: from the year
            # before it on, to be safe (any earlier year only costs a check too many).
            rule_from = 1
            if transitions:
                last = max(1, min(_EPOCH_ORDINAL + transitions[-1] // 86400, _MAX_ORDINAL))
                rule_from = date.fromordinal(last).year - 1
            return cls(tuple(sorted(transitions)), text, rule_from)
        except Exception:
            return None

    def near(self, d: date) -> bool:
        """Whether local date ``d`` lies within ``_NEAR`` days of a transition: of one whose
        UTC date is ``_NEAR`` days or less before or after ``d``."""
        lo = (d.toordinal() - _EPOCH_ORDINAL - _NEAR) * 86400  # the first second that counts
        if _any_within(self.listed, lo):
            return True
        if self.footer is None or d.year < self.rule_from:
            return False
        return _any_within(self._year(d.year), lo)

    def _year(self, year: int) -> tuple[int, ...]:
        """The rule's transitions in ``year`` and the years either side (local seconds since
        1970: within a day of the UTC instant, which ``_NEAR`` allows for), in order."""
        try:
            return self._by_year[year]
        except KeyError:
            pass
        rule = self._rule
        if rule is None:  # the zone's own reader of the rule (and its regular expression)
            parse = importlib.import_module("zoneinfo._zoneinfo")._parse_tz_str
            rule = self._rule = parse(self.footer)
        out: list[int] = []
        for y in (year - 1, year, year + 1):
            out.extend(rule.transitions(y))
        found = self._by_year[year] = tuple(sorted(out))
        return found


def _any_within(seconds: tuple[int, ...], lo: int) -> bool:
    """Whether any of the ordered ``seconds`` lies in the ``2 * _NEAR + 1`` days from ``lo``."""
    i = bisect_left(seconds, lo)
    return i < len(seconds) and seconds[i] < lo + _SPAN


_SPAN = (2 * _NEAR + 1) * 86400
_MARKS: dict[ZoneInfo, _Transitions | None] = {}


def local_midnight(d: date, tz: tzinfo) -> datetime:
    """The start of day *d* in *tz* (``00:00``, or the first instant after a midnight gap)."""
    return at_local(d, _MIDNIGHT, tz)


def to_local(dt: datetime, tz: tzinfo) -> datetime:
    """The same instant, expressed on the wall clock of *tz*."""
    return dt.astimezone(tz)


_MIDNIGHT = time(0)


# Per zone, the last ``now`` converted into it: ``(now, zone, its wall clock there, its local
# date)`` (see :func:`now_in`).
_NOW_IN: dict[tzinfo, tuple[datetime, tzinfo, datetime, date]] = {}


def now_in(now: datetime, tz: tzinfo) -> tuple[datetime, tzinfo, datetime, date]:
    """``(now, tz, now.astimezone(tz), its date)``, kept per zone for the last ``now`` asked
    (the very object).

    Why: every decision states ``now`` on the debtor's wall clock and counts days from its
    date, and a host decides a portfolio at one ``now`` across a few zones: a conversion
    (about 0.8 µs, a tenth of an idle account's first decision) becomes a lookup.  Keyed on
    the zone, and answered only for the very ``now`` and the very zone asked (the entry holds
    both, so no other object can take their addresses; two fixed-offset zones of different
    names are equal keys, not the same zone); the values are the conversion's own, so nothing
    differs.  One entry per zone, forgotten past ``_ZONES_KEPT`` zones.  The engine's hot
    paths call it once per decision.
    """
    try:
        held = _NOW_IN.get(tz)
    except TypeError:  # unhashable: a tzinfo of the host's own, not kept
        local = now.astimezone(tz)
        return now, tz, local, local.date()
    if held is not None and held[0] is now and held[1] is tz:
        return held
    local = now.astimezone(tz)
    held = now, tz, local, local.date()
    if len(_NOW_IN) >= _ZONES_KEPT:
        _NOW_IN.clear()
    _NOW_IN[tz] = held
    return held


_ZONES_KEPT = 1024
