"""The wake index: which accounts can keep their previous decision, worked out over columns.

A decision says when to ask again (``wake_at``) and is a pure function of the account's events
and the clock.  So an account keeps its previous decision when, since that decision, nothing
about it changed and no moment it was waiting for has come:

* the previous row is a decision (not an error) by the same policy id and version, made at or
  before ``now``;
* it asked the host to record nothing (a stage entered is decided again until the host has
  recorded it, as ``stage_since`` is the moment of the deciding);
* it has no blocked step, or neither a wake time nor a deadline (a held account waiting for
  the fact that lifts its hold: while a hold pauses the clock there is no deadline, and a
  blocked step states its blocks, none of which moves with the clock);
* its ``wake_at`` is unset or later than ``now`` (holds, promises, deferrals, deadlines all
  feed ``wake_at``), and its next action is not yet due (a due action is the host's to carry
  out: deciding again shows whether it still may be);
* the account's id occurs once in each table;
* the account has the same number of events and invoices as then, and none of its events is
  later than that decision (an event dated after it, recorded before it, takes effect when its
  time comes; an event's ``recorded_at``, when the schema has one, counts as well).

The check is a handful of pyarrow compute kernels over the accounts and previous decisions
tables; no account is built and the engine is not called for the rows it settles (paid
accounts, accounts not yet due, accounts waiting or scheduled for later with nothing new).  The
property test in ``tests/portfolio/test_wake.py`` decides random portfolios both ways and
requires the same rows.

The index assumes what the library assumes everywhere: an account's history changes by
appending events.  Editing invoices, contacts or zones in place, or changing the policy without
a new version, needs a run without ``previous``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from overdue.policy import Policy
from overdue.portfolio._extras import require
from overdue.portfolio.arrow import DECISIONS_SCHEMA

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:
    pa = require("pyarrow", "arrow")
    pc = require("pyarrow.compute", "arrow")

__all__ = ["Previous", "carry_over"]


def _events_after(events: pa.ChunkedArray, cutoff: pa.Array, fields: list[str], n: int) -> pa.Array:
    """For each row, whether any of its events has one of ``fields`` later than the row's
    ``cutoff``.  One pass over the events: an event is later when the latest of its ``fields``
    is (a null field is skipped; all null is not later), so the list offsets and the cutoff per
    event are worked out once, however many fields."""
    arr = events
    if isinstance(events, pa.ChunkedArray):
        # One chunk is used as is: concatenating copies it (and unifies any dictionaries).
        arr = events.chunk(0) if events.num_chunks == 1 else events.combine_chunks()
    flat = arr.flatten()
    if len(flat) == 0 or not fields:
        return pa.array([False] * n)
    parents = pc.list_parent_indices(arr)
    before = cutoff.take(parents)
    columns = [flat.field(f) for f in fields]
    if all(c.type.equals(before.type) for c in columns):
        # max_element_wise has no kernel for zoned timestamps: compare their microseconds.
        ints = [c.cast(pa.int64()) for c in columns]
        when = ints[0] if len(ints) == 1 else pc.max_element_wise(*ints, skip_nulls=True)
        later = pc.fill_null(pc.greater(when, before.cast(pa.int64())), False)
    else:
        later = pc.fill_null(pc.greater(columns[0], before), False)
        for c in columns[1:]:
            later = pc.or_(later, pc.fill_null(pc.greater(c, before), False))
    rows = pc.unique(parents.filter(later))
    return pc.is_in(pa.array(range(n), pa.int64()), value_set=rows.cast(pa.int64()))


_READ = (
    "status", "policy_id", "policy_version", "at", "enters", "wake_at", "action_not_before",
    "input_events", "input_invoices", "blocked", "deadline",
)  # fmt: skip


def _repeated(ids: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The ids that occur more than once."""
    counts = pc.value_counts(ids)
    return counts.field("values").filter(pc.greater(counts.field("counts"), 1))


