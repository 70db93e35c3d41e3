"""Phase 5: the steps of the rung, each planned against the rules, and the Actions built.

For each step in declaration order: its next attempt is due at entry plus its offset (or the
previous attempt plus ``repeat_every``); every applicable rule is asked at that moment
(:mod:`overdue.engine.schedule`).  A channel-only block tries the step's fallback channel.
Each Action is built once, with its idempotency key (:func:`idempotency_key`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from operator import attrgetter
from typing import cast

import attrs

from overdue._frozen import build, setters
from overdue.account import Account, ContactPoint
from overdue.compiled import StepPlan
from overdue.decision import (
    Action,
    ActionHead,
    BlockedStep,
    Reason,
    _blocked_said,
    _blocked_step,
    _Said,
)
from overdue.engine.catchup import next_attempt, skipped_reason
from overdue.engine.drafts import (
    ActionDraft,
    EvidenceArgs,
    PlanOut,
    StepReason,
    make_draft,
    same_grace_end,
)
from overdue.engine.reasons import in_zone, info, localised, verdict_reason
from overdue.engine.rotation import rotation_points
from overdue.engine.schedule import Scheduled, schedule
from overdue.events import ContactAttempted, Outcome
from overdue.obligations import IDENTITY_DISCLOSURE
from overdue.policy import Obligation, Policy, Stage, Step
from overdue.rules.base import Rule, Verdict
from overdue.rules.conduct import action_obligations
from overdue.situation import Candidate, Situation
from overdue.snapshot import Snapshot, StepProgress


def idempotency_key(account_id: str, stage: str, entries: int, step: str, attempt: int) -> str:
    """``{account}:{stage}#{entries}:{step}:{attempt}``: the same attempt, the same key."""
    return f"{account_id}:{stage}#{entries}:{step}:{attempt}"


NOTHING: PlanOut = ((), ())
_CANDIDATE_SLOTS = setters(Candidate, (f.name for f in attrs.fields(Candidate)))
_CONTACT_SLOTS = setters(ContactAttempted, (f.name for f in attrs.fields(ContactAttempted)))


def has_pending(stage: Stage, progress: Mapping[str, StepProgress]) -> bool:
    """Whether a step of ``stage`` has attempts left; without, there is nothing to plan (the
    common case of an account the host holds, between its last contact and the deadline)."""
    if not progress:
        return bool(stage.steps)  # nothing made in the rung yet (a step makes 1 or more)
    get = progress.get
    for key, most in stage._step_limits:  # per rung, worked out once
        prog = get(key)
        if prog is None or prog.count < most:
            return True
    return False


_Chosen = tuple[datetime, Candidate, str, bool]
"""The moment, candidate and channel a step's attempt was scheduled at, and whether it is the
reply to the debtor (a plain tuple: one is made per attempt planned)."""


def plan_steps(
    policy: Policy,
    stage: Stage,
    since: datetime,
    progress: Mapping[str, StepProgress],
    s: Situation,
    entries: int,
    waits: list[str],
) -> PlanOut:
    """The next attempt of every pending step, scheduled against the rules.

    A step no channel of which has a contact point waits for one (added to ``waits``).
    """
    z = s.tz or UTC  # the zone of every datetime returned
    actions: list[ActionDraft] = []
    blocked: list[BlockedStep] = []
    planned = s.elsewhere  # the debtor's other debts' plans, then this decision's
    obligations = stage.obligations
    if stage.performed_by == "third_party" and IDENTITY_DISCLOSURE not in obligations:
        obligations = (IDENTITY_DISCLOSURE, *obligations)
    # The attempt scheduled last, recorded in ``planned`` only when a later step is planned
    # (only the steps after it look at what is planned; most rungs plan one step at a time).
    unrecorded: tuple[Step, _Chosen] | None = None
    now = s.now
    for plan in policy.compiled.steps_of(stage):
        step = plan.step
        prog = progress.get(plan.key) if progress else None
        if prog is not None and prog.count >= step.max_attempts:
            continue
        if unrecorded is not None:
            planned = (*planned, _planned(stage, *unrecorded))
            unrecorded = None
        # The attempt and its due time, after missed runs as the policy's ``catch_up`` says.
        skipped: tuple[tuple[int, datetime], ...] = ()
        if prog is None and step.repeat_every is None:
            # A step made once, not yet made: attempt 1 at its offset, under either
            # ``catch_up`` (as ``next_attempt`` says), without its arguments and value.
            attempt, due = 1, step.at.after(since, z, s.calendar)
        else:
            nxt = next_attempt(policy.catch_up, step, plan.key, stage.id, since, prog, s, entries)
            if nxt is None:
                continue
            attempt, due, skipped = nxt
        step_reasons: list[StepReason] = []
        tried: list[str] = []
        chosen = _try_channels(
            policy, stage, plan, attempt, max(due, now), s, planned, step_reasons, tried, waits
        )
        if chosen is None:
            blocked.append(_blocked(stage.id, plan.key, tried, step_reasons, z))
            continue
        if skipped:  # stated on the attempt that goes out instead of them
            step_reasons.insert(0, skipped_reason(plan.key, skipped, z))
        actions.append(
            _action(policy, stage, plan, attempt, entries, chosen, obligations, step_reasons, s)
        )
        unrecorded = (step, chosen)
    return same_grace_end(actions), tuple(blocked)


