"""Invariant checks for any policy: what must hold of every history the engine produced.

Each ``check_*`` function takes a policy, an account and optionally what the engine did
(a sequence of :class:`~overdue.decision.Decision` values, or the entries of a
:func:`~overdue.timeline`); without it, the contacts and stage entries already recorded in
the account's history are checked.  Each returns the list of :class:`Violation` values found,
empty when all is well, so they work in plain tests (``assert not check_all(policy, acct)``)
as well as in the :class:`~overdue.testing.PolicyMachine`.

The limits are read from the policy's own rules (``ContactHours``, ``FrequencyCap``,
``HoldWhile``, ``RespectCease``, ``RespectOptOut``, ``RequiresAuthorisation``) and stages
(order, ``skippable``, ``enters_when``, ``deadline``, ``grace``, ``requires``,
``max_attempts``).  Rule kinds without a dedicated check (``MinimumGap``, ``CoolDown``,
``QuietDays``, a host's own kinds) are asked through their own ``check`` by
:func:`check_rules`.

What is shared, and what is independent on purpose:

- **Shared plumbing, imported, never copied:** the debtor's zone and the situation
  (:func:`overdue.situation.resolve_zone`, :meth:`~overdue.situation.Situation.at`), when a
  promise stops pausing the ladder (:func:`overdue.engine.pauses.promise_end`), whether a
  preset's rule is in force yet (:func:`overdue.rules.in_force`), whether the debtor counts
  as unreachable (:func:`overdue.rules.parties.debtor_unreachable`), which channels go
  unanswered (:mod:`overdue.channels`), a rule's scope (``applies_to``; for a planned visit
  :meth:`~overdue.rules.conduct.FieldVisitConduct.covers`, over
  :func:`overdue.rules.base.in_scope`), the walk over covered contacts (``_covered_contacts``)
  and the rules' own vocabulary (what a cap counts).
  A fix to any of these is made once and the checks follow it.
- **Independent on purpose: the limit arithmetic only.**  Contact hours, frequency caps over
  their windows, the ladder's order, attempts and deadlines, validation periods and visit
  staffing are re-derived here from the rules' *limits*, not by calling the rules, so that a
  bug in a rule's arithmetic shows up as a violation rather than being repeated by the check.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from overdue._time import at_local
from overdue.account import Account
from overdue.channels import ANSWERABLE_CHANNELS
from overdue.decision import Action, Decision
from overdue.engine import TimelineEntry
from overdue.engine.pauses import promise_end
from overdue.events import ContactAttempted, Event, Outcome, StageEntered
from overdue.obligations import canonical
from overdue.policy import Policy, Stage, Step
from overdue.rules import (
    ContactHours,
    FrequencyCap,
    HoldWhile,
    RequiresAuthorisation,
    RespectCease,
    RespectOptOut,
    Rule,
)
from overdue.rules.base import in_force
from overdue.rules.conduct import FieldVisitConduct
from overdue.rules.consent import RespondOnce
from overdue.rules.frequency import COUNTS, NOT_CONNECTED, UNCLASSIFIED
from overdue.rules.notices import ValidationPeriod
from overdue.rules.parties import ThirdPartyContact, debtor_unreachable, person_of
from overdue.situation import Candidate, Situation, local_zone
from overdue.snapshot import Snapshot, fold

__all__ = [
    "Record",
    "Violation",
    "check_actions",
    "check_all",
    "check_attempts",
    "check_authorisations",
    "check_caps",
    "check_cease",
    "check_contact_hours",
    "check_field_visits",
    "check_holds",
    "check_idempotency",
    "check_ladder_order",
    "check_opt_outs",
    "check_pauses",
    "check_rules",
    "check_third_parties",
    "check_validation_periods",
    "history",
]

Record = Sequence[Decision] | Sequence[TimelineEntry] | None
"""What the engine did: decisions, timeline entries, or ``None`` for the account's history."""

# DST makes a nominal day 23 hours long; lower bounds on stage lengths allow for it.
_DST_SLACK = timedelta(hours=1)


@attrs.frozen
class Violation:
    """One broken invariant, said so that a compliance officer can read it.

    Attributes:
        invariant: the check that found it (``'contact_hours'``, ``'caps'``...).
        message: what happened and which limit it broke.
        at: when it happened.
        rule_id: the rule or stage whose limit was broken.
        event_index: the index of the offending event in the checked history.
    """

    invariant: str
    message: str
    at: datetime | None = None
    rule_id: str | None = None
    event_index: int | None = None

    def __str__(self) -> str:
        where = f" (event #{self.event_index})" if self.event_index is not None else ""
        return f"[{self.invariant}] {self.message}{where}"


# -- the history being checked ---------------------------------------------------------------


