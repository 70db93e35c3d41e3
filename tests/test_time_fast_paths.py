"""The fast paths of the time model equal the general path they stand in for (issue 10).

``at_local`` and ``Duration.after`` skip the daylight-saving gap check on the days
:func:`overdue._time.gap_free` calls gap-free, and month arithmetic reads month lengths from a
table.  Each is held here to the general path, written out as it was before (``_checked`` on
every day, ``calendar.monthrange``), on ordinary days and on the nights clocks change, in zones
with odd rules (a 30-minute step, negative DST, a southern summer, a 2-hour step), at the ends
of the calendar, and with ``fold=1`` starts.
"""

from __future__ import annotations

import calendar
import functools
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overdue._time import _checked, at_local, gap_free
from overdue.durations import Duration, _add_months

ZONES = [
    ZoneInfo(name)
    for name in (
        "Europe/London",
        "America/New_York",
        "Australia/Lord_Howe",  # a 30-minute step
        "Europe/Dublin",  # negative DST in the TZif data
        "America/Sao_Paulo",  # a southern summer, ended in 2019
        "Antarctica/Troll",  # a 2-hour step
        "Pacific/Chatham",
        "Africa/Casablanca",  # listed transitions only, many of them
        "America/St_Johns",
        "Asia/Shanghai",
        "UTC",
    )
]
ALL_ZONES: list[tzinfo] = [*ZONES, UTC, timezone(timedelta(hours=-3, minutes=-30))]


@functools.cache
def transitions(tz: tzinfo) -> tuple[datetime, ...]:
    """The zone's offset changes (UTC instants, to the second) from 1970 to 2060, found by
    reading the offset every 6 hours and bisecting each change (no zone here changes twice
    within 6 hours)."""
    out = []
    step = timedelta(hours=6)
    at = datetime(1970, 1, 1, tzinfo=UTC)
    off = at.astimezone(tz).utcoffset()
    while at.year < 2060:
        nxt = at + step
        noff = nxt.astimezone(tz).utcoffset()
        if noff != off:
            lo, hi = at, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid.astimezone(tz).utcoffset() == off:
                    lo = mid
                else:
                    hi = mid
            out.append(hi)
        at, off = nxt, noff
    return tuple(out)


def old_at_local(d: date, t: time, tz: tzinfo) -> datetime:
    """``at_local`` as it was: the gap check on every day."""
    t = t.replace(tzinfo=None, fold=0)
    return _checked(datetime.combine(d, t, tz), d, t, tz)


def old_after(duration: Duration, start: datetime, tz: tzinfo) -> datetime:
    """``Duration.after`` for days, weeks and months as it was, without shortcuts."""
    n, unit = duration.amount, duration.unit
    if n == 0:
        return start
    local = start.astimezone(tz)
    day = local.date()
    if unit == "mo":
        years, months = divmod(day.month - 1 + n, 12)
        year, month = day.year + years, months + 1
        last = calendar.monthrange(year, month)[1]
        day = day.replace(year=year, month=month, day=min(day.day, last))
    else:
        day += timedelta(n if unit == "d" else 7 * n)
    return old_at_local(day, local.time(), tz)


def same(got: datetime, want: datetime) -> None:
    """The same value in every way a caller could see: instant, zone, wall clock, fold."""
    assert type(got) is type(want)
    assert got.tzinfo is want.tzinfo
    assert got.replace(tzinfo=None) == want.replace(tzinfo=None)
    assert got.fold == want.fold
    assert got.utcoffset() == want.utcoffset()


def outcome(f: object, *args: object) -> tuple[str, object]:
    """What a call returns, or the type and text of what it raises."""
    try:
        return "ok", f(*args)  # type: ignore[operator]
    except (OverflowError, ValueError) as exc:
        return type(exc).__name__, str(exc)


zones = st.sampled_from(ZONES)
wall_times = st.times().map(lambda t: t.replace(fold=0))


@st.composite
def near_a_change(draw: st.DrawFn, shift: timedelta = timedelta(0)) -> tuple[tzinfo, datetime]:
    """A zone and an instant ``shift`` before one of its offset changes, give or take 30 hours
    (so a duration of about ``shift`` lands near the change), or any instant 1970-2060."""
    tz = draw(zones)
    changes = transitions(tz)
    if changes and draw(st.booleans()):
        at = draw(st.sampled_from(changes)) - shift
        at += timedelta(seconds=draw(st.integers(-30 * 3600, 30 * 3600)))
    else:
        at = draw(st.datetimes(datetime(1970, 1, 1), datetime(2060, 1, 1), timezones=st.just(UTC)))
    return tz, at


# -- gap_free -------------------------------------------------------------------------------


@pytest.mark.parametrize("tz", ALL_ZONES, ids=str)
def test_gap_free_days_are_far_from_every_change(tz: tzinfo) -> None:
    # Every offset change from 1970 to 2060 (listed in the TZif data, and after 2037 from its
    # rule): no local date it touches, in either offset, is called gap-free.
    for change in transitions(tz):
        before = (change - timedelta(seconds=1)).astimezone(tz)
        after = change.astimezone(tz)
        for wall in (before, after):
            assert not gap_free(tz, wall.date()), (tz, change, wall)


@given(zones, st.dates(date(1900, 1, 1), date(2100, 12, 31)), wall_times)
@settings(max_examples=600)
def test_gap_free_wall_times_exist_once(tz: tzinfo, d: date, t: time) -> None:
    if gap_free(tz, d):
        first = datetime.combine(d, t, tz)
        second = datetime.combine(d, t.replace(fold=1), tz)
        assert first.utcoffset() == second.utcoffset()  # neither in a gap nor in a fold
        assert _checked(first, d, t, tz) is first


