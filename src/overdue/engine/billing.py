"""The billing side of a decision: stepping down, service actions with undo, fees and interest.

All three are opt-in (``Policy.billing_side``); a policy that uses none of them never reaches
this module and decides exactly as before.  The six phases are not changed: stepping down is
worked out *before* them (the snapshot the phases see has the account on the lower rung, or
off the ladder), and service actions and postings *after* them, from the decision and the
history.  See ``docs/billing.md`` for the semantics in words.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

import attrs

from overdue.decision import (
    BlockedStep,
    Decision,
    MessageFacts,
    Posting,
    Reason,
    ServiceAction,
    StepDown,
    Transition,
)
from overdue.engine.reasons import in_zone, info
from overdue.events import ChargePosted, Event, ServiceRecorded, StageEntered, StageLeft
from overdue.fees import interest_on
from overdue.money import Money
from overdue.policy import Policy, Stage
from overdue.rules.holds import HoldWhile
from overdue.service import ServiceStep
from overdue.situation import Situation
from overdue.snapshot import Snapshot

__all__ = ["decide_billing", "service_key"]

# Statuses in which the account stands on its rung (a paused ladder starts nothing new).
_ON_RUNG = frozenset({"active", "on_hold", "done", "waiting"})


def service_key(account_id: str, stage: str, entry: int, step: str) -> str:
    """``{account}:{stage}#{entry}:service:{step}``; its undo adds ``:undo``."""
    return f"{account_id}:{stage}#{entry}:service:{step}"


def charge_key(account_id: str, stage: str, entry: int, charge: str) -> str:
    """``{account}:{stage}#{entry}:fee`` or ``...:interest``: one per rung entry."""
    return f"{account_id}:{stage}#{entry}:{charge}"


def decide_billing(
    policy: Policy,
    snap: Snapshot,
    now: datetime,
    situation: Callable[[Snapshot], tuple[Situation, tzinfo]],
    phases: Callable[[Snapshot], Decision],
) -> Decision:
    """Step down (before the phases), run ``phases``, then add service actions and postings.

    ``situation`` builds the engine's view of a snapshot (and the zone every returned time is
    in); ``phases`` is the six-phase decision on a snapshot.
    """
    snap = _off_the_ladder(snap)
    s, z = situation(snap)
    down, snap = _step_down(policy, snap, s, now, z)
    d = phases(snap)
    if down is not None:
        d = _stepped(d, down, z)
    return _service_and_charges(policy, snap, s, d, z)


# -- stepping down -----------------------------------------------------------------------------


def _off_the_ladder(snap: Snapshot) -> Snapshot:
    """A recorded ``StageLeft`` after the last ``StageEntered``: the account is on no rung."""
    if snap.stage is None:
        return snap
    for e in reversed(snap.history):
        if isinstance(e, StageEntered):
            return snap
        if isinstance(e, StageLeft):
            return attrs.evolve(snap, stage=None, stage_since=None, steps={})
    return snap


def _may_step_down(policy: Policy, stage: Stage) -> bool:
    if stage.step_down is not None:
        return stage.step_down
    return policy.step_down == "when_conditions_fail"


def _step_down(
    policy: Policy, snap: Snapshot, s: Situation, now: datetime, z: tzinfo
) -> tuple[StepDown | None, Snapshot]:
    """The step down decided now, and the snapshot the phases then see."""
    if snap.stage is None or snap.stage_since is None:
        return None, snap
    pos = policy.compiled.enabled_pos.get(snap.stage)
    if pos is None:
        return None, snap
    enabled = policy.enabled_stages
    stage = enabled[pos]
    cond = stage.enters_when
    if cond is None or not _may_step_down(policy, stage):
        return None, snap
    if snap.settled_at is not None and snap.settled_at >= snap.stage_since:
        return None, snap  # paid in full since: the phases restart the ladder (new debt)
    if s.balance is None or s.balance.amount <= 0 or s.days_overdue <= 0:
        return None, snap  # nothing overdue: the phases say resolved / current
    if cond.holds(s):
        return None, snap
    why = f"{cond.describe()} no longer holds"
    target: Stage | None = None
    for lower in reversed(enabled[:pos]):
        if lower.enters_when is None or lower.enters_when.holds(s) or not _may_step_down(
            policy, lower
        ):
            target = lower  # the highest lower rung that holds, never below one kept
            break
    at = in_zone(z, now)
    if target is not None:
        entered = StageEntered(at=at, stage=target.id)
        return StepDown(stage.id, target.id, at, why, entered), snap.apply(entered)
    left = StageLeft(at=at, stage=stage.id, reason=why)
    return (
        StepDown(stage.id, None, at, why, left),
        attrs.evolve(snap, stage=None, stage_since=None, steps={}),
    )


