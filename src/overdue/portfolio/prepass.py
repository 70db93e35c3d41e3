"""The pre-pass: the accounts a first night can settle without building them or calling the engine.

On a billing platform most accounts of a nightly run owe nothing or are not due yet.  The
engine answers those in its second phase (``_settled`` in :mod:`overdue.engine.decider`) from
four things only: the invoices, the payments, the debtor's zone and ``now``.  When an account's
history holds nothing else, that answer follows from its columns, and deciding it through the
engine (building the ``Account``, folding it, running the phases) is work the answer does not
need.  This module gives that answer row by row from the Arrow columns, exactly as the engine
would, for three classes:

* **nothing invoiced** (no invoice, no payment): ``current``, reason ``no_invoices``, no wake
  time;
* **paid in full** (what is owed is zero or less): ``resolved``, reason ``paid_in_full``;
* **not overdue yet** (the oldest unpaid invoice is due today or later in the debtor's zone):
  ``current``, reason ``not_overdue``, waking at local midnight after that due date.

An account is a candidate only when all of these hold, checked over the columns first
(``pyarrow.compute``, no Python per row) and then, for the candidates, with the same
constructors and arithmetic the engine's fold uses (Money, Decimal, the allocation order):

* its events are only ``invoice_issued`` and ``payment`` (a stage entered, a contact, a
  dispute, a promise, a hold ... all leave it to the engine);
* it would be built without error (ids, zones, amounts, currencies, due dates) and folded
  without error (one currency, no invoice issued twice, no payment naming an unknown invoice);
* the policy's retention rules cannot date anything from such a history (each is a
  ``record_retention`` rule counted from the last contact or from a milestone other than an
  invoice or a payment), so ``retain_until`` is empty -- otherwise the pre-pass is off for that
  policy.

Anything else -- overdue accounts, the ladder, holds, errors -- goes to the engine as before.
``tests/portfolio/test_prepass.py`` proves with hypothesis (generated invoices, payments,
zones, currencies, bad values, out-of-order and future events) and with the golden corpus that
each settled row equals the row of the engine's decision in every column but ``source``
(``'prepass'``, which says how it was decided).
"""

from __future__ import annotations

from bisect import insort_right
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from overdue._time import at_local, zone
from overdue.money import Money
from overdue.policy import Policy
from overdue.portfolio._extras import require
from overdue.portfolio.arrow import DECISIONS_SCHEMA
from overdue.rules.records import RecordRetention

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:
    pa = require("pyarrow", "arrow")
    pc = require("pyarrow.compute", "arrow")

__all__ = ["SETTLES_KINDS", "enabled_for", "settle"]

SETTLES_KINDS = ("invoice_issued", "payment")
"""The only event kinds a settled account may hold: the engine's settled phase reads the books
(invoices, payments) and nothing else."""

_ZERO = Decimal(0)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def enabled_for(policy: Policy) -> bool:
    """Whether the pre-pass may settle accounts under ``policy``: no retention rule can date
    records from an invoice or a payment (the only milestones a settled history has)."""
    for rule in policy.compiled.retention_rules:
        if not isinstance(rule, RecordRetention) or rule.from_event in SETTLES_KINDS:
            return False
    return True


def _candidates(table: pa.Table) -> pa.Array:
    """Rows whose events are all of :data:`SETTLES_KINDS` (a boolean per row)."""
    n = table.num_rows
    events = table["events"].combine_chunks()
    flat = events.flatten()
    if len(flat) == 0:
        return pa.array([True] * n, pa.bool_())
    other = pc.invert(pc.fill_null(pc.is_in(flat.field("kind"), pa.array(SETTLES_KINDS)), False))
    bad_rows = pc.unique(pc.list_parent_indices(events).filter(other))
    return pc.invert(
        pc.is_in(pa.array(range(n), pa.int64()), value_set=bad_rows.cast(pa.int64()))
    )


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _money(amount: object, currency: object) -> Money | None:
    """Money as the table reader builds it, or ``None`` when that would fail or be <= 0."""
    if amount is None:
        return None
    try:
        m = Money(amount, currency)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001  (the reader would make an error row: not settled here)
        return None
    return m if m.amount > 0 else None


