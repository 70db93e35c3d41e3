"""Requirements kept apart from the policy: loading, static checks, behaviour, presets."""

from __future__ import annotations

import warnings
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, timeline
from overdue.durations import days
from overdue.errors import PolicyFileError
from overdue.events import ContactAttempted, DisputeOpened, Outcome, StageEntered
from overdue.presets import with_presets
from overdue.rules import ContactHours, FrequencyCap, HoldWhile
from overdue.testing import (
    CapRequirement,
    HoursRequirement,
    Requirements,
    RungRequirement,
    check_requirements,
    load_requirements,
    loads_requirements,
    requirements_of,
    static_violations,
)
from overdue.testing.requirements import UNKNOWN_ZONE

REPO = Path(__file__).resolve().parents[2]
TEAM = load_requirements(REPO / "examples" / "policy_tests" / "requirements.toml")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _rules(policy, *rules):  # type: ignore[no-untyped-def]
    return attrs.evolve(policy, rules=rules)


def _replace_rule(rule_id: str, **changes: object):  # type: ignore[no-untyped-def]
    rules = tuple(
        attrs.evolve(r, **changes) if r.id == rule_id else r for r in REFERENCE_POLICY.rules
    )
    return attrs.evolve(REFERENCE_POLICY, rules=rules)


def test_the_team_file_loads_into_values() -> None:
    assert TEAM.zone == "Asia/Shanghai"
    assert TEAM.hours[0].window == (time(8), time(21))
    assert TEAM.caps[0] == CapRequirement(
        max=1, per=days(1), channels=("phone",), window="rolling_days"
    )
    assert [r.id for r in TEAM.rungs][:4] == [
        "reminder",
        "courtesy_call",
        "formal_notice",
        "lawyer_letter",
    ]
    assert TEAM.rungs[3].min_balance == Money("100.00", "CNY")


def test_every_mistake_of_a_file_is_reported_with_its_key_path() -> None:
    text = """
schema = "overdue.requirements/1"
zone = "Mars/Olympus"
hours = [{ channels = ["sms"], window = ["21:00", "08:00"] }]
caps = [{ max = "three", per = "7d" }]
holdz = ["dispute_open"]
[[rungs]]
id = "reminder"
min_balance = 100
"""
    with pytest.raises(PolicyFileError) as info:
        loads_requirements(text)
    lines = info.value.messages()
    joined = "\n".join(lines)
    assert "$.caps[0].max" in joined
    assert "$.holdz" in joined
    assert "holds" in joined  # a "did you mean"
    assert "$.rungs[0].min_balance" in joined


def test_a_wrong_schema_is_refused() -> None:
    with pytest.raises(PolicyFileError) as info:
        loads_requirements('schema = "overdue.policy/1"\nid = "x"')
    assert "$.schema" in info.value.messages()[0]


def test_the_reference_policy_meets_the_team_requirements() -> None:
    assert static_violations(TEAM, REFERENCE_POLICY) == []


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (_replace_rule("one-call-a-day", max_contacts=5), "max_contacts: 5, required 1"),
        (_replace_rule("three-contacts-a-week", per=days(1)), "per: 1d, required 7d"),
        (_replace_rule("contact-hours", window=(time(6), time(23))), "06:00-23:00"),
        (
            _replace_rule("contact-hours", channels=("sms", "email", "field_visit")),
            "on phone",
        ),
        (_replace_rule("dispute-hold", stages=("reminder",)), "stages: covers {reminder}"),
        (_replace_rule("opt-out", exempt=("letter", "legal", "phone")), "also exempts phone"),
        (attrs.evolve(REFERENCE_POLICY, assumed_zone="UTC"), "assumes UTC"),
    ],
)
def test_a_looser_text_is_a_static_violation(policy, expected: str) -> None:  # type: ignore[no-untyped-def]
    found = [v.message for v in static_violations(TEAM, policy)]
    assert any(expected in m for m in found), found


def test_a_rung_reachable_without_its_authorisation_is_a_static_violation() -> None:
    stages = tuple(
        attrs.evolve(s, requires=()) if s.id == "litigation" else s for s in REFERENCE_POLICY.stages
    )
    found = static_violations(TEAM, attrs.evolve(REFERENCE_POLICY, stages=stages))
    assert [v.message for v in found] == [
        "litigation is reachable without the authorisation 'legal_review'"
    ]


def test_a_deleted_hold_is_a_static_violation() -> None:
    policy = _rules(REFERENCE_POLICY, *(r for r in REFERENCE_POLICY.rules if r.id != "manual-hold"))
    found = static_violations(TEAM, policy)
    assert len(found) == 1
    assert "required.holds.manual_hold" in found[0].message


