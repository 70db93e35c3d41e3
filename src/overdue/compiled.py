"""A policy worked out once for the engine: what ``decide`` looks up on every call.

A :class:`~overdue.policy.Policy` is frozen and checked when built, so none of this can go
stale; it lives on the policy as the cached attribute ``policy.compiled`` (no module-global
cache keyed by ``id(policy)``, nothing to evict, nothing shared between two equal policies).
Rule features are sorted out here through the protocols of :mod:`overdue.rules.protocols`,
so the engine never probes a rule for attribute names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

import attrs

from overdue.obligations import IDENTITY_DISCLOSURE, Obligation, merged
from overdue.rules.base import RuleBase, in_scope
from overdue.rules.lane import Lane, lane_of
from overdue.rules.protocols import (
    AttachesObligations,
    GrantsReply,
    SetsRetention,
    lifted_by,
    waivable,
)

if TYPE_CHECKING:
    from overdue.durations import Duration
    from overdue.policy import Policy, Stage, Step
    from overdue.rules.base import Rule, Verdict
    from overdue.situation import Candidate
    from overdue.snapshot import StepProgress

__all__ = [
    "ChannelPlan",
    "Check",
    "CompiledPolicy",
    "Held",
    "HeldChecks",
    "Rung",
    "RungPlan",
    "Scoped",
    "StepPlan",
]


Check = Callable[["Candidate", datetime], "Verdict | None"]
"""A rule's ``check``, or one the rule worked out once to answer the same faster."""


class Scoped(NamedTuple):
    """The rules that may apply to one stage, channel, template and tags (``rules_for``).

    ``checks`` are the rules' ``check`` in the same order, each possibly a faster one that
    answers the same (:meth:`FrequencyCap.counter <overdue.rules.FrequencyCap.counter>`);
    each allows before its rule's date in force (``in_force_from``), where the full loop
    silences the rule, and, when ``plain``, allows a candidate a rule of ``dynamic`` does not
    apply to, which the full loop does not ask (:meth:`CompiledPolicy._compiled_check`).
    ``plain`` says that nothing here lifts a rule's objection or changes the candidate asked
    (no rule grants a reply), so :mod:`overdue.engine.schedule` may run its lean loop;
    ``waivable`` that a consent waiver may lift one of them.  ``calm`` is this same scope for
    an account with no fact, cease request or opt-out on file (most accounts): the rules that
    can only speak about those (holds, cease, opt-outs) left out.  ``held`` is, for an
    account with one of those on file, the checks that may block a candidate whose zone is
    known (:class:`Held`; ``None``: no such shortcut here).
    """

    rules: tuple[Rule, ...]
    dynamic: tuple[Rule, ...]  # those with an ``applies_to`` of their own, asked per candidate
    granting: tuple[GrantsReply, ...]  # those that may grant a reply (before ``applies_to``)
    checks: tuple[Check, ...] = ()
    plain: bool = False
    waivable: bool = False
    calm: Scoped | None = None
    held: Held | None = None
    lane: Lane | None = None  # when ``plain``: the lean loop's checks as the lane sees them


HeldChecks = tuple[tuple[Check, "str | None"], ...]
"""Checks in the policy's order, each with the fact it waits for when it is a built-in hold
(it allows while that fact is not on file, and is not asked then)."""


class Held(NamedTuple):
    """The checks of a scope that may block a candidate whose zone is known
    (:func:`_held_checks`), for :func:`overdue.engine.schedule._held`.

    ``facts`` leaves out the built-in cease and opt-out rules, which allow every candidate of
    an account with neither on file (a dispute alone: the common held account); ``any`` keeps
    them."""

    facts: HeldChecks
    any: HeldChecks


class ChannelPlan(NamedTuple):
    """One channel a step may go on (its own, then its fallback), worked out once per rung.

    ``candidate`` and ``action`` are the fields every candidate and every Action of the step
    on this channel share, in the order the planner hands them over
    (:data:`overdue.engine.plan.CANDIDATE_FIXED`, :data:`overdue.decision.ACTION_FIXED`).
    """

    channel: str
    scoped: Scoped  # the rules that may apply on it (``rules_for``)
    addressless: bool  # it needs no contact point (``Policy.addressless_channels``)
    tried: str  # the channels tried up to this one, "/"-joined: a blocked step's ``channel``
    candidate: tuple[str, str, str, str, bool, tuple[str, ...], tuple[str, ...], bool]
    action: tuple[str, str, str, str, int, str | None, str, str, bool, None]


