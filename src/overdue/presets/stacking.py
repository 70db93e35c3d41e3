"""Stacking presets on a policy, and taking them off again for a policy file.

Stacking only appends rules: the engine already makes the most restrictive answer win (any
block wins, otherwise the latest deferral), so a state overlay on a federal rule, or a banking
guideline on a national standard, needs no merging logic, only more rules.  What stacking
does check is what appending cannot: the same preset twice, two rules with one id, two presets
that assume different time zones or calendars, and slots a preset needs filled.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from overdue.policy import Policy, check_stacked
from overdue.presets.preset import Preset, PresetError, Slot
from overdue.presets.registry import preset as lookup
from overdue.rules.base import Rule, described

__all__ = [
    "base_policy",
    "preset_rules",
    "render_rule_table",
    "rule_table",
    "slot_warnings",
    "with_presets",
]

_UNSET: Any = object()


def _resolve(item: str | Preset, index: int) -> Preset:
    if isinstance(item, Preset):
        return item
    if isinstance(item, str):
        return lookup(item)
    raise PresetError(
        "presets are named by their registry name or given as Preset values",
        key_path=f"presets[{index}]",
        got=item,
    )


def _known(name: str) -> Preset | None:
    try:
        return lookup(name)
    except PresetError:
        return None


def with_presets(policy: Policy, *presets: str | Preset) -> Policy:
    """``policy`` with the presets' rules appended, in the order given.

    Each preset's rules keep its citations and are silent before its ``effective_from``.  A
    preset that states a zone assumption (``cn_*``: Asia/Shanghai; ``us_*``: none, so contact
    hours block until the account says) replaces the policy's ``assumed_zone``; one that needs
    a calendar replaces the policy's calendar.

    Raises:
        PresetError: an unknown name (with a suggestion); a preset stacked twice; a rule id
            that is already in the policy (naming both owners); two presets that assume
            different zones or calendars; a required slot nobody fills.
        PolicyError: a step contacts third parties and, with the presets stacked, still no
            ``third_party_contact`` rule governs them (checked after stacking, so a policy
            may rely on a preset's rule).

    Warns:
        PresetWarning: a recommended slot nobody fills (a frequency cap CONC 7 leaves to the
            firm).
    """
    new = [_resolve(p, i) for i, p in enumerate(presets)]
    owners: dict[str, str] = {r.id: "the policy's own rules" for r in policy.rules}
    stacked_names = list(policy.presets)
    for name in policy.presets:
        known = _known(name)
        if known is not None:
            for r in known.rules:
                owners[r.id] = f"preset {name!r}"
    for p in new:
        if p.name in stacked_names:
            raise PresetError(
                f"preset {p.name!r} is stacked twice on policy {policy.id!r}",
                got=", ".join([*stacked_names, p.name]),
                expected="each preset once",
            )
        for r in p.rules:
            if r.id in owners:
                raise PresetError(
                    f"rule id {r.id!r} of preset {p.name!r} clashes with {owners[r.id]}",
                    expected="unique rule ids; rename the policy's rule",
                    got=r.id,
                )
            owners[r.id] = f"preset {p.name!r}"
        stacked_names.append(p.name)
    everyone = [q for q in (_known(n) for n in policy.presets) if q is not None] + new
    zone = _agree(everyone, "zone_assumption", "assumed_zone", policy.assumed_zone)
    calendar = _agree(everyone, "calendar", "calendar", policy.calendar)
    rules: list[Rule] = list(policy.rules)
    for p in new:
        rules.extend(p.guarded_rules())
    _check_slots(everyone, rules, policy.id)
    stacked = attrs.evolve(
        policy,
        rules=tuple(rules),
        presets=tuple(stacked_names),
        assumed_zone=zone,
        calendar=calendar,
    )
    check_stacked(stacked)  # after stacking: the policy may rely on a preset's rule
    return stacked


def _agree(presets: Iterable[Preset], flag: str, attr: str, current: Any) -> Any:
    """The value the presets set for ``attr`` (they must agree), else ``current``."""
    chosen: Any = _UNSET
    owner = ""
    for p in presets:
        if flag == "zone_assumption" and p.zone_assumption != "set":
            continue
        value = getattr(p, attr)
        if flag == "calendar" and value is None:
            continue
        if chosen is not _UNSET and value != chosen:
            raise PresetError(
                f"presets {owner!r} and {p.name!r} assume different {attr.replace('_', ' ')}s",
                expected=f"presets that agree on the {attr}",
                got=f"{chosen!r} and {value!r}",
            )
        chosen, owner = value, p.name
    return current if chosen is _UNSET else chosen


def _open_slots(presets: list[Preset], rules: list[Rule]) -> list[tuple[Preset, Slot, str]]:
    """The slots nobody fills, each with what would fill it."""
    provided = {name for p in presets for name in p.provides}
    out: list[tuple[Preset, Slot, str]] = []
    for p in presets:
        for slot in p.requires:
            if slot.name in provided or any(slot.filled_by(r) for r in rules):
                continue
            fillers = sorted(q.name for q in _all_presets() if slot.name in q.provides)
            hint = f"stack {' or '.join(fillers)}, or " if fillers else ""
            what = (
                f"{slot.why}; {hint}add a {' | '.join(slot.kinds)} rule with id {slot.name!r} "
                "stating your own value"
            )
            out.append((p, slot, what))
    return out


def _check_slots(presets: list[Preset], rules: list[Rule], policy_id: str) -> None:
    for p, slot, what in _open_slots(presets, rules):
        if slot.severity == "error":
            raise PresetError(
                f"preset {p.name!r} cannot build on policy {policy_id!r}: {what}",
                expected=f"a {slot.kinds[0]} rule with id {slot.name!r}",
            )
        p.warn(what)


def slot_warnings(policy: Policy) -> list[str]:
    """What the policy's presets recommend and nobody states, one line each (for checks)."""
    presets = [q for q in (_known(n) for n in policy.presets) if q is not None]
    return [
        f"preset {p.name!r}: {what}" for p, _slot, what in _open_slots(presets, list(policy.rules))
    ]


def _all_presets() -> list[Preset]:
    from overdue.presets.registry import PRESETS

    return list(PRESETS.values())


def preset_rules(policy: Policy) -> tuple[Rule, ...]:
    """The rules the policy's named presets contributed, as the policy holds them."""
    out: list[Rule] = []
    for name in policy.presets:
        out.extend(lookup(name).guarded_rules())
    return tuple(out)


def base_policy(policy: Policy) -> Policy:
    """The policy without its presets' rules and names: what a policy file writes.

    Raises:
        PresetError: a preset's rule is missing or was changed, so naming the preset would not
            give this policy back.
    """
    if not policy.presets:
        return policy
    own = list(policy.rules)
    for name in policy.presets:
        for rule in lookup(name).guarded_rules():
            if rule not in own:
                raise PresetError(
                    f"rule {rule.id!r} of preset {name!r} was changed or removed in policy "
                    f"{policy.id!r}, so the preset's name alone would not restore it",
                    expected="the preset's rules unchanged; give a changed rule a new id",
                    got=rule.id,
                )
            own.remove(rule)
    return attrs.evolve(policy, rules=tuple(own), presets=())


def rule_table(policy: Policy) -> list[tuple[str, str, str, str]]:
    """What actually applies: every rule of the policy as ``(rule, limit, source, mark)``.

    The policy's own rules first, then each stacked preset's, in the order they are held, so
    a reviewer signs off the stacked whole (``overdue check`` prints it for a policy with
    presets).  ``source`` is the citation's instrument and section (``-`` when the rule has
    none); ``mark`` is ``V``, ``S``, ``U``, ``house`` or ``-``.
    """
    rows: list[tuple[str, str, str, str]] = []
    for rule in policy.rules:
        citation = getattr(rule, "citation", None)
        if citation is None:
            source, mark = "-", "-"
        else:
            source = citation.instrument + (f" {citation.section}" if citation.section else "")
            mark = citation.mark
        rows.append((rule.id, described(rule), source, mark))
    return rows


def render_rule_table(policy: Policy, *, width: int = 60) -> str:
    """:func:`rule_table` as plain text, one rule per line, long sources cut at ``width``."""
    rows = rule_table(policy)
    lines = [f"rules of {policy.id} with presets {', '.join(policy.presets)}:"]
    lines.append("  rule | limit | source | mark")
    for rule_id, limit, source, mark in rows:
        short = source if len(source) <= width else source[: width - 3] + "..."
        lines.append(f"  {rule_id} | {limit} | {short} | {mark}")
    return "\n".join(lines)