_CHANNEL_ONLY = attrgetter("channel_only")


def _blocked(
    stage: str, key: str, tried: list[str], step_reasons: list[StepReason], z: tzinfo
) -> BlockedStep:
    """The blocked step and what the rules said of it: each reason once, in ``z``.

    One thing said (most blocked steps) is rendered a :class:`Reason` only when the step's
    reasons are read (``decision._blocked_step``); the engine reads the verdict meanwhile
    (``_blocked_said``).  Several are made reasons now, to be stated once each (two verdicts
    may state one reason), without a generator's frame per reason.
    """
    if len(step_reasons) == 1:
        return _blocked_step(stage, key, "/".join(tried), step_reasons, _render_blocked, z)
    found = [verdict_reason(r) if isinstance(r, Verdict) else r for r in step_reasons]
    if len(found) > 1:  # each reason once (a reason's hash is a Python call: only then)
        found = list(dict.fromkeys(found))
    return _blocked_step(stage, key, "/".join(tried), found, _render_blocked, z)


def _render_blocked(args: tuple[Sequence[_Said], tzinfo]) -> tuple[tuple[Reason, ...]]:
    """A blocked step's reasons, when first read: the verdicts made reasons, in ``z``."""
    said, z = cast("tuple[Sequence[StepReason], tzinfo]", args)  # what ``_blocked`` gave
    return (localised([verdict_reason(r) if isinstance(r, Verdict) else r for r in said], z),)


def _planned(stage: Stage, step: Step, chosen: _Chosen) -> ContactAttempted:
    """An attempt this decision scheduled, as the contact the caps of later steps count.

    Built without ``__init__`` (``overdue._frozen``): its validators and converters would
    check again names the policy and the account checked when they were built (about 350
    bytecodes a contact); ``tests/test_plan_values.py`` compares it with the ``__init__``-built
    value."""
    at, cand, channel, _ = chosen
    contact = cand.contact
    return build(
        ContactAttempted,
        _CONTACT_SLOTS,
        (
            at,
            None,  # recorded_at
            channel,
            Outcome.UNKNOWN,
            stage.id,
            step.key,
            step.template,
            contact.address if contact else None,
            None,  # debt_id
            (),  # debt_ids
            "creditor",  # initiated_by
            None,  # idempotency_key
            cand.party,
        ),
    )


def _points(
    policy: Policy, step: Step, channel: str, s: Situation, step_reasons: list[StepReason]
) -> tuple[ContactPoint | None, ...]:
    """Where a step on ``channel`` may go.

    A debtor step goes to the debtor's contact point on the channel (or none, for addressless
    channels); a third-party step to whichever third party on the channel the rules allow
    first (declaration order breaks ties).  A step that rotates (``Step.rotate``) goes to its
    points in order, passing over those it rotates away from (:mod:`overdue.engine.rotation`).
    """
    account = s.account
    if step.party == "third_party":
        return account.third_parties_on(channel)
    if step.rotate and account.points_on(channel):
        return rotation_points(step, channel, s, step_reasons)
    point = account.contact_for(channel)
    if point is None:
        return (None,) if channel in policy.addressless_channels else ()
    return (point,)


def _try_channels(
    policy: Policy,
    stage: Stage,
    plan: StepPlan,
    attempt: int,
    start: datetime,
    s: Situation,
    planned: tuple[ContactAttempted, ...],
    step_reasons: list[StepReason],
    tried: list[str],
    waits: list[str],
) -> _Chosen | None:
    """The step's channel, then its fallback (after a channel-only block): the first allowed.

    A channel without a contact point waits for one (``contact_point:{channel}`` in
    ``waits``, when no channel is allowed).
    """
    step = plan.step
    no_point: list[str] = []
    for channel, scoped in plan.channels:
        tried.append(channel)
        if step.party == "third_party" or step.rotate:
            points = _points(policy, step, channel, s, step_reasons)
        else:  # what ``_points`` says of a debtor step, without its call (the common case)
            point = s.account.contact_for(channel)
            if point is not None:
                points = (point,)
            else:
                points = (None,) if channel in policy.addressless_channels else ()
        if not points:
            who = "third-party " if step.party == "third_party" else ""
            step_reasons.append(
                info("no_contact_point", f"the account has no {who}contact point for {channel}")
            )
            no_point.append(f"contact_point:{channel}")
            continue
        tries = []
        for contact in points:
            # Without ``__init__`` (``overdue._frozen``: twelve fields in one C loop; a
            # candidate has no validators), in the order of its fields.
            cand: Candidate = build(
                Candidate,
                _CANDIDATE_SLOTS,
                (
                    stage.id,
                    plan.key,
                    channel,
                    step.template,
                    attempt,
                    contact,
                    s,
                    planned,
                    channel != step.channel,
                    step.must_state,
                    step.tags,
                    False,  # ``is_reply``: the schedule marks a reply on its own copy
                ),
            )
            sched = schedule(scoped, cand, start, policy.horizon, policy.compiled)
            if sched.at is not None and len(points) == 1:
                # The debtor's one contact point, allowed: no earliest to pick (the common case).
                if sched.defers or sched.notes:
                    step_reasons.extend(sched.defers)
                    step_reasons.extend(sched.notes)
                return (sched.at, cand, channel, sched.reply)
            tries.append((cand, sched))
        if len(tries) == 1:
            # The one candidate, blocked (most blocked steps): what ``_earliest`` states of it,
            # and whether the block is the channel's alone, without their calls and frames.
            sched = tries[0][1]
            step_reasons.extend(sched.defers)
            step_reasons.extend(sched.notes)
            step_reasons.extend(sched.blocks)
            if not all(map(_CHANNEL_ONLY, sched.blocks)):
                break
            continue
        chosen = _earliest(tries, channel, step_reasons)
        if chosen is not None:
            return chosen
        if not all(v.channel_only for _, sc in tries for v in sc.blocks):
            break
    waits.extend(no_point)
    return None