def _stepped(d: Decision, down: StepDown, z: tzinfo) -> Decision:
    to = down.to_stage or "no rung (off the ladder)"
    note = info("stepped_down", f"steps down from {down.from_stage} to {to}: {down.reason}")
    transition = d.transition
    if transition is None and isinstance(down.event, StageEntered):
        transition = Transition(down.from_stage, down.event.stage, down.at, down.event)
    record = (down.event, *(e for e in d.record if e is not down.event))
    return attrs.evolve(
        d, step_down=down, transition=transition, record=record, reasons=(note, *d.reasons)
    )


# -- service actions and charges ---------------------------------------------------------------


def _entry(snap: Snapshot, d: Decision) -> int:
    """How often the account has entered the decision's rung, this decision's entry included."""
    assert d.stage is not None
    # A step down's StageEntered is already in ``snap`` (applied before the phases).
    skip = d.step_down.event if d.step_down is not None else None
    recorded = sum(
        1
        for e in d.record
        if isinstance(e, StageEntered) and e.stage == d.stage and e is not skip
    )
    return snap.entered(d.stage) + recorded


def _holds(policy: Policy, snap: Snapshot, now: datetime, stage: str | None) -> list[Reason]:
    """The holds that legally stop collection: an open dispute and the policy's hold rules
    (those not narrowed to other channels or rungs: a hold on SMS alone holds no suspension)."""
    out: list[Reason] = []
    dispute = snap.fact_open("dispute_open", now)
    if dispute is not None:
        out.append(
            Reason(
                "engine",
                "block",
                "collection_hold",
                f"a dispute is open since {dispute.since.date()}: no service action or charge "
                "until it is resolved",
            )
        )
    for rule in policy.rules:
        if (
            isinstance(rule, HoldWhile)
            and rule.fact != "dispute_open"
            and (rule.channels is None or "service" in rule.channels)
            and (rule.stages is None or stage in rule.stages)
        ):
            state = snap.fact_open(rule.fact, now)
            if state is not None:
                out.append(
                    Reason(
                        rule.id,
                        "block",
                        "collection_hold",
                        f"{rule.fact} since {state.since.date()}: no service action or charge "
                        "while it holds",
                        state.until,
                    )
                )
    return out


@attrs.define
class _Out:
    service: list[ServiceAction] = attrs.Factory(list)
    postings: list[Posting] = attrs.Factory(list)
    blocked: list[BlockedStep] = attrs.Factory(list)
    reasons: list[Reason] = attrs.Factory(list)
    wakes: list[datetime] = attrs.Factory(list)


def _service_and_charges(
    policy: Policy, snap: Snapshot, s: Situation, d: Decision, z: tzinfo
) -> Decision:
    done: dict[str, ServiceRecorded] = {}
    undone: set[str] = set()
    charges: dict[str, ChargePosted] = {}
    for e in snap.history:
        if isinstance(e, ServiceRecorded) and e.result == "delivered":
            if e.undo:
                undone.add(e.idempotency_key)
            else:
                done[e.idempotency_key] = e
        elif isinstance(e, ChargePosted):
            charges[e.invoice_id] = e
    out = _Out()
    holds = _holds(policy, snap, d.at, d.stage)
    current: tuple[str, int] | None = None
    if d.stage is not None and d.status in _ON_RUNG:
        entry = _entry(snap, d)
        current = (d.stage, entry)
        stage = policy.compiled.enabled_by_id.get(d.stage)
        if stage is not None:
            _performs(policy, s, d, z, stage, entry, done, holds, out)
            d = _charges(policy, snap, s, d, z, stage, entry, charges, holds, out)
    _undos(policy, d, z, current, done, undone, out)
    if not (out.service or out.postings or out.blocked or out.reasons):
        return d
    due_keys = [f"outcome:{a.idempotency_key}" for a in out.service if a.is_due(d.at)]
    wake = d.wake_at
    for w in out.wakes:
        if wake is None or w < wake:
            wake = in_zone(z, w)
    return attrs.evolve(
        d,
        # undos first at the same moment: a block lifted by one rung and set by the next
        # must end set
        service=tuple(sorted(out.service, key=_service_order)),
        postings=tuple(out.postings),
        blocked=(*d.blocked, *out.blocked),
        reasons=(*d.reasons, *out.reasons),
        wake_at=wake,
        waiting_for=tuple(dict.fromkeys((*d.waiting_for, *due_keys))),
    )


