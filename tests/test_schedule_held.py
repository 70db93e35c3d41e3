"""A held account's steps are blocked exactly as the full fixed point blocks them.

When a hold, a cease request or an opt-out is on file and the debtor's zone is known,
``schedule`` first asks only the rules that may block (``Scoped.held``): when one blocks at the
first moment, that is the fixed point's answer (every block said then, in order; the deferrals
met on the way are moot), without asking the caps and contact hours.  Every ``schedule`` call
``decide`` makes is checked here against the full loop over every applicable rule's own
``check``, for accounts with holds (open-ended or with an end), cease requests, opt-outs,
consent waivers and unknown zones that hypothesis adds to the golden corpus's accounts, under
every example policy and preset stack, at moments it picks (issue 10).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import overdue.engine.plan as plan_module
import overdue.engine.schedule as schedule_module
from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide
from overdue.compiled import CompiledPolicy, Scoped
from overdue.durations import Duration
from overdue.engine.schedule import Scheduled, _fixed_point, _Lifts, schedule
from overdue.errors import CalendarRangeError
from overdue.events import (
    CeaseRequested,
    DebtorContacted,
    Event,
    FactSet,
    OptedOut,
)
from overdue.policy import Policy, Stage, Step
from overdue.rules import ContactHours, FrequencyCap, HoldWhile, RespondOnce
from overdue.rules.base import RuleBase, Verdict
from overdue.rules.holds import HALTING_FACTS
from overdue.rules.parties import third_party_gate
from overdue.situation import Candidate
from overdue.testing import strategies as ods
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts

EXAMPLE_POLICIES = Path(__file__).resolve().parent.parent / "examples" / "policies"


@cache
def _policies() -> tuple[tuple[str, Any], ...]:
    """The decision corpus's policies (``overdue.testing.corpus``), as golden.py's."""
    return tuple(corpus_policies(EXAMPLE_POLICIES).items())


@cache
def _accounts() -> tuple[Any, ...]:
    return tuple(a for a in generate_accounts(300) if a.events)


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


class _Checked:
    """``schedule``, asserting on every call that it equals the full loop; counts the calls
    and those the held shortcut answered."""

    def __init__(self) -> None:
        self.calls = 0
        self.held = 0
        self._held = schedule_module._held

    def schedule(
        self,
        scoped: Scoped,
        cand: Candidate,
        start: datetime,
        horizon: Duration,
        compiled: CompiledPolicy,
    ) -> Scheduled:
        got = schedule(scoped, cand, start, horizon, compiled)
        assert got == _full(scoped, cand, start, horizon, compiled), (cand, start)
        self.calls += 1
        return got

    def counting_held(self, *args: Any) -> Scheduled | None:
        found: Scheduled | None = self._held(*args)
        self.held += found is not None
        return found


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> _Checked:
    c = _Checked()
    monkeypatch.setattr(plan_module, "schedule", c.schedule)
    monkeypatch.setattr(schedule_module, "_held", c.counting_held)
    return c


def _holding(account: Any, extra: list[Event], zone: str | None, drop_zone: bool) -> Any:
    """``account`` with ``extra`` events in its history (and without its zone if asked)."""
    events = tuple(sorted((*account.events, *extra), key=lambda e: e.at))
    if drop_zone:
        return attrs.evolve(account, events=events, timezone=None, address_timezone=None)
    if zone is not None:
        return attrs.evolve(account, events=events, timezone=zone)
    return attrs.evolve(account, events=events)


def test_every_held_schedule_of_the_corpus_matches_the_full_loop(checked: _Checked) -> None:
    for _, policy in _policies():
        for i, acct in enumerate(_accounts()[::3]):
            at = acct.events[-1].at
            fact = HALTING_FACTS[i % 3]  # dispute_open, manual_hold, bankruptcy
            extra: list[Event] = [FactSet(at=at, name=fact)]
            if i % 4 == 1:
                extra.append(CeaseRequested(at=at, channels=("phone",)))
            if i % 5 == 2:
                extra.append(OptedOut(at=at, channel="sms"))
            held = _holding(acct, extra, None, drop_zone=i % 11 == 3)
            for now in CORPUS_MOMENTS:
                if now > at:
                    decide(policy, held, now)
    assert checked.calls > 800
    assert checked.held > 300  # the shortcut does answer most of them


def _extra(at: datetime) -> st.SearchStrategy[list[Event]]:
    """Holds, cease requests, opt-outs, waivers and clearings, around ``at``."""
    return ods.contact_restrictions(
        at,
        facts=HALTING_FACTS[:3],
        set_facts=(*HALTING_FACTS, "vulnerable", "host_fact"),
        waived_rules=("contact-hours", "dispute-hold", "one-call-a-day"),
    )


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_with_any_holds_at_any_moment_the_schedule_matches_the_full_loop(
    data: st.DataObject,
) -> None:
    account = data.draw(st.sampled_from(_accounts()))
    _, policy = data.draw(st.sampled_from(_policies()))
    at = account.events[-1].at
    extra = data.draw(_extra(at))
    zone = data.draw(st.sampled_from((None, "America/New_York", "Europe/London")))
    held = _holding(account, extra, zone, drop_zone=data.draw(st.booleans()))
    now = max(e.at for e in held.events) + timedelta(
        minutes=data.draw(st.integers(0, 60 * 24 * 60))
    )
    c = _Checked()
    original = plan_module.schedule
    plan_module.schedule = c.schedule
    try:
        decide(policy, held, now)
    finally:
        plan_module.schedule = original


_NY = ZoneInfo("America/New_York")


def _disputed(due: date, since: datetime) -> Account:
    return Account(
        "Y-1",
        timezone="America/New_York",
        contacts=(ContactPoint("sms", "+12125550100"),),
        invoices=(Invoice("I", Money("5.00", "USD"), due),),
        events=(FactSet(at=since, name="dispute_open"),),
    )


def test_a_held_step_still_refuses_a_moment_the_rules_left_out_cannot_work_out() -> None:
    """Contact hours at the last evening of the calendar need the next day: the full loop
    refuses (a located library error), and so does the shortcut, which leaves the years'
    ends to the full loop."""
    policy = Policy(
        "p",
        stages=(Stage("s", steps=(Step("sms", template="t"),)),),
        currency="USD",
        rules=(ContactHours("hours"), HoldWhile("dispute", fact="dispute_open")),
    )
    acct = _disputed(date(9999, 11, 1), datetime(9999, 11, 20, tzinfo=_NY))
    with pytest.raises(CalendarRangeError):
        decide(policy, acct, datetime(9999, 12, 31, 22, tzinfo=_NY))
    assert decide(policy, acct, datetime(9999, 12, 31, 3, tzinfo=_NY)).status == "on_hold"


def test_a_held_step_still_refuses_a_cap_whose_window_leaves_the_calendar() -> None:
    """A cap over 99,999,999 days refuses every decision that asks it; a held account's too."""
    huge = FrequencyCap("huge", max_contacts=1, per="99999999d", channels=["sms"])
    policy = attrs.evolve(REFERENCE_POLICY, rules=(*REFERENCE_POLICY.rules, huge))
    acct = _disputed(date(2026, 1, 1), datetime(2026, 2, 20, tzinfo=_NY))
    with pytest.raises(CalendarRangeError):
        decide(policy, acct, datetime(2026, 3, 1, 12, tzinfo=_NY))


