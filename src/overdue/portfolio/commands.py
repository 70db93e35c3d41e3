"""``overdue next`` on Parquet: what the command line runs when a side of it is columnar.

``overdue next POLICY accounts.parquet --at T -o decisions.parquet`` reads the accounts in
batches, decides each batch with :func:`~overdue.portfolio.kernel.decide_table` and appends the
decisions to one Parquet file, so memory stays bounded however large the portfolio.  JSONL in
and Parquet out, or Parquet in and JSONL out, are supported too: the JSONL side is the
``overdue.decision/1`` record of ``docs/formats.md``, the Parquet side the decisions table of
``docs/scale.md``.  ``--previous`` names the decisions of the last run: the wake index keeps the
rows of accounts with nothing due and nothing new (``docs/scale.md#the-wake-index``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from overdue.account import Account
from overdue.batch import _map_chunks
from overdue.config import decision_to_dict, load_accounts
from overdue.config.accounts import AccountResult
from overdue.config.decisions import error_to_dict, jsonl_line
from overdue.engine.invoices import decide_invoices
from overdue.engine.versions import PolicySet, decide_honouring_versions
from overdue.errors import OverdueError
from overdue.policy import Policy
from overdue.portfolio._extras import require
from overdue.portfolio.arrow import (
    ACCOUNTS_SCHEMA,
    accounts_from_table,
    accounts_to_table,
    conform,
    read_decisions,
)
from overdue.portfolio.jsonl import jsonl_records, read_line
from overdue.portfolio.kernel import decide_accounts, decide_table, summary
from overdue.portfolio.wake import Previous

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
else:
    pa = require("pyarrow", "arrow")
    pc = require("pyarrow.compute", "arrow")
    pq = require("pyarrow.parquet", "arrow")

__all__ = ["BATCH_ROWS", "is_parquet", "run_next"]

BATCH_ROWS = 20_000
"""Accounts decided per batch when reading Parquet (bounds memory on large files)."""


def is_parquet(path: str) -> bool:
    """A ``.parquet``/``.pq`` file, or a directory (a partitioned dataset)."""
    p = Path(path)
    return p.suffix.lower() in (".parquet", ".pq") or (path != "-" and p.is_dir())


class _Plan:
    """How to read one Parquet file of accounts: the leaf columns worth decoding, and the event
    text fields to leave dictionary-encoded."""

    __slots__ = ("columns", "dictionary")

    def __init__(self, columns: list[str] | None, dictionary: list[str]) -> None:
        self.columns = columns
        self.dictionary = dictionary


def _plan(path: str, *, encoded: bool) -> _Plan:
    """What to decode of the accounts file at ``path``.

    * **An event field that holds no value** in the whole file (its statistics count as many
      nulls as values, and no minimum or maximum: the columns of the kinds the portfolio does
      not use, often half of them) is not read: Parquet decodes the levels of every row of a
      column chunk even when all are null, and :func:`~overdue.portfolio.arrow.conform` puts
      the same nulls in its place.  Only fields directly in the event (``events.list.element.
      <field>``) qualify, not lists inside it (an empty list is not null), and ``kind`` is
      always read, so the events keep their lists.
    * With ``encoded``, the text fields of the events that the file stores with a dictionary
      (pyarrow's default) are read as such: they cost a third of plain text to read, and
      :func:`~overdue.portfolio.kernel.decide_table` decodes them only for the accounts the
      wake index does not keep (most of them, on a second night).  A column without a
      dictionary page is read plainly (encoding it on reading would cost more than it saves).
    """
    meta = pq.ParquetFile(path).metadata
    schema = meta.schema
    groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
    skipped: list[str] = []
    read: list[str] = []
    dictionary: list[str] = []
    for i in range(meta.num_columns):
        column = schema.column(i)
        parts = column.path.split(".")
        # events.list.element.<field>: a field of the event itself, no deeper list
        field = len(parts) == 4 and parts[0] == "events" and parts[1:3] == ["list", "element"]
        chunks = [g.column(i) for g in groups]
        if field and parts[3] != "kind" and groups and all(map(_no_value, chunks)):
            skipped.append(column.path)
            continue
        read.append(column.path)
        if (
            encoded
            and field
            and column.logical_type.type == "STRING"
            and all(c.has_dictionary_page for c in chunks)
        ):
            dictionary.append(column.path)
    return _Plan(read if skipped else None, dictionary)


def _no_value(chunk: pq.ColumnChunkMetaData) -> bool:
    """Whether the statistics of a column chunk prove it holds nulls only."""
    stats = chunk.statistics
    return (
        stats is not None
        and stats.has_null_count
        and stats.null_count == chunk.num_values
        and not stats.has_min_max
    )


def _batches(path: str, *, encoded: bool = False) -> Iterator[pa.Table]:
    """The accounts of a Parquet file or dataset in batches; ``encoded``: the event text fields
    stored with a dictionary stay dictionary-encoded (``conform(encoded=True)``)."""
    p = Path(path)
    files = sorted(p.rglob("*.parquet")) if p.is_dir() else [p]
    for f in files:
        plan = _plan(str(f), encoded=encoded)
        reader = pq.ParquetFile(str(f), read_dictionary=plan.dictionary or None)
        for g in range(reader.num_row_groups):
            for batch in _group(reader, g, plan, str(f)):
                yield conform(pa.Table.from_batches([batch]), encoded=encoded)


def _group(reader: pq.ParquetFile, g: int, plan: _Plan, path: str) -> Iterator[pa.RecordBatch]:
    """The batches of row group ``g``, one row group at a time: each row group has its own
    dictionaries, and a batch spanning two would need a text field of the events in two
    dictionaries, which pyarrow cannot build (``Nested data conversions not implemented for
    chunked array outputs``).  A column chunk whose dictionary fills up mid-way (the writer
    then goes on in plain text) fails the same way: that row group is read again without
    ``read_dictionary``, from the first row not yet given."""
    done = 0
    try:
        for batch in reader.iter_batches(
            batch_size=BATCH_ROWS, row_groups=[g], columns=plan.columns
        ):
            done += batch.num_rows
            yield batch
    except pa.ArrowNotImplementedError:
        if not plan.dictionary:
            raise
    else:
        return
    plain = pq.ParquetFile(path)
    seen = 0
    for batch in plain.iter_batches(batch_size=BATCH_ROWS, row_groups=[g], columns=plan.columns):
        seen += batch.num_rows
        if seen > done:
            yield batch.slice(max(0, done - (seen - batch.num_rows)))


def _jsonl_items(path: str) -> Iterator[tuple[str | None, Account | BaseException]]:
    records = jsonl_records(path)
    if records is None:  # a JSON document, read whole
        return map(_item, load_accounts(path))
    return (_item(read_line(n, raw)) for n, raw in records)


def _item(r: AccountResult) -> tuple[str | None, Account | BaseException]:
    """A line read, as the kernel takes it: the account, or the error that stopped reading it."""
    if r.account is not None:
        return r.account.id, r.account
    assert r.error is not None
    return r.account_id, r.error


def run_next(
    policy: Policy,
    at: datetime,
    accounts: str,
    *,
    input_format: str,
    output: str | None,
    output_format: str,
    previous: str | None,
    out: IO[str],
    err: IO[str],
    versions: PolicySet | None = None,
    workers: int = 1,
) -> int:
    """Decide the accounts of ``accounts`` at ``at``; returns the exit code (1: some failed).

    ``input_format`` is ``parquet`` or ``jsonl``; ``output_format`` ``parquet`` (to ``output``)
    or ``jsonl`` (to ``output`` or ``out``); ``versions``: the older policy versions pinned
    accounts need (docs/versions.md); ``workers``: processes, this one included, that read and
    decide (:func:`overdue.batch._map_chunks`: JSONL lines, or Parquet batches, sent to them),
    the output the same, in input order.
    """
    # Made ready once for every batch (its casts, ids and repeated ids: wake.Previous).
    prev = Previous(read_decisions(previous)) if previous is not None else None
    totals = {"accounts": 0, "decided": 0, "carried": 0, "failed": 0, "settled": 0}
    run = _Run(policy, at, prev, versions)
    if output_format == "parquet":
        assert output is not None
        _write_parquet(run, run.tables(accounts, input_format, workers), output, totals, err)
    else:
        # A lone surrogate (in an error about an id) is escaped, as on standard output.
        sink = (
            open(output, "w", encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
            if output
            else out
        )
        try:
            for failed, said, text in run.told(accounts, input_format, workers):
                totals["accounts"] += 1
                totals["failed" if failed else "decided"] += 1
                err.write(said)
                sink.write(text)
        finally:
            if output:
                sink.close()
    err.write(
        f"{totals['accounts']} account(s): {totals['decided']} decided, "
        f"{totals['carried']} kept from --previous, {totals['failed']} failed"
        + (f" ({totals['settled']} of the decided settled by the pre-pass)" if totals["settled"]
           else "")
        + "\n"
    )
    return 1 if totals["failed"] else 0


def _write_parquet(
    run: _Run, tables: Iterator[pa.Table], output: str, totals: dict[str, int], err: IO[str]
) -> None:
    """The decisions tables to one Parquet file (an empty, well-typed one for no accounts)."""
    writer = None
    try:
        for table in tables:
            if writer is None:
                writer = pq.ParquetWriter(output, table.schema)
            writer.write_table(table)
            _count(table, totals, err)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(decide_table(run.policy, ACCOUNTS_SCHEMA.empty_table(), run.at), output)


# An account's JSONL output: whether it failed, its line on stderr (or ""), its records' lines.
_Told = tuple[bool, str, str]

WORKER_LINES = 250
"""JSONL lines per unit of work sent to a ``--workers`` process (whose decisions are JSONL)."""


class _Run:
    """What every batch of one ``overdue next`` run is decided with; its methods are the work
    a ``--workers`` process does (it gets this object once, when it starts)."""

    def __init__(
        self, policy: Policy, at: datetime, prev: Previous | None, versions: PolicySet | None
    ) -> None:
        self.policy, self.at, self.prev, self.versions = policy, at, prev, versions

    def tables(self, accounts: str, input_format: str, workers: int) -> Iterator[pa.Table]:
        """The decisions tables, a batch at a time, in input order."""
        if input_format == "parquet":
            batches = _batches(accounts, encoded=self.prev is not None)
            if workers == 1:
                return (self.decide_batch(b) for b in batches)
            return _map_chunks(self.decide_batches, batches, workers=workers, chunk_size=1)
        records = jsonl_records(accounts)
        if records is None or workers == 1:
            return self._jsonl_tables(_jsonl_items(accounts))
        # Chunks of lines read and decided in the workers, gathered here into batches.
        work = _map_chunks(self.line_tables, records, workers=workers, chunk_size=WORKER_LINES)
        return _gathered(work)

    def told(self, accounts: str, input_format: str, workers: int) -> Iterator[_Told]:
        """Each account's JSONL output, in input order."""
        if input_format == "parquet":
            batches = _batches(accounts)
            if workers == 1:
                return (t for b in batches for t in self.told_batches(0, [b]))
            return _map_chunks(self.told_batches, batches, workers=workers, chunk_size=1)
        records = jsonl_records(accounts)
        if records is None or workers == 1:
            return (self.tell(aid, item) for aid, item in _jsonl_items(accounts))
        return _map_chunks(self.told_lines, records, workers=workers, chunk_size=WORKER_LINES)

    def decide_batch(self, batch: pa.Table) -> pa.Table:
        return decide_table(self.policy, batch, self.at, previous=self.prev, versions=self.versions)

    def decide_batches(self, _start: int, batches: Sequence[pa.Table]) -> list[pa.Table]:
        return [self.decide_batch(b) for b in batches]

    def line_tables(self, _start: int, records: Sequence[tuple[int, bytes]]) -> list[pa.Table]:
        items = [_item(read_line(n, raw)) for n, raw in records]
        return list(self._jsonl_tables(iter(items)))

    def told_lines(self, _start: int, records: Sequence[tuple[int, bytes]]) -> list[_Told]:
        return [self.tell(*_item(read_line(n, raw))) for n, raw in records]

    def told_batches(self, _start: int, batches: Sequence[pa.Table]) -> list[_Told]:
        return [
            self.tell(aid, item)
            for b in batches
            for aid, item in zip(b["id"].to_pylist(), accounts_from_table(b), strict=True)
        ]

    def tell(self, aid: str | None, item: Account | BaseException) -> _Told:
        said = io.StringIO()
        records = _records(self.policy, aid, item, self.at, said, self.versions)
        failed = bool(records) and records[0].get("status") == "error"
        return failed, said.getvalue(), "".join(map(jsonl_line, records))

    def _jsonl_tables(
        self, items: Iterator[tuple[str | None, Account | BaseException]]
    ) -> Iterator[pa.Table]:
        policy, at, previous, versions = self.policy, self.at, self.prev, self.versions
        while True:
            chunk = [x for _, x in zip(range(BATCH_ROWS), items, strict=False)]
            if not chunk:
                return
            if previous is None:
                yield decide_accounts(policy, chunk, at, versions=versions)
                continue
            # The wake index works on the accounts table: build it for the accounts that were
            # read, and put the rows of those that were not back in their place.
            good = [i for i, (_, x) in enumerate(chunk) if isinstance(x, Account)]
            bad = [i for i, (_, x) in enumerate(chunk) if not isinstance(x, Account)]
            decided = decide_table(
                policy,
                accounts_to_table(chunk[i][1] for i in good),  # type: ignore[misc]
                at,
                previous=previous,
                versions=versions,
            )
            failed = decide_accounts(policy, [chunk[i] for i in bad], at)
            order = pc.sort_indices(pa.array(good + bad, pa.int64()))
            yield pa.concat_tables([decided, failed]).take(order)


def _gathered(tables: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """Tables of a few hundred rows as tables of about :data:`BATCH_ROWS` (row groups of the
    size one process writes)."""
    held: list[pa.Table] = []
    rows = 0
    for t in tables:
        held.append(t)
        rows += t.num_rows
        if rows >= BATCH_ROWS:
            yield pa.concat_tables(held).combine_chunks()
            held, rows = [], 0
    if held:
        yield pa.concat_tables(held).combine_chunks()


def _count(table: pa.Table, totals: dict[str, int], err: IO[str]) -> None:
    for k, v in summary(table).items():
        totals[k] += v
    if table.num_rows:
        failed = table.filter(pc.equal(table["status"], "error"))
        for row in failed.select(["account_id", "error_message"]).to_pylist():
            err.write(f"error: account {row['account_id']}: {row['error_message']}\n")


def _records(
    policy: Policy,
    aid: str | None,
    item: Account | BaseException,
    at: datetime,
    err: IO[str],
    versions: PolicySet | None = None,
) -> list[dict[str, object]]:
    """The account's JSONL records: its decision, one per unpaid invoice under a per-invoice
    policy (each with ``debt_id``), or its one error record."""
    problem: BaseException
    if isinstance(item, Account):
        try:
            if policy.ladder_per == "invoice":
                dd = decide_invoices(policy, item, at)
                return [decision_to_dict(d.decision, debt_id=d.debt_id) for d in dd.debts]
            decision = decide_honouring_versions(policy, item, at, versions=versions)
            return [decision_to_dict(decision)]
        except OverdueError as exc:
            problem = exc.located(account_id=item.id)
        except Exception as exc:  # one account never stops the others
            problem = exc
    else:
        problem = item
    err.write(f"error: account {aid}: {problem}\n")
    if isinstance(problem, OverdueError):
        return [error_to_dict(problem, account_id=aid)]
    return [
        {
            "schema": "overdue.decision/1",
            "account_id": aid,
            "status": "error",
            "error": {"type": type(problem).__name__, "message": str(problem)},
        }
    ]
