"""Importers from other dunning systems: their configuration in, an `overdue` policy out.

Each importer returns an :class:`ImportResult`: the policy (loadable, dumpable as TOML) and a
list of :class:`Approximation` values naming every construct it could not carry over exactly.
This is an edge package: nothing in the library's inner rings imports it.
"""

from overdue.importers.followup import import_odoo_followup
from overdue.importers.killbill import import_killbill
from overdue.importers.oca import import_oca
from overdue.importers.report import Approximation, ImportResult

__all__ = [
    "Approximation",
    "ImportResult",
    "import_killbill",
    "import_oca",
    "import_odoo_followup",
]
