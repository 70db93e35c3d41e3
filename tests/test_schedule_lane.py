"""The scheduler's lane and its kept held answers say what the general paths say.

``schedule`` runs a scope's :class:`~overdue.engine.schedule.Lane` (contact hours and caps
seen to allow inline, one conversion a round) where it would run the lean loop, and keeps in
a held snapshot's memo the block of open-ended holds.  Here every lane run is checked
against the lean loop over the same checks (each run first on a fresh memo, or after the
lean loop filled it), and held snapshots decided again and again (memo kept) against the
full loop, for the golden corpus's accounts under every example policy and preset stack, at
moments and in zones hypothesis picks (issue 10).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import overdue.engine.plan as plan_module
import overdue.engine.schedule as schedule_module
from overdue import REFERENCE_POLICY, decide, fold
from overdue.compiled import CompiledPolicy, Scoped
from overdue.durations import Duration
from overdue.engine.schedule import Scheduled, _fixed_point, _lean, _Lifts, schedule
from overdue.events import FactSet
from overdue.rules import ContactHours, FrequencyCap
from overdue.rules.holds import HALTING_FACTS
from overdue.rules.lane import Lane
from overdue.rules.parties import third_party_gate
from overdue.situation import Candidate
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts

EXAMPLE_POLICIES = Path(__file__).resolve().parent.parent / "examples" / "policies"


@cache
def _policies() -> tuple[tuple[str, Any], ...]:
    return tuple(corpus_policies(EXAMPLE_POLICIES).items())


@cache
def _accounts() -> tuple[Any, ...]:
    return tuple(a for a in generate_accounts(300) if a.events)


class _LaneChecked:
    """``_run_lane``, asserting on every run that it equals the lean loop over its checks.

    Each run is made three times (the first run of a lane on a snapshot asks its caps, the
    second works out their bars, the next ones compare with them), before the lean loop on
    odd runs (on the memo as the decision left it) and after it on even runs (which counts
    again first)."""

    def __init__(self) -> None:
        self.runs = 0
        self._run_lane = schedule_module._run_lane

    def run(self, lane: Lane, cand: Candidate, start: datetime, horizon: Duration) -> Scheduled:
        self.runs += 1
        if self.runs % 2:
            got: Scheduled = self._run_lane(lane, cand, start, horizon)
            again: Scheduled = self._run_lane(lane, cand, start, horizon)
            third: Scheduled = self._run_lane(lane, cand, start, horizon)
            want = _lean(lane.checks, cand, start, horizon)
        else:
            want = _lean(lane.checks, cand, start, horizon)
            got = self._run_lane(lane, cand, start, horizon)
            again = self._run_lane(lane, cand, start, horizon)
            third = self._run_lane(lane, cand, start, horizon)
        assert got == want, (cand, start)
        assert again == want, (cand, start)
        assert third == want, (cand, start)
        return got


@pytest.fixture
def lane_checked(monkeypatch: pytest.MonkeyPatch) -> _LaneChecked:
    c = _LaneChecked()
    monkeypatch.setattr(schedule_module, "_run_lane", c.run)
    return c


def test_every_lane_of_the_corpus_matches_the_lean_loop(lane_checked: _LaneChecked) -> None:
    for _, policy in _policies():
        for now in CORPUS_MOMENTS:
            for acct in _accounts()[::3]:
                decide(policy, acct, now)
    assert lane_checked.runs > 1000  # the corpus does run lanes


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(-60 * 24 * 30, 60 * 24 * 60),
    st.sampled_from((None, "America/New_York", "Europe/London", "Australia/Lord_Howe")),
)
def test_at_any_moment_in_any_zone_the_lane_matches_the_lean_loop(
    account: int, policy: int, minutes: int, zone: str | None
) -> None:
    _, pol = _policies()[policy % len(_policies())]
    acct = _accounts()[account % len(_accounts())]
    if zone is not None:
        acct = attrs.evolve(acct, timezone=zone)
    now = CORPUS_MOMENTS[1] + timedelta(minutes=minutes)
    c = _LaneChecked()
    original = schedule_module._run_lane
    schedule_module._run_lane = c.run  # type: ignore[assignment]
    try:
        snap = fold(acct, now)
        decide(pol, acct, now, snapshot=snap)
        decide(pol, acct, now + timedelta(hours=minutes % 50), snapshot=snap)  # memo kept
    finally:
        schedule_module._run_lane = original  # type: ignore[assignment]


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


def _checking(calls: list[int]) -> Any:
    def both(
        scoped: Scoped, cand: Candidate, start: datetime, horizon: Duration, c: CompiledPolicy
    ) -> Scheduled:
        got = schedule(scoped, cand, start, horizon, c)
        assert got == _full(scoped, cand, start, horizon, c), (cand, start)
        calls[0] += 1
        return got

    return both


@settings(max_examples=120, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.sampled_from(HALTING_FACTS[:3]),
    st.none() | st.integers(1, 60 * 24 * 40),
    st.lists(st.integers(0, 60 * 24 * 60), min_size=2, max_size=4),
)
def test_a_held_snapshot_decided_again_and_again_matches_the_full_loop(
    account: int, policy: int, fact: str, until: int | None, later: list[int]
) -> None:
    """The held block kept in the snapshot's memo answers as the full loop at every moment
    (a hold with an end is not kept: its answer depends on the moment)."""
    _, pol = _policies()[policy % len(_policies())]
    acct = _accounts()[account % len(_accounts())]
    at = acct.events[-1].at
    end = None if until is None else at + timedelta(minutes=until)
    held = attrs.evolve(acct, events=(*acct.events, FactSet(at=at, name=fact, until=end)))
    now = at + timedelta(minutes=1)
    snap = fold(held, now)
    calls = [0]
    original = plan_module.schedule
    plan_module.schedule = _checking(calls)
    try:
        for minutes in later:
            decide(pol, held, now + timedelta(minutes=minutes), snapshot=snap)
    finally:
        plan_module.schedule = original


_ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata")
_CHANNELS = ("phone", "sms", "email")


@st.composite
def _hours(draw: st.DrawFn, n: int) -> ContactHours:
    """Contact hours on some weekdays, other days closed or another rule's."""
    opens = draw(st.integers(0, 22))
    closes = draw(st.integers(opens + 1, 23))
    weekdays = draw(st.none() | st.sets(st.integers(0, 6), min_size=1))
    other = "open" if weekdays is not None and draw(st.booleans()) else "closed"
    return ContactHours(
        f"hours-{n}",
        window=(time(opens, draw(st.sampled_from((0, 30)))), time(closes)),
        weekdays=weekdays,
        other_days=other,
        channels=draw(st.none() | st.sets(st.sampled_from(_CHANNELS), min_size=1)),
    )


