"""Year 1 and 9999 (issue 10, item 7): a library error or a sensible decision, never OverflowError.

Before: a sentinel due date of 9999-12-31, a duration such as ``"99999999d"`` that a policy
accepts, or a decision made near the ends of the calendar raised Python's ``OverflowError`` or
``ValueError`` from inside the engine.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, fold, timeline
from overdue.durations import as_duration
from overdue.errors import CalendarRangeError, OverdueError
from overdue.events import ContactAttempted
from overdue.policy import Policy, Stage, Step

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 1, tzinfo=SH)
POINTS = (ContactPoint("sms", "+8613800000000"),)


def _acct(due: date) -> Account:
    return Account(
        "Y-1",
        timezone="Asia/Shanghai",
        contacts=POINTS,
        invoices=(Invoice("I", Money("5.00", "CNY"), due),),
    )


def test_a_sentinel_due_date_is_current_and_waits_for_an_invoice() -> None:
    d = decide(REFERENCE_POLICY, _acct(date(9999, 12, 31)), NOW)
    assert d.status == "current"
    assert d.wake_at is None
    assert d.waiting_for == ("invoice",)


@pytest.mark.parametrize("due", [date(9999, 12, 31), date(9999, 12, 30), date(1, 1, 1)])
@pytest.mark.parametrize(
    "now", [NOW, datetime(9999, 12, 31, 20, tzinfo=SH), datetime(1, 1, 2, 12, tzinfo=SH)]
)
def test_dates_at_the_ends_decide_or_raise_a_located_library_error(
    due: date, now: datetime
) -> None:
    error: OverdueError | None = None
    try:
        decide(REFERENCE_POLICY, _acct(due), now)
    except OverdueError as exc:  # any other exception fails the test
        error = exc
    if error is not None:
        assert isinstance(error, CalendarRangeError)
        assert error.account_id == "Y-1"
        assert "calendar" in str(error)


@pytest.mark.parametrize("text", ["99999999d", "99999mo", "9999999w"])
def test_a_huge_duration_gives_a_library_error_naming_the_account(text: str) -> None:
    dur = as_duration(text)
    policy = Policy(
        "huge",
        stages=(Stage("s", steps=(Step("sms", template="t", at=dur),), deadline=dur),),
        currency="CNY",
    )
    acct = _acct(date(2026, 1, 1))
    with pytest.raises(CalendarRangeError) as info:
        decide(policy, acct, NOW)
    assert info.value.account_id == "Y-1"
    with pytest.raises(CalendarRangeError):
        timeline(policy, acct, NOW, NOW + timedelta(days=30))


def test_an_event_in_year_one_that_utc_cannot_hold_folds_or_is_located() -> None:
    early = ContactAttempted(at=datetime(1, 1, 1, 2, tzinfo=SH), channel="sms", outcome="delivered")
    acct = _acct(date(2026, 1, 1)).with_events(early)
    assert len(fold(acct).contacts) == 1  # kept as a fact; nothing here needs its UTC time
    error: OverdueError | None = None
    try:
        decide(REFERENCE_POLICY, acct, NOW)
    except OverdueError as exc:  # any other exception fails the test
        error = exc
    if error is not None:
        assert isinstance(error, CalendarRangeError)
        assert error.account_id == "Y-1"
