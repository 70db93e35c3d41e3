"""The engine: ``decide`` and ``timeline``, pure functions of policy, facts and time.

Order of evaluation (the same every time, so the same inputs give the same decision):

1. Fold the events up to ``now`` (or take the caller's snapshot).
2. Written off, nothing owed, paid in full, not yet overdue: say so and stop.
3. A promise to pay (until its date plus the policy's grace) or a payment plan pauses.
4. Find the rung: enter the first one if none was recorded; leave the current one when it is
   finished (deadline passed, steps done or blocked, grace run out) for the furthest next rung
   that can be entered passing over skippable rungs only.  A rung whose conditions or
   authorisations are missing makes the account wait, with the reason.
5. For each step of the rung, in declaration order: its next attempt is due at entry plus its
   offset (or the previous attempt plus ``repeat_every``); every rule that applies is asked at
   that moment.  Any block wins (a channel-only block tries the fallback channel); otherwise
   the latest deferral wins and all rules are asked again then, up to the policy's horizon.
6. The deadline, the wake time and the reasons are gathered into the :class:`Decision`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import attrs

from overdue._time import at_local, require_aware, zone
from overdue.account import Account, ContactPoint
from overdue.decision import (
    Action,
    BlockedStep,
    Decision,
    EvidenceBundle,
    MessageFacts,
    Reason,
    Transition,
    same_grace_end,
)
from overdue.durations import Duration
from overdue.errors import OverdueError
from overdue.events import ContactAttempted, Outcome, StageEntered
from overdue.policy import Obligation, Policy, Stage, Step
from overdue.rules.base import Rule, Verdict
from overdue.rules.conduct import action_obligations
from overdue.rules.parties import third_party_gate
from overdue.situation import Candidate, Situation, days_overdue
from overdue.snapshot import Snapshot, StepProgress, fold

__all__ = ["Timeline", "TimelineEntry", "decide", "timeline"]

_MAX_ROUNDS = 64
_NUDGE = timedelta(minutes=1)

IDENTITY_DISCLOSURE = Obligation(
    "identity_disclosure",
    "state who you are and on whose behalf you act, and show identification when asked",
)


def _resolve_zone(policy: Policy, account: Account) -> tuple[tzinfo | None, str, str | None]:
    # Declared zone, else the address's, else the policy's assumption.  ContactHours rules
    # with ``zone_sources`` may look at several of these (and the contact point's) at once.
    if account.timezone is not None:
        return zone(account.timezone), "account", account.timezone
    if account.address_timezone is not None:
        return zone(account.address_timezone), "address", account.address_timezone
    if policy.assumed_zone is not None:
        return zone(policy.assumed_zone), "policy", policy.assumed_zone
    return None, "unknown", None


@attrs.frozen
class _PolicyIndex:
    """What ``decide`` looks up in a policy on every call, worked out once per policy.

    A ``Policy`` is frozen and checked when built, so none of this can go stale.
    """

    retention_rules: tuple[Rule, ...]  # rules with a ``retention_for``
    obligation_rules: tuple[Rule, ...]  # rules with an ``obligations_for``
    enabled_by_id: Mapping[str, Stage]
    later_enabled: Mapping[str, tuple[Stage, ...]]  # rungs on after a recorded stage
    # Position among the enabled rungs: stage ids are unique (the policy checks), so this is
    # ``enabled.index(stage)`` without comparing whole stages field by field.
    enabled_pos: Mapping[str, int]

    @classmethod
    def of(cls, policy: Policy) -> _PolicyIndex:
        enabled: dict[str, Stage] = {}
        for st in policy.enabled_stages:
            enabled[st.id] = st  # the last of a duplicated id, as a scan would find
        later: dict[str, tuple[Stage, ...]] = {}
        for i, st in enumerate(policy.stages):
            later.setdefault(st.id, tuple(x for x in policy.stages[i + 1 :] if x.enabled))
        return cls(
            tuple(r for r in policy.rules if getattr(r, "retention_for", None) is not None),
            tuple(r for r in policy.rules if getattr(r, "obligations_for", None) is not None),
            enabled,
            later,
            {st.id: i for i, st in reversed(tuple(enumerate(policy.enabled_stages)))},
        )


# id(policy) -> (policy, index); the policy is kept so its id cannot be reused meanwhile.
_INDEXES: dict[int, tuple[Policy, _PolicyIndex]] = {}
_MAX_INDEXES = 64


def _index(policy: Policy) -> _PolicyIndex:
    hit = _INDEXES.get(id(policy))
    if hit is not None and hit[0] is policy:
        return hit[1]
    if len(_INDEXES) >= _MAX_INDEXES:
        _INDEXES.clear()  # hosts use a handful of policies; tests make thousands
    ix = _PolicyIndex.of(policy)
    _INDEXES[id(policy)] = (policy, ix)
    return ix


def _verdict_reason(v: Verdict) -> Reason:
    return Reason(v.rule_id, v.effect, v.code, v.message, v.until, v.citation)


def _info(code: str, message: str, until: datetime | None = None) -> Reason:
    return Reason("engine", "info", code, message, until)


@attrs.frozen
class _Scheduled:
    at: datetime | None
    blocks: tuple[Verdict, ...]
    defers: tuple[Verdict, ...]
    notes: tuple[Reason, ...] = ()  # waivers honoured, a reply let through
    reply: bool = False


def _fmt_local(at: datetime, s: Situation) -> str:
    local = at.astimezone(s.tz or UTC)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _waived(rule: Rule, v: Verdict, candidate: Candidate, t: datetime) -> Reason | None:
    """The reason a ``waivable`` rule's objection is lifted at ``t`` by a consent waiver."""
    if not getattr(rule, "waivable", False):
        return None
    s = candidate.situation
    w = s.snapshot.waiver_for(rule.id, t, s.tz, s.calendar)
    if w is None:
        return None
    end = w.ends(s.tz, s.calendar)
    span = f"until {_fmt_local(end, s)}" if end is not None else "until withdrawn"
    detail = f" ({w.detail})" if w.detail else ""
    return Reason(
        rule.id,
        "info",
        "waived",
        f"waived by the debtor's consent of {_fmt_local(w.since, s)}{detail}, {span}; "
        f"it would have said: {v.message}",
        None,
        getattr(rule, "citation", None),
    )


