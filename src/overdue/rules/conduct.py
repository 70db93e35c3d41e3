"""Conduct rules: how a field visit must be carried out, as obligations the host confirms.

The library cannot see a visit.  What it can do is make the conduct part of the decision: the
action for a visit carries :class:`~overdue.obligations.Obligation` values (two staff,
identification shown, no entry without consent, the visit recorded, its purpose explained),
and the dispatcher refuses to send an action whose obligations the host has not acknowledged.
The one part the engine can check, how many agents the authorisation assigned, it checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import ClassVar

import attrs

from overdue.channels import VISIT_CHANNELS
from overdue.errors import PolicyError
from overdue.obligations import Obligation, merged
from overdue.rules.base import Rule, RuleBase, Verdict, in_scope, names
from overdue.rules.protocols import AttachesObligations
from overdue.situation import Candidate

__all__ = ["VISIT_CHANNELS", "FieldVisitConduct", "RequiresRecording", "action_obligations"]


def action_obligations(
    base: Iterable[Obligation], rules: Sequence[Rule], candidate: Candidate
) -> tuple[Obligation, ...]:
    """What an action carries: ``base`` (the stage's, identity disclosure for an agency's rung)
    plus what applicable rules attach (``obligations_for``), each duty once.

    Once per code, and once per meaning: the reference ladder's ``two_staff`` and a preset's
    ``min_staff`` are one duty (see :data:`overdue.obligations.ALIASES`), kept under the first
    code met with both wordings.
    """
    attached: list[Obligation] = []
    for rule in rules:
        if isinstance(rule, AttachesObligations) and rule.applies_to(candidate):
            attached.extend(rule.obligations_for(candidate))
    return merged(base, attached)


def _min_staff(_i: object, _a: object, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError("min_staff must be a whole number >= 1", expected="2", got=value)


def _name(_i: object, _a: object, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise PolicyError("authorisation must be a non-empty name", got=value)


@attrs.frozen(kw_only=True)
class FieldVisitConduct(RuleBase):
    """Attach the conduct obligations of a field visit, and block a visit with too few agents.

    Each flag adds one obligation to the visit's action (codes in brackets):
    ``min_staff`` >= 2 (``min_staff``), ``show_identification``, ``enter_only_with_consent``,
    ``recording`` (the whole visit recorded, audio or video) and ``explain_purpose``.

    The number of agents comes from the ``AuthorisationGranted`` named ``authorisation``
    (``staff=2``).  A visit authorised with fewer than ``min_staff`` is blocked (code
    ``too_few_staff``); one whose authorisation names no staff count is allowed and its action
    carries the ``min_staff`` obligation for the host to confirm.  Whether the visit is
    authorised at all is for the stage's ``requires`` or a ``requires_authorisation`` rule.

    Without ``channels``, ``stages`` or ``templates`` the rule applies to the channels in
    :data:`VISIT_CHANNELS`.
    """

    kind: ClassVar[str] = "field_visit_conduct"
    min_staff: int = attrs.field(default=2, validator=_min_staff)
    show_identification: bool = True
    enter_only_with_consent: bool = True
    recording: bool = False
    explain_purpose: bool = False
    authorisation: str = attrs.field(default="field_visit", validator=_name)

    def applies_to(self, candidate: Candidate) -> bool:
        c = candidate
        return self.covers(c.stage, c.channel, c.template, c.tags)

    def covers(self, stage: str, channel: str, template: str, tags: Iterable[str] = ()) -> bool:
        """:meth:`applies_to` on plain fields (the testing kit asks it of planned actions):
        with no scope of its own, the rule covers the visit channels only."""
        unscoped = self.channels is None and self.stages is None and self.templates is None
        if unscoped and channel not in VISIT_CHANNELS:
            return False
        return in_scope(self, stage, channel, template, tags)

    def staff(self, candidate: Candidate, at: datetime) -> int | None:
        """The agents the current authorisation assigns, or ``None`` when it does not say."""
        snap = candidate.situation.snapshot
        if not snap.has_authorisation(self.authorisation, at):
            return None
        return snap.authorisations[self.authorisation].staff

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        staff = self.staff(candidate, at)
        if staff is not None and staff < self.min_staff:
            return self.block(
                "too_few_staff",
                f"the visit is authorised ({self.authorisation!r}) with {staff} agent(s); "
                f"at least {self.min_staff} must attend together",
            )
        return None

    def obligations(self) -> tuple[Obligation, ...]:
        """The obligations this rule's flags stand for, in a fixed order."""
        out = []
        if self.min_staff >= 2:
            text = f"at least {self.min_staff} staff attend the visit together"
            out.append(Obligation("min_staff", text))
        if self.show_identification:
            out.append(
                Obligation(
                    "show_identification",
                    "show identification and say on whose behalf you act before anything else",
                )
            )
        if self.enter_only_with_consent:
            out.append(
                Obligation(
                    "enter_only_with_consent",
                    "do not enter the home or premises without the occupant's express consent",
                )
            )
        if self.recording:
            out.append(
                Obligation(
                    "recording", "record the whole visit (audio or video) and keep it on file"
                )
            )
        if self.explain_purpose:
            out.append(
                Obligation(
                    "explain_purpose", "explain the purpose and intended outcome of the visit"
                )
            )
        return tuple(out)

    def obligations_for(self, candidate: Candidate) -> tuple[Obligation, ...]:
        """What the engine attaches to the action of a step this rule applies to."""
        return self.obligations()

    def describe(self) -> str:
        codes = ", ".join(o.code for o in self.obligations()) or "no obligations"
        return f"field visits carry obligations: {codes}{self.scope_text()}"


@attrs.frozen(kw_only=True)
class RequiresRecording(RuleBase):
    """Every call (or other contact) on the rule's channels is recorded in full, kept on file.

    The library cannot record a call; the action carries the ``recording`` obligation and the
    dispatcher refuses to send it unless the host confirms the recording is running (the CBA
    2026 guideline: "全程录音", phone collection recorded throughout).  Without ``channels`` it
    covers ``phone`` and ``ai_voice``.
    """

    kind: ClassVar[str] = "requires_recording"
    channels: frozenset[str] | None = attrs.field(
        default=frozenset({"phone", "ai_voice"}), converter=names
    )

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        return None  # nothing to judge at a moment: the duty travels as an obligation

    def obligations_for(self, candidate: Candidate) -> tuple[Obligation, ...]:
        """The ``recording`` obligation, for the host to confirm before dispatch."""
        return (
            Obligation(
                "recording",
                f"record the whole {candidate.channel.replace('_', ' ')} contact and keep the "
                "recording on file",
            ),
        )

    def describe(self) -> str:
        return f"contacts are recorded in full (obligation 'recording'){self.scope_text()}"
