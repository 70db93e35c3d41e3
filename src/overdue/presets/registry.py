"""The presets the library ships, by name.

``PRESETS`` is read-only by convention, like ``BUILTIN_RULES``: a host with its own preset
passes the :class:`Preset` value to :func:`overdue.presets.with_presets` instead of
registering it globally.  (A policy file can name only the presets shipped here.)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from overdue.errors import suggest
from overdue.presets.au import AU_ACCC_ASIC_2021
from overdue.presets.ca import CA_ON_CDSSA
from overdue.presets.cn import CN_CBA_2026, CN_GBT_2025, CN_NIFA_2018
from overdue.presets.eu import EU_CCD2_ART35
from overdue.presets.india import IN_RBI_RECOVERY_2022
from overdue.presets.preset import Preset, PresetError
from overdue.presets.uk import UK_CONC7
from overdue.presets.us import US_REG_F, US_STATE_MA

__all__ = ["PRESETS", "preset"]

PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        p.name: p
        for p in (
            US_REG_F,
            US_STATE_MA,
            CN_NIFA_2018,
            CN_GBT_2025,
            CN_CBA_2026,
            UK_CONC7,
            EU_CCD2_ART35,
            AU_ACCC_ASIC_2021,
            IN_RBI_RECOVERY_2022,
            CA_ON_CDSSA,
        )
    }
)
"""Every shipped preset by name."""


def preset(name: str) -> Preset:
    """The shipped preset called ``name``; a :class:`PresetError` with a suggestion if none."""
    found = PRESETS.get(name) if isinstance(name, str) else None
    if found is None:
        raise PresetError(
            f"no preset called {name!r}",
            expected=" | ".join(PRESETS),
            got=name,
            suggestion=suggest(name, PRESETS) if isinstance(name, str) else None,
        )
    return found
