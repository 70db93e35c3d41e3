"""The held account's lanes (issue 10) held to the general phases 4 to 6 they stand in for.

``decide`` concludes an account on the rung on file with nothing to plan, nothing that ever
held it and nothing ahead (:func:`~overdue.engine.decider._idle`) from the rung's facts
worked out once per policy (:class:`~overdue.compiled.Rung`): its deadline one addition, then
compared with ``now`` within the debtor's zone on a day no offset change comes near; and a
finished rung whose next rungs all wait for an authorisation, none on file, waits with the
reasons worked out once per rung (``Rung.stuck``).  Each is compared here with the general
path, on the golden corpus's accounts, on generated policies and histories, and on held
accounts whose deadlines fall around daylight-saving changes.
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
from overdue.engine.ladder import choose_next
from overdue.engine.plan import NOTHING, has_pending
from overdue.engine.reasons import rendered
from overdue.events import ContactAttempted, InvoiceIssued, StageEntered
from overdue.money import Money
from overdue.policy import Policy, Stage, Step
from overdue.snapshot import Snapshot
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts
from overdue.testing.strategies import accounts, policies

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_POLICIES = ROOT / "examples" / "policies"
SOME = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DST_ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "America/Santiago")


def _general(
    policy: Policy, account: Account, now: datetime, snapshot: Snapshot | None
) -> Decision:
    """``decide`` with every lane turned off: placed by phase 4 in full, concluded by phase 6
    in full, waits judged rung by rung, deadlines and wake times in their general forms."""

    def in_full(w: Any, rung: Any, since: datetime, end: datetime | None) -> Decision:
        return decider._conclude(w, rung, since, NOTHING, end, ())

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decider, "_LANES", False)
        mp.setattr(decider, "_on_the_ladder", decider._placed)
        mp.setattr(decider, "_held", in_full)
        return decide(policy, account, now, snapshot=snapshot)


def _same(policy: Policy, account: Account, now: datetime, snap: Snapshot | None = None) -> None:
    """The lanes' answer, the first time ``snap`` is decided and again (from what the first
    kept with it), is the general paths'."""
    snap = fold(account, now) if snap is None else snap
    fast = decide(policy, account, now, snapshot=snap)
    again = decide(policy, account, now, snapshot=snap)
    slow = _general(policy, account, now, snap)
    assert decision_to_dict(fast) == decision_to_dict(slow) == decision_to_dict(again)
    assert fast.explain() == slow.explain() == again.explain()


def test_lanes_answer_as_the_general_paths_on_the_golden_accounts() -> None:
    pols = corpus_policies(EXAMPLE_POLICIES)
    for name in ("reference", "reference+field_visit", "reference+us"):
        for now in CORPUS_MOMENTS:
            for account in generate_accounts(60):
                _same(pols[name], account, now)


@SOME
@given(st.data())
def test_lanes_answer_as_the_general_paths_on_generated_policies(data: st.DataObject) -> None:
    policy = data.draw(policies())
    account = data.draw(accounts(policy=policy))
    days = data.draw(st.integers(0, 400))
    _same(policy, account, datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=days))


_LENGTHS = ("1d", "2d", "7d", "2w", "1mo", "6h", "3bd", "0d")


@SOME
@given(
    st.sampled_from(DST_ZONES),
    st.sampled_from(_LENGTHS),
    st.none() | st.sampled_from(("1d", "15d", "1w")),
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 1)),
    st.integers(-3 * 60, 3 * 60),
    st.booleans(),
)
def test_a_held_deadline_around_daylight_saving_changes(
    tz: str, length: str, grace: str | None, entered: datetime, minutes: int, contacted: bool
) -> None:
    """A held account on a rung of so many days (or a grace after its last attempt), decided
    within hours of its deadline, which may fall on or near a daylight-saving change, with
    ``now`` written in UTC (zones differ) or in the debtor's zone (a fold possible)."""
    step = Step("email", template="t", max_attempts=1)
    rungs = (
        Stage("first", steps=(step,), deadline=length, grace=grace),
        Stage(
            "second",
            steps=(Step("letter", template="l"),),
            requires=("field_visit",),
            skippable=True,
            deadline="1d",
        ),
        Stage("third", steps=(Step("letter", template="c"),), requires=("legal_review",)),
    )
    policy = Policy("p", stages=rungs, rules=())
    since = entered.replace(tzinfo=UTC)
    events: list[Any] = [
        InvoiceIssued(
            at=since - timedelta(days=40),
            invoice_id="I-1",
            amount=Money("100.00", "CNY"),
            due=(since - timedelta(days=30)).date(),
        ),
        StageEntered(at=since, stage="first"),
    ]
    last = since + timedelta(hours=5)
    if contacted:
        events.append(
            ContactAttempted(
                at=last, channel="email", outcome="delivered", stage="first", step=step.key
            )
        )
    account = Account("A-dst", timezone=tz, events=tuple(events))
    probe = fold(account, last + timedelta(minutes=1))
    end = decide(policy, account, last + timedelta(minutes=1), snapshot=probe).deadline
    for at in (end, last + timedelta(days=1)) if end is not None else (last + timedelta(days=1),):
        now = at + timedelta(minutes=minutes)
        if now <= last:
            continue
        for written in (now.astimezone(UTC), now.astimezone(account_zone(tz))):
            _same(policy, account, written)
            _same(policy, account, written, probe)  # one held snapshot, decided at many nows