@given(near_a_change(), wall_times)
@settings(max_examples=600)
def test_at_local_equals_the_checked_path(zone_at: tuple[tzinfo, datetime], t: time) -> None:
    tz, at = zone_at
    d = at.astimezone(tz).date()
    same(at_local(d, t, tz), old_at_local(d, t, tz))


def test_at_local_on_the_nights_clocks_change() -> None:
    for tz in ZONES:
        for change in transitions(tz)[-6:] + transitions(tz)[:4]:
            for d in (change.astimezone(tz).date(), (change - timedelta(hours=14)).date()):
                for minute in range(0, 24 * 60, 15):
                    t = time(minute // 60, minute % 60)
                    same(at_local(d, t, tz), old_at_local(d, t, tz))


def test_custom_tzinfo_is_never_gap_free() -> None:
    class Shifty(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta:
            return timedelta(hours=1)

        def dst(self, dt: datetime | None) -> timedelta:
            return timedelta(0)

        __hash__ = None  # type: ignore[assignment]

    assert not gap_free(Shifty(), date(2026, 1, 1))
    assert gap_free(timezone(timedelta(hours=5)), date(2026, 1, 1))


# -- Duration.after -------------------------------------------------------------------------


@given(st.data(), st.integers(0, 400), st.sampled_from(["d", "w"]))
@settings(max_examples=800)
def test_days_and_weeks_equal_the_general_path(data: st.DataObject, n: int, unit: str) -> None:
    duration = Duration(n, unit)
    shift = timedelta(n if unit == "d" else 7 * n)
    tz, at = data.draw(near_a_change(shift))
    start = at.astimezone(data.draw(st.sampled_from([UTC, tz])))
    same(duration.after(start, tz), old_after(duration, start, tz))


@given(st.data(), st.integers(0, 40))
@settings(max_examples=800)
def test_months_equal_the_general_path(data: st.DataObject, n: int) -> None:
    duration = Duration(n, "mo")
    tz, at = data.draw(near_a_change(timedelta(days=30 * n + 15)))
    start = at.astimezone(tz)
    same(duration.after(start, tz), old_after(duration, start, tz))


@given(st.sampled_from(ALL_ZONES), st.integers(0, 9), st.sampled_from(["d", "w", "mo"]))
def test_fold_one_starts_equal_the_general_path(tz: tzinfo, n: int, unit: str) -> None:
    # The repeated hour's second pass (fold=1) as a start: the result is a fold=0 wall time.
    duration = Duration(n, unit)
    for change in transitions(tz)[-4:]:
        start = (change + timedelta(minutes=10)).astimezone(tz)
        same(duration.after(start, tz), old_after(duration, start, tz))


def test_month_ends_and_leap_days() -> None:
    ny = ZoneInfo("America/New_York")
    for y, m, d, n in [
        (2025, 1, 31, 1),  # February, common year
        (2024, 1, 31, 1),  # February, leap year
        (2100, 1, 29, 1),  # not a leap year (a century)
        (2000, 1, 30, 1),  # a leap year (400)
        (2024, 2, 29, 12),
        (2025, 3, 31, 1),  # 30 April
        (2025, 8, 31, 3),
        (2025, 12, 31, 2),
        (2025, 10, 31, 4),
    ]:
        start = datetime(y, m, d, 9, tzinfo=ny)
        same(Duration(n, "mo").after(start, ny), old_after(Duration(n, "mo"), start, ny))


@given(st.dates(), st.integers(0, 200_000))
def test_add_months_clamps_like_monthrange(day: date, n: int) -> None:
    def old(day: date, n: int) -> date:
        years, months = divmod(day.month - 1 + n, 12)
        year, month = day.year + years, months + 1
        last = calendar.monthrange(year, month)[1]
        return day.replace(year=year, month=month, day=min(day.day, last))

    assert outcome(_add_months, day, n) == outcome(old, day, n)


@given(
    st.sampled_from(ALL_ZONES),
    st.datetimes(datetime(9999, 10, 1), datetime(9999, 12, 31, 12), timezones=st.just(UTC)),
    st.integers(0, 500),
    st.sampled_from(["d", "w", "mo"]),
)
def test_the_end_of_the_calendar_raises_as_before(
    tz: tzinfo, start: datetime, n: int, unit: str
) -> None:
    # Past 9999-12-31 the same error, type and text (the engine quotes the text in its
    # CalendarRangeError).
    duration = Duration(n, unit)
    got, want = outcome(duration.after, start, tz), outcome(old_after, duration, start, tz)
    assert got[0] == want[0]
    if got[0] == "ok":
        same(got[1], want[1])  # type: ignore[arg-type]
    else:
        assert got == want


def test_a_datetime_subclass_goes_the_long_way() -> None:
    class Stamp(datetime):
        pass

    ny = ZoneInfo("America/New_York")
    start = Stamp(2026, 3, 1, 2, 30, tzinfo=ny)
    for duration in (Duration(7, "d"), Duration(1, "w"), Duration(1, "mo")):
        got = duration.after(start, ny)
        assert type(got) is datetime
        same(got, old_after(duration, start, ny))


def test_a_zone_from_a_file_is_never_gap_free_by_its_key() -> None:
    # ``ZoneInfo.from_file`` may name a key for data of its own: its transitions are not read
    # again by that key, so every day takes the full check.
    path = "/usr/share/zoneinfo/Asia/Kolkata"
    try:
        with open(path, "rb") as fobj:
            tz = ZoneInfo.from_file(fobj, key="America/New_York")
    except OSError:
        pytest.skip("no system zone database")
    assert not gap_free(tz, date(2026, 6, 1))
    assert not gap_free(tz, date(2030, 1, 1))
