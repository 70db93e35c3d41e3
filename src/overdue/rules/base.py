"""What every compliance rule is: a frozen value that judges one candidate contact at one time.

A rule answers ``None`` (allow) or a :class:`Verdict` that defers the contact until a moment or
blocks it with a reason.  The engine stacks the answers: any block wins; otherwise the latest
deferral wins and every rule is asked again at that moment, until all allow or the policy's
horizon is reached.  Rules never read a clock: the time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

import attrs

from overdue._frozen import _defer, filler
from overdue._validators import one_of
from overdue.errors import PolicyError
from overdue.situation import Candidate

__all__ = ["Citation", "Effect", "Rule", "RuleBase", "Verdict", "described", "in_force", "names"]

Effect = Literal["defer", "block"]


@attrs.frozen
class Citation:
    """Where a rule comes from, so an explanation can point a compliance officer at the source.

    ``mark`` says how well the limit was verified: ``'V'`` read in the primary source,
    ``'S'`` only in secondary sources, ``'U'`` unverified, ``'house'`` a house choice.
    """

    instrument: str
    section: str | None = None
    link: str | None = None
    mark: str = attrs.field(
        default="V", validator=one_of(("V", "S", "U", "house"))
    )

    def __str__(self) -> str:
        text = self.instrument + (f" {self.section}" if self.section else "")
        if self.mark == "S":
            text += " [secondary source only]"
        elif self.mark == "U":
            text += " [unverified]"
        elif self.mark == "house":
            text += " [house rule]"
        return text


@attrs.frozen(weakref_slot=False)  # made by ``_frozen.filler`` (``RuleBase.block``/``defer``)
class Verdict:
    """A rule's answer when it does not simply allow.

    Attributes:
        effect: ``'defer'`` (try again at ``until``) or ``'block'`` (not at all, for now).
        code: a stable machine-readable code (``'outside_hours'``, ``'cap_reached'``).
        channel_only: the block concerns only this channel, so the step's fallback may be tried.
    """

    effect: Effect
    rule_id: str
    code: str
    message: str
    until: datetime | None = None
    citation: Citation | None = None
    channel_only: bool = False


_make_verdict = filler(Verdict, [f.name for f in attrs.fields(Verdict)])
"""A :class:`Verdict` of all its fields, without ``__init__`` (it has no validators): a rule
says one on most moments it is asked about an account it defers or blocks, and its
``__init__`` sets each of its seven fields through a Python call
(``tests/test_plan2_values.py`` compares the two)."""
_defer(Verdict, ("message",))
"""A verdict's ``message`` may be written when first read: a rule that makes a verdict with
:func:`_make_verdict` may store a ``overdue._frozen._Pending`` there, ``(render, args)`` with
``render(args) == (message,)``.  Why: a held account's first decision says a hold's verdict
for each step it plans, and its text (a date written out) is read only when the decision is
explained (:meth:`HoldWhile.check <overdue.rules.holds.HoldWhile.check>`).  Every read of the
field (``==``, ``hash``, ``repr``, pickling, ``attrs.evolve``) sees the text."""


@runtime_checkable
class Rule(Protocol):
    """The protocol every compliance rule satisfies; built-in and host rules alike."""

    kind: ClassVar[str]

    @property
    def id(self) -> str:
        """A stable id, unique in a policy, shown in every reason."""

    def applies_to(self, candidate: Candidate) -> bool:
        """Whether this rule has anything to say about the candidate (a cheap filter)."""

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        """``None`` to allow the candidate at ``at``, else a defer or block verdict."""

    def describe(self) -> str:
        """One line for docs, diagrams and ``check`` output."""


def names(value: Iterable[str] | str | None) -> frozenset[str] | None:
    """Normalise a channel/stage/template filter: ``None`` means every one."""
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset((value,))
    items = frozenset(value)
    for item in items:
        if not isinstance(item, str) or not item:
            raise PolicyError("filters hold non-empty names", got=item)
    return items


def _exempt(value: Iterable[str] | str | None) -> frozenset[str]:
    return names(value) or frozenset()


def _opt_date(_i: object, a: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise PolicyError(f"{a.name} is a calendar date", expected="2026-11-20", got=value)


def in_force(rule: object, candidate: Candidate, at: datetime) -> bool:
    """Whether ``rule`` speaks about a contact at ``at``: a rule with ``in_force_from`` is
    silent before that date, read in the debtor's zone (UTC when it is unknown).  The engine
    and the testing kit's invariants both ask here."""
    start: date | None = getattr(rule, "in_force_from", None)
    return start is None or at.astimezone(candidate.situation.tz or UTC).date() >= start


