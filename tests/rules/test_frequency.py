"""Frequency caps and cool-downs as the compliance presets use them.

US scenarios (Regulation F, 12 CFR 1006.14): the debtor lives in America/New_York, where the
clocks go forward on Sunday 2026-03-08 and back on Sunday 2026-11-01.  Calls are placed at
10:00 local time unless a test says otherwise; contact hours are 08:00-21:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.errors import PolicyError
from overdue.events import ConsentWaiver, ContactAttempted, StageEntered
from overdue.rules import ContactHours, CoolDown, FrequencyCap, Rule

NY = ZoneInfo("America/New_York")
SH = ZoneInfo("Asia/Shanghai")
HOME = "+12125550100"
WORK = "+12125550199"


def _policy(*rules: Rule) -> Policy:
    return Policy(
        "us",
        stages=(Stage("collection", steps=(Step("phone", template="call"),)),),
        rules=(ContactHours("hours"), *rules),
    )


def _account(*events: object, zone: str = "America/New_York") -> Account:
    return Account(
        "US-1",
        timezone=zone,
        contacts=[ContactPoint("phone", HOME), ContactPoint("phone", WORK)],
        invoices=[Invoice("I-1", Money("900.00", "USD"), date(2026, 2, 1))],
        events=[StageEntered(at=datetime(2026, 2, 20, 9, tzinfo=NY), stage="collection"), *events],  # type: ignore[list-item]
    )


def _call(
    day: date, hour: int = 10, outcome: str = "no_answer", tz: ZoneInfo = NY, **kw: object
) -> ContactAttempted:
    return ContactAttempted(
        at=datetime(day.year, day.month, day.day, hour, tzinfo=tz),
        channel="phone",
        outcome=outcome,
        contact_point=kw.pop("contact_point", HOME),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _week(start: date, **kw: object) -> list[ContactAttempted]:
    return [_call(start + timedelta(days=i), **kw) for i in range(7)]  # type: ignore[arg-type]


def _next(policy: Policy, account: Account, now: datetime) -> datetime:
    d = decide(policy, account, now)
    assert d.actions, d.explain()
    return d.actions[0].not_before


REG_F_7_IN_7 = FrequencyCap(
    "reg_f_7in7",
    channels=("phone",),
    max_contacts=7,
    per="7d",
    window="rolling_days",
    scope="debt",
    exclude=("inbound", "not_connected", "consented", "to_representative"),
)


# -- 7 calls in 7 consecutive days, across daylight-saving changes ---------------------------


def test_reg_f_7_in_7_counts_local_days_in_the_week_the_clocks_go_forward() -> None:
    # Mon 2 .. Sun 8 March (Sunday has 23 hours); the 8th call waits for Monday 9 March, when
    # Monday 2 March leaves the 7 local days, and then for 08:00 (EDT, UTC-4).
    account = _account(*_week(date(2026, 3, 2)))
    at = _next(_policy(REG_F_7_IN_7), account, datetime(2026, 3, 8, 15, tzinfo=NY))
    assert at == datetime(2026, 3, 9, 8, tzinfo=NY)
    assert at.astimezone(UTC) == datetime(2026, 3, 9, 12, tzinfo=UTC)


def test_reg_f_7_in_7_counts_local_days_in_the_week_the_clocks_go_back() -> None:
    # Mon 26 Oct .. Sun 1 Nov (Sunday has 25 hours): free again on Monday 2 Nov, 08:00 EST.
    account = _account(*_week(date(2026, 10, 26)))
    at = _next(_policy(REG_F_7_IN_7), account, datetime(2026, 11, 1, 15, tzinfo=NY))
    assert at == datetime(2026, 11, 2, 8, tzinfo=NY)
    assert at.astimezone(UTC) == datetime(2026, 11, 2, 13, tzinfo=UTC)


def test_a_rolling_window_of_seven_days_frees_at_the_oldest_calls_wall_clock_time() -> None:
    # The same week under window="rolling": the oldest call (Mon 2 March 10:00 EST) leaves
    # the window at 10:00 local a week later, across the change, not 168 hours later (11:00).
    cap = FrequencyCap("rolling", channels=("phone",), max_contacts=7, per="7d")
    account = _account(*_week(date(2026, 3, 2)))
    at = _next(_policy(cap), account, datetime(2026, 3, 8, 15, tzinfo=NY))
    assert at == datetime(2026, 3, 9, 10, tzinfo=NY)


def test_the_answer_is_the_same_when_now_is_written_in_utc() -> None:
    account = _account(*_week(date(2026, 3, 2)))
    local = decide(_policy(REG_F_7_IN_7), account, datetime(2026, 3, 8, 15, tzinfo=NY))
    utc = decide(
        _policy(REG_F_7_IN_7), account, datetime(2026, 3, 8, 15, tzinfo=NY).astimezone(UTC)
    )
    assert local.actions[0].not_before == utc.actions[0].not_before


def test_six_calls_leave_room_for_a_seventh_the_same_day() -> None:
    account = _account(*_week(date(2026, 3, 2))[1:])
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    assert _next(_policy(REG_F_7_IN_7), account, now) == now


# -- exclusions --------------------------------------------------------------------------------


def test_calls_that_never_reached_a_line_are_not_counted() -> None:
    # Two of the seven calls were busy / not in service ("failed"): five count.
    week = _week(date(2026, 3, 2))
    week[1] = _call(date(2026, 3, 3), outcome="failed")
    week[4] = _call(date(2026, 3, 6), outcome="invalid_number")
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    assert _next(_policy(REG_F_7_IN_7), _account(*week), now) == now
    counting = FrequencyCap(
        "all", channels=("phone",), max_contacts=7, per="7d", window="rolling_days"
    )
    assert _next(_policy(counting), _account(*week), now) > now


def test_unanswered_calls_did_reach_the_line_and_count() -> None:
    account = _account(*_week(date(2026, 3, 2), outcome="no_answer"))
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    assert _next(_policy(REG_F_7_IN_7), account, now) > now


def test_calls_within_seven_days_of_the_debtors_consent_are_neither_counted_nor_capped() -> None:
    # Consent on Thursday 5 March 09:00: Thursday is day one, the window ends at midnight
    # before Thursday 12 March.  The calls of 5-8 March do not count, and the call now is itself
    # a consented call.
    consent = ConsentWaiver(
        at=datetime(2026, 3, 5, 9, tzinfo=NY), rule_id="reg_f_7in7", detail="call me this week"
    )
    week = _week(date(2026, 3, 2))
    account = _account(*week[:3], consent, *week[3:])
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    assert _next(_policy(REG_F_7_IN_7), account, now) == now
    assert _next(_policy(REG_F_7_IN_7), _account(*week), now) > now


def test_the_consent_window_ends_with_its_seventh_local_day() -> None:
    consent = ConsentWaiver(at=datetime(2026, 3, 5, 9, tzinfo=NY), rule_id="reg_f_7in7")
    cap = FrequencyCap(
        "reg_f_7in7",
        channels=("phone",),
        max_contacts=1,
        per="7d",
        window="rolling_days",
        exclude=("inbound", "consented"),
    )
    prior = _call(date(2026, 3, 4))  # before the consent: counts until 10 March
    account = _account(prior, consent)
    # Inside the window (Wednesday 11 March, day seven): allowed although the cap is used.
    assert _next(_policy(cap), account, datetime(2026, 3, 11, 12, tzinfo=NY)) == datetime(
        2026, 3, 11, 12, tzinfo=NY
    )
    # Consent given on 5 March 09:00 does not excuse a call made before it.
    account = _account(_call(date(2026, 3, 5), hour=8), consent)
    assert _next(_policy(cap), account, datetime(2026, 3, 5, 8, 30, tzinfo=NY)) > datetime(
        2026, 3, 5, 8, 30, tzinfo=NY
    )


def test_a_consent_for_another_rule_does_not_count() -> None:
    consent = ConsentWaiver(at=datetime(2026, 3, 5, 9, tzinfo=NY), rule_id="quiet-hours")
    week = _week(date(2026, 3, 2))
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    assert _next(_policy(REG_F_7_IN_7), _account(*week[:3], consent, *week[3:]), now) > now


def test_inbound_calls_are_excluded_by_default_and_counted_when_not_excluded() -> None:
    inbound = [
        _call(date(2026, 3, 2) + timedelta(days=i), outcome="conversation", initiated_by="debtor")
        for i in range(7)
    ]
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    default = FrequencyCap(
        "cap", channels=("phone",), max_contacts=7, per="7d", window="rolling_days"
    )
    assert default.exclude == ("inbound",)
    assert _next(_policy(default), _account(*inbound), now) == now
    counting = FrequencyCap(
        "cap",
        channels=("phone",),
        max_contacts=7,
        per="7d",
        window="rolling_days",
        exclude=("not_connected",),
    )
    assert _next(_policy(counting), _account(*inbound), now) > now
    assert "counting debtor-initiated contacts" in counting.describe()


def test_calls_to_the_debtors_attorney_are_excluded() -> None:
    week = _week(date(2026, 3, 2), party="representative", contact_point="+12125550142")
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    assert _next(_policy(REG_F_7_IN_7), _account(*week), now) == now


# -- counting modes and scopes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "outcomes", "capped"),
    [
        ("attempt", ["no_answer", "failed", "conversation"], True),
        ("connected", ["delivered", "conversation", "refused"], True),
        ("connected", ["no_answer", "failed", "bounced"], False),
        ("conversation", ["conversation", "conversation", "conversation"], True),
        ("conversation", ["delivered", "no_answer", "refused"], False),
        ("unanswered", ["no_answer", "failed", "invalid_number"], True),
        ("unanswered", ["conversation", "delivered", "refused"], False),
        ("message", ["delivered", "unknown", "delivered"], True),
        ("message", ["failed", "bounced", "failed"], False),
    ],
)
def test_counting_modes(counts: str, outcomes: list[str], capped: bool) -> None:
    cap = FrequencyCap(
        "cap", channels=("phone",), max_contacts=3, per="1d", window="rolling_days", counts=counts
    )  # type: ignore[arg-type]
    calls = [_call(date(2026, 3, 4), hour=9 + i, outcome=o) for i, o in enumerate(outcomes)]
    now = datetime(2026, 3, 4, 15, tzinfo=NY)
    at = _next(_policy(cap), _account(*calls), now)
    assert (at == datetime(2026, 3, 5, 8, tzinfo=NY)) if capped else (at == now)


def test_cn_three_conversations_a_day_end_at_local_midnight_in_shanghai() -> None:
    # CN-7: at most 3 effective conversations a day with one debtor, counted in Asia/Shanghai.
    cap = FrequencyCap(
        "cn7",
        channels=("phone",),
        max_contacts=3,
        per="1d",
        window="rolling_days",
        counts="conversation",
    )
    calls = [_call(date(2026, 3, 4), hour=h, outcome="conversation", tz=SH) for h in (9, 11, 14)]
    now = datetime(2026, 3, 4, 16, tzinfo=SH)
    policy = Policy(
        "cn",
        stages=(Stage("collection", steps=(Step("phone", template="call"),)),),
        rules=(
            ContactHours(
                "hours", window=(datetime(2026, 1, 1, 8).time(), datetime(2026, 1, 1, 22).time())
            ),
            cap,
        ),
    )
    assert _next(policy, _account(*calls, zone="Asia/Shanghai"), now) == datetime(
        2026, 3, 5, 8, tzinfo=SH
    )


def test_scope_contact_point_counts_only_calls_to_the_same_number() -> None:
    # CN-9: six unanswered calls a day to the same contact point; six to the work number leave
    # the home number free.
    cap = FrequencyCap(
        "cn9",
        channels=("phone",),
        max_contacts=6,
        per="1d",
        window="rolling_days",
        scope="contact_point",
        counts="unanswered",
    )
    to_work = [_call(date(2026, 3, 4), hour=9 + i, contact_point=WORK) for i in range(6)]
    now = datetime(2026, 3, 4, 16, tzinfo=NY)
    assert _next(_policy(cap), _account(*to_work), now) == now
    to_home = [_call(date(2026, 3, 4), hour=9 + i) for i in range(6)]
    assert _next(_policy(cap), _account(*to_home), now) == datetime(2026, 3, 5, 8, tzinfo=NY)


def test_scope_debt_keeps_counting_calls_tagged_with_the_accounts_own_debt_id() -> None:
    # Issue 14 / audit finding 1: seven calls recorded with debt_id="LOAN-1" used to defer
    # nothing, because a per-debt cap kept only untagged contacts.
    week = _week(date(2026, 3, 2), debt_id="LOAN-1")
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    assert _next(_policy(REG_F_7_IN_7), _account(*week), now) == datetime(2026, 3, 9, 8, tzinfo=NY)


def test_scope_debt_counts_each_debt_on_its_own_and_untagged_calls_for_every_debt() -> None:
    now = datetime(2026, 3, 8, 15, tzinfo=NY)
    days_ = [date(2026, 3, 2) + timedelta(days=i) for i in range(7)]
    split = [_call(d, debt_id="LOAN-1" if i < 4 else "LOAN-2") for i, d in enumerate(days_)]
    # Four calls about one debt, three about the other: neither debt had seven.
    assert _next(_policy(REG_F_7_IN_7), _account(*split), now) == now
    debtor_wide = FrequencyCap(
        "all", channels=("phone",), max_contacts=7, per="7d", window="rolling_days", scope="debtor"
    )
    assert _next(_policy(debtor_wide), _account(*split), now) > now
    # Account-level (untagged) calls are about every debt: 4 + 3 untagged make 7 for LOAN-1.
    mixed = [_call(d, debt_id="LOAN-1" if i < 4 else None) for i, d in enumerate(days_)]
    assert _next(_policy(REG_F_7_IN_7), _account(*mixed), now) > now


def test_refuses_an_unknown_exclusion_and_a_window_of_hours() -> None:
    with pytest.raises(PolicyError, match="exclusion"):
        FrequencyCap("x", max_contacts=1, per="1d", exclude=("voicemail",))
    with pytest.raises(PolicyError, match="local calendar days"):
        FrequencyCap("x", max_contacts=1, per="24h", window="rolling_days")
    with pytest.raises(PolicyError):
        FrequencyCap("x", max_contacts=1, per="1d", consent_window="5bd")


def test_describe_names_the_window_and_the_exclusions() -> None:
    text = REG_F_7_IN_7.describe()
    assert "at most 7 per 7 consecutive local days per debt" in text
    assert "not connected" in text
    assert "consented (within 7d of consent)" in text


# -- cool-down after a conversation ----------------------------------------------------------


def test_reg_f_conversation_date_is_day_one_of_the_seven_days() -> None:
    # A conversation on Monday 2 March at 20:30 EST: no call until Monday 9 March (EDT by then),
    # opening at 08:00 with contact hours, whatever hour the conversation was.
    rule = CoolDown(
        "reg_f_cool",
        channels=("phone",),
        after="conversation",
        period="7d",
        day_one="event_local_date",
    )
    account = _account(_call(date(2026, 3, 2), hour=20, outcome="conversation"))
    assert _next(_policy(rule), account, datetime(2026, 3, 3, 9, tzinfo=NY)) == datetime(
        2026, 3, 9, 8, tzinfo=NY
    )


def test_day_one_event_time_counts_from_the_moment() -> None:
    rule = CoolDown(
        "cool", channels=("phone",), after="conversation", period="7d", day_one="event_time"
    )
    account = _account(_call(date(2026, 3, 2), hour=20, outcome="conversation"))
    assert _next(_policy(rule), account, datetime(2026, 3, 3, 9, tzinfo=NY)) == datetime(
        2026, 3, 9, 20, tzinfo=NY
    )


def test_a_conversation_on_the_debtors_own_call_starts_the_cool_down() -> None:
    rule = CoolDown(
        "reg_f_cool",
        channels=("phone",),
        after="conversation",
        period="7d",
        day_one="event_local_date",
    )
    inbound = _call(date(2026, 3, 2), hour=11, outcome="conversation", initiated_by="debtor")
    assert _next(_policy(rule), _account(inbound), datetime(2026, 3, 3, 9, tzinfo=NY)) == datetime(
        2026, 3, 9, 8, tzinfo=NY
    )


def test_day_one_is_the_one_spelling() -> None:
    assert CoolDown("c", after="conversation", period="7d").day_one == "event_time"
    with pytest.raises(TypeError):
        CoolDown("c", after="conversation", period="7d", first_day="local_date")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="day_one"):
        CoolDown("c", after="conversation", period="7d", day_one="local_date")  # type: ignore[arg-type]
    described = CoolDown(
        "c", after="conversation", period="7d", day_one="event_local_date"
    ).describe()
    assert "local date counting as day one" in described