def _reply_grant(
    granting: Sequence[Rule], candidate: Candidate, t: datetime
) -> tuple[Rule, datetime] | None:
    """The ``respond_once`` rule (and the debtor's contact) making the candidate a reply."""
    for g in granting:
        src = g.reply_to(candidate, t)  # type: ignore[attr-defined]
        if src is not None:
            return g, src
    return None


def _schedule(
    rules: Sequence[Rule], candidate: Candidate, start: datetime, horizon: Duration
) -> _Scheduled:
    """Ask every applicable rule until all allow; any block wins, the latest deferral moves on.

    Two things lift a rule's objection at a moment, and both are stated in the notes: a consent
    waiver naming a ``waivable`` rule, and a ``respond_once`` rule making the candidate the one
    reply to the debtor's own contact (only for the rule kinds it ``overrides``).
    """
    applicable = [r for r in rules if r.applies_to(candidate)]
    gate = third_party_gate(applicable, candidate)  # ungoverned, or stating debt facts
    if gate is not None:
        return _Scheduled(None, (gate,), ())
    if not applicable:
        return _Scheduled(start, (), ())
    granting = [r for r in applicable if callable(getattr(r, "reply_to", None))]
    horizon_end: datetime | None = None  # computed on the first deferral only
    t = start
    last_defer: dict[str, Verdict] = {}
    for _ in range(_MAX_ROUNDS):
        blocks: list[Verdict] = []
        notes: list[Reason] = []
        latest: datetime | None = None
        # A reply goes out now, when the debtor is waiting for it, or not as a reply at all: a
        # step another rule defers (or one due later) is scheduled like any other contact.
        now_round = t.astimezone(UTC) == candidate.situation.now.astimezone(UTC)
        grant = _reply_grant(granting, candidate, t) if granting and now_round else None
        reply = False
        cand = attrs.evolve(candidate, is_reply=True) if grant is not None else candidate
        for rule in applicable:
            v = rule.check(cand, t)
            if v is None:
                continue
            lifted = _waived(rule, v, candidate, t)
            if lifted is not None:
                notes.append(lifted)
                continue
            if grant is not None and rule.kind in grant[0].overrides:  # type: ignore[attr-defined]
                g, src = grant
                reply = True
                notes.append(
                    Reason(
                        g.id,
                        "info",
                        "reply",
                        f"the one reply to the debtor's {candidate.channel} contact of "
                        f"{_fmt_local(src, candidate.situation)}: {rule.id} let through "
                        f"({v.message})",
                        None,
                        getattr(g, "citation", None),
                    )
                )
                continue
            if v.effect == "block":
                blocks.append(v)
            else:
                last_defer[v.rule_id] = v
                if v.until is not None and (latest is None or v.until > latest):
                    latest = v.until
        if blocks:
            return _Scheduled(None, tuple(blocks), tuple(last_defer.values()), tuple(notes))
        if latest is None:
            return _Scheduled(t, (), tuple(last_defer.values()), tuple(notes), reply)
        t = latest if latest > t else t + _NUDGE
        if horizon_end is None:
            s = candidate.situation
            horizon_end = horizon.add_to(s.now, tz=s.tz or UTC)
        if t > horizon_end:
            break
    gave_up = Verdict(
        "block",
        "engine",
        "horizon",
        "no moment within the policy's horizon is allowed by every rule "
        f"(gave up at {t.isoformat()})",
        t,
    )
    return _Scheduled(None, (gave_up,), tuple(last_defer.values()))