def history(policy: Policy, account: Account, record: Record = None) -> tuple[Event, ...]:
    """The account's events merged with what ``record`` says the engine did, in time order.

    Decisions contribute their stage entries and due actions, timeline entries their
    ``stage_entered`` and ``contact`` lines.  A planned contact is replayed with the outcome
    the engine's own projection assumes (:func:`~overdue.timeline`: messages delivered and
    ignored, calls unanswered), not an unknown one: the engine went on deciding as if the
    letter had been delivered, and judging its next step as if it had not reports a false
    alarm (a claim filed "before" the lawyer's letter).  What the account already records (an
    outcome the host appended, a stage entry) is not added twice, so the final account and the
    decisions that built it can be checked together.  Events already in the account come
    first among events at the same moment.
    """
    extra: list[Event] = []
    for item in record or ():
        if isinstance(item, Decision):
            extra.extend(item.record)
            extra.extend(
                a.outcome_event(_assumed_outcome(a.channel), item.at) for a in item.due_actions
            )
        elif isinstance(item, TimelineEntry):
            if item.kind == "stage_entered" and item.stage is not None:
                extra.append(StageEntered(at=item.at, stage=item.stage))
            elif item.kind == "contact" and item.channel is not None:
                extra.append(
                    ContactAttempted(
                        at=item.at,
                        channel=item.channel,
                        outcome=_assumed_outcome(item.channel),
                        stage=item.stage,
                        step=_step_key(policy, item.stage, item.template),
                        template=item.template,
                    )
                )
    known = {_identity(e) for e in account.events} - {None}
    extra = [e for e in extra if _identity(e) is None or _identity(e) not in known]
    if not extra:
        return account.events
    merged = [(e.at, 0, i, e) for i, e in enumerate(account.events)]
    merged += [(e.at, 1, i, e) for i, e in enumerate(extra)]
    merged.sort(key=lambda m: (m[0].astimezone(UTC), m[1], m[2]))
    return tuple(m[3] for m in merged)


# The channels whose planned contacts the engine's projection assumes unanswered (the rest are
# assumed delivered): the assumption ``overdue.timeline`` makes, so a replay agrees with it.


def _assumed_outcome(channel: str) -> Outcome:
    return Outcome.NO_ANSWER if channel in ANSWERABLE_CHANNELS else Outcome.DELIVERED


def _identity(ev: Event) -> tuple[object, ...] | None:
    """What makes a recorded contact or stage entry the same one a decision planned."""
    if isinstance(ev, StageEntered):
        return ("stage", ev.stage, ev.at.astimezone(UTC))
    if isinstance(ev, ContactAttempted) and ev.initiated_by == "creditor":
        if ev.idempotency_key is not None:
            return ("key", ev.idempotency_key)
        return ("contact", ev.stage, ev.step, ev.channel, ev.at.astimezone(UTC))
    return None


def stage_steps(policy: Policy, stage_id: str | None) -> tuple[Step, ...]:
    """The steps of the rung named ``stage_id``; none for an unknown rung or none named (a
    recorded event may name a rung the policy no longer has)."""
    for stage in policy.stages:
        if stage.id == stage_id:
            return stage.steps
    return ()


def _step_key(policy: Policy, stage_id: str | None, template: str | None) -> str | None:
    return next((s.key for s in stage_steps(policy, stage_id) if s.template == template), template)


@attrs.frozen
class _Moment:
    index: int
    event: Event
    before: Snapshot  # the state just before the event


def _paid_in_full(snap: Snapshot) -> bool:
    """Whether the balance before a moment is settled (a later debt climbs afresh)."""
    bal = snap.balance
    return bal is not None and bal.amount <= 0


def _trace(policy: Policy, account: Account, record: Record) -> list[_Moment]:
    events = history(policy, account, record)
    snap = fold(attrs.evolve(account, events=()))
    out: list[_Moment] = []
    for i, ev in enumerate(events):
        out.append(_Moment(i, ev, snap))
        snap = snap.apply(ev)
    return out


def _situation(policy: Policy, account: Account, snap: Snapshot, at: datetime) -> Situation:
    s = Situation.at(policy, account, snap, at)
    if account.debtor_id is None:
        return s
    # A debtor's view (``Debtor.debt``, with ``debtor_id``) is judged as that one debt, as
    # ``decide_debtor`` decides it.
    return attrs.evolve(s, debt_id=account.id)


def _candidate(policy: Policy, account: Account, m: _Moment) -> Candidate | None:
    ev = m.event
    if not isinstance(ev, ContactAttempted) or ev.initiated_by != "creditor":
        return None
    if account.debtor_id is not None and ev.debts and account.id not in ev.debts:
        return None  # another debt's contact, seen for its budget: judged on that debt
    stage, step_channel = ev.stage or "", ev.channel
    must_state: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    for st in policy.stages:
        if st.id == ev.stage:
            for step in st.steps:
                if step.key == ev.step:
                    # The step's declared content goes with it, as the engine's candidate
                    # carries it: content rules judge what the template says.
                    step_channel, must_state, tags = step.channel, step.must_state, step.tags
    contact = next(
        (
            c
            for c in account.contacts
            if ev.contact_point is not None
            and c.channel == ev.channel
            and c.address == ev.contact_point
        ),
        None,
    ) or account.contact_for(ev.channel)
    prog = m.before.steps.get(ev.step) if ev.step is not None else None
    attempt = prog.count + 1 if prog is not None else 1
    return Candidate(
        stage,
        ev.step or "",
        ev.channel,
        ev.template or "",
        attempt,
        contact,
        _situation(policy, account, m.before, ev.at),
        (),
        ev.channel != step_channel,
        must_state,
        tags,
    )


