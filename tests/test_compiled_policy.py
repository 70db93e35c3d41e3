"""The compiled policy: worked out once per policy, on the policy, never mixed up between them.

``decide`` reads what it looks up on every call (rungs by id, the rungs after a recorded one, the
rules that attach obligations or retention) from ``policy.compiled``, a cached attribute of the
frozen policy (it replaced a module-global cache keyed by ``id(policy)``).
"""

from __future__ import annotations

import warnings
from datetime import date, datetime
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import attrs

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, fold
from overdue.compiled import CompiledPolicy
from overdue.config import load_policy
from overdue.events import StageEntered
from overdue.policy import Policy
from overdue.presets.stacking import with_presets
from overdue.rules.base import RuleBase, Verdict
from overdue.rules.protocols import SetsRetention
from overdue.situation import Candidate, Situation

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "policies"

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, tzinfo=SH)


def _account(stage: str | None = None) -> Account:
    events = (StageEntered(at=datetime(2026, 2, 20, 9, tzinfo=SH), stage=stage),) if stage else ()
    return Account(
        "ACC-IX",
        timezone="Asia/Shanghai",
        invoices=(Invoice("INV-1", Money("800", "CNY"), date(2026, 1, 10)),),
        contacts=(ContactPoint("sms", "+8613800000000"), ContactPoint("phone", "+8613800000000")),
        events=events,
    )


def test_the_compiled_policy_is_kept_on_the_policy_object() -> None:
    assert REFERENCE_POLICY.compiled is REFERENCE_POLICY.compiled
    assert isinstance(REFERENCE_POLICY.compiled, CompiledPolicy)


def test_an_equal_but_distinct_policy_compiles_its_own() -> None:
    twin = attrs.evolve(REFERENCE_POLICY)
    assert twin.compiled is not REFERENCE_POLICY.compiled
    assert twin.compiled == REFERENCE_POLICY.compiled
    acct = _account("courtesy_call")
    assert decide(twin, acct, NOW) == decide(REFERENCE_POLICY, acct, NOW)


def test_a_rung_switched_off_in_one_policy_is_not_seen_through_another() -> None:
    stages = tuple(
        attrs.evolve(s, enabled=False) if s.id == "courtesy_call" else s
        for s in REFERENCE_POLICY.stages
    )
    off = attrs.evolve(REFERENCE_POLICY, stages=stages)
    acct = _account("courtesy_call")
    on_decision = decide(REFERENCE_POLICY, acct, NOW)
    off_decision = decide(off, acct, NOW)
    assert on_decision.stage == "courtesy_call"
    assert "disabled_stage" in {r.code for r in off_decision.reasons}
    assert decide(REFERENCE_POLICY, acct, NOW) == on_decision
    assert decide(off, acct, NOW) == off_decision


def test_rule_features_are_found_by_protocol() -> None:
    from overdue.rules import RecordRetention

    keep = RecordRetention("keep", years=3)
    policy = attrs.evolve(REFERENCE_POLICY, rules=(*REFERENCE_POLICY.rules, keep))
    assert isinstance(keep, SetsRetention)
    assert policy.compiled.retention_rules == (keep,)
    assert REFERENCE_POLICY.compiled.retention_rules == ()


# --- rules by scope: filtered once per policy, the same rules as asking each ------------------


def _policies() -> list[Policy]:
    from overdue.reference import reference_policy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [
            REFERENCE_POLICY,
            reference_policy(field_visit=True),
            with_presets(REFERENCE_POLICY, "cn_nifa_2018", "cn_gbt_2025", "cn_cba_2026"),
            with_presets(REFERENCE_POLICY, "uk_conc7"),
            with_presets(REFERENCE_POLICY, "us_reg_f", "us_state_ma"),
            *(load_policy(p) for p in sorted(EXAMPLES.glob("*.toml"))),
        ]


def test_rules_for_a_scope_are_the_rules_that_apply_in_the_policys_order() -> None:
    acct = _account()
    snap = fold(acct, NOW)
    checked = 0
    for policy in _policies():
        for stage in policy.stages:
            for step in stage.steps:
                for channel in (step.channel, step.fallback):
                    if channel is None:
                        continue
                    s = Situation(
                        acct, snap, NOW, SH, "account", policy.calendar, NOW.date(), 0, None
                    )
                    cand = Candidate(
                        stage.id, step.key, channel, step.template, 1, None, s, tags=step.tags
                    )
                    scoped = policy.compiled.rules_for(stage.id, channel, step.template, step.tags)
                    asked = [
                        r
                        for r in scoped.rules
                        if id(r) not in policy.compiled.dynamic_rules or r.applies_to(cand)
                    ]
                    assert asked == [r for r in policy.rules if r.applies_to(cand)]
                    assert list(scoped.dynamic) == [
                        r for r in scoped.rules if id(r) in policy.compiled.dynamic_rules
                    ]
                    assert list(scoped.granting) == [
                        r for r in scoped.rules if id(r) in policy.compiled.reply_rules
                    ]
                    assert (
                        policy.compiled.rules_for(stage.id, channel, step.template, step.tags)
                        is scoped
                    )  # worked out once per key
                    checked += 1
    assert checked > 50


def test_a_rule_with_an_applies_to_of_its_own_is_asked_per_candidate() -> None:
    @attrs.frozen
    class OnlyAttemptTwo(RuleBase):
        kind: ClassVar[str] = "only_attempt_two"

        def applies_to(self, candidate: Candidate) -> bool:
            return candidate.attempt == 2

        def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
            return self.block("no", "never on a second attempt")

    rule = OnlyAttemptTwo("second")
    policy = attrs.evolve(REFERENCE_POLICY, rules=(*REFERENCE_POLICY.rules, rule))
    assert id(rule) in policy.compiled.dynamic_rules
    stage = policy.stages[0]
    step = stage.steps[0]
    scoped = policy.compiled.rules_for(stage.id, step.channel, step.template, step.tags)
    assert rule in scoped.dynamic
