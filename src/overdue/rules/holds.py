"""Rules that stop contact while something is true: holds, cease requests, opt-outs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import attrs

from overdue._frozen import _Pending
from overdue.errors import PolicyError
from overdue.rules.base import RuleBase, Verdict, _make_verdict, in_scope, names
from overdue.situation import Candidate
from overdue.snapshot import FactState

__all__ = ["HALTING_FACTS", "HoldWhile", "RespectCease", "RespectOptOut"]

HALTING_FACTS = (
    "dispute_open",
    "manual_hold",
    "bankruptcy",
    "moratorium",
    "payment_plan",
    "breathing_space",
    "mental_health_crisis_moratorium",
    "mental_capacity_concern",
    "statute_barred_asserted",
    "represented",
)
"""Fact names the library sets or documents (hosts may use any other name through ``FactSet``).

``breathing_space`` (England and Wales, standard: up to 60 days) and
``mental_health_crisis_moratorium`` (the crisis treatment plus 30 days) are set by the host with
``FactSet(name=..., until=...)``; see ``docs/rules.md``.  ``mental_capacity_concern`` (CONC
7.10), ``statute_barred_asserted`` (CONC 7.15.8) and ``represented`` (the ACCC/ASIC guideline)
are the facts the UK and Australian presets hold on.
"""


def _fact(_i: object, _a: object, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise PolicyError(
            "hold_while needs a fact name", expected=" | ".join(HALTING_FACTS), got=value
        )


def _said(args: tuple[str, FactState, str]) -> tuple[str]:
    """A hold verdict's message (``Verdict.message``, rendered when first read): the fact, since
    when it holds, its detail if any, and ``end`` (what an open-ended one adds)."""
    fact, state, end = args
    why = f" ({state.detail})" if state.detail else ""
    return (f"{fact} since {state.since.isoformat()}{why}{end}",)


def held_by(rule: HoldWhile, state: FactState) -> Verdict:
    """:meth:`HoldWhile.check`'s block of a fact on file with no end (``state``): the same at
    any moment, for any candidate.  ``rule.block``, without its frame: every held account's
    first decision says one per step.  The message is written when first read (``_said``): a
    held decision is mostly acted on, never explained."""
    said = _Pending((_said, (rule.fact, state, ", no end set")))
    return _make_verdict(("block", rule.id, "hold", said, None, rule.citation, False))


@attrs.frozen(kw_only=True)
class HoldWhile(RuleBase):
    """No contact while the named fact holds (a dispute, a manual hold, a moratorium).

    A fact with a known end defers to that end; an open-ended one blocks, and the decision
    says so.  ``pause_deadlines`` also stops the stage's escalation clock while the fact holds,
    so a month-long dispute does not push the account to the lawyer the day it is resolved.
    """

    kind: ClassVar[str] = "hold_while"
    fact: str = attrs.field(validator=_fact)
    pause_deadlines: bool = True

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        state = candidate.situation.snapshot.facts.get(self.fact)  # most accounts hold none
        if state is None:
            return None
        until = state.until
        if until is not None and at >= until:
            return None  # lapsed by itself (``FactState.open_at``, without its call)
        if until is not None:  # ``self.defer``, without its frame
            said = _Pending((_said, (self.fact, state, "")))
            return _make_verdict(("defer", self.id, "hold", said, until, self.citation, False))
        return held_by(self, state)

    def lifted_by(self) -> str:
        """Only the fact's clearing (a dispute resolved, a hold released) lifts the block."""
        return f"cleared:{self.fact}"

    def describe(self) -> str:
        pause = ", deadlines paused" if self.pause_deadlines else ""
        return f"no contact while {self.fact}{pause}{self.scope_text()}"


@attrs.frozen(kw_only=True)
class RespectCease(RuleBase):
    """Honour a cease request: no contact on the ceased channels, except exempt templates.

    A cease limited to some channels blocks only those, so the step's fallback channel may be
    tried; a cease of all channels blocks everything but the exempt templates (a confirmation
    of the cease, a notice the law requires).
    """

    kind: ClassVar[str] = "respect_cease"

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        cease = candidate.situation.snapshot.cease
        if cease is None or cease.at > at:
            return None
        if cease.channels is None:
            return self.block(
                "ceased", f"the debtor asked to cease all contact on {cease.at.date()}"
            )
        if candidate.channel in cease.channels:
            return self.block(
                "ceased",
                f"the debtor asked to cease contact by {candidate.channel} on {cease.at.date()}",
                channel_only=True,
            )
        return None

    def describe(self) -> str:
        exempt = ""
        if self.exempt_templates:
            exempt = " except " + ", ".join(sorted(self.exempt_templates))
        return f"honour cease requests{exempt}{self.scope_text()}"


def _exempt_channels(value: Iterable[str] | str | None) -> frozenset[str]:
    return names(value) or frozenset()


@attrs.frozen(kw_only=True)
class RespectOptOut(RuleBase):
    """No contact on a channel the debtor opted out of; the step's fallback is tried instead.

    ``exempt`` channels (a letter, a court filing) are not subject to opt-outs.
    """

    kind: ClassVar[str] = "respect_opt_out"
    exempt: frozenset[str] = attrs.field(default=frozenset(), converter=_exempt_channels)

    def applies_to(self, candidate: Candidate) -> bool:
        # ``RuleBase.applies_to``'s filter without its call: asked of every candidate.
        c = candidate
        if c.channel in self.exempt:
            return False
        return in_scope(self, c.stage, c.channel, c.template, c.tags)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        if candidate.channel in candidate.situation.snapshot.opted_out:
            return self.block(
                "opted_out", f"the debtor opted out of {candidate.channel}", channel_only=True
            )
        return None

    def describe(self) -> str:
        exempt = " (exempt: " + ", ".join(sorted(self.exempt)) + ")" if self.exempt else ""
        return f"honour channel opt-outs{exempt}{self.scope_text()}"
