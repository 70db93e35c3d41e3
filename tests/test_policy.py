"""A Policy checks itself when built and names the stage or step that is wrong."""

from __future__ import annotations

import pytest

from overdue import REFERENCE_POLICY, Policy, Stage, Step, days
from overdue.conditions import days_overdue_at_least
from overdue.errors import PolicyError, UnknownChannelError
from overdue.rules import ContactHours, HoldWhile


def stages(*extra: Stage) -> tuple[Stage, ...]:
    return (
        Stage(
            "a",
            enters_when=days_overdue_at_least(1),
            steps=(Step("sms", template="a"),),
            deadline=days(3),
        ),
        *extra,
    )


def test_a_fallback_to_an_unknown_channel_names_the_step() -> None:
    with pytest.raises(UnknownChannelError) as info:
        Policy("p", stages=(Stage("a", steps=(Step("sms", template="a", fallback="emial"),)),))
    assert info.value.key_path == "$.stages[0].steps[0].fallback"


def test_a_step_on_an_undeclared_channel_names_the_step() -> None:
    with pytest.raises(UnknownChannelError) as info:
        Policy("p", channels=("sms",), stages=(Stage("a", steps=(Step("fax", template="a"),)),))
    assert info.value.key_path == "$.stages[0].steps[0].channel"


def test_duplicate_stage_ids_are_refused() -> None:
    with pytest.raises(PolicyError) as info:
        Policy("p", stages=stages(Stage("a", steps=(Step("sms", template="b"),))))
    assert info.value.key_path == "$.stages[1].id"


def test_duplicate_step_ids_in_a_stage_are_refused() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(
            "p",
            stages=(Stage("a", steps=(Step("sms", template="t"), Step("email", template="t"))),),
        )
    assert info.value.key_path == "$.stages[0].steps[1].id"


def test_a_stage_after_the_top_of_the_ladder_is_unreachable() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(
            "p",
            stages=(
                Stage("top", steps=(Step("sms", template="a"),)),
                Stage("never", steps=(Step("sms", template="b"),)),
            ),
        )
    assert info.value.key_path == "$.stages[1]"
    assert "never be reached" in str(info.value)


def test_a_deadline_shorter_than_its_steps_need_is_refused() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(
            "p",
            stages=(
                Stage(
                    "a",
                    deadline=days(3),
                    steps=(Step("sms", template="a", repeat_every=days(2), max_attempts=3),),
                ),
                Stage("b", steps=(Step("sms", template="b"),)),
            ),
        )
    assert info.value.key_path == "$.stages[0].deadline"


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(
            "p",
            stages=stages(Stage("b", steps=(Step("sms", template="b"),))),
            rules=(ContactHours("h"), ContactHours("h")),
        )
    assert info.value.key_path == "$.rules[1].id"


def test_a_stage_with_no_steps_is_refused() -> None:
    with pytest.raises(PolicyError) as info:
        Policy("p", stages=(Stage("a"),))
    assert info.value.key_path == "$.stages[0].steps"


def test_a_policy_without_stages_or_with_none_enabled_is_refused() -> None:
    with pytest.raises(PolicyError):
        Policy("p", stages=())
    with pytest.raises(PolicyError):
        Policy("p", stages=(Stage("a", enabled=False, steps=(Step("sms", template="a"),)),))


def test_legal_terms_must_exist_when_a_step_must_state_them() -> None:
    with pytest.raises(PolicyError) as info:
        Policy(
            "p",
            stages=(Stage("a", steps=(Step("email", template="a", must_state=("legal_terms",)),)),),
        )
    assert info.value.key_path == "$.stages[0].steps[0].must_state"


def test_steps_check_themselves() -> None:
    with pytest.raises(PolicyError):
        Step("sms", template="a", max_attempts=2)  # repeats but no interval
    with pytest.raises(PolicyError):
        Step("sms", template="a", fallback="sms")
    with pytest.raises(PolicyError) as info:
        Step("sms", template="a", must_state=("amout",))
    assert info.value.suggestion == "amount"
    with pytest.raises(PolicyError):
        Step("sms", template="a", evidence=("photos",))


def test_the_reference_policy_is_valid_and_paused_by_holds_and_plans() -> None:
    assert [s.id for s in REFERENCE_POLICY.enabled_stages][:2] == ["reminder", "courtesy_call"]
    assert {
        "dispute_open",
        "manual_hold",
        "bankruptcy",
        "payment_plan",
    } <= REFERENCE_POLICY.paused_by()
    assert REFERENCE_POLICY.stage("litigation").requires == ("legal_review",)
    with pytest.raises(PolicyError) as info:
        REFERENCE_POLICY.stage("litigaton")
    assert info.value.suggestion == "litigation"


def test_a_hold_that_does_not_pause_deadlines_is_not_in_paused_by() -> None:
    p = Policy(
        "p",
        stages=stages(Stage("b", steps=(Step("sms", template="b"),))),
        rules=(HoldWhile("h", fact="moratorium", pause_deadlines=False),),
    )
    assert "moratorium" not in p.paused_by()