def _service_order(a: ServiceAction) -> tuple[datetime, bool, str]:
    return (a.not_before, a.operation == "perform", a.idempotency_key)


def _action(
    d: Decision, stage: str, step: ServiceStep, key: str, at: datetime, undo: bool
) -> ServiceAction:
    return ServiceAction(
        account_id=d.account_id,
        stage=stage,
        step=step.key,
        channel="service",
        template=(step.undo or step.action) if undo else step.action,
        attempt=1,
        max_attempts=1,
        not_before=at,
        idempotency_key=f"{key}:undo" if undo else key,
        facts=MessageFacts(amount=d.balance, days_overdue=d.days_overdue, deadline=d.deadline),
        operation="undo" if undo else "perform",
        undoes=step.action if undo else None,
    )


def _performs(
    policy: Policy,
    s: Situation,
    d: Decision,
    z: tzinfo,
    stage: Stage,
    entry: int,
    done: dict[str, ServiceRecorded],
    holds: list[Reason],
    out: _Out,
) -> None:
    """The rung's service actions not yet done: due at entry plus their offset, unless held."""
    assert d.stage_since is not None
    for step in stage.service:
        key = service_key(d.account_id, stage.id, entry, step.key)
        if key in done:
            continue
        if holds:
            out.blocked.append(BlockedStep(stage.id, step.key, "service", tuple(holds)))
            continue
        at = in_zone(z, step.at.add_to(d.stage_since, tz=z, calendar=s.calendar))
        out.service.append(_action(d, stage.id, step, key, at, undo=False))
        if at > d.at:
            out.wakes.append(at)


def _undos(
    policy: Policy,
    d: Decision,
    z: tzinfo,
    current: tuple[str, int] | None,
    done: dict[str, ServiceRecorded],
    undone: set[str],
    out: _Out,
) -> None:
    """Undo what is in force on a rung the account has left, or once it has paid."""
    if d.status == "written_off":
        return  # a written-off account's service stays as it is: nothing is undone
    pos = policy.compiled.enabled_pos
    here = pos.get(d.stage) if d.stage is not None and d.status != "resolved" else None
    for key, rec in done.items():
        if key in undone:
            continue
        stage_part = key.rsplit(":service:", 1)[0]
        entry = int(stage_part.rsplit("#", 1)[1]) if "#" in stage_part else 0
        if current is not None and current == (rec.stage, entry):
            continue  # still in force on the rung it belongs to
        if d.status == "paused" and d.stage == rec.stage:
            continue  # the ladder stands still; the rung is not left
        step = _step_of(policy, rec)
        if step is None:
            out.reasons.append(
                info(
                    "service_undo_unknown",
                    f"{rec.action} ({key}) is in force but rung {rec.stage} no longer declares "
                    "it: its undo is unknown, undo it by hand",
                )
            )
            continue
        there = pos.get(rec.stage)
        climbed = (
            here is not None
            and there is not None
            and here > there
            and d.step_down is None
            and d.status in _ON_RUNG
        )
        if climbed and step.keep_on_escalation:
            continue
        if step.irreversible:
            continue
        out.service.append(_action(d, rec.stage, step, key, in_zone(z, d.at), undo=True))


def _step_of(policy: Policy, rec: ServiceRecorded) -> ServiceStep | None:
    for stage in policy.stages:
        if stage.id == rec.stage:
            for step in stage.service:
                if step.key == rec.step:
                    return step
    return None


