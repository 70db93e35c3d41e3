"""Deciding a Spark DataFrame of accounts with ``mapInArrow``.

``pip install "overdue-policy[spark]"`` (pyspark and pyarrow; Spark needs Java 17).  Each
executor receives Arrow record batches of the accounts DataFrame, runs
:func:`~overdue.portfolio.kernel.decide_table` on them (the same kernel as the CLI and Dask) and
hands back Arrow batches of decisions, so no account is ever converted to a Spark ``Row`` or a
pandas frame.  The result is a DataFrame in ``DECISIONS_SCHEMA``; write it where the nightly job
writes (``.write.parquet(...)``, a table).

With ``previous`` (the decisions DataFrame of the last run) the previous row of each account is
joined onto it first, so every batch carries what the wake index needs.

Spark's session time zone does not matter: the kernel reads every timestamp as an instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from overdue._gc import long_lived_set_aside
from overdue._time import require_aware
from overdue.engine.versions import PolicySet
from overdue.policy import Policy
from overdue.portfolio._extras import require

__all__ = ["decide_dataframe", "decisions_spark_schema"]

_PREV = "__previous__"


def decisions_spark_schema() -> Any:
    """``DECISIONS_SCHEMA`` as a Spark ``StructType`` (for ``mapInArrow`` and readers)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    from overdue.portfolio.arrow import DECISIONS_SCHEMA

    return from_arrow_schema(DECISIONS_SCHEMA)


def _decider(
    policy: Policy, now: datetime, with_previous: bool, versions: PolicySet | None = None
) -> Any:
    def decide_batches(batches: Iterator[Any]) -> Iterator[Any]:
        pa = require("pyarrow", "spark")
        from overdue.portfolio.arrow import DECISIONS_SCHEMA
        from overdue.portfolio.kernel import decide_table

        # An executor's Python worker is reused across tasks: the collector leaves what it
        # holds alone while the batches are decided (overdue.portfolio._gc).
        with long_lived_set_aside():
            for batch in batches:
                table = pa.Table.from_batches([batch])
                previous = None
                if with_previous:
                    prev = table[_PREV].combine_chunks()
                    table = table.drop_columns([_PREV])
                    found = prev.is_valid()
                    previous = pa.Table.from_struct_array(prev.filter(found))
                    previous = None if previous.num_rows == 0 else previous.cast(DECISIONS_SCHEMA)
                yield from decide_table(
                    policy, table, now, previous=previous, versions=versions
                ).to_batches()

    return decide_batches


def decide_dataframe(
    policy: Policy,
    accounts: Any,
    now: datetime,
    *,
    previous: Any = None,
    versions: PolicySet | None = None,
) -> Any:
    """The decisions of a Spark DataFrame of accounts (``ACCOUNTS_SCHEMA`` columns).

    Args:
        policy: the ladder and rules (shipped to the executors inside the function).
        accounts: a ``pyspark.sql.DataFrame`` with the accounts columns, e.g.
            ``spark.read.parquet(path)`` of files written by ``write_accounts``.
        now: the moment of the run.
        previous: the decisions DataFrame of an earlier run, for the wake index.
        versions: the older policy versions pinned accounts need (as for ``decide_table``).

    Returns:
        A lazy DataFrame of decisions, one row per account (error rows included).
    """
    require_aware(now, "now")
    functions = require("pyspark.sql.functions", "spark")
    df = accounts
    if previous is not None:
        prev = previous.select(
            previous["account_id"].alias("__previous_id__"),
            functions.struct(*[previous[c] for c in previous.columns]).alias(_PREV),
        )
        df = df.join(prev, df["id"] == prev["__previous_id__"], "left").drop("__previous_id__")
    decider = _decider(policy, now, previous is not None, versions)
    return df.mapInArrow(decider, decisions_spark_schema())
