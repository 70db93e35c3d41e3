"""The scheduler's fast paths say what the full fixed point says.

``schedule`` asks an account with no fact, cease request or opt-out on file only the rules
that can speak to it (``Scoped.calm``), runs a lean loop when nothing can lift an objection,
and asks frequency caps through their counters.  Every call ``decide`` makes is checked here
against the full loop over every applicable rule's own ``check``, with the lifting, for the
golden corpus's accounts (ladder histories with holds, cease requests, opt-outs, waivers,
promises...) under every example policy and preset stack, at moments hypothesis picks (issue 10).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import overdue.engine.plan as plan_module
from overdue import decide
from overdue.compiled import CompiledPolicy, Scoped
from overdue.durations import Duration
from overdue.engine.schedule import Scheduled, _fixed_point, _Lifts, schedule
from overdue.rules.parties import third_party_gate
from overdue.situation import Candidate
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts

EXAMPLE_POLICIES = Path(__file__).resolve().parent.parent / "examples" / "policies"


@cache
def _policies() -> tuple[tuple[str, Any], ...]:
    """The decision corpus's policies (``overdue.testing.corpus``), as golden.py's."""
    return tuple(corpus_policies(EXAMPLE_POLICIES).items())


@cache
def _accounts() -> tuple[Any, ...]:
    return tuple(generate_accounts(300))


def _full(
    scoped: Scoped, cand: Candidate, start: datetime, horizon: Duration, compiled: CompiledPolicy
) -> Scheduled:
    """``schedule`` without its fast paths: every rule in scope, each asked its ``check``."""
    out = {id(r) for r in scoped.dynamic if not r.applies_to(cand)}
    applicable = [r for r in scoped.rules if id(r) not in out]
    granting = [g for g in scoped.granting if id(g) not in out]
    contact = cand.contact
    if contact is not None and not contact.is_debtor:
        gate = third_party_gate(applicable, cand)
        if gate is not None:
            return Scheduled(None, (gate,), ())
    if not applicable:
        return Scheduled(start, (), ())
    checks = [r.check for r in applicable]
    return _fixed_point(applicable, checks, cand, start, horizon, _Lifts(granting, cand, compiled))


def _checking(original: Any, calls: list[int]) -> Any:
    """``original`` (``schedule``), asserting on every call that it equals the full loop."""

    def both(
        scoped: Scoped,
        cand: Candidate,
        start: datetime,
        horizon: Duration,
        compiled: CompiledPolicy,
    ) -> Scheduled:
        got = original(scoped, cand, start, horizon, compiled)
        assert got == _full(scoped, cand, start, horizon, compiled), (cand, start)
        calls[0] += 1
        return got

    return both


@pytest.fixture
def checked_schedule(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    monkeypatch.setattr(plan_module, "schedule", _checking(schedule, calls))
    return calls


def test_every_schedule_of_the_corpus_matches_the_full_loop(checked_schedule: list[int]) -> None:
    for _, policy in _policies():
        for now in CORPUS_MOMENTS:
            for acct in _accounts()[::3]:
                decide(policy, acct, now)
    assert checked_schedule[0] > 1000  # the corpus does plan steps


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 299),
    st.integers(0, 10_000),
    st.integers(-60 * 24 * 30, 60 * 24 * 60),
)
def test_at_any_moment_the_fast_paths_match_the_full_loop(
    account: int, policy: int, minutes: int
) -> None:
    _, pol = _policies()[policy % len(_policies())]
    now = CORPUS_MOMENTS[1] + timedelta(minutes=minutes)
    original = plan_module.schedule
    plan_module.schedule = _checking(original, [0])
    try:
        decide(pol, _accounts()[account], now)
    finally:
        plan_module.schedule = original