def _earliest(
    tries: Sequence[tuple[Candidate, Scheduled]], channel: str, step_reasons: list[StepReason]
) -> _Chosen | None:
    """The earliest allowed of a channel's candidates (declaration order breaks ties) and
    what the rules said of it; without one, what the rules said of each (all blocked)."""
    allowed = [(sc.at.astimezone(UTC), i) for i, (_, sc) in enumerate(tries) if sc.at is not None]
    if allowed:
        cand, sched = tries[min(allowed)[1]]
        assert sched.at is not None  # chosen among the allowed
        step_reasons.extend(sched.defers)
        step_reasons.extend(sched.notes)
        return (sched.at, cand, channel, sched.reply)
    for _, sched in tries:  # what the rules said of each: deferrals, notes, then blocks
        step_reasons.extend(sched.defers)
        step_reasons.extend(sched.notes)
        step_reasons.extend(sched.blocks)
    return None


def _action(
    policy: Policy,
    stage: Stage,
    plan: StepPlan,
    attempt: int,
    entries: int,
    chosen: _Chosen,
    obligations: tuple[Obligation, ...],
    step_reasons: Sequence[StepReason],
    s: Situation,
) -> ActionDraft:
    """The Action for a scheduled attempt, as a draft: it is built once the rung's deadline,
    which its message facts state, is known; its facts, evidence and reasons are rendered
    when read."""
    z = s.tz or UTC
    at, cand, channel, reply = chosen
    step, key, party = plan.step, plan.key, cand.party
    account_id = s.account.id
    not_before = at if at.tzinfo is z else at.astimezone(z)
    head: ActionHead = (
        account_id,
        stage.id,
        key,
        channel,
        step.template,
        attempt,
        step.max_attempts,
        not_before,
        idempotency_key(account_id, stage.id, entries, key, attempt),
        cand.contact,
        step.channel if channel != step.channel else None,
        stage.performed_by,
        (
            _with_rule_obligations(obligations, rules, cand)
            if (rules := policy.compiled.obligation_rules) or len(obligations) > 1
            else obligations  # none or one: nothing to merge
        ),
        party,
        party == "debtor",
        reply,
        None,
    )
    return make_draft(
        (
            head,
            (s.balance, s.days_overdue, policy.legal_terms, policy.creditor, step.must_state),
            (in_zone(z, stage.grace.after(at, z, s.calendar)) if stage.grace is not None else None),
            _evidence(step, s.account, s.snapshot) if step.evidence else None,
            tuple(step_reasons),
            z,
            stage.id,  # what the phases before the build read of ``head``
            key,
            channel,
            not_before,
        )
    )


def _with_rule_obligations(
    base: tuple[Obligation, ...], rules: Sequence[Rule], cand: Candidate
) -> tuple[Obligation, ...]:
    """The stage's obligations plus those rules attach, each duty once (``action_obligations``)."""
    return action_obligations(base, rules, cand)


def _evidence(step: Step, account: Account, snapshot: Snapshot) -> EvidenceArgs:
    """What the step's evidence bundle holds (it is built when the Action's ``evidence`` is
    read)."""
    kinds = step.evidence
    return (
        account.contract,
        snapshot.invoices if "invoices" in kinds or "contract" in kinds else (),
        snapshot.payments if "payments" in kinds else (),
        snapshot.contacts if "contacts" in kinds else (),
        kinds,
    )


def facts_awaited(
    actions: Sequence[Action],
    blocked: Sequence[BlockedStep],
    now: datetime,
    lifted: Mapping[str, str],
) -> list[str]:
    """The new facts the actions and blocks wait for: outcomes of due actions, lifted blocks."""
    out = [f"outcome:{a.idempotency_key}" for a in actions if a.not_before <= now]
    for b in blocked:
        for r in _blocked_said(b):
            if r.effect != "block" or r.until is not None:
                continue
            if r.rule_id == "engine":
                continue  # authorisation_lost: already named; the horizon has an ``until``
            out.append(lifted.get(r.rule_id) or f"lifted:{r.rule_id}")
    return out
