"""``decide_debtor``: one decision per debt of a debtor, sharing the debtor's contact budget.

The debts are decided one after the other, in a stated order (:data:`ORDERS`), and each one
sees what the debts before it planned in this same run, as well as every contact recorded on
any of the debtor's debts (:meth:`overdue.debtor.Debtor.debt`).  So a cap per debtor or per
contact point is spent by the debts in that order, and a cap per debt counts that debt's own
contacts only.

Why ``'oldest_first'`` by default: the debt whose oldest unpaid instalment fell due first is the
one nearest its deadlines (its next rung, limitation, write-off) and the one a debtor is most
likely to recognise, so when one call a day is all the budget allows, it is about that debt.
``'highest_rung_first'`` gives the budget to the debt furthest up the ladder (a creditor who
wants the formal track to go first); ties go to the oldest, then to the debt id.

A debt whose next step waits for budget another debt used says so: its decision gets a reason
``budget_used_by`` naming the debt(s), and the debts that used it get ``budget_shared``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Literal

import attrs

from overdue._masking import mask
from overdue._time import require_aware
from overdue.channels import ANSWERABLE_CHANNELS
from overdue.debtor import Debtor
from overdue.decision import Action, Decision, Reason
from overdue.engine.decider import decide
from overdue.engine.reasons import info
from overdue.engine.reasons import instant as _instant
from overdue.engine.schedule import NUDGE as _NUDGE
from overdue.errors import OverdueError
from overdue.events import ContactAttempted, Event, Outcome
from overdue.policy import Policy
from overdue.rules.frequency import FrequencyCap, MinimumGap
from overdue.snapshot import fold

__all__ = [
    "ORDERS",
    "DebtDecision",
    "DebtorDecision",
    "DebtorTimelineEntry",
    "debtor_timeline",
    "decide_debtor",
    "project_debtor",
]

Order = Literal["oldest_first", "highest_rung_first"]
ORDERS: tuple[Order, ...] = ("oldest_first", "highest_rung_first")
"""The orders in which a debtor's debts are given the shared budget (see the module text)."""


@attrs.frozen
class DebtDecision:
    """One debt's decision within a debtor's.

    ``held_back_by`` names the debts whose contacts (recorded, or planned earlier in this run)
    hold this debt's next step back: on its own the step would go earlier, or at all.
    ``holds_back`` names the debts this one's contacts hold back.
    """

    debt_id: str
    decision: Decision
    held_back_by: tuple[str, ...] = ()
    holds_back: tuple[str, ...] = ()


@attrs.frozen
class DebtorDecision:
    """What happens next for every debt of a debtor, in the order the budget was given.

    ``debts`` is in allocation order (``order``); :meth:`decision` finds one by id.
    """

    debtor_id: str
    at: datetime
    order: str
    debts: tuple[DebtDecision, ...]

    def decision(self, debt_id: str) -> Decision:
        """The decision for debt ``debt_id``."""
        for d in self.debts:
            if d.debt_id == debt_id:
                return d.decision
        raise OverdueError(
            f"debtor {self.debtor_id!r} has no debt {debt_id!r}",
            expected=" | ".join(d.debt_id for d in self.debts),
            got=debt_id,
        )

    @property
    def due_actions(self) -> tuple[tuple[str, Action], ...]:
        """``(debt id, action)`` for every action that may be carried out now."""
        return tuple((d.debt_id, a) for d in self.debts for a in d.decision.due_actions)

    @property
    def wake_at(self) -> datetime | None:
        """The earliest moment any debt asks to be decided again (``None``: on a new event)."""
        wakes = [d.decision.wake_at for d in self.debts if d.decision.wake_at is not None]
        return min(wakes, key=_instant) if wakes else None

    def explain(self) -> str:
        """Every debt's decision in words, in allocation order, with who used the budget."""
        out = [f"debtor {self.debtor_id} at {self.at.isoformat()}: debts {self.order}"]
        for i, d in enumerate(self.debts, 1):
            out.append(f"--- {i}. debt {d.debt_id}")
            out.append(d.decision.explain())
        return "\n".join(out)