class StepPlan(NamedTuple):
    """One step of a rung as the planner walks it (:meth:`CompiledPolicy.steps_of`)."""

    step: Step
    key: str  # ``Step.key``
    channels: tuple[ChannelPlan, ...]  # its channel, then its fallback
    max_attempts: int
    once: bool  # made once (no ``repeat_every``)
    offset: Duration | None  # ``Step.at``; ``None`` when zero (its ``after`` is the start)
    simple: bool  # a debtor step that does not rotate: one contact point per channel
    facts: tuple[str | None, str | None, tuple[str, ...]]  # legal terms, creditor, must_state
    names: tuple[str, ...]  # the channels' names, in order (``channels``'s ``channel``)


class RungPlan(NamedTuple):
    """A rung's steps as the planner walks them, and what every Action of the rung shares."""

    steps: tuple[StepPlan, ...]
    stage: str  # ``Stage.id``
    grace: Duration | None
    # The Actions' obligations: the stage's (identity disclosure first for an agency's rung),
    # each once; ``None`` when rules attach theirs per candidate (``merge`` is then the base).
    obligations: tuple[Obligation, ...] | None
    merge: tuple[Obligation, ...]
    horizon: Duration
    compiled: CompiledPolicy


def _rung_plan(compiled: CompiledPolicy, policy: Policy, stage: Stage) -> RungPlan:
    """What :meth:`CompiledPolicy.steps_of` keeps per rung."""
    base = stage.obligations
    if stage.performed_by == "third_party" and IDENTITY_DISCLOSURE not in base:
        base = (IDENTITY_DISCLOSURE, *base)
    # With rules that attach obligations, they are merged per candidate
    # (``rules.conduct.action_obligations``); without, this is what it answers.
    fixed = None if compiled.obligation_rules else merged(base, ()) if len(base) > 1 else base
    steps = []
    for step in stage.steps:
        key = step.key
        own = (step.channel, step.fallback) if step.fallback is not None else (step.channel,)
        channels = []
        for i, ch in enumerate(own):
            fallback = ch != step.channel
            channels.append(
                ChannelPlan(
                    ch,
                    compiled.rules_for(stage.id, ch, step.template, step.tags),
                    ch in policy.addressless_channels,
                    "/".join(own[: i + 1]),
                    (stage.id, key, ch, step.template, fallback, step.must_state, step.tags, False),
                    (
                        stage.id,
                        key,
                        ch,
                        step.template,
                        step.max_attempts,
                        step.channel if fallback else None,
                        stage.performed_by,
                        step.party,  # every point a step goes to is its party's
                        step.party == "debtor",
                        None,
                    ),
                )
            )
        steps.append(
            StepPlan(
                step,
                key,
                tuple(channels),
                step.max_attempts,
                step.repeat_every is None,
                step.at if step.at.amount else None,
                step.party == "debtor" and not step.rotate,
                (policy.legal_terms, policy.creditor, step.must_state),
                own,
            )
        )
    return RungPlan(tuple(steps), stage.id, stage.grace, fixed, base, policy.horizon, compiled)


