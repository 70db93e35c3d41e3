"""RequiredDisclosures and ForbiddenContent: checked against what a step's template states."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.config import dumps_policy, loads_policy
from overdue.config.checks import policy_warnings
from overdue.errors import PolicyError
from overdue.rules import BUILTIN_RULES, Citation, ForbiddenContent, RequiredDisclosures

NY = ZoneInfo("America/New_York")

MINI_MIRANDA = RequiredDisclosures(
    "reg_f_disclosures",
    fields=("identity", "amount", "creditor", "debt_collector_notice"),
    channels=("letter", "sms"),
    citation=Citation("12 CFR 1006.18(e)", mark="S"),
)
NO_PRESSURE = ForbiddenContent(
    "conc_no_pressure",
    tags=("threat", "suggest_borrowing"),
    citation=Citation("FCA CONC", "7.3.10R"),
)
GOOD = Step(
    "letter",
    template="letter.collect",
    must_state=("identity", "amount", "creditor"),
    tags=("debt_collector_notice",),
)
BARE = Step("sms", template="sms.nudge", must_state=("amount",))
THREAT = Step(
    "sms",
    template="sms.threat",
    must_state=("identity", "amount", "creditor"),
    tags=("debt_collector_notice", "threat"),
    id="threat",
)


def _policy(*steps: Step) -> Policy:
    return Policy(
        "content",
        stages=(Stage("collection", steps=steps),),
        rules=(MINI_MIRANDA, NO_PRESSURE),
        creditor="Example Lender",
    )


def _account() -> Account:
    return Account(
        "A",
        timezone="America/New_York",
        contacts=[ContactPoint("letter", "1 Main St"), ContactPoint("sms", "+12125550100")],
        invoices=[Invoice("I", Money("300.00", "USD"), date(2026, 2, 1))],
    )


NOW = datetime(2026, 2, 10, 10, tzinfo=NY)


def test_a_template_stating_every_disclosure_goes_out() -> None:
    d = decide(_policy(GOOD), _account(), NOW)
    assert [a.template for a in d.actions] == ["letter.collect"]


def test_required_disclosures_block_a_template_missing_them_with_a_clear_reason() -> None:
    d = decide(_policy(GOOD, BARE), _account(), NOW)
    [blocked] = d.blocked
    assert blocked.step == "sms.nudge"
    reason = blocked.reasons[-1]
    assert reason.code == "missing_disclosure"
    assert "creditor, debt_collector_notice, identity" in reason.message
    assert "must_state or tags" in reason.message


def test_forbidden_content_blocks_a_tagged_template() -> None:
    d = decide(_policy(GOOD, THREAT), _account(), NOW)
    [blocked] = d.blocked
    assert blocked.step == "threat"
    assert blocked.reasons[-1].code == "forbidden_content"
    assert "threat" in blocked.reasons[-1].message


def test_content_rules_are_checked_statically_by_overdue_check() -> None:
    warnings = [str(w) for w in policy_warnings(_policy(GOOD, BARE, THREAT))]
    missing = [w for w in warnings if "reg_f_disclosures" in w]
    forbidden = [w for w in warnings if "conc_no_pressure" in w]
    assert missing == [
        "$.stages[0].steps[1]: step 'sms.nudge' of 'collection' does not state creditor, "
        "debt_collector_notice, identity, which rule 'reg_f_disclosures' requires; it will "
        "always be blocked"
    ]
    assert len(forbidden) == 1
    assert forbidden[0].startswith("$.stages[0].steps[2]:")
    assert not any("always be blocked" in str(w) for w in policy_warnings(_policy(GOOD)))


def test_static_check_follows_the_rule_filters() -> None:
    in_app_only = RequiredDisclosures("in_app", fields=("identity",), channels=("in_app",))
    assert in_app_only.policy_problems(_policy(BARE)) == []
    exempt = ForbiddenContent("f", tags=("threat",), exempt_templates=("sms.threat",))
    assert exempt.policy_problems(_policy(THREAT)) == []


@pytest.mark.parametrize("kwargs", [{"fields": ()}, {"fields": ("",)}, {"fields": (1,)}])
def test_required_disclosures_validate(kwargs: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        RequiredDisclosures("r", **kwargs)  # type: ignore[arg-type]


def test_step_tags_validate() -> None:
    with pytest.raises(PolicyError):
        Step("sms", template="t", tags=("",))
    assert Step("sms", template="t", tags="threat").tags == ("threat",)


def test_content_rules_load_from_a_policy_file() -> None:
    assert BUILTIN_RULES["required_disclosures"] is RequiredDisclosures
    assert BUILTIN_RULES["forbidden_content"] is ForbiddenContent
    text = """
schema = "overdue.policy/1"
id = "content"
creditor = "Example Lender"

[[stages]]
id = "collection"

[[stages.steps]]
channel = "letter"
template = "letter.collect"
must_state = ["identity", "amount", "creditor"]
tags = ["debt_collector_notice"]

[[rules]]
kind = "required_disclosures"
id = "reg_f_disclosures"
fields = ["identity", "amount", "creditor", "debt_collector_notice"]
channels = ["letter", "sms"]
citation = { instrument = "12 CFR 1006.18(e)", mark = "S" }

[[rules]]
kind = "forbidden_content"
id = "conc_no_pressure"
tags = ["threat", "suggest_borrowing"]
citation = { instrument = "FCA CONC", section = "7.3.10R" }
"""
    policy = loads_policy(text)
    assert policy.rules == (MINI_MIRANDA, NO_PRESSURE)
    assert policy.stages[0].steps[0] == GOOD
    assert loads_policy(dumps_policy(policy)) == policy
    assert MINI_MIRANDA.describe() == (
        "messages must state amount, creditor, debt_collector_notice, identity "
        "(channels letter, sms)"
    )
    assert NO_PRESSURE.describe() == "messages must not carry suggest_borrowing, threat"