def _paused_time(
    snapshot: Snapshot,
    facts: frozenset[str],
    since: datetime,
    now: datetime,
    extra: Sequence[tuple[datetime, datetime]] = (),
) -> tuple[timedelta, bool]:
    """Time the escalation clock stood still since ``since``, and whether it stands still now.

    Holds that overlap (a dispute during a manual hold) pause the clock once: the time counted
    is the union of the hold intervals, not their sum.  ``extra`` adds closed spans the
    snapshot does not hold as facts (the time a promise to pay paused the ladder).
    """
    spans: list[tuple[datetime, datetime]] = [
        (max(a, since), b) for a, b in extra if b > since and b > a
    ]
    for name, start, end in snapshot.fact_intervals:
        if name in facts and end > since:
            spans.append((max(start, since), end))
    open_now = False
    held = snapshot.facts
    for name in facts:
        if name not in held:
            continue  # neither open now nor lapsed: nothing to count
        state = snapshot.fact_open(name, now)
        if state is not None:
            open_now = True
        elif name in snapshot.facts:
            # Lapsed by its own ``until``: count the time it held.
            st = snapshot.facts[name]
            if st.until is not None and st.until > since:
                spans.append((max(st.since, since), st.until))
    total = timedelta(0)
    if not spans:
        return total, open_now
    reach: datetime | None = None
    for start, end in sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in spans):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += end - start
        reach = end if reach is None or end > reach else reach
    return total, open_now


def _can_enter(stage: Stage, s: Situation) -> tuple[bool, Reason | None, datetime | None]:
    if stage.enters_when is not None and not stage.enters_when.holds(s):
        when = stage.enters_when.holds_from(s)
        return (
            False,
            _info(
                "entry_conditions",
                f"waiting to enter {stage.id}: {stage.enters_when.describe()} does not hold yet",
                when,
            ),
            when,
        )
    missing = [a for a in stage.requires if not s.snapshot.has_authorisation(a, s.now)]
    if missing:
        return (
            False,
            _info(
                "awaiting_authorisation",
                f"{stage.id} requires {', '.join(repr(m) for m in missing)}, not on file",
            ),
            None,
        )
    return True, None, None


def _choose_next(
    stages: Sequence[Stage], s: Situation
) -> tuple[Stage | None, list[Reason], datetime | None]:
    """The furthest rung that can be entered, passing over skippable rungs only.

    Returns the rung (``None``: wait), the reasons (skipped rungs, what the wait is for) and,
    when waiting, the earliest moment any rung considered becomes enterable by time alone.
    """
    chosen: Stage | None = None
    reasons: list[Reason] = []
    whens: list[datetime] = []
    for stage in stages:
        ok, why, when = _can_enter(stage, s)
        if ok:
            chosen = stage
        elif why is not None:
            if when is not None:
                whens.append(when)
            if stage.skippable:
                reasons.append(
                    _info(
                        "skipped", f"{stage.id} is skippable and cannot be entered: {why.message}"
                    )
                )
        if not stage.skippable:
            if not ok and why is not None and chosen is None:
                reasons.append(why)
            break
    wake = min(whens) if chosen is None and whens else None
    return chosen, reasons, wake