def decide_debtor(
    policy: Policy, debtor: Debtor, now: datetime, *, order: Order = "oldest_first"
) -> DebtorDecision:
    """Decide every debt of ``debtor`` at ``now``, sharing the debtor's contact budget.

    Each debt is decided by :func:`~overdue.engine.decide` on its view
    (:meth:`~overdue.debtor.Debtor.debt`: its history plus the contacts of the other debts),
    with the contacts the debts before it planned in this run counted as planned.  A debt's
    decision is the one ``decide`` gives; a debt held back by another one's contacts gets a
    ``budget_used_by`` reason naming it.

    Raises:
        NaiveDatetimeError: ``now`` has no zone.
        OverdueError: an unknown ``order``; any error ``decide`` raises, located at the debt.
    """
    require_aware(now, "now")
    if order not in ORDERS:
        raise OverdueError("unknown order of debts", expected=" | ".join(ORDERS), got=order)
    ranked = _ranked(policy, debtor, now, order)
    planned: dict[str, tuple[ContactAttempted, ...]] = {}
    made: list[tuple[str, Decision, tuple[str, ...]]] = []
    for debt_id in ranked:
        earlier = tuple(c for plans in planned.values() for c in plans)
        d = decide(policy, debtor.debt(debt_id), now, elsewhere=earlier, debt_id=debt_id)
        held = _held_back_by(policy, debtor, ranked, debt_id, now, d, planned)
        if held:
            d = _with_reason(d, _budget_reason(d, held))
        made.append((debt_id, d, held))
        planned[debt_id] = tuple(_as_planned(a, debt_id) for a in d.actions)
    users: dict[str, list[str]] = {}
    for debt_id, _, held in made:
        for user in held:
            users.setdefault(user, []).append(debt_id)
    out: list[DebtDecision] = []
    for debt_id, d, held in made:
        holds = tuple(users.get(debt_id, ()))
        if holds:
            d = _with_reason(
                d,
                info(
                    "budget_shared",
                    f"debt {debt_id}'s contacts count against the debtor's shared budget "
                    f"and hold back debt(s) {', '.join(holds)}",
                ),
            )
        out.append(DebtDecision(debt_id, d, held, holds))
    return DebtorDecision(debtor.id, now, order, tuple(out))


def _ranked(policy: Policy, debtor: Debtor, now: datetime, order: Order) -> list[str]:
    """The debt ids in the order the budget is given (see :data:`ORDERS`)."""
    rungs = {s.id: i for i, s in enumerate(policy.enabled_stages)}
    keys: dict[str, tuple[int, date, str]] = {}
    for debt in debtor.debts:
        snap = fold(debtor.own(debt.id), now)
        due = snap.earliest_unpaid_due() or date.max
        rung = rungs.get(snap.stage, -1) if snap.stage is not None else -1
        keys[debt.id] = (-rung if order == "highest_rung_first" else 0, due, debt.id)
    return sorted(keys, key=keys.__getitem__)


def _as_planned(action: Action, debt_id: str) -> ContactAttempted:
    """An action planned for ``debt_id``, as the later debts' caps count it."""
    event = action.outcome_event(Outcome.UNKNOWN.value, action.not_before)
    return attrs.evolve(event, stage=None, step=None, debt_id=debt_id)


def _times(d: Decision) -> dict[tuple[str, str], datetime]:
    return {(a.stage, a.step): a.not_before for a in d.actions}


def _held(alone: Decision, shared: Decision) -> list[tuple[str, str]]:
    """The steps that go later (or not at all) with the other debts than without them."""
    mine = _times(shared)
    return [
        key
        for key, at in _times(alone).items()
        if key not in mine or _instant(mine[key]) > _instant(at)
    ]


