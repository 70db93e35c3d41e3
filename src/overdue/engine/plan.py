"""Phase 5: the steps of the rung, each planned against the rules, and the Actions built.

For each step in declaration order: its next attempt is due at entry plus its offset (or the
previous attempt plus ``repeat_every``); every applicable rule is asked at that moment
(:mod:`overdue.engine.schedule`).  A channel-only block tries the step's fallback channel.
Each Action is built once, with its idempotency key (:func:`idempotency_key`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from operator import attrgetter, is_
from types import MappingProxyType
from typing import cast

import attrs

from overdue._frozen import build, filler, setters
from overdue.account import Account, ContactPoint
from overdue.compiled import ChannelPlan, RungPlan, StepPlan
from overdue.decision import (
    _BLOCKED_REASONS,
    Action,
    BlockedStep,
    Reason,
    _make_blocked_step,
    _Pending,
    _Said,
)
from overdue.engine.catchup import (
    Attempt,
    NextAttempt,
    answer,
    attempts_due,
    next_attempt,
    skipped_reason,
)
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
from overdue.policy import Policy, Stage, Step
from overdue.rules.base import Verdict
from overdue.rules.conduct import action_obligations
from overdue.situation import Candidate, Situation
from overdue.snapshot import Snapshot, StepProgress, _memo_of


def idempotency_key(account_id: str, stage: str, entries: int, step: str, attempt: int) -> str:
    """``{account}:{stage}#{entries}:{step}:{attempt}``: the same attempt, the same key."""
    return f"{account_id}:{stage}#{entries}:{step}:{attempt}"


NOTHING: PlanOut = ((), ())
_CONTACT_SLOTS = setters(ContactAttempted, (f.name for f in attrs.fields(ContactAttempted)))
CANDIDATE_FIXED = (
    "stage",
    "step",
    "channel",
    "template",
    "is_fallback",
    "must_state",
    "tags",
    "is_reply",
)
"""The fields of a :class:`Candidate` that every attempt of one step on one channel shares,
in the order worked out once per policy (``overdue.compiled.ChannelPlan.candidate``)."""
# Without ``__init__`` (``overdue._frozen.filler``: a candidate has no validators), the
# step's fixed fields handed over as one tuple; ``tests/test_plan_values.py`` compares it
# with the ``__init__``-built value.
_make_candidate = filler(Candidate, (CANDIDATE_FIXED, "attempt", "contact", "situation", "planned"))
_NO_PROGRESS: Mapping[str, StepProgress] = MappingProxyType({})


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


_Chosen = tuple[datetime, Candidate, ChannelPlan, bool]
"""The moment, candidate and channel a step's attempt was scheduled at, and whether it is the
reply to the debtor (a plain tuple: one is made per attempt planned)."""

_Due = tuple[Attempt, ...]
_Caught = tuple[datetime, "datetime | None", NextAttempt, str]
"""A step's answer at the moment its attempts were worked out when windows had passed by then
(:func:`~overdue.engine.catchup.answer`): it holds from the end of the window before its
attempt's to the end of its own (``None``: never ends), with its idempotency key."""

_Prep = tuple[
    StepPlan,
    int,
    datetime,
    "datetime | None",
    str,
    "ContactPoint | None",
    "_Caught | None",
]
"""A pending step as far as ``now`` does not matter (:func:`_prepare`): its plan; its first
attempt not yet made, that attempt's due time, the end of its window and its idempotency key;
a debtor step's contact point on its channel (``None`` for a third-party or rotating step,
whose points are found per candidate); and, when windows had passed by the
moment it was worked out, the answer then (:data:`_Caught`)."""

LANE = True
"""Whether a held snapshot keeps its rung's :data:`_Prep` between decisions (``Snapshot.memo``);
``False``: each decision works them out (the general path the tests hold the lane to)."""

_LOOKUP = ContactPoint("-", "-")  # a fallback channel's point, looked up when it is tried
_MEMO_KEY = "overdue.engine.plan"  # the snapshot memo's entry: what was prepared, and for what