def _debtor(*events: object) -> Account:
    return Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+8613800000000"), ContactPoint("phone", "+86138000001")],
        invoices=[Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 1, 4))],
        events=events,
    )


def test_behaviour_is_judged_by_the_required_limits_not_the_policys_own() -> None:
    # A policy that lost its hours rule calls at 06:00; check_all (its own rules) is silent,
    # the requirements are not.
    from overdue.testing import check_all

    policy = _rules(
        REFERENCE_POLICY, *(r for r in REFERENCE_POLICY.rules if r.id != "contact-hours")
    )
    at = datetime(2026, 1, 5, 6, 0, tzinfo=SHANGHAI)
    account = _debtor(
        StageEntered(at=at, stage="reminder"),
        ContactAttempted(
            at=at,
            channel="sms",
            outcome=Outcome.DELIVERED,
            stage="reminder",
            step="reminder.sms",
            template="reminder.sms",
        ),
    )
    assert check_all(policy, account) == []
    found = check_requirements(TEAM, policy, account)
    assert [v.invariant for v in found] == ["requirement:contact_hours"]


def test_a_contact_during_a_dispute_breaks_the_required_hold() -> None:
    t = datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)
    account = _debtor(
        StageEntered(at=t, stage="reminder"),
        DisputeOpened(at=t, dispute_id="D1", reason="x"),
        ContactAttempted(
            at=t + timedelta(hours=1),
            channel="sms",
            outcome=Outcome.DELIVERED,
            stage="reminder",
            step="reminder.sms",
            template="reminder.sms",
        ),
    )
    found = check_requirements(TEAM, REFERENCE_POLICY, account)
    assert [v.invariant for v in found] == ["requirement:holds"]


def test_rungs_out_of_the_required_order_or_too_early_are_violations() -> None:
    t = datetime(2026, 1, 5, 10, 0, tzinfo=SHANGHAI)
    account = _debtor(
        StageEntered(at=t, stage="reminder"),
        StageEntered(at=t + timedelta(days=1), stage="lawyer_letter"),
    )
    found = [v.message for v in check_requirements(TEAM, REFERENCE_POLICY, account)]
    assert any("passing over courtesy_call, formal_notice" in m for m in found)
    assert any("at 2 day(s) overdue; required: at least 30" in m for m in found)


def test_the_reference_timeline_meets_the_requirements() -> None:
    account = _debtor()
    start = datetime(2026, 1, 5, 9, tzinfo=SHANGHAI)
    entries = timeline(REFERENCE_POLICY, account, start, start + timedelta(days=60))
    assert check_requirements(TEAM, REFERENCE_POLICY, account, entries) == []


def test_a_preset_is_one_line() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stacked = with_presets(REFERENCE_POLICY, "cn_gbt_2025")
    assert static_violations(requirements_of("cn_gbt_2025"), stacked) == []
    found = static_violations(requirements_of("cn_gbt_2025"), REFERENCE_POLICY)
    # The bare reference policy keeps the preset's hours (in-app notices too) but not its
    # per-day call caps.
    assert any("cn_gbt_2025.connected_calls_per_day" in v.message for v in found)
    assert not any("cn_gbt_2025.quiet_hours" in v.message for v in found)


def test_a_preset_that_assumes_no_zone_requires_none() -> None:
    assert requirements_of("us_state_ma").zone == UNKNOWN_ZONE
    found = static_violations(requirements_of("us_state_ma"), REFERENCE_POLICY)
    assert any("required: none" in v.message for v in found)


def test_requirements_of_a_policy_are_met_by_it_and_by_nothing_looser() -> None:
    required = requirements_of(REFERENCE_POLICY)
    assert static_violations(required, REFERENCE_POLICY) == []
    looser = _replace_rule("three-contacts-a-week", max_contacts=4)
    assert len(static_violations(required, looser)) == 1


def test_only_narrows_to_the_named_parts() -> None:
    req = Requirements(
        hours=(HoursRequirement(window=(time(8), time(20))),),
        caps=(CapRequirement(max=2, per=days(7)),),
        holds=("dispute_open",),
        rungs=(RungRequirement(id="reminder"),),
        rules=(HoldWhile("h", fact="bankruptcy"),),
    )
    narrowed = req.only("hours", "caps")
    kinds = sorted(type(r).__name__ for r in narrowed.as_rules())
    assert kinds == [ContactHours.__name__, FrequencyCap.__name__]
    with pytest.raises(ValueError, match="unknown parts"):
        req.only("colour")