def _evidence(step: Step, account: Account, snapshot: Snapshot) -> EvidenceBundle | None:
    if not step.evidence:
        return None
    kinds = step.evidence
    return EvidenceBundle(
        contract=account.contract,
        invoices=snapshot.invoices if "invoices" in kinds or "contract" in kinds else (),
        payments=snapshot.payments if "payments" in kinds else (),
        contacts=snapshot.contacts if "contacts" in kinds else (),
        kinds=kinds,
    )


def decide(
    policy: Policy,
    account: Account,
    now: datetime,
    *,
    snapshot: Snapshot | None = None,
) -> Decision:
    """Decide what happens next for ``account`` under ``policy`` at ``now``.

    Args:
        policy: the ladder and rules.
        account: the account with its history; events after ``now`` are ignored.
        now: an aware datetime; the decision never reads a clock of its own.
        snapshot: a snapshot the host already holds (folded up to ``now``), to skip the fold.

    Returns:
        A :class:`~overdue.decision.Decision`: deterministic for the same inputs.

    Raises:
        NaiveDatetimeError: ``now`` has no zone.
        EventError: the history is malformed or contradictory (with account id and index).
    """
    try:
        require_aware(now, "now")
    except OverdueError as exc:
        raise exc.located(account_id=account.id) from None
    snap = snapshot if snapshot is not None else fold(account, now)
    ix = _index(policy)
    tz, tz_source, tz_name = _resolve_zone(policy, account)
    # Calendar days, months and wall clocks of durations count in the debtor's zone, or in UTC
    # when it is unknown: never in whatever zone ``now`` happens to be written in.
    ctz = tz if tz is not None else UTC
    local_date = now.astimezone(ctz).date()
    balance = snap.balance
    dov = days_overdue(snap, local_date)
    s = Situation(account, snap, now, tz, tz_source, policy.calendar, local_date, dov, balance)
    base = {
        "account_id": account.id,
        "at": now,
        "days_overdue": dov,
        "balance": balance,
        "policy_id": policy.id,
        "policy_version": policy.version,
        "zone": tz_name,
        "retain_until": _retain_until(ix.retention_rules, snap, ctz),
        "debt_disputed": snap.fact_open("dispute_open", now) is not None,
    }
    reasons: list[Reason] = []
    if tz is None:
        reasons.append(
            _info("zone_unknown", "the debtor's time zone is unknown and the policy assumes none")
        )

    def done(status: str, **kw: object) -> Decision:
        kw.setdefault("stage", snap.stage)
        kw.setdefault("stage_since", snap.stage_since)
        return Decision(status=status, reasons=tuple(reasons), **base, **kw)  # type: ignore[arg-type]

    if snap.written_off is not None:
        reasons.append(_info("written_off", f"written off on {snap.written_off.at.date()}"))
        return done("written_off")
    if balance is None:
        reasons.append(_info("no_invoices", "nothing has been invoiced"))
        return done("current")
    if balance.amount <= 0:
        paid = snap.payments[-1].at.date() if snap.payments else "-"
        reasons.append(_info("paid_in_full", f"paid in full (last payment {paid})"))
        return done("resolved")
    due = snap.earliest_unpaid_due()
    if dov == 0:
        when = at_local(due + timedelta(days=1), time(0), tz or UTC) if due is not None else None
        reasons.append(_info("not_overdue", f"nothing is overdue yet (oldest due {due})", when))
        return done("current", wake_at=when)

    # 3. pauses: a promise to pay, a payment plan
    promise = snap.promise
    promise_span: tuple[tuple[datetime, datetime], ...] = ()
    if promise is not None:
        ends = policy.promise_grace.add_to(
            at_local(promise.by + timedelta(days=1), time(0), ctz), tz=ctz, calendar=s.calendar
        )
        if promise.kept:
            reasons.append(
                _info("promise_kept", f"promise of {promise.amount} by {promise.by} kept")
            )
            kept_at = snap.payments[-1].at if snap.payments else ends
            promise_span = ((promise.made_at, min(kept_at, ends)),)
        elif now < ends:
            reasons.append(
                _info(
                    "promise_open",
                    f"promise to pay {promise.amount} by {promise.by}; paused until its grace ends",
                    ends,
                )
            )
            return done("paused", wake_at=ends)
        else:
            reasons.append(
                _info(
                    "promise_broken",
                    f"promise to pay {promise.amount} by {promise.by} was broken; the ladder "
                    "resumes where the promise paused it",
                )
            )
            # The ladder stood still while the promise was open: the clock resumes, it does
            # not jump ahead by the time the debtor was given.
            promise_span = ((promise.made_at, ends),)
    plan = snap.fact_open("payment_plan", now)
    if plan is not None:
        reasons.append(_info("payment_plan", f"a payment plan runs since {plan.since.date()}"))
        return done("paused")

    # 4. the rung
    enabled = policy.enabled_stages
    transition: Transition | None = None
    stage: Stage | None = None
    since = snap.stage_since
    progress = snap.steps
    entries = 0
    start_from = enabled
    if snap.stage is not None:
        stage = ix.enabled_by_id.get(snap.stage)
        later = ix.later_enabled.get(snap.stage, ())
        if stage is None and later:
            # A rung switched off after the account entered it: the account does not fall
            # back to the bottom of the ladder, it goes on to the next rung that is on.
            reasons.append(
                _info(
                    "disabled_stage",
                    f"recorded stage {snap.stage!r} is switched off in this policy; "
                    "continuing with the rungs after it",
                )
            )
            start_from = later
            since = None
        elif stage is None:
            reasons.append(
                _info(
                    "unknown_stage",
                    f"recorded stage {snap.stage!r} is not an enabled rung of this policy; "
                    "placing the account from the bottom of the ladder",
                )
            )
            since = None
    if (
        stage is not None
        and since is not None
        and snap.settled_at is not None
        and snap.settled_at >= since
    ):
        reasons.append(
            _info(
                "new_debt",
                f"the account was paid in full on {snap.settled_at.date()}; the debt owed now "
                "climbs the ladder from the bottom",
            )
        )
        stage, since = None, None
        start_from = enabled
    clock = since
    if stage is not None and since is not None:
        entries = sum(1 for e in snap.stages_entered if e.stage == stage.id)
        if policy.on_partial_payment == "restart_stage" and snap.payments:
            last_pay = snap.payments[-1].at
            if last_pay > since:
                clock = last_pay
                reasons.append(_info("stage_restarted", f"partial payment on {last_pay.date()}"))

    if stage is None:
        chosen, why, wake = _choose_next(start_from, s)
        reasons.extend(why)
        if chosen is None:
            if start_from is enabled:
                return done("waiting", stage=None, stage_since=None, wake_at=wake)
            return done("waiting", wake_at=wake)
        transition = _transition(snap.stage if start_from is not enabled else None, chosen, now)
        stage, since, clock, progress = chosen, now, now, {}
        entries = sum(1 for e in snap.stages_entered if e.stage == chosen.id) + 1

    # Narrowing for the type checker: every path above sets both.
    assert since is not None
    assert clock is not None
    pause, paused_now = _paused_time(snap, policy.paused_by(), clock, now, promise_span)
    plan_out = _plan_steps(policy, stage, clock, progress, s, entries)
    deadline = _deadline(stage, clock, pause, paused_now, plan_out, s, progress)

    if transition is None and _finished(stage, plan_out, deadline, now, paused_now):
        idx = ix.enabled_pos[stage.id]
        chosen, why, wake = _choose_next(enabled[idx + 1 :], s)
        if chosen is None:
            reasons.append(_info("rung_finished", f"{stage.id} is finished"))
            reasons.extend(why)
            status = "waiting" if idx + 1 < len(enabled) else "done"
            return done(status, stage=stage.id, stage_since=since, wake_at=wake)
        reasons.extend(why)
        transition = _transition(stage.id, chosen, now)
        stage, since, clock, progress = chosen, now, now, {}
        entries = sum(1 for e in snap.stages_entered if e.stage == chosen.id) + 1
        pause, paused_now = timedelta(0), paused_now
        plan_out = _plan_steps(policy, stage, since, progress, s, entries)
        deadline = _deadline(stage, since, pause, paused_now, plan_out, s, progress)

    if transition is not None:
        reasons.append(
            _info(
                "stage_entered",
                f"enters {transition.to_stage}"
                + (f" after {transition.from_stage}" if transition.from_stage else ""),
            )
        )
    actions, blocked = plan_out
    if transition is None and actions:
        # ``requires`` is checked on entry; an authorisation revoked (or lapsed) since then
        # stops the rung's steps too: no claim is filed once legal review is withdrawn.
        lost = [a for a in stage.requires if not snap.has_authorisation(a, now)]
        if lost:
            lost_reason = Reason(
                "engine",
                "block",
                "authorisation_lost",
                f"{stage.id} requires {', '.join(repr(x) for x in lost)}, no longer on file "
                "(revoked or lapsed); its steps wait until it is granted again",
            )
            blocked = (
                *blocked,
                *(BlockedStep(a.stage, a.step, a.channel, (lost_reason,)) for a in actions),
            )
            actions = ()
    if deadline is not None:  # the facts were built with ``deadline=None``
        actions = tuple(
            attrs.evolve(a, facts=attrs.evolve(a.facts, deadline=deadline)) for a in actions
        )
    if paused_now:
        reasons.append(_info("deadline_paused", "the escalation clock is paused by a hold"))
    if deadline is not None:
        reasons.append(_info("deadline", f"{stage.id} escalates if unpaid", deadline))

    wake_candidates = [a.not_before for a in actions if a.not_before > now]
    if deadline is not None and deadline > now and not stage.terminal:
        wake_candidates.append(deadline)
    for b in blocked:
        for r in b.reasons:
            if r.until is not None and r.until > now:
                wake_candidates.append(r.until)
    for name in policy.paused_by() if snap.facts else ():
        hold = snap.fact_open(name, now)
        if hold is not None and hold.until is not None:
            wake_candidates.append(hold.until)
    wake_at = min(wake_candidates) if wake_candidates else None

    if actions:
        status = "active"
    elif blocked or paused_now:
        # Nothing to send and the escalation clock stands still: the account is held, even
        # when the rung's steps were all sent before the hold began.
        status = "on_hold"
    elif stage.terminal:
        status = "done"
    else:
        status = "active"
    record = (transition.event,) if transition is not None else ()
    return Decision(
        status=status,  # type: ignore[arg-type]
        stage=stage.id,
        stage_since=since,
        transition=transition,
        actions=tuple(sorted(actions, key=lambda a: a.not_before)),
        blocked=blocked,
        deadline=deadline,
        wake_at=wake_at,
        reasons=tuple(reasons),
        record=record,
        **base,  # type: ignore[arg-type]
    )


