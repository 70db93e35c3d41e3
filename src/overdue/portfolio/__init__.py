"""Portfolio runs at scale: Arrow and Parquet in and out, one kernel, a wake index, Dask, Spark.

A nightly run decides millions of accounts; most of them need nothing that night.  This package
holds the columnar side of `overdue`:

* :mod:`overdue.portfolio.records` -- the event field table and a fast builder of accounts from
  JSON objects (core dependencies only);
* :mod:`overdue.portfolio.arrow` -- the Arrow schemas of accounts and decisions, conversion, and
  Parquet reading and writing (``pip install "overdue-policy[arrow]"``);
* :mod:`overdue.portfolio.kernel` -- :func:`decide_table`, the one function every portfolio path
  calls (the CLI, Dask, Spark), with per-account error rows;
* :mod:`overdue.portfolio.wake` -- the wake index: which accounts can keep their previous
  decision, worked out over columns;
* :mod:`overdue.portfolio.prepass` -- the pre-pass: the accounts that owe nothing or are not
  due yet, settled from their columns without the engine (a first night too);
* :mod:`overdue.portfolio.dask` and :mod:`overdue.portfolio.spark` -- the two cluster paths
  (``overdue-policy[dask]``, ``overdue-policy[spark]``).

``import overdue`` imports none of this, and this package imports pyarrow only when a name that
needs it is used (``from overdue.portfolio import decide_table``).  See ``docs/scale.md``.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ACCOUNTS_SCHEMA",
    "DECISIONS_SCHEMA",
    "accounts_from_table",
    "accounts_to_table",
    "decide_table",
    "decision_rows",
    "read_accounts",
    "read_decisions",
    "write_accounts",
    "write_decisions",
]

_WHERE = {
    "ACCOUNTS_SCHEMA": "arrow",
    "DECISIONS_SCHEMA": "arrow",
    "accounts_from_table": "arrow",
    "accounts_to_table": "arrow",
    "decision_rows": "arrow",
    "read_accounts": "arrow",
    "read_decisions": "arrow",
    "write_accounts": "arrow",
    "write_decisions": "arrow",
    "decide_table": "kernel",
}


def __getattr__(name: str) -> Any:
    """Import the module holding ``name`` on first use, so pyarrow loads only when needed."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'overdue.portfolio' has no attribute {name!r}")
    return getattr(importlib.import_module(f"overdue.portfolio.{where}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
