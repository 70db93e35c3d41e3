"""Phase 5, the held lane: the steps of a rung that an open-ended hold blocks, without planning.

An account with an open dispute (or a manual hold, a bankruptcy) and no end set is most of a
portfolio's "on hold" accounts.  The planner (:func:`overdue.engine.plan.plan_steps`) works out
for each pending step its next attempt, its window, its idempotency key and a candidate, and
asks the scheduler, whose held shortcut (``schedule._held``) answers with the holds' blocks;
none of those values but the step's channels and contact points is read for a blocked step.
:func:`held_plan` answers the same from what the blocked steps do read: which steps are
pending, which of their channels have a contact point, and the holds of the facts on file.

It answers only when it can show the planner says exactly the same, and otherwise returns
``None`` (the planner answers).  Per rung, worked out once (:func:`_rung_lane`): every step a
debtor step that does not rotate (one contact point per channel), its offset and repeat
within about a year of calendar time (no business days: a calendar may refuse them), and per
channel the rules the scheduler's held shortcut asks (``Scoped.held``) all built-in holds
(``HoldWhile``'s own check, which reads nothing but the fact).  Per decision: a known zone,
no cease request, opt-out or (where one may lift a rule) consent waiver on file, moments far
from the calendar's ends, a ``latest_only`` step's last key not skipping attempts, and an
open-ended hold blocking each pending step.  ``tests/test_held_lane.py`` decides with the
lane on and off (:data:`LANE`) and compares every field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from overdue.compiled import ChannelPlan, RungPlan, StepPlan, _within_a_year
from overdue.decision import BlockedStep, _make_blocked_step, _Pending
from overdue.durations import Duration
from overdue.engine.catchup import _last_key
from overdue.engine.drafts import PlanOut, StepReason
from overdue.engine.plan import _blocked, _no_point, _render_blocked
from overdue.policy import Policy, Stage
from overdue.rules.base import Verdict
from overdue.rules.holds import HoldWhile, held_by
from overdue.situation import Situation
from overdue.snapshot import FactState, StepProgress

__all__ = ["LANE", "held_plan"]

LANE = True
"""Whether :func:`held_plan` answers; ``False``: the planner plans every held step (the
general path the tests hold the lane to)."""

_LAST_YEAR = 9000
"""The latest year of ``now``, a rung's start and a step's last attempt the lane answers in:
a step's next attempt, at most about a year after one of them, stays in the years the
scheduler's held shortcut answers in (3 to 9997), and its due time is never worked out."""

_Holds = tuple[tuple[HoldWhile, str], ...]
_Channel = tuple[str, bool, str, "_Holds | None"]
"""A channel of a step: its name, whether it needs no contact point, the channels tried up to
it (a blocked step's ``channel``) and the built-in holds the scheduler's held shortcut asks
on it, in order (``None``: another rule is asked there, the lane does not answer)."""
_Step = tuple[StepPlan, bool, tuple[_Channel, ...]]
"""A step's plan, whether the lane may answer for it, and its channels."""
_Lane = tuple[bool, tuple[_Step, ...]]
"""A rung as the lane sees it: whether a consent waiver may lift a rule on one of its
channels, and its steps in order."""



