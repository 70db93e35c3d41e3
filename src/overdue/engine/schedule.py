"""Phase 5b: ask every rule about one candidate contact until all allow (the fixed point).

Any block wins; otherwise the latest deferral moves the moment on and every rule is asked
again, up to the policy's horizon.  Two things lift a rule's objection, both stated in the
notes: a consent waiver naming a waivable rule, and a ``respond_once`` rule making the
candidate the one reply to the debtor's own contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

import attrs

from overdue.compiled import Check, CompiledPolicy, Scoped
from overdue.decision import Reason
from overdue.durations import Duration
from overdue.engine.reasons import fmt_local
from overdue.rules.base import Rule, Verdict, in_force
from overdue.rules.parties import third_party_gate
from overdue.rules.protocols import GrantsReply, citation_of
from overdue.situation import Candidate

MAX_ROUNDS = 64
NUDGE = timedelta(minutes=1)


@attrs.frozen
class Scheduled:
    at: datetime | None
    blocks: tuple[Verdict, ...]
    defers: tuple[Verdict, ...]
    notes: tuple[Reason, ...] = ()  # waivers honoured, a reply let through
    reply: bool = False


def _waived(
    rule: Rule, v: Verdict, candidate: Candidate, t: datetime, compiled: CompiledPolicy
) -> Reason | None:
    """The reason a ``waivable`` rule's objection is lifted at ``t`` by a consent waiver."""
    if id(rule) not in compiled.waivable_rules:
        return None
    s = candidate.situation
    w = s.snapshot.waiver_for(rule.id, t, s.tz, s.calendar)
    if w is None:
        return None
    end = w.ends(s.tz, s.calendar)
    span = f"until {fmt_local(end, s)}" if end is not None else "until withdrawn"
    detail = f" ({w.detail})" if w.detail else ""
    return Reason(
        rule.id,
        "info",
        "waived",
        f"waived by the debtor's consent of {fmt_local(w.since, s)}{detail}, {span}; "
        f"it would have said: {v.message}",
        None,
        citation_of(rule),
    )


def _reply_grant(
    granting: Sequence[GrantsReply], candidate: Candidate, t: datetime
) -> tuple[GrantsReply, datetime] | None:
    """The ``respond_once`` rule (and the debtor's contact) making the candidate a reply."""
    for g in granting:
        src = g.reply_to(candidate, t)
        if src is not None:
            return g, src
    return None


def schedule(
    scoped: Scoped,
    candidate: Candidate,
    start: datetime,
    horizon: Duration,
    compiled: CompiledPolicy,
) -> Scheduled:
    """Ask every applicable rule until all allow; any block wins, the latest deferral moves on.

    Two things lift a rule's objection at a moment, and both are stated in the notes: a consent
    waiver naming a ``waivable`` rule, and a ``respond_once`` rule making the candidate the one
    reply to the debtor's own contact (only for the rule kinds it ``overrides``).

    ``scoped`` holds the rules that may apply to the candidate's stage, channel, template and
    tags (``compiled.rules_for``); only rules with an ``applies_to`` of their own are asked.
    An account with no fact, cease request or opt-out on file is asked only the rules that
    can speak to it (``scoped.calm``), and when nothing can lift an objection the lean loop
    asks them (:func:`_lean`); both answer exactly as the full loop (:func:`_lifting`).
    """
    contact = candidate.contact
    third = contact is not None and not contact.is_debtor  # ``Candidate.party``
    snap = candidate.situation.snapshot
    if not third and not snap.facts and snap.cease is None and not snap.opted_out:
        scoped = scoped.calm or scoped  # the rules left out allow every such candidate
    applicable: Sequence[Rule] = scoped.rules
    granting: Sequence[GrantsReply] = scoped.granting
    checks: Sequence[Check] = scoped.checks
    if scoped.dynamic:
        out = [id(r) for r in scoped.dynamic if not r.applies_to(candidate)]
        if out:
            kept = [i for i, r in enumerate(applicable) if id(r) not in out]
            applicable = [applicable[i] for i in kept]
            checks = [checks[i] for i in kept]
            granting = [g for g in granting if id(g) not in out]
    if third:  # ungoverned, or stating debt facts: asked of a third-party candidate only
        gate = third_party_gate(applicable, candidate)
        if gate is not None:
            return Scheduled(None, (gate,), ())
    if not applicable:
        return Scheduled(start, (), ())
    if scoped.plain and not (scoped.waivable and snap.waivers):
        return _lean(checks, candidate, start, horizon)
    return _lifting(applicable, granting, candidate, start, horizon, compiled)


