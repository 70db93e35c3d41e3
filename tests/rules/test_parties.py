"""Third-party contact: forbidden (UK CONC 7.9), location only (Reg F 1006.10), or only once
the debtor is unreachable (CN-1, CN-10), and never about the debt.

The debtor lives in Asia/Shanghai (US scenarios in America/New_York); the account names two
third parties: the debtor's sister (two numbers, one person) and an employer.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.decision import Action
from overdue.dispatch.messages import Renderer
from overdue.errors import PolicyError
from overdue.events import ContactAttempted, DebtorContacted, StageEntered
from overdue.policy import check_stacked
from overdue.rules import ContactHours, Rule, ThirdPartyContact

SH = ZoneInfo("Asia/Shanghai")
DEBTOR = "+8613812345678"
SISTER = "+8613900000001"
SISTER_2 = "+8613900000002"
EMPLOYER = "+8610650000000"
NOW = datetime(2026, 3, 5, 10, tzinfo=SH)


def _policy(*rules: Rule) -> Policy:
    return Policy(
        "cn",
        stages=(
            Stage(
                "collection",
                steps=(
                    Step("phone", template="call"),
                    Step("phone", template="relay_message", id="relay", party="third_party"),
                ),
            ),
        ),
        rules=(
            ContactHours(
                "hours", window=(datetime(2026, 1, 1, 8).time(), datetime(2026, 1, 1, 22).time())
            ),
            *rules,
        ),
    )


def _account(*events: object) -> Account:
    return Account(
        "CN-10",
        timezone="Asia/Shanghai",
        contacts=[
            ContactPoint("phone", DEBTOR),
            ContactPoint("phone", SISTER, label="sister", is_debtor=False),
            ContactPoint("phone", SISTER_2, label="sister", is_debtor=False),
            ContactPoint("phone", EMPLOYER, label="employer", is_debtor=False),
        ],
        invoices=[Invoice("I-1", Money("1200.00", "CNY"), date(2026, 2, 1))],
        events=[StageEntered(at=datetime(2026, 2, 20, 9, tzinfo=SH), stage="collection"), *events],  # type: ignore[list-item]
    )


def _attempt(day: int, hour: int, outcome: str, to: str = DEBTOR) -> ContactAttempted:
    party = "debtor" if to == DEBTOR else "third_party"
    return ContactAttempted(
        at=datetime(2026, 3, day, hour, tzinfo=SH),
        channel="phone",
        outcome=outcome,
        contact_point=to,
        party=party,
    )


def _failed_three_times() -> list[ContactAttempted]:
    return [_attempt(4, h, o) for h, o in ((9, "no_answer"), (13, "failed"), (17, "no_answer"))]


def _relay(d_actions: tuple[Action, ...]) -> Action | None:
    return next((a for a in d_actions if a.step == "relay"), None)


def _block_codes(policy: Policy, account: Account) -> list[str]:
    d = decide(policy, account, NOW)
    (blocked,) = [b for b in d.blocked if b.step == "relay"]
    return [r.code for r in blocked.reasons if r.effect == "block"]


CN_10 = ThirdPartyContact("cn10_contacts", mode="unreachable_only", unreachable_after=3)


def test_a_policy_that_contacts_third_parties_needs_a_rule_governing_them() -> None:
    # Built bare (a preset may bring the rule), refused once stacked without one, and never
    # planned meanwhile: third parties are not contacted by default.
    bare = _policy()
    with pytest.raises(PolicyError, match="third_party_contact"):
        check_stacked(bare)
    codes = _block_codes(bare, _account(*_failed_three_times()))
    assert codes == ["third_party_ungoverned"]


def test_uk_forbid_blocks_every_third_party_and_leaves_the_debtor_alone() -> None:
    policy = _policy(ThirdPartyContact("uk_conc_7_9", mode="forbid"))
    d = decide(policy, _account(*_failed_three_times()), NOW)
    assert [a.step for a in d.actions] == ["call"]
    assert set(_block_codes(policy, _account())) == {"third_party_forbidden"}


def test_cn_third_parties_wait_until_the_debtor_is_unreachable() -> None:
    two_failures = _failed_three_times()[:2]
    assert set(_block_codes(_policy(CN_10), _account(*two_failures))) == {"debtor_reachable"}


def test_cn_after_three_failed_attempts_a_third_party_may_be_asked_to_pass_a_message() -> None:
    d = decide(_policy(CN_10), _account(*_failed_three_times()), NOW)
    relay = _relay(d.actions)
    assert relay is not None
    assert relay.not_before == NOW
    assert relay.contact is not None
    assert relay.contact.address == SISTER
    assert (relay.party, relay.discloses_debt) == ("third_party", False)
    assert relay.outcome_event("delivered", NOW).party == "third_party"
    assert "to a third party, stating no debt facts" in d.explain()
    debtor_call = next(a for a in d.actions if a.step == "call")
    assert (debtor_call.party, debtor_call.discloses_debt) == ("debtor", True)


def test_the_message_to_a_third_party_states_no_debt_fact() -> None:
    relay = _relay(decide(_policy(CN_10), _account(*_failed_three_times()), NOW).actions)
    assert relay is not None
    message = Renderer(locale="zh-CN").render(relay)
    assert message.template == "neutral"
    assert "1200" not in message.body
    assert "逾期" not in message.body


def test_an_invalid_number_makes_the_debtor_unreachable_at_once() -> None:
    account = _account(_attempt(4, 9, "invalid_number"))
    relay = _relay(decide(_policy(CN_10), account, NOW).actions)
    assert relay is not None
    assert relay.not_before == NOW


def test_a_successful_attempt_or_the_debtors_own_contact_ends_the_streak() -> None:
    answered = [*_failed_three_times(), _attempt(4, 19, "conversation")]
    assert set(_block_codes(_policy(CN_10), _account(*answered))) == {"debtor_reachable"}
    heard = DebtorContacted(at=datetime(2026, 3, 4, 20, tzinfo=SH), channel="sms")
    assert set(_block_codes(_policy(CN_10), _account(*_failed_three_times(), heard))) == {
        "debtor_reachable"
    }


def test_contacts_to_third_parties_do_not_count_as_attempts_to_the_debtor() -> None:
    events = [*_failed_three_times()[:2], _attempt(4, 18, "no_answer", to=EMPLOYER)]
    assert set(_block_codes(_policy(CN_10), _account(*events))) == {"debtor_reachable"}


def test_a_refusal_stops_contact_with_that_person_for_good() -> None:
    # The sister refused (on her first number): neither of her numbers is used again; the
    # employer is next.  Once the employer refuses too, the step is blocked.
    refused = _attempt(4, 19, "refused", to=SISTER)
    d = decide(_policy(CN_10), _account(*_failed_three_times(), refused), NOW)
    relay = _relay(d.actions)
    assert relay is not None
    assert relay.contact is not None
    assert relay.contact.address == EMPLOYER
    both = [refused, _attempt(4, 20, "refused", to=EMPLOYER)]
    assert set(_block_codes(_policy(CN_10), _account(*_failed_three_times(), *both))) == {
        "third_party_refused"
    }


def test_us_location_inquiry_at_most_once_per_person() -> None:
    rule = ThirdPartyContact("reg_f_1006_10", mode="location_only", max_per_person=1)
    asked_sister = _attempt(4, 11, "conversation", to=SISTER_2)
    d = decide(_policy(rule), _account(asked_sister), NOW)
    relay = _relay(d.actions)
    assert relay is not None
    assert relay.contact is not None
    assert relay.contact.address == EMPLOYER
    asked_both = [asked_sister, _attempt(4, 12, "conversation", to=EMPLOYER)]
    assert set(_block_codes(_policy(rule), _account(*asked_both))) == {"third_party_limit"}


def test_the_rule_never_looks_at_the_debtor() -> None:
    d = decide(_policy(ThirdPartyContact("forbid")), _account(), NOW)
    assert any(a.step == "call" and a.not_before == NOW for a in d.actions)


def test_the_debt_is_never_disclosed_and_counts_are_whole_numbers() -> None:
    with pytest.raises(PolicyError, match="never be told"):
        ThirdPartyContact("x", mode="location_only", disclose_debt=True)
    with pytest.raises(PolicyError):
        ThirdPartyContact("x", unreachable_after=0)
    with pytest.raises(PolicyError):
        ThirdPartyContact("x", max_per_person=0)


def test_describe() -> None:
    assert CN_10.describe() == (
        "third parties only once the debtor is unreachable (3 failed attempts or an invalid "
        "number), never again after a refusal, never disclosing the debt"
    )
    assert ThirdPartyContact("uk").describe() == "no contact with third parties"


# -- issue 14: persons, the next-day wait, the gate ---------------------------------------------


def test_persons_limits_third_party_contact_to_the_named_person() -> None:
    rule = ThirdPartyContact(
        "nifa", mode="unreachable_only", persons=("employer",), unreachable_after=3
    )
    d = decide(_policy(rule), _account(*_failed_three_times()), NOW)
    relay = _relay(d.actions)
    assert relay is not None
    assert relay.contact is not None
    assert relay.contact.label == "employer"  # the sisters, first on file, are not named
    assert "only employer" in rule.describe()


def test_wait_next_local_day_defers_to_midnight_after_the_day_the_debtor_became_unreachable() -> (
    None
):
    rule = ThirdPartyContact("cba", mode="unreachable_only", wait="next_local_day")
    same_evening = datetime(2026, 3, 4, 19, tzinfo=SH)
    d = decide(_policy(rule), _account(*_failed_three_times()), same_evening)
    relay = _relay(d.actions)
    assert relay is not None
    assert relay.not_before == datetime(2026, 3, 5, 8, tzinfo=SH)  # midnight, then the hours
    assert "from the next local day" in rule.describe()
    invalid = [_attempt(4, 9, "invalid_number")]
    d = decide(_policy(rule), _account(*invalid), same_evening)
    relay = _relay(d.actions)
    assert relay is not None
    assert relay.not_before == datetime(2026, 3, 5, 8, tzinfo=SH)


def test_the_gate_blocks_a_third_party_step_stating_debt_facts_whatever_the_rule() -> None:
    policy = _policy(ThirdPartyContact("loc", mode="location_only"))
    telling = attrs.evolve(
        policy,
        stages=tuple(
            attrs.evolve(
                s,
                steps=tuple(
                    attrs.evolve(x, must_state=("amount", "deadline")) if x.key == "relay" else x
                    for x in s.steps
                ),
            )
            for s in policy.stages
        ),
    )
    assert _block_codes(telling, _account()) == ["third_party_disclosure"]
    assert _block_codes(
        attrs.evolve(
            telling,
            stages=tuple(
                attrs.evolve(
                    s,
                    steps=tuple(
                        attrs.evolve(x, must_state=(), tags=("debt_collector_notice",))
                        if x.key == "relay"
                        else x
                        for x in s.steps
                    ),
                )
                for s in telling.stages
            ),
        ),
        _account(),
    ) == ["third_party_disclosure"]
