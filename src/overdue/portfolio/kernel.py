"""The portfolio kernel: a table of accounts in, a table of decisions out.

:func:`decide_table` is the one function every portfolio path calls: ``overdue next`` on
Parquet, each Dask partition, each Spark Arrow batch.  So the paths cannot drift apart: the same
rows in give the same rows out, wherever they run.

It is :func:`overdue.decide` per account (honouring the policy's ``on_new_version`` for
accounts in flight under another version: ``versions=``, docs/versions.md) with three things
a batch needs around it:

* **nothing is lost**: an account that cannot be read (a bad value in the table) or decided (a
  contradictory history, a defect) becomes an error row in its place, with the error's type,
  message, key path and event index; the output has exactly one row per input row, in input
  order, so in = decided + failed;
* **no needless work**: with ``previous`` (the decisions table of an earlier run), accounts the
  wake index (:mod:`overdue.portfolio.wake`) proves unchanged keep their previous row
  (``source = 'carried'``) without being built or decided; and of the others, those that owe
  nothing or are not due yet are settled from their columns by the pre-pass
  (:mod:`overdue.portfolio.prepass`, ``source = 'prepass'``), the engine's answer without the
  engine;
* **no hidden clock**: ``now`` is an argument, as everywhere in the library.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from overdue._time import require_aware
from overdue.account import Account
from overdue.engine.versions import PolicySet, decide_honouring_versions
from overdue.policy import Policy
from overdue.portfolio._extras import require
from overdue.portfolio.arrow import (
    DecisionRows,
    accounts_from_table,
    conform,
)
from overdue.portfolio.prepass import settle
from overdue.portfolio.wake import Previous, carry_over

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:
    pa = require("pyarrow", "arrow")
    pc = require("pyarrow.compute", "arrow")

__all__ = ["decide_accounts", "decide_table", "summary"]


def decide_table(
    policy: Policy,
    accounts: pa.Table | pa.RecordBatch,
    now: datetime,
    *,
    previous: pa.Table | Previous | None = None,
    prepass: bool = True,
    versions: PolicySet | None = None,
) -> pa.Table:
    """Decide every account of an accounts table at ``now``; one decisions row per account.

    Args:
        policy: the ladder and rules.
        accounts: an ``ACCOUNTS_SCHEMA`` table or record batch (older files with fewer columns
            are accepted; see :func:`overdue.portfolio.arrow.conform`).
        now: an aware datetime, the same for every account.
        previous: the decisions of an earlier run; accounts the wake index proves unchanged keep
            their row from it instead of being decided again (identical rows but for ``at``,
            ``days_overdue`` and ``source``, which say when that decision was made).  Deciding
            many batches against one previous table, pass it made ready once
            (:class:`~overdue.portfolio.wake.Previous`).
        prepass: settle the accounts that owe nothing or are not due yet from their columns,
            without building them or calling the engine (:mod:`overdue.portfolio.prepass`;
            the same rows, with ``source = 'prepass'``).  ``False`` sends every account that
            is not kept to the engine.
        versions: the older policy versions accounts pinned to them need.  Accounts in
            flight under another version are decided as the policy's ``on_new_version`` says
            (:func:`~overdue.engine.versions.decide_honouring_versions`); a ``pin`` account
            whose version is missing is an error row (``PolicyVersionMissingError``).  The
            pre-pass and the wake index stay sound: the pre-pass settles only histories without
            a rung entered, and a pinned decision states the old version, which the wake index
            never carries for the current one.

    Returns:
        A ``DECISIONS_SCHEMA`` table, in input order, with ``status = 'error'`` rows for the
        accounts that failed.  Under a per-invoice policy (``ladder_per = "invoice"``) every
        account is such a row (a ``PolicyError``): decide those accounts with
        :func:`~overdue.engine.invoices.decide_invoices` or ``overdue next`` with JSONL output.

    Raises:
        NaiveDatetimeError: ``now`` has no zone (this concerns every account).
        ConfigError: the table is not an accounts table (no ``id`` column, a wrong type).
    """
    require_aware(now, "now")
    table = pa.Table.from_batches([accounts]) if isinstance(accounts, pa.RecordBatch) else accounts
    # Event text fields read dictionary-encoded stay so until the wake index has split the
    # table: only the rows that are not kept are decoded (``conform`` below).
    table = conform(table, encoded=True)
    n = table.num_rows
    if policy.ladder_per == "invoice":
        # One row per account cannot hold one decision per invoice: every account goes to the
        # engine, which refuses it (a PolicyError row naming decide_invoices), rather than a
        # kept or pre-passed row that would decide it as a whole.
        previous, prepass = None, False
    ready: Previous | None = None
    if previous is not None and n:
        ready = previous if isinstance(previous, Previous) else Previous(previous)
        keep, where = carry_over(policy, table, ready, now)
    else:
        keep, where = pa.array([False] * n, pa.bool_()), pa.nulls(n, pa.int32())
    todo = pc.indices_nonzero(pc.invert(keep))
    parts: list[pa.Table] = []
    positions: list[pa.Array] = []
    work = conform(table if len(todo) == n else table.take(todo))
    if prepass and len(todo):
        settled, settled_rows = settle(policy, work, now, versions)
        if settled_rows.num_rows:
            parts.append(settled_rows)
            positions.append(todo.filter(settled))
            rest = pc.invert(settled)
            todo, work = todo.filter(rest), work.filter(rest)
    rows = DecisionRows()
    _decide_rows(policy, work, now, rows, versions)
    parts.append(rows.table())
    positions.append(todo)
    kept = pc.indices_nonzero(keep)
    if len(kept):
        assert ready is not None
        carried = ready.table.take(where.take(kept))
        carried = carried.set_column(
            carried.schema.get_field_index("source"),
            "source",
            pa.array(["carried"] * len(kept), pa.string()),
        )
        parts.append(carried)
        positions.append(kept)
    if len(parts) == 1:
        return parts[0]
    order = pc.sort_indices(pa.concat_arrays([p.cast(pa.uint64()) for p in positions]))
    return pa.concat_tables(parts).take(order)


def _decide_rows(
    policy: Policy,
    table: pa.Table,
    now: datetime,
    rows: DecisionRows,
    versions: PolicySet | None,
) -> None:
    # A slice at a time: the accounts of one slice are built, decided and dropped before the
    # next is built, so the objects alive at once (which the garbage collector walks again
    # and again while a batch is built) stay few however large the batch.
    for start in range(0, table.num_rows, SLICE_ROWS):
        part = table.slice(start, SLICE_ROWS)
        ids = part["id"].to_pylist()
        built = accounts_from_table(part)
        _decide_items(policy, zip(ids, built, strict=True), now, rows, versions)


SLICE_ROWS = 1_000
"""Accounts built at once by :func:`decide_table` (bounds the live objects, not the answer)."""


def decide_accounts(
    policy: Policy,
    items: Iterable[tuple[str | None, Account | BaseException]],
    now: datetime,
    *,
    versions: PolicySet | None = None,
) -> pa.Table:
    """The kernel for accounts already read (from JSONL): ``(account id, account or the error
    that stopped reading it)`` pairs in, a ``DECISIONS_SCHEMA`` table out, one row per pair;
    ``versions`` as for :func:`decide_table`."""
    require_aware(now, "now")
    rows = DecisionRows()
    _decide_items(policy, items, now, rows, versions)
    return rows.table()


def _decide_items(
    policy: Policy,
    items: Iterable[tuple[str | None, Account | BaseException]],
    now: datetime,
    rows: DecisionRows,
    versions: PolicySet | None = None,
) -> None:
    for aid, item in items:
        if not isinstance(item, Account):
            rows.add_error(aid, item, now)
            continue
        try:
            decision = decide_honouring_versions(policy, item, now, versions=versions)
        except Exception as exc:  # one account never stops the others; the row says why
            located = exc.located(account_id=item.id) if hasattr(exc, "located") else exc
            rows.add_error(item.id, located, now)
            continue
        rows.add(decision, events=len(item.events), invoices=len(item.invoices))


def summary(decisions: pa.Table) -> dict[str, int]:
    """Counts for a log line: ``accounts``, ``decided``, ``carried``, ``failed``
    (``accounts == decided + carried + failed``), and ``settled``: how many of the decided
    the pre-pass settled without the engine."""
    failed = pc.sum(pc.equal(decisions["status"], "error")).as_py() or 0
    carried = pc.sum(pc.equal(decisions["source"], "carried")).as_py() or 0
    settled = pc.sum(pc.equal(decisions["source"], "prepass")).as_py() or 0
    total = decisions.num_rows
    return {
        "accounts": total,
        "decided": total - failed - carried,
        "carried": carried,
        "failed": failed,
        "settled": settled,
    }
