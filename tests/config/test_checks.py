"""``policy_warnings``: legal but suspicious choices."""

from __future__ import annotations

import attrs

from overdue.conditions import days_overdue_at_least
from overdue.config import policy_warnings
from overdue.durations import days
from overdue.policy import Policy, Stage, Step
from overdue.reference import REFERENCE_POLICY, reference_policy
from overdue.rules import ContactHours, FrequencyCap


def test_reference_policy_has_no_warnings() -> None:
    assert policy_warnings(REFERENCE_POLICY) == []
    assert policy_warnings(reference_policy(field_visit=True)) == []


def test_the_three_suspicious_choices_and_rule_typos() -> None:
    p = Policy(
        "hasty",
        stages=(
            Stage(
                "reminder",
                enters_when=days_overdue_at_least(1),
                deadline=days(5),
                steps=(Step("sms", template="r"),),
            ),
            Stage(
                "visit",
                performed_by="third_party",
                deadline=days(3),
                steps=(Step("field_visit", template="v"),),
            ),
            Stage("lawyer_letter", steps=(Step("letter", template="l"),)),
        ),
        rules=(ContactHours("hours", channels=("sms", "phnoe")),),
    )
    texts = [str(w) for w in policy_warnings(p)]
    assert len(texts) == 4, texts
    assert texts[0].startswith("$.rules: no frequency cap")
    assert texts[1].startswith("$.stages[1]: field visit")
    assert texts[2].startswith("$.stages[2]: legal rung 'lawyer_letter' can be reached 9 day(s)")
    assert "did you mean 'phone'" not in texts[3]
    assert "'phnoe'" in texts[3]


def test_a_cap_silences_the_cap_warning() -> None:
    p = Policy(
        "capped",
        stages=(Stage("s", steps=(Step("sms", template="r"),)),),
        rules=(FrequencyCap("cap", max_contacts=3, per=days(7)),),
    )
    assert policy_warnings(p) == []


def _early(stage: Stage) -> Policy:
    """A policy whose second rung can be reached 3 days overdue (under the legal minimum)."""
    first = Stage(
        "reminder",
        enters_when=days_overdue_at_least(1),
        deadline=days(2),
        steps=(Step("email", template="r"),),
    )
    return Policy(
        "early", stages=(first, stage), rules=(FrequencyCap("cap", max_contacts=3, per=days(7)),)
    )


def test_a_polite_letter_is_not_a_legal_rung() -> None:
    # Issue 18: any rung with a letter step used to get the legal-stage warning.
    polite = Stage("first_letter", steps=(Step("letter", template="reminder.letter"),))
    assert policy_warnings(_early(polite)) == []


def test_rungs_legal_by_template_evidence_requirement_or_channel_are_still_flagged() -> None:
    legal = [
        Stage("demand", steps=(Step("letter", template="letter.lawyer"),)),
        Stage("bundle", steps=(Step("letter", template="pack", evidence=("contract",)),)),
        Stage("claim", requires=("legal_review",), steps=(Step("email", template="c"),)),
        Stage("file", steps=(Step("legal", template="claim.file"),)),
    ]
    for stage in legal:
        texts = [str(w) for w in policy_warnings(_early(stage))]
        assert texts == [
            f"$.stages[1]: legal rung {stage.id!r} can be reached 3 day(s) overdue, under 14; "
            "lengthen the deadlines before it or add enters_when = {days_overdue_at_least = ...}"
        ], stage.id


def test_a_phone_step_without_contact_hours_is_flagged() -> None:
    calls = Stage(
        "calls",
        steps=(Step("phone", template="call.polite"), Step("sms", template="s", fallback="phone")),
    )
    p = Policy("calls", stages=(calls,), rules=(FrequencyCap("cap", max_contacts=3, per=days(7)),))
    texts = [str(w) for w in policy_warnings(p)]
    assert [t.split(":")[0] for t in texts] == [
        "$.stages[0].steps[0]",
        "$.stages[0].steps[1].fallback",
    ]
    assert "'call.polite' of rung 'calls' is not governed by any contact-hours rule" in texts[0]
    # an hours rule on sms only does not govern the calls; one on phone (or on every channel) does
    only_sms = attrs.evolve(p, rules=(*p.rules, ContactHours("hours", channels=("sms",))))
    assert len(policy_warnings(only_sms)) == 2
    for hours in (ContactHours("hours", channels=("phone",)), ContactHours("hours")):
        assert policy_warnings(attrs.evolve(p, rules=(*p.rules, hours))) == []