@attrs.frozen
class CompiledPolicy:
    """The lookups ``decide`` needs, per policy.

    Attributes:
        retention_rules: rules that set ``retain_until`` (:class:`SetsRetention`).
        obligation_rules: rules that attach obligations (:class:`AttachesObligations`).
        enabled_by_id: the enabled rungs by id (the last of a duplicated id, as a scan finds).
        later_enabled: the enabled rungs after each rung, for a recorded rung switched off.
        enabled_pos: a rung's position among the enabled rungs.
        rules_by_id: every rule by id.
        reply_rules: the ``id()`` of the rules that may grant a reply (:class:`GrantsReply`).
        waivable_rules: the ``id()`` of the rules a consent waiver may lift.
        lifted_codes: per rule id, the ``waiting_for`` code of what lifts its block.
        all_rules: every rule, in the policy's order.
        dynamic_rules: the ``id()`` of the rules with an ``applies_to`` of their own (not
            ``RuleBase``'s scope filter, nor the built-in opt-out rule's, which reads only the
            key too: :func:`_keyed`): :meth:`rules_for` keeps them for the engine to ask.
        scoped: :meth:`rules_for`'s answers so far, by key (a memo: not compared, not shown).
        step_plans: :meth:`steps_of`'s answers so far (a memo: not compared, not shown).
        held_lanes: ``engine.held``'s view of each rung so far (likewise).
        guarded_rules: the ``id()`` of the rules silent before a date (``in_force_from``).
        rungs: the enabled rungs by id, each with the facts the coordinator reads (:class:`Rung`).

    Protocol checks (``isinstance`` on a runtime-checkable protocol) are slow, so each rule
    is asked once here, never per decision.
    """

    retention_rules: tuple[SetsRetention, ...]
    obligation_rules: tuple[Rule, ...]
    enabled_by_id: Mapping[str, Stage]
    later_enabled: Mapping[str, tuple[Stage, ...]]
    enabled_pos: Mapping[str, int]
    rules_by_id: Mapping[str, Rule]
    reply_rules: frozenset[int]
    waivable_rules: frozenset[int]
    lifted_codes: Mapping[str, str]
    guarded_rules: frozenset[int]
    all_rules: tuple[Rule, ...] = ()
    scoped: Mapping[tuple[str, str, str, tuple[str, ...]], Scoped] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    dynamic_rules: frozenset[int] = frozenset()
    step_plans: Mapping[int, tuple[Stage, RungPlan]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    # The held lane's view of each rung (``overdue.engine.held``), by stage id, with the rung
    # plan it was worked out from (a memo: not compared, not shown).
    held_lanes: Mapping[str, tuple[RungPlan, object]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    # The coordinator's per-rung facts (:class:`Rung`): worked out with the rest, in ``of``.
    rungs: Mapping[str, Rung] = attrs.field(factory=dict, repr=False)

    def steps_of(self, stage: Stage, policy: Policy) -> RungPlan:
        """The steps of ``stage`` (a rung of ``policy``, whose compiled lookups these are) in
        order, each with its key, its channels with their rules, and the fields its
        candidates and Actions share (:class:`RungPlan`).

        Kept per rung (by ``id``, with the rung itself, so an id is never reused while kept):
        the planner asks for it on every decision that plans.
        """
        found = self.step_plans.get(id(stage))
        if found is None or found[0] is not stage:
            plan = _rung_plan(self, policy, stage)
            if len(self.step_plans) < 256:  # a policy's rungs; a foreign rung is not kept
                self.step_plans[id(stage)] = (stage, plan)  # type: ignore[index]  # a memo
            return plan
        return found[1]

    def rules_for(self, stage: str, channel: str, template: str, tags: tuple[str, ...]) -> Scoped:
        """The rules that may apply to a candidate of ``stage`` on ``channel`` with
        ``template`` and ``tags``, in the policy's order (a :class:`Scoped`).

        Rules filtering by the shared scope alone (``RuleBase.applies_to``: channels, stages,
        templates, tags) are filtered here once per policy and key; the others (their
        ``id()`` in :attr:`dynamic_rules`) are kept for the engine to ask per candidate.
        The answer is kept per key (a policy has a few dozen); two threads asking for the same
        key at once may both work it out, with the same answer.
        """
        key = (stage, channel, template, tags)
        found = self.scoped.get(key)
        if found is None:
            rules = tuple(
                r for r in self.all_rules if id(r) in self.dynamic_rules or _in_scope(r, key)
            )
            found = self._scoped(rules)
            calm = tuple(r for r in rules if not _quiet_when_calm(r))
            if len(calm) == len(rules):
                found = found._replace(calm=found)
            else:
                held = _held_checks(found)
                found = found._replace(calm=self._scoped(calm), held=held)
            self.scoped[key] = found  # type: ignore[index]  # a per-policy memo, bounded by its steps
        return found

    def _scoped(self, rules: tuple[Rule, ...]) -> Scoped:
        granting = tuple(cast("GrantsReply", r) for r in rules if id(r) in self.reply_rules)
        checks = tuple(self._compiled_check(r, not granting) for r in rules)
        return Scoped(
            rules,
            tuple(r for r in rules if id(r) in self.dynamic_rules),
            granting,
            checks,
            plain=not granting,
            waivable=any(id(r) in self.waivable_rules for r in rules),
            lane=None if granting else self._lane(rules, checks),
        )

    def _lane(self, rules: tuple[Rule, ...], checks: tuple[Check, ...]) -> Lane | None:
        """The scheduler's lane of a plain scope (:func:`overdue.rules.lane.lane_of`)."""
        return lane_of(rules, checks, self.guarded_rules | self.dynamic_rules)

    def _compiled_check(self, rule: Rule, lean: bool) -> Check:
        """``rule``'s check in a scope: its faster one if it has one (:func:`_fast_check`),
        silent before its date in force, and, in a scope the lean loop may run (``lean``: no
        rule grants a reply), allowing a candidate it does not apply to.  (The full loop asks
        ``applies_to`` of the candidate up front, and may then ask the rules about the
        candidate marked as a reply.)"""
        check = _fast_check(rule)
        if id(rule) in self.guarded_rules:
            check = _when_in_force(rule, check)
        if lean and id(rule) in self.dynamic_rules:  # asked first, as the full loop does
            check = _when_applies(rule, check)
        return check

    @classmethod
    def of(cls, policy: Policy) -> CompiledPolicy:
        """Work the lookups out for ``policy``."""
        enabled: dict[str, Stage] = {}
        for st in policy.enabled_stages:
            enabled[st.id] = st
        later: dict[str, tuple[Stage, ...]] = {}
        for i, st in enumerate(policy.stages):
            later.setdefault(st.id, tuple(x for x in policy.stages[i + 1 :] if x.enabled))
        return cls(
            tuple(r for r in policy.rules if isinstance(r, SetsRetention)),
            tuple(r for r in policy.rules if isinstance(r, AttachesObligations)),
            MappingProxyType(enabled),
            MappingProxyType(later),
            MappingProxyType(
                {st.id: i for i, st in reversed(tuple(enumerate(policy.enabled_stages)))}
            ),
            MappingProxyType({r.id: r for r in policy.rules}),
            frozenset(id(r) for r in policy.rules if isinstance(r, GrantsReply)),
            frozenset(id(r) for r in policy.rules if waivable(r)),
            MappingProxyType({r.id: lifted_by(r, r.id) for r in policy.rules}),
            frozenset(id(r) for r in policy.rules if getattr(r, "in_force_from", None) is not None),
            tuple(policy.rules),
            dynamic_rules=frozenset(id(r) for r in policy.rules if not _keyed(r)),
            rungs=rungs_of(policy),
        )


_SCOPED = RuleBase.applies_to


# --- The rungs as the coordinator reads them (``CompiledPolicy.rungs``) -------------------


class Rung(NamedTuple):
    """One enabled rung with what :func:`overdue.decide` asks of it on every decision.

    Worked out once per policy, so a decision on the rung on file looks it up once, rather
    than asking the policy how partial payments count, the rung whether it is the top, and
    the ladder which rungs come after it (issue 10).  The fields after ``steady`` serve the
    held account (on the rung on file, nothing to plan: most decisions of a held portfolio),
    so its decision is a few lookups and one addition.
    """

    stage: Stage
    id: str  # ``stage.id``
    terminal: bool  # ``Stage.terminal``: the top of the ladder, nothing after it reachable
    above: tuple[Stage, ...]  # the enabled rungs after it, in order: where it goes when finished
    steady: bool  # its clock runs from entry whatever is paid (not ``restart_stage``)
    # Its deadline when nothing is planned nor paused: with no grace, its ``length`` after
    # entry (``None`` with no length either: the top); with a grace and no length, the grace
    # after its last attempt.  Either in calendar days (a ``d``/``w`` duration) is ``days``:
    # the same wall time so many days later, one addition on a day no offset change comes
    # near.  ``None``: another kind of clock.
    fixed: bool  # no grace
    length: Duration | None  # ``stage.deadline`` when ``fixed``
    days: timedelta | None  # ``length`` in days, or the grace's (a grace and no length)
    # Whether a step has attempts left (``plan.has_pending``), asked in C: each step's key,
    # its ``max_attempts``, a progress of no attempt for each (what a missing key reads as),
    # and how many distinct keys (fewer on file: one is surely pending).
    keys: tuple[str, ...]
    most: tuple[int, ...]
    unmade: tuple[StepProgress, ...]
    distinct: int
    # The decision of the rung finished for an account with no authorisation on file, when
    # :func:`~overdue.engine.ladder.choose_next` over ``above`` needs nothing else to answer
    # (every rung it looks at requires an authorisation and has no entry condition): its
    # status, its reasons (the rung finished, then choose_next's) and the awaited codes.
    # ``None``: asked in full.
    stuck: tuple[Literal["waiting", "done"], tuple[_Note, ...], tuple[str, ...]] | None
    # Its id and the policy's id and version are names a ``StageEntered`` accepts, so the
    # event of entering it is built without its validators (``ladder.transition``).
    named: bool
    # ``(id,)``: the parameters of its deadline's note ("{} escalates if unpaid"), made once
    # rather than on every decision that states the deadline.
    said: tuple[str]


def rungs_of(policy: Policy) -> Mapping[str, Rung]:
    """:attr:`CompiledPolicy.rungs`: the enabled rungs by id (a policy refuses an id twice)."""
    from overdue.snapshot import StepProgress

    enabled = policy.enabled_stages
    steady = policy.on_partial_payment != "restart_stage"
    rungs = {}
    for i, st in enumerate(enabled):
        length, grace = st.deadline, st.grace
        fixed = grace is None
        by = length if fixed else grace if length is None else None
        days = by._days if by is not None and by.amount else None
        keys = tuple(k for k, _ in st._step_limits)
        unmade = StepProgress(0, datetime.min.replace(tzinfo=UTC))
        rungs[st.id] = Rung(
            st,
            st.id,
            st.terminal,
            enabled[i + 1 :],
            steady,
            fixed,
            length if fixed else None,
            days,
            keys,
            tuple(m for _, m in st._step_limits),
            (unmade,) * len(keys),
            len(set(keys)),
            _stuck(st.id, enabled[i + 1 :]),
            _is_name(st.id)
            and _is_name(policy.id)
            and (policy.version is None or _is_name(policy.version)),
            (st.id,),
        )
    return MappingProxyType(rungs)


_Note = tuple[str, str, tuple[object, ...], "datetime | None"]
"""An engine's reason as it records it (``overdue.engine.reasons.Note``): code, text, its
parameters, until."""


def _stuck(
    id: str, above: tuple[Stage, ...]
) -> tuple[Literal["waiting", "done"], tuple[_Note, ...], tuple[str, ...]] | None:
    """:attr:`Rung.stuck`: the decision of rung ``id`` finished, the rungs ``above`` it, for an
    account with no authorisation on file, when it needs nothing else: what
    ``engine.ladder.choose_next`` says then, worked out here (the compiled policy imports no
    engine module; ``tests/test_ladder_paths.py`` holds the two to one answer), after the
    rung's ``rung_finished`` note.  ``None``: every rung above needs asking (an entry
    condition, or one that requires no authorisation, in the way)."""
    reasons: list[_Note] = [("rung_finished", "{} is finished", (id,), None)]
    waits: list[str] = []
    for stage in above:  # the rungs choose_next looks at, up to the first not skippable
        if stage.enters_when is not None or not stage.requires:
            return None
        waits.extend(f"authorisation:{a}" for a in stage.requires)
        missing = ", ".join(map(repr, stage.requires))
        if not stage.skippable:
            reasons.append(
                ("awaiting_authorisation", "{} requires {}, not on file", (stage.id, missing), None)
            )
            break
        said = f"{stage.id} requires {missing}, not on file"
        reasons.append(
            ("skipped", "{} is skippable and cannot be entered: {}", (stage.id, said), None)
        )
    return ("waiting" if above else "done"), tuple(reasons), tuple(waits)


def _is_name(value: object) -> bool:
    """Whether an event accepts ``value`` as a name (``overdue.events._name``'s first answer,
    without a word: a string that starts with a non-space)."""
    return type(value) is str and bool(value) and not value[0].isspace()


def _quiet_when_calm(rule: Rule) -> bool:
    """Whether ``rule`` allows every candidate of an account with no fact, cease request or
    opt-out on file: a built-in hold, cease or opt-out rule (exactly that class: a subclass
    may say more)."""
    from overdue.rules.holds import HoldWhile, RespectCease, RespectOptOut

    return type(rule) in (HoldWhile, RespectCease, RespectOptOut)


def _fast_check(rule: Rule) -> Check:
    """The rule's ``check``, or the faster one a frequency cap or contact hours work out for
    themselves."""
    from overdue.rules.frequency import FrequencyCap
    from overdue.rules.hours import ContactHours

    if type(rule) is FrequencyCap:
        return rule.counter()
    if type(rule) is ContactHours:
        return rule.one_zone()
    return rule.check


def _keyed(rule: Rule) -> bool:
    """Whether ``rule.applies_to`` reads only the fields of a :meth:`CompiledPolicy.rules_for`
    key (stage, channel, template, tags), so :func:`_in_scope` answers it once per key:
    ``RuleBase``'s scope filter, and an opt-out rule's (which also leaves out its exempt
    channels; exactly that class: a subclass may say more)."""
    from overdue.rules.holds import RespectOptOut

    return getattr(type(rule), "applies_to", None) is _SCOPED or type(rule) is RespectOptOut


def _in_scope(rule: Rule, key: tuple[str, str, str, tuple[str, ...]]) -> bool:
    """``rule.applies_to`` on the fields of a candidate it reads (the key), for a rule
    :func:`_keyed` says reads no other."""
    from overdue.rules.holds import RespectOptOut

    if type(rule) is RespectOptOut and key[1] in rule.exempt:
        return False
    return in_scope(cast(RuleBase, rule), *key)


def _held_checks(scoped: Scoped) -> Held | None:
    """``Scoped.held``: the checks of ``scoped`` that may block a candidate whose zone is
    known, in order (:class:`Held`).

    Why: when one of them blocks at the moment a candidate is first asked about, the fixed
    point's answer is every block said at that moment (the deferrals met on the way are moot:
    :func:`overdue.engine.schedule._lean`), so the rules that can only defer
    (:func:`_defers_only`) need not be asked, nor a hold whose fact is not on file, nor a
    cease or opt-out rule while none is: an open dispute blocks a step after a call or two
    instead of every rule's.  ``None`` when a rule may grant a reply (which changes the
    candidate asked) or when every rule would be asked anyway.
    """
    from overdue.rules.holds import HoldWhile, RespectCease, RespectOptOut

    if scoped.granting:
        return None
    kept: list[tuple[Check, str | None]] = []
    on_facts: list[tuple[Check, str | None]] = []
    for rule, check in zip(scoped.rules, scoped.checks, strict=True):
        if _defers_only(rule):
            continue
        fact = rule.fact if type(rule) is HoldWhile else None
        kept.append((check, fact))
        if type(rule) is not RespectCease and type(rule) is not RespectOptOut:
            on_facts.append((check, fact))
    if len(kept) == len(scoped.rules) == len(on_facts) and all(f is None for _, f in kept):
        return None  # every rule asked, each called
    return Held(tuple(on_facts), tuple(kept))


def _when_applies(rule: Rule, check: Check) -> Check:
    """``check``, allowing a candidate ``rule`` does not apply to (``applies_to``), which the
    full loop does not ask."""

    def applying(candidate: Candidate, at: datetime) -> Verdict | None:
        if not rule.applies_to(candidate):
            return None
        return check(candidate, at)

    return applying


def _when_in_force(rule: Rule, check: Check) -> Check:
    """``check``, allowing before ``rule``'s date in force (``in_force_from``, read in the
    debtor's zone, UTC when it is unknown), where the full loop silences it (``in_force``).

    Why: with the silence in the check, a scope of a preset (whose rules carry the date the
    instrument takes effect) runs the lean loop instead of the full one with its lifts."""
    start = cast(RuleBase, rule).in_force_from
    assert start is not None  # a guarded rule has one

    def guarded(candidate: Candidate, at: datetime) -> Verdict | None:
        if at.astimezone(candidate.situation.tz or UTC).date() < start:
            return None  # ``in_force``, without its calls
        return check(candidate, at)

    return guarded


def _defers_only(rule: Rule) -> bool:
    """Whether ``rule`` never blocks a candidate whose zone is known, nor raises one at a
    moment within the years the scheduler's shortcut asks about (3 to 9997): a frequency cap
    of at most about a year (it only defers, and reads only its window's contacts), or
    contact hours in the debtor's own zone (which block only when no zone is known).
    Exactly those classes: a subclass may say more.  The others are asked: a minimum gap or
    a cool-down reads every contact on file (one that UTC cannot hold is refused), a
    calendar's quiet days may refuse a year it has no data for, and a decision that must
    refuse should still refuse when a step is blocked."""
    from overdue.rules.frequency import FrequencyCap
    from overdue.rules.hours import ContactHours

    if type(rule) is ContactHours:
        return rule.zone_sources is None
    if type(rule) is FrequencyCap:
        return _within_a_year(rule.per) and _within_a_year(rule.consent_window)
    return False


_DAYS_PER_UNIT = {"min": 1 / 1440, "h": 1 / 24, "d": 1, "w": 7, "mo": 31, "bd": 3}


def _within_a_year(span: Duration) -> bool:
    """Whether ``span`` (a cap's period or consent window) is at most about a year (400
    days): added to or taken from a moment between years 3 and 9997, it stays in the
    calendar."""
    return span.amount * _DAYS_PER_UNIT.get(span.unit, float("inf")) <= 400
