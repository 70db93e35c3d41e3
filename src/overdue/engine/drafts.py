"""An Action before its deadline is known, so each Action is built once.

Phase 5 schedules the steps; the rung's deadline (phase 6) depends on when they are planned;
every Action states that deadline in its message facts.  The planner therefore hands on
drafts (what the Action will say, and the few fields the later phases read), and the
Actions are built once the deadline is known, instead of being built and then rebuilt with
``attrs.evolve``.  What only a reader needs (the message facts, the evidence bundle, the
reasons in the debtor's zone) is rendered when the Action's fields are first read
(:class:`overdue.decision._Pending`), from the draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from itertools import repeat

from overdue.decision import (
    Action,
    ActionHead,
    BlockedStep,
    EvidenceBundle,
    MessageFacts,
    Reason,
    _action,
)
from overdue.engine.reasons import localised, verdict_reason
from overdue.events import ContactAttempted, PaymentReceived
from overdue.money import Money
from overdue.rules.base import Verdict
from overdue.snapshot import InvoiceState

StepReason = Reason | Verdict
"""What the planner records of an attempt: the engine's reasons, and the rules' verdicts as
the rules gave them.  A verdict is made the :class:`Reason` it states (:func:`as_reasons`) only
when the Action's reasons are read: most Actions are acted on and never explained."""


def as_reasons(found: Iterable[StepReason]) -> Iterator[Reason]:
    """``found`` as reasons: a rule's verdict made the reason it states."""
    for r in found:
        yield verdict_reason(r) if isinstance(r, Verdict) else r


FactsHead = tuple[Money | None, int, str | None, str | None, tuple[str, ...]]
"""A MessageFacts' amount, days_overdue, legal_terms, creditor and must_state."""

EvidenceArgs = tuple[
    str | None,
    tuple[InvoiceState, ...],
    tuple[PaymentReceived, ...],
    tuple[ContactAttempted, ...],
    tuple[str, ...],
]
"""An EvidenceBundle's fields in order."""


class ActionDraft:
    """One Action but for its deadline: the fields set when it is built (``head``), and what
    its deferred fields are rendered from (``facts``, ``grace_end``, ``evidence``, ``reasons``
    in the zone ``z``)."""

    __slots__ = (
        "channel",
        "evidence",
        "facts",
        "grace_end",
        "head",
        "not_before",
        "reasons",
        "stage",
        "step",
        "z",
    )

    def __init__(
        self,
        head: ActionHead,
        facts: FactsHead,
        grace_end: datetime | None,
        evidence: EvidenceArgs | None,
        reasons: tuple[StepReason, ...],
        z: tzinfo,
    ) -> None:
        self.head, self.facts, self.grace_end, self.evidence = head, facts, grace_end, evidence
        self.reasons, self.z = reasons, z
        # What the phases before the build read: when, and which step on which channel.
        self.stage, self.step, self.channel, self.not_before = head[1], head[2], head[3], head[7]

    def build(self, deadline: datetime | None) -> Action:
        return _action(self.head, _render, (self, deadline))


def _render(
    args: tuple[ActionDraft, datetime | None],
) -> tuple[MessageFacts, EvidenceBundle | None, tuple[Reason, ...]]:
    """An Action's message facts, evidence and reasons, when first read."""
    draft, deadline = args
    amount, days_overdue, legal_terms, creditor, must_state = draft.facts
    # Its own ``__init__``: for a value of a few fields it costs less time than ``_frozen.build``.
    facts = MessageFacts(
        amount, days_overdue, deadline, draft.grace_end, legal_terms, creditor, must_state
    )
    evidence = EvidenceBundle(*draft.evidence) if draft.evidence is not None else None
    return facts, evidence, localised(tuple(as_reasons(draft.reasons)), draft.z)


PlanOut = tuple[tuple[ActionDraft, ...], tuple[BlockedStep, ...]]


def same_grace_end(drafts: Sequence[ActionDraft]) -> tuple[ActionDraft, ...]:
    """``drafts`` of one rung, all stating the rung's one grace end: the latest of theirs.

    What :func:`overdue.decision.same_grace_end` does for built Actions, before the build.
    """
    if len(drafts) < 2:
        return tuple(drafts)  # one action states its own grace end
    ends = [d.grace_end for d in drafts if d.grace_end is not None]
    if len(set(ends)) < 2:
        return tuple(drafts)
    last = max(ends)
    for d in drafts:
        if d.grace_end is not None:
            d.grace_end = last
    return tuple(drafts)


def build_all(drafts: Sequence[ActionDraft], deadline: datetime | None) -> tuple[Action, ...]:
    return tuple(map(ActionDraft.build, drafts, repeat(deadline)))  # no generator frame


__all__ = [
    "ActionDraft",
    "EvidenceArgs",
    "FactsHead",
    "PlanOut",
    "StepReason",
    "as_reasons",
    "build_all",
    "same_grace_end",
]
