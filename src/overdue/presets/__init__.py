"""Jurisdiction presets: named, versioned, cited bundles of compliance rules.

>>> from overdue.reference import reference_policy
>>> from overdue.presets import with_presets
>>> policy = with_presets(reference_policy(), "cn_gbt_2025", "cn_cba_2026")

Presets stack by appending rules, so the most restrictive answer wins (any block wins, else
the latest deferral).  Every rule carries its citation and verification mark, which decisions
show in ``explain()``.  Presets are a tool, not legal advice: see ``docs/presets/index.md``.
"""

from overdue.presets.preset import (
    AppliesTo,
    Preset,
    PresetError,
    PresetWarning,
    Slot,
    in_force_from,
)
from overdue.presets.public_holidays import PublicHolidays
from overdue.presets.registry import PRESETS, preset
from overdue.presets.stacking import (
    base_policy,
    preset_rules,
    render_rule_table,
    rule_table,
    slot_warnings,
    with_presets,
)
from overdue.presets.us import reg_f

__all__ = [
    "PRESETS",
    "AppliesTo",
    "Preset",
    "PresetError",
    "PresetWarning",
    "PublicHolidays",
    "Slot",
    "base_policy",
    "in_force_from",
    "preset",
    "preset_rules",
    "reg_f",
    "render_rule_table",
    "rule_table",
    "slot_warnings",
    "with_presets",
]