def _contacts(
    policy: Policy, account: Account, trace: list[_Moment]
) -> Iterable[tuple[_Moment, ContactAttempted, Candidate]]:
    for m in trace:
        cand = _candidate(policy, account, m)
        if cand is not None:
            assert isinstance(m.event, ContactAttempted)
            yield m, m.event, cand


def _what(ev: ContactAttempted) -> str:
    tmpl = f" {ev.template!r}" if ev.template else ""
    return f"{ev.channel}{tmpl} at {ev.at.isoformat()}"


def _rules(policy: Policy, kind: type) -> list[Rule]:
    return [r for r in policy.rules if isinstance(r, kind)]


_Breach = Callable[[Any, _Moment, ContactAttempted, Candidate], str | None]


def _covered_contacts(
    policy: Policy,
    account: Account,
    trace: list[_Moment],
    rules: list[Rule],
    invariant: str,
    breach: _Breach,
) -> list[Violation]:
    """Plumbing shared by the per-contact checks: each contact one of ``rules`` covers and
    is in force for, as a violation of ``invariant`` where ``breach`` says why.

    Only the walk (scope and ``in_force``, which the engine shares too) is common; the
    judgement (``breach``) stays in each check and re-derives the limit from the rule's
    fields rather than calling the rule, so a bug in a rule's arithmetic is not repeated."""
    out: list[Violation] = []
    for rule in rules:
        for m, ev, cand in _contacts(policy, account, trace):
            if not rule.applies_to(cand) or not in_force(rule, cand, ev.at):
                continue
            why = breach(rule, m, ev, cand)
            if why is not None:
                out.append(Violation(invariant, why, ev.at, rule.id, m.index))
    return out




def _lifted(policy: Policy, rule: Rule, cand: Candidate, at: datetime) -> bool:
    """Whether the debtor lifted ``rule`` for this contact: a consent waiver on a waivable rule,
    or the one reply a ``respond_once`` rule lets through the rule's kind."""
    s = cand.situation
    if getattr(rule, "waivable", False) and s.snapshot.waiver_for(rule.id, at, s.tz, s.calendar):
        return True
    return any(
        isinstance(r, RespondOnce)
        and rule.kind in r.overrides
        and r.applies_to(cand)
        and r.reply_to(cand, at) is not None
        for r in policy.rules
    )


# -- the checks ------------------------------------------------------------------------------


