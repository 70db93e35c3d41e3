"""Phase 5b: ask every rule about one candidate contact until all allow (the fixed point).

Any block wins; otherwise the latest deferral moves the moment on and every rule is asked
again, up to the policy's horizon.  Two things lift a rule's objection, both stated in the
notes: a consent waiver naming a waivable rule, and a ``respond_once`` rule making the
candidate the one reply to the debtor's own contact.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, cast

import attrs

from overdue.compiled import Check, CompiledPolicy, HeldChecks, Scoped
from overdue.decision import Reason
from overdue.durations import Duration
from overdue.engine.reasons import fmt_local
from overdue.rules.base import Rule, Verdict, in_force
from overdue.rules.holds import HoldWhile, held_by
from overdue.rules.lane import (
    _HOURS,
    _HOURS_ALL,
    _HOURS_OPEN,
    _LOCAL_DAYS,
    _ROLLING,
    Lane,
    LaneSpec,
)
from overdue.rules.parties import third_party_gate
from overdue.rules.protocols import GrantsReply, citation_of
from overdue.situation import Candidate
from overdue.snapshot import FactState

MAX_ROUNDS = 64
NUDGE = timedelta(minutes=1)


class Scheduled(NamedTuple):
    """When a candidate may go (``at``; ``None``: blocked), and what the rules said.

    A named tuple, not an attrs value: one is made per candidate tried, and a tuple's fields
    are set in one C call (an attrs ``__init__`` sets each of its five through a call)."""

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
    tags (``compiled.rules_for``); only rules with an ``applies_to`` of their own are asked it
    (up front here, or by their compiled checks in the lean loop).
    An account with no fact, cease request or opt-out on file is asked only the rules that
    can speak to it (``scoped.calm``), frequency caps count through their counters, and when
    nothing can lift an objection the loop skips the lifting; all answer exactly as the full
    loop: every rule asked its own ``check`` with the lifting (``tests/test_schedule_lean.py``).
    """
    contact = candidate.contact
    third = contact is not None and not contact.is_debtor  # ``Candidate.party``
    snap = candidate.situation.snapshot
    if not third:
        if not snap.facts and snap.cease is None and not snap.opted_out:
            scoped = scoped.calm or scoped  # the rules left out allow every such candidate
        elif (
            (held := scoped.held) is not None
            and candidate.situation.tz is not None
            and 2 < start.year < 9998  # the rules left out cannot overflow (``_defers_only``)
            and not (scoped.waivable and snap.waivers)
        ):
            # On file: facts alone (a dispute), or a cease request or opt-out too.
            asked = held.any if snap.cease is not None or snap.opted_out else held.facts
            memo = snap.memo()
            kept = memo.get((_HELD, id(asked)))
            found: Scheduled | None
            if kept is not None and kept[0] is asked:
                found = kept[1]  # the same block as before on this snapshot (``_held``)
            else:
                found = _held(asked, candidate, start, snap.facts, memo)
            if found is not None:
                return found
        if scoped.plain and not (scoped.waivable and snap.waivers):
            # The common case, what the general path below comes to: nothing can lift an
            # objection (a rule that does not apply to the candidate allows in its check).
            if not scoped.checks:
                return Scheduled(start, (), ())
            lane = scoped.lane
            if lane is not None:
                return _run_lane(lane, candidate, start, horizon)
            return _lean(scoped.checks, candidate, start, horizon)
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
    lifts = _Lifts(granting, candidate, compiled)
    return _fixed_point(applicable, checks, candidate, start, horizon, lifts)


def _held(
    held: HeldChecks,
    candidate: Candidate,
    start: datetime,
    facts: Mapping[str, FactState],
    memo: dict[Hashable, Any],
) -> Scheduled | None:
    """What the fixed point answers when a rule blocks ``candidate`` at ``start`` (an open
    dispute, a cease request): every block said at ``start``, in order; ``None`` when none
    blocks there (the full loop answers then).

    ``held`` (from ``Scoped.held``) leaves out the rules that only defer a candidate whose zone
    is known (caps of up to about a year, contact hours in the debtor's zone), and that cannot
    refuse it a date between years 3 and 9997: in the first round of :func:`_lean` a
    block ends the loop and the deferrals met on the way are dropped, so asking them changes
    nothing.  A hold whose fact is not on file allows, and is not called; nor are the cease
    and opt-out rules while neither is on file; a built-in hold of a fact on file with no end
    blocks whatever the moment and the candidate, and its block is made without the call
    (:func:`~overdue.rules.holds.held_by`).  Held equal to the
    full loop by ``tests/test_schedule_held.py``.

    When every rule asked is a built-in hold (its own check) of a fact on file with no end,
    the answer reads nothing but the snapshot's facts: it is kept in the snapshot's memo
    (``memo``; :data:`_HELD`, with ``held``), so the next decision from the same held
    snapshot finds it at once instead of asking the holds again.
    """
    blocks: tuple[Verdict, ...] = ()
    constant = True  # only open-ended built-in holds asked, so far
    for check, fact in held:
        if fact is not None:
            state = facts.get(fact)
            if state is None:
                continue
            if state.until is None and getattr(check, "__func__", None) is _HOLD_CHECK:
                # The built-in hold's own check on a fact with no end: its block, without
                # asking (it reads nothing else; ``fact`` is its rule's).
                blocks = (*blocks, held_by(check.__self__, state))  # type: ignore[attr-defined]
                continue
            constant = False  # it reads the moment (or may read the candidate)
        else:
            constant = False
        v = check(candidate, start)
        if v is not None and v.effect == "block":
            blocks = (*blocks, v)
    found = _scheduled((None, blocks, (), (), False)) if blocks else None
    if constant:
        memo[_HELD, id(held)] = (held, found)
    return found


