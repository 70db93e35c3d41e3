"""Aware-only time helpers and the DST rules of ``at_local``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overdue._time import at_local, local_midnight, require_aware, to_local, zone
from overdue.errors import NaiveDatetimeError, OverdueError, UnknownTimeZoneError

NY = ZoneInfo("America/New_York")


def test_require_aware_returns_aware_value() -> None:
    dt = datetime(2025, 1, 1, tzinfo=UTC)
    assert require_aware(dt) is dt


def test_require_aware_refuses_naive_with_zone_hint() -> None:
    with pytest.raises(NaiveDatetimeError, match="tzinfo=ZoneInfo") as info:
        require_aware(datetime(2025, 1, 1), "event.at")
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, OverdueError)
    assert "event.at" in str(info.value)
    assert info.value.expected == "an aware datetime"


@pytest.mark.parametrize("value", [date(2025, 1, 1), "2025-01-01T00:00Z", 0, None])
def test_require_aware_refuses_non_datetimes(value: object) -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        require_aware(value)
    assert info.value.got == value


def test_zone_is_cached_and_named() -> None:
    assert zone("Asia/Shanghai") is zone("Asia/Shanghai")
    assert zone("UTC").key == "UTC"


def test_unknown_zone_suggests() -> None:
    with pytest.raises(UnknownTimeZoneError) as info:
        zone("Asia/Shangai")
    assert info.value.suggestion == "Asia/Shanghai"
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize("name", ["", "../etc/passwd", "Not/AZone", 42])
def test_bad_zone_names(name: object) -> None:
    with pytest.raises(UnknownTimeZoneError):
        zone(name)  # type: ignore[arg-type]


def test_at_local_plain() -> None:
    got = at_local(date(2025, 6, 1), time(9), NY)
    assert got == datetime(2025, 6, 1, 13, tzinfo=UTC)


def test_at_local_gap_moves_to_end_of_gap() -> None:
    got = at_local(date(2025, 3, 9), time(2, 30), NY)
    assert got == datetime(2025, 3, 9, 7, tzinfo=UTC)  # 03:00 EDT
    assert got.astimezone(NY).time() == time(3)
    assert at_local(date(2025, 3, 9), time(2), NY) == got


def test_at_local_just_before_gap_is_untouched() -> None:
    got = at_local(date(2025, 3, 9), time(1, 59, 59), NY)
    assert got.astimezone(NY).replace(tzinfo=None) == datetime(2025, 3, 9, 1, 59, 59)


def test_at_local_ambiguous_takes_first_occurrence() -> None:
    got = at_local(date(2025, 11, 2), time(1, 30), NY)
    # (PEP 495: an ambiguous time never compares == across zones, so compare in UTC.)
    assert got.astimezone(UTC) == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # EDT, not EST
    assert got.fold == 0


def test_at_local_ignores_fold_and_tz_on_time() -> None:
    t = time(1, 30, fold=1, tzinfo=UTC)
    got = at_local(date(2025, 11, 2), t, NY)
    assert got.astimezone(UTC) == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)


def test_at_local_skipped_day() -> None:
    # Samoa skipped 30 December 2011 entirely.
    got = at_local(date(2011, 12, 30), time(12), ZoneInfo("Pacific/Apia"))
    assert got.astimezone(ZoneInfo("Pacific/Apia")).replace(tzinfo=None) == datetime(2011, 12, 31)


def test_local_midnight_in_a_midnight_gap() -> None:
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    got = local_midnight(date(2018, 11, 4), sao_paulo)
    assert got.astimezone(sao_paulo).time() == time(1)
    assert local_midnight(date(2025, 1, 1), UTC) == datetime(2025, 1, 1, tzinfo=UTC)


def test_fixed_offsets() -> None:
    tz = timezone(timedelta(hours=8))
    assert at_local(date(2025, 1, 1), time(9), tz) == datetime(2025, 1, 1, 1, tzinfo=UTC)


def test_to_local_keeps_instant() -> None:
    dt = datetime(2025, 1, 1, 12, tzinfo=UTC)
    local = to_local(dt, NY)
    assert local == dt
    assert local.hour == 7


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
    st.times(),
    st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Tehran"]),
)
def test_at_local_never_earlier_than_wall_time(d: date, t: time, name: str) -> None:
    tz = zone(name)
    got = at_local(d, t, tz)
    wall = got.astimezone(tz).replace(tzinfo=None)
    naive = datetime.combine(d, t)
    assert wall >= naive
    # It only moves when the wall time does not exist, and then by less than a DST step.
    assert wall - naive <= timedelta(hours=1)