def _held_back_by(
    policy: Policy,
    debtor: Debtor,
    ranked: Sequence[str],
    debt_id: str,
    now: datetime,
    shared: Decision,
    planned: dict[str, tuple[ContactAttempted, ...]],
) -> tuple[str, ...]:
    """The debts whose contacts hold ``debt_id``'s steps back, or ``()``, in allocation order.

    A debt is named when leaving it out (its recorded contacts and its plans in this run)
    releases a held step.  When no single one does (the budget is spent by several together),
    every other debt with a contact or a plan is named.

    Why not simply leave each other debt out in turn: that is one decision per other debt
    for every held-back debt, the square of the debts (50 per-invoice ladders under a tight
    cap took seconds).  Leaving out *fewer* contacts never releases *more* steps (a cap or a
    gap only counts contacts; fewer of them let a step go as early or earlier), so a group
    whose absence releases nothing holds no debt that would be named on its own: the search
    leaves groups out and splits only the groups whose absence releases a step
    (:func:`_releasing`), a few decisions per named debt instead of one per other debt.
    The names are those of leaving each other debt out in turn as long as that holds; the
    property test ``tests/debtors/test_budget_attribution.py`` compares the two on drawn
    debtors (shared caps, rotation, numbers found invalid by another debt's call).
    """
    budgets = {r.id for r in policy.rules if isinstance(r, (FrequencyCap, MinimumGap))}
    said = [r.rule_id for a in shared.actions for r in a.reasons]
    said += [r.rule_id for b in shared.blocked for r in b.reasons]
    if not budgets.intersection(said):
        return ()  # no cap or gap moved a step: nothing waits for budget (the common case)
    others = [d for d in ranked if d != debt_id]
    involved = [
        o
        for o in others
        if o in planned or any(isinstance(e, ContactAttempted) for e in debtor.own(o).events)
    ]
    if not involved:
        return ()
    alone = decide(policy, debtor.own(debt_id), now, debt_id=debt_id)
    held = _held(alone, shared)
    if not held:
        return ()

    def releases(group: Sequence[str]) -> bool:
        """Whether ``debt_id`` without ``group``'s contacts and plans holds fewer steps back."""
        left_out = frozenset(group)
        rest = [x for x in others if x not in left_out]
        earlier = tuple(c for k, plans in planned.items() if k not in left_out for c in plans)
        view = debtor.debt(debt_id, sharing=rest)
        without = decide(policy, view, now, elsewhere=earlier, debt_id=debt_id)
        return len(_held(alone, without)) < len(held)

    named = _releasing(involved, releases)
    return tuple(named) if named else tuple(involved)


def _releasing(group: Sequence[str], releases: Callable[[Sequence[str]], bool]) -> list[str]:
    """The members of ``group`` whose absence on its own releases a step, in order.

    A group of one is tested as its member alone (exactly the leave-one-out test); a larger
    group is tested as a whole and split in halves only when its absence releases a step.
    """
    if not group or not releases(group):
        return []
    if len(group) == 1:
        return [group[0]]
    half = len(group) // 2
    return _releasing(group[:half], releases) + _releasing(group[half:], releases)


def _budget_reason(d: Decision, held: Sequence[str]) -> Reason:
    return info(
        "budget_used_by",
        f"the debtor's shared contact budget is used by debt(s) {', '.join(held)}: "
        "this debt's next step waits for it (a cap per debtor or per contact point)",
    )


def _with_reason(d: Decision, reason: Reason) -> Decision:
    return attrs.evolve(d, reasons=(*d.reasons, reason))


@attrs.frozen
class DebtorTimelineEntry:
    """One line of a debtor's projected schedule: which debt, what, when, to which point."""

    at: datetime
    debt_id: str
    kind: str  # "stage_entered" | "contact" | "held_back" | "blocked" | "waiting" | "done"
    stage: str | None
    channel: str | None = None
    contact: str | None = None  # the point's address, masked
    detail: str = ""

    def render(self) -> str:
        """The entry as one line."""
        where = f" {self.channel}" if self.channel else ""
        to = f" to {self.contact}" if self.contact else ""
        detail = f" ({self.detail})" if self.detail else ""
        return (
            f"{self.at:%Y-%m-%d %a %H:%M}  {self.debt_id:<8} {self.kind:<13} "
            f"{self.stage or '-'}{where}{to}{detail}"
        )


_Note = tuple[str, str, str | None, str | None]  # what the timeline already said once

Answer = Callable[[str, Action, datetime], str]
"""How a projected contact went: ``(debt id, action, at) -> outcome`` (an Outcome value)."""


def _no_reply(_debt: str, action: Action, _at: datetime) -> str:
    return "no_answer" if action.channel in ANSWERABLE_CHANNELS else "delivered"