_HELD = "schedule.held"
"""With the ``id()`` of a scope's ``held``, the key of :func:`_held`'s answer kept in a
snapshot's memo, as ``(held, answer)`` (``held`` kept with it, so its ``id`` is not reused
while kept, and compared by identity), when the answer read only the snapshot."""


_HOLD_CHECK = HoldWhile.check
"""The built-in hold's own ``check``: called as a hold's compiled check (not one silenced
before a date in force), its verdict on a fact on file with no end reads nothing but the
snapshot's facts (a subclass that keeps it may change what a verdict carries, never what it
reads)."""


def _lean(
    checks: Sequence[Check],
    candidate: Candidate,
    start: datetime,
    horizon: Duration,
    last_defer: dict[str, Verdict] | None = None,
    horizon_end: datetime | None = None,
    rounds: int = MAX_ROUNDS,
) -> Scheduled:
    """:func:`_fixed_point` when nothing can lift or silence an objection (most policies and
    accounts): the same rounds and answers, without asking the lifts about every verdict
    (it runs for every candidate a decision tries; ``tests/test_schedule_lean.py``).

    ``last_defer``, ``horizon_end`` and ``rounds`` carry on rounds :func:`_run_lane` began."""
    t = start
    if last_defer is None:
        last_defer = {}
    for _ in range(rounds):
        blocks: list[Verdict] | None = None
        latest: datetime | None = None
        for check in checks:
            v = check(candidate, t)
            if v is None:
                continue
            if v.effect == "block":
                if blocks is None:
                    blocks = [v]
                else:
                    blocks.append(v)
            else:
                last_defer[v.rule_id] = v
                if v.until is not None and (latest is None or v.until > latest):
                    latest = v.until
        if blocks is not None:  # the deferrals met on the way are moot (see ``_fixed_point``)
            return _scheduled((None, tuple(blocks), (), (), False))
        if latest is None:
            return _scheduled((t, (), tuple(last_defer.values()), (), False))
        t, horizon_end = _next_round(t, latest, horizon_end, horizon, candidate)
        if t > horizon_end:
            break
    return _gave_up(t, last_defer)


