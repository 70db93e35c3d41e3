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

and, for histories with the ladder's kinds (below), a fourth that the settled phase answers
first: **written off**: ``written_off``, reason ``written_off``, whatever is owed, no wake time.

An account is a candidate only when all of these hold, checked over the columns first
(``pyarrow.compute``, no Python per row) and then, for the candidates, with the same
checks and arithmetic the reader and the engine's fold use (Money's, Decimal, the allocation order):

* its events are only ``invoice_issued`` and ``payment`` -- or, under a policy
  :func:`dunned_for` allows, also the ladder's own kinds (:data:`DUNNED_KINDS`: stage entries,
  contacts, promises, disputes), which the settled phase does not read: an account dunned and
  then paid in full is ``resolved``, its row stating the rung on file, and one written off is
  ``written_off`` whatever it owes (a hold, a dispute still open ... leave it to the engine);
* it would be built without error (ids, zones, amounts, currencies, due dates, the ladder
  events' names and values) and folded without error (one currency, no invoice issued twice,
  no payment naming an unknown invoice, no promise in another currency, no dispute opened
  twice or resolved unopened);
* the policy's retention rules cannot date anything from such a history other than from the
  last contact, which the pre-pass dates as ``record_retention`` does -- otherwise the pre-pass
  is off for that policy (a rule counted from an invoice or a payment) or for the ladder's
  kinds (a rule counted from one of them); and for the ladder's kinds, the policy is not on
  the billing side (stepping down, service actions: ``Policy.billing_side``) and its ladder
  runs per account.

Anything else -- overdue accounts, the ladder, holds, errors -- goes to the engine as before.