def _charges(
    policy: Policy,
    snap: Snapshot,
    s: Situation,
    d: Decision,
    z: tzinfo,
    stage: Stage,
    entry: int,
    charges: dict[str, ChargePosted],
    holds: list[Reason],
    out: _Out,
) -> Decision:
    """The rung entry's fee and interest: posted once, stated in the rung's message facts."""
    fee = stage.fee
    if fee is None or d.balance is None or _entered_by_stepping_down(policy, snap, d):
        return d  # a rung stepped down to charges nothing: fees are for escalating
    assert d.stage_since is not None
    fixed: Money | None = None
    interest: Money | None = None
    if fee.fixed is not None:
        key = charge_key(d.account_id, stage.id, entry, "fee")
        posted = charges.get(key)
        fixed = posted.amount if posted is not None else fee.fixed.rounded(policy.rounding)
        if posted is None:
            out.postings.append(Posting(d.account_id, stage.id, "fee", fixed, key))
    if fee.yearly_rate is not None:
        key = charge_key(d.account_id, stage.id, entry, "interest")
        posted = charges.get(key)
        if posted is not None:
            interest = posted.amount
        else:
            posting = _interest(policy, snap, d, z, stage, key, charges, fee.yearly_rate)
            if posting is not None:
                interest = posting.amount
                out.postings.append(posting)
    if holds and out.postings:
        out.reasons.append(
            Reason(
                holds[0].rule_id,
                "block",
                "charge_withheld",
                "no fee or interest is posted while collection is held: " + holds[0].message,
            )
        )
        out.postings.clear()
    if fixed is None and interest is None:
        return d
    actions = tuple(
        attrs.evolve(
            a,
            facts=attrs.evolve(
                a.facts, fee=fixed, interest=interest, interest_rate=fee.yearly_rate
            ),
        )
        if a.stage == stage.id
        else a
        for a in d.actions
    )
    return attrs.evolve(d, actions=actions)


def _entered_by_stepping_down(policy: Policy, snap: Snapshot, d: Decision) -> bool:
    """Whether the account came to its rung from a higher one (a step down)."""
    if d.step_down is not None:
        return True
    if d.transition is not None:
        return False  # entered now, climbing
    entered = snap.stages_entered
    if len(entered) < 2:
        return False
    pos = policy.compiled.enabled_pos
    here, before = pos.get(entered[-1].stage), pos.get(entered[-2].stage)
    return here is not None and before is not None and here < before


def _interest(
    policy: Policy,
    snap: Snapshot,
    d: Decision,
    z: tzinfo,
    stage: Stage,
    key: str,
    charges: dict[str, ChargePosted],
    rate: Decimal,
) -> Posting | None:
    """Interest on the principal (what is owed on invoices that are not charges), each
    invoice from the day after its due date, or after the last interest posted, to the rung
    entry's date; summed exactly, rounded once."""
    assert d.stage_since is not None
    assert d.balance is not None
    currency = d.balance.currency
    end = d.stage_since.astimezone(z).date()
    ends = [c.period_end for c in charges.values() if c.charge == "interest" and c.period_end]
    after = max(ends) + timedelta(days=1) if ends else date.min
    items: list[tuple[Money, date]] = []
    for i in snap.invoices:
        if i.invoice_id in charges or i.outstanding <= 0 or i.due >= end:
            continue
        start = max(i.due + timedelta(days=1), after)
        if start <= end:
            items.append((Money(i.outstanding, currency), start))
    if not items:
        return None
    amount = interest_on(tuple(items), rate, end, policy.rounding)
    if not amount.is_positive:
        return None
    principal = Money(sum((m.amount for m, _ in items), Decimal(0)), currency)
    start = min(s for _, s in items)
    return Posting(
        d.account_id,
        stage.id,
        "interest",
        amount,
        key,
        principal=principal,
        yearly_rate=rate,
        period_start=start,
        period_end=end,
    )


def billing_entries(
    d: Decision, t: datetime
) -> tuple[list[Event], list[tuple[str, str | None, str | None, str | None, int | None, str]]]:
    """What a projected timeline records for ``d``'s billing side at ``t``: the events (the
    service actions done, the postings posted, due at ``t``) and the entries, as
    ``(kind, stage, channel, template, attempt, detail)``."""
    events: list[Event] = []
    notes: list[tuple[str, str | None, str | None, str | None, int | None, str]] = []
    if d.step_down is not None:
        sd = d.step_down
        notes.append(("stepped_down", sd.to_stage, None, sd.from_stage, None, sd.reason))
    for a in d.due_service:
        events.append(a.outcome_event("delivered", t))
        notes.append(("service", a.stage, a.channel, a.template, None, a.operation))
    for p in d.postings:
        events.append(p.event(t, t.date()))
        notes.append(("posting", p.stage, None, p.charge, None, str(p.amount)))
    return events, notes
