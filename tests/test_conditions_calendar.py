"""Ages as durations (issue 18): months, business days and the end-of-month anchor.

The documented calendar semantics, checked here: an age is added to the due date as a local
date (``mo`` clamps to the month's last day: 31 January + 1 month = 28 February, 29 in a leap
year); ``anchor = "end_of_month"`` moves the threshold to the last day of its month; the
condition holds from local midnight of the threshold date.  Thresholds are monotonic: a later
due date or a longer age never gives an earlier threshold, and once the condition holds, time
alone never makes it false.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overdue import Account, Invoice, Money, fold
from overdue.calendars import MON_FRI
from overdue.conditions import (
    DaysOverdueAtLeast,
    OverdueFor,
    end_of_month,
    overdue_for,
)
from overdue.durations import Duration
from overdue.errors import InvalidDurationError, PolicyError
from overdue.situation import Situation, days_overdue

SH = ZoneInfo("Asia/Shanghai")

dues = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
ages = st.builds(
    Duration, st.integers(min_value=0, max_value=400), st.sampled_from(["d", "w", "mo", "bd"])
)
anchors = st.sampled_from(["due", "end_of_month"])


def situation(due: date, local: date) -> Situation:
    account = Account(
        "C-1", timezone="Asia/Shanghai", invoices=(Invoice("I", Money("10", "CNY"), due),)
    )
    now = datetime(local.year, local.month, local.day, 12, tzinfo=SH)
    snap = fold(account, now)
    return Situation(
        account, snap, now, SH, "account", MON_FRI, local, days_overdue(snap, local), snap.balance
    )


@pytest.mark.parametrize(
    ("due", "age", "expected"),
    [
        (date(2026, 1, 31), "1mo", date(2026, 2, 28)),  # clamped to the month's last day
        (date(2028, 1, 31), "1mo", date(2028, 2, 29)),  # a leap year
        (date(2026, 1, 30), "1mo", date(2026, 2, 28)),  # two due dates, one threshold
        (date(2026, 3, 31), "1mo", date(2026, 4, 30)),
        (date(2026, 1, 31), "2mo", date(2026, 3, 31)),  # from the due date, not month by month
        (date(2025, 12, 31), "2mo", date(2026, 2, 28)),
        (date(2026, 1, 10), "2w", date(2026, 1, 24)),
        (date(2026, 1, 9), "3bd", date(2026, 1, 14)),  # Friday + 3 business days (Mon-Fri)
    ],
)
def test_the_documented_threshold_dates(due: date, age: str, expected: date) -> None:
    assert overdue_for(age).threshold(due) == expected


@pytest.mark.parametrize(
    ("due", "age", "expected"),
    [
        (date(2024, 12, 15), "45d", date(2025, 1, 31)),  # 12-15 + 45 days = 01-29: end of Jan
        (date(2024, 12, 1), "30d", date(2024, 12, 31)),  # 12-31 is a month end already
        (date(2024, 11, 30), "1mo", date(2024, 12, 31)),  # 12-30: the end of December
        (date(2026, 1, 31), "0d", date(2026, 1, 31)),
    ],
)
def test_end_of_month_anchor(due: date, age: str, expected: date) -> None:
    assert overdue_for(age, anchor="end_of_month").threshold(due) == expected


def test_holds_from_local_midnight_of_the_threshold_date() -> None:
    cond = overdue_for("1mo")
    before = situation(date(2026, 1, 31), date(2026, 2, 27))
    assert not cond.holds(before)
    assert cond.holds_from(before) == datetime(2026, 2, 28, tzinfo=SH)
    assert cond.holds(situation(date(2026, 1, 31), date(2026, 2, 28)))
    assert cond.describe() == "overdue for 1mo"
    assert overdue_for("45d", anchor="end_of_month").describe() == "overdue for 45d, end of month"


def test_ages_refuse_hours_and_unknown_anchors() -> None:
    with pytest.raises(PolicyError, match="calendar dates"):
        overdue_for("12h")
    with pytest.raises(ValueError, match="anchor"):
        OverdueFor(Duration(1, "mo"), anchor="eom")  # type: ignore[arg-type]
    with pytest.raises(InvalidDurationError):
        Duration(2, "h").add_to_date(date(2026, 1, 1))


@given(dues, dues, ages, anchors)
def test_a_later_due_date_never_gives_an_earlier_threshold(
    d1: date, d2: date, age: Duration, anchor: str
) -> None:
    first, second = sorted((d1, d2))
    cond = OverdueFor(age, anchor=anchor)  # type: ignore[arg-type]
    assert cond.threshold(first) <= cond.threshold(second)


@given(dues, st.integers(0, 300), st.integers(0, 300), st.sampled_from(["d", "w", "mo", "bd"]))
def test_a_longer_age_never_gives_an_earlier_threshold(
    due: date, n1: int, n2: int, unit: str
) -> None:
    short, long_ = sorted((n1, n2))
    for anchor in ("due", "end_of_month"):
        a = OverdueFor(Duration(short, unit), anchor=anchor)  # type: ignore[arg-type]
        b = OverdueFor(Duration(long_, unit), anchor=anchor)  # type: ignore[arg-type]
        assert due <= a.threshold(due) <= b.threshold(due)


@given(dues, ages)
def test_the_end_of_month_anchor_only_moves_within_the_month(due: date, age: Duration) -> None:
    plain = OverdueFor(age).threshold(due)
    anchored = OverdueFor(age, anchor="end_of_month").threshold(due)
    assert anchored == end_of_month(plain)
    assert plain <= anchored < plain + timedelta(days=31)
    assert (anchored + timedelta(days=1)).day == 1


@given(dues, st.integers(0, 200), st.integers(0, 400), st.integers(0, 400), ages, anchors)
def test_once_it_holds_time_alone_never_makes_it_false(
    due: date, n: int, k1: int, k2: int, age: Duration, anchor: str
) -> None:
    cond = OverdueFor(age, anchor=anchor)  # type: ignore[arg-type]
    early, late = sorted((k1, k2))
    if cond.holds(situation(due, due + timedelta(days=early))):
        assert cond.holds(situation(due, due + timedelta(days=late)))
    # Days are the same as days_overdue_at_least, day by day.
    s = situation(due, due + timedelta(days=early))
    assert OverdueFor(Duration(n, "d")).holds(s) == DaysOverdueAtLeast(n).holds(s)


@given(dues, st.integers(1, 120), ages, anchors)
def test_holds_from_is_the_first_moment_it_holds(
    due: date, k: int, age: Duration, anchor: str
) -> None:
    cond = OverdueFor(age, anchor=anchor)  # type: ignore[arg-type]
    s = situation(due, due + timedelta(days=k))
    when = cond.holds_from(s)
    assert when is not None
    if when == s.now:
        assert cond.holds(s)
        return
    day = when.astimezone(SH).date()
    assert when == datetime(day.year, day.month, day.day, tzinfo=SH)
    assert cond.holds(situation(due, day))
    assert not cond.holds(situation(due, day - timedelta(days=1)))
