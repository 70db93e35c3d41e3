"""Deciding a partitioned Parquet dataset with Dask: each worker reads, decides and writes its own
partitions.

``pip install "overdue-policy[dask]"``.  The driver sends each task a file *name* and the policy,
never accounts: a worker reads its partition with pyarrow, runs
:func:`~overdue.portfolio.kernel.decide_table` (the same kernel as the CLI and Spark) and writes
the decisions next to the other partitions' under the same relative name.  What comes back to
the driver is one small summary per partition (counts and the worker's peak memory).

With ``previous`` (the output directory of the last run) each worker reads the previous
decisions of its own partition (same relative name) and the wake index keeps those of accounts
with nothing new.  Partition the accounts the same way every night (by account id) and this
costs one small read per partition.

Uses ``dask.bag``'s ``map_partitions`` over the file list rather than a Dask DataFrame: the
accounts table nests contact points, invoices and events, which pandas would turn into Python
objects, and the kernel wants the Arrow table as it is on disk.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from overdue._gc import long_lived_set_aside
from overdue._time import require_aware
from overdue.engine.versions import PolicySet
from overdue.policy import Policy
from overdue.portfolio._extras import require

__all__ = ["PartitionReport", "decide_dataset", "partitions"]

PartitionReport = dict[str, Any]
"""What a task returns: ``partition``, ``accounts``, ``decided``, ``carried``, ``failed``,
``settled`` (how many of the decided the pre-pass settled without the engine),
``seconds`` (in the kernel and I/O; ``cpu_seconds`` of them on the CPU), ``peak_rss_mib``
(the worker's peak memory so far) and ``worker`` (its process id)."""


def partitions(path: str | Path) -> list[str]:
    """The Parquet files of a dataset directory (or the one file), relative to it, sorted."""
    root = Path(path)
    if root.is_file():
        return [root.name]
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))


def _decide_partitions(
    names: Sequence[str],
    policy: Policy,
    source: str,
    target: str,
    now: datetime,
    previous: str | None,
    versions: PolicySet | None = None,
) -> list[PartitionReport]:
    import time

    from overdue.portfolio.arrow import read_decisions, write_decisions
    from overdue.portfolio.kernel import decide_table, summary

    pq = require("pyarrow.parquet", "dask")
    out = []
    # A worker holds large state of its own (the scheduler's bookkeeping, its modules): the
    # collector leaves it alone while the partitions are decided (overdue.portfolio._gc).
    with long_lived_set_aside():
        for name in names:
            start, cpu = time.perf_counter(), time.process_time()
            src = Path(source)
            table = pq.read_table(str(src if src.is_file() else src / name))
            prev = None
            if previous is not None and (Path(previous) / name).exists():
                prev = read_decisions(Path(previous) / name)
            decisions = decide_table(policy, table, now, previous=prev, versions=versions)
            dest = Path(target) / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            write_decisions(dest, decisions)
            report: PartitionReport = {"partition": name, **summary(decisions)}
            report["seconds"] = time.perf_counter() - start
            report["cpu_seconds"] = time.process_time() - cpu
            report["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            report["worker"] = os.getpid()
            out.append(report)
    return out


def decide_dataset(
    policy: Policy,
    source: str | Path,
    target: str | Path,
    now: datetime,
    *,
    previous: str | Path | None = None,
    client: Any = None,
    versions: PolicySet | None = None,
) -> list[PartitionReport]:
    """Decide every account of the Parquet dataset ``source`` into the dataset ``target``.

    Args:
        policy: the ladder and rules (pickled once per task; it is a small frozen value).
        source: a directory of Parquet files in ``ACCOUNTS_SCHEMA`` (or one file).
        target: the directory to write decisions to, one file per source file, same names.
        now: the moment of the run, the same for every partition.
        previous: the ``target`` of an earlier run, for the wake index.
        client: a ``dask.distributed.Client``; ``None`` uses Dask's current scheduler.
        versions: the older policy versions pinned accounts need (as for ``decide_table``).

    Returns:
        One report per partition, in partition order; ``sum(r['accounts'])`` is the number of
        input rows and equals ``decided + carried + failed`` summed.
    """
    require_aware(now, "now")
    db = require("dask.bag", "dask")
    names = partitions(source)
    Path(target).mkdir(parents=True, exist_ok=True)
    if not names:
        return []
    bag = db.from_sequence(names, npartitions=len(names))
    reports = bag.map_partitions(
        _decide_partitions,
        policy,
        str(source),
        str(target),
        now,
        None if previous is None else str(previous),
        versions,
    )
    result = client.compute(reports).result() if client is not None else reports.compute()
    return list(result)
