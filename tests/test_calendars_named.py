"""The named business calendars: China with make-up working days, US federal, England and Wales."""

from __future__ import annotations

from datetime import date

import pytest

from overdue.calendars import (
    ANNUAL_NOTICE_COUNTRIES,
    HolidaysCalendar,
    add_business_days,
    china_calendar,
    england_wales_calendar,
    next_business_day,
    us_federal_calendar,
)
from overdue.config import dumps_policy, loads_policy
from overdue.errors import MissingCalendarDataError, PolicyError

FRI = date(2025, 9, 26)


def test_china_three_working_days_from_friday_2025_09_26_end_tuesday_2025_09_30() -> None:
    cn = china_calendar()
    # Sat 27 off; Sun 28 is a make-up working day (调休); Mon 29; Tue 30.
    assert add_business_days(cn, FRI, 3) == date(2025, 9, 30)
    assert cn.is_business_day(date(2025, 9, 28))
    assert not cn.is_business_day(date(2025, 9, 27))


@pytest.mark.parametrize(
    "day",
    [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)],
)
def test_china_2025_make_up_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert china_calendar().is_business_day(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)],
)
def test_china_2026_make_up_working_days(day: date) -> None:
    assert china_calendar().is_business_day(day)


def test_china_national_day_break_2025() -> None:
    cn = china_calendar()
    assert not any(cn.is_business_day(date(2025, 10, d)) for d in range(1, 9))
    assert next_business_day(cn, date(2025, 10, 1)) == date(2025, 10, 9)


def test_china_refuses_a_year_without_a_notice() -> None:
    cn = china_calendar()
    assert "CN" in ANNUAL_NOTICE_COUNTRIES
    first, last = cn.covered
    assert first <= 2025 <= 2026 <= last
    with pytest.raises(MissingCalendarDataError) as info:
        cn.is_business_day(date(last + 1, 10, 8))
    assert str(last + 1) in str(info.value)
    assert info.value.suggestion is not None
    assert "on_missing_year" in info.value.suggestion
    assert not cn.covers(last + 1)


def test_china_estimate_for_an_unpublished_year_keeps_holidays_and_weekends() -> None:
    cn = china_calendar(on_missing_year="estimate")
    last = cn.covered[1]
    new_year = date(last + 1, 1, 1)
    assert not cn.is_business_day(new_year)  # New Year's Day, estimated
    oct_1 = date(last + 1, 10, 1)
    assert not cn.is_business_day(oct_1)  # National Day, estimated


def test_weekends_only_and_estimate_differ_on_a_holiday() -> None:
    last = china_calendar().covered[1]
    oct_1 = date(last + 1, 10, 1)
    weekday_oct_1 = oct_1.weekday() < 5
    assert china_calendar(on_missing_year="weekends_only").is_business_day(oct_1) is weekday_oct_1
    assert not china_calendar(on_missing_year="estimate").is_business_day(oct_1)


def test_on_missing_year_is_validated() -> None:
    with pytest.raises(PolicyError) as info:
        HolidaysCalendar("CN", on_missing_year="pessimistic")  # type: ignore[arg-type]
    assert "refuse" in str(info.value)


def test_us_federal_holidays_and_observed_days() -> None:
    us = us_federal_calendar()
    assert not us.is_business_day(date(2025, 7, 4))  # Independence Day, Friday
    assert not us.is_business_day(date(2026, 7, 3))  # observed: 4 July 2026 is a Saturday
    assert not us.is_business_day(date(2025, 11, 27))  # Thanksgiving
    assert us.is_business_day(date(2025, 11, 28))
    # 5 business days after Wednesday 2025-11-26: Thanksgiving and the weekend skipped.
    assert add_business_days(us, date(2025, 11, 26), 5) == date(2025, 12, 4)


def test_england_wales_bank_holidays() -> None:
    ew = england_wales_calendar()
    assert ew.name == "holidays:GB-ENG"
    assert not ew.is_business_day(date(2025, 8, 25))  # Late Summer Bank Holiday
    assert not ew.is_business_day(date(2025, 12, 26))  # Boxing Day
    assert add_business_days(ew, date(2025, 12, 24), 1) == date(2025, 12, 29)


def test_holidays_calendar_loads_from_a_policy_file_and_round_trips() -> None:
    text = """
schema = "overdue.policy/1"
id = "cn"
assumed_zone = "Asia/Shanghai"
calendar = { kind = "holidays", country = "CN", on_missing_year = "estimate" }

[[stages]]
id = "reminder"
steps = [{ channel = "sms", template = "t" }]
"""
    policy = loads_policy(text)
    assert policy.calendar == china_calendar(on_missing_year="estimate")
    assert add_business_days(policy.calendar, FRI, 3) == date(2025, 9, 30)
    again = loads_policy(dumps_policy(policy))
    assert again.calendar == policy.calendar