def described(rule: Rule) -> str:
    """``rule.describe()``, plus the date it is in force from when it has one."""
    start: date | None = getattr(rule, "in_force_from", None)
    text = rule.describe()
    return text if start is None else f"{text} (in force from {start.isoformat()})"


def _rule_id(_i: object, _a: object, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError("a rule id must be a non-empty string", got=value)


@attrs.frozen
class RuleBase:
    """Fields and filtering shared by the built-in rules.

    ``channels``, ``stages`` and ``templates`` narrow what a rule looks at (``None``: all);
    ``exempt_templates`` lets named templates through (a cease confirmation, a legal notice);
    ``exempt_tags`` lets through any template carrying one of these tags (``required_by_law``:
    a notice the law itself requires, which Reg F's opt-out rule and the Breathing Space
    regulations both let through).
    ``in_force_from`` makes the rule silent before that local date in the debtor's zone (a
    preset's rules carry the date the instrument takes effect; see :func:`in_force`).
    ``waivable=True`` lets the debtor's :class:`~overdue.events.ConsentWaiver` naming this
    rule's id lift it while the waiver is active ("not between 22:00 and 08:00 unless agreed");
    a rule that is not waivable ignores waivers, so a consent can never lift a hard limit.
    """

    kind: ClassVar[str] = "rule"
    id: str = attrs.field(validator=_rule_id)
    channels: frozenset[str] | None = attrs.field(default=None, kw_only=True, converter=names)
    stages: frozenset[str] | None = attrs.field(default=None, kw_only=True, converter=names)
    templates: frozenset[str] | None = attrs.field(default=None, kw_only=True, converter=names)
    exempt_templates: frozenset[str] = attrs.field(
        default=frozenset(), kw_only=True, converter=_exempt
    )
    exempt_tags: frozenset[str] = attrs.field(
        default=frozenset(), kw_only=True, converter=_exempt
    )
    citation: Citation | None = attrs.field(default=None, kw_only=True)
    waivable: bool = attrs.field(default=False, kw_only=True)
    in_force_from: date | None = attrs.field(default=None, kw_only=True, validator=_opt_date)

    def applies_to(self, candidate: Candidate) -> bool:
        c = candidate
        return in_scope(self, c.stage, c.channel, c.template, c.tags)

    def defer(self, code: str, message: str, until: datetime) -> Verdict:
        """A deferral carrying this rule's id and citation."""
        return _make_verdict(("defer", self.id, code, message, until, self.citation, False))

    def block(self, code: str, message: str, *, channel_only: bool = False) -> Verdict:
        """A block carrying this rule's id and citation."""
        return _make_verdict(("block", self.id, code, message, None, self.citation, channel_only))

    def describe(self) -> str:
        return f"{self.kind} {self.id}"

    def scope_text(self) -> str:
        """The filters in words, for ``describe``."""
        parts = []
        if self.channels is not None:
            parts.append("channels " + ", ".join(sorted(self.channels)))
        if self.stages is not None:
            parts.append("stages " + ", ".join(sorted(self.stages)))
        if self.templates is not None:
            parts.append("templates " + ", ".join(sorted(self.templates)))
        if self.exempt_tags:
            parts.append("except templates tagged " + ", ".join(sorted(self.exempt_tags)))
        return f" ({'; '.join(parts)})" if parts else ""


def in_scope(
    rule: RuleBase, stage: str, channel: str, template: str, tags: Iterable[str] = ()
) -> bool:
    """:meth:`RuleBase.applies_to`'s scope filter on plain fields.

    One test for every place that asks it without a whole candidate: the rule itself, the
    compiled policy's lookups by step key, and the testing kit's check of planned actions.
    """
    if rule.channels is not None and channel not in rule.channels:
        return False
    if rule.stages is not None and stage not in rule.stages:
        return False
    if rule.templates is not None and template not in rule.templates:
        return False
    if rule.exempt_tags and not rule.exempt_tags.isdisjoint(tags):
        return False
    return template not in rule.exempt_templates