def held_plan(
    policy: Policy,
    stage: Stage,
    since: datetime,
    progress: Mapping[str, StepProgress],
    s: Situation,
    waits: list[str],
) -> PlanOut | None:
    """:func:`~overdue.engine.plan.plan_steps`'s answer when an open-ended hold blocks every
    pending step of ``stage`` (no action, the blocked steps), ``None`` when that cannot be
    shown here (the planner answers).  What a blocked step waits for (a contact point) is
    added to ``waits`` only when the lane answers."""
    if not LANE:
        return None
    snap = s.snapshot
    facts = snap.facts
    tz = s.tz
    if not facts or tz is None or snap.cease is not None or snap.opted_out:
        return None
    now = s.now
    if not 3 < now.year <= _LAST_YEAR or since.year > _LAST_YEAR:
        return None
    compiled = policy.compiled
    rung = compiled.steps_of(stage, policy)
    # Kept with the compiled policy, per stage, with the rung plan it is for (a foreign
    # stage's plan is not kept by ``steps_of``: its entry is replaced, not added to).
    kept = compiled.held_lanes
    found = kept.get(rung.stage)
    if found is None or found[0] is not rung:
        lane = _rung_lane(rung)
        kept[rung.stage] = (rung, lane)  # type: ignore[index]  # a memo
    else:
        lane = found[1]  # type: ignore[assignment]
    waivable, steps = lane
    if waivable and snap.waivers:
        return None
    get = progress.get if progress else None
    contact_for = s.account.contact_for
    name = rung.stage
    blocked: list[BlockedStep] = []
    waiting: list[str] = []
    said: _Holds | None = None  # the holds asked last, and their blocks
    blocks: tuple[Verdict, ...] = ()
    for plan, fits, channels in steps:
        prog = get(plan.key) if get is not None else None
        if prog is not None:  # not pending when ``attempts_due`` finds none
            done = prog.count
            if done >= plan.max_attempts or plan.step.repeat_every is None:
                continue
            if policy.catch_up != "latest_only" or prog.last_at.year > _LAST_YEAR:
                return None
            last = _last_key(snap.contacts, name, plan.key)
            if last is not None and not last.endswith(f":{done}"):
                return None  # attempts skipped by an earlier catch-up: the planner counts
        if not fits:
            return None
        step_reasons: list[StepReason] = []
        tried = ""
        for channel, addressless, upto, holds in channels:
            tried = upto  # the last channel's when none has a point
            if contact_for(channel) is None and not addressless:
                step_reasons.append(_no_point(channel, ""))
                waiting.append(f"contact_point:{channel}")
                continue
            if holds is None:
                return None
            if holds is not said:
                said, blocks = holds, _blocks(holds, facts)
            if not blocks:
                return None  # nothing blocks (or only a hold with an end defers): planned
            step_reasons.extend(blocks)
            break
        blocked.append(
            _make_blocked_step(
                (name, plan.key, tried, _Pending((_render_blocked, (step_reasons, tz))))
            )
            if len(step_reasons) < 2  # one thing said (most): ``_blocked``'s, inlined
            else _blocked(name, plan.key, tried, step_reasons, tz)
        )
    if not blocked:
        return None
    waits.extend(waiting)
    return (), tuple(blocked)


def _blocks(holds: _Holds, facts: Mapping[str, FactState]) -> tuple[Verdict, ...]:
    """The blocks ``schedule._held`` says of a candidate with these holds asked: each hold
    of a fact on file with no end, in order.  A fact with an end only defers (or allows once
    lapsed), which a block makes moot; a fact not on file allows."""
    out: tuple[Verdict, ...] = ()
    for rule, fact in holds:
        state = facts.get(fact)
        if state is not None and state.until is None:
            out = (*out, held_by(rule, state))
    return out


def _rung_lane(rung: RungPlan) -> _Lane:
    """What the lane needs of a rung's plan (:data:`_Lane`), worked out once per rung."""
    same: dict[_Holds | None, _Holds | None] = {}  # equal holds as one value (``said``)
    steps = tuple(
        (
            plan,
            plan.simple and _near(plan.step.at) and _near(plan.step.repeat_every),
            tuple(_channel(ch, same) for ch in plan.channels),
        )
        for plan in rung.steps
    )
    waivable = any(ch.scoped.waivable for plan in rung.steps for ch in plan.channels)
    return waivable, steps


def _channel(ch: ChannelPlan, same: dict[_Holds | None, _Holds | None]) -> _Channel:
    """A step's channel (:data:`_Channel`): its holds when the scheduler's held shortcut asks
    built-in holds alone there (their own check, not one wrapped for a date in force or an
    ``applies_to`` of its own); the rung's channels with equal holds share them (``same``),
    so a decision works out their blocks once."""
    held = ch.scoped.held
    holds: list[tuple[HoldWhile, str]] = []
    if held is not None:
        for check, fact in held.facts:
            rule = getattr(check, "__self__", None)
            if fact is None or getattr(check, "__func__", None) is not HoldWhile.check:
                break
            assert isinstance(rule, HoldWhile)  # the bound method of a hold
            holds.append((rule, fact))
        else:
            found = tuple(holds)
            return ch.channel, ch.addressless, ch.tried, same.setdefault(found, found)
    return ch.channel, ch.addressless, ch.tried, None


def _near(span: Duration | None) -> bool:
    """Whether adding ``span`` to a moment moves it by at most about a year and cannot fail
    (``None`` or zero adds nothing; business days read a calendar that may refuse them)."""
    return span is None or span.amount == 0 or (span.unit != "bd" and _within_a_year(span))