def _lean(
    checks: Sequence[Check], candidate: Candidate, start: datetime, horizon: Duration
) -> Scheduled:
    """The fixed point when no objection can be lifted: what :func:`_lifting` does without
    waivers, replies or dates in force (most policies, most accounts)."""
    t = start
    last_defer: dict[str, Verdict] = {}
    horizon_end: datetime | None = None  # computed on the first deferral only
    for _ in range(MAX_ROUNDS):
        blocks: list[Verdict] = []
        latest: datetime | None = None
        for check in checks:
            v = check(candidate, t)
            if v is None:
                continue
            if v.effect == "block":
                blocks.append(v)
            else:
                last_defer[v.rule_id] = v
                if v.until is not None and (latest is None or v.until > latest):
                    latest = v.until
        if blocks:
            return Scheduled(None, tuple(blocks), ())  # see :func:`_lifting` on why no defers
        if latest is None:
            return Scheduled(t, (), tuple(last_defer.values()))
        t = latest if latest > t else t + NUDGE
        if horizon_end is None:
            horizon_end = _horizon_end(candidate, horizon)
        if t > horizon_end:
            break
    return _gave_up(t, last_defer)


def _horizon_end(candidate: Candidate, horizon: Duration) -> datetime:
    s = candidate.situation
    return horizon.add_to(s.now, tz=s.tz or UTC)


def _gave_up(t: datetime, last_defer: dict[str, Verdict]) -> Scheduled:
    gave_up = Verdict(
        "block",
        "engine",
        "horizon",
        "no moment within the policy's horizon is allowed by every rule "
        f"(gave up at {t.isoformat()})",
        t,
    )
    return Scheduled(None, (gave_up,), tuple(last_defer.values()))


def _lifting(
    applicable: Sequence[Rule],
    granting: Sequence[GrantsReply],
    candidate: Candidate,
    start: datetime,
    horizon: Duration,
    compiled: CompiledPolicy,
) -> Scheduled:
    """The fixed point with everything that lifts or silences an objection: consent
    waivers, a reply let through, rules silent before their date in force."""
    horizon_end: datetime | None = None  # computed on the first deferral only
    t = start
    last_defer: dict[str, Verdict] = {}
    now_utc = candidate.situation.now.astimezone(UTC)
    waivers = bool(candidate.situation.snapshot.waivers)  # none on most accounts: none to ask
    guarded = compiled.guarded_rules  # empty unless a rule has ``in_force_from``: not asked
    for _ in range(MAX_ROUNDS):
        blocks: list[Verdict] = []
        notes: list[Reason] = []
        latest: datetime | None = None
        # A reply goes out now, when the debtor is waiting for it, or not as a reply at all: a
        # step another rule defers (or one due later) is scheduled like any other contact.
        grant = (
            _reply_grant(granting, candidate, t)
            if granting and t.astimezone(UTC) == now_utc
            else None
        )
        reply = False
        cand = attrs.evolve(candidate, is_reply=True) if grant is not None else candidate
        for rule in applicable:
            if guarded and id(rule) in guarded and not in_force(rule, cand, t):
                continue  # a preset's rule before its instrument takes effect
            v = rule.check(cand, t)
            if v is None:
                continue
            lifted = _waived(rule, v, candidate, t, compiled) if waivers else None
            if lifted is not None:
                notes.append(lifted)
                continue
            if grant is not None and rule.kind in grant[0].overrides:
                reply = True
                notes.append(_reply_note(grant, rule, v, candidate))
                continue
            if v.effect == "block":
                blocks.append(v)
            else:
                last_defer[v.rule_id] = v
                if v.until is not None and (latest is None or v.until > latest):
                    latest = v.until
        if blocks:
            # A block stops the step until a new fact lifts it: the deferrals met on the way
            # (contact hours, a quiet day) say when it could go at this hour if it were not
            # blocked, which is moot, and stating them made a held decision (its reasons and
            # wake time) change with the hour it was made while nothing could go.
            return Scheduled(None, tuple(blocks), (), tuple(notes))
        if latest is None:
            return Scheduled(t, (), tuple(last_defer.values()), tuple(notes), reply)
        t = latest if latest > t else t + NUDGE
        if horizon_end is None:
            horizon_end = _horizon_end(candidate, horizon)
        if t > horizon_end:
            break
    return _gave_up(t, last_defer)


def _reply_note(
    grant: tuple[GrantsReply, datetime], rule: Rule, v: Verdict, candidate: Candidate
) -> Reason:
    """The note of a rule's objection let through for the one reply to the debtor."""
    g, src = grant
    return Reason(
        cast("Rule", g).id,
        "info",
        "reply",
        f"the one reply to the debtor's {candidate.channel} contact of "
        f"{fmt_local(src, candidate.situation)}: {rule.id} let through ({v.message})",
        None,
        citation_of(g),
    )