class _Books:
    """The engine's fold restricted to invoices and payments (``snapshot._Builder``): the same
    allocation (a named invoice first, then oldest due first), the same Decimal arithmetic."""

    __slots__ = ("amounts", "by_id", "credit", "currency", "order", "owed", "paid")

    def __init__(self) -> None:
        self.currency: str | None = None
        self.amounts: list[Decimal] = []
        self.paid: list[Decimal] = []
        self.by_id: dict[str, int] = {}
        self.order: list[tuple[date, int]] = []
        self.owed = _ZERO
        self.credit = _ZERO

    def invoice(self, invoice_id: str, amount: Money, due: date) -> bool:
        if self.currency is None:
            self.currency = amount.currency
        elif amount.currency != self.currency:
            return False
        if invoice_id in self.by_id:
            return False
        pos = len(self.amounts)
        self.by_id[invoice_id] = pos
        self.amounts.append(amount.amount)
        self.paid.append(_ZERO)
        self.owed += amount.amount
        insort_right(self.order, (due, pos))
        if self.credit > 0:
            self._allocate(self.credit, None)
            self.credit = _ZERO
        return True

    def payment(self, amount: Money, invoice_id: str | None) -> bool:
        if self.currency is not None and amount.currency != self.currency:
            return False
        if invoice_id is not None and invoice_id not in self.by_id:
            return False
        if self.currency is None:
            self.currency = amount.currency
        self.credit += self._allocate(amount.amount, invoice_id)
        return True

    def _pay(self, pos: int, remaining: Decimal) -> Decimal:
        owed = self.amounts[pos] - self.paid[pos]
        if owed <= 0:
            return remaining
        take = owed if owed < remaining else remaining
        self.paid[pos] = self.paid[pos] + take
        self.owed -= take
        return remaining - take

    def _allocate(self, amount: Decimal, invoice_id: str | None) -> Decimal:
        remaining = amount
        if invoice_id is not None:
            remaining = self._pay(self.by_id[invoice_id], remaining)
        for _, pos in self.order:
            if not remaining > 0:
                break
            remaining = self._pay(pos, remaining)
        return remaining

    def oldest_unpaid(self) -> date | None:
        for due, pos in self.order:
            if self.paid[pos] < self.amounts[pos]:
                return due
        return None


def _lists(arr: pa.ChunkedArray | pa.Array) -> tuple[pa.StructArray, list[int]]:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    lengths = arr.value_lengths().fill_null(0).to_pylist()
    offsets = [0]
    for k in lengths:
        offsets.append(offsets[-1] + k)
    return arr.flatten(), offsets


def _micros(arr: pa.Array) -> list[int | None]:
    return arr.cast(pa.int64()).to_pylist()  # type: ignore[no-any-return]


def settle(policy: Policy, table: pa.Table, now: datetime) -> tuple[pa.Array, pa.Table]:
    """The rows of ``table`` the pre-pass settles at ``now``, and their decisions.

    Args:
        policy: the policy deciding (its zone assumption, its retention rules, its id).
        table: an ``ACCOUNTS_SCHEMA`` table (already conformed).
        now: an aware datetime.

    Returns:
        ``(settled, rows)``: a boolean per row of ``table``, and a ``DECISIONS_SCHEMA`` table
        with one row per settled account, in row order, equal to the engine's row for it (but
        ``source = 'prepass'``).
    """
    n = table.num_rows
    none = pa.array([False] * n, pa.bool_())
    if n == 0 or not enabled_for(policy):
        return none, DECISIONS_SCHEMA.empty_table()
    cand_idx = pc.indices_nonzero(_candidates(table))
    if len(cand_idx) == 0:
        return none, DECISIONS_SCHEMA.empty_table()
    sub = table.take(cand_idx)
    rows = _settle_rows(policy, sub, now)
    chosen = [i for i, r in enumerate(rows) if r is not None]
    settled_at = pa.array(cand_idx.to_numpy()[chosen] if chosen else [], pa.int64())
    mask = pc.is_in(pa.array(range(n), pa.int64()), value_set=settled_at)
    cols: dict[str, list[Any]] = {f.name: [] for f in DECISIONS_SCHEMA}
    for i in chosen:
        row = rows[i]
        assert row is not None
        for k, v in row.items():
            cols[k].append(v)
    k = len(chosen)
    out = {
        f.name: pa.array(cols[f.name], type=f.type) if cols[f.name] else pa.nulls(k, f.type)
        for f in DECISIONS_SCHEMA
    }
    return mask, pa.table([out[f.name] for f in DECISIONS_SCHEMA], schema=DECISIONS_SCHEMA)


