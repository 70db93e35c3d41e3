"""Weakenings: what a candidate policy allows that a golden (reviewed) policy did not.

A behavioural test can only see a weakening that some history exercises: a daily call cap
raised from one to five is invisible on a ladder that never calls twice a day.  Comparing the
policy *texts* sees it at once.  :func:`weakenings` lists every deleted or narrowed rule, wider
window or exemption, higher cap, shorter period, removed ``requires``, changed zone and
reordered or skipped rung of ``candidate`` against ``golden``: deterministic, instant, and the
check a reviewer runs on every policy change (``overdue diff --weakenings golden candidate``).

:func:`rule_weakenings` is the same comparison for one pair of rules; the requirements
(:mod:`overdue.testing.requirements`) use it to say whether a policy's rule is at least as
strict as a required one.

Only *weakenings* are reported: a tighter cap or a narrower window is a change a reviewer may
want to see, but not one that can make a policy break the law it was reviewed against.  A field
whose direction is unknown (a changed zone, a different window kind) is reported as a possible
weakening, because a reviewer would rather read one line too many than miss one.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import time
from typing import Any

import attrs

from overdue.conditions import (
    All,
    AnyOf,
    BalanceAtLeast,
    Condition,
    DaysOverdueAtLeast,
    OverdueFor,
)
from overdue.durations import Duration
from overdue.money import Money
from overdue.policy import MESSAGE_FACTS, Policy, Stage, Step
from overdue.rules import Rule

__all__ = ["Weakening", "balance_floor", "days_floor", "rule_weakenings", "weakenings"]

# Message facts that tell a reader about the debt (all but the collector's own identity): a
# step to a third party must carry none.
DEBT_FACTS = frozenset(MESSAGE_FACTS) - {"identity"}


@attrs.frozen
class Weakening:
    """One way the candidate allows more than the golden policy.

    Attributes:
        where: the key path in the candidate's terms (``rules['one-call-a-day'].max_contacts``,
            ``stages['litigation'].requires``); ``$`` for the policy itself.
        what: the kind of weakening (``'deleted'``, ``'narrowed'``, ``'wider'``, ``'higher'``,
            ``'shorter'``, ``'lower'``, ``'removed'``, ``'changed'``, ``'reordered'``,
            ``'added'``, ``'turned_on'``, ``'turned_off'``).
        message: the change in words, golden value first.
    """

    where: str
    what: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


# -- conditions: the least days overdue and balance a rung may be entered at --------------------


def days_floor(cond: Condition | None) -> int | None:
    """The least days overdue ``cond`` lets through (``None``: no floor it can be shown to set)."""
    if isinstance(cond, DaysOverdueAtLeast):
        return cond.days
    if isinstance(cond, OverdueFor):
        # The fewest days the age can stand for (a month is at least 28): a sound lower bound.
        return cond.age.min_timedelta.days
    if isinstance(cond, All):
        floors = [f for f in (days_floor(c) for c in cond.conditions) if f is not None]
        return max(floors) if floors else None
    if isinstance(cond, AnyOf):
        floors2 = [days_floor(c) for c in cond.conditions]
        return None if any(f is None for f in floors2) else min(f for f in floors2 if f is not None)
    return None


def balance_floor(cond: Condition | None) -> Money | None:
    """The least balance ``cond`` lets through (``None``: no floor it can be shown to set)."""
    if isinstance(cond, BalanceAtLeast):
        return cond.amount
    if isinstance(cond, All):
        floors = [f for f in (balance_floor(c) for c in cond.conditions) if f is not None]
        return max(floors, key=lambda m: m.amount) if floors else None
    if isinstance(cond, AnyOf):
        floors2 = [balance_floor(c) for c in cond.conditions]
        if any(f is None for f in floors2):
            return None
        return min((f for f in floors2 if f is not None), key=lambda m: m.amount)
    return None


# -- one field at a time -------------------------------------------------------------------------

# Fields read only by people: a change never weakens a rule.
_COSMETIC = frozenset({"id", "citation", "description", "notes"})
# Filters: None is "every one"; narrowing one lets more through.
_SCOPES = frozenset({"channels", "stages", "templates", "count_channels"})
# Exemptions: widening one lets more through.
_EXEMPTIONS = frozenset({"exempt_templates", "exempt", "exclude", "overrides"})
# Numbers where more is weaker / less is weaker.
_HIGHER_IS_WEAKER = frozenset({"max_contacts", "max_per_person"})
_LOWER_IS_WEAKER = frozenset({"min_staff", "unreachable_after", "years"})
# Durations where shorter is weaker / longer is weaker.
_LONGER_IS_WEAKER = frozenset({"limitation", "within"})
_SCOPE_ORDER = {"debtor": 0, "debt": 1, "contact_point": 2}
_MODE_ORDER = {"forbid": 0, "location_only": 1, "unreachable_only": 2}


def _names(value: Iterable[Any] | None) -> str:
    return "every one" if value is None else "{" + ", ".join(sorted(map(str, value))) + "}"


def _field(where: str, name: str, old: Any, new: Any) -> Weakening | None:
    if old == new or name in _COSMETIC:
        return None
    path = f"{where}.{name}"
    if name in _SCOPES:
        if new is None or (old is not None and set(old) <= set(new)):
            return None
        return Weakening(path, "narrowed", f"covers {_names(new)}, golden covers {_names(old)}")
    if name in _EXEMPTIONS:
        if set(new) <= set(old):
            return None
        extra = sorted(set(new) - set(old))
        return Weakening(path, "wider", f"also exempts {', '.join(map(str, extra))}")
    if name == "window" and isinstance(old, tuple) and isinstance(new, tuple):
        (s0, e0), (s1, e1) = old, new
        if isinstance(s0, time) and (s1 < s0 or e1 > e0):
            return Weakening(path, "wider", f"{s1:%H:%M}-{e1:%H:%M}, golden {s0:%H:%M}-{e0:%H:%M}")
        return None
    if name == "weekdays":
        if old is None or (new is not None and set(new) <= set(old)):
            return None
        return Weakening(path, "wider", f"allows weekdays {_names(new)}, golden {_names(old)}")
    if name == "max_per_person" and new is None:
        return Weakening(path, "removed", f"no count per person, golden {old}")
    if name in _HIGHER_IS_WEAKER and isinstance(old, int) and isinstance(new, int):
        return Weakening(path, "higher", f"{new}, golden {old}") if new > old else None
    if name in _LOWER_IS_WEAKER and isinstance(old, int) and isinstance(new, int):
        return Weakening(path, "lower", f"{new}, golden {old}") if new < old else None
    if isinstance(old, Duration) and isinstance(new, Duration):
        if name in _LONGER_IS_WEAKER:
            if new.min_timedelta > old.min_timedelta:
                return Weakening(path, "longer", f"{new}, golden {old}")
            return None
        if new.min_timedelta < old.min_timedelta:
            return Weakening(path, "shorter", f"{new}, golden {old}")
        return None
    if isinstance(old, Money) and isinstance(new, Money):
        if new.currency != old.currency or new.amount < old.amount:
            return Weakening(path, "lower", f"{new}, golden {old}")
        return None
    if isinstance(old, bool) and isinstance(new, bool):
        # True is the strict value of every boolean a rule has (pause_deadlines,
        # stop_on_refusal, require_notice, show_identification...) but waivable.
        if name == "waivable":
            return Weakening(path, "wider", "the debtor may waive it") if new else None
        return Weakening(path, "removed", f"{new}, golden {old}") if old else None
    if name == "scope":
        if _SCOPE_ORDER.get(new, 9) > _SCOPE_ORDER.get(old, 9):
            return Weakening(path, "narrowed", f"counts per {new}, golden per {old}")
        return None
    if name == "mode":
        if _MODE_ORDER.get(new, 9) > _MODE_ORDER.get(old, 9):
            return Weakening(path, "wider", f"{new}, golden {old}")
        return None
    if name == "counts" and new != "attempt":
        return Weakening(path, "changed", f"counts {new}, golden {old}")
    if name == "counts":
        return None
    return Weakening(path, "changed", f"{new!r}, golden {old!r}")


def rule_weakenings(golden: Rule, candidate: Rule, where: str | None = None) -> list[Weakening]:
    """Every field of ``candidate`` that lets more through than the same field of ``golden``.

    Rules are compared field by field when they are of one kind (a preset's rule, which is
    silent before its ``in_force_from`` date, compares with the plain rule of its kind); rules
    of different kinds are one change and nothing else.
    """
    where = where or f"rules[{candidate.id!r}]"
    if golden.kind != candidate.kind or not attrs.has(type(golden)):
        if golden == candidate:
            return []
        return [Weakening(where, "changed", f"a {candidate.kind} rule, golden {golden.kind}")]
    out = []
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(type(golden))  # type: ignore[arg-type]
    for a in fields:
        if a.name == "in_force_from" or not hasattr(candidate, a.name):
            continue  # the date a rule takes effect is compared below, as a time span
        w = _field(where, a.name, getattr(golden, a.name), getattr(candidate, a.name))
        if w is not None:
            out.append(w)
    old_from = getattr(golden, "in_force_from", None)
    new_from = getattr(candidate, "in_force_from", None)
    if new_from is not None and (old_from is None or new_from > old_from):
        out.append(
            Weakening(f"{where}.in_force_from", "shorter", f"silent before {new_from.isoformat()}")
        )
    return out


# -- rules, matched by id ------------------------------------------------------------------------


def _rule_key(rule: Rule) -> tuple[str, str]:
    """What a rule is *about*, to match a renamed rule: its kind and its subject."""
    subject = ""
    for name in ("fact", "authorisation", "milestone", "notice"):
        value = getattr(rule, name, None)
        if isinstance(value, str):
            subject = value
    return rule.kind, subject


def _rules(golden: Policy, candidate: Policy) -> list[Weakening]:
    out: list[Weakening] = []
    by_id = {r.id: r for r in candidate.rules}
    used: set[str] = set()
    for g in golden.rules:
        c = by_id.get(g.id)
        if c is None or c.kind != g.kind:
            # Renamed? The same kind about the same subject, not matched otherwise.
            c = next(
                (
                    r
                    for r in candidate.rules
                    if r.id not in used
                    and r.id not in {x.id for x in golden.rules}
                    and _rule_key(r) == _rule_key(g)
                ),
                None,
            )
        if c is None:
            out.append(
                Weakening(
                    f"rules[{g.id!r}]", "deleted", f"the {g.kind} rule is gone: {g.describe()}"
                )
            )
            continue
        used.add(c.id)
        out.extend(rule_weakenings(g, c, f"rules[{c.id!r}]"))
    return out


# -- stages ----------------------------------------------------------------------------------------


def _steps(where: str, g: Stage, c: Stage) -> list[Weakening]:
    out: list[Weakening] = []
    golden_steps = {s.key: s for s in g.steps}
    for step in c.steps:
        path = f"{where}.steps[{step.key!r}]"
        old = golden_steps.get(step.key)
        told = sorted(set(step.must_state) & DEBT_FACTS)
        if step.party == "third_party" and told:
            out.append(
                Weakening(
                    f"{path}.must_state",
                    "added",
                    f"tells a third party {', '.join(told)} about the debt",
                )
            )
        if old is None:
            out.append(
                Weakening(path, "added", f"a new {step.channel} step {step.template!r} on {c.id}")
            )
            continue
        out.extend(_step_fields(path, old, step))
    return out


def _step_fields(path: str, old: Step, new: Step) -> list[Weakening]:
    out: list[Weakening] = []
    if new.channel != old.channel:
        out.append(Weakening(f"{path}.channel", "changed", f"{new.channel}, golden {old.channel}"))
    if new.fallback is not None and new.fallback != old.fallback:
        out.append(Weakening(f"{path}.fallback", "added", f"falls back to {new.fallback}"))
    if new.party != old.party:
        out.append(Weakening(f"{path}.party", "changed", f"{new.party}, golden {old.party}"))
    if new.max_attempts > old.max_attempts:
        out.append(
            Weakening(
                f"{path}.max_attempts", "higher", f"{new.max_attempts}, golden {old.max_attempts}"
            )
        )
    for name in ("at", "repeat_every"):
        w = _field(path, name, getattr(old, name), getattr(new, name))
        if w is not None and w.what == "shorter":
            out.append(w)
    if new.party == "debtor":
        dropped = sorted(set(old.must_state) - set(new.must_state))
        if dropped:
            out.append(
                Weakening(f"{path}.must_state", "removed", f"no longer states {', '.join(dropped)}")
            )
    return out


def _stages(golden: Policy, candidate: Policy) -> list[Weakening]:
    out: list[Weakening] = []
    cand = {s.id: s for s in candidate.stages}
    for g in golden.stages:
        where = f"stages[{g.id!r}]"
        c = cand.get(g.id)
        if c is None or (g.enabled and not c.enabled):
            if g.enabled:
                out.append(
                    Weakening(
                        where, "deleted" if c is None else "turned_off", f"the rung {g.id} is gone"
                    )
                )
            continue
        if c.enabled and not g.enabled:
            out.append(Weakening(f"{where}.enabled", "turned_on", f"the rung {g.id} is on"))
        if c.skippable and not g.skippable:
            out.append(Weakening(f"{where}.skippable", "wider", f"{g.id} may now be skipped"))
        lost = [a for a in g.requires if a not in c.requires]
        if lost:
            out.append(
                Weakening(f"{where}.requires", "removed", f"no longer requires {', '.join(lost)}")
            )
        for label, floor in (("days overdue", days_floor), ("balance", balance_floor)):
            old, new = floor(g.enters_when), floor(c.enters_when)
            if old is None:
                continue
            if new is None:
                out.append(
                    Weakening(f"{where}.enters_when", "removed", f"no {label} floor, golden {old}")
                )
            elif isinstance(old, Money) and isinstance(new, Money):
                if new.currency != old.currency or new.amount < old.amount:
                    out.append(Weakening(f"{where}.enters_when", "lower", f"{new}, golden {old}"))
            elif isinstance(old, int) and isinstance(new, int) and new < old:
                out.append(
                    Weakening(f"{where}.enters_when", "lower", f"{label} {new}, golden {old}")
                )
        for name in ("deadline", "grace"):
            old_d, new_d = getattr(g, name), getattr(c, name)
            if old_d is not None and new_d is None and name == "grace":
                out.append(Weakening(f"{where}.grace", "removed", f"no grace, golden {old_d}"))
            elif old_d is not None and new_d is not None:
                w = _field(where, name, old_d, new_d)
                if w is not None:
                    out.append(w)
        if c.performed_by != g.performed_by:
            out.append(
                Weakening(
                    f"{where}.performed_by", "changed", f"{c.performed_by}, golden {g.performed_by}"
                )
            )
        lost_obl = sorted({o.code for o in g.obligations} - {o.code for o in c.obligations})
        if lost_obl:
            out.append(Weakening(f"{where}.obligations", "removed", f"drops {', '.join(lost_obl)}"))
        out.extend(_steps(where, g, c))
    for c in candidate.stages:
        if c.id not in {g.id for g in golden.stages} and c.enabled:
            out.append(Weakening(f"stages[{c.id!r}]", "added", f"a new rung {c.id}"))
    out.extend(_order(golden, candidate))
    return out


def _order(golden: Policy, candidate: Policy) -> list[Weakening]:
    g_order = [s.id for s in golden.enabled_stages]
    c_order = [s.id for s in candidate.enabled_stages if s.id in g_order]
    common = [s for s in g_order if s in c_order]
    if common != c_order:
        return [
            Weakening(
                "stages",
                "reordered",
                f"rungs in the order {' -> '.join(c_order)}, golden {' -> '.join(common)}",
            )
        ]
    return []


def _policy(golden: Policy, candidate: Policy) -> list[Weakening]:
    out: list[Weakening] = []
    if candidate.assumed_zone != golden.assumed_zone:
        out.append(
            Weakening(
                "$.assumed_zone",
                "changed",
                f"assumes {candidate.assumed_zone or 'no zone'} for a debtor whose zone is "
                f"unknown, golden {golden.assumed_zone or 'no zone'}",
            )
        )
    lost = [p for p in golden.presets if p not in candidate.presets]
    if lost:
        out.append(Weakening("$.presets", "removed", f"no longer stacks {', '.join(lost)}"))
    if candidate.calendar != golden.calendar:
        out.append(Weakening("$.calendar", "changed", "a different business calendar"))
    return out


def weakenings(golden: Policy, candidate: Policy) -> list[Weakening]:
    """Every way ``candidate`` lets through more than ``golden``; empty when it does not.

    Policy-level settings first, then rules (matched by id, or by kind and subject when
    renamed), then rungs (by id) and their order.  The same pair always gives the same list.
    """
    return list(
        itertools.chain(
            _policy(golden, candidate), _rules(golden, candidate), _stages(golden, candidate)
        )
    )
