"""Durations: parsing, the meaning of each unit, bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overdue._time import at_local
from overdue.calendars import MON_FRI, WeekCalendar, is_quiet_day
from overdue.durations import (
    UNITS,
    Duration,
    as_duration,
    business_days,
    days,
    hours,
    minutes,
    months,
    weeks,
)
from overdue.errors import InvalidDurationError, NaiveDatetimeError

NY = ZoneInfo("America/New_York")
SH = ZoneInfo("Asia/Shanghai")


def elapsed(a: datetime, b: datetime) -> timedelta:
    """Real elapsed time (Python subtracts same-tzinfo datetimes by wall clock)."""
    return b.astimezone(UTC) - a.astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("30min", 30, "min"),
        ("12h", 12, "h"),
        ("7d", 7, "d"),
        ("2w", 2, "w"),
        ("1mo", 1, "mo"),
        ("3bd", 3, "bd"),
        ("0d", 0, "d"),
        (" 7d ", 7, "d"),
    ],
)
def test_parse(text: str, amount: int, unit: str) -> None:
    d = Duration.parse(text)
    assert d == Duration(amount, unit)
    assert str(d) == f"{amount}{unit}"


def test_parse_is_cached() -> None:
    assert Duration.parse("7d") is Duration.parse("7d")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("7 days", "7d"),
        ("2 weeks", "2w"),
        ("12 hours", "12h"),
        ("1 month", "1mo"),
        ("3 business days", "3bd"),
        ("7D", "7d"),
        ("-1d", None),
        ("1.5d", None),
        ("", None),
        ("d", None),
        ("7y", None),
    ],
)
def test_parse_refuses_with_hint(text: str, hint: str | None) -> None:
    with pytest.raises(InvalidDurationError) as info:
        Duration.parse(text)
    assert info.value.got == text
    assert "'7d'" in (info.value.expected or "")
    assert info.value.suggestion == hint
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [7, 7.0, None, b"7d"])
def test_parse_refuses_non_text(value: object) -> None:
    with pytest.raises(InvalidDurationError):
        Duration.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("amount", "unit"), [(-1, "d"), (True, "d"), (1.0, "d"), (1, "y")])
def test_constructor_validates(amount: object, unit: object) -> None:
    with pytest.raises(InvalidDurationError):
        Duration(amount, unit)  # type: ignore[arg-type]


def test_factories_and_as_duration() -> None:
    assert minutes(30) == Duration.parse("30min")
    assert hours(12) == Duration.parse("12h")
    assert days(7) == Duration.parse("7d")
    assert weeks(2) == Duration.parse("2w")
    assert months(1) == Duration.parse("1mo")
    assert business_days(3) == Duration.parse("3bd")
    d = days(1)
    assert as_duration(d) is d
    assert as_duration("1d") == d
    with pytest.raises(InvalidDurationError):
        as_duration(1)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(UNITS))
def test_str_parse_round_trip(amount: int, unit: str) -> None:
    d = Duration(amount, unit)
    assert Duration.parse(str(d)) == d


def test_is_zero() -> None:
    assert days(0).is_zero
    assert not days(1).is_zero


def test_add_requires_aware() -> None:
    with pytest.raises(NaiveDatetimeError):
        days(1).add_to(datetime(2025, 1, 1))


def test_zero_returns_start_unchanged() -> None:
    start = datetime(2025, 11, 2, 1, 30, fold=1, tzinfo=NY)
    for unit in UNITS:
        assert Duration(0, unit).add_to(start) is start


def test_day_across_spring_forward_keeps_wall_time() -> None:
    start = datetime(2025, 3, 8, 9, tzinfo=NY)
    one_day = days(1).add_to(start)
    assert one_day.astimezone(NY).replace(tzinfo=None) == datetime(2025, 3, 9, 9)
    assert elapsed(start, one_day) == timedelta(hours=23)
    twenty_four = hours(24).add_to(start)
    assert elapsed(start, twenty_four) == timedelta(hours=24)
    assert twenty_four.astimezone(NY).hour == 10


def test_day_landing_in_gap_moves_forward() -> None:
    start = datetime(2025, 3, 8, 2, 30, tzinfo=NY)
    got = days(1).add_to(start)
    assert got.astimezone(NY).replace(tzinfo=None) == datetime(2025, 3, 9, 3, 0)


def test_minutes_exact() -> None:
    start = datetime(2025, 11, 2, 1, 50, tzinfo=NY)  # first 01:50 (EDT)
    got = minutes(20).add_to(start)
    assert elapsed(start, got) == timedelta(minutes=20)
    assert got > start  # a fold=1 result in NY would compare as earlier (wall clock)
    assert got.astimezone(NY).replace(tzinfo=None) == datetime(2025, 11, 2, 1, 10)


def test_days_in_another_zone() -> None:
    start = datetime(2025, 1, 1, 20, tzinfo=UTC)  # 04:00 on Jan 2 in Shanghai
    got = days(1).add_to(start, tz=SH)
    assert got.astimezone(SH).replace(tzinfo=None) == datetime(2025, 1, 3, 4)


def test_weeks() -> None:
    start = datetime(2025, 3, 1, 9, tzinfo=NY)
    got = weeks(2).add_to(start)
    assert got.astimezone(NY).replace(tzinfo=None) == datetime(2025, 3, 15, 9)


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 1, 15), 3, date(2025, 4, 15)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
    ],
)
def test_months_month_end_safe(start: date, n: int, end: date) -> None:
    s = datetime(start.year, start.month, start.day, 9, tzinfo=SH)
    got = months(n).add_to(s)
    assert got.astimezone(SH).replace(tzinfo=None) == datetime(end.year, end.month, end.day, 9)


def test_business_days_default_mon_fri() -> None:
    friday = datetime(2025, 9, 26, 10, tzinfo=SH)
    got = business_days(3).add_to(friday)
    assert got.astimezone(SH).replace(tzinfo=None) == datetime(2025, 10, 1, 10)  # Wednesday


def test_business_days_with_calendar() -> None:
    cal = WeekCalendar(holidays={date(2025, 9, 29)}, workdays={date(2025, 9, 28)})
    friday = datetime(2025, 9, 26, 10, tzinfo=SH)
    got = business_days(2).add_to(friday, calendar=cal)
    assert got.astimezone(SH).date() == date(2025, 9, 30)


@pytest.mark.parametrize(
    ("d", "low", "high"),
    [
        (minutes(30), timedelta(minutes=30), timedelta(minutes=30)),
        (hours(12), timedelta(hours=12), timedelta(hours=12)),
        (days(7), timedelta(days=7), timedelta(days=7)),
        (weeks(2), timedelta(days=14), timedelta(days=14)),
        (months(2), timedelta(days=56), timedelta(days=62)),
        (business_days(0), timedelta(0), timedelta(0)),
        (business_days(5), timedelta(days=5), timedelta(days=7 + 2 + 14)),
    ],
)
def test_bounds(d: Duration, low: timedelta, high: timedelta) -> None:
    assert d.min_timedelta == low
    assert d.max_timedelta == high


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2040, 12, 31),
        timezones=st.just(SH),
    ),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(["d", "w", "mo", "bd"]),
)
def test_calendar_units_stay_within_bounds(start: datetime, n: int, unit: str) -> None:
    d = Duration(n, unit)
    spent = elapsed(start, d.add_to(start))
    assert d.min_timedelta <= spent <= d.max_timedelta  # Shanghai has no DST since 1991


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(SH)
    ),
    st.integers(min_value=1, max_value=30),
)
def test_business_day_result_is_business_day(start: datetime, n: int) -> None:
    got = business_days(n).add_to(start)
    assert not is_quiet_day(WeekCalendar(), got.date())
    assert got.time() == start.time()


def test_months_match_relativedelta_including_errors() -> None:
    """``mo`` is added by plain month arithmetic; it must say what ``relativedelta`` says,
    month-end clamping and leap days included, and fail the same way past the calendar."""
    from datetime import date as _date

    from dateutil.relativedelta import relativedelta

    from overdue.durations import _add_months

    def outcome(fn: object) -> object:
        try:
            return fn()  # type: ignore[operator]
        except (ValueError, OverflowError) as exc:
            return (type(exc).__name__, str(exc))

    days = [
        _date(1, 1, 1),
        _date(2023, 1, 31),
        _date(2024, 1, 31),
        _date(2024, 2, 29),
        _date(2024, 3, 31),
        _date(9999, 11, 30),
        _date(9999, 12, 31),
    ]
    for d in days:
        for n in (-13, -1, 0, 1, 2, 11, 12, 13, 25, 48, 1200, 99_999_999):
            want = outcome(lambda d=d, n=n: d + relativedelta(months=n))
            assert outcome(lambda d=d, n=n: _add_months(d, n)) == want, (d, n)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(("0d", "3d", "1w", "2mo", "13mo", "5bd", "4h", "90min")),
    st.integers(0, 60 * 24 * 3000),
    st.sampled_from(("America/New_York", "Europe/London", "Asia/Shanghai", "UTC")),
    st.sampled_from(("America/New_York", "Australia/Lord_Howe", "UTC")),
)
def test_after_is_add_to_for_an_aware_start_and_a_known_zone(
    text: str, minutes_: int, start_zone: str, zone_: str
) -> None:
    """``after`` (the engine's form, no check of ``start``) answers exactly as ``add_to``."""
    d = Duration.parse(text)
    start = (datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes_)).astimezone(
        ZoneInfo(start_zone)
    )
    tz = ZoneInfo(zone_)
    got = d.after(start, tz, MON_FRI)
    want = d.add_to(start, tz=tz, calendar=MON_FRI)
    assert got == want
    assert got.tzinfo is want.tzinfo
    assert d.after(start, cast(tzinfo, start.tzinfo)) == d.add_to(start)


_WALL_ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Shanghai", "UTC")


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_WALL_ZONES),
    st.integers(0, 60 * 24 * 800),
    st.integers(1, 40),
    st.sampled_from(("d", "w")),
    st.booleans(),
)
def test_days_after_is_the_wall_time_so_many_days_later(
    name: str, minutes: int, n: int, unit: str, local_start: bool
) -> None:
    """``Duration.after`` inlines ``at_local`` for days and weeks (issue 10): the same wall
    time ``n`` days later, through gaps (moved forward) and folds (the first occurrence)."""
    tz = ZoneInfo(name)
    start = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    if local_start:
        start = start.astimezone(tz)  # may carry fold=1 in a repeated hour
    d = Duration(n, unit)
    local = start.astimezone(tz)
    step = timedelta(days=n * (7 if unit == "w" else 1))
    want = at_local(local.date() + step, local.time(), tz)
    got = d.after(start, tz)
    assert got == want
    assert got.utcoffset() == want.utcoffset()
    assert (got.replace(tzinfo=None), got.fold) == (want.replace(tzinfo=None), want.fold)