def _run_lane(lane: Lane, candidate: Candidate, start: datetime, horizon: Duration) -> Scheduled:
    """:func:`_lean` for a scope with a :class:`Lane`: the same rounds and answers
    (``tests/test_schedule_lane.py``).

    Why: in most rounds every rule allows, and a rule's check then answers after a call,
    a conversion of the moment and a look at the snapshot's memo.  Here a round converts
    the moment to the debtor's zone once, and sees inline that contact hours allow it (two
    comparisons of the wall clock) and that each cap's window starts at or after its bar
    (one comparison; :func:`_settled`); a rule is asked its check only when that does not
    settle it (it then defers, or says why not).

    A lane's first run on a snapshot (most decisions are the first from their snapshot) has
    no bars: every cap is asked its check (``Lane.first``), which counts in the memo, and the
    bars are worked out from those counts on the second run (:data:`_ONCE`), the run that
    uses them, so a snapshot decided once does not pay for them.
    """
    s = candidate.situation
    tz = s.tz
    if tz is None or not 2 < start.year < 9998:  # near the calendar's ends: the checks say
        return _lean(lane.checks, candidate, start, horizon)
    specs = lane.specs
    if lane.counts:
        planned = len(candidate.planned)
        memo = s.snapshot.memo()
        key = (lane, planned) if planned else lane
        kept = memo.get(key)
        if kept is None:  # the first run on this snapshot: the caps ask (and count)
            memo[key] = _ONCE
            specs = lane.first
        elif kept is _ONCE:  # the second: the bars from what the caps counted
            specs = _settled(lane, memo, planned) or lane.first
        else:
            specs = kept
    t = start
    last_defer: dict[str, Verdict] = {}
    horizon_end: datetime | None = None  # computed on the first deferral only
    for rounds in _ROUNDS:
        blocks: list[Verdict] | None = None
        latest: datetime | None = None
        local = t.astimezone(tz)
        for kind, check, a, b in specs:
            if not kind:  # ``_OTHER``: asked
                pass
            elif kind == _HOURS_ALL:  # ``ContactHours.one_zone``: a-b the window
                if a <= local.time() < b:
                    continue
            elif kind == _ROLLING:  # ``frequency._rolling``: its window from ``local - a``
                if local - a >= b:
                    continue
            elif kind == _LOCAL_DAYS:  # ``frequency._local_days``: b the bar moved on
                if t >= b:
                    continue
            elif kind in (_HOURS, _HOURS_OPEN):  # a: the weekdays and the start
                if local.weekday() in a[0]:
                    if a[1] <= local.time() < b:
                        continue
                elif kind == _HOURS_OPEN:  # not this rule's day: another rule speaks for it
                    continue
            v = check(candidate, t)
            if v is None:
                continue
            if v.effect == "block":
                if blocks is None:
                    blocks = [v]
                else:
                    blocks.append(v)
            else:
                last_defer[v.rule_id] = v
                if v.until is not None and (latest is None or v.until > latest):
                    latest = v.until
        if blocks is not None:  # the deferrals met on the way are moot (see ``_fixed_point``)
            return _scheduled((None, tuple(blocks), (), (), False))
        if latest is None:
            if not last_defer:
                return _scheduled((t, (), (), (), False))
            return _scheduled((t, (), tuple(last_defer.values()), (), False))
        if horizon_end is None:  # ``_next_round``, without its call
            horizon_end = horizon.add_to(s.now, tz=tz)
        t = latest if latest > t else t + NUDGE
        if t > horizon_end:
            break
        if t.year > 9997:  # the rounds left to the checks themselves
            return _lean(lane.checks, candidate, t, horizon, last_defer, horizon_end, rounds)
    return _gave_up(t, last_defer)


_ROUNDS = tuple(range(MAX_ROUNDS - 1, -1, -1))  # the rounds left after each


def _settled(lane: Lane, memo: dict[Hashable, Any], planned: int) -> tuple[LaneSpec, ...] | None:
    """Keep in ``memo`` (a snapshot's) ``lane.specs`` with each cap's bar, for a candidate
    with ``planned`` contacts planned earlier in the decision, once every cap has counted,
    and return them (``None``: a cap has not counted, nothing kept).

    A cap's bar is the earliest start of its window at which its check surely allows: at
    or after the start of what it counted in the memo (``counted[0]``), with fewer than the
    cap counted from there, ``planned`` included (the first lines of its check:
    :func:`overdue.rules.frequency._rolling`, ``_local_days``); :data:`_NEVER` when the
    planned contacts alone reach the cap.  A local-day cap's window starts at the moment
    less ``back`` in UTC, so its bar is moved on by ``back`` and compared with the moment.

    Worked out on the second run of a lane on a snapshot, from what the first counted
    (its caps all asked: ``Lane.first``).  Why kept: what a cap counted from a start stays
    true of the snapshot (a later start asked counts from further back, and the window's
    contacts are the same), so a bar stays right; the next decisions from a held snapshot
    compare with it at once.
    """
    specs = list(lane.specs)
    for i, kind, check, back, key, most in lane.caps:
        counted = memo.get(key)
        if counted is None:
            return None  # not counted (its check failed): nothing kept, the caps asked again
        times = counted[2]
        if times is None:  # not counted one by one: fewer on file from its start than the cap?
            if len(counted[1]) + planned >= most:
                return None
            bar = counted[0]
        else:
            k = len(times) - most + planned  # the window must start at or after the k-th
            bar = counted[0] if k < 0 else _NEVER if k >= len(times) else max(counted[0], times[k])
        if kind == _LOCAL_DAYS and bar is not _NEVER:
            bar = bar + back if bar < _LAST_BAR else _NEVER
        specs[i] = (kind, check, back, bar)
    found = memo[(lane, planned) if planned else lane] = tuple(specs)
    return found


_ONCE = "schedule.once"
"""What a lane keeps in a snapshot's memo (under its own key) after its first run there:
its caps have been asked (and counted), so the next run works out their bars
(:func:`_settled`)."""


_NEVER = datetime.max.replace(tzinfo=UTC)  # a bar no moment reaches: the check is asked
_LAST_BAR = _NEVER - timedelta(days=800)  # a later local-day bar is not moved on


# A ``Scheduled`` of all five fields, made in C: the named tuple's own ``__new__`` is a Python
# function, and ``_lean`` makes one per candidate.
_scheduled = functools.partial(tuple.__new__, Scheduled)