def account_zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


@SOME
@given(policies())
def test_the_waits_worked_out_per_rung_are_choose_next_s(policy: Policy) -> None:
    """``Rung.stuck`` is what ``choose_next`` answers over the rungs above for an account with
    no authorisation on file (when it does not depend on the account), as the decision
    states it (rendered), after the rung's own ``rung_finished``."""
    account = Account(
        "A-1",
        timezone="Asia/Shanghai",
        events=(
            InvoiceIssued(
                at=datetime(2026, 1, 1, tzinfo=UTC),
                invoice_id="I-1",
                amount=Money("100.00", "CNY"),
                due=date(2026, 1, 10),
            ),
        ),
    )
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    snap = fold(account, now)
    w = decider._Work(policy, account, now, snap, snap.balance)
    for rung in policy.compiled.rungs.values():
        looked_at = []
        for stage in rung.above:
            looked_at.append(stage)
            if not stage.skippable:
                break
        asks = any(s.enters_when is not None or not s.requires for s in looked_at)
        assert (rung.stuck is None) == asks
        if rung.stuck is None:
            continue
        status, said, awaited = rung.stuck
        assert status == ("waiting" if rung.above else "done")
        assert said[0] == ("rung_finished", "{} is finished", (rung.id,), None)
        waits: list[str] = []
        chosen, why, wake = choose_next(rung.above, w, waits)
        assert (chosen, wake) == (None, None)
        assert rendered(said[1:], UTC) == rendered(why, UTC)
        assert awaited == tuple(waits)


@SOME
@given(policies(), st.data())
def test_pending_from_the_rung_facts_is_has_pending(policy: Policy, data: st.DataObject) -> None:
    from overdue.snapshot import StepProgress

    at = datetime(2026, 1, 1, tzinfo=UTC)
    for rung in policy.compiled.rungs.values():
        keys = [s.key for s in rung.stage.steps] + ["other.step"]
        chosen = data.draw(st.lists(st.sampled_from(keys), unique=True))
        progress = {k: StepProgress(data.draw(st.integers(0, 4)), at) for k in chosen}
        assert decider._pending(rung, progress) == has_pending(rung.stage, progress)


def test_the_reference_ladder_waits_for_legal_review_without_judging_each_rung() -> None:
    rung = REFERENCE_POLICY.compiled.rungs["lawyer_letter"]
    assert rung.stuck is not None
    assert rung.stuck[2] == ("authorisation:legal_review",)
    field = corpus_policies(EXAMPLE_POLICIES)["reference+field_visit"].compiled.rungs[
        "lawyer_letter"
    ]
    assert field.stuck is not None
    assert field.stuck[2] == ("authorisation:field_visit", "authorisation:legal_review")


def test_what_a_held_snapshot_keeps_is_per_policy_and_zone() -> None:
    """One snapshot decided under two policies, and for two zones, alternately: each answer is
    the general paths' (the idle verdict kept with the snapshot names its policy and zone)."""
    pols = corpus_policies(EXAMPLE_POLICIES)
    now = CORPUS_MOMENTS[0]
    for account in generate_accounts(40):
        snap = fold(account, now)
        other = Account(account.id, timezone="America/New_York", events=account.events)
        for policy in (pols["reference"], pols["reference+us"], pols["reference"]):
            for acc in (account, other, account):
                _same(policy, acc, now, snap)


@SOME
@given(policies(), st.sampled_from((None, "Ladder-A")), st.booleans())
def test_the_event_of_entering_a_rung_is_the_checked_one(
    policy: Policy, from_stage: str | None, local: bool
) -> None:
    """``transition`` builds the event without its validators only for names they accept:
    the value is the one ``StageEntered(...)`` makes."""
    from overdue.engine.ladder import transition
    from overdue.events import StageEntered as Entered

    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    if local:
        now = now.astimezone(account_zone("America/New_York"))
    for rung in policy.compiled.rungs.values():
        fast = transition(from_stage, rung.stage, now, policy.id, policy.version, rung.named)
        slow = transition(from_stage, rung.stage, now, policy.id, policy.version)
        assert fast == slow
        assert repr(fast) == repr(slow)
        assert fast.event == Entered(
            at=now, stage=rung.id, policy_id=policy.id, policy_version=policy.version
        )
        assert rung.named


def test_a_rung_whose_names_an_event_refuses_is_entered_the_checked_way() -> None:
    """A version an event refuses (blank) is not ``named``: entering raises as before."""
    from overdue.errors import EventError

    policy = attrs.evolve(REFERENCE_POLICY, version=" ")
    assert not any(r.named for r in policy.compiled.rungs.values())
    rung = next(iter(policy.compiled.rungs.values()))
    from overdue.engine.ladder import transition

    with pytest.raises(EventError):
        transition(None, rung.stage, datetime(2026, 3, 1, tzinfo=UTC), policy.id, " ", rung.named)