class Previous:
    """The decisions of an earlier run, made ready once for all the batches of a run.

    ``overdue next --previous`` decides a file batch by batch against one previous table,
    often the whole portfolio's.  What depends on that table alone -- its columns cast to
    ``DECISIONS_SCHEMA``, its ids, the ids it holds twice -- is worked out here once instead
    of once per batch, and a batch finds its accounts' rows by hashing its own ids rather than
    all of the previous ones (:meth:`rows_of`): per batch, the work grows with the batch, not
    with the portfolio.
    """

    __slots__ = ("ids", "repeated", "table")

    def __init__(self, table: pa.Table) -> None:
        self.table = table.select(DECISIONS_SCHEMA.names).cast(DECISIONS_SCHEMA)
        self.ids = self.table["account_id"].combine_chunks()
        self.repeated = _repeated(self.ids)

    def rows_of(self, ids: pa.Array, repeated: pa.Array) -> pa.Array:
        """Per id of ``ids``, the row of ``table`` with that id (the first, where it is there
        twice), or null: ``pc.index_in(ids, value_set=self.ids)``.  ``repeated``: the ids
        that ``ids`` holds more than once.

        Against many more previous rows than ids, the ids are hashed and each previous id
        looked up among them (hashing the previous ids for each batch costs more than the
        batch's whole wake index), and the answer turned round: a batch position hit by
        several previous rows takes the first.  A batch holding an id twice is looked up the
        plain way (the turned round answer would give only one of its positions a row).
        """
        n = len(ids)
        if len(self.ids) <= _TURN_ROUND * n or len(repeated):
            return pc.index_in(ids, value_set=self.ids)
        at = pc.index_in(self.ids, value_set=ids)  # per previous row, its batch position
        hit = pc.is_valid(at)
        rows = pc.indices_nonzero(hit)
        first = pc.index_in(pa.array(range(n), pa.int32()), value_set=at.filter(hit))
        return rows.take(first).cast(pa.int32())


_TURN_ROUND = 4
"""How many previous rows per batch row make :meth:`Previous.rows_of` hash the batch's ids."""


def carry_over(
    policy: Policy, accounts: pa.Table, previous: pa.Table | Previous, now: datetime
) -> tuple[pa.Array, pa.Array]:
    """Which accounts keep their previous decision at ``now``.

    Args:
        policy: the policy deciding now (a previous row by another id or version is not kept).
        accounts: an accounts table (``ACCOUNTS_SCHEMA``).
        previous: a decisions table from an earlier run (any order, any superset of accounts),
            or one made ready for many batches (:class:`Previous`).
        now: the moment of this run.

    Returns:
        ``(keep, where)``: a boolean per account, and per account the row of ``previous`` that
        holds its decision (null when there is none).
    """
    n = accounts.num_rows
    if not isinstance(previous, Previous):
        previous = Previous(previous)
    ids = accounts["id"].combine_chunks()
    repeated = _repeated(ids)
    where = previous.rows_of(ids, repeated)
    prev = previous.table.select(_READ).take(where)  # only the columns the conditions read
    ts = pa.scalar(now, type=pa.timestamp("us", tz="UTC"))
    prev_at = prev["at"].combine_chunks()
    conds = [
        pc.is_valid(where),
        pc.not_equal(prev["status"], "error"),
        pc.equal(prev["policy_id"], policy.id),
        pc.equal(prev["policy_version"], policy.version),
        pc.less_equal(prev_at, ts),
        pc.is_null(prev["enters"]),
        pc.or_kleene(pc.is_null(prev["wake_at"]), pc.greater(prev["wake_at"], ts)),
        pc.or_kleene(
            pc.is_null(prev["action_not_before"]), pc.greater(prev["action_not_before"], ts)
        ),
        pc.equal(
            prev["input_events"],
            pc.fill_null(pc.list_value_length(accounts["events"]), 0).cast(pa.int32()),
        ),
        pc.equal(
            prev["input_invoices"],
            pc.fill_null(pc.list_value_length(accounts["invoices"]), 0).cast(pa.int32()),
        ),
    ]
    # A held account waiting for a fact (a blocked step, no wake time, no deadline) keeps its
    # row: while a hold pauses the clock there is no deadline, and a blocked step states its
    # blocks only, none of which moves with the clock.  Other held rows are decided again: a
    # step the policy's horizon gave up on is blocked "until" a moment that moves with
    # ``now``, and a rung whose steps lost their authorisation has a deadline of "now" (its
    # stopped steps were due now); the row does not say which kind of block it holds.
    conds.append(
        pc.or_kleene(
            pc.equal(prev["blocked"], 0),
            pc.and_kleene(pc.is_null(prev["wake_at"]), pc.is_null(prev["deadline"])),
        )
    )
    # An id twice in either table cannot be matched to one previous row: decide those again.
    twice = pa.concat_arrays([repeated, previous.repeated])
    conds.append(pc.invert(pc.is_in(ids, value_set=twice)))
    keep = conds[0]
    for c in conds[1:]:
        keep = pc.and_(keep, pc.fill_null(c, False))
    keep = pc.fill_null(keep, False)
    if isinstance(keep, pa.ChunkedArray):
        keep = keep.combine_chunks()
    events = accounts["events"]
    struct = events.type.value_type
    names = {struct.field(i).name for i in range(struct.num_fields)}
    fields = [f for f in ("at", "recorded_at") if f in names]
    keep = pc.and_(keep, pc.invert(_events_after(events, prev_at, fields, n)))
    where = where.combine_chunks() if isinstance(where, pa.ChunkedArray) else where
    return keep, where
