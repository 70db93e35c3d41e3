"""The library's own properties, stated with the testing kit's strategies."""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, Decision, Policy, decide, fold, timeline
from overdue.events import DisputeOpened
from overdue.testing import check_all
from overdue.testing import strategies as ods

ENGINE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _instants(d: Decision) -> tuple[object, ...]:
    """A decision with every moment as a UTC instant: what must not depend on zone spelling."""
    utc = lambda t: t.astimezone(UTC) if t is not None else None  # noqa: E731
    return (
        d.status,
        d.stage,
        utc(d.deadline),
        utc(d.wake_at),
        tuple(
            (a.step, a.channel, a.attempt, utc(a.not_before), a.idempotency_key) for a in d.actions
        ),
        tuple((b.step, b.channel) for b in d.blocked),
    )


@ENGINE
@given(ods.accounts(), st.integers(0, 200))
def test_incremental_fold_equals_full_fold(account: Account, cut: int) -> None:
    cut = min(cut, len(account.events))
    kept = fold(Account(account.id, timezone=account.timezone, events=account.events[:cut]))
    for event in account.events[cut:]:
        kept = kept.apply(event)
    assert kept == fold(account)


@ENGINE
@given(st.data())
def test_decide_is_deterministic_and_a_kept_snapshot_changes_nothing(data: st.DataObject) -> None:
    policy = data.draw(ods.policies(), label="policy")
    account = data.draw(ods.accounts(policy=policy), label="account")
    now = account.events[-1].at + timedelta(hours=data.draw(st.integers(0, 24 * 90)))
    first = decide(policy, account, now)
    assert decide(policy, account, now) == first
    assert decide(policy, account, now, snapshot=fold(account, now)) == first


@ENGINE
@given(st.data())
def test_the_zone_now_is_written_in_does_not_change_the_decision(data: st.DataObject) -> None:
    policy = data.draw(ods.policies(), label="policy")
    account = data.draw(ods.accounts(policy=policy), label="account")
    local = account.events[-1].at + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 60)))
    other = data.draw(ods.time_zones().map(__import__("zoneinfo").ZoneInfo), label="zone")
    assert _instants(decide(policy, account, local)) == _instants(
        decide(policy, account, local.astimezone(other))
    )


@ENGINE
@given(ods.accounts(policy=REFERENCE_POLICY), st.integers(0, 60 * 24 * 120))
def test_no_contact_while_a_dispute_is_open(account: Account, minutes: int) -> None:
    snap = fold(account)
    if snap.open_disputes:
        opened = account
    else:
        opened = account.with_events(DisputeOpened(at=account.events[-1].at, dispute_id="Z"))
    now = opened.events[-1].at + timedelta(minutes=minutes)
    assert decide(REFERENCE_POLICY, opened, now).due_actions == ()


@ENGINE
@given(st.data())
def test_an_idle_decision_always_wakes_later(data: st.DataObject) -> None:
    policy = data.draw(ods.policies(), label="policy")
    account = data.draw(ods.accounts(policy=policy), label="account")
    now = account.events[-1].at + timedelta(hours=data.draw(st.integers(0, 24 * 60)))
    d = decide(policy, account, now)
    if not d.due_actions and not d.record and d.wake_at is not None:
        assert d.wake_at > now
    assert len({a.idempotency_key for a in d.actions}) == len(d.actions)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_projected_timelines_break_no_invariant(data: st.DataObject) -> None:
    policy: Policy = data.draw(ods.policies(), label="policy")
    account = data.draw(ods.accounts(policy=policy, with_history=False), label="account")
    start: datetime = account.events[0].at
    entries = timeline(policy, account, start, start + timedelta(days=120))
    assert check_all(policy, account, entries) == []
