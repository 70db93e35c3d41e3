"""A decision that plans compares its attempts with ``now`` by wall clock in the debtor's zone
when no offset change is near today (``decider._steady_now``), and a single planned attempt
with the rung's deadline the same way when the deadline's day has none near
(``decider._last_of``, ``_wake_at``, ``plan.facts_awaited``).  Held here to the general
comparisons as instants (the lanes off) for accounts whose attempts, deadlines and ``now``
fall on, near and far from daylight-saving changes, ``now`` written in UTC or in the
debtor's zone, decided the first time and again from the same snapshot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, ContactPoint, decide, fold
from overdue.config.decisions import decision_to_dict
from overdue.decision import Decision
from overdue.engine import decider
from overdue.events import ContactAttempted, InvoiceIssued, StageEntered
from overdue.money import Money
from overdue.policy import Policy, Stage, Step
from overdue.snapshot import Snapshot
from overdue.testing.corpus import CORPUS_MOMENTS, generate_accounts

SOME = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_POINTS = (ContactPoint("email", "debtor@example.com"),)
DST_ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "America/Santiago")


def _general(policy: Policy, account: Account, now: datetime, snap: Snapshot) -> Decision:
    """``decide`` with the lanes off: every comparison with ``now`` as instants."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decider, "_LANES", False)
        return decide(policy, account, now, snapshot=snap)


def _same(policy: Policy, account: Account, now: datetime) -> None:
    snap = fold(account, now)
    fast = decide(policy, account, now, snapshot=snap)
    again = decide(policy, account, now, snapshot=snap)
    slow = _general(policy, account, now, fold(account, now))
    assert decision_to_dict(fast) == decision_to_dict(slow) == decision_to_dict(again)
    assert fast.explain() == slow.explain() == again.explain()


def _account(tz: str, since: datetime, attempts: tuple[datetime, ...], step: str) -> Account:
    """An account on rung ``first`` since ``since`` (owing since 30 days before), with the
    attempts of ``step`` at ``attempts``, keyed in order."""
    owed = InvoiceIssued(
        at=since - timedelta(days=40),
        invoice_id="I-1",
        amount=Money("100.00", "USD"),
        due=(since - timedelta(days=30)).date(),
    )
    made = tuple(
        ContactAttempted(
            at=at,
            channel="email",
            outcome="delivered",
            stage="first",
            step=step,
            idempotency_key=f"A-dst:first#1:{step}:{i}",
        )
        for i, at in enumerate(attempts, 1)
    )
    events = (owed, StageEntered(at=since, stage="first"), *made)
    return Account("A-dst", timezone=tz, contacts=_POINTS, events=events)


def test_planned_decisions_answer_as_the_general_comparisons_on_the_corpus() -> None:
    for now in CORPUS_MOMENTS:
        for account in generate_accounts(80):
            _same(REFERENCE_POLICY, account, now)


@SOME
@given(
    st.sampled_from(DST_ZONES),
    st.sampled_from(("7d", "8d", "2w", "1mo", "8bd")),
    st.sampled_from(("6h", "12h", "1d", "2d")),
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 1)),
    st.integers(-3 * 24 * 60, 3 * 24 * 60),
    st.integers(0, 2),
)
def test_planned_attempts_around_daylight_saving_changes(
    tz: str, length: str, every: str, entered: datetime, minutes: int, contacts: int
) -> None:
    """A rung of a repeating step and a deadline, decided minutes to days around its next
    attempt and its deadline, either of which may fall on or near an offset change."""
    step = Step("email", template="t", max_attempts=3, repeat_every=every)
    policy = Policy("p", stages=(Stage("first", steps=(step,), deadline=length),), rules=())
    since = entered.replace(tzinfo=UTC)
    attempts = tuple(since + timedelta(hours=5 + 24 * i) for i in range(contacts))
    last = attempts[-1] if attempts else since
    account = _account(tz, since, attempts, step.key)
    first = last + timedelta(minutes=1)
    probe = decide(policy, account, first, snapshot=fold(account, first))
    moments = [first + timedelta(days=1)]
    moments.extend(a.not_before for a in probe.actions)
    if probe.deadline is not None:
        moments.append(probe.deadline)
    for at in moments:
        now = at + timedelta(minutes=minutes)
        if now <= last:
            continue
        for written in (now.astimezone(UTC), now.astimezone(ZoneInfo(tz))):
            _same(policy, account, written)


# Offset changes: a wall hour repeated (autumn) and one skipped (spring), in zones either side
# of UTC.
_CHANGES = (
    ("America/New_York", datetime(2026, 11, 1, 6, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 3, 8, 7, tzinfo=UTC)),
    ("Europe/London", datetime(2026, 10, 25, 1, tzinfo=UTC)),
    ("Australia/Sydney", datetime(2026, 4, 4, 16, tzinfo=UTC)),
)


@pytest.mark.parametrize(("tz", "change"), _CHANGES)
def test_an_attempt_due_in_the_hour_of_an_offset_change(tz: str, change: datetime) -> None:
    """The next attempt falls due a day after the last, by wall clock, within an hour or two
    of the change, and ``now`` is minutes either side of it: no wall clock ordering where
    the instants order otherwise."""
    step = Step("email", template="t", max_attempts=3, repeat_every="1d")
    policy = Policy("p", stages=(Stage("first", steps=(step,), deadline="2w"),), rules=())
    for shift in range(-150, 151, 20):
        last = change - timedelta(days=1, minutes=shift)
        since = last - timedelta(hours=5)
        account = _account(tz, since, (last,), step.key)
        for minutes in range(-130, 131, 10):
            now = change + timedelta(minutes=minutes)
            for written in (now, now.astimezone(ZoneInfo(tz))):
                _same(policy, account, written)


@pytest.mark.parametrize(("tz", "change"), _CHANGES)
def test_a_deadline_in_the_hour_of_an_offset_change(tz: str, change: datetime) -> None:
    """The rung's deadline falls within an hour or two of the change, and the attempt planned
    (overdue, so at ``now``, minutes either side of the change) is compared with it: the
    later of the two as instants, whichever wall clock reads later."""
    step = Step("email", template="t", max_attempts=2, repeat_every="12h")
    policy = Policy("p", stages=(Stage("first", steps=(step,), deadline="1d"),), rules=())
    for shift in range(-130, 131, 20):
        since = change - timedelta(days=1, minutes=shift)
        last = since + timedelta(hours=6)
        account = _account(tz, since, (last,), step.key)
        for minutes in range(-130, 131, 10):
            now = change + timedelta(minutes=minutes)
            for written in (now, now.astimezone(ZoneInfo(tz))):
                _same(policy, account, written)
