"""Business calendars: WeekCalendar, the holidays adapter, coverage refusal."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overdue.calendars import (
    MON_FRI,
    BusinessCalendar,
    HolidaysCalendar,
    WeekCalendar,
    add_business_days,
    is_quiet_day,
    next_business_day,
)
from overdue.errors import MissingCalendarDataError, PolicyError

FRI = date(2025, 9, 26)


def test_mon_fri() -> None:
    assert MON_FRI.name == "mon-fri"
    assert MON_FRI.is_business_day(FRI)
    assert not MON_FRI.is_business_day(date(2025, 9, 27))
    assert is_quiet_day(MON_FRI, date(2025, 9, 28))
    assert isinstance(MON_FRI, BusinessCalendar)


def test_add_business_days_mon_fri() -> None:
    assert add_business_days(MON_FRI, FRI, 0) == FRI
    assert add_business_days(MON_FRI, FRI, 1) == date(2025, 9, 29)
    assert add_business_days(MON_FRI, FRI, 3) == date(2025, 10, 1)
    assert add_business_days(MON_FRI, date(2025, 9, 27), 1) == date(2025, 9, 29)


def test_next_business_day() -> None:
    assert next_business_day(MON_FRI, FRI) == FRI
    assert next_business_day(MON_FRI, date(2025, 9, 27)) == date(2025, 9, 29)


def test_week_calendar_holidays_and_workdays() -> None:
    cal = WeekCalendar(
        name="cn-2025",
        holidays=[date(2025, 10, d) for d in range(1, 9)],
        workdays=[date(2025, 9, 28), date(2025, 10, 11)],
    )
    assert cal.is_business_day(date(2025, 9, 28))  # Sunday, make-up day
    assert not cal.is_business_day(date(2025, 10, 1))
    assert add_business_days(cal, FRI, 3) == date(2025, 9, 30)
    assert next_business_day(cal, date(2025, 10, 1)) == date(2025, 10, 9)
    assert isinstance(cal.holidays, frozenset)


def test_workday_wins_over_holiday() -> None:
    d = date(2025, 9, 28)
    assert WeekCalendar(holidays={d}, workdays={d}).is_business_day(d)


def test_custom_weekend() -> None:
    cal = WeekCalendar(name="sun-thu", weekend={4, 5})  # Friday, Saturday
    assert not cal.is_business_day(FRI)
    assert cal.is_business_day(date(2025, 9, 28))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weekend": {7}},
        {"weekend": {True}},
        {"weekend": "56"},
        {"holidays": [datetime(2025, 1, 1)]},
        {"holidays": ["2025-01-01"]},
        {"workdays": 5},
    ],
)
def test_week_calendar_validates(kwargs: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        WeekCalendar(**kwargs)  # type: ignore[arg-type]


def test_broken_calendar_is_refused_not_looped() -> None:
    never = WeekCalendar(name="never", weekend=range(7))
    with pytest.raises(PolicyError, match="no business day"):
        add_business_days(never, FRI, 1)
    with pytest.raises(PolicyError, match="no business day"):
        next_business_day(never, FRI)


@pytest.mark.parametrize("n", [-1, True, 1.0])
def test_add_business_days_refuses_bad_n(n: object) -> None:
    with pytest.raises(PolicyError):
        add_business_days(MON_FRI, FRI, n)  # type: ignore[arg-type]


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(min_value=0, max_value=60),
    st.frozensets(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 6, 1)), max_size=30),
)
def test_add_business_days_invariants(d: date, n: int, holidays: frozenset[date]) -> None:
    cal = WeekCalendar(holidays=holidays)
    got = add_business_days(cal, d, n)
    assert got >= d
    if n:
        assert cal.is_business_day(got)
        span = [d + timedelta(days=i) for i in range(1, (got - d).days + 1)]
        assert sum(cal.is_business_day(x) for x in span) == n
    nxt = next_business_day(cal, d)
    assert cal.is_business_day(nxt)
    assert nxt >= d


# ------------------------------------------------------------------ holidays adapter


def test_china_make_up_day() -> None:
    cn = HolidaysCalendar("CN")
    assert cn.name == "holidays:CN"
    assert isinstance(cn, BusinessCalendar)
    assert cn.is_business_day(date(2025, 9, 28))  # Sunday make-up working day
    assert not cn.is_business_day(date(2025, 10, 1))  # National Day
    assert not cn.is_business_day(date(2025, 9, 27))  # ordinary Saturday
    assert add_business_days(cn, FRI, 3) == date(2025, 9, 30)
    assert next_business_day(cn, date(2025, 10, 1)) == date(2025, 10, 9)


def test_us_federal() -> None:
    us = HolidaysCalendar("US")
    assert not us.is_business_day(date(2025, 7, 4))
    assert us.is_business_day(date(2025, 7, 3))
    assert HolidaysCalendar("US", subdiv="CA").name == "holidays:US-CA"


def test_missing_year_refused() -> None:
    cn = HolidaysCalendar("CN")
    first, last = cn.covered
    assert first <= 2025 <= last
    with pytest.raises(MissingCalendarDataError) as info:
        cn.is_business_day(date(2200, 1, 1))
    message = str(info.value)
    assert "holidays:CN" in message
    assert "2200" in message
    assert f"{first}-{last}" in message
    assert isinstance(info.value, LookupError)


def test_explicit_years_narrow_coverage() -> None:
    cn = HolidaysCalendar("CN", years=(2024, 2025))
    assert cn.covered == (2024, 2025)
    with pytest.raises(MissingCalendarDataError):
        cn.is_business_day(date(2026, 1, 5))
    with pytest.raises(PolicyError):
        HolidaysCalendar("CN", years=(2026, 2025))


def test_weekends_only_falls_back_to_weekends() -> None:
    cn = HolidaysCalendar("CN", years=(2024, 2025), on_missing_year="weekends_only")
    assert cn.is_business_day(date(2026, 10, 1))  # a holiday, but 2026 is not covered
    assert not cn.is_business_day(date(2026, 10, 3))  # Saturday
    assert not cn.is_business_day(date(2025, 10, 1))  # covered years still use the data


def test_unknown_country_and_subdivision() -> None:
    with pytest.raises(MissingCalendarDataError) as info:
        HolidaysCalendar("CNN")
    assert info.value.suggestion == "CN"
    with pytest.raises(MissingCalendarDataError):
        HolidaysCalendar("US", subdiv="ZZ")
    with pytest.raises(MissingCalendarDataError):
        HolidaysCalendar("")


def test_equal_calendars_compare_equal() -> None:
    a, b = HolidaysCalendar("CN"), HolidaysCalendar("CN")
    a.is_business_day(FRI)  # fills a's cache only
    assert a == b
    assert hash(a) == hash(b)


def test_missing_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from overdue import calendars

    monkeypatch.setitem(sys.modules, "holidays", None)
    calendars._country_info.cache_clear()
    try:
        hint = r'pip install "overdue-policy\[holidays\]"'
        with pytest.raises(MissingCalendarDataError, match=hint):
            HolidaysCalendar("DE")
    finally:
        calendars._country_info.cache_clear()