def plan_steps(
    policy: Policy,
    stage: Stage,
    since: datetime,
    progress: Mapping[str, StepProgress],
    s: Situation,
    entries: int,
    waits: list[str],
    local: datetime | None = None,
) -> PlanOut:
    """The next attempt of every pending step, scheduled against the rules.

    A step no channel of which has a contact point waits for one (added to ``waits``).
    What every decision would work out again of the rung (keys, channels and their rules,
    the fields its candidates and Actions share) is the compiled policy's
    (:meth:`~overdue.compiled.CompiledPolicy.steps_of`); what it works out of the account
    before ``now`` matters (each step's next attempt, its due time and contact points) is
    kept with a held snapshot (:func:`_prepared`).  ``local``: ``now`` in the debtor's zone
    when a due time in it compares with ``now`` by wall clock (``decider._steady_now``;
    ``None``: as instants, across zones).
    """
    rung, preps = _prepared(policy, stage, since, progress, s, entries)
    z = s.tz or UTC  # the zone of every datetime returned
    actions: list[ActionDraft] = []
    blocked: list[BlockedStep] = []
    planned = s.elsewhere  # the debtor's other debts' plans, then this decision's
    # The attempt scheduled last, recorded in ``planned`` only when a later step is planned
    # (only the steps after it look at what is planned; most rungs plan one step at a time).
    unrecorded: _Chosen | None = None
    now = s.now
    for plan, attempt, due, ends, key, point, caught in preps:
        skipped: Sequence[tuple[int, datetime]] = ()
        if ends is not None and ends <= now:  # its window has passed: the latest attempt due
            attempt, due, skipped, key = _caught_up(
                policy, rung, plan, caught, since, progress, s, entries
            )
        if unrecorded is not None:
            planned = (*planned, _planned(unrecorded))
            unrecorded = None
        step_reasons: list[StepReason] = []
        # ``max(due, now)``: by wall clock when ``local`` allows (no ``utcoffset`` calls)
        if local is not None and due.tzinfo is local.tzinfo:
            start = now if local > due else due
        else:
            start = now if now > due else due
        chosen = _try_channels(rung, plan, point, attempt, start, s, planned, step_reasons, waits)
        if isinstance(chosen, str):  # blocked: the channels tried
            blocked.append(
                _make_blocked_step(
                    (rung.stage, plan.key, chosen, _Pending((_render_blocked, (step_reasons, z))))
                )
                if len(step_reasons) < 2  # one thing said (most): ``_blocked``'s, inlined
                else _blocked(rung.stage, plan.key, chosen, step_reasons, z)
            )
            continue
        if skipped:  # stated on the attempt that goes out instead of them
            step_reasons.insert(0, skipped_reason(plan.key, skipped, z))
        actions.append(_action(rung, plan, attempt, key, chosen, step_reasons, s, z))
        unrecorded = chosen
    if not blocked:  # (most decisions that plan)
        return (tuple(actions) if len(actions) < 2 else same_grace_end(actions)), ()
    if not actions:  # (most held decisions)
        return (), tuple(blocked)
    return (tuple(actions) if len(actions) < 2 else same_grace_end(actions)), tuple(blocked)


def _caught_up(
    policy: Policy,
    rung: RungPlan,
    plan: StepPlan,
    caught: _Caught | None,
    since: datetime,
    progress: Mapping[str, StepProgress],
    s: Situation,
    entries: int,
) -> tuple[int, datetime, tuple[tuple[int, datetime], ...], str]:
    """A step's next attempt and its key once the window of its first pending one has passed
    (a host that asked no decision for a while): the answer kept (``caught``) while ``now``
    is in its window, else :func:`~overdue.engine.catchup.next_attempt` in full."""
    now = s.now
    if caught is not None:
        since_end, until, nxt, key = caught
        if since_end <= now and (until is None or until > now):
            return (*nxt, key)
    prog = progress.get(plan.key) if progress else None
    found = next_attempt(policy.catch_up, plan.step, plan.key, rung.stage, since, prog, s, entries)
    assert found is not None  # a step with an attempt pending has one at any later moment
    return (*found, idempotency_key(s.account.id, rung.stage, entries, plan.key, found.attempt))