def _with_rule_obligations(
    base: tuple[Obligation, ...], rules: Sequence[Rule], cand: Candidate
) -> tuple[Obligation, ...]:
    """The stage's obligations plus those rules attach (``obligations_for``), once per code."""
    return action_obligations(base, rules, cand)


def _retain_until(rules: Sequence[Rule], snapshot: Snapshot, tz: tzinfo) -> date | None:
    """The latest ``retain_until`` any rule asks for (``retention_for``), if any."""
    dates = []
    for rule in rules:
        ask = getattr(rule, "retention_for", None)
        if ask is not None and (d := ask(snapshot, tz)) is not None:
            dates.append(d)
    return max(dates) if dates else None


def _transition(from_stage: str | None, to: Stage, now: datetime) -> Transition:
    return Transition(from_stage, to.id, now, StageEntered(at=now, stage=to.id))


_PlanOut = tuple[tuple[Action, ...], tuple[BlockedStep, ...]]


def _plan_steps(
    policy: Policy,
    stage: Stage,
    since: datetime,
    progress: object,
    s: Situation,
    entries: int,
) -> _PlanOut:
    """The next attempt of every pending step, scheduled against the rules."""
    steps_progress: dict[str, StepProgress] = dict(progress)  # type: ignore[call-overload]
    actions: list[Action] = []
    blocked: list[BlockedStep] = []
    planned: list[ContactAttempted] = []
    obligations = stage.obligations
    if stage.performed_by == "third_party" and IDENTITY_DISCLOSURE not in obligations:
        obligations = (IDENTITY_DISCLOSURE, *obligations)
    last_step = len(stage.steps) - 1
    for n, step in enumerate(stage.steps):
        prog = steps_progress.get(step.key)
        done_count = prog.count if prog is not None else 0
        if done_count >= step.max_attempts:
            continue
        if prog is None:
            due = step.at.add_to(since, tz=s.tz or UTC, calendar=s.calendar)
        else:
            assert step.repeat_every is not None
            due = step.repeat_every.add_to(prog.last_at, tz=s.tz or UTC, calendar=s.calendar)
        start = max(due, s.now)
        attempt = done_count + 1
        step_reasons: list[Reason] = []
        tried: list[str] = []
        result = None
        chosen_channel = step.channel
        for channel in (step.channel, step.fallback):
            if channel is None:
                break
            tried.append(channel)
            # A debtor step goes to the debtor's contact point on the channel (or none, for
            # addressless channels); a third-party step to whichever third party on the channel
            # the rules allow first (declaration order breaks ties).
            points: tuple[ContactPoint | None, ...]
            if step.party == "third_party":
                points = s.account.third_parties_on(channel)
            else:
                points = (s.account.contact_for(channel),)
                if points[0] is None and channel in policy.addressless_channels:
                    points = (None,)
                elif points[0] is None:
                    points = ()
            if not points:
                who = "third-party " if step.party == "third_party" else ""
                step_reasons.append(
                    _info(
                        "no_contact_point", f"the account has no {who}contact point for {channel}"
                    )
                )
                continue
            tries = []
            for contact in points:
                cand = Candidate(
                    stage.id,
                    step.key,
                    channel,
                    step.template,
                    attempt,
                    contact,
                    s,
                    tuple(planned),
                    channel != step.channel,
                    must_state=step.must_state,
                    tags=step.tags,
                )
                tries.append((cand, _schedule(policy.rules, cand, start, policy.horizon)))
            allowed = [
                (sc.at.astimezone(UTC), i) for i, (_, sc) in enumerate(tries) if sc.at is not None
            ]
            if allowed:
                cand, sched = tries[min(allowed)[1]]
                assert sched.at is not None
                step_reasons.extend(_verdict_reason(v) for v in sched.defers)
                step_reasons.extend(sched.notes)
                result = (sched.at, cand, sched.reply)
                chosen_channel = channel
                break
            for _, sched in tries:
                step_reasons.extend(_verdict_reason(v) for v in sched.defers)
                step_reasons.extend(sched.notes)
                step_reasons.extend(_verdict_reason(v) for v in sched.blocks)
            if not all(v.channel_only for _, sc in tries for v in sc.blocks):
                break
        if result is None:
            blocked.append(
                BlockedStep(
                    stage.id, step.key, "/".join(tried), tuple(dict.fromkeys(step_reasons))
                )
            )
            continue
        at, cand, is_reply = result
        grace_end = (
            stage.grace.add_to(at, tz=s.tz or UTC, calendar=s.calendar)
            if stage.grace is not None
            else None
        )
        key = f"{s.account.id}:{stage.id}#{entries}:{step.key}:{attempt}"
        action = Action(
            account_id=s.account.id,
            stage=stage.id,
            step=step.key,
            channel=chosen_channel,
            template=step.template,
            attempt=attempt,
            max_attempts=step.max_attempts,
            not_before=at,
            idempotency_key=key,
            facts=MessageFacts(
                amount=s.balance,
                days_overdue=s.days_overdue,
                deadline=None,
                grace_end=grace_end,
                legal_terms=policy.legal_terms,
                creditor=policy.creditor,
                must_state=step.must_state,
            ),
            contact=cand.contact,
            fallback_for=step.channel if chosen_channel != step.channel else None,
            performed_by=stage.performed_by,
            obligations=_with_rule_obligations(
                obligations, _index(policy).obligation_rules, cand
            ),
            evidence=_evidence(step, s.account, s.snapshot),
            reasons=tuple(step_reasons),
            party=cand.party,
            discloses_debt=cand.party == "debtor",
            is_reply=is_reply,
        )
        actions.append(action)
        if n == last_step:
            break  # only the steps after this one look at what is planned
        planned.append(
            ContactAttempted(
                at=at,
                channel=chosen_channel,
                outcome=Outcome.UNKNOWN,
                stage=stage.id,
                step=step.key,
                template=step.template,
                contact_point=cand.contact.address if cand.contact is not None else None,
                party=cand.party,
            )
        )
    return same_grace_end(tuple(actions)), tuple(blocked)