def _fixed_point(
    rules: Sequence[Rule],
    checks: Sequence[Check],
    candidate: Candidate,
    start: datetime,
    horizon: Duration,
    lifts: _Lifts,
) -> Scheduled:
    """Ask ``checks`` (those of ``rules``, in order) at ``start``, then at the latest deferral,
    until all allow, one blocks, or the horizon passes; ``lifts`` lifts or silences the
    objections it may.  When nothing can, :func:`_lean` answers the same."""
    t = start
    last_defer: dict[str, Verdict] = {}
    horizon_end: datetime | None = None  # computed on the first deferral only
    for _ in range(MAX_ROUNDS):
        blocks: list[Verdict] = []
        latest: datetime | None = None
        cand = lifts.begin(t)
        for rule, check in zip(rules, checks, strict=True):
            if lifts.silent(rule, cand, t):
                continue  # a preset's rule before its instrument takes effect
            v = check(cand, t)
            if v is None or lifts.lifted(rule, v, t):
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
            return Scheduled(None, tuple(blocks), (), tuple(lifts.notes))
        if latest is None:
            return Scheduled(t, (), tuple(last_defer.values()), tuple(lifts.notes), lifts.reply)
        t, horizon_end = _next_round(t, latest, horizon_end, horizon, candidate)
        if t > horizon_end:
            break
    return _gave_up(t, last_defer)


def _next_round(
    t: datetime,
    latest: datetime,
    horizon_end: datetime | None,
    horizon: Duration,
    candidate: Candidate,
) -> tuple[datetime, datetime]:
    """The moment the next round asks at (the latest deferral, or a nudge when that is not
    later than ``t``) and the end of the policy's horizon (worked out on the first deferral)."""
    if horizon_end is None:
        s = candidate.situation
        horizon_end = horizon.add_to(s.now, tz=s.tz or UTC)
    return (latest if latest > t else t + NUDGE), horizon_end


def _gave_up(t: datetime, last_defer: dict[str, Verdict]) -> Scheduled:
    """No moment up to the policy's horizon (or in ``MAX_ROUNDS`` rounds) is allowed."""
    gave_up = Verdict(
        "block",
        "engine",
        "horizon",
        "no moment within the policy's horizon is allowed by every rule "
        f"(gave up at {t.isoformat()})",
        t,
    )
    return Scheduled(None, (gave_up,), tuple(last_defer.values()))


class _Lifts:
    """What lifts or silences an objection in one round of the fixed point: a consent waiver
    naming a waivable rule, the one reply to the debtor's own contact (for the rule kinds its
    grant ``overrides``), a rule silent before its date in force.  Stated in ``notes``."""

    __slots__ = (
        "candidate",
        "compiled",
        "grant",
        "granting",
        "guarded",
        "notes",
        "now_utc",
        "reply",
        "waivers",
    )

    def __init__(
        self, granting: Sequence[GrantsReply], candidate: Candidate, compiled: CompiledPolicy
    ) -> None:
        self.granting, self.candidate, self.compiled = granting, candidate, compiled
        self.now_utc = candidate.situation.now.astimezone(UTC)
        self.waivers = bool(candidate.situation.snapshot.waivers)  # none: none to ask
        self.guarded = compiled.guarded_rules  # empty unless a rule has ``in_force_from``
        self.notes: list[Reason] = []
        self.reply = False
        self.grant: tuple[GrantsReply, datetime] | None = None

    def begin(self, t: datetime) -> Candidate:
        """A new round at ``t``: the candidate asked (marked as the reply when it is one)."""
        self.notes, self.reply = [], False
        # A reply goes out now, when the debtor is waiting for it, or not as a reply at all: a
        # step another rule defers (or one due later) is scheduled like any other contact.
        self.grant = (
            _reply_grant(self.granting, self.candidate, t)
            if self.granting and t.astimezone(UTC) == self.now_utc
            else None
        )
        if self.grant is None:
            return self.candidate
        return attrs.evolve(self.candidate, is_reply=True)

    def silent(self, rule: Rule, cand: Candidate, t: datetime) -> bool:
        guarded = self.guarded
        return bool(guarded) and id(rule) in guarded and not in_force(rule, cand, t)

    def lifted(self, rule: Rule, v: Verdict, t: datetime) -> bool:
        """Whether ``v``, ``rule``'s objection at ``t``, is lifted (and the note why)."""
        if self.waivers:
            waived = _waived(rule, v, self.candidate, t, self.compiled)
            if waived is not None:
                self.notes.append(waived)
                return True
        grant = self.grant
        if grant is not None and rule.kind in grant[0].overrides:
            self.reply = True
            self.notes.append(_reply_note(grant, rule, v, self.candidate))
            return True
        return False


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
