"""What a preset is: a named, versioned, cited bundle of rules, and what it applies to.

A preset is data, like a policy: a frozen :class:`Preset` holding rule values whose ids are
namespaced by the preset (``us_reg_f.1006.14(b)(2)(i)(A)``) and whose citations carry the
verification mark of the research they come from (``V`` read in the official text, ``S``
secondary sources only, ``U`` unverified).  Stacking presets on a policy is
:func:`overdue.presets.with_presets`; this module only describes them.

Why an effective-from guard instead of trusting the caller: one policy decides for many
moments, some before a law applies (the EU's CCD2 applies from 2026-11-20).  Every rule of a
preset carries the preset's ``effective_from`` as its ``in_force_from`` (a field every
:class:`~overdue.rules.RuleBase` rule has), so it says nothing about a contact whose local date
is before it, and :func:`~overdue.rules.described` says from when it applies.  The rule keeps
its own class, so ``isinstance`` checks (holds that pause deadlines, the testing kit's
invariants) keep working, and no class is made at run time.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import date
from typing import Literal

import attrs

from overdue._validators import as_tuple as _strs
from overdue._validators import non_empty, one_of
from overdue.calendars import BusinessCalendar
from overdue.errors import PolicyError, SuspiciousPolicyWarning
from overdue.rules.base import Citation, Rule, RuleBase

__all__ = [
    "AppliesTo",
    "Preset",
    "PresetError",
    "PresetWarning",
    "Slot",
    "in_force_from",
]


class PresetError(PolicyError):
    """A preset cannot be found, built or stacked as asked."""


_nonempty = non_empty(PresetError)


class PresetWarning(SuspiciousPolicyWarning):
    """A stacked preset lacks something it recommends (a house value the law leaves open)."""


@attrs.frozen
class AppliesTo:
    """Who and what a preset is written for; shown in docs and checked by nobody but people.

    ``roles`` are the kinds of firm the instrument binds (``'creditor'``,
    ``'third_party_collector'``, ``'debt_buyer'``, ``'agency'``); ``products`` the credit it
    covers; ``residence`` where the debtor lives (ISO 3166 codes, ``'US-MA'`` for a state).
    The engine cannot tell a debt buyer from a creditor, so applicability is the host's call.
    """

    roles: tuple[str, ...] = attrs.field(converter=_strs)
    products: tuple[str, ...] = attrs.field(default=("consumer_credit",), converter=_strs)
    residence: tuple[str, ...] = attrs.field(default=(), converter=_strs)

    def __str__(self) -> str:
        where = f" resident in {', '.join(self.residence)}" if self.residence else ""
        return f"{', '.join(self.roles)}; {', '.join(self.products)}{where}"


@attrs.frozen
class Slot:
    """Something a preset needs from the policy or from another preset before it can build.

    The instrument states a duty but no number (the 2018 NIFA convention: "appropriate
    times", "no frequent calls"; CONC 7: "not excessive"), so the preset refuses to invent one.
    The slot is filled by a stacked preset that ``provides`` it, or by a rule in the policy
    whose ``id`` is the slot's ``name`` and whose kind is one of ``kinds``.  ``severity``
    ``'error'`` refuses to build without it; ``'warning'`` builds and warns.
    """

    name: str = attrs.field(validator=_nonempty)
    kinds: tuple[str, ...] = attrs.field(converter=_strs)
    why: str = attrs.field(validator=_nonempty)
    severity: Literal["error", "warning"] = attrs.field(
        default="error", validator=one_of(("error", "warning"))
    )

    def filled_by(self, rule: Rule) -> bool:
        """Whether ``rule`` states the value this slot asks for."""
        return rule.id == self.name and rule.kind in self.kinds


def _rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    items = tuple(value)
    for i, r in enumerate(items):
        if not isinstance(r, Rule):
            raise PresetError("a preset holds rule values", key_path=f"rules[{i}]", got=r)
    return items


def _slots(value: Iterable[Slot]) -> tuple[Slot, ...]:
    return tuple(value)


def _names(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen
class Preset:
    """A named, versioned bundle of cited rules, stacked on a policy by name.

    Attributes:
        name: the registry name (``'us_reg_f'``); every rule id starts with ``name + '.'``.
        version: the version of the instrument encoded (its date, ``'2021-11-30'``).
        title: the instrument in words.
        applies_to: who and what it is written for.
        effective_from: the first local date its rules apply on (``None``: in force before
            any decision this library makes, date not researched); before it they allow all.
        rules: the rules, each with a :class:`Citation` carrying its verification mark.
        notes: what the preset does not encode and why, shown in docs and ``explain()``.
        requires: slots the policy or another preset must fill (see :class:`Slot`).
        provides: slot names this preset fills for others (``cn_gbt_2025`` fills
            ``cn_nifa_2018``'s quiet hours and call frequency).
        overlays: presets this one is written to be stacked on (informative).
        assumed_zone: when ``zone_assumption`` is ``'set'``, the debtor's zone the policy
            assumes when an account does not say (``None``: none, so contact hours block).
        calendar: the business calendar the preset's deadlines are counted in, if it needs one.
    """

    name: str = attrs.field(validator=_nonempty)
    version: str = attrs.field(validator=_nonempty)
    title: str = attrs.field(validator=_nonempty)
    applies_to: AppliesTo
    effective_from: date | None
    rules: tuple[Rule, ...] = attrs.field(converter=_rules)
    notes: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    requires: tuple[Slot, ...] = attrs.field(default=(), converter=_slots)
    provides: frozenset[str] = attrs.field(default=frozenset(), converter=_names)
    overlays: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    zone_assumption: Literal["keep", "set"] = attrs.field(
        default="keep", validator=one_of(("keep", "set"))
    )
    assumed_zone: str | None = None
    calendar: BusinessCalendar | None = None

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for i, rule in enumerate(self.rules):
            where = f"preset {self.name!r} rules[{i}]"
            if not rule.id.startswith(self.name + "."):
                raise PresetError(
                    f"{where}: rule id {rule.id!r} is not namespaced by the preset",
                    expected=f"an id starting with {self.name + '.'!r}",
                    got=rule.id,
                )
            if rule.id in seen:
                raise PresetError(f"{where}: duplicate rule id {rule.id!r}", got=rule.id)
            seen.add(rule.id)
            citation = getattr(rule, "citation", None)
            if not isinstance(citation, Citation):
                raise PresetError(
                    f"{where}: rule {rule.id!r} has no citation; every preset rule says where "
                    "its limit comes from and how well that was verified",
                    expected="citation=Citation(instrument, section, link, mark)",
                )

    def guarded_rules(self) -> tuple[Rule, ...]:
        """The rules as a policy holds them: each silent before ``effective_from``."""
        if self.effective_from is None:
            return self.rules
        return tuple(in_force_from(r, self.effective_from) for r in self.rules)

    def explain(self) -> str:
        """Every rule with its limit, its source and its verification mark, one per line."""
        lines = [f"{self.name} {self.version}: {self.title}", f"  applies to: {self.applies_to}"]
        if self.effective_from is not None:
            lines.append(f"  in force from: {self.effective_from.isoformat()}")
        for rule in self.rules:
            citation = getattr(rule, "citation", None)
            lines.append(f"  {rule.id}: {rule.describe()} [{citation}]")
        for slot in self.requires:
            need = "needs" if slot.severity == "error" else "recommends"
            lines.append(f"  {need} {slot.name} ({' | '.join(slot.kinds)}): {slot.why}")
        for note in self.notes:
            lines.append(f"  note: {note}")
        return "\n".join(lines)

    def warn(self, message: str) -> None:
        """Emit a :class:`PresetWarning` naming this preset."""
        warnings.warn(f"preset {self.name!r}: {message}", PresetWarning, stacklevel=4)


# --------------------------------------------------------------------------- the guard


def in_force_from(rule: Rule, start: date) -> Rule:
    """``rule``, allowing every contact whose local date (debtor's zone) is before ``start``.

    The rule keeps its class (so every check that knows its kind still knows it) and gains
    :attr:`~overdue.rules.RuleBase.in_force_from`; guarding a guarded rule moves its date.
    Only :class:`~overdue.rules.RuleBase` rules carry the date (every built-in rule is one).
    """
    if not isinstance(rule, RuleBase):
        raise PresetError(
            f"rule {rule.id!r} of class {type(rule).__name__} cannot carry an effective-from "
            "guard",
            expected="a rule built on overdue.rules.RuleBase (every built-in rule is one)",
        )
    return attrs.evolve(rule, in_force_from=start)
