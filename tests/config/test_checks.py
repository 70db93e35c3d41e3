"""``policy_warnings``: legal but suspicious choices."""

from __future__ import annotations

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