@attrs.frozen
class _NotForReplies(RuleBase):
    """A host rule that applies to every candidate but the reply, and blocks it."""

    kind: ClassVar[str] = "not_for_replies"

    def applies_to(self, candidate: Candidate) -> bool:
        return not candidate.is_reply

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        return self.block("no", "not for this one")


def test_a_rule_asked_whether_it_applies_is_asked_of_the_candidate_as_given() -> None:
    """With a reply grant in scope the full loop asks ``applies_to`` of the candidate as
    given, then asks the rules of the candidate marked as the reply: the compiled check of
    such a scope does not ask ``applies_to`` again (it would ask the reply)."""
    reply = RespondOnce("reply", channels=("sms",))
    host = _NotForReplies("host")
    policy = attrs.evolve(REFERENCE_POLICY, rules=(*REFERENCE_POLICY.rules, reply, host))
    now = datetime(2026, 3, 2, 11, tzinfo=_NY)
    acct = Account(
        "R-1",
        timezone="America/New_York",
        contacts=(ContactPoint("sms", "+12125550100"),),
        invoices=(Invoice("I", Money("5.00", "USD"), date(2026, 2, 20)),),
        events=(DebtorContacted(at=now - timedelta(hours=1), channel="sms"),),
    )
    c = _Checked()
    original = plan_module.schedule
    plan_module.schedule = c.schedule
    try:
        d = decide(policy, acct, now)
    finally:
        plan_module.schedule = original
    assert c.calls >= 1
    assert "no" in [r.code for b in d.blocked for r in b.reasons if r.rule_id == "host"]
