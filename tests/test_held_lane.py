"""The held lane (``overdue.engine.held.held_plan``) answers as the planner it stands in for.

For a rung whose pending steps an open-ended hold blocks (an open dispute with no end: most
held accounts), the lane lists the blocked steps without planning their attempts.  Every
decision here is made with the lane on and off (``held.LANE``), from the account and from its
folded snapshot, and compared in every field a reader sees (the dict, the explanation, the
repr, the reasons and ``waiting_for`` rendered late, the wake time, the deadline, pickling):
on the golden corpus's accounts under every example policy and preset stack, with holds
(open-ended or with an end) opened and cleared, cease requests, opt-outs, waivers, contact
points removed and unknown zones; on generated policies and histories; and on rungs of
several steps pending, holds scoped to some channels, ``replay`` catch-up and rules asked
before the hold (issue 10).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, fold
from overdue.config.decisions import decision_to_dict
from overdue.engine import decider, held
from overdue.events import (
    CeaseRequested,
    ConsentWaiver,
    ContactAttempted,
    Event,
    FactCleared,
    FactSet,
    OptedOut,
    StageEntered,
)
from overdue.policy import Policy, Stage, Step
from overdue.rules import ContactHours, HoldWhile, MinimumGap
from overdue.rules.holds import HALTING_FACTS
from overdue.testing import strategies as ods
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts
from overdue.testing.strategies import accounts, policies, time_zones

EXAMPLE_POLICIES = Path(__file__).resolve().parent.parent / "examples" / "policies"
SOME = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def _policies() -> tuple[tuple[str, Policy], ...]:
    return tuple(corpus_policies(EXAMPLE_POLICIES).items())


@cache
def _accounts() -> tuple[Account, ...]:
    return tuple(a for a in generate_accounts(300) if a.events)


class _Count:
    """How often the lane answered (it must, for the comparison to mean something)."""

    answered = 0


@contextmanager
def _lane(on: bool) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(held, "LANE", on)
        yield


def _counting(*args: Any) -> Any:
    found = held.held_plan(*args)
    _Count.answered += found is not None
    return found


def _decide(policy: Policy, account: Account, now: datetime, snap: Any, on: bool) -> Any:
    with _lane(on):
        return decide(policy, account, now, snapshot=snap)


def _same(policy: Policy, account: Account, now: datetime) -> None:
    """The decision with the lane equals the one without, in every field, from the account
    and from its snapshot (a fresh one each side: its memo must not carry an answer over)."""
    try:
        slow = _decide(policy, account, now, None, False)
    except Exception as exc:  # the lane must refuse as the planner does
        with pytest.raises(type(exc)):
            _decide(policy, account, now, None, True)
        return
    for snap in (None, "fold"):
        made = fold(account, now) if snap else None
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(decider, "held_plan", _counting)
            fast = _decide(policy, account, now, made, True)
        if snap:
            slow = _decide(policy, account, now, fold(account, now), False)
        # Read in a different order on each side: rendering is lazy, and must not depend on it.
        assert fast.waiting_for == slow.waiting_for
        assert fast.reasons == slow.reasons
        assert [b.reasons for b in fast.blocked] == [b.reasons for b in slow.blocked]
        assert fast.blocked == slow.blocked
        assert (fast.deadline, fast.wake_at, fast.status) == (
            slow.deadline,
            slow.wake_at,
            slow.status,
        )
        assert fast == slow
        assert repr(fast) == repr(slow)
        assert decision_to_dict(fast) == decision_to_dict(slow)
        assert fast.explain() == slow.explain()
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(held, "LANE", True)
            unread = decide(policy, account, now, snapshot=fold(account, now) if snap else None)
        assert pickle.loads(pickle.dumps(unread)) == slow


def _with(account: Account, extra: list[Event], **changes: Any) -> Account:
    events = tuple(sorted((*account.events, *extra), key=lambda e: e.at))
    return attrs.evolve(account, events=events, **changes)


def test_the_lane_answers_as_the_planner_on_the_golden_accounts() -> None:
    _Count.answered = 0
    for p, (_, policy) in enumerate(_policies()):
        for i, acct in enumerate(_accounts()[p % 4 :: 4]):
            at = acct.events[-1].at
            extra: list[Event] = [FactSet(at=at, name=HALTING_FACTS[i % 3])]
            if i % 4 == 1:
                extra.append(CeaseRequested(at=at, channels=("phone",)))
            if i % 5 == 2:
                extra.append(OptedOut(at=at, channel="sms"))
            if i % 6 == 3:  # a second hold, with an end
                extra.append(FactSet(at=at, name="manual_hold", until=at + timedelta(days=9)))
            if i % 7 == 4:
                extra.append(FactCleared(at=at + timedelta(days=3), name=HALTING_FACTS[i % 3]))
            changes: dict[str, Any] = {}
            if i % 3 == 1:  # no contact point on some channels
                changes["contacts"] = acct.contacts[1:]
            if i % 11 == 5:
                changes["timezone"] = None
                changes["address_timezone"] = None
            account = _with(acct, extra, **changes)
            for now in CORPUS_MOMENTS[::2]:
                if now > at:
                    _same(policy, account, now)
    assert _Count.answered > 40  # (the preset stacks ask other rules of a held step: planned)


def _extra(at: datetime) -> st.SearchStrategy[list[Event]]:
    """Holds (open-ended or with an end), clearings, cease requests, opt-outs and waivers."""
    return ods.contact_restrictions(
        at,
        facts=HALTING_FACTS[:3],
        set_facts=(*HALTING_FACTS[:3], "vulnerable"),
        waived_rules=("contact-hours", "dispute-hold", "manual-hold"),
        min_size=0,
        held_at_start=True,
    )


@SOME
@given(st.data())
def test_the_lane_answers_as_the_planner_with_any_holds_at_any_moment(
    data: st.DataObject,
) -> None:
    account = data.draw(st.sampled_from(_accounts()))
    _, policy = data.draw(st.sampled_from(_policies()))
    at = account.events[-1].at
    extra = data.draw(_extra(at))
    contacts = data.draw(st.sampled_from((account.contacts, account.contacts[1:], ())))
    zone = data.draw(st.sampled_from((account.timezone, None, "Europe/London")))
    held_account = _with(account, extra, contacts=contacts, timezone=zone)
    now = max(e.at for e in held_account.events) + timedelta(
        minutes=data.draw(st.integers(0, 60 * 24 * 60))
    )
    _same(policy, held_account, now)


@SOME
@given(st.data())
def test_the_lane_answers_as_the_planner_on_generated_policies(data: st.DataObject) -> None:
    policy = data.draw(policies())
    hold = HoldWhile(
        "dispute-hold",
        fact="dispute_open",
        channels=data.draw(st.none() | st.sampled_from((("sms",), ("email", "letter")))),
    )
    if not any(r.id == "dispute-hold" for r in policy.rules):
        where = data.draw(st.integers(0, len(policy.rules)))
        rules = (*policy.rules[:where], hold, *policy.rules[where:])
        policy = attrs.evolve(
            policy,
            rules=rules,
            catch_up=data.draw(st.sampled_from(("latest_only", "replay"))),
        )
    account = data.draw(accounts(policy=policy, zones=st.none() | time_zones()))
    at = max((e.at for e in account.events), default=datetime(2026, 1, 1, tzinfo=UTC))
    account = _with(account, data.draw(_extra(at)))
    now = at + timedelta(hours=data.draw(st.integers(0, 24 * 60)))
    _same(policy, account, now)


_NY = "America/New_York"


def _ladder(*rules: Any, catch_up: str = "latest_only") -> Policy:
    """One rung of three steps (two repeating, one with a fallback, one addressless)."""
    steps = (
        Step("sms", template="t1", repeat_every="2d", max_attempts=3, fallback="email"),
        Step("email", template="t2", at="1d"),
        Step("in_app", template="t3", repeat_every="1w", max_attempts=2),
    )
    return Policy(
        "p",
        stages=(Stage("s", steps=steps, deadline="30d"),),
        currency="USD",
        channels=("sms", "email", "in_app"),
        addressless_channels=("in_app",),
        rules=rules,
        catch_up=catch_up,
    )


def _disputed(
    contacts: tuple[str, ...], events: tuple[Event, ...] = (), zone: str | None = _NY
) -> Account:
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    return Account(
        "D-1",
        timezone=zone,
        contacts=tuple(ContactPoint(c, f"{c}-address") for c in contacts),
        invoices=(Invoice("I", Money("50.00", "USD"), date(2026, 2, 20)),),
        events=(
            StageEntered(at=start - timedelta(days=1), stage="s"),
            FactSet(at=start, name="dispute_open"),
            *events,
        ),
    )


@pytest.mark.parametrize("catch_up", ["latest_only", "replay"])
@pytest.mark.parametrize("contacts", [("sms", "email"), ("email",), ()])
@pytest.mark.parametrize(
    "rules",
    [
        (HoldWhile("hold", fact="dispute_open"),),
        (HoldWhile("hold", fact="dispute_open", channels=("sms",)),),
        (MinimumGap("gap", gap="1h"), HoldWhile("hold", fact="dispute_open")),
        (HoldWhile("hold", fact="dispute_open"), HoldWhile("m", fact="manual_hold")),
        (ContactHours("hours"), HoldWhile("hold", fact="dispute_open")),
        (HoldWhile("hold", fact="dispute_open", waivable=True),),
    ],
)
def test_several_steps_pending_some_without_a_contact_point(
    catch_up: str, contacts: tuple[str, ...], rules: tuple[Any, ...]
) -> None:
    policy = _ladder(*rules, catch_up=catch_up)
    sent = datetime(2026, 3, 2, 15, tzinfo=UTC)
    first = ContactAttempted(
        at=sent, channel="sms", stage="s", step="t1", template="t1", outcome="delivered"
    )
    in_app = [
        ContactAttempted(
            at=sent + timedelta(hours=h),
            channel="in_app",
            stage="s",
            step="t3",
            template="t3",
            outcome="delivered",
        )
        for h in (1, 2)
    ]
    histories: tuple[tuple[Event, ...], ...] = (
        (),
        (first,),
        (first, *in_app),  # the in_app step made in full: not pending
        (attrs.evolve(first, idempotency_key="D-1:s#1:t1:3"),),  # skipped to its last
        (
            ContactAttempted(
                at=sent,
                channel="sms",
                stage="s",
                step="t1",
                template="t1",
                outcome="delivered",
                idempotency_key="D-1:s#1:t1:2",
            ),
            FactSet(at=sent, name="manual_hold", until=sent + timedelta(days=2)),
        ),
        (ConsentWaiver(at=sent, rule_id="hold"),),  # lifts the hold where it may
    )
    for events in histories:
        for zone in (_NY, None):
            account = _disputed(contacts, events, zone)
            for days in (1, 3, 12, 40):
                now = datetime(2026, 3, 2, 12, tzinfo=UTC) + timedelta(days=days)
                _same(policy, account, now)


def test_the_reference_dispute_is_answered_by_the_lane() -> None:
    """The common held account: the lane answers, the blocked steps as the planner says."""
    account = _disputed(("sms", "email"))
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    _Count.answered = 0
    _same(REFERENCE_POLICY, account, now)
    assert _Count.answered == 2
    account = attrs.evolve(account, events=account.events[1:])  # not on the reference's ladder
    _same(REFERENCE_POLICY, account, now)
    d = decide(REFERENCE_POLICY, account, now)
    assert d.status == "on_hold"
    assert not d.actions
    assert [b.step for b in d.blocked] == ["reminder.sms", "reminder.in_app"]