def _prepared(
    policy: Policy,
    stage: Stage,
    since: datetime,
    progress: Mapping[str, StepProgress],
    s: Situation,
    entries: int,
) -> tuple[RungPlan, tuple[_Prep, ...]]:
    """The rung's plan and its pending steps (:func:`_prepare`), kept with the snapshot.

    Why: a held snapshot is decided again and again as time passes, and nothing of a step's
    next attempt but the end of its window reads ``now`` (about a third of a decision that
    plans).  One entry per snapshot, for the last rung, start, progress, zone, entry count
    and account it was worked out for, each the very object (``is``, in C): anything else
    works it out again and keeps that instead.  A rung entered at ``now`` (its progress a
    new ``{}`` every decision) is worked out without the memo.
    """
    if not LANE or since is s.now:  # a rung entered now: its progress is new every decision
        rung = policy.compiled.steps_of(stage, policy)
        return rung, _prepare(policy.catch_up, rung, since, progress, s, entries)
    key = (stage, policy, since, progress, s.tz, entries, s.account)
    try:
        memo = _memo_of(s.snapshot)  # ``Snapshot.memo``, its slot read in C when set
    except AttributeError:
        memo = None
    if memo is None:
        memo = s.snapshot.memo()
    kept = memo.get(_MEMO_KEY)
    if kept is not None and all(map(is_, kept[0], key)):
        return kept[1]  # type: ignore[no-any-return]  # what is kept below
    rung = policy.compiled.steps_of(stage, policy)
    found = rung, _prepare(policy.catch_up, rung, since, progress, s, entries)
    memo[_MEMO_KEY] = (key, found)
    return found


def _prepare(
    mode: str,
    rung: RungPlan,
    since: datetime,
    progress: Mapping[str, StepProgress],
    s: Situation,
    entries: int,
) -> tuple[_Prep, ...]:
    """The rung's pending steps in order, each with its next attempt as far as ``now`` does
    not matter (:func:`~overdue.engine.catchup.attempts_due`, after missed runs as the
    policy's ``catch_up`` says), its idempotency key and a debtor step's contact points."""
    z = s.tz or UTC
    account = s.account
    contact_for = account.contact_for
    stage = rung.stage
    get = (progress or _NO_PROGRESS).get
    out: list[_Prep] = []
    for plan in rung.steps:
        prog = get(plan.key)
        if prog is None and plan.once:
            # A step made once, not yet made: attempt 1 at its offset, under either
            # ``catch_up`` (as ``attempts_due`` says), without its arguments and value.
            offset = plan.offset
            at = since if offset is None else offset.after(since, z, s.calendar)
            attempt, ends, caught = 1, None, None
        elif prog is not None and prog.count >= plan.max_attempts:
            continue
        else:
            due = attempts_due(mode, plan.step, plan.key, stage, since, prog, s, entries)
            if not due:
                continue
            attempt, at, ends = due[0]
            caught = (
                _caught(due, f"{account.id}:{stage}#{entries}:", plan.key) if len(due) > 1 else None
            )
        # ``idempotency_key`` in one string built (most rungs have one step pending)
        key = f"{account.id}:{stage}#{entries}:{plan.key}:{attempt}"
        point = contact_for(plan.names[0]) if plan.simple else None
        out.append((plan, attempt, at, ends, key, point, caught))
    return tuple(out)


def _caught(due: _Due, prefix: str, step: str) -> _Caught:
    """:data:`_Caught` of a step's attempts ``due`` (more than one: windows had passed)."""
    nxt = answer(due)
    since_end = due[-2][2]
    assert since_end is not None  # the window of every attempt but the last ends
    return (since_end, due[-1][2], nxt, f"{prefix}{step}:{nxt.attempt}")


_CHANNEL_ONLY = attrgetter("channel_only")


def _blocked(
    stage: str, key: str, tried: str, step_reasons: list[StepReason], z: tzinfo
) -> BlockedStep:
    """The blocked step and what the rules said of it: each reason once, in ``z``.

    Its reasons are rendered :class:`Reason` values only when they are read (what
    ``decision._blocked_step`` makes, inlined: one per blocked step, most held decisions);
    the engine reads what was said meanwhile (``_blocked_said``).  Several things said are
    made reasons now, to be stated once each (two verdicts may state one reason), without a
    generator's frame per reason.
    """
    said: Sequence[StepReason] = step_reasons
    if len(said) > 1:  # each reason once (a reason's hash is a Python call: only then)
        found = [verdict_reason(r) if isinstance(r, Verdict) else r for r in said]
        said = list(dict.fromkeys(found))
    return _make_blocked_step((stage, key, tried, _Pending((_render_blocked, (said, z)))))


