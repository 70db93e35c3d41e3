"""ValidationPeriod: no collection until the period after the notice's assumed receipt has run.

US scenario (Regulation F, 12 CFR 1006.34): the debtor lives in America/New_York; receipt is
assumed 5 business days after sending, Saturdays, Sundays and federal holidays excluded.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.calendars import us_federal_calendar
from overdue.config import dumps_policy, loads_policy
from overdue.errors import MissingCalendarDataError
from overdue.events import ContactAttempted, FactSet, StageEntered
from overdue.rules import BUILTIN_RULES, Citation, ValidationPeriod

NY = ZoneInfo("America/New_York")

RULE = ValidationPeriod(
    "reg_f_validation",
    notice="contacted:validation_notice",
    period="30d",
    receipt_after="5bd",
    citation=Citation("12 CFR 1006.34", "(a)(1), (b)(5)", mark="S"),
)


def _policy(rule: ValidationPeriod = RULE, calendar: object = None) -> Policy:
    return Policy(
        "us",
        stages=(
            Stage(
                "collection",
                steps=(
                    Step("letter", template="validation_notice"),
                    Step("phone", template="call.collect"),
                ),
            ),
        ),
        rules=(rule,),
        calendar=calendar if calendar is not None else us_federal_calendar(),  # type: ignore[arg-type]
    )


def _account(*events: object) -> Account:
    return Account(
        "US-1",
        timezone="America/New_York",
        contacts=[ContactPoint("letter", "1 Main St"), ContactPoint("phone", "+12125550100")],
        invoices=[Invoice("I-1", Money("900.00", "USD"), date(2025, 10, 31))],
        events=[StageEntered(at=datetime(2025, 11, 20, 9, tzinfo=NY), stage="collection"), *events],  # type: ignore[list-item]
    )


def _notice(at: datetime) -> ContactAttempted:
    return ContactAttempted(
        at=at,
        channel="letter",
        outcome="delivered",
        stage="collection",
        step="validation_notice",
        template="validation_notice",
    )


def test_validation_period_defers_collection_to_the_day_after_the_period_ends() -> None:
    # Sent Monday 2025-11-24; receipt assumed Tuesday 2025-12-02 (Thanksgiving 27 Nov skipped);
    # 30 days from receipt: last day Thursday 2026-01-01; calls from Friday 2026-01-02.
    acct = _account(_notice(datetime(2025, 11, 24, 10, tzinfo=NY)))
    d = decide(_policy(), acct, datetime(2025, 11, 25, 10, tzinfo=NY))
    call = next(a for a in d.actions if a.template == "call.collect")
    assert call.not_before == datetime(2026, 1, 2, 0, 0, tzinfo=NY)
    reason = next(r for r in call.reasons if r.rule_id == "reg_f_validation")
    assert reason.code == "validation_period"
    assert "2026-01-01" in reason.message
    assert reason.citation is not None
    assert reason.citation.mark == "S"


def test_validation_period_end_is_the_date_the_notice_prints() -> None:
    acct = _account(_notice(datetime(2025, 11, 24, 10, tzinfo=NY)))
    from overdue.snapshot import fold

    snap = fold(acct)
    assert RULE.period_end(snap, NY, us_federal_calendar()) == date(2026, 1, 1)


def test_collection_after_the_validation_period_is_allowed() -> None:
    acct = _account(_notice(datetime(2025, 11, 24, 10, tzinfo=NY)))
    now = datetime(2026, 1, 2, 9, tzinfo=NY)
    d = decide(_policy(), acct, now)
    call = next(a for a in d.actions if a.template == "call.collect")
    assert call.not_before == now


def test_before_the_validation_notice_collection_is_blocked_but_the_notice_goes_out() -> None:
    d = decide(_policy(), _account(), datetime(2025, 11, 21, 10, tzinfo=NY))
    assert [a.template for a in d.actions] == ["validation_notice"]
    [blocked] = d.blocked
    assert blocked.step == "call.collect"
    assert blocked.reasons[-1].code == "notice_missing"


def test_require_notice_false_lets_collection_run_before_the_notice() -> None:
    rule = ValidationPeriod("v", notice="contacted:validation_notice", require_notice=False)
    d = decide(_policy(rule), _account(), datetime(2025, 11, 21, 10, tzinfo=NY))
    assert {a.template for a in d.actions} == {"validation_notice", "call.collect"}


def test_a_notice_recorded_as_a_fact_counts() -> None:
    rule = ValidationPeriod("v", notice="fact:validation_notice_sent", templates=("call.collect",))
    acct = _account(
        FactSet(at=datetime(2025, 11, 24, 10, tzinfo=NY), name="validation_notice_sent")
    )
    d = decide(_policy(rule), acct, datetime(2025, 11, 25, 10, tzinfo=NY))
    call = next(a for a in d.actions if a.template == "call.collect")
    assert call.not_before == datetime(2026, 1, 2, tzinfo=NY)


def test_a_year_the_calendar_does_not_cover_is_refused_not_guessed() -> None:
    # Sent 2025-12-29: the fifth business day falls in 2026, which this calendar does not cover.
    acct = _account(_notice(datetime(2025, 12, 29, 10, tzinfo=NY)))
    policy = _policy(calendar=us_federal_calendar(years=(2025, 2025)))
    with pytest.raises(MissingCalendarDataError, match="2026"):
        decide(policy, acct, datetime(2025, 12, 30, 10, tzinfo=NY))


def test_validation_period_loads_from_a_policy_file_and_describes_itself() -> None:
    assert BUILTIN_RULES["validation_period"] is ValidationPeriod
    text = """
schema = "overdue.policy/1"
id = "us"
calendar = { kind = "holidays", country = "US" }

[[stages]]
id = "collection"
steps = [
  { channel = "letter", template = "validation_notice" },
  { channel = "phone", template = "call.collect" },
]

[[rules]]
kind = "validation_period"
id = "reg_f_validation"
notice = "contacted:validation_notice"
period = "30d"
receipt_after = "5bd"
citation = { instrument = "12 CFR 1006.34", section = "(a)(1), (b)(5)", mark = "S" }
"""
    policy = loads_policy(text)
    assert policy.rules[0] == RULE
    assert loads_policy(dumps_policy(policy)) == policy
    assert RULE.describe() == (
        "no collection until 30d after receipt of contacted:validation_notice "
        "(assumed 5bd after sending)"
    )