def _hours(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    out: list[Violation] = []
    for rule in _rules(policy, ContactHours):
        assert isinstance(rule, ContactHours)
        for m, ev, cand in _contacts(policy, account, trace):
            if not rule.applies_to(cand) or not in_force(rule, cand, ev.at):
                continue
            if _lifted(policy, rule, cand, ev.at):
                continue
            zones = [tz for _, tz in rule.zones_for(cand)]
            if not zones:
                out.append(
                    Violation(
                        "contact_hours",
                        f"{_what(ev)} although the debtor's zone is unknown, so {rule.id} "
                        "cannot be honoured",
                        ev.at,
                        rule.id,
                        m.index,
                    )
                )
                continue
            start, end = rule.window
            for tz in zones:  # inside the window in every zone the rule found
                local = ev.at.astimezone(tz)
                wall = local.time().replace(tzinfo=None)
                day_ok = rule.weekdays is None or local.weekday() in rule.weekdays
                if not day_ok and rule.other_days == "open":
                    continue  # the rule speaks only for its own weekdays
                if not (day_ok and start <= wall < end):
                    break
            else:
                continue
            out.append(
                Violation(
                    "contact_hours",
                    f"{_what(ev)} is {local:%a %H:%M} {local.tzname()} in the debtor's zone, "
                    f"outside {rule.id} ({start:%H:%M}-{end:%H:%M}"
                    + ("" if rule.weekdays is None else ", restricted weekdays")
                    + ")",
                    ev.at,
                    rule.id,
                    m.index,
                )
            )
    return out


def _consented(rule: FrequencyCap, cand: Candidate, at: datetime) -> bool:
    return any(a <= at and (b is None or at < b) for a, b in rule.consent_spans(cand))


def _cap_pool(
    rule: FrequencyCap, cand: Candidate, prior: list[ContactAttempted]
) -> list[ContactAttempted]:
    chans = rule.count_channels if rule.count_channels is not None else rule.channels
    outcomes = COUNTS[rule.counts]
    ex = rule.exclude
    pool = [
        c
        for c in prior
        if ("inbound" not in ex or c.initiated_by == "creditor")
        and ("not_connected" not in ex or c.outcome.value not in NOT_CONNECTED)
        and ("to_representative" not in ex or c.party != "representative")
        and (chans is None or c.channel in chans)
        and c.outcome.value in outcomes
    ]
    if "consented" in ex:
        pool = [c for c in pool if not _consented(rule, cand, c.at)]
    if rule.scope == "contact_point":
        addr = cand.contact.address if cand.contact is not None else None
        pool = [c for c in pool if c.contact_point == addr]
    if rule.point_kinds is not None:
        account = cand.situation.account
        kinds = rule.point_kinds
        pool = [c for c in pool if (account.kind_of(c.contact_point) or UNCLASSIFIED) in kinds]
    return pool


def _per_debt(pool: list[ContactAttempted], debt: str | None) -> list[list[ContactAttempted]]:
    """A per-debt cap holds for each debt: untagged contacts count for every debt.  For one
    debt of a debtor (``debt``), only that debt's pool counts."""
    if debt is not None:
        return [[c for c in pool if not c.debts or debt in c.debts]]
    debts = sorted({d for c in pool for d in c.debts})
    if not debts:
        return [pool]
    return [[c for c in pool if not c.debts or d in c.debts] for d in debts]


def _caps(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    out: list[Violation] = []
    for rule in _rules(policy, FrequencyCap):
        assert isinstance(rule, FrequencyCap)
        for m, ev, cand in _contacts(policy, account, trace):
            if not rule.applies_to(cand) or not in_force(rule, cand, ev.at):
                continue
            if _lifted(policy, rule, cand, ev.at):
                continue
            if "consented" in rule.exclude and _consented(rule, cand, ev.at):
                continue  # a contact the debtor consented to is neither counted nor capped
            if rule.point_kinds is not None and (
                (cand.point_kind or UNCLASSIFIED) not in rule.point_kinds
            ):
                continue  # a cap on another class of contact point
            whole = _cap_pool(rule, cand, list(m.before.contacts))
            for pool in _per_debt(whole, cand.debt_id) if rule.scope == "debt" else [whole]:
                out.extend(_cap_violation(rule, cand, ev, m, pool))
    return out


def _cap_violation(
    rule: FrequencyCap,
    cand: Candidate,
    ev: ContactAttempted,
    m: _Moment,
    pool: list[ContactAttempted],
) -> list[Violation]:
    """The violation of ``rule`` by contact ``ev`` counted against ``pool``, if any."""
    out: list[Violation] = []
    at = ev.at.astimezone(UTC)
    if rule.window == "rolling":
        # Hours are exact; days, weeks and months count on the debtor's wall clock.
        local = ev.at.astimezone(cand.situation.tz or UTC)
        if rule.per.unit in ("h", "min"):
            start = at - rule.per.min_timedelta
        elif rule.per.unit == "mo":
            start = (local - relativedelta(months=rule.per.amount)).astimezone(UTC)
        else:
            start = (local - rule.per.min_timedelta).astimezone(UTC)
        inside = [c for c in pool if start < c.at.astimezone(UTC) <= at]
        label = f"in the {rule.per} before"
    else:
        tz = cand.situation.tz or ev.at.tzinfo
        span = rule.per.amount * (7 if rule.per.unit == "w" else 1)
        today = ev.at.astimezone(tz).date()
        first = today - timedelta(days=span - 1)
        inside = [c for c in pool if first <= c.at.astimezone(tz).date() <= today]
        label = "on the same local day as" if span == 1 else f"in the {span} local days to"
    if len(inside) >= rule.max_contacts:
        out.append(
            Violation(
                "caps",
                f"{_what(ev)} is contact {len(inside) + 1} {label} it; {rule.id} allows "
                f"{rule.max_contacts} (earlier: "
                + ", ".join(c.at.isoformat() for c in inside[-rule.max_contacts :])
                + ")",
                ev.at,
                rule.id,
                m.index,
            )
        )
    return out


def _holds(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    def breach(rule: HoldWhile, m: _Moment, ev: ContactAttempted, _c: Candidate) -> str | None:
        state = m.before.fact_open(rule.fact, ev.at)
        if state is None:
            return None
        return (
            f"{_what(ev)} while {rule.fact} holds (since {state.since.isoformat()}); "
            f"{rule.id} forbids contact"
        )

    return _covered_contacts(policy, account, trace, _rules(policy, HoldWhile), "holds", breach)


def _cease(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    def breach(rule: Rule, m: _Moment, ev: ContactAttempted, _c: Candidate) -> str | None:
        cease = m.before.cease
        if cease is None or cease.at > ev.at:
            return None
        if cease.channels is not None and ev.channel not in cease.channels:
            return None
        scope = "all contact" if cease.channels is None else f"contact by {ev.channel}"
        return (
            f"{_what(ev)} after the debtor asked to cease {scope} at "
            f"{cease.at.isoformat()}; {rule.id} forbids it"
        )

    return _covered_contacts(policy, account, trace, _rules(policy, RespectCease), "cease", breach)


def _opt_outs(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    def breach(rule: Rule, m: _Moment, ev: ContactAttempted, _c: Candidate) -> str | None:
        if ev.channel not in m.before.opted_out:
            return None
        return f"{_what(ev)} on a channel the debtor opted out of; {rule.id} forbids it"

    rules = _rules(policy, RespectOptOut)
    return _covered_contacts(policy, account, trace, rules, "opt_outs", breach)


def _authorisations(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    def breach(
        rule: RequiresAuthorisation, m: _Moment, ev: ContactAttempted, _c: Candidate
    ) -> str | None:
        if m.before.has_authorisation(rule.authorisation, ev.at):
            return None
        return (
            f"{_what(ev)} without the authorisation {rule.authorisation!r} that "
            f"{rule.id} requires"
        )

    rules = _rules(policy, RequiresAuthorisation)
    out = _covered_contacts(policy, account, trace, rules, "authorisations", breach)
    stages = {s.id: s for s in policy.stages}
    for m in trace:
        entered = m.event
        if isinstance(entered, StageEntered) and entered.stage in stages:
            ev_at = entered.at
            missing = [
                a
                for a in stages[entered.stage].requires
                if not m.before.has_authorisation(a, ev_at)
            ]
            if missing:
                out.append(
                    Violation(
                        "authorisations",
                        f"entered {entered.stage} at {entered.at.isoformat()} without "
                        + ", ".join(repr(a) for a in missing)
                        + " on file",
                        entered.at,
                        entered.stage,
                        m.index,
                    )
                )
    return out


def _finished_by(stage: Stage, since: datetime, last_contact: datetime | None) -> datetime:
    """The earliest moment a rung entered at ``since`` can be finished (a lower bound)."""
    bound = since
    if stage.deadline is not None:
        bound = max(bound, since + stage.deadline.min_timedelta - _DST_SLACK)
    if stage.grace is not None:
        base = last_contact if last_contact is not None and last_contact > since else since
        bound = max(bound, base + stage.grace.min_timedelta - _DST_SLACK)
    return bound


def _ladder(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    out: list[Violation] = []
    enabled = policy.enabled_stages
    order = {s.id: i for i, s in enumerate(enabled)}
    current: int | None = None
    since: datetime | None = None
    last_contact: datetime | None = None
    settled_at: datetime | None = None
    for m in trace:
        ev = m.event
        if current is not None and _paid_in_full(m.before):
            # Paid in full: the debt is resolved, and a later debt climbs from the bottom.
            current, since, last_contact, settled_at = None, None, None, ev.at
        if (
            isinstance(ev, ContactAttempted)
            and ev.initiated_by == "creditor"
            and ev.stage is not None
        ):
            if current is None and settled_at is not None and m.before.stage == ev.stage:
                first = enabled[0].id if enabled else "the first rung"
                out.append(
                    Violation(
                        "ladder_order",
                        f"{_what(ev)} continues {ev.stage} for a debt that became overdue after "
                        f"the account was paid in full (by {settled_at.isoformat()}); a new debt "
                        f"should climb the ladder from {first}",
                        ev.at,
                        ev.stage,
                        m.index,
                    )
                )
            elif m.before.stage != ev.stage:
                out.append(
                    Violation(
                        "ladder_order",
                        f"{_what(ev)} belongs to {ev.stage} but the account is in "
                        f"{m.before.stage or 'no stage'}",
                        ev.at,
                        ev.stage,
                        m.index,
                    )
                )
            last_contact = ev.at
            continue
        if not isinstance(ev, StageEntered):
            continue
        if ev.stage not in order:
            out.append(
                Violation(
                    "ladder_order",
                    f"entered {ev.stage!r} at {ev.at.isoformat()}, which is not an enabled rung",
                    ev.at,
                    ev.stage,
                    m.index,
                )
            )
            continue
        k = order[ev.stage]
        start = 0 if current is None else current + 1
        if current is not None and k <= current:
            out.append(
                Violation(
                    "ladder_order",
                    f"went from {enabled[current].id} back to {ev.stage} at {ev.at.isoformat()}",
                    ev.at,
                    ev.stage,
                    m.index,
                )
            )
        else:
            passed = [s.id for s in enabled[start:k] if not s.skippable]
            if passed:
                out.append(
                    Violation(
                        "ladder_order",
                        f"entered {ev.stage} at {ev.at.isoformat()} passing over "
                        + ", ".join(passed)
                        + ", which may not be skipped",
                        ev.at,
                        ev.stage,
                        m.index,
                    )
                )
        if current is not None and since is not None and k > current:
            prev = enabled[current]
            earliest = _finished_by(prev, since, last_contact)
            if ev.at < earliest:
                out.append(
                    Violation(
                        "ladder_order",
                        f"entered {ev.stage} at {ev.at.isoformat()} but {prev.id} (entered "
                        f"{since.isoformat()}) cannot be finished before {earliest.isoformat()}"
                        f" (deadline {prev.deadline}, grace {prev.grace})",
                        ev.at,
                        ev.stage,
                        m.index,
                    )
                )
        cond = enabled[k].enters_when
        if cond is not None and not cond.holds(_situation(policy, account, m.before, ev.at)):
            out.append(
                Violation(
                    "ladder_order",
                    f"entered {ev.stage} at {ev.at.isoformat()} although its entry condition "
                    f"({cond.describe()}) does not hold",
                    ev.at,
                    ev.stage,
                    m.index,
                )
            )
        current, since, last_contact = k, ev.at, None
    return out


def _attempts(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    out: list[Violation] = []
    stages = {s.id: s for s in policy.stages}
    for m, ev, _cand in _contacts(policy, account, trace):
        stage = stages.get(ev.stage or "")
        if stage is None or ev.stage != m.before.stage:
            continue
        step = next((s for s in stage.steps if s.key == ev.step), None)
        if step is None:
            out.append(
                Violation(
                    "attempts",
                    f"{_what(ev)} names step {ev.step!r}, which {stage.id} does not have",
                    ev.at,
                    stage.id,
                    m.index,
                )
            )
            continue
        if ev.channel not in (step.channel, step.fallback):
            out.append(
                Violation(
                    "attempts",
                    f"{_what(ev)} for step {step.key!r} which uses {step.channel}"
                    + (f" (fallback {step.fallback})" if step.fallback else ""),
                    ev.at,
                    stage.id,
                    m.index,
                )
            )
        prog = m.before.steps.get(step.key)
        if prog is not None and prog.count >= step.max_attempts:
            out.append(
                Violation(
                    "attempts",
                    f"{_what(ev)} is attempt {prog.count + 1} of step {step.key!r} in "
                    f"{stage.id}, which allows {step.max_attempts}",
                    ev.at,
                    stage.id,
                    m.index,
                )
            )
        elif prog is not None and step.repeat_every is not None and policy.catch_up != "replay":
            # (``replay`` sends missed attempts as soon as the rules allow: docs/catch-up.md)
            gap = step.repeat_every.min_timedelta - _DST_SLACK
            if ev.at - prog.last_at < gap:
                out.append(
                    Violation(
                        "attempts",
                        f"{_what(ev)} repeats step {step.key!r} {ev.at - prog.last_at} after the "
                        f"last attempt; it repeats every {step.repeat_every}",
                        ev.at,
                        stage.id,
                        m.index,
                    )
                )
    return out


def _promise_end(policy: Policy, account: Account, by: date) -> datetime:
    return promise_end(policy, by, local_zone(policy, account))


def _pauses(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    out: list[Violation] = []
    for m, ev, cand in _contacts(policy, account, trace):
        snap = m.before
        why = None
        if snap.written_off is not None:
            why = "the debt was written off"
        elif _paid_in_full(snap):
            why = "the account is paid in full"
        elif cand.situation.days_overdue == 0:
            why = "nothing is overdue"
        elif snap.promise is not None and not snap.promise.kept:
            if ev.at < _promise_end(policy, account, snap.promise.by):
                why = f"a promise to pay by {snap.promise.by} is open"
        elif snap.fact_open("payment_plan", ev.at) is not None:
            why = "a payment plan runs"
        if why is not None:
            out.append(Violation("pauses", f"{_what(ev)} although {why}", ev.at, None, m.index))
    return out


def _idempotency(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    out: list[Violation] = []
    seen: dict[str, int] = {}
    for m, ev, _cand in _contacts(policy, account, trace):
        key = ev.idempotency_key
        if key is None:
            continue
        if key in seen:
            out.append(
                Violation(
                    "idempotency",
                    f"{_what(ev)} reuses idempotency key {key!r} of event #{seen[key]}: "
                    "an adapter honouring keys would drop it",
                    ev.at,
                    None,
                    m.index,
                )
            )
        seen.setdefault(key, m.index)
    return out


def _validation_periods(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    """No covered contact before the notice, nor before the period after its receipt ends.

    The notice is found in the history here (its first delivered or answered contact with the
    template, or the first ``FactSet`` of the fact), and the period counted from it, rather
    than read back from the rule.
    """
    out: list[Violation] = []
    for rule in _rules(policy, ValidationPeriod):
        assert isinstance(rule, ValidationPeriod)
        prefix, _, name = rule.notice.partition(":")
        sent: datetime | None = None
        for m in trace:
            ev = m.event
            if sent is None:
                if prefix == "contacted" and isinstance(ev, ContactAttempted):
                    if ev.template == name and ev.outcome.value in ("delivered", "conversation"):
                        sent = ev.at
                        continue
                elif prefix == "fact" and getattr(ev, "kind", None) == "fact_set":
                    if getattr(ev, "name", None) == name:
                        sent = ev.at
                elif prefix not in ("contacted", "fact"):
                    sent = m.before.first_seen.get(rule.notice)
            cand = _candidate(policy, account, m)
            if cand is None or not isinstance(ev, ContactAttempted):
                continue
            if not rule.applies_to(cand) or not in_force(rule, cand, ev.at):
                continue
            if _lifted(policy, rule, cand, ev.at):
                continue
            if sent is None:
                if rule.require_notice:
                    out.append(
                        Violation(
                            "validation_period",
                            f"{_what(ev)} before the notice {rule.notice!r} was sent; {rule.id} "
                            "holds collection until the notice and its period",
                            ev.at,
                            rule.id,
                            m.index,
                        )
                    )
                continue
            tz = cand.situation.tz or UTC
            receipt = rule.receipt_after.add_to(sent, tz=tz, calendar=policy.calendar)
            first = at_local(receipt.astimezone(tz).date(), time(0), tz)
            last = rule.period.add_to(first, tz=tz, calendar=policy.calendar).astimezone(tz).date()
            opens = at_local(last + timedelta(days=1), time(0), tz)
            if ev.at < opens:
                out.append(
                    Violation(
                        "validation_period",
                        f"{_what(ev)} inside the validation period of {rule.id}: the notice "
                        f"went at {sent.isoformat()}, assumed received {receipt.date()}, so "
                        f"collection may resume only at {opens.isoformat()}",
                        ev.at,
                        rule.id,
                        m.index,
                    )
                )
    return out


def _third_parties(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    """Third parties: never where forbidden, never after they refused, within the per-person
    count, and (``unreachable_only``) only once the debtor's last attempts all failed."""
    out: list[Violation] = []
    third = {c.address: person_of(c) for c in account.contacts if not c.is_debtor}
    for rule in _rules(policy, ThirdPartyContact):
        assert isinstance(rule, ThirdPartyContact)
        for m, ev, cand in _contacts(policy, account, trace):
            if ev.contact_point not in third or not rule.applies_to(cand):
                continue
            if not in_force(rule, cand, ev.at):
                continue
            person = third[ev.contact_point]
            earlier = [
                c
                for c in m.before.contacts
                if c.initiated_by == "creditor" and third.get(c.contact_point or "") == person
            ]
            why = None
            if rule.mode == "forbid":
                why = "third parties may not be contacted at all"
            elif rule.stop_on_refusal and any(c.outcome is Outcome.REFUSED for c in earlier):
                why = f"{person} refused further contact"
            elif rule.max_per_person is not None and len(earlier) >= rule.max_per_person:
                why = f"{person} was already contacted {len(earlier)} time(s)"
            elif rule.mode == "unreachable_only" and not _unreachable(
                rule, m, third, ev.at, [t.event for t in trace[: m.index]]
            ):
                why = "the debtor was not unreachable"
            if why is not None:
                out.append(
                    Violation(
                        "third_parties",
                        f"{_what(ev)} to third party {person}, although {why} ({rule.id}: "
                        f"{rule.describe()})",
                        ev.at,
                        rule.id,
                        m.index,
                    )
                )
    return out


def _unreachable(
    rule: ThirdPartyContact,
    m: _Moment,
    third: dict[str, str],
    at: datetime,
    earlier: Sequence[Event],
) -> bool:
    # Attempts at the same moment were planned in the same decision as this contact, their
    # outcome unknown when it was made: reachability is judged on what was known before.
    found = debtor_unreachable(
        m.before, earlier, third, at, rule.unreachable_after, inclusive=False
    )
    return found is not None


def _visits(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    """No field visit authorised with fewer agents than a ``FieldVisitConduct`` rule needs."""
    out: list[Violation] = []
    for rule in _rules(policy, FieldVisitConduct):
        assert isinstance(rule, FieldVisitConduct)
        for m, ev, cand in _contacts(policy, account, trace):
            if not rule.applies_to(cand) or not in_force(rule, cand, ev.at):
                continue
            grant = m.before.authorisations.get(rule.authorisation)
            if not m.before.has_authorisation(rule.authorisation, ev.at) or grant is None:
                continue
            if grant.staff is not None and grant.staff < rule.min_staff:
                out.append(
                    Violation(
                        "field_visits",
                        f"{_what(ev)} with {grant.staff} agent(s) on the authorisation; "
                        f"{rule.id} needs at least {rule.min_staff} together",
                        ev.at,
                        rule.id,
                        m.index,
                    )
                )
    return out


def check_actions(policy: Policy, decisions: Iterable[Decision]) -> list[Violation]:
    """What each planned action must carry: a visit a ``FieldVisitConduct`` rule covers, all of
    the rule's obligations; an action to a third party, ``party='third_party'`` and
    ``discloses_debt=False`` (so a dispatcher renders its neutral message).

    These promises live on the decision's actions, not in the history, so this check reads
    decisions; the :class:`~overdue.testing.PolicyMachine` runs it on every decision.
    """
    out: list[Violation] = []
    rules = [r for r in _rules(policy, FieldVisitConduct) if isinstance(r, FieldVisitConduct)]
    for d in decisions:
        for a in d.actions:
            what = f"{a.channel} {a.template!r} planned for {a.not_before.isoformat()}"
            third = a.contact is not None and not a.contact.is_debtor
            if third and (a.party != "third_party" or a.discloses_debt):
                out.append(
                    Violation(
                        "third_parties",
                        f"{what} goes to a third party but is marked party={a.party!r}, "
                        f"discloses_debt={a.discloses_debt!r}",
                        d.at,
                    )
                )
            for rule in rules:
                if not _visit_rule_covers(rule, a):
                    continue
                have = {canonical(o.code) for o in a.obligations}  # two_staff is min_staff
                lacking = [o.code for o in rule.obligations() if canonical(o.code) not in have]
                if lacking:
                    out.append(
                        Violation(
                            "field_visits",
                            f"{what} without the obligations {', '.join(lacking)} that "
                            f"{rule.id} attaches to a visit",
                            d.at,
                            rule.id,
                        )
                    )
    return out


def _visit_rule_covers(rule: FieldVisitConduct, a: Action) -> bool:
    # The scope is the rule's own (shared plumbing); an action carries no content tags.
    if not rule.covers(a.stage, a.channel, a.template):
        return False
    start: date | None = getattr(rule, "in_force_from", None)
    return start is None or a.not_before.date() >= start


_COVERED = (
    ContactHours,
    FrequencyCap,
    HoldWhile,
    RespectCease,
    RespectOptOut,
    RequiresAuthorisation,
    ValidationPeriod,
    ThirdPartyContact,
    FieldVisitConduct,
)


def _other_rules(policy: Policy, account: Account, trace: list[_Moment]) -> list[Violation]:
    def breach(rule: Rule, _m: _Moment, ev: ContactAttempted, cand: Candidate) -> str | None:
        v = rule.check(cand, ev.at)
        if v is None:
            return None
        return f"{_what(ev)} although {rule.id} would {v.effect} it: {v.message}"

    # Rule kinds with no dedicated check are asked through their own ``check`` (by design).
    others = [r for r in policy.rules if not isinstance(r, _COVERED)]
    return _covered_contacts(policy, account, trace, others, "rules", breach)


_Check = Callable[[Policy, Account, list[_Moment]], list[Violation]]


def _public(check: _Check, doc: str) -> Callable[[Policy, Account, Record], list[Violation]]:
    def run(policy: Policy, account: Account, record: Record = None) -> list[Violation]:
        return check(policy, account, _trace(policy, account, record))

    run.__doc__ = doc
    return run


check_contact_hours = _public(
    _hours,
    "Every contact a ``ContactHours`` rule covers fell inside its window, in the debtor's zone.",
)
check_caps = _public(
    _caps, "No contact a ``FrequencyCap`` covers went over its count in its window."
)
check_holds = _public(
    _holds, "No contact a ``HoldWhile`` rule covers happened while its fact held."
)
check_cease = _public(_cease, "No covered contact after a cease request on its channel (or all).")
check_opt_outs = _public(_opt_outs, "No covered contact on a channel the debtor opted out of.")
check_authorisations = _public(
    _authorisations,
    "Rungs were entered with their ``requires`` on file; ``RequiresAuthorisation`` contacts too.",
)
check_ladder_order = _public(
    _ladder,
    "Rungs were climbed in order, passing over skippable rungs only, with their entry "
    "conditions holding and not before the rung below could be finished; contacts belong to "
    "the current rung.",
)
check_attempts = _public(
    _attempts,
    "Each contact is a step of the current rung on its channel or fallback, within "
    "``max_attempts`` and spaced by ``repeat_every``.",
)
check_pauses = _public(
    _pauses,
    "No contact when nothing is owed or overdue, after a write-off, during an open promise or a "
    "payment plan.",
)
check_idempotency = _public(_idempotency, "No two contacts share an idempotency key.")
check_validation_periods = _public(
    _validation_periods,
    "No contact a ``ValidationPeriod`` covers before its notice, or before the period after "
    "the notice's assumed receipt has run.",
)
check_third_parties = _public(
    _third_parties,
    "Third parties are contacted only as a ``ThirdPartyContact`` rule allows: never where it "
    "forbids, never after a refusal, within the count per person, only once the debtor is "
    "unreachable when it says so.",
)
check_field_visits = _public(
    _visits, "No visit under an authorisation naming fewer agents than ``FieldVisitConduct``."
)
check_rules = _public(
    _other_rules, "Every other rule of the policy allows each contact it covers, when it happened."
)

_ALL: tuple[_Check, ...] = (
    _hours,
    _caps,
    _holds,
    _cease,
    _opt_outs,
    _authorisations,
    _ladder,
    _attempts,
    _pauses,
    _idempotency,
    _validation_periods,
    _third_parties,
    _visits,
    _other_rules,
)


def check_all(policy: Policy, account: Account, record: Record = None) -> list[Violation]:
    """Every invariant above, on one pass over the history; the violations in check order."""
    trace = _trace(policy, account, record)
    out: list[Violation] = []
    for check in _ALL:
        out.extend(check(policy, account, trace))
    return out
