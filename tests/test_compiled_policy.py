"""The compiled policy: worked out once per policy, on the policy, never mixed up between them.

``decide`` reads what it looks up on every call (rungs by id, the rungs after a recorded one, the
rules that attach obligations or retention) from ``policy.compiled``, a cached attribute of the
frozen policy (it replaced a module-global cache keyed by ``id(policy)``).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide
from overdue.compiled import CompiledPolicy
from overdue.events import StageEntered
from overdue.rules.protocols import SetsRetention

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
