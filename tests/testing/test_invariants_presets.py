"""The checks for the presets' rule kinds each catch a seeded violation and pass a clean history.

Validation periods (no collection before the notice and its period), third parties (never
where forbidden, never after a refusal, once per person, only once the debtor is unreachable),
field visits (never with too few agents, never without their obligations), and preset rules
that are not yet in force (their limits do not bind before the preset takes effect).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import attrs

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.events import AuthorisationGranted, ContactAttempted, StageEntered
from overdue.presets import in_force_from
from overdue.rules import ContactHours, FieldVisitConduct, ThirdPartyContact, ValidationPeriod
from overdue.testing import (
    check_actions,
    check_all,
    check_contact_hours,
    check_field_visits,
    check_third_parties,
    check_validation_periods,
)

NY = ZoneInfo("America/New_York")
SH = ZoneInfo("Asia/Shanghai")

LADDER = (Stage("one", steps=(Step("sms", template="a"),)),)


def _policy(*rules: object, stages: tuple[Stage, ...] = LADDER) -> Policy:
    return Policy("p", stages=stages, rules=rules, currency="USD")  # type: ignore[arg-type]


def _account(*events: object, zone: str = "America/New_York") -> Account:
    return Account(
        "A-1",
        timezone=zone,
        contacts=(
            ContactPoint("sms", "+1 617 555 0100"),
            ContactPoint("letter", "1 Main Street"),
            ContactPoint("phone", "+1 617 555 0100"),
            ContactPoint("phone", "+1 617 555 0199", label="sister", is_debtor=False),
            ContactPoint("field_visit", "1 Main Street"),
        ),
        invoices=(Invoice("INV-1", Money("500.00", "USD"), date(2026, 2, 1)),),
        events=events,  # type: ignore[arg-type]
    )


def _sms(at: datetime, **kw: object) -> ContactAttempted:
    return ContactAttempted(at=at, channel="sms", outcome="delivered", template="a", **kw)  # type: ignore[arg-type]


# -- validation periods ----------------------------------------------------------------------

VALIDATION = ValidationPeriod(
    "validation", notice="contacted:validation.notice", period="30d", receipt_after="5d"
)
NOTICE = ContactAttempted(
    at=datetime(2026, 3, 2, 10, tzinfo=NY),
    channel="letter",
    outcome="delivered",
    template="validation.notice",
)


def test_a_collection_text_before_the_validation_notice_breaks_the_validation_period() -> None:
    found = check_validation_periods(
        _policy(VALIDATION), _account(_sms(datetime(2026, 3, 1, 10, tzinfo=NY)), NOTICE)
    )
    assert [v.invariant for v in found] == ["validation_period"]
    assert "before the notice" in found[0].message


def test_a_collection_text_inside_the_30_days_after_receipt_breaks_the_validation_period() -> None:
    # Sent 2 March, assumed received 7 March: the period's last day is 6 April.
    inside = _sms(datetime(2026, 4, 6, 23, 30, tzinfo=NY))
    found = check_validation_periods(_policy(VALIDATION), _account(NOTICE, inside))
    assert [v.event_index for v in found] == [1]
    assert "2026-04-07T00:00:00-04:00" in found[0].message


def test_the_validation_notice_itself_and_texts_after_the_period_are_allowed() -> None:
    after = _sms(datetime(2026, 4, 7, 9, tzinfo=NY))
    assert check_validation_periods(_policy(VALIDATION), _account(NOTICE, after)) == []


# -- third parties ---------------------------------------------------------------------------


def _to_sister(at: datetime, outcome: str = "no_answer") -> ContactAttempted:
    return ContactAttempted(
        at=at,
        channel="phone",
        outcome=outcome,  # type: ignore[arg-type]
        template="locate",
        contact_point="+1 617 555 0199",
        party="third_party",
    )


def _debtor_call(at: datetime, outcome: str = "no_answer") -> ContactAttempted:
    return ContactAttempted(
        at=at,
        channel="phone",
        outcome=outcome,  # type: ignore[arg-type]
        template="call",
        contact_point="+1 617 555 0100",
    )


def test_any_call_to_a_relative_breaks_a_forbid_rule() -> None:
    policy = _policy(ThirdPartyContact("no-third-parties", mode="forbid"))
    found = check_third_parties(policy, _account(_to_sister(datetime(2026, 3, 2, 10, tzinfo=NY))))
    assert [v.rule_id for v in found] == ["no-third-parties"]


def test_calling_a_relative_again_after_she_refused_breaks_the_third_party_rule() -> None:
    policy = _policy(ThirdPartyContact("locate", mode="location_only"))
    account = _account(
        _to_sister(datetime(2026, 3, 2, 10, tzinfo=NY), "refused"),
        _to_sister(datetime(2026, 3, 9, 10, tzinfo=NY)),
    )
    found = check_third_parties(policy, account)
    assert [v.event_index for v in found] == [1]
    assert "refused" in found[0].message


def test_a_second_call_to_the_same_person_breaks_once_per_person() -> None:
    policy = _policy(ThirdPartyContact("locate", mode="location_only", max_per_person=1))
    account = _account(
        _to_sister(datetime(2026, 3, 2, 10, tzinfo=NY), "conversation"),
        _to_sister(datetime(2026, 3, 9, 10, tzinfo=NY), "conversation"),
    )
    assert [v.event_index for v in check_third_parties(policy, account)] == [1]


def test_a_relative_is_called_only_once_the_debtor_is_unreachable() -> None:
    policy = _policy(ThirdPartyContact("cn", mode="unreachable_only", unreachable_after=3))
    early = _account(
        _debtor_call(datetime(2026, 3, 2, 10, tzinfo=NY)),
        _to_sister(datetime(2026, 3, 2, 11, tzinfo=NY)),
    )
    assert [v.event_index for v in check_third_parties(policy, early)] == [1]
    late = _account(
        *(_debtor_call(datetime(2026, 3, d, 10, tzinfo=NY)) for d in (2, 3, 4)),
        _sms(datetime(2026, 3, 4, 11, tzinfo=NY)),  # planned with the call: outcome unknown
        _to_sister(datetime(2026, 3, 4, 11, tzinfo=NY)),
    )
    assert check_third_parties(policy, late) == []


# -- field visits ----------------------------------------------------------------------------

VISIT_LADDER = (Stage("visit", steps=(Step("field_visit", template="visit"),)),)
CONDUCT = FieldVisitConduct("conduct", min_staff=2)


def _visit(at: datetime) -> ContactAttempted:
    return ContactAttempted(
        at=at, channel="field_visit", outcome="conversation", stage="visit", template="visit"
    )


def test_a_visit_authorised_for_one_agent_breaks_the_two_agent_rule() -> None:
    granted = AuthorisationGranted(
        at=datetime(2026, 3, 1, 9, tzinfo=NY), authorisation="field_visit", staff=1
    )
    account = _account(granted, _visit(datetime(2026, 3, 2, 10, tzinfo=NY)))
    found = check_field_visits(_policy(CONDUCT, stages=VISIT_LADDER), account)
    assert [v.invariant for v in found] == ["field_visits"]
    two = attrs.evolve(granted, staff=2)
    ok = _account(two, _visit(datetime(2026, 3, 2, 10, tzinfo=NY)))
    assert check_field_visits(_policy(CONDUCT, stages=VISIT_LADDER), ok) == []


def test_a_visit_action_without_its_obligations_is_caught() -> None:
    policy = _policy(CONDUCT, stages=VISIT_LADDER)
    at = datetime(2026, 3, 2, 10, tzinfo=NY)
    account = _account(
        StageEntered(at=at, stage="visit"),
        AuthorisationGranted(at=at, authorisation="field_visit", staff=2),
    )
    d = decide(policy, account, at)
    assert d.actions
    assert check_actions(policy, [d]) == []
    stripped = attrs.evolve(d, actions=tuple(attrs.evolve(a, obligations=()) for a in d.actions))
    found = check_actions(policy, [stripped])
    assert found
    assert "show_identification" in found[0].message


# -- preset rules not yet in force ------------------------------------------------------------


def test_a_preset_rule_binds_only_from_the_date_its_preset_takes_effect() -> None:
    hours = in_force_from(ContactHours("hours", window=(time(8), time(21))), date(2026, 3, 10))
    policy = _policy(hours)
    before = _account(_sms(datetime(2026, 3, 2, 23, tzinfo=SH)), zone="Asia/Shanghai")
    assert check_contact_hours(policy, before) == []
    after = _account(_sms(datetime(2026, 3, 12, 23, tzinfo=SH)), zone="Asia/Shanghai")
    assert [v.invariant for v in check_contact_hours(policy, after)] == ["contact_hours"]
    assert all(v.invariant != "contact_hours" for v in check_all(policy, before))


def test_an_action_to_a_relative_that_would_disclose_the_debt_is_caught() -> None:
    ladder = (
        Stage(
            "locate",
            steps=(Step("phone", template="location.inquiry", party="third_party"),),
        ),
    )
    policy = _policy(ThirdPartyContact("locate", mode="location_only"), stages=ladder)
    at = datetime(2026, 3, 2, 10, tzinfo=NY)
    d = decide(policy, _account(StageEntered(at=at, stage="locate")), at)
    assert [a.party for a in d.actions] == ["third_party"]
    assert check_actions(policy, [d]) == []
    leaky = attrs.evolve(d, actions=tuple(attrs.evolve(a, discloses_debt=True) for a in d.actions))
    assert [v.invariant for v in check_actions(policy, [leaky])] == ["third_parties"]
