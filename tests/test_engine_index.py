"""The engine's per-policy index: worked out once per policy, never mixed up between policies.

``decide`` keeps what it looks up in a policy on every call (rungs by id, the rungs after a
recorded one, the rules that attach obligations or retention) keyed by the policy object.  These
tests hold it to giving exactly the answers a fresh scan of each policy would give.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, fold
from overdue.engine import _MAX_INDEXES, _index
from overdue.events import StageEntered

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


def test_the_index_is_kept_per_policy_object() -> None:
    assert _index(REFERENCE_POLICY) is _index(REFERENCE_POLICY)


def test_an_equal_but_distinct_policy_gets_its_own_index() -> None:
    twin = attrs.evolve(REFERENCE_POLICY)
    assert _index(twin) is not _index(REFERENCE_POLICY)
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
    # asked again in the other order, each policy still answers for itself
    assert decide(REFERENCE_POLICY, acct, NOW) == on_decision
    assert decide(off, acct, NOW) == off_decision


def test_more_policies_than_the_cache_holds_still_decide_the_same() -> None:
    acct = _account("reminder")
    expected = decide(REFERENCE_POLICY, acct, NOW, snapshot=fold(acct, NOW))
    policies = [attrs.evolve(REFERENCE_POLICY) for _ in range(_MAX_INDEXES + 5)]
    for policy in policies:
        assert decide(policy, acct, NOW) == expected
    assert decide(REFERENCE_POLICY, acct, NOW) == expected