def _deadline(
    stage: Stage,
    since: datetime,
    pause: timedelta,
    paused_now: bool,
    plan: _PlanOut,
    s: Situation,
    progress: Mapping[str, StepProgress],
) -> datetime | None:
    """When the rung is finished if nothing changes (``None`` while paused or at the top)."""
    if stage.terminal or paused_now:
        return None
    ends: list[datetime] = []
    if stage.deadline is not None:
        end = stage.deadline.add_to(since, tz=s.tz or UTC, calendar=s.calendar)
        ends.append(_later(end, pause))
    actions, _ = plan
    # Every pending attempt must happen first; the last one planned bounds the deadline.
    for a in actions:
        ends.append(a.not_before)
    if stage.grace is not None:
        # The grace runs from the rung's last attempt: one made before now, or one planned.
        last = max((p.last_at for p in progress.values()), default=None)
        base = max((a.not_before for a in actions), default=last or since)
        if last is not None and last > base:
            base = last
        end = stage.grace.add_to(base, tz=s.tz or UTC, calendar=s.calendar)
        ends.append(_later(end, pause))
    return max(ends) if ends else None


def _later(at: datetime, pause: timedelta) -> datetime:
    """``at`` moved on by ``pause`` of elapsed time (not wall-clock time across a DST change)."""
    if not pause:
        return at
    return (at.astimezone(UTC) + pause).astimezone(at.tzinfo)


