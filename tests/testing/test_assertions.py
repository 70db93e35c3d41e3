"""assert_timeline passes on the projected schedule and explains each difference in words."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money
from overdue.testing import TimelineMismatchError, assert_timeline

START = datetime(2026, 1, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ACCOUNT = Account(
    "A-1",
    timezone="Asia/Shanghai",
    contacts=[
        ContactPoint("sms", "+8613800000000"),
        ContactPoint("phone", "+8613800000001"),
        ContactPoint("email", "a@example.com"),
        ContactPoint("letter", "1 Road"),
    ],
    invoices=[Invoice("I-1", Money("1200.00", "CNY"), date(2026, 1, 10))],
)
UNTIL = START + timedelta(days=60)


def test_matching_expectations_pass_and_return_what_happened() -> None:
    happened = assert_timeline(
        REFERENCE_POLICY,
        ACCOUNT,
        START,
        UNTIL,
        expected=[
            ("day 1", "sms", "reminder.sms"),
            ("day 30", "letter", "letter.lawyer"),
            ("day 30", "enters", "lawyer_letter"),
            (date(2026, 1, 11), "in_app", "reminder.in_app"),
        ],
    )
    assert any(h.template == "letter.lawyer" for h in happened)


def test_a_contact_on_another_day_says_when_it_came_and_why() -> None:
    with pytest.raises(TimelineMismatchError) as info:
        assert_timeline(
            REFERENCE_POLICY,
            ACCOUNT,
            START,
            UNTIL,
            expected=[("day 31", "letter", "letter.lawyer")],
        )
    (line,) = info.value.problems
    assert line.startswith("expected letter 'letter.lawyer' on day 31, got ")
    assert "letter 'letter.lawyer' came on day 30" in line


def test_a_deferred_contact_names_the_rule() -> None:
    with pytest.raises(TimelineMismatchError) as info:
        assert_timeline(
            REFERENCE_POLICY, ACCOUNT, START, UNTIL, expected=[("day 10", "phone", "call.polite")]
        )
    assert "deferred by" in str(info.value) or "came on day" in str(info.value)


def test_a_rung_never_reached_says_what_it_waits_for() -> None:
    with pytest.raises(TimelineMismatchError) as info:
        assert_timeline(
            REFERENCE_POLICY, ACCOUNT, START, UNTIL, expected=[("day 50", "enters", "litigation")]
        )
    assert "never came" in str(info.value)
    assert "legal_review" in str(info.value)


def test_exact_reports_unexpected_contacts() -> None:
    with pytest.raises(TimelineMismatchError, match=r"unexpected sms 'reminder\.sms' on day 1"):
        assert_timeline(
            REFERENCE_POLICY, ACCOUNT, START, START + timedelta(days=2), expected=[], exact=True
        )


def test_a_bad_day_label_is_refused() -> None:
    with pytest.raises(ValueError, match="'day N'"):
        assert_timeline(
            REFERENCE_POLICY, ACCOUNT, START, UNTIL, expected=[("tomorrow", "sms", "x")]
        )