def _settle_rows(policy: Policy, sub: pa.Table, now: datetime) -> list[dict[str, Any] | None]:
    """Per candidate row: the decision row's values, or ``None`` to leave it to the engine."""
    m = sub.num_rows
    ids = sub["id"].to_pylist()
    zones = sub["timezone"].to_pylist()
    addr = sub["address_timezone"].to_pylist()
    cvals, c_off = _lists(sub["contacts"])
    channels = cvals.field("channel").to_pylist()
    addresses = cvals.field("address").to_pylist()
    ivals, i_off = _lists(sub["invoices"])
    inv_id = ivals.field("id").to_pylist()
    inv_amount = ivals.field("amount").to_pylist()
    inv_cur = ivals.field("currency").to_pylist()
    inv_due = ivals.field("due").to_pylist()
    evals, e_off = _lists(sub["events"])
    ev_kind = evals.field("kind").to_pylist()
    ev_at = _micros(evals.field("at"))
    ev_invoice = evals.field("invoice_id").to_pylist()
    ev_amount = evals.field("amount").to_pylist()
    ev_cur = evals.field("currency").to_pylist()
    ev_due = evals.field("due").to_pylist()
    now_us = (now - _EPOCH) // timedelta(microseconds=1)
    assumed = policy.assumed_zone
    base = {
        "at": now,
        "source": "prepass",
        "stage": None,
        "stage_since": None,
        "days_overdue": 0,
        "policy_id": policy.id,
        "policy_version": policy.version,
        "actions": 0,
        "due_actions": 0,
        "blocked": 0,
    }
    out: list[dict[str, Any] | None] = []
    for r in range(m):
        aid = ids[r]
        if not _nonempty(aid):
            out.append(None)
            continue
        # The zone: the account's, its address's, the policy's assumption (resolve_zone).
        try:
            if zones[r] is not None:
                zone(zones[r])
            if addr[r] is not None:
                zone(addr[r])
        except Exception:  # noqa: BLE001  (an unknown zone is the reader's error row)
            out.append(None)
            continue
        name = zones[r] if zones[r] is not None else addr[r] if addr[r] is not None else assumed
        z: tzinfo = zone(name) if name is not None else UTC
        ok = all(
            _nonempty(channels[j]) and _nonempty(addresses[j])
            for j in range(c_off[r], c_off[r + 1])
        )
        books = _Books()
        for j in range(i_off[r], i_off[r + 1]):
            if not ok:
                break
            money = _money(inv_amount[j], inv_cur[j])
            ok = (
                money is not None
                and _nonempty(inv_id[j])
                and inv_due[j] is not None
                and books.invoice(inv_id[j], money, inv_due[j])
            )
        # The events as the reader builds them (every one, also those after ``now``), then
        # folded in effective order (by ``at``, ties in the order given), up to ``now``.
        folded: list[tuple[int, int, Money]] = []
        for j in range(e_off[r], e_off[r + 1]):
            if not ok:
                break
            at = ev_at[j]
            money = _money(ev_amount[j], ev_cur[j])
            if at is None or money is None:
                ok = False
            elif ev_kind[j] == "invoice_issued":
                ok = _nonempty(ev_invoice[j]) and ev_due[j] is not None
            else:
                ok = ev_invoice[j] is None or _nonempty(ev_invoice[j])
            if ok and at is not None and money is not None and at <= now_us:
                folded.append((at, j, money))
        if not ok:
            out.append(None)
            continue
        folded.sort(key=lambda x: x[0])
        for _, j, money in folded:
            if ev_kind[j] == "invoice_issued":
                ok = books.invoice(ev_invoice[j], money, ev_due[j])
            else:
                ok = books.payment(money, ev_invoice[j])
            if not ok:
                break
        if not ok:
            out.append(None)
            continue
        try:
            row = _decided(books, name, z, now)
        except (OverflowError, ValueError):  # dates past the calendar: the engine's error row
            row = None
        if row is None:
            out.append(None)
            continue
        row.update(base)
        row["account_id"] = aid
        row["zone"] = name
        row["input_events"] = e_off[r + 1] - e_off[r]
        row["input_invoices"] = i_off[r + 1] - i_off[r]
        out.append(row)
    return out


def _decided(books: _Books, name: str | None, z: tzinfo, now: datetime) -> dict[str, Any] | None:
    """The engine's settled phase on these books: status, balance, wake time and reasons."""
    today = now.astimezone(z).date()  # first, as the engine: it fails here past the calendar
    reasons = ["zone_unknown"] if name is None else []
    if books.currency is None:
        return {"status": "current", "balance": None, "currency": None, "wake_at": None,
                "reasons": [*reasons, "no_invoices"]}  # fmt: skip
    balance = format(books.owed, "f")
    if books.owed <= 0:
        return {"status": "resolved", "balance": balance, "currency": books.currency,
                "wake_at": None, "reasons": [*reasons, "paid_in_full"]}  # fmt: skip
    due = books.oldest_unpaid()
    if due is None or (today - due).days > 0:
        return None  # overdue: the ladder's
    wake = at_local(due + timedelta(days=1), time(0), z) if due < date.max else None
    return {"status": "current", "balance": balance, "currency": books.currency,
            "wake_at": wake, "reasons": [*reasons, "not_overdue"]}  # fmt: skip