def _finished(
    stage: Stage, plan: _PlanOut, deadline: datetime | None, now: datetime, paused_now: bool
) -> bool:
    if stage.terminal or paused_now or deadline is None:
        return False
    actions, _ = plan
    if actions:
        return False
    return now >= deadline


@attrs.frozen
class TimelineEntry:
    """One line of a projected schedule."""

    at: datetime
    kind: str  # "stage_entered" | "contact" | "blocked" | "waiting" | "paused" | "done" | ...
    stage: str | None
    channel: str | None = None
    template: str | None = None
    attempt: int | None = None
    detail: str = ""


class Timeline(tuple[TimelineEntry, ...]):
    """A projected schedule: a tuple of :class:`TimelineEntry`, shown in notebooks as HTML."""

    __slots__ = ()

    def _repr_html_(self) -> str:
        from overdue._html import timeline_html

        return timeline_html(self)


_NO_ANSWER_CHANNELS = frozenset({"phone", "call", "voice", "field_visit", "visit"})


def timeline(
    policy: Policy,
    account: Account,
    start: datetime,
    until: datetime,
    *,
    max_decisions: int = 2000,
) -> Timeline:
    """The projected schedule from ``start`` to ``until`` if nothing changes and nobody answers.

    Every due action is assumed carried out at its time with no reply (calls go unanswered,
    messages are delivered and ignored), every ``StageEntered`` the decisions ask for is
    recorded, and the engine is asked again at each ``wake_at``.  Blocked steps and waits appear
    once each, with their reasons.
    """
    require_aware(start, "start")
    require_aware(until, "until")
    acct = account
    snap = fold(acct, start)
    t = start
    out: list[TimelineEntry] = []
    seen_notes: set[tuple[str, str | None, str]] = set()
    for _ in range(max_decisions):
        if t > until:
            break
        d = decide(policy, acct, t, snapshot=snap)
        new = list(d.record)
        if d.transition is not None:
            out.append(
                TimelineEntry(t, "stage_entered", d.transition.to_stage, detail=d.status)
            )
        for a in d.due_actions:
            outcome = "no_answer" if a.channel in _NO_ANSWER_CHANNELS else "delivered"
            new.append(a.outcome_event(outcome, t))
            out.append(
                TimelineEntry(
                    t, "contact", a.stage, a.channel, a.template, a.attempt,
                    detail=f"attempt {a.attempt}/{a.max_attempts}"
                    + (f", fallback for {a.fallback_for}" if a.fallback_for else ""),
                )
            )
        for b in d.blocked:
            note: tuple[str, str | None, str] = ("blocked", b.stage, b.step)
            if note not in seen_notes:
                seen_notes.add(note)
                why = "; ".join(r.message for r in b.reasons if r.effect == "block")
                out.append(TimelineEntry(t, "blocked", b.stage, b.channel, b.step, detail=why))
        if d.status in ("waiting", "paused", "done", "resolved", "written_off", "current"):
            note = (str(d.status), d.stage, "; ".join(r.code for r in d.reasons))
            if note not in seen_notes:
                seen_notes.add(note)
                why = "; ".join(r.message for r in d.reasons if r.code != "deadline")
                out.append(TimelineEntry(t, d.status, d.stage, detail=why))
        if new:
            for ev in new:
                snap = snap.apply(ev)
            acct = acct.with_events(*new)
            continue
        if d.wake_at is None:
            break
        t = d.wake_at if d.wake_at > t else t + _NUDGE
    return Timeline(out)

