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

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from itertools import repeat
from typing import NamedTuple

from overdue.decision import (
    Action,
    ActionHead,
    BlockedStep,
    EvidenceBundle,
    MessageFacts,
    Reason,
    _action,
    _make_planned,
    _Pending,
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


FactsHead = tuple[Money | None, int, tuple[str | None, str | None, tuple[str, ...]]]
"""A MessageFacts' amount and days_overdue, then its legal_terms, creditor and must_state (as
one tuple: the step's, worked out once per policy: ``overdue.compiled.StepPlan.facts``)."""

EvidenceArgs = tuple[
    str | None,
    tuple[InvoiceState, ...],
    tuple[PaymentReceived, ...],
    tuple[ContactAttempted, ...],
    tuple[str, ...],
]
"""An EvidenceBundle's fields in order."""


class ActionDraft(NamedTuple):
    """One Action but for its deadline: the fields set when it is built (``head``), and what
    its deferred fields are rendered from (``facts``, ``grace_end``, ``evidence``, ``reasons``
    in the zone ``z``); then what the phases before the build read (``head``'s stage, step,
    channel and ``not_before``, as fields of their own).

    A named tuple, not a slotted class: one is made per attempt planned, by
    :data:`make_draft` in one C call (a class's ``__init__`` stored its ten fields one by one),
    and its fields are read in C."""

    head: ActionHead
    facts: FactsHead
    grace_end: datetime | None
    evidence: EvidenceArgs | None
    reasons: tuple[StepReason, ...]
    z: tzinfo
    stage: str
    step: str
    channel: str
    not_before: datetime

    def build(self, deadline: datetime | None) -> Action:
        return _action(self.head, _render, (self, deadline))


make_draft: Callable[[tuple[object, ...]], ActionDraft] = functools.partial(
    tuple.__new__, ActionDraft
)
"""An :class:`ActionDraft` of all its fields in order, made in C (the named tuple's own
``__new__`` is a Python function); ``stage``, ``step``, ``channel`` and ``not_before`` must be
``head``'s (``tests/test_plan2_values.py``)."""


def _render(
    args: tuple[ActionDraft, datetime | None],
) -> tuple[MessageFacts, EvidenceBundle | None, tuple[Reason, ...]]:
    """An Action's message facts, evidence and reasons, when first read."""
    draft, deadline = args
    amount, days_overdue, (legal_terms, creditor, must_state) = draft.facts
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
    return tuple(d if d.grace_end is None else d._replace(grace_end=last) for d in drafts)


def build_all(drafts: Sequence[ActionDraft], deadline: datetime | None) -> tuple[Action, ...]:
    """The Actions of ``drafts``, stating ``deadline``."""
    if len(drafts) != 1:  # (not a ``ValueError`` from unpacking: one raised costs ~1.5 µs)
        return tuple(map(ActionDraft.build, drafts, repeat(deadline)))  # no generator frame
    draft = drafts[0]  # most decisions that plan: ``ActionDraft.build`` without its frames
    return (_make_planned(draft.head, _Pending((_render, (draft, deadline)))),)


__all__ = [
    "ActionDraft",
    "EvidenceArgs",
    "FactsHead",
    "PlanOut",
    "StepReason",
    "as_reasons",
    "build_all",
    "make_draft",
    "same_grace_end",
]
