"""An Action before its deadline is known, so each Action is built once.

Phase 5 schedules the steps; the rung's deadline (phase 6) depends on when they are planned;
every Action states that deadline in its message facts.  The planner therefore hands on
drafts (what the Action will say, and the few fields the later phases read), and the
Actions are built once the deadline is known, instead of being built and then rebuilt with
``attrs.evolve``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from overdue.decision import Action, BlockedStep, MessageFacts


class ActionDraft:
    """The arguments of one Action and its MessageFacts, all but ``facts.deadline``."""

    __slots__ = ("channel", "facts", "fields", "not_before", "stage", "step")

    def __init__(self, fields: dict[str, object], facts: dict[str, object]) -> None:
        self.fields, self.facts = fields, facts
        # What the phases before the build read: when, and which step on which channel.
        self.not_before: datetime = fields["not_before"]  # type: ignore[assignment]
        self.stage: str = fields["stage"]  # type: ignore[assignment]
        self.step: str = fields["step"]  # type: ignore[assignment]
        self.channel: str = fields["channel"]  # type: ignore[assignment]

    @property
    def grace_end(self) -> datetime | None:
        return self.facts["grace_end"]  # type: ignore[return-value]

    def build(self, deadline: datetime | None) -> Action:
        return Action(
            facts=MessageFacts(deadline=deadline, **self.facts),  # type: ignore[arg-type]
            **self.fields,  # type: ignore[arg-type]
        )


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
            d.facts = {**d.facts, "grace_end": last}
    return tuple(drafts)


def build_all(drafts: Sequence[ActionDraft], deadline: datetime | None) -> tuple[Action, ...]:
    return tuple(d.build(deadline) for d in drafts)


__all__ = ["ActionDraft", "PlanOut", "build_all", "same_grace_end"]
