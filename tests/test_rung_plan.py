"""The planner's per-rung plan (``CompiledPolicy.steps_of``) holds what each decision read of
the policy, the rung and the step before it was worked out once per policy (issue 10).

Each field is compared with the expression the planner evaluated per decision before, over
every example policy and stack of the golden corpus and over hand-made rungs that use what
the corpus does not (third-party steps, rotation, an agency's rung, rules that attach
obligations); the corpus's decisions then check the answers end to end
(``benchmarks/golden.py``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from overdue import (
    Account,
    ContactPoint,
    Invoice,
    Money,
    Policy,
    Stage,
    Step,
    decide,
    reference_policy,
)
from overdue.compiled import RungPlan
from overdue.engine.plan import CANDIDATE_FIXED, idempotency_key
from overdue.events import StageEntered
from overdue.obligations import IDENTITY_DISCLOSURE, Obligation
from overdue.rules import ContactHours, FieldVisitConduct, ThirdPartyContact
from overdue.rules.conduct import action_obligations
from overdue.situation import Candidate
from overdue.testing.corpus import corpus_policies

EXAMPLE_POLICIES = Path(__file__).resolve().parent.parent / "examples" / "policies"


def _hand_made() -> dict[str, Policy]:
    """Rungs the corpus's policies do not have."""
    hours = ContactHours(
        "hours", window=(datetime(2026, 1, 1, 8).time(), datetime(2026, 1, 1, 21).time())
    )
    agency = Stage(
        "agency",
        performed_by="third_party",
        obligations=(Obligation("record_visit", "record it"), Obligation("two_staff", "two")),
        steps=(
            Step("phone", template="call", rotate=("invalid", "capped"), fallback="sms"),
            Step("phone", template="relay", id="relay", party="third_party"),
            Step("letter", template="notice", at="2d", must_state=("amount",)),
            Step("sms", template="text", at="1d", repeat_every="1d", max_attempts=2),
        ),
        grace="5d",
    )
    return {
        "third-party": Policy(
            "tp", stages=(agency,), rules=(hours, ThirdPartyContact("tp", mode="location_only"))
        ),
        "conduct": Policy(
            "conduct",
            stages=(agency,),
            rules=(hours, FieldVisitConduct("conduct", channels=("phone", "letter"))),
            legal_terms="terms §1",
            creditor="ACME",
        ),
        "field-visit": reference_policy(field_visit=True),
    }


def _policies() -> dict[str, Policy]:
    return {**corpus_policies(EXAMPLE_POLICIES), **_hand_made()}


@pytest.mark.parametrize("name", sorted(_policies()))
def test_a_rung_plan_holds_what_each_decision_read(name: str) -> None:
    policy = _policies()[name]
    compiled = policy.compiled
    for stage in policy.stages:
        rung = compiled.steps_of(stage, policy)
        assert compiled.steps_of(stage, policy) is rung  # kept per rung
        assert isinstance(rung, RungPlan)
        assert (rung.stage, rung.grace, rung.horizon) == (stage.id, stage.grace, policy.horizon)
        assert rung.compiled is compiled
        base = stage.obligations
        if stage.performed_by == "third_party" and IDENTITY_DISCLOSURE not in base:
            base = (IDENTITY_DISCLOSURE, *base)
        assert rung.merge == base
        if compiled.obligation_rules:
            assert rung.obligations is None  # merged per candidate
        else:  # with no rule to ask, the candidate plays no part
            assert rung.obligations == action_obligations(base, (), cast(Candidate, None))
        assert [p.step for p in rung.steps] == list(stage.steps)
        for plan in rung.steps:
            step = plan.step
            assert (plan.key, plan.max_attempts) == (step.key, step.max_attempts)
            assert plan.once == (step.repeat_every is None)
            at = datetime(2026, 3, 1, 9, tzinfo=UTC)
            offset = plan.offset
            due = at if offset is None else offset.after(at, UTC, policy.calendar)
            assert due == step.at.after(at, UTC, policy.calendar)
            assert plan.simple == (step.party != "third_party" and not step.rotate)
            assert plan.facts == (policy.legal_terms, policy.creditor, step.must_state)
            names = [ch.channel for ch in plan.channels]
            assert names == [c for c in (step.channel, step.fallback) if c is not None]
            for i, ch in enumerate(plan.channels):
                channel = ch.channel
                assert ch.scoped is compiled.rules_for(stage.id, channel, step.template, step.tags)
                assert ch.addressless == (channel in policy.addressless_channels)
                assert ch.tried == "/".join(names[: i + 1])
                assert dict(zip(CANDIDATE_FIXED, ch.candidate, strict=True)) == {
                    "stage": stage.id,
                    "step": step.key,
                    "channel": channel,
                    "template": step.template,
                    "is_fallback": channel != step.channel,
                    "must_state": step.must_state,
                    "tags": step.tags,
                    "is_reply": False,
                }
                assert ch.action == (
                    stage.id,
                    step.key,
                    channel,
                    step.template,
                    step.max_attempts,
                    step.channel if channel != step.channel else None,
                    stage.performed_by,
                    step.party,
                    step.party == "debtor",
                    None,
                )


SH = ZoneInfo("Asia/Shanghai")


def _account(i: int) -> Account:
    contacts = [
        ContactPoint("phone", f"+86138{i:08d}"),
        ContactPoint("phone", f"+86139{i:08d}", is_debtor=False, label="sister"),
    ]
    if i % 2:
        contacts.insert(0, ContactPoint("phone", f"+86137{i:08d}", kind="home"))
    if i % 3:
        contacts.append(ContactPoint("sms", f"+86136{i:08d}"))
    return Account(
        f"A-{i}",
        timezone="Asia/Shanghai",
        contacts=contacts,
        invoices=[Invoice("I-1", Money("1200.00", "CNY"), date(2026, 2, 1))],
        events=[StageEntered(at=datetime(2026, 2, 20, 9, tzinfo=SH), stage="agency")],
    )


@pytest.mark.parametrize("name", ["third-party", "conduct"])
def test_the_party_and_keys_the_plan_states_are_the_candidates(name: str) -> None:
    """An Action's ``party`` comes from its step (every point a step goes to is its party's),
    its key is :func:`idempotency_key`'s, and its obligations are the rung's merged with
    what rules attach: as the planner worked them out per candidate before."""
    policy = _hand_made()[name]
    stage = policy.stages[0]
    seen = 0
    for i in range(12):
        acct = _account(i)
        for hour in (3, 10, 20):
            now = datetime(2026, 3, 5, hour, tzinfo=SH)
            d = decide(policy, acct, now)
            for a in d.actions:
                third = a.contact is not None and not a.contact.is_debtor
                assert a.party == ("third_party" if third else "debtor")
                assert a.discloses_debt == (not third)
                entries = int(a.idempotency_key.split("#")[1].split(":")[0])
                assert a.idempotency_key == idempotency_key(
                    acct.id, a.stage, entries, a.step, a.attempt
                )
                base = (IDENTITY_DISCLOSURE, *stage.obligations)
                cand = Candidate(a.stage, a.step, a.channel, a.template, a.attempt, a.contact, None)  # type: ignore[arg-type]
                assert a.obligations == action_obligations(
                    base, policy.compiled.obligation_rules, cand
                )
                seen += 1
    assert seen > 20
