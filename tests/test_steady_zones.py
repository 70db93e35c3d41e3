"""Day arithmetic without the daylight-saving check, where a zone keeps one offset for good.

``steady_from`` reads from a zone's own TZif data the first local date after which its offset
never changes (``Asia/Shanghai`` from 1991, never for ``America/New_York``).  On and after it,
``at_local`` and ``Duration.after`` skip the check for gaps and folds; these properties hold
them to the full check, in every zone the system knows (issue 10).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from overdue._time import _checked, at_local, steady_from
from overdue.durations import Duration

ALL_ZONES = sorted(available_timezones())
MIXED = ("Asia/Shanghai", "Asia/Hong_Kong", "America/New_York", "Europe/London", "UTC")


def _full(day: date, t: time, tz: tzinfo) -> datetime:
    """``at_local`` with the daylight-saving check always made."""
    return _checked(datetime.combine(day, t, tz), day, t, tz)


def _same(a: datetime, b: datetime) -> bool:
    """Equal as values, instants and offsets, in the same zone object, with the same fold."""
    return (
        a == b
        and a.tzinfo is b.tzinfo
        and a.replace(tzinfo=None) == b.replace(tzinfo=None)
        and a.utcoffset() == b.utcoffset()
        and a.fold == b.fold
        and type(a) is type(b)
    )


def test_known_zones() -> None:
    assert steady_from(ZoneInfo("America/New_York")) is None
    assert steady_from(ZoneInfo("Europe/London")) is None
    assert steady_from(UTC) == date.min
    assert steady_from(timezone(timedelta(hours=5, minutes=30))) == date.min
    shanghai = steady_from(ZoneInfo("Asia/Shanghai"))
    assert shanghai is not None
    assert date(1991, 9, 14) < shanghai < date(1992, 1, 1)  # the last change: 1991-09-15


def test_a_zone_of_the_hosts_own_is_always_checked() -> None:
    class Fixed(tzinfo):
        def utcoffset(self, dt: datetime | None) -> timedelta:
            return timedelta(hours=2)

        def dst(self, dt: datetime | None) -> timedelta:
            return timedelta(0)

    assert steady_from(Fixed()) is None
    assert at_local(date(2026, 3, 1), time(9), Fixed()).utcoffset() == timedelta(hours=2)


def test_a_zone_read_from_a_file_without_a_name_is_always_checked() -> None:
    path = Path("/usr/share/zoneinfo/Asia/Shanghai")
    if not path.exists():
        pytest.skip("no system zone files here")
    with path.open("rb") as f:
        unnamed = ZoneInfo.from_file(f)
    assert steady_from(unnamed) is None


def test_the_first_steady_days_of_every_zone_have_no_gap_and_no_fold() -> None:
    """Right after a zone's last change, where a margin too small would show."""
    for name in ALL_ZONES:
        tz = ZoneInfo(name)
        steady = steady_from(tz)
        if steady is None or steady == date.min:
            continue
        for k in range(3):
            day = steady + timedelta(days=k)
            for minute in range(0, 24 * 60, 15):
                t = time(minute // 60, minute % 60)
                first = datetime.combine(day, t, tz)
                assert first.utcoffset() == datetime.combine(day, t.replace(fold=1), tz).utcoffset()
                assert first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == first.replace(
                    tzinfo=None
                ), (name, day, t)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(ALL_ZONES),
    st.integers(0, 3_000_000),
    st.times(),
)
def test_every_wall_time_on_a_steady_day_exists_once(name: str, days: int, t: time) -> None:
    tz = ZoneInfo(name)
    steady = steady_from(tz)
    assume(steady is not None)
    assert steady is not None
    assume(steady.toordinal() + days <= date.max.toordinal())
    day = date.fromordinal(steady.toordinal() + days)
    t = t.replace(fold=0)
    first = datetime.combine(day, t, tz)
    second = datetime.combine(day, t.replace(fold=1), tz)
    assert first.utcoffset() == second.utcoffset()  # no gap, no fold
    assert _same(at_local(day, t, tz), _full(day, t, tz))


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(ALL_ZONES) | st.sampled_from(MIXED),
    st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1), timezones=st.just(UTC)),
    st.integers(0, 800),
    st.sampled_from(("d", "w")),
    st.booleans(),
)
def test_days_and_weeks_after_are_what_the_full_check_says(
    name: str, start: datetime, n: int, unit: str, local_start: bool
) -> None:
    tz = ZoneInfo(name)
    if local_start:
        start = start.astimezone(tz)
    local = start.astimezone(tz)
    days = n * (7 if unit == "w" else 1)
    got = Duration(n, unit).after(start, tz)
    if n == 0:
        assert got is start
        return
    assert _same(got, _full(local.date() + timedelta(days), local.time(), tz))


@pytest.mark.parametrize("unit", ["d", "w"])
def test_the_last_days_of_the_calendar_overflow_the_same_way(unit: str) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    start = datetime(9999, 12, 30, 12, tzinfo=tz)
    assert Duration(1, "d").after(start, tz) == datetime(9999, 12, 31, 12, tzinfo=tz)
    with pytest.raises(OverflowError, match="out of range"):
        Duration(9, unit).after(start, tz)


def test_a_datetime_subclass_gets_a_plain_datetime_as_before() -> None:
    class Stamp(datetime):
        pass

    tz = ZoneInfo("Asia/Shanghai")
    start = Stamp(2026, 3, 1, 9, tzinfo=tz)
    got = Duration(2, "d").after(start, tz)
    assert type(got) is datetime
    assert got == datetime(2026, 3, 3, 9, tzinfo=tz)
