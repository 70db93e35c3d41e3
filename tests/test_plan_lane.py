"""The planner's lane (issue 10): what a held snapshot keeps of its rung between decisions
(``overdue.engine.plan._prepared``: each pending step's next attempts, keys and contact points,
worked out before ``now`` matters) answers as the general path, which works them out afresh
for every decision (``plan.LANE = False``).

The risk is a value kept for one decision and reused by another it does not fit: a later or
an earlier ``now`` (windows of ``catch_up = "latest_only"`` passing), another policy, another
account or rung.  So each case decides one held snapshot at several moments, in an order that
goes back and forth, under two policies in turn, and compares every answer with the general
path's.  The per-step arithmetic is held to ``next_attempt`` at any moment too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import overdue.engine.plan as plan_module
from overdue import Account, Policy, decide, fold
from overdue.calendars import MON_FRI
from overdue.config.decisions import decision_to_dict
from overdue.durations import Duration
from overdue.engine.catchup import NextAttempt, answer, attempts_due, next_attempt
from overdue.snapshot import Snapshot, StepProgress
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts
from overdue.testing.strategies import accounts, policies

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_POLICIES = ROOT / "examples" / "policies"
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Offsets from the first moment a snapshot is decided at: later, earlier, across windows.
SHIFTS = (
    timedelta(0),
    timedelta(hours=5),
    timedelta(days=2),
    timedelta(hours=-3),
    timedelta(days=9),
    timedelta(days=1),
    timedelta(days=45),
)


def _general(policy: Policy, account: Account, now: datetime, snap: Snapshot) -> dict[str, object]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plan_module, "LANE", False)
        d = decide(policy, account, now, snapshot=snap)
        return {"dict": decision_to_dict(d), "explain": d.explain()}


def _answer(policy: Policy, account: Account, now: datetime, snap: Snapshot) -> dict[str, object]:
    try:
        d = decide(policy, account, now, snapshot=snap)
    except Exception as exc:  # a refusal must be the general path's too
        return {"error": type(exc).__name__, "message": str(exc)}
    return {"dict": decision_to_dict(d), "explain": d.explain()}


def _general_answer(
    policy: Policy, account: Account, now: datetime, snap: Snapshot
) -> dict[str, object]:
    try:
        return _general(policy, account, now, snap)
    except Exception as exc:
        return {"error": type(exc).__name__, "message": str(exc)}


def _same_over_time(pols: list[Policy], account: Account, start: datetime) -> None:
    """One held snapshot decided at every shift of ``start`` under each policy in turn: the
    lane's answers (its kept values reused, replaced) equal the general path's."""
    snap = fold(account, start)
    for shift in SHIFTS:
        for policy in pols:
            now = start + shift
            assert _answer(policy, account, now, snap) == _general_answer(
                policy, account, now, snap
            )


def test_the_lane_answers_as_the_general_path_on_the_golden_accounts() -> None:
    pols = corpus_policies(EXAMPLE_POLICIES)
    pairs = [
        [pols["reference"], pols["reference+us"]],
        [pols["reference+field_visit"], pols["reference+cn"]],
    ]
    for i, account in enumerate(generate_accounts(60)):
        _same_over_time(pairs[i % 2], account, CORPUS_MOMENTS[i % len(CORPUS_MOMENTS)])


@SOME
@given(st.data())
def test_the_lane_answers_as_the_general_path_on_generated_policies(data: st.DataObject) -> None:
    policy = data.draw(policies())
    other = data.draw(policies())
    account = data.draw(accounts(policy=policy))
    days = data.draw(st.integers(0, 400))
    _same_over_time([policy, other], account, datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days))


START = datetime(2026, 3, 1, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    st.data(),
    st.sampled_from(("latest_only", "replay")),
    st.integers(1, 6),
    st.sampled_from(("0d", "1d", "2d", "12h", "1w", "1mo", "2bd")),
    st.sampled_from(("1d", "3d", "36h", "1w", "1mo", "1bd")),
    st.sampled_from((UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai"))),
    st.integers(-3 * 24 * 60, 60 * 24 * 60),
    st.integers(-10 * 24 * 60, 60 * 24 * 60),
)
def test_a_steps_kept_attempts_answer_next_attempt_at_any_later_or_earlier_moment(
    data: st.DataObject,
    mode: str,
    most: int,
    at: str,
    every: str,
    tz: ZoneInfo,
    first_minutes: int,
    shift_minutes: int,
) -> None:
    """``attempts_due`` worked out at one moment answers ``next_attempt`` at another in the
    window of the first of them (its first attempt, nothing skipped) or of the last (what
    ``answer`` says), as the planner reads what it kept (``plan._caught_up``)."""
    step = SimpleNamespace(
        at=Duration.parse(at),
        repeat_every=Duration.parse(every) if most > 1 else None,
        max_attempts=most,
    )
    contacts = []
    for _ in range(data.draw(st.integers(0, 5))):
        when = START + timedelta(hours=data.draw(st.integers(0, 24 * 40)))
        n = data.draw(st.integers(1, 7))
        key = data.draw(st.sampled_from((None, f"acc:s#1:sms:{n}", f"acc:s#2:sms:{n}")))
        step_key = data.draw(st.sampled_from(("sms", "email")))
        contacts.append(SimpleNamespace(step=step_key, stage="s", idempotency_key=key, at=when))
    contacts.sort(key=lambda c: c.at)
    mine = [c for c in contacts if c.step == "sms"]
    progress = StepProgress(len(mine), mine[-1].at) if mine and data.draw(st.booleans()) else None

    ordered = tuple(contacts)
    snapshot = SimpleNamespace(
        contacts=ordered, contacts_since=lambda t: tuple(c for c in ordered if c.at >= t)
    )

    def at_moment(minutes: int) -> SimpleNamespace:
        return SimpleNamespace(
            tz=tz,
            calendar=MON_FRI,
            snapshot=snapshot,
            account=SimpleNamespace(id="acc"),
            now=START + timedelta(minutes=minutes),
        )

    first, later = at_moment(first_minutes), at_moment(first_minutes + shift_minutes)
    args = (mode, step, "sms", "s", START)
    kept = attempts_due(*args, progress, first, 1)  # type: ignore[arg-type]
    want = next_attempt(*args, progress, later, 1)  # type: ignore[arg-type]
    if not kept:
        assert want is None
        return
    assert want is not None
    assert answer(kept) == next_attempt(*args, progress, first, 1)  # type: ignore[arg-type]
    attempt, due, ends = kept[0]
    if ends is None or ends > later.now:
        assert want == NextAttempt(attempt, due, ())
    elif len(kept) > 1:
        since_end, until = kept[-2][2], kept[-1][2]
        assert since_end is not None
        if since_end <= later.now and (until is None or until > later.now):
            assert want == answer(kept)