def _render_blocked(args: tuple[Sequence[_Said], tzinfo]) -> tuple[tuple[Reason, ...]]:
    """A blocked step's reasons, when first read: the verdicts made reasons, in ``z``."""
    said, z = cast("tuple[Sequence[StepReason], tzinfo]", args)  # what ``_blocked`` gave
    return (localised([verdict_reason(r) if isinstance(r, Verdict) else r for r in said], z),)


def _planned(chosen: _Chosen) -> ContactAttempted:
    """An attempt this decision scheduled, as the contact the caps of later steps count.

    Built without ``__init__`` (``overdue._frozen``): its validators and converters would
    check again names the policy and the account checked when they were built (about 350
    bytecodes a contact); ``tests/test_plan_values.py`` compares it with the ``__init__``-built
    value."""
    at, cand, _, _ = chosen
    contact = cand.contact
    return build(
        ContactAttempted,
        _CONTACT_SLOTS,
        (
            at,
            None,  # recorded_at
            cand.channel,
            Outcome.UNKNOWN,
            cand.stage,
            cand.step,
            cand.template,
            contact.address if contact else None,
            None,  # debt_id
            (),  # debt_ids
            "creditor",  # initiated_by
            None,  # idempotency_key
            cand.party,
        ),
    )


def _points(
    addressless: bool, step: Step, channel: str, s: Situation, step_reasons: list[StepReason]
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
        return (None,) if addressless else ()
    return (point,)


def _try_channels(
    rung: RungPlan,
    plan: StepPlan,
    point: ContactPoint | None,
    attempt: int,
    start: datetime,
    s: Situation,
    planned: tuple[ContactAttempted, ...],
    step_reasons: list[StepReason],
    waits: list[str],
) -> _Chosen | str:
    """The step's channel, then its fallback (after a channel-only block): the first allowed;
    when none is, the channels tried, "/"-joined (the blocked step's ``channel``).

    A channel without a contact point waits for one (``contact_point:{channel}`` in
    ``waits``, when no channel is allowed).  A debtor step that does not rotate (most) has
    one candidate per channel: its debtor's contact point on it, or none when addressless
    (``point``: the first channel's, looked up before; a fallback's is looked up when tried).
    """
    if not plan.simple:  # a third-party or rotating step
        return _try_points(rung, plan, attempt, start, s, planned, step_reasons, waits)
    no_point: list[str] | None = None
    for ch in plan.channels:
        if point is _LOOKUP:
            point = s.account.contact_for(ch.channel)
        if point is None and not ch.addressless:
            step_reasons.append(_no_point(ch.channel, ""))
            if no_point is None:
                no_point = []
            no_point.append(f"contact_point:{ch.channel}")
            point = _LOOKUP
            continue
        cand = _make_candidate((ch.candidate, attempt, point, s, planned))
        sched = schedule(ch.scoped, cand, start, rung.horizon, rung.compiled)
        if sched.at is not None:
            if sched.defers or sched.notes:
                step_reasons.extend(sched.defers)
                step_reasons.extend(sched.notes)
            return (sched.at, cand, ch, sched.reply)
        # Blocked: what ``_earliest`` states of the one candidate, and whether the block is
        # the channel's alone, without their calls and frames.
        if sched.defers or sched.notes:
            step_reasons.extend(sched.defers)
            step_reasons.extend(sched.notes)
        step_reasons.extend(sched.blocks)
        if not all(map(_CHANNEL_ONLY, sched.blocks)):
            break
        point = _LOOKUP
    if no_point is not None:
        waits.extend(no_point)
    return ch.tried


@functools.lru_cache(maxsize=256)
def _no_point(channel: str, who: str) -> Reason:
    """The reason a channel is passed over: no (third-party) contact point on it.  One value
    per channel (a frozen value, shared): an account without a point on a step's channel
    meets it at every decision."""
    return info("no_contact_point", f"the account has no {who}contact point for {channel}")


def _try_points(
    rung: RungPlan,
    plan: StepPlan,
    attempt: int,
    start: datetime,
    s: Situation,
    planned: tuple[ContactAttempted, ...],
    step_reasons: list[StepReason],
    waits: list[str],
) -> _Chosen | str:
    """:func:`_try_channels` for a third-party or rotating step: each channel's points, the
    earliest allowed of them (:func:`_earliest`)."""
    step = plan.step
    no_point: list[str] = []
    for ch in plan.channels:
        points = _points(ch.addressless, step, ch.channel, s, step_reasons)
        if not points:
            who = "third-party " if step.party == "third_party" else ""
            step_reasons.append(_no_point(ch.channel, who))
            no_point.append(f"contact_point:{ch.channel}")
            continue
        tries = []
        for contact in points:
            cand = _make_candidate((ch.candidate, attempt, contact, s, planned))
            tries.append((cand, schedule(ch.scoped, cand, start, rung.horizon, rung.compiled)))
        chosen = _earliest(tries, ch, step_reasons)
        if chosen is not None:
            return chosen
        if not all(v.channel_only for _, sc in tries for v in sc.blocks):
            break
    waits.extend(no_point)
    return ch.tried


def _earliest(
    tries: Sequence[tuple[Candidate, Scheduled]], ch: ChannelPlan, step_reasons: list[StepReason]
) -> _Chosen | None:
    """The earliest allowed of a channel's candidates (declaration order breaks ties) and
    what the rules said of it; without one, what the rules said of each (all blocked)."""
    allowed = [(sc.at.astimezone(UTC), i) for i, (_, sc) in enumerate(tries) if sc.at is not None]
    if allowed:
        cand, sched = tries[min(allowed)[1]]
        assert sched.at is not None  # chosen among the allowed
        step_reasons.extend(sched.defers)
        step_reasons.extend(sched.notes)
        return (sched.at, cand, ch, sched.reply)
    for _, sched in tries:  # what the rules said of each: deferrals, notes, then blocks
        step_reasons.extend(sched.defers)
        step_reasons.extend(sched.notes)
        step_reasons.extend(sched.blocks)
    return None


def _action(
    rung: RungPlan,
    plan: StepPlan,
    attempt: int,
    key: str,
    chosen: _Chosen,
    step_reasons: Sequence[StepReason],
    s: Situation,
    z: tzinfo,
) -> ActionDraft:
    """The Action for a scheduled attempt, as a draft: it is built once the rung's deadline,
    which its message facts state, is known; its facts, evidence and reasons are rendered
    when read."""
    at, cand, ch, reply = chosen
    not_before = at if at.tzinfo is z else at.astimezone(z)
    obligations = rung.obligations
    if obligations is None:  # rules attach theirs to this candidate
        obligations = action_obligations(rung.merge, rung.compiled.obligation_rules, cand)
    grace = rung.grace
    return make_draft(
        (
            (
                ch.action,
                s.account.id,
                attempt,
                not_before,
                key,  # ``idempotency_key``
                cand.contact,
                obligations,
                reply,
            ),
            (s.balance, s.days_overdue, plan.facts),
            in_zone(z, grace.after(at, z, s.calendar)) if grace is not None else None,
            _evidence(plan.step, s.account, s.snapshot) if plan.step.evidence else None,
            tuple(step_reasons),
            z,
            rung.stage,  # what the phases before the build read of the Action
            plan.key,
            ch.channel,
            not_before,
        )
    )


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
    local: datetime | None = None,
) -> list[str]:
    """The new facts the actions and blocks wait for: outcomes of due actions, lifted blocks.

    ``local``: ``now`` in the debtor's zone when the actions' times (in it) compare with it by
    wall clock (``decider._steady_now``), without the ``utcoffset`` calls across zones."""
    if not actions:  # (most held decisions): no comprehension's frame
        out: list[str] = []
    elif len(actions) == 1:  # (most decisions that plan) likewise
        a = actions[0]
        at = a.not_before
        due = at <= local if local is not None and at.tzinfo is local.tzinfo else at <= now
        out = [f"outcome:{a.idempotency_key}"] if due else []
    else:
        out = [f"outcome:{a.idempotency_key}" for a in actions if a.not_before <= now]
    for b in blocked:
        said = _BLOCKED_REASONS(b)  # ``_blocked_said``, inlined: not ``b.reasons`` (rendered)
        for r in said[1][0] if type(said) is _Pending else said:
            # Not authorisation_lost (rule ``engine``): already named; the horizon has an
            # ``until``.
            if r.effect == "block" and r.until is None and (rule := r.rule_id) != "engine":
                out.append(lifted.get(rule) or f"lifted:{rule}")
    return out