def debtor_timeline(
    policy: Policy,
    debtor: Debtor,
    start: datetime,
    until: datetime,
    *,
    order: Order = "oldest_first",
    answer: Answer | None = None,
    max_decisions: int = 2000,
) -> tuple[DebtorTimelineEntry, ...]:
    """The projected schedule of every debt of ``debtor`` from ``start`` to ``until``.

    A host loop around :func:`decide_debtor`: every due action is carried out at its time and
    recorded on its debt with the outcome ``answer`` gives (default: calls go unanswered,
    messages are delivered and ignored), every ``StageEntered`` is recorded, and the debtor is
    decided again at the earliest wake.  Each entry names its debt and the (masked) point; a
    ``held_back`` entry says when a debt's step first waits for budget another debt used.

    Raises:
        OverdueError: ``max_decisions`` is reached before ``until`` (the schedule would be cut).
    """
    return _project(policy, debtor, start, until, order, answer, max_decisions)[0]


def project_debtor(
    policy: Policy,
    debtor: Debtor,
    start: datetime,
    until: datetime,
    *,
    order: Order = "oldest_first",
    answer: Answer | None = None,
    max_decisions: int = 2000,
) -> Debtor:
    """The debtor as it would be at ``until``: :func:`debtor_timeline`'s contacts and rung
    entries recorded on its debts (what the testing kit checks invariants on)."""
    return _project(policy, debtor, start, until, order, answer, max_decisions)[1]


def _project(
    policy: Policy,
    debtor: Debtor,
    start: datetime,
    until: datetime,
    order: Order,
    answer: Answer | None,
    max_decisions: int,
) -> tuple[tuple[DebtorTimelineEntry, ...], Debtor]:
    require_aware(start, "start")
    require_aware(until, "until")
    reply = answer or _no_reply
    t = start
    out: list[DebtorTimelineEntry] = []
    seen: set[_Note] = set()
    for _ in range(max_decisions):
        if _instant(t) > _instant(until):
            return tuple(out), debtor
        dd = decide_debtor(policy, debtor, t, order=order)
        recorded = False
        for one in dd.debts:
            d = one.decision
            at = d.at
            new: list[Event] = list(d.record)
            if d.transition is not None:
                out.append(
                    DebtorTimelineEntry(at, one.debt_id, "stage_entered", d.transition.to_stage)
                )
            for a in d.due_actions:
                outcome = reply(one.debt_id, a, at)
                new.append(a.outcome_event(outcome, at))
                point = mask(a.contact.address) if a.contact is not None else None
                out.append(
                    DebtorTimelineEntry(
                        at,
                        one.debt_id,
                        "contact",
                        a.stage,
                        a.channel,
                        point,
                        f"{a.step} attempt {a.attempt}/{a.max_attempts}, {outcome}",
                    )
                )
            if one.held_back_by and not d.due_actions and d.next_action is not None:
                note: _Note = (one.debt_id, "held_back", d.stage, ",".join(one.held_back_by))
                if note not in seen:
                    seen.add(note)
                    nxt = d.next_action
                    out.append(
                        DebtorTimelineEntry(
                            at,
                            one.debt_id,
                            "held_back",
                            d.stage,
                            nxt.channel,
                            detail=f"budget used by {', '.join(one.held_back_by)}; next "
                            f"{nxt.not_before:%Y-%m-%d %H:%M}",
                        )
                    )
            for b in d.blocked:
                note = (one.debt_id, "blocked", b.stage, b.step)
                if note not in seen:
                    seen.add(note)
                    why = "; ".join(r.message for r in b.reasons if r.effect == "block")
                    out.append(
                        DebtorTimelineEntry(
                            at, one.debt_id, "blocked", b.stage, b.channel, detail=why
                        )
                    )
            if d.status in ("waiting", "done", "resolved", "written_off"):
                note = (one.debt_id, str(d.status), d.stage, None)
                if note not in seen:
                    seen.add(note)
                    out.append(DebtorTimelineEntry(at, one.debt_id, str(d.status), d.stage))
            if new:
                debtor = debtor.with_events(one.debt_id, *new)
                recorded = True
        if recorded:
            continue
        wake = dd.wake_at
        if wake is None:
            return tuple(out), debtor
        t = wake if _instant(wake) > _instant(t) else t + _NUDGE
    if _instant(t) > _instant(until):
        return tuple(out), debtor
    raise OverdueError(
        f"debtor {debtor.id!r}: the projection stopped after {max_decisions} decisions at "
        f"{t.isoformat()}, before {until.isoformat()}",
        expected="a larger max_decisions or an earlier until",
    )