@st.composite
def _cap(draw: st.DrawFn, n: int) -> FrequencyCap:
    """A cap of a shape the lane sees (or not: per point, per debt, hours, months)."""
    window = draw(st.sampled_from(("rolling", "rolling_days")))
    unit = draw(st.sampled_from(("d", "w") if window == "rolling_days" else ("d", "w", "h", "mo")))
    return FrequencyCap(
        f"cap-{n}",
        max_contacts=draw(st.integers(1, 4)),
        per=f"{draw(st.integers(1, 10))}{unit}",
        window=window,
        scope=draw(st.sampled_from(("debtor", "debtor", "debtor", "contact_point", "debt"))),
        counts=draw(st.sampled_from(("attempt", "connected", "unanswered"))),
        channels=draw(st.none() | st.sets(st.sampled_from(_CHANNELS), min_size=1)),
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_with_any_hours_and_caps_in_any_zone_the_lane_matches_the_lean_loop(
    data: st.DataObject,
) -> None:
    """Contact hours on some weekdays (other days closed, or open to another rule) and caps
    of every shape, in zones with daylight saving (half an hour in Lord Howe) or without,
    decided again and again from one snapshot: every lane run equals the lean loop."""
    rules = [data.draw(_hours(i)) for i in range(data.draw(st.integers(0, 2)))]
    rules += [data.draw(_cap(i)) for i in range(data.draw(st.integers(0, 3)))]
    keep = tuple(
        r for r in REFERENCE_POLICY.rules if r.kind not in ("contact_hours", "frequency_cap")
    )
    policy = attrs.evolve(REFERENCE_POLICY, rules=(*keep, *data.draw(st.permutations(rules))))
    acct = attrs.evolve(
        data.draw(st.sampled_from(_accounts())), timezone=data.draw(st.sampled_from(_ZONES))
    )
    now = max(e.at for e in acct.events) + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 9)))
    c = _LaneChecked()
    original = schedule_module._run_lane
    schedule_module._run_lane = c.run  # type: ignore[assignment]
    try:
        snap = fold(acct, now)
        for minutes in data.draw(st.lists(st.integers(0, 60 * 24 * 40), min_size=1, max_size=3)):
            decide(policy, acct, now + timedelta(minutes=minutes), snapshot=snap)
    finally:
        schedule_module._run_lane = original  # type: ignore[assignment]
