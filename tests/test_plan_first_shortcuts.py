"""The first decision's shortcuts of a planned account say what their general forms say.

The scheduler's lane compares a deferred moment with the policy's horizon only near its end
(``schedule._sure``); contact hours state a deferral's weekday, wall clock and window without
``datetime.__format__`` (``hours._clock``, ``hours._window_text``); a deferral's opening is not
taken through UTC and back on a day no offset change comes near.  Each is held here to the
general form, at moments around daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from overdue.durations import Duration
from overdue.engine.schedule import _sure
from overdue.rules.hours import _clock, _window_text

ZONES = ("America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe", "UTC")
# Around the spring and autumn changes of New York and London, and at random.
NOWS = st.sampled_from(
    (
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 59, tzinfo=UTC),
        datetime(2026, 11, 1, 5, 0, tzinfo=UTC),
    )
) | st.datetimes(datetime(1990, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC))


@settings(max_examples=1000, deadline=None)
@given(
    st.integers(0, 400),
    st.sampled_from(("d", "w", "mo", "bd", "h", "min")),
    st.sampled_from(ZONES),
    NOWS,
    st.integers(-180, 180) | st.integers(-60 * 24 * 12, 60 * 24 * 2),  # near the end, or not
    st.booleans(),
    st.booleans(),
)
def test_a_moment_below_the_sure_bound_is_never_after_the_horizon(
    amount: int, unit: str, name: str, now: datetime, minutes: int, local: bool, local_now: bool
) -> None:
    """``_sure``: a moment (in the debtor's zone or in UTC) whose instant is below the bound
    is not after the horizon's end, compared as the lane compares it (``t > horizon_end``)."""
    horizon = Duration(amount, unit)
    tz = ZoneInfo(name)
    if local_now:
        now = now.astimezone(tz)
    end = horizon.add_to(now, tz=tz)
    t = end.astimezone(UTC) + timedelta(minutes=minutes)  # around the end, mostly before it
    if local:
        t = t.astimezone(tz)
    if t.astimezone(UTC) < _sure(horizon, now):
        assert not t > end


def test_no_bound_is_kept_for_a_short_or_long_horizon_or_late_years() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert _sure(Duration(4, "d"), now) == datetime.min.replace(tzinfo=UTC)
    assert _sure(Duration(53, "w"), now) == datetime.min.replace(tzinfo=UTC)
    assert _sure(Duration(90, "d"), datetime(9998, 1, 1, tzinfo=UTC)) == datetime.min.replace(
        tzinfo=UTC
    )
    assert _sure(Duration(90, "d"), now) == now + timedelta(days=85)


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30), timezones=st.just(UTC)),
    st.sampled_from(ZONES),
)
def test_the_clock_a_deferral_states_is_the_formatted_one(at: datetime, name: str) -> None:
    local = at.astimezone(ZoneInfo(name))
    assert _clock(local) == f"{local:%a %H:%M}"


@given(st.times(), st.times())
def test_a_window_is_stated_as_formatted(start: time, end: time) -> None:
    assert _window_text((start, end)) == f"{start:%H:%M}-{end:%H:%M}"
    assert _window_text((start, end)) == f"{start:%H:%M}-{end:%H:%M}"  # kept
