"""What the engine answers: a :class:`Decision` with its actions, deadline, wake time, reasons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, cast

import attrs

from overdue._frozen import _defer, filler, pickled_by_init, spread
from overdue._frozen import _Pending as _Pending  # (moved there: still imported from here)
from overdue._frozen import _Rendered as _Rendered
from overdue.account import ContactPoint
from overdue.events import (
    ChargePosted,
    ContactAttempted,
    Event,
    PaymentReceived,
    ServiceRecorded,
    StageEntered,
)
from overdue.money import Money
from overdue.policy import Obligation
from overdue.rules.base import Citation
from overdue.snapshot import InvoiceState

__all__ = [
    "Action",
    "BlockedStep",
    "Decision",
    "EvidenceBundle",
    "MessageFacts",
    "Posting",
    "Reason",
    "ServiceAction",
    "Status",
    "StepDown",
    "Transition",
    "same_grace_end",
]

Status = Literal[
    "current",  # not overdue (or nothing owed yet)
    "resolved",  # paid in full
    "written_off",
    "paused",  # a promise to pay or a payment plan pauses the ladder
    "waiting",  # between rungs: the next rung's conditions or authorisations are not met yet
    "on_hold",  # in a rung, but every contact is held (dispute, hold, cease)
    "active",  # in a rung with contacts scheduled
    "done",  # at the top of the ladder with nothing left to do
]


@attrs.frozen
class Reason:
    """One line of the explanation: who (rule id), what effect, and why.

    ``effect`` is ``'defer'`` or ``'block'`` for rule verdicts, ``'info'`` for the engine's own
    statements (a stage entered, a promise pausing the ladder, a deadline).
    """

    rule_id: str
    effect: Literal["defer", "block", "info"]
    code: str
    message: str
    until: datetime | None = None
    citation: Citation | None = None

    def render(self, zone: str | None = None) -> str:
        """The reason as one line for a compliance officer.

        With ``zone`` (the debtor's), ``until`` reads as local time like the rest of an
        explanation; without it, as an ISO timestamp in whatever offset it carries.
        """
        verb = {"defer": "deferred by", "block": "blocked by", "info": "by"}[self.effect]
        text = f"{verb} {self.rule_id}: {self.message}"
        if self.until is not None:
            until = _fmt(self.until, zone) if zone is not None else self.until.isoformat()
            text += f" -> {until}"
        if self.citation is not None:
            text += f" [{self.citation}]"
        return text


@attrs.frozen
class MessageFacts:
    """The facts an action's message states (or may state): what the rung must tell the debtor.

    Its fields and ``currency`` are the values of :data:`overdue.policy.MESSAGE_FACTS` (the one
    vocabulary; ``identity`` is stated by the sender, not carried here)."""

    amount: Money | None
    days_overdue: int
    deadline: datetime | None
    grace_end: datetime | None = None
    legal_terms: str | None = None
    creditor: str | None = None
    must_state: tuple[str, ...] = ()
    fee: Money | None = None
    interest: Money | None = None
    interest_rate: Decimal | None = None

    @property
    def currency(self) -> str | None:
        """The currency of the amount owed."""
        return self.amount.currency if self.amount is not None else None

    def as_dict(self) -> dict[str, object]:
        """Plain values for templates: strings, ints and ISO timestamps."""
        return {
            "amount": str(self.amount.amount) if self.amount is not None else None,
            "currency": self.currency,
            "days_overdue": self.days_overdue,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "grace_end": self.grace_end.isoformat() if self.grace_end else None,
            "legal_terms": self.legal_terms,
            "creditor": self.creditor,
            # Only when the rung charges (``Stage.fee``): decisions of other rungs keep their shape.
            **({"fee": str(self.fee.amount)} if self.fee is not None else {}),
            **({"interest": str(self.interest.amount)} if self.interest is not None else {}),
            **(
                {"interest_rate": str(self.interest_rate)} if self.interest_rate is not None else {}
            ),
        }


@attrs.frozen
class EvidenceBundle:
    """The evidence a legal step needs, drawn from the account's own history."""

    contract: str | None
    invoices: tuple[InvoiceState, ...]
    payments: tuple[PaymentReceived, ...]
    contacts: tuple[ContactAttempted, ...]
    kinds: tuple[str, ...]

    def summary(self) -> str:
        """A one-line count of what the bundle holds."""
        parts = []
        if "contract" in self.kinds:
            parts.append(f"contract {self.contract or 'MISSING'}")
        if "invoices" in self.kinds:
            parts.append(f"{len(self.invoices)} invoice(s)")
        if "payments" in self.kinds:
            parts.append(f"{len(self.payments)} payment(s)")
        if "contacts" in self.kinds:
            parts.append(f"{len(self.contacts)} contact record(s)")
        return ", ".join(parts)


@attrs.frozen(weakref_slot=False)  # made by ``_frozen.filler``, which needs no weakref slot
class Action:
    """The next contact to make: a step of the current stage on a channel, not before a moment.

    ``idempotency_key`` is derived from (account, stage and how often it was entered, step,
    attempt), so a retried batch produces the same key and an adapter that honours keys never
    sends twice.  ``fallback_for`` names the channel this action replaces when a rule blocked
    it.  ``obligations`` must be acknowledged by the host before it acts (field visits).
    ``party`` is ``'third_party'`` for a contact to someone who is not the debtor; such an
    action has ``discloses_debt=False`` and its message must state no debt fact (the
    dispatcher's neutral template).  ``is_reply`` marks the one reply a ``respond_once`` rule
    let through after the debtor made contact.  ``debt_id`` names the invoice the action is
    about under a per-invoice ladder (:func:`overdue.engine.invoices.decide_invoices`); its
    outcome event carries it, so the contact counts on that invoice's ladder.
    """

    account_id: str
    stage: str
    step: str
    channel: str
    template: str
    attempt: int
    max_attempts: int
    not_before: datetime
    idempotency_key: str
    facts: MessageFacts
    contact: ContactPoint | None = None
    fallback_for: str | None = None
    performed_by: str = "creditor"
    obligations: tuple[Obligation, ...] = ()
    evidence: EvidenceBundle | None = None
    reasons: tuple[Reason, ...] = ()
    party: str = "debtor"
    discloses_debt: bool = True
    is_reply: bool = False
    debt_id: str | None = None

    def is_due(self, at: datetime) -> bool:
        """Whether the action may be carried out at ``at`` (compared as instants)."""
        return self.not_before.astimezone(UTC) <= at.astimezone(UTC)

    def outcome_event(self, outcome: str, at: datetime) -> ContactAttempted:
        """The event a host appends once it knows how this action went."""
        return ContactAttempted(
            at=at,
            channel=self.channel,
            outcome=outcome,
            stage=self.stage,
            step=self.step,
            template=self.template,
            contact_point=self.contact.address if self.contact is not None else None,
            idempotency_key=self.idempotency_key,
            debt_id=self.debt_id,
            party=(
                "third_party"
                if self.party == "debtor" and not (self.contact is None or self.contact.is_debtor)
                else self.party
            ),
        )


@attrs.frozen
class ServiceAction(Action):
    """An action on the customer's service (``Stage.service``), or its undo: not a contact.

    It travels the dispatch protocol like a contact (an adapter registered on channel
    ``'service'``, the ledger's idempotency keys), but its message is a plain instruction and
    its outcome event is a :class:`~overdue.events.ServiceRecorded`, which no contact rule
    counts.  ``template`` is the action to perform (the undo's name for an undo); ``undoes``
    is the action an undo reverses.  The undo's key is the action's key plus ``:undo``.
    """

    operation: Literal["perform", "undo"] = "perform"
    undoes: str | None = None

    @property
    def action(self) -> str:
        """The name of the action the host's adapter carries out."""
        return self.template

    def describe(self) -> str:
        """The instruction in words (the body of its dispatch message)."""
        if self.operation == "undo":
            return (
                f"{self.template} for account {self.account_id} (undoes {self.undoes} of "
                f"rung {self.stage})"
            )
        return f"{self.template} for account {self.account_id} (rung {self.stage})"

    def outcome_event(self, outcome: str, at: datetime) -> ServiceRecorded:  # type: ignore[override]
        """The event a host appends once the adapter has acted (not a contact)."""
        key = self.idempotency_key
        return ServiceRecorded(
            at=at,
            action=self.template,
            stage=self.stage,
            step=self.step,
            idempotency_key=key.removesuffix(":undo") if self.operation == "undo" else key,
            operation=self.operation,
            result=outcome,
        )


@attrs.frozen
class Posting:
    """A fee or interest the host must post (the library posts nothing).

    ``idempotency_key`` is one per rung entry and charge: post it once, and record it as the
    :meth:`event` (a :class:`~overdue.events.ChargePosted`, an invoice whose id is the key), so
    the next decision knows it is posted and the fold refuses the same key twice.
    ``principal``, ``yearly_rate``, ``period_start``/``period_end`` say how interest was computed.
    """

    account_id: str
    stage: str
    charge: Literal["fee", "interest"]
    amount: Money
    idempotency_key: str
    principal: Money | None = None
    yearly_rate: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None
    reasons: tuple[Reason, ...] = ()

    def event(self, at: datetime, due: date) -> ChargePosted:
        """The event a host appends once posted: owed from ``due`` like any invoice."""
        return ChargePosted(
            at=at,
            invoice_id=self.idempotency_key,
            amount=self.amount,
            due=due,
            charge=self.charge,
            stage=self.stage,
            period_end=self.period_end,
        )


@attrs.frozen
class StepDown:
    """The account steps down the ladder now (policy ``step_down``).

    ``to_stage`` is ``None`` when it leaves the ladder (no lower rung's conditions hold);
    ``event`` is what the host records (``StageEntered`` of the lower rung, or ``StageLeft``).
    """

    from_stage: str
    to_stage: str | None
    at: datetime
    reason: str
    event: Event


@attrs.frozen(weakref_slot=False)  # the planner makes it by ``_frozen.filler``
class BlockedStep:
    """A step that may not happen at all for now, with the reasons."""

    stage: str
    step: str
    channel: str
    reasons: tuple[Reason, ...]


class _Said(Protocol):
    """What the engine reads of a blocked step's reasons before they are rendered: a
    :class:`Reason`, or the rule's verdict it is rendered from (the same fields)."""

    @property
    def rule_id(self) -> str: ...
    @property
    def effect(self) -> str: ...
    @property
    def until(self) -> datetime | None: ...


_make_blocked_step = filler(BlockedStep, ("stage", "step", "channel", "reasons"))
_BLOCKED_REASONS = BlockedStep.__dict__["reasons"].__get__  # its slot, before ``_defer``
_defer(BlockedStep, ("reasons",))


def _blocked_step(
    stage: str,
    step: str,
    channel: str,
    said: Sequence[_Said],
    render: Callable[[tuple[Sequence[_Said], _A]], tuple[tuple[Reason, ...]]],
    args: _A,
) -> BlockedStep:
    """A :class:`BlockedStep` whose reasons are ``render((said, args))``, made when first read.

    Why: a held decision that blocks a step is mostly acted on (or re-decided) and never
    explained; its reasons' :class:`Reason` values and their zone were about a twentieth of
    its cost (issue 10).  ``said`` is what :func:`_blocked_said` hands the engine meanwhile."""
    return _make_blocked_step((stage, step, channel, _Pending((render, (said, args)))))


def _blocked_said(b: BlockedStep) -> Sequence[_Said]:
    """What the engine reads of ``b``'s reasons (effect, until, rule id), without rendering
    them: the verdicts they are rendered from while pending, else the reasons."""
    value = _BLOCKED_REASONS(b)
    return value[1][0] if type(value) is _Pending else value  # type: ignore[no-any-return]


@attrs.frozen
class Transition:
    """The account moves between rungs; ``event`` is what the host must record."""

    from_stage: str | None
    to_stage: str
    at: datetime
    event: StageEntered


@attrs.frozen(weakref_slot=False)  # made by ``_frozen.filler``, which needs no weakref slot
class Decision:
    """The engine's answer for one account at one moment.

    Attributes:
        status: where the account stands (see :data:`Status`).
        stage / stage_since: the rung the account is on after this decision.
        transition: a move between rungs decided now, if any.
        actions: the next attempt of every pending step, earliest first; those with
            ``not_before <= at`` are due now (``due_actions``).
        blocked: steps that may not happen at all for now, with reasons.
        deadline: when the account escalates if nothing changes (``None``: not scheduled).
        wake_at: when the host should call ``decide`` again (``None``: only on a new event).
        waiting_for: the new facts that would change this decision, as codes (empty when only
            time or nothing can): ``outcome:<idempotency key>`` (how a due action went),
            ``authorisation:<name>``, ``conditions:<stage>`` (a fact making a rung's entry
            conditions hold), ``cleared:<fact>`` (a dispute resolved, a hold released, a plan
            ended), ``lifted:<rule id>`` (whatever lifts that rule's block: a cease
            withdrawn, an opt-in), ``contact_point:<channel>``, ``invoice``.  A decision that
            is not final (``done``, ``resolved``, ``written_off``) always has a ``wake_at`` or
            a ``waiting_for``: no account is left behind.
        reasons: the engine's and the rules' reasons, for ``explain()``.
        record: events the host should append to the history (stage entered).
        retain_until: the date until which the account's records must be kept, set by
            ``record_retention`` rules (``None``: no rule says).
        debt_disputed: a dispute is open at ``at``: whoever furnishes the debt to a credit
            bureau must report it as disputed (FDCPA 807(8)), whether or not a rule holds
            collection for it.
    """

    account_id: str
    at: datetime
    status: Status
    stage: str | None
    stage_since: datetime | None
    days_overdue: int
    balance: Money | None
    transition: Transition | None = None
    actions: tuple[Action, ...] = ()
    blocked: tuple[BlockedStep, ...] = ()
    deadline: datetime | None = None
    wake_at: datetime | None = None
    reasons: tuple[Reason, ...] = ()
    record: tuple[Event, ...] = ()
    policy_id: str = ""
    policy_version: str = ""
    zone: str | None = None
    retain_until: date | None = None
    waiting_for: tuple[str, ...] = ()
    debt_disputed: bool = False
    service: tuple[ServiceAction, ...] = ()
    postings: tuple[Posting, ...] = ()
    step_down: StepDown | None = None

    @property
    def due_service(self) -> tuple[ServiceAction, ...]:
        """The service actions and undos that may be carried out now."""
        return tuple(a for a in self.service if a.is_due(self.at))

    @property
    def due_actions(self) -> tuple[Action, ...]:
        """The actions that may be carried out now."""
        return tuple(a for a in self.actions if a.is_due(self.at))

    @property
    def next_action(self) -> Action | None:
        """The earliest action, due now or later."""
        return self.actions[0] if self.actions else None

    def explain(self) -> str:
        """The decision in words, for a compliance officer."""
        return _explain(self)

    def __repr__(self) -> str:
        # Short on purpose: the full value is ~3,000 characters; explain() is the long form.
        nxt = self.next_action
        step = f", next={nxt.channel}:{nxt.template}" if nxt is not None else ""
        return (
            f"Decision(account_id={self.account_id!r}, at={self.at.isoformat()!r}, "
            f"status={self.status!r}, stage={self.stage!r}{step})"
        )

    def _repr_html_(self) -> str:
        from overdue._html import decision_html

        return decision_html(self)


_A = TypeVar("_A")

# The fields of an Action and of a Decision in the order the engine sets them when it builds
# one (``_frozen.build``), the deferred ones (rendered on first read) last.
_ACTION_LATER = ("facts", "evidence", "reasons")
_ACTION_FIELDS = (
    *(f.name for f in attrs.fields(Action) if f.name not in _ACTION_LATER),
    *_ACTION_LATER,
)
_DECISION_LATER = ("reasons", "waiting_for")
_DECISION_FIELDS = (
    "status",
    "stage",
    "stage_since",
    "transition",
    "actions",
    "blocked",
    "deadline",
    "wake_at",
    "record",
    "service",
    "postings",
    "step_down",
    "account_id",
    "at",
    "days_overdue",
    "balance",
    "policy_id",
    "policy_version",
    "zone",
    "retain_until",
    "debt_disputed",
    *_DECISION_LATER,
)
_make_action = filler(Action, _ACTION_FIELDS)
ACTION_FIXED = (
    "stage",
    "step",
    "channel",
    "template",
    "max_attempts",
    "fallback_for",
    "performed_by",
    "party",
    "discloses_debt",
    "debt_id",
)
"""The fields of an Action that every attempt of one step on one channel shares, in the order
the planner works them out once (``overdue.compiled.ChannelPlan.action``)."""
_make_planned = filler(
    Action,
    (
        ACTION_FIXED,
        "account_id",
        "attempt",
        "not_before",
        "idempotency_key",
        "contact",
        "obligations",
        "is_reply",
    ),
    _ACTION_LATER,
)
_make_decision = filler(Decision, _DECISION_FIELDS)
# The engine's maker: the fields every decision of one account at one moment shares
# (``DecisionBase``) handed over as the one tuple the engine holds, the deferred fields one
# pending render (no tuple of all 23 values built first).
_make_decided = filler(Decision, (*_DECISION_FIELDS[:9], _DECISION_FIELDS[9:-2]), _DECISION_LATER)
_defer(Action, _ACTION_LATER)
_defer(Decision, _DECISION_LATER)


# Pickling (issue 15).  ``decide_batch(workers=...)`` sends every decision from a worker to the
# parent pickled; through attrs' own ``__getstate__``/``__setstate__`` that was a dict built
# and a Python loop of ``object.__setattr__`` per value and per nested value, and it rendered
# every deferred field first: the parent spent more time unpickling a decision than a worker
# spent deciding it.  A Decision or an Action now pickles as its fields' values in one tuple
# and is rebuilt by ``_frozen.filler`` (no ``__init__``, nothing to check: the values were
# checked when the value was first made).  A Decision's deferred fields travel as stored: a
# pending render is the engine's reason records (rules' ``Reason`` values and plain note
# tuples), the debtor's zone and the awaited codes, all plain data, so it is rendered where
# it is read, if ever.  An Action's render holds engine state (its draft), so an Action is
# rendered before it travels.  Pickles made before keep loading: the classes' attrs
# ``__setstate__`` is unchanged.
_DECISION_EAGER = attrgetter(*_DECISION_FIELDS[: -len(_DECISION_LATER)])
_DECISION_STORED = tuple(
    cast(_Rendered, Decision.__dict__[name]).slot.__get__ for name in _DECISION_LATER
)
_ACTION_VALUES = attrgetter(*_ACTION_FIELDS)


def _decision_from(values: tuple[object, ...]) -> Decision:
    """A Decision unpickled: ``values`` in ``_DECISION_FIELDS`` order."""
    return _make_decision(values)


def _action_from(values: tuple[object, ...]) -> Action:
    """An Action unpickled: ``values`` in ``_ACTION_FIELDS`` order."""
    return _make_action(values)


def _reduce_decision(d: Decision, protocol: int) -> tuple[Callable[..., Any], tuple[object, ...]]:
    if type(d) is not Decision:  # a subclass a host made: attrs' own state, as before
        return object.__reduce_ex__(d, protocol)  # type: ignore[return-value]
    later = tuple(get(d) for get in _DECISION_STORED)
    return _decision_from, (_DECISION_EAGER(d) + later,)


def _reduce_action(a: Action, protocol: int) -> tuple[Callable[..., Any], tuple[object, ...]]:
    if type(a) is not Action:  # a ServiceAction (more fields, made by __init__): attrs' state
        return object.__reduce_ex__(a, protocol)  # type: ignore[return-value]
    return _action_from, (_ACTION_VALUES(a),)


Decision.__reduce_ex__ = _reduce_decision  # type: ignore[assignment,method-assign]
Action.__reduce_ex__ = _reduce_action  # type: ignore[assignment,method-assign]
for _cls in (Reason, MessageFacts, EvidenceBundle, Posting, StepDown, BlockedStep, Transition):
    pickled_by_init(_cls)

ActionFixed = tuple[
    str,  # stage
    str,  # step
    str,  # channel
    str,  # template
    int,  # max_attempts
    str | None,  # fallback_for
    str,  # performed_by
    str,  # party
    bool,  # discloses_debt
    None,  # debt_id
]
"""An Action's fields in :data:`ACTION_FIXED` order."""

ActionHead = tuple[
    ActionFixed,
    str,  # account_id
    int,  # attempt
    datetime,  # not_before
    str,  # idempotency_key
    ContactPoint | None,  # contact
    tuple[Obligation, ...],  # obligations
    bool,  # is_reply
]
"""An Action's fields that the engine sets when it builds it: all but the deferred, those
an attempt of a step on a channel shares first (as one tuple)."""

DecisionBase = tuple[
    tuple["ServiceAction", ...],  # service
    tuple[Posting, ...],  # postings
    StepDown | None,  # step_down
    str,  # account_id
    datetime,  # at
    int,  # days_overdue
    Money | None,  # balance
    str,  # policy_id
    str,  # policy_version
    str | None,  # zone
    date | None,  # retain_until
    bool,  # debt_disputed
]
"""The fields every Decision of one account at one moment shares, in ``_DECISION_FIELDS`` order
(the billing side's empty: :mod:`overdue.engine.billing` adds it to a decision made)."""


def _action(
    head: ActionHead,
    render: Callable[[_A], tuple[MessageFacts, EvidenceBundle | None, tuple[Reason, ...]]],
    args: _A,
) -> Action:
    """An :class:`Action` whose message facts, evidence and reasons are ``render(args)``, made
    when first read."""
    return _make_planned(head, _Pending((render, args)))  # the pending in each deferred field


if TYPE_CHECKING:

    def _decision(
        status: Status,
        stage: str | None,
        stage_since: datetime | None,
        transition: Transition | None,
        actions: tuple[Action, ...],
        blocked: tuple[BlockedStep, ...],
        deadline: datetime | None,
        wake_at: datetime | None,
        record: tuple[Event, ...],
        base: DecisionBase,
        render: Callable[[_A], tuple[tuple[Reason, ...], tuple[str, ...]]],
        args: _A,
    ) -> Decision:
        """A :class:`Decision` (no billing side) whose reasons and ``waiting_for`` are
        ``render(args)``, made when first read."""

else:
    # Generated (``_frozen.spread``): the values stored as they come, the shared ``base``
    # unpacked, the pending render made inside; no layer between the engine and the stores.
    _decision = spread(
        Decision, (*_DECISION_FIELDS[:9], _DECISION_FIELDS[9:-2]), _DECISION_LATER, _Pending
    )


def same_grace_end(actions: tuple[Action, ...]) -> tuple[Action, ...]:
    """``actions`` of one rung, all stating the rung's one grace end: the latest of theirs.

    A rung's grace runs from its last attempt, so a lawyer's letter posted at 00:00 and its
    e-mail copy sent at 08:00 (contact hours) must both state the end that counts, not two
    ends eight hours apart.
    """
    ends = [a.facts.grace_end for a in actions if a.facts.grace_end is not None]
    if len(set(ends)) < 2:
        return actions
    last = max(ends)
    return tuple(
        attrs.evolve(a, facts=attrs.evolve(a.facts, grace_end=last))
        if a.facts.grace_end is not None
        else a
        for a in actions
    )


def _fmt(dt: datetime | None, tz_name: str | None) -> str:
    if dt is None:
        return "-"
    if tz_name is not None:
        from overdue._time import zone

        dt = dt.astimezone(zone(tz_name))
    return f"{dt:%Y-%m-%d %H:%M} {dt.tzname()}"


def _explain(d: Decision) -> str:
    """Render a decision as text: status, stage, each action and why it is when it is."""
    z = d.zone
    owed = str(d.balance) if d.balance is not None else "nothing invoiced"
    lines = [
        (
            f"account {d.account_id} at {_fmt(d.at, z)} under {d.policy_id} {d.policy_version}"
        ).rstrip(),
        f"  status: {d.status}; owes {owed}; {d.days_overdue} day(s) overdue",
    ]
    if d.stage is not None:
        lines.append(f"  stage: {d.stage} since {_fmt(d.stage_since, z)}")
    if d.transition is not None:
        t = d.transition
        lines.append(
            f"  transition: {t.from_stage or '(none)'} -> {t.to_stage}; record StageEntered"
            f"(stage={t.to_stage!r}) at {_fmt(t.at, z)}"
        )
    for r in d.reasons:
        lines.append(f"  {r.render(z)}")
    for a in d.actions:
        due = "due now" if a.is_due(d.at) else f"not before {_fmt(a.not_before, z)}"
        via = f" (fallback for {a.fallback_for})" if a.fallback_for else ""
        if not a.discloses_debt:
            via += f" to a {a.party.replace('_', ' ')}, stating no debt facts"
        if a.is_reply:
            via += " (the one reply to the debtor's contact)"
        lines.append(
            f"  next: {a.channel}{via} {a.template!r} attempt {a.attempt}/{a.max_attempts}, {due}"
        )
        if a.facts.must_state:
            lines.append(f"    must state: {', '.join(a.facts.must_state)}")
        for r in a.reasons:
            lines.append(f"    {r.render(z)}")
        if a.evidence is not None:
            lines.append(f"    evidence: {a.evidence.summary()}")
        for o in a.obligations:
            lines.append(f"    obligation {o.code}: {o.text}")
    if d.step_down is not None:
        sd = d.step_down
        lines.append(
            f"  steps down: {sd.from_stage} -> {sd.to_stage or '(off the ladder)'} "
            f"({sd.reason}); record {type(sd.event).__name__}"
        )
    for sa in d.service:
        due = "due now" if sa.is_due(d.at) else f"not before {_fmt(sa.not_before, z)}"
        lines.append(f"  service: {sa.operation} {sa.template!r} ({sa.stage}), {due}")
    for p in d.postings:
        how = ""
        if p.charge == "interest":
            how = (
                f" ({p.yearly_rate} % a year on {p.principal}, {p.period_start} to {p.period_end})"
            )
        lines.append(f"  post: {p.charge} {p.amount}{how} key {p.idempotency_key}")
    for b in d.blocked:
        lines.append(f"  blocked: {b.step} by {b.channel}")
        for r in b.reasons:
            lines.append(f"    {r.render(z)}")
    if d.debt_disputed:
        lines.append("  debt disputed: report it as disputed to any credit bureau")
    if d.retain_until is not None:
        lines.append(f"  keep records until: {d.retain_until.isoformat()}")
    lines.append(f"  escalates: {_fmt(d.deadline, z)}")
    lines.append(f"  ask again: {_fmt(d.wake_at, z)}")
    if d.waiting_for:
        lines.append(f"  or on a new fact: {', '.join(d.waiting_for)}")
    return "\n".join(lines)
