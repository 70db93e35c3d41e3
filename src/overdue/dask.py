"""``overdue.dask``: decide a partitioned Parquet dataset on a Dask cluster.

A short public name for :mod:`overdue.portfolio.dask` (``pip install "overdue-policy[dask]"``);
see ``docs/scale.md``.
"""

from __future__ import annotations

from overdue.portfolio.dask import PartitionReport, decide_dataset, partitions

__all__ = ["PartitionReport", "decide_dataset", "partitions"]