The candidates are first sorted over the columns (numpy and ``pyarrow.compute``, no Python per
row: :func:`_by_columns`): histories of invoices and payments whose values, currency, decimal
places and due order prove the answer are settled there; accounts whose payments together
fall short of the bills already overdue in any zone are proven unsettled and go to the engine;
only the rest take the row pass (:func:`_settle_rows`), which is the reference the columns are
tested against.
``tests/portfolio/test_prepass.py`` proves with hypothesis (generated invoices, payments,
the ladder's events followed by a full payment, zones, currencies, bad values, out-of-order
and future events, billing-side, per-invoice and retention policies) and with the golden
corpus that
each settled row equals the row of the engine's decision in every column but ``source``
(``'prepass'``, which says how it was decided).
"""

from __future__ import annotations

from bisect import insort_right
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from overdue._iso4217 import ISO4217_CODES
from overdue._time import at_local, zone
from overdue.errors import OverdueError
from overdue.events import Outcome
from overdue.policy import Policy
from overdue.portfolio._extras import require
from overdue.portfolio.arrow import DECISIONS_SCHEMA
from overdue.rules.records import LAST_CONTACT, RecordRetention

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:
    pa = require("pyarrow", "arrow")
    pc = require("pyarrow.compute", "arrow")

np: Any
try:  # the arrow extra's: without it, every candidate takes the row pass
    import numpy as np
except ImportError:  # pragma: no cover - installed with the arrow extra
    np = None

__all__ = ["DUNNED_KINDS", "SETTLES_KINDS", "dunned_for", "enabled_for", "settle"]

SETTLES_KINDS = ("invoice_issued", "payment")
"""The only event kinds a settled account may hold: the engine's settled phase reads the books
(invoices, payments) and nothing else."""

DUNNED_KINDS = (
    "stage_entered", "contact", "promise_to_pay", "dispute_opened", "dispute_resolved",
    "write_off",
)  # fmt: skip
"""The ladder's own kinds a settled account may hold as well, under a policy
:func:`dunned_for` allows: the settled phase does not read them (a promise pauses the ladder
only after it, the rung on file is only stated), so an account dunned and then paid in full
is ``resolved`` whatever its stage entries, contacts, promises and (resolved) disputes, and an
account written off is ``written_off`` whatever it owes (the settled phase's first answer).  A
dispute still open at ``now`` leaves the account to the engine (the decision says the debt is
disputed)."""

_ZERO = Decimal(0)
_OUTCOMES = frozenset(o.value for o in Outcome)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_TS = pa.timestamp("us", tz="UTC")


def enabled_for(policy: Policy) -> bool:
    """Whether the pre-pass may settle accounts under ``policy``: no retention rule can date
    records from an invoice or a payment (the only milestones a settled history has)."""
    for rule in policy.compiled.retention_rules:
        if not isinstance(rule, RecordRetention) or rule.from_event in SETTLES_KINDS:
            return False
    return True


def dunned_for(policy: Policy, versions: object | None = None) -> bool:
    """Whether the pre-pass may also settle histories with :data:`DUNNED_KINDS` under
    ``policy``: the engine's answer for them is its settled phase alone, and every retention
    rule is one the pre-pass can date (from the last contact) or one such a history cannot.

    Not for a policy on the billing side (stepping down and service actions with their undo
    run around the phases: ``Policy.billing_side``), nor for ladders per invoice, nor where
    policy versions are honoured (older versions given, or ``on_new_version`` other than
    ``continue``): an account that entered a rung under another version is then decided by
    :func:`~overdue.engine.versions.decide_versioned`, which states the version it used.
    """
    if policy.billing_side or policy.ladder_per != "account":
        return False
    if versions is not None or policy.on_new_version != "continue":
        return False
    for rule in policy.compiled.retention_rules:
        if not isinstance(rule, RecordRetention):
            return False
        source = rule.from_event
        if source == LAST_CONTACT:
            continue
        if source in SETTLES_KINDS or source in DUNNED_KINDS:
            return False
        if source.startswith(("stage_entered:", "contacted:")):
            return False
    return True


def _whole(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """One array of a column: its only chunk as it is (``combine_chunks`` would copy it)."""
    if isinstance(col, pa.ChunkedArray):
        return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
    return col


def _candidates(table: pa.Table, kinds: tuple[str, ...]) -> pa.Array:
    """Rows whose events are all of ``kinds`` (a boolean per row)."""
    n = table.num_rows
    events = _whole(table["events"])
    flat = events.flatten()
    if len(flat) == 0:
        return pa.array([True] * n, pa.bool_())
    other = pc.invert(pc.fill_null(pc.is_in(flat.field("kind"), pa.array(kinds)), False))
    bad_rows = pc.unique(pc.list_parent_indices(events).filter(other))
    return pc.invert(
        pc.is_in(pa.array(range(n), pa.int64()), value_set=bad_rows.cast(pa.int64()))
    )


def _surely_overdue(table: pa.Table, now: datetime) -> pa.Array | None:
    """Rows the row-by-row pass would not settle, proven over the columns (a boolean per row;
    ``None`` where ``now`` is too near the calendar's ends to tell): no payment and no write-off
    among the events (nothing pays an invoice or answers first), and an invoice -- in
    ``invoices``, or issued by an event at or before ``now`` -- due before the day before
    ``now``.  Every invoice such an account holds is then unpaid, so the oldest unpaid one is
    due before today in any zone (a zone is less than a day from UTC) and :func:`_decided`
    answers ``None`` (overdue: the ladder's), or the account is not settled for another reason
    (an invoice that would not be built or folded).  On a second night most accounts the wake
    index sends on are such accounts, and this spares them the pass in Python."""
    try:
        today = (now.astimezone(UTC) - timedelta(days=1)).date()
    except OverflowError:
        return None
    n = table.num_rows
    rows = pa.array(range(n), pa.int64())
    invoices = _whole(table["invoices"])
    due = pc.fill_null(pc.less(invoices.flatten().field("due"), pa.scalar(today)), False)
    late = pc.list_parent_indices(invoices).filter(due)
    events = _whole(table["events"])
    flat = events.flatten()
    parents = pc.list_parent_indices(events)
    kind, at = flat.field("kind"), flat.field("at")
    issued = pc.and_(
        pc.and_(
            pc.fill_null(pc.equal(kind, "invoice_issued"), False),
            pc.fill_null(pc.less_equal(at, pa.scalar(now).cast(at.type)), False),
        ),
        pc.fill_null(pc.less(flat.field("due"), pa.scalar(today)), False),
    )
    paying = pc.fill_null(pc.is_in(kind, pa.array(["payment", "write_off"])), False)
    late_rows = pa.concat_arrays([late.cast(pa.int64()), parents.filter(issued).cast(pa.int64())])
    return pc.and_(
        pc.is_in(rows, value_set=late_rows),
        pc.invert(pc.is_in(rows, value_set=parents.filter(paying).cast(pa.int64()))),
    )


def _nonempty(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _amount(amount: object, currency: object) -> Decimal | None:
    """The amount of ``Money(amount, currency)`` as the table reader builds it (a decimal text
    and an ISO 4217 code), or ``None`` when that would fail or not be above zero.

    The same checks as ``Money``'s converter and validator for a text amount, without
    building the value: ``Decimal(text.strip())`` (exact, whatever the context), finite, and a
    code of the ISO 4217 table (which holds upper-case three-letter codes only).
    """
    if not isinstance(amount, str) or currency not in ISO4217_CODES:
        return None
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


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

    def invoice(self, invoice_id: str, amount: Decimal, currency: str, due: date) -> bool:
        if self.currency is None:
            self.currency = currency
        elif currency != self.currency:
            return False
        if invoice_id in self.by_id:
            return False
        pos = len(self.amounts)
        self.by_id[invoice_id] = pos
        self.amounts.append(amount)
        self.paid.append(_ZERO)
        self.owed += amount
        insort_right(self.order, (due, pos))
        if self.credit > 0:
            self.credit = self._allocate(self.credit, None)
        return True

    def payment(self, amount: Decimal, currency: str, invoice_id: str | None) -> bool:
        if self.currency is not None and currency != self.currency:
            return False
        if invoice_id is not None and invoice_id not in self.by_id:
            return False
        if self.currency is None:
            self.currency = currency
        left = self._allocate(amount, invoice_id)
        if left:
            self.credit += left
        return True

    def _pay(self, pos: int, remaining: Decimal) -> Decimal:
        owed = self.amounts[pos] - self.paid[pos]
        if owed <= 0:
            return remaining
        take = owed if owed < remaining else remaining
        self.paid[pos] = self.paid[pos] + take
        return remaining - take

    def _allocate(self, amount: Decimal, invoice_id: str | None) -> Decimal:
        """Pays ``amount`` out; what is owed drops by what was taken, subtracted as the fold
        does (``amount - remaining``: the balance's exponent is the fold's, a payment's
        decimal places counted even where nothing was owed)."""
        remaining = amount
        if invoice_id is not None:
            remaining = self._pay(self.by_id[invoice_id], remaining)
        for _, pos in self.order:
            if not remaining > 0:
                break
            remaining = self._pay(pos, remaining)
        self.owed -= amount - remaining
        return remaining

    def oldest_unpaid(self) -> date | None:
        for due, pos in self.order:
            if self.paid[pos] < self.amounts[pos]:
                return due
        return None


def _lists(arr: pa.ChunkedArray | pa.Array) -> tuple[pa.StructArray, list[int]]:
    if isinstance(arr, pa.ChunkedArray):
        arr = _whole(arr)
    lengths = arr.value_lengths().fill_null(0).to_pylist()
    offsets = [0]
    for k in lengths:
        offsets.append(offsets[-1] + k)
    return arr.flatten(), offsets


def _micros(arr: pa.Array) -> list[int | None]:
    return arr.cast(pa.int64()).to_pylist()  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- over the columns

_NAMED = r"[!-~]"
"""A character ``str.strip()`` keeps (printable ASCII but the space): a text holding one is not
blank.  A text without one may still not be blank (``张三``): the row pass decides.  (Unicode
classes cost a compilation of about 0.6 ms a call.)"""

_AMOUNT = r"^[0-9]{1,12}(\.[0-9]{1,6})?$"
"""The amounts read exactly over the columns: plain decimals, at most 18 digits (the row pass
reads the rest as ``Money`` would: signs, blanks, exponents, ...)."""

_LOW_US = (datetime(1, 1, 3, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
_HIGH_US = (datetime(9999, 12, 29, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)
"""Instants every zone can tell the date of; the row pass takes the others."""

_LOW_DAY = (date(1, 1, 3) - date(1970, 1, 1)).days
_HIGH_DAY = (date(9999, 12, 29) - date(1970, 1, 1)).days
_NO_AT = (1 << 63) - 1
_UNORDERED = -(1 << 63)
_ISO = pa.array(sorted(ISO4217_CODES), pa.string())


class _Lists:
    """A list column as numpy: its values' rows and its rows' offsets, to count and add per row
    without a Python loop."""

    __slots__ = ("lengths", "off", "row", "values")

    def __init__(self, col: pa.ChunkedArray | pa.Array) -> None:
        arr = _whole(col)
        self.lengths = arr.value_lengths().fill_null(0).to_numpy(zero_copy_only=False)
        self.off = np.zeros(len(arr) + 1, np.int64)
        np.cumsum(self.lengths, out=self.off[1:])
        self.row = np.repeat(np.arange(len(arr)), self.lengths)
        self.values: pa.StructArray = arr.flatten()

    def total(self, values: Any) -> Any:
        """The sum per row of ``values`` (one per value; booleans count).  Exact in int64:
        the running sum may wrap, the difference of two is right while a row's sum fits."""
        run = np.zeros(len(values) + 1, np.int64)
        np.cumsum(values, dtype=np.int64, out=run[1:])
        return run[self.off[1:]] - run[self.off[:-1]]

    def added(self, values: Any) -> Any:
        """The sum per row of ``values`` (floats)."""
        return np.bincount(self.row, values, len(self.lengths)).astype(np.float64)

    def least(self, values: Any, empty: int) -> Any:
        """The least of ``values`` per row (int64), ``empty`` for a row without values."""
        out = np.full(len(self.lengths), empty, np.int64)
        full = self.lengths > 0
        if full.any():
            out[full] = np.minimum.reduceat(values, self.off[:-1][full])
        return out


def _np(arr: pa.Array | pa.ChunkedArray) -> Any:
    """A boolean result as numpy, null as ``False``."""
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def _named(arr: pa.Array) -> Any:
    """Whether each text is surely not blank (``_nonempty``; ``False`` also for null)."""
    return _np(pc.match_substring_regex(arr, _NAMED))


def _given(arr: pa.Array) -> Any:
    return pc.is_valid(arr).to_numpy(zero_copy_only=False)


class _Amounts:
    """Amounts as integers of their own last digit: ``ok`` where :data:`_AMOUNT` reads the
    text and the value is above zero (``_amount`` then gives the same), ``digits`` after the
    point (``Decimal``'s exponent, negated), ``scaled`` the value times ``10 ** digits``."""

    __slots__ = ("digits", "ok", "read", "scaled", "value")

    def __init__(self, amounts: pa.Array, currencies: pa.Array) -> None:
        read = pc.fill_null(pc.match_substring_regex(amounts, _AMOUNT), False)
        text = pc.if_else(read, amounts, "0")
        dot = pc.find_substring(text, ".").to_numpy(zero_copy_only=False)
        length = pc.utf8_length(text).to_numpy(zero_copy_only=False)
        self.digits = np.where(dot >= 0, length - dot - 1, 0).astype(np.int64)
        self.scaled = pc.cast(pc.replace_substring(text, ".", ""), pa.int64()).to_numpy()
        iso = _np(pc.is_in(currencies, value_set=_ISO))
        self.ok = read.to_numpy(zero_copy_only=False) & (self.scaled > 0) & iso
        self.value = self.scaled / np.power(10.0, self.digits)
        self.read = read.to_numpy(zero_copy_only=False)


def _code(currencies: pa.Array) -> Any:
    """Each currency's place in :data:`_ISO` (``-1``: not a code)."""
    return pc.fill_null(pc.index_in(currencies, value_set=_ISO), -1).to_numpy()


def _days(arr: pa.Array) -> tuple[Any, Any]:
    """Dates as days since 1970 (int64) and whether each is given and within the calendar's
    inner years (the row pass takes dates near its ends)."""
    days = pc.fill_null(arr.cast(pa.int32()), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    ok = _given(arr) & (days >= _LOW_DAY) & (days <= _HIGH_DAY)
    return days, ok


def _zones_read(col: pa.ChunkedArray, known: dict[str, tzinfo | None]) -> Any:
    """Per row: no zone named, or one the reader accepts (``_known``, once per name)."""
    arr = _whole(col)
    names = [x for x in pc.unique(arr.drop_null()).to_pylist() if _known(x, known)]
    named = pc.is_in(arr, value_set=pa.array(names, pa.string()))
    return _np(pc.or_kleene(pc.is_null(arr), named))


class _Columns:
    """What the columns say of each candidate row (numpy, one value per row or per nested
    value): the proofs and the arithmetic of :func:`_by_columns`."""

    def __init__(self, sub: pa.Table, now_us: int) -> None:
        self.ev = ev = _Lists(sub["events"])
        self.inv = inv = _Lists(sub["invoices"])
        e, i = ev.values, inv.values
        kind = e.field("kind")
        self.issue = _np(pc.equal(kind, "invoice_issued"))
        self.pay = _np(pc.equal(kind, "payment"))
        self.written = ev.total(_np(pc.equal(kind, "write_off"))) > 0
        self.at = pc.fill_null(e.field("at").cast(pa.int64()), _NO_AT).to_numpy()
        self.at_ok = (self.at >= _LOW_US) & (self.at <= _HIGH_US)
        self.folded = self.at_ok & (self.at <= now_us)
        self.ev_amount = _Amounts(e.field("amount"), e.field("currency"))
        self.ev_due, self.ev_due_ok = _days(e.field("due"))
        self.in_amount = _Amounts(i.field("amount"), i.field("currency"))
        self.in_due, self.in_due_ok = _days(i.field("due"))
        self.ev_cur = _code(e.field("currency"))
        self.in_cur = _code(i.field("currency"))

    def overdue(self, cut: int) -> Any:
        """Rows proven overdue (not settled): no write-off, every payment's amount read, and
        all payments together less than the invoices folded due before ``cut`` (days): then
        one of those is not paid in full, and the oldest unpaid bill is overdue in any zone
        -- or the account is not read or not folded, and not settled either."""
        ev, inv = self.ev, self.inv
        late_in = self.in_amount.ok & self.in_due_ok & (self.in_due < cut)
        late_ev = self.issue & self.folded & self.ev_amount.ok
        late_ev &= self.ev_due_ok & (self.ev_due < cut)
        late = inv.added(np.where(late_in, self.in_amount.value, 0.0))
        late += ev.added(np.where(late_ev, self.ev_amount.value, 0.0))
        paid = ev.added(np.where(self.pay, self.ev_amount.value, 0.0))
        unread = ev.total(self.pay & ~self.ev_amount.read) > 0
        return ~self.written & ~unread & (paid < late * (1 - 1e-9))

    def clean(self, sub: pa.Table, known: dict[str, tzinfo | None]) -> Any:
        """Rows of invoices and payments only that the reader surely builds and the fold
        surely folds without error, with one currency and one number of decimal places in all
        their amounts (the balance's exponent), and payments naming no invoice (the fold then
        allocates oldest due first): the rows whose books :meth:`books` reads exactly."""
        ev, inv, e = self.ev, self.inv, self.ev.values
        books = ev.total(~(self.issue | self.pay)) == 0
        bad_ev = ~self.at_ok | ~self.ev_amount.ok
        bad_ev |= self.issue & ~(_named(e.field("invoice_id")) & self.ev_due_ok)
        bad_ev |= self.pay & _given(e.field("invoice_id"))
        bad_in = ~self.in_amount.ok | ~self.in_due_ok | ~_named(inv.values.field("id"))
        con = _Lists(sub["contacts"])
        bad_con = ~(_named(con.values.field("channel")) & _named(con.values.field("address")))
        ok = books & (ev.total(bad_ev) == 0) & (inv.total(bad_in) == 0)
        ok &= (con.total(bad_con) == 0) & _named(_whole(sub["id"]))
        ok &= _zones_read(sub["timezone"], known) & _zones_read(sub["address_timezone"], known)
        self.cur, same_cur = self._one(self.ev_cur, self.in_cur)
        self.digits, same_digits = self._one(self.ev_amount.digits, self.in_amount.digits)
        return ok & same_cur & same_digits & ~self._twice()

    def _one(self, ev: Any, inv: Any) -> tuple[Any, Any]:
        """Per row, the least of the events' and the invoices' values (``0`` for none) and
        whether they are all that one."""
        big = 1 << 40
        low = np.minimum(self.ev.least(ev, big), self.inv.least(inv, big))
        top = -np.minimum(self.ev.least(-ev, big), self.inv.least(-inv, big))
        return np.where(low == big, 0, low), (low == top) | (low == big)

    def _twice(self) -> Any:
        """Rows naming an invoice twice (in ``invoices`` or issued, folded or not)."""
        e, i = self.ev.values, self.inv.values
        ids = pa.concat_arrays([i.field("id"), e.field("invoice_id").filter(pa.array(self.issue))])
        rows = np.concatenate([self.inv.row, self.ev.row[self.issue]])
        codes = pc.fill_null(pc.dictionary_encode(ids).indices, 0).to_numpy().astype(np.int64)
        key = np.sort(rows * (len(ids) + 1) + codes)
        twice = np.zeros(len(self.ev.lengths), bool)
        twice[key[1:][key[1:] == key[:-1]] // (len(ids) + 1)] = True
        return twice

    def books(self, rows: Any, now_us: int) -> tuple[Any, Any, Any, Any]:
        """For clean ``rows``: what is owed (in units of the row's last decimal place), the
        bills folded, the earliest event after ``now`` (``_NO_AT``: none) and the due date of
        the oldest unpaid bill where something is owed (days; ``_UNORDERED`` where a bill was
        issued with an earlier due date than one before it: the allocation then depends on
        the order, and the row pass folds it).

        Without named payments the fold pays oldest due first and keeps a credit only when
        nothing is owed, so what is owed is ``max(0, invoiced - paid)``; and when each bill is
        due no earlier than those folded before it, the bills paid are the first in due order
        whose running total the payments cover."""
        ev, inv = self.ev, self.inv
        f_issue, f_pay = self.issue & self.folded, self.pay & self.folded
        billed = inv.total(self.in_amount.scaled)
        billed += ev.total(np.where(f_issue, self.ev_amount.scaled, 0))
        paid = ev.total(np.where(f_pay, self.ev_amount.scaled, 0))
        bills = inv.lengths + ev.total(f_issue)
        ahead = ev.least(np.where(self.at_ok & ~self.folded, self.at, _NO_AT), _NO_AT)
        owed = np.maximum(billed - paid, 0)
        oldest = self._oldest(rows[owed[rows] > 0], paid)
        return owed, bills, ahead, oldest

    def _oldest(self, rows: Any, paid: Any) -> Any:
        """The oldest unpaid bill's due date of each of ``rows`` (days), ``_UNORDERED`` where
        the bills were not folded in due order."""
        ev, inv = self.ev, self.inv
        out = np.full(len(ev.lengths), _UNORDERED, np.int64)
        if not len(rows):
            return out
        want = np.zeros(len(ev.lengths), bool)
        want[rows] = True
        i_sel = want[inv.row]
        e_sel = want[ev.row] & self.issue & self.folded
        row = np.concatenate([inv.row[i_sel], ev.row[e_sel]])
        at = np.concatenate([np.full(i_sel.sum(), _UNORDERED), self.at[e_sel]])
        due = np.concatenate([self.in_due[i_sel], self.ev_due[e_sel]])
        tie = np.concatenate([self.in_due[i_sel], np.zeros(e_sel.sum(), np.int64)])
        pos = np.concatenate([np.flatnonzero(i_sel), np.flatnonzero(e_sel)])
        amount = np.concatenate([self.in_amount.scaled[i_sel], self.ev_amount.scaled[e_sel]])
        order = np.lexsort((pos, tie, at, row))
        row, due, amount = row[order], due[order], amount[order]
        same = row[1:] == row[:-1]
        unordered = np.unique(row[1:][same & (due[1:] < due[:-1])])
        run = np.cumsum(amount)
        start = np.flatnonzero(np.concatenate([[True], ~same]))
        base = np.repeat(run[start] - amount[start], np.diff(np.append(start, len(row))))
        unpaid = np.flatnonzero(run - base > paid[row])
        first_rows, first = np.unique(row[unpaid], return_index=True)
        out[first_rows] = due[unpaid[first]]
        out[unordered] = _UNORDERED
        return out


_CODES = ("no_invoices", "paid_in_full", "not_overdue")
_STATUS = pa.array(["current", "resolved", "current"], pa.string())
_REASONS = pa.array([[c] for c in _CODES] + [["zone_unknown", c] for c in _CODES],
                    pa.list_(pa.string()))  # fmt: skip


def _by_columns(
    policy: Policy, sub: pa.Table, now: datetime, candidates: Any
) -> tuple[Any, Any, pa.Table]:
    """The rows of ``sub`` the columns settle, the ``candidates`` they leave to the row pass
    (neither settled nor proven unsettled), and the settled rows' decisions (as the row pass
    gives them): the rows the columns prove unsettled go to the engine."""
    now_us = (now - _EPOCH) // _US
    cols = _Columns(sub, now_us)
    try:
        cut = ((now.astimezone(UTC) - timedelta(days=1)).date() - date(1970, 1, 1)).days
    except OverflowError:
        cut = None
    engine = ~candidates
    if cut is not None:
        engine |= cols.overdue(cut)
    known: dict[str, tzinfo | None] = {}
    books = cols.ev.total(~(cols.issue | cols.pay)) == 0
    if (books & ~engine).any():
        clean = cols.clean(sub, known) & ~engine
    else:  # nothing the columns could settle (all on the ladder): spare the reader's checks
        clean = np.zeros(sub.num_rows, bool)
        cols.cur = cols.digits = np.zeros(sub.num_rows, np.int64)
    owed, bills, ahead, oldest = cols.books(np.flatnonzero(clean), now_us)
    money = bills + cols.ev.total(cols.pay & cols.folded) > 0
    place, zones, names = _places(policy, sub, now, known)
    today = np.array([t for t, _ in zones], np.int64)[place]
    clean &= np.array([z is not None for _, z in zones])[place]
    code = np.where(~money, 0, np.where(owed == 0, 1, 2))
    current = (code == 2) & (oldest != _UNORDERED)
    settled = clean & ((code < 2) | (current & (oldest >= today)))
    unknown = ~engine & ~settled & ~(clean & current)
    rows = np.flatnonzero(settled)
    zone_of = [z for _, z in zones]
    wake: list[int | None] = []
    balance: list[str | None] = []
    cache: dict[tuple[int, int], int] = {}
    for r in rows.tolist():
        nxt = int(ahead[r])
        if code[r] == 2:
            key = (int(place[r]), int(oldest[r]))
            at = cache.get(key)
            if at is None:
                z = zone_of[key[0]]
                assert z is not None  # a settled row's zone is read
                due = date(1970, 1, 2) + timedelta(days=key[1])  # the day after
                at = cache[key] = (at_local(due, time(0), z) - _EPOCH) // _US
            nxt = min(nxt, at)
        wake.append(None if nxt == _NO_AT else nxt)
        balance.append(None if code[r] == 0 else _text(owed[r], cols.digits[r]))
    out = {
        "account_id": _whole(sub["id"]).take(rows),
        "status": _STATUS.take(code[rows]),
        "stage": pa.nulls(len(rows), pa.string()),
        "stage_since": pa.nulls(len(rows), _TS),
        "days_overdue": pa.array(np.zeros(len(rows), np.int32)),
        "balance": pa.array(balance, pa.string()),
        "currency": _ISO.take(pa.array(np.where(money, cols.cur, 0)[rows], mask=~money[rows])),
        "zone": names.take(rows),
        "wake_at": pa.array(wake, pa.int64()).cast(_TS),
        "reasons": _REASONS.take(code[rows] + 3 * (place[rows] == len(zones) - 1)),
        "retain_until": pa.nulls(len(rows), pa.date32()),
        "input_events": pa.array(cols.ev.lengths[rows].astype(np.int32)),
        "input_invoices": pa.array(cols.inv.lengths[rows].astype(np.int32)),
    }
    return rows, np.flatnonzero(unknown), _decisions(policy, now, out, len(rows))


def _text(owed: int, digits: int) -> str:
    """``format(Decimal, "f")`` of ``owed`` units of ``10 ** -digits`` (the fold's exponent
    when every amount has ``digits`` decimal places)."""
    if not digits:
        return str(owed)
    text = str(owed).rjust(digits + 1, "0")
    return f"{text[:-digits]}.{text[-digits:]}"


def _places(
    policy: Policy, sub: pa.Table, now: datetime, known: dict[str, tzinfo | None]
) -> tuple[Any, list[tuple[int, tzinfo | None]], pa.Array]:
    """The zone each row's days are counted in (``resolve_zone``: the account's, its
    address's, the policy's assumption), as an index per row into a list of ``(today, zone)``
    (days since 1970; ``zone`` ``None`` where the name is not read or ``now`` is past the
    calendar there), whose last entry is UTC for rows naming no zone; and the names."""
    names = _whole(pc.coalesce(sub["timezone"], sub["address_timezone"]))
    if policy.assumed_zone is not None:
        names = pc.fill_null(names, policy.assumed_zone)
    enc = pc.dictionary_encode(names)
    entries: list[tuple[int, tzinfo | None]] = []
    for name in [*enc.dictionary.to_pylist(), None]:
        z = _zone_of(name) if name is None or _known(name, known) else None
        try:
            day = now.astimezone(z).date() if z is not None else None
        except OverflowError:
            day = None
        if day is None or z is None:
            entries.append((0, None))
        else:
            entries.append(((day - date(1970, 1, 1)).days, z))
    place = pc.fill_null(enc.indices, len(entries) - 1).to_numpy(zero_copy_only=False)
    return place.astype(np.int64), entries, names


def _decisions(policy: Policy, now: datetime, out: dict[str, pa.Array], k: int) -> pa.Table:
    """A ``DECISIONS_SCHEMA`` table of ``k`` settled rows: ``out``'s columns, the constants
    of a settled decision, nulls for the rest."""
    consts = {
        "at": pa.scalar(now, _TS),
        "source": pa.scalar("prepass"),
        "policy_id": pa.scalar(policy.id),
        "policy_version": pa.scalar(policy.version),
        "actions": pa.scalar(0, pa.int32()),
        "due_actions": pa.scalar(0, pa.int32()),
        "blocked": pa.scalar(0, pa.int32()),
    }
    arrays = []
    for f in DECISIONS_SCHEMA:
        if f.name in out:
            arrays.append(out[f.name].cast(f.type))
        elif f.name in consts:
            arrays.append(pa.repeat(consts[f.name].cast(f.type), k))
        else:
            arrays.append(pa.nulls(k, f.type))
    return pa.table(arrays, schema=DECISIONS_SCHEMA)


def settle(
    policy: Policy, table: pa.Table, now: datetime, versions: object | None = None
) -> tuple[pa.Array, pa.Table]:
    """The rows of ``table`` the pre-pass settles at ``now``, and their decisions.

    Args:
        policy: the policy deciding (its zone assumption, its retention rules, its id).
        table: an ``ACCOUNTS_SCHEMA`` table (already conformed).
        now: an aware datetime.
        versions: the kernel's ``versions`` (older policy versions): histories that entered a
            rung are then left to the engine (:func:`dunned_for`).

    Returns:
        ``(settled, rows)``: a boolean per row of ``table``, and a ``DECISIONS_SCHEMA`` table
        with one row per settled account, in row order, equal to the engine's row for it (but
        ``source = 'prepass'``).
    """
    n = table.num_rows
    none = pa.array([False] * n, pa.bool_())
    if n == 0 or not enabled_for(policy):
        return none, DECISIONS_SCHEMA.empty_table()
    kinds = SETTLES_KINDS + DUNNED_KINDS if dunned_for(policy, versions) else SETTLES_KINDS
    candidates = _candidates(table, kinds)
    overdue = _surely_overdue(table, now)
    if overdue is not None:
        candidates = pc.and_(candidates, pc.invert(overdue))
    if not pc.any(candidates).as_py():
        return none, DECISIONS_SCHEMA.empty_table()
    if np is None:  # pragma: no cover - numpy comes with the arrow extra
        cand_idx = pc.indices_nonzero(candidates)
        chosen, cols = _settle_rows(policy, table.take(cand_idx), now)
        if not chosen:
            return none, DECISIONS_SCHEMA.empty_table()
        mask = pc.is_in(pa.array(range(n), pa.int64()),
                        value_set=pc.take(cand_idx, pa.array(chosen, pa.int64())))  # fmt: skip
        return mask, _decisions(policy, now, _typed(cols), len(chosen))
    rows, rest, done = _by_columns(policy, table, now, _np(candidates))
    parts, where = [done], [rows]
    if len(rest):
        chosen, cols = _settle_rows(policy, table.take(pa.array(rest)), now)
        parts.append(_decisions(policy, now, _typed(cols), len(chosen)))
        where.append(rest[np.array(chosen, np.int64)])
    at = np.concatenate(where)
    if not len(at):
        return none, DECISIONS_SCHEMA.empty_table()
    decided = done
    if len(parts) > 1:
        decided = pa.concat_tables(parts).take(pa.array(np.argsort(at, kind="stable")))
    mask = np.zeros(n, bool)
    mask[at] = True
    return pa.array(mask), decided


def _typed(cols: dict[str, list[Any]]) -> dict[str, pa.Array]:
    """The row pass's columns as arrays of the decisions' types."""
    return {name: pa.array(v, DECISIONS_SCHEMA.field(name).type) for name, v in cols.items()}


def _settle_rows(
    policy: Policy, sub: pa.Table, now: datetime
) -> tuple[list[int], dict[str, list[Any]]]:
    """The candidate rows settled (their positions in ``sub``) and the columns of their
    decisions that vary; the others go to the engine."""
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
    # The columns of the ladder's kinds, read only when the table holds any of them.
    dunned = _History.of(evals, ev_kind)
    now_us = (now - _EPOCH) // timedelta(microseconds=1)
    assumed = policy.assumed_zone
    keep_years = _contact_retention(policy)
    known: dict[str, tzinfo | None] = {}
    chosen: list[int] = []
    cols: dict[str, list[Any]] = {
        k: []
        for k in ("account_id", "status", "stage", "stage_since", "days_overdue", "balance",
                  "currency", "zone", "wake_at", "reasons", "retain_until", "input_events",
                  "input_invoices")
    }  # fmt: skip
    for r in range(m):
        aid = ids[r]
        if not _nonempty(aid):
            continue
        # The zone: the account's, its address's, the policy's assumption (resolve_zone);
        # an unknown name is the reader's error row.
        tz_name, addr_name = zones[r], addr[r]
        if (tz_name is not None and not _known(tz_name, known)) or (
            addr_name is not None and not _known(addr_name, known)
        ):
            continue
        name = tz_name if tz_name is not None else addr_name if addr_name is not None else assumed
        ok = all(
            _nonempty(channels[j]) and _nonempty(addresses[j])
            for j in range(c_off[r], c_off[r + 1])
        )
        books = _Books()
        for j in range(i_off[r], i_off[r + 1]):
            if not ok:
                break
            amount = _amount(inv_amount[j], inv_cur[j])
            ok = (
                amount is not None
                and _nonempty(inv_id[j])
                and inv_due[j] is not None
                and books.invoice(inv_id[j], amount, inv_cur[j], inv_due[j])
            )
        # Every event must be one the reader builds (also those after ``now``); those up to
        # ``now`` are folded in effective order (by ``at``, ties in the order given).
        folded: list[tuple[int, int, Decimal | None]] = []
        later: list[int] = []  # stage entries, contacts, disputes: the reader's checks pending
        ahead: int | None = None  # the earliest event after ``now``: the engine wakes for it
        for j in range(e_off[r], e_off[r + 1]):
            if not ok:
                break
            at = ev_at[j]
            kind = ev_kind[j]
            amount = None
            if at is None:
                ok = False
            elif kind == "invoice_issued":
                amount = _amount(ev_amount[j], ev_cur[j])
                ok = amount is not None and _nonempty(ev_invoice[j]) and ev_due[j] is not None
            elif kind == "payment":
                amount = _amount(ev_amount[j], ev_cur[j])
                ok = amount is not None and (ev_invoice[j] is None or _nonempty(ev_invoice[j]))
            elif kind == "promise_to_pay":
                amount = _amount(ev_amount[j], ev_cur[j])
                ok = amount is not None and dunned is not None and dunned.by[j] is not None
            else:  # checked below, once the account proves settled (most dunned ones do not)
                ok = dunned is not None
                later.append(j)
            if ok and at <= now_us:  # type: ignore[operator]
                folded.append((at, j, amount))  # type: ignore[arg-type]
            elif ok and (ahead is None or at < ahead):  # type: ignore[operator]
                ahead = at
        if not ok:
            continue
        if len(folded) > 1:
            folded.sort(key=_first)
        stage: str | None = None
        since: int | None = None
        contacted: int | None = None  # the last contact the creditor made (retention)
        disputes: set[str] = set()  # open at the time folded to
        written = False  # a write-off folded: the engine's first answer
        for at, j, amount in folded:
            kind = ev_kind[j]
            if kind == "invoice_issued":
                ok = books.invoice(ev_invoice[j], amount, ev_cur[j], ev_due[j])  # type: ignore[arg-type]
            elif kind == "payment":
                ok = books.payment(amount, ev_cur[j], ev_invoice[j])  # type: ignore[arg-type]
            elif kind == "promise_to_pay":  # the fold refuses a promise in another currency
                ok = books.currency is None or ev_cur[j] == books.currency
            elif kind == "stage_entered":
                assert dunned is not None
                stage, since = dunned.stage[j], at
            elif kind == "contact":
                assert dunned is not None
                if dunned.initiated_by[j] in (None, "creditor"):
                    contacted = at
            elif kind == "write_off":
                written = True
            elif kind == "dispute_opened":  # the fold refuses one opened twice
                assert dunned is not None
                key = dunned.dispute_id[j] or "dispute"
                ok = key not in disputes
                disputes.add(key)
            elif kind == "dispute_resolved":  # ... and one resolved that is not open
                assert dunned is not None
                key = dunned.dispute_id[j] or "dispute"
                ok = key in disputes
                disputes.discard(key)
            if not ok:
                break
        if not ok or disputes:
            continue
        z = _zone_of(name)
        try:
            decided = _decided(books, name, z, now, written)
            retain = None
            if keep_years and contacted is not None:
                day = (_EPOCH + timedelta(microseconds=contacted)).astimezone(z).date()
                retain = max(day + relativedelta(years=y) for y in keep_years)
        except (OverflowError, ValueError):  # dates past the calendar: the engine's error row
            continue
        if decided is None:
            continue
        if later:
            assert dunned is not None
            if not all(dunned.builds(ev_kind[j], j) for j in later):
                continue
        chosen.append(r)
        status, wake, reasons, dov = decided
        if ahead is not None and not written:  # as ``decide``: never later than the next fact
            nxt = (_EPOCH + timedelta(microseconds=ahead)).astimezone(z)
            if wake is None or nxt < wake:
                wake = nxt
        cols["account_id"].append(aid)
        cols["status"].append(status)
        cols["stage"].append(stage)
        cols["days_overdue"].append(dov)
        cols["stage_since"].append(
            None if since is None else _EPOCH + timedelta(microseconds=since)
        )
        cols["balance"].append(None if books.currency is None else format(books.owed, "f"))
        cols["currency"].append(books.currency)
        cols["zone"].append(name)
        cols["wake_at"].append(wake)
        cols["reasons"].append(reasons)
        cols["retain_until"].append(retain)
        cols["input_events"].append(e_off[r + 1] - e_off[r])
        cols["input_invoices"].append(i_off[r + 1] - i_off[r])
    return chosen, cols


class _History:
    """The columns of the ladder's own kinds (stage entries, contacts, promises, disputes), and the
    reader's checks of them: the same validators the event classes run, on the values."""

    __slots__ = ("_cols", "_evals", "by", "dispute_id", "initiated_by", "stage")

    def __init__(self, evals: pa.StructArray) -> None:
        # What the fold reads, now; what only the checks read, on first use (few accounts
        # with these kinds are settled: most are overdue).
        self._evals = evals
        self._cols: dict[str, list[Any]] = {}
        self.by = evals.field("by").to_pylist()
        self.dispute_id = evals.field("dispute_id").to_pylist()
        self.initiated_by = evals.field("initiated_by").to_pylist()
        self.stage = evals.field("stage").to_pylist()

    def _col(self, name: str) -> list[Any]:
        col = self._cols.get(name)
        if col is None:
            col = self._cols[name] = self._evals.field(name).to_pylist()
        return col

    @classmethod
    def of(cls, evals: pa.StructArray, kinds: list[str | None]) -> _History | None:
        return cls(evals) if any(k in DUNNED_KINDS for k in kinds) else None

    def builds(self, kind: str | None, j: int) -> bool:
        """Whether the reader builds event ``j`` of ``kind`` (a stage entry or a contact)."""
        if kind == "stage_entered":
            return (
                _nonempty(self.stage[j])
                and _opt_name(self._col("policy_id")[j])
                and _opt_name(self._col("policy_version")[j])
                and _opt_name(self._col("debt_id")[j])
            )
        if kind == "contact":
            ids = self._col("debt_ids")[j]
            return (
                _nonempty(self._col("channel")[j])
                and self._col("outcome")[j] in _OUTCOMES
                and _opt_name(self.stage[j])
                and _opt_name(self._col("step")[j])
                and (ids is None or all(_nonempty(x) for x in ids))
                and self.initiated_by[j] in (None, "creditor", "debtor")
                and self._col("party")[j] in (None, "debtor", "third_party", "representative")
            )
        if kind in ("dispute_opened", "dispute_resolved"):
            return _opt_name(self.dispute_id[j])
        return kind == "write_off"  # its reason is free text


def _opt_name(value: object) -> bool:
    return value is None or _nonempty(value)


def _contact_retention(policy: Policy) -> tuple[int, ...]:
    """The years of the policy's retention rules counted from the last contact (the only
    ones a settled history can date; :func:`dunned_for` turns the rest away)."""
    return tuple(
        rule.years
        for rule in policy.compiled.retention_rules
        if isinstance(rule, RecordRetention) and rule.from_event == LAST_CONTACT
    )


def _known(name: str, known: dict[str, tzinfo | None]) -> bool:
    """Whether ``name`` is a zone the reader accepts (``Account``'s zone check), cached."""
    if name not in known:
        try:
            known[name] = zone(name)
        except OverdueError:
            known[name] = None
    return known[name] is not None


def _zone_of(name: str | None) -> tzinfo:
    """The zone the engine counts days in: the one named, else UTC (``_Work``)."""
    return zone(name) if name is not None else UTC


def _first(item: tuple[int, int, Decimal | None]) -> int:
    return item[0]


def _decided(
    books: _Books, name: str | None, z: tzinfo, now: datetime, written: bool = False
) -> tuple[str, datetime | None, list[str], int] | None:
    """The engine's settled phase on these books: status, wake time, reason codes and days
    overdue (``None`` when the account is overdue: the ladder's).  A write-off comes first,
    whatever is owed, and never wakes."""
    today = now.astimezone(z).date()  # first, as the engine: it fails here past the calendar
    reasons = ["zone_unknown"] if name is None else []
    if written:
        due = books.oldest_unpaid()
        dov = 0 if due is None else max(0, (today - due).days)
        return "written_off", None, [*reasons, "written_off"], dov
    if books.currency is None:
        return "current", None, [*reasons, "no_invoices"], 0
    if books.owed <= 0:
        return "resolved", None, [*reasons, "paid_in_full"], 0
    due = books.oldest_unpaid()
    if due is None or (today - due).days > 0:
        return None
    wake = at_local(due + timedelta(days=1), time(0), z) if due < date.max else None
    return "current", wake, [*reasons, "not_overdue"], 0
