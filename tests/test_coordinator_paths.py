"""The coordinator's shortcuts (issue 10) held to the general paths they stand in for.

``decide`` places an account on the rung on file without the general placing (no promise, no
new debt, a clock from entry), concludes a held account with nothing planned without phase 6
in full, reads the account's own zone without :func:`~overdue.situation.resolve_zone`, judges
a rung's authorisations without asking for each when none is on file, and reads per-rung facts
from the compiled policy (:class:`~overdue.compiled.Rung`).  Each is compared here with the
general form, on the golden corpus's accounts and on generated policies and histories.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, decide, fold
from overdue.config.decisions import decision_to_dict
from overdue.decision import Decision
from overdue.engine import decider
from overdue.engine.ladder import can_enter
from overdue.engine.plan import NOTHING
from overdue.events import AuthorisationGranted, ContactAttempted, InvoiceIssued, StageEntered
from overdue.money import Money
from overdue.policy import Policy, Stage
from overdue.situation import Situation, resolve_zone
from overdue.snapshot import Snapshot
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts
from overdue.testing.strategies import accounts, policies, time_zones

ROOT = Path(__file__).resolve().parent.parent
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _cases() -> list[tuple[Policy, Account, datetime]]:
    pols = corpus_policies()  # the decision corpus's built-in policies, moments and accounts
    chosen = [pols[n] for n in ("reference", "reference+field_visit", "reference+us")]
    return [(p, a, now) for p in chosen for now in CORPUS_MOMENTS for a in generate_accounts(50)]


def _general(
    policy: Policy, account: Account, now: datetime, snapshot: Snapshot | None
) -> Decision:
    """``decide`` with the coordinator's shortcuts turned off: every account placed by the
    general phase 4, every decision on a rung concluded by phase 6 in full."""

    def in_full(w: Any, rung: Any, since: datetime, end: datetime | None) -> Decision:
        return decider._conclude(w, rung, since, NOTHING, end, ())

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decider, "_on_the_ladder", decider._placed)
        mp.setattr(decider, "_held", in_full)
        return decide(policy, account, now, snapshot=snapshot)


def _same(policy: Policy, account: Account, now: datetime) -> None:
    snap = fold(account, now)
    fast = decide(policy, account, now, snapshot=snap)
    assert decision_to_dict(fast) == decision_to_dict(_general(policy, account, now, snap))
    assert fast.explain() == _general(policy, account, now, snap).explain()


def test_shortcuts_answer_as_the_general_paths_on_the_golden_accounts() -> None:
    for policy, account, now in _cases():
        _same(policy, account, now)


@SOME
@given(st.data())
def test_shortcuts_answer_as_the_general_paths_on_generated_policies(data: st.DataObject) -> None:
    policy = data.draw(policies())
    account = data.draw(accounts(policy=policy))
    days = data.draw(st.integers(0, 400))
    _same(policy, account, datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=days))


@SOME
@given(
    policies(),
    st.none() | time_zones(),
    st.none() | time_zones(),
    st.sampled_from((datetime(2026, 3, 1, 23, 30, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))),
)
def test_the_zone_read_by_the_engine_is_resolve_zone_s(
    policy: Policy, declared: str | None, address: str | None, now: datetime
) -> None:
    """The account's own zone is read without ``resolve_zone``; the address's, the policy's
    or none through it: the situation and the decision's zone are its answer either way."""
    account = Account("A-1", timezone=declared, address_timezone=address)
    snap = fold(account, now)
    w = decider._Work(policy, account, now, snap, snap.balance)
    tz, _, name = resolve_zone(policy, account)
    assert w.z is (tz if tz is not None else UTC)
    assert w.base[9] == name  # the decision's ``zone``
    assert w.s == Situation.at(policy, account, snap, now)


@SOME
@given(policies())
def test_the_rung_table_states_the_ladder(policy: Policy) -> None:
    enabled = policy.enabled_stages
    rungs = policy.compiled.rungs
    assert list(rungs) == [s.id for s in enabled]
    for i, stage in enumerate(enabled):
        rung = rungs[stage.id]
        assert rung.stage is stage
        assert rung.id == stage.id
        assert rung.terminal is stage.terminal
        assert rung.above == enabled[i + 1 :]
        assert rung.steady is (policy.on_partial_payment != "restart_stage")


@attrs.frozen
class _At:
    """A decision in the making as the rung phase reads it (:class:`ladder.Entering`)."""

    snap: Snapshot
    now: datetime
    s: Situation


_NAMES = ("legal_review", "judgment", "field_visit")


@SOME
@given(
    st.lists(st.sampled_from(_NAMES), min_size=1, max_size=3, unique=True),
    st.sets(st.sampled_from(_NAMES)),
    st.booleans(),
)
def test_missing_authorisations_with_and_without_any_on_file(
    required: list[str], granted: set[str], lapsed: bool
) -> None:
    """With no authorisation on file every one required is missing, as asking each says."""
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    expires = now - timedelta(days=1) if lapsed else None
    events = tuple(
        AuthorisationGranted(at=now - timedelta(days=30), authorisation=a, expires=expires)
        for a in sorted(granted)
    )
    account = Account("A-1", timezone="Asia/Shanghai", events=events)
    snap = fold(account, now)
    stage = Stage("litigation", requires=tuple(required), deadline="30d")
    waits: list[str] = []
    at = _At(snap, now, Situation.at(REFERENCE_POLICY, account, snap, now))
    ok, why, when = can_enter(stage, at, waits)
    missing = [a for a in required if not snap.has_authorisation(a, now)]
    assert ok == (not missing)
    assert when is None
    assert waits == [f"authorisation:{a}" for a in missing]
    if missing:
        assert why == (
            "awaiting_authorisation",
            "{} requires {}, not on file",
            ("litigation", ", ".join(map(repr, missing))),
            None,
        )


def test_the_top_rung_with_its_steps_made_is_done_either_way() -> None:
    """A held account at the top of the ladder, its steps all made: ``done``, no deadline."""
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    step = REFERENCE_POLICY.compiled.rungs["enforcement"].stage.steps[0]
    account = Account(
        "A-top",
        timezone="Asia/Shanghai",
        events=(
            InvoiceIssued(
                at=start, invoice_id="I-1", amount=Money("900.00", "CNY"), due=date(2025, 1, 10)
            ),
            AuthorisationGranted(at=start + timedelta(days=200), authorisation="judgment"),
            StageEntered(at=start + timedelta(days=201), stage="enforcement"),
            ContactAttempted(
                at=start + timedelta(days=202),
                channel=step.channel,
                outcome="delivered",
                stage="enforcement",
                step=step.key,
            ),
        ),
    )
    now = start + timedelta(days=260)
    decision = decide(REFERENCE_POLICY, account, now, snapshot=fold(account, now))
    assert (decision.status, decision.stage, decision.deadline) == ("done", "enforcement", None)
    _same(REFERENCE_POLICY, account, now)
