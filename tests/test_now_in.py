"""``overdue._time.now_in``: the debtor's wall clock of ``now``, kept per zone for the last
``now`` asked, is ``now.astimezone(tz)`` and its date, whatever was asked before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from overdue import _time
from overdue._time import now_in

ZONES = ("America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Sydney", "UTC")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.datetimes(
                min_value=datetime(1900, 1, 2),
                max_value=datetime(2200, 1, 1),
                timezones=st.just(UTC),
            ),
            st.sampled_from(ZONES),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_now_in_is_the_conversion(asks: list[tuple[datetime, str, bool]]) -> None:
    """Asked in any order, again with the very ``now`` or with an equal one: the same values
    as a conversion of its own."""
    last: datetime | None = None
    for now, name, again in asks:
        if again and last is not None:
            now = last  # the same object again: the kept entry answers
        tz = ZoneInfo(name)
        held, zone, local, day = now_in(now, tz)
        want = now.astimezone(tz)
        assert held is now
        assert zone is tz
        assert local == want
        assert local.tzinfo is want.tzinfo
        assert local.fold == want.fold
        assert local.replace(tzinfo=None) == want.replace(tzinfo=None)
        assert day == want.date()
        last = now


def test_an_equal_now_is_converted_anew() -> None:
    """Keyed on identity: an equal ``now`` in another zone is not given the first's clock."""
    tz = ZoneInfo("Europe/London")
    a = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    b = a.astimezone(timezone(timedelta(hours=5)))  # the same instant, another object
    la = now_in(a, tz)[2]
    lb = now_in(b, tz)[2]
    assert la == lb == a.astimezone(tz)
    assert _time._NOW_IN[tz][0] is b


class _Unhashable(tzinfo):
    __hash__ = None  # type: ignore[assignment]

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=2)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "X"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unhashable)


def test_an_unhashable_zone_is_converted_not_kept() -> None:
    tz = _Unhashable()
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    held, _, local, day = now_in(now, tz)
    assert held is now
    assert local == now.astimezone(tz)
    assert day == local.date()
    assert local.hour == 14


def test_equal_zones_of_other_names_are_not_confused() -> None:
    """Two fixed-offset zones of one offset are equal keys: each gets a clock of its own."""
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    one, other = timezone(timedelta(hours=3), "A"), timezone(timedelta(hours=3), "B")
    assert now_in(now, one)[2].tzname() == "A"
    assert now_in(now, other)[2].tzname() == "B"
    assert now_in(now, one)[2].tzinfo is one


def test_the_zones_kept_are_bounded() -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for minutes in range(_time._ZONES_KEPT + 5):
        now_in(now, timezone(timedelta(minutes=minutes - 700)))
    assert len(_time._NOW_IN) <= _time._ZONES_KEPT
