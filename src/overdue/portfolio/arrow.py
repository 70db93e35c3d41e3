"""Accounts and decisions as Arrow tables, read from and written to Parquet.

The schemas are a contract with other systems, like the JSON shapes of ``docs/formats.md``:
columns are only ever added.  ``docs/scale.md`` lists every column.

* **Accounts** (:data:`ACCOUNTS_SCHEMA`): one row per account; contact points, invoices and
  events are nested lists of structs.  The events struct is the union of the fields of every
  event kind (:func:`overdue.portfolio.records.event_columns`), with ``kind`` saying which apply.
  Instants are ``timestamp[us, UTC]``: an instant read back is the same instant (decisions are
  the same), written in UTC rather than the offset it was first written with.  Money is an
  exact decimal text plus a currency, never a float.
* **Decisions** (:data:`DECISIONS_SCHEMA`): one row per account in input order, an error row for
  an account that could not be read or decided (``status = 'error'``), so the rows reconcile:
  in = decided + failed.

Converting a table to accounts (:func:`accounts_from_table`) reads each column once and builds
the values with their own constructors, so every validator runs; a bad value makes an error for
its account (with the event index), never for the table.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from overdue._frozen import exhaust, new, setters
from overdue.account import Account, ContactPoint, Invoice
from overdue.decision import Decision
from overdue.durations import Duration
from overdue.errors import ConfigError, OverdueError
from overdue.events import EVENT_KINDS, Event, Outcome
from overdue.money import Money, _currency, _to_decimal
from overdue.portfolio._construct import ColumnKind, _is_none, constructor, many
from overdue.portfolio._extras import require
from overdue.portfolio.records import FieldKind, event_columns, event_fields

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
else:
    pa = require("pyarrow", "arrow")
    pc = require("pyarrow.compute", "arrow")

np: Any
try:  # pyarrow's own optional companion: without it, columns are converted value by value
    import numpy as np
except ImportError:  # pragma: no cover - pyarrow is nearly always installed with it
    np = None

__all__ = [
    "ACCOUNTS_SCHEMA",
    "DECISIONS_SCHEMA",
    "DecisionRows",
    "accounts_from_table",
    "accounts_to_table",
    "decision_rows",
    "read_accounts",
    "read_decisions",
    "write_accounts",
    "write_decisions",
]

_TS = pa.timestamp("us", tz="UTC")

_KIND_TYPES: dict[FieldKind, pa.DataType] = {
    "str": pa.string(),
    "money": pa.string(),
    "date": pa.date32(),
    "datetime": _TS,
    "outcome": pa.string(),
    "duration": pa.string(),
    "strset": pa.list_(pa.string()),
    "int": pa.int32(),
}

CONTACT_TYPE = pa.struct(
    [
        pa.field("channel", pa.string(), nullable=False),
        pa.field("address", pa.string(), nullable=False),
        ("label", pa.string()),
        ("is_debtor", pa.bool_()),
        ("timezone", pa.string()),
    ]
)
INVOICE_TYPE = pa.struct(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("amount", pa.string(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("due", pa.date32(), nullable=False),
        ("issued", _TS),
    ]
)
EVENT_TYPE = pa.struct(
    [
        pa.field(name, _KIND_TYPES[kind], nullable=name not in ("kind", "at"))
        for name, kind in event_columns()
    ]
)

ACCOUNTS_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        ("timezone", pa.string()),
        ("address_timezone", pa.string()),
        ("contract", pa.string()),
        ("contacts", pa.list_(CONTACT_TYPE)),
        ("invoices", pa.list_(INVOICE_TYPE)),
        ("events", pa.list_(EVENT_TYPE)),
    ],
    metadata={"overdue.schema": "overdue.accounts/1"},
)
"""The accounts table: one row per account, history nested (``docs/scale.md``)."""

DECISIONS_SCHEMA = pa.schema(
    [
        pa.field("account_id", pa.string()),
        ("at", _TS),
        ("source", pa.string()),
        ("status", pa.string()),
        ("stage", pa.string()),
        ("stage_since", _TS),
        ("days_overdue", pa.int32()),
        ("balance", pa.string()),
        ("currency", pa.string()),
        ("zone", pa.string()),
        ("policy_id", pa.string()),
        ("policy_version", pa.string()),
        ("enters", pa.string()),
        ("action_stage", pa.string()),
        ("action_step", pa.string()),
        ("action_channel", pa.string()),
        ("action_template", pa.string()),
        ("action_attempt", pa.int32()),
        ("action_max_attempts", pa.int32()),
        ("action_not_before", _TS),
        ("action_idempotency_key", pa.string()),
        ("actions", pa.int32()),
        ("due_actions", pa.int32()),
        ("blocked", pa.int32()),
        ("deadline", _TS),
        ("wake_at", _TS),
        ("reasons", pa.list_(pa.string())),
        ("action_reasons", pa.list_(pa.string())),
        ("retain_until", pa.date32()),
        ("input_events", pa.int32()),
        ("input_invoices", pa.int32()),
        ("error_type", pa.string()),
        ("error_message", pa.string()),
        ("error_key_path", pa.string()),
        ("error_event_index", pa.int32()),
    ],
    metadata={"overdue.schema": "overdue.decisions/1"},
)
"""The decisions table: one row per account, in input order (``docs/scale.md``)."""


# --------------------------------------------------------------------------- accounts -> table


def _event_row(e: Event) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": e.kind, "at": e.at}
    for f in event_fields(type(e)):
        v = getattr(e, f.name)
        if v is None or f.name == "at":
            continue
        if f.kind == "money":
            row[f.column] = format(v.amount, "f")
            row[f.currency_column] = v.currency  # type: ignore[index]
        elif f.kind in ("outcome",):
            row[f.column] = v.value
        elif f.kind == "duration":
            row[f.column] = str(v)
        elif f.kind == "strset":
            row[f.column] = sorted(v)
        else:
            row[f.column] = v
    return row


def accounts_to_table(accounts: Iterable[Account]) -> pa.Table:
    """The accounts as an :data:`ACCOUNTS_SCHEMA` table (all their facts, nothing lost but the
    offset instants were written in)."""
    cols: dict[str, list[Any]] = {f.name: [] for f in ACCOUNTS_SCHEMA}
    for a in accounts:
        cols["id"].append(a.id)
        cols["timezone"].append(a.timezone)
        cols["address_timezone"].append(a.address_timezone)
        cols["contract"].append(a.contract)
        cols["contacts"].append(
            [
                {
                    "channel": c.channel,
                    "address": c.address,
                    "label": c.label,
                    "is_debtor": c.is_debtor,
                    "timezone": c.timezone,
                }
                for c in a.contacts
            ]
        )
        cols["invoices"].append(
            [
                {
                    "id": i.id,
                    "amount": format(i.amount.amount, "f"),
                    "currency": i.amount.currency,
                    "due": i.due,
                    "issued": i.issued,
                }
                for i in a.invoices
            ]
        )
        cols["events"].append([_event_row(e) for e in a.events])
    return pa.table(
        [pa.array(cols[f.name], type=f.type) for f in ACCOUNTS_SCHEMA], schema=ACCOUNTS_SCHEMA
    )


# --------------------------------------------------------------------------- table -> accounts


def _children(arr: pa.ChunkedArray | pa.Array) -> tuple[pa.StructArray, list[int]]:
    """The flattened struct values of a list column and its row offsets."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    lengths = arr.value_lengths().fill_null(0).to_pylist()
    return arr.flatten(), list(accumulate(lengths, initial=0))


def _per_row(built: list[Any], off: list[int]) -> list[tuple[Any, ...]]:
    """``built`` cut at the row offsets ``off``: one tuple per row (in C, no loop here)."""
    return list(map(tuple, map(built.__getitem__, map(slice, off, off[1:]))))


def _columns(values: pa.StructArray, names: Sequence[str]) -> dict[str, list[Any]]:
    return {n: values.field(n).to_pylist() for n in names}


def conform(table: pa.Table, *, encoded: bool = False) -> pa.Table:
    """``table`` with the exact :data:`ACCOUNTS_SCHEMA` types: missing optional columns are
    added as nulls, and nested fields the file lacks (an older writer) become null.

    ``encoded``: leave the dictionary-encoded text fields of the events (as
    :func:`overdue.portfolio.commands` reads them, see ``read_dictionary``) encoded, so the
    wake index can split a table before paying to decode them; the rows that go on are
    conformed again, without it.  A dictionary of text always casts to text, so no error is
    put off.

    Raises:
        ConfigError: there is no ``id`` column, or a column cannot be read as its type.
    """
    if table.schema.equals(ACCOUNTS_SCHEMA, check_metadata=False):
        return table
    if "id" not in table.column_names:
        raise ConfigError(
            "an accounts table needs an 'id' column",
            expected=", ".join(ACCOUNTS_SCHEMA.names),
            got=", ".join(table.column_names),
        )
    cols = []
    for f in ACCOUNTS_SCHEMA:
        if f.name not in table.column_names:
            cols.append(pa.nulls(table.num_rows, f.type))
            continue
        col = table[f.name]
        try:
            cols.append(_cast(col, f.type, encoded=encoded))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise ConfigError(
                f"accounts column {f.name!r} cannot be read as {f.type}",
                expected=str(f.type),
                got=f"{col.type} ({exc})",
                key_path=f.name,
            ) from None
    if encoded:
        fields = [
            pa.field(f.name, c.type, f.nullable)
            for f, c in zip(ACCOUNTS_SCHEMA, cols, strict=True)
        ]
        return pa.table(cols, schema=pa.schema(fields))
    return pa.table(cols, schema=ACCOUNTS_SCHEMA)


def _cast(col: pa.ChunkedArray, target: pa.DataType, *, encoded: bool = False) -> pa.ChunkedArray:
    if col.type.equals(target):
        return col
    if pa.types.is_list(target) and pa.types.is_struct(target.value_type):
        if not pa.types.is_list(col.type) or not pa.types.is_struct(col.type.value_type):
            raise pa.ArrowTypeError(f"expected a list of structs, got {col.type}")
        arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()  # no copy of one
        inner = arr.flatten()
        have = {inner.type.field(i).name for i in range(inner.type.num_fields)}
        children = []
        for i in range(target.value_type.num_fields):
            tf = target.value_type.field(i)
            if tf.name not in have:
                children.append(pa.nulls(len(inner), tf.type))
                continue
            child = inner.field(tf.name)
            if not (
                encoded
                and pa.types.is_dictionary(child.type)
                and child.type.value_type.equals(tf.type)
            ):
                child = child.cast(tf.type)
            children.append(child)
        fields = [
            pa.field(tf.name, c.type, tf.nullable)
            for tf, c in zip(target.value_type, children, strict=True)
        ]
        struct = pa.StructArray.from_arrays(children, fields=fields)
        offsets = arr.offsets
        return pa.chunked_array([pa.ListArray.from_arrays(offsets, struct, mask=arr.is_null())])
    return col.cast(target)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROS = (
    (datetime.min.replace(tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1),
    (datetime.max.replace(tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1),
)
"""The microseconds since 1970 a ``datetime`` can hold (years 1 to 9999)."""
_DAYS = (date.min.toordinal() - _EPOCH.toordinal(), date.max.toordinal() - _EPOCH.toordinal())
"""The days since 1970 a ``date`` can hold."""


def _instants(arr: pa.Array) -> list[datetime | None]:
    """Timestamps as aware UTC datetimes, several times faster than ``to_pylist`` (which
    builds a zone object per value).

    Without nulls and within the years a ``datetime`` holds, each value is made in C from
    its fields, computed for the whole column with numpy (:func:`_utc_datetimes`); otherwise
    ``timedelta(0, 0, m)`` is the exact value of ``timedelta(microseconds=m)`` without the
    keyword parsing (and a value out of range raises as it always did)."""
    micros = arr.cast(pa.int64())
    if np is not None and len(micros) and not micros.null_count:
        low, high = pc.min_max(micros).values()
        if _MICROS[0] <= low.as_py() and high.as_py() <= _MICROS[1]:
            return _utc_datetimes(micros.to_numpy())
    return [None if m is None else _EPOCH + timedelta(0, 0, m) for m in micros.to_pylist()]


def _utc_datetimes(micros: Any) -> list[datetime | None]:
    """Microseconds since 1970 (a numpy ``int64`` array, every value within years 1 to 9999)
    as datetimes in UTC, equal to ``_EPOCH + timedelta(0, 0, m)``.

    The fields of every value are computed by numpy; each datetime is then made in C by
    ``datetime(state, UTC)``, where ``state`` is the ten bytes its pickle holds (year high and
    low byte, month, day, hour, minute, second, microsecond in three bytes): no Python code
    runs per value."""
    stamps = micros.astype("datetime64[us]")
    days = stamps.astype("datetime64[D]")  # floors, also before 1970
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    seconds, micro = np.divmod((stamps - days).astype(np.int64), 1_000_000)
    state = np.empty((len(micros), 10), np.uint8)
    state[:, 0], state[:, 1] = year >> 8, year & 255
    state[:, 2] = (months - years).astype(np.int64) + 1
    state[:, 3] = (days - months).astype(np.int64) + 1
    state[:, 4], state[:, 5], state[:, 6] = seconds // 3600, seconds // 60 % 60, seconds % 60
    state[:, 7], state[:, 8], state[:, 9] = micro >> 16, (micro >> 8) & 255, micro & 255
    from_state: Any = datetime  # ``datetime(bytes, tzinfo)``: the unpickling constructor
    return list(map(from_state, state.view("V10").ravel().tolist(), repeat(UTC)))


def _dates(arr: pa.Array) -> list[date | None]:
    """A ``date32`` column's values, as ``to_pylist`` gives them but about forty times
    faster: numpy's days tolist as dates (``NaT``, a null, as ``None``)."""
    days = arr.cast(pa.int32())
    low, high = pc.min_max(days).values()
    low, high = low.as_py(), high.as_py()
    if np is None or low is None or not (_DAYS[0] <= low and high <= _DAYS[1]):
        return arr.to_pylist()  # type: ignore[no-any-return]
    return arr.to_numpy(zero_copy_only=False).tolist()  # type: ignore[no-any-return]


def _values(arr: pa.Array, kind: FieldKind, empty_is_default: bool = False) -> list[Any] | None:
    """A column's values for the constructor; ``None`` in it: not given, and ``None`` for
    the whole column: no value given.  ``empty_is_default``: an empty set is the field's
    default (``debt_ids``), so it is not given either."""
    if arr.null_count == len(arr):  # a field this kind's events do not use
        return None
    if kind == "datetime":
        return _instants(arr)
    if kind == "date":
        return _dates(arr)
    if kind == "strset" and empty_is_default and not pc.max(pc.list_value_length(arr)).as_py():
        return None  # every set empty (or null): the default
    values = arr.to_pylist()
    if kind == "outcome":
        return list(map(_OUTCOMES.get, values, values))  # None stays None; text not known too
    if kind == "duration":
        return [None if v is None else Duration.parse(v) for v in values]
    if kind == "strset":
        if empty_is_default:
            return [frozenset(v) if v else None for v in values]
        return [None if v is None else frozenset(v) for v in values]
    return values  # type: ignore[no-any-return]


def _empty_is_default(cls: type[Event], name: str) -> bool:
    """Whether an empty set given for field ``name`` of ``cls`` makes the field's default."""
    a = attrs.fields_dict(cls)[name]
    if a.default is attrs.NOTHING:
        return False
    convert: Any = a.converter if callable(a.converter) else (lambda v: v)
    try:
        return bool(convert(a.default) == convert(frozenset()))
    except Exception:
        return False


_COLUMN_KINDS: dict[FieldKind, ColumnKind] = {
    "datetime": "instant",  # ``_instants``: None or a datetime in UTC
    "date": "date",  # ``_dates``: None or a date
    "str": "text",
    "outcome": "text",
    "strset": "text",
    "int": "text",
    "duration": "other",
    "money": "other",
}
"""What each column of :func:`_kind_columns` holds, for :func:`~._construct.many`."""


def _kind_columns(
    cls: type[Event], values: pa.StructArray, idx: pa.Array
) -> list[list[Any] | None]:
    """The constructor arguments of every ``cls`` event at ``idx``, one list per field in
    attrs order, converted column by column (money from amount text and currency, outcomes,
    durations); ``None`` where a value is not given (for a whole column: none is)."""
    out: list[list[Any] | None] = []
    for f in event_fields(cls):
        arr = values.field(f.column).take(idx)
        if f.kind == "money":
            assert f.currency_column is not None
            cur = values.field(f.currency_column).take(idx).to_pylist()
            amounts = arr.to_pylist()
            out.append(_moneys(amounts, cur) or [
                None if a is None else _money(a, c) for a, c in zip(amounts, cur, strict=True)
            ])
        else:
            out.append(_values(arr, f.kind, f.kind == "strset" and _empty_is_default(cls, f.name)))
    return out


def _money(amount: str, currency: str | None) -> Money | str:
    """Money from its parts; a text the event's validator then refuses when they are bad."""
    try:
        return Money(amount, currency)  # type: ignore[arg-type]
    except OverdueError:
        return f"{amount} {currency}"


_OUTCOMES = {o.value: o for o in Outcome}
_MONEY_AMOUNT, _MONEY_CURRENCY = setters(Money, ("amount", "currency"))


def _moneys(amounts: list[Any], currencies: list[Any]) -> list[Money] | None:
    """``Money(a, c)`` for every pair, column by column: the amounts through Money's own
    converter, each distinct currency through its own validator once, the two slots filled
    in C.  ``None`` when any amount is missing or any part is refused (then :func:`_money`
    makes each, or the text its event refuses)."""
    try:
        if any(map(_is_none, amounts)):
            return None
        for c in set(currencies):
            _currency(None, None, c)
        decimals = list(map(_to_decimal, amounts))
    except (OverdueError, TypeError):
        return None
    made: list[Money] = list(map(new, repeat(Money, len(decimals))))
    exhaust(map(_MONEY_AMOUNT, made, decimals))
    exhaust(map(_MONEY_CURRENCY, made, currencies))
    return made


class _Problems:
    """The first problem of each row, located (account id, event index, key path).

    Values are built column by column (events kind by kind, in the order the kinds first occur
    in the whole table), so a row may meet its problems out of its own order; the one kept is
    the first in the account's order, and an account's error row never depends on the other
    rows of its table or partition.
    """

    def __init__(self, ids: list[Any]) -> None:
        self.ids = ids
        self.found: dict[int, OverdueError] = {}

    def add(
        self, row: int, exc: OverdueError, key_path: str, event_index: int | None = None
    ) -> None:
        held = self.found.get(row)
        if held is None or (
            event_index is not None
            and held.event_index is not None
            and event_index < held.event_index
        ):
            aid = self.ids[row]
            self.found[row] = exc.located(
                account_id=aid if isinstance(aid, str) else None,
                event_index=event_index,
                key_path=exc.key_path or key_path,
            )


_contact = constructor(ContactPoint)
_account = constructor(Account)


def _account_by_keywords(
    aid: Any, zone: Any, contacts: Any, invoices: Any, events: Any, contract: Any, addr: Any,
    _debtor: None,
) -> Account:
    return Account(aid, timezone=zone, contacts=contacts, invoices=invoices, events=events,
                   contract=contract, address_timezone=addr)  # fmt: skip


def _contacts(table: pa.Table, problems: _Problems) -> list[tuple[ContactPoint, ...]]:
    """Each row's contact points (a bad one is the row's problem, and is left out)."""
    values, off = _children(table["contacts"])
    c = _columns(values, ("channel", "address", "label", "is_debtor", "timezone"))
    channels, addresses = c["channel"], c["address"]
    built: list[Any] | None = many(
        ContactPoint, len(channels), [channels, addresses, c["label"], c["is_debtor"],
                                      c["timezone"], None, None], ["text"] * 7)  # fmt: skip
    if built is not None:  # every one plainly valid: built column by column
        return _per_row(built, off)
    if None not in channels and None not in addresses:  # the constructor's ``None``: not given
        try:
            built = list(map(_contact, channels, addresses, c["label"], c["is_debtor"],
                             c["timezone"]))  # fmt: skip
        except OverdueError:
            built = []
    else:
        built = []
    if not built and channels:
        for j in range(len(channels)):
            try:
                built.append(
                    ContactPoint(
                        channels[j],
                        addresses[j],
                        label=c["label"][j],
                        is_debtor=True if c["is_debtor"][j] is None else c["is_debtor"][j],
                        timezone=c["timezone"][j],
                    )
                )
            except OverdueError as exc:
                row = bisect.bisect_right(off, j) - 1
                problems.add(row, exc, f"$.contacts[{j - off[row]}]")
                built.append(None)
    return [tuple(x for x in built[off[r] : off[r + 1]] if x is not None)
            for r in range(len(off) - 1)]  # fmt: skip


def _invoices(table: pa.Table, problems: _Problems) -> list[tuple[Invoice, ...]]:
    """Each row's invoices (a bad one is the row's problem, and is left out)."""
    values, off = _children(table["invoices"])
    iv = _columns(values, ("id", "amount", "currency", "due"))
    iv["issued"] = _instants(values.field("issued"))
    invoices: list[tuple[Invoice, ...]] = []
    for row in range(len(off) - 1):
        out = []
        for j in range(off[row], off[row + 1]):
            try:
                out.append(
                    Invoice(
                        iv["id"][j],
                        Money(iv["amount"][j], iv["currency"][j]),
                        iv["due"][j],
                        issued=iv["issued"][j],
                    )
                )
            except OverdueError as exc:
                problems.add(row, exc, f"$.invoices[{j - off[row]}]")
        invoices.append(tuple(out))
    return invoices


def _events(table: pa.Table, problems: _Problems) -> tuple[list[Event | None], list[int]]:
    """Every event of the table in row order (``None`` where one could not be built: the
    row's problem) and the row offsets into that list.  One pass per kind, over only the
    columns that kind uses."""
    values, off = _children(table["events"])
    kinds = values.field("kind")
    built: list[Event | None] = [None] * len(kinds)
    for kind in pc.unique(kinds).to_pylist():
        positions = pc.indices_nonzero(pc.equal(kinds, kind)) if kind is not None else (
            pc.indices_nonzero(pc.is_null(kinds)))  # fmt: skip
        where = positions.to_pylist()
        cls = EVENT_KINDS.get(kind)
        if cls is None:
            for j in where:
                row = bisect.bisect_right(off, j) - 1
                problems.add(
                    row,
                    ConfigError(
                        "unknown event kind", expected=" | ".join(sorted(EVENT_KINDS)), got=kind
                    ),
                    f"$.events[{j - off[row]}].kind",
                    j - off[row],
                )
            continue
        _build_kind(cls, _kind_columns(cls, values, positions), where, off, built, problems)
    return built, off


def _build_kind(
    cls: type[Event],
    columns: list[list[Any] | None],
    where: list[int],
    off: list[int],
    built: list[Event | None],
    problems: _Problems,
) -> None:
    """The ``cls`` events at positions ``where`` of ``built``: all at once when every one can
    be built, else one by one, each failure its row's problem."""
    made = many(cls, len(where), columns, [_COLUMN_KINDS[f.kind] for f in event_fields(cls)])
    if made is not None:  # every one plainly valid: built column by column
        for j, event in zip(where, made, strict=True):
            built[j] = event
        return
    cols = [[None] * len(where) if c is None else c for c in columns]
    make = constructor(cls)  # ``cls(**kw)`` without the keyword call
    try:
        for j, event in zip(where, map(make, *cols), strict=True):
            built[j] = event
        return
    except (OverdueError, TypeError, ValueError, LookupError):
        pass
    for p, j in enumerate(where):
        problem: OverdueError
        try:
            built[j] = make(*[col[p] for col in cols])
            continue
        except OverdueError as exc:
            problem = exc
        except (TypeError, ValueError, LookupError) as exc:
            problem = ConfigError(f"event cannot be built: {exc}")
        built[j] = None
        row = bisect.bisect_right(off, j) - 1
        problems.add(row, problem, f"$.events[{j - off[row]}]", j - off[row])


_ACCOUNT_KINDS: list[ColumnKind] = ["text", "text", "other", "other", "events", "text", "text",
                                    "text"]  # fmt: skip
"""What :func:`accounts_from_table` hands :func:`~._construct.many` for each Account field."""


def accounts_from_table(table: pa.Table) -> list[Account | OverdueError]:
    """Every row of an :data:`ACCOUNTS_SCHEMA` table as an :class:`Account`, or the located
    error that stops it (account id, event index, key path), in row order."""
    table = conform(table)
    ids = table["id"].to_pylist()
    zones = table["timezone"].to_pylist()
    addr_zones = table["address_timezone"].to_pylist()
    contracts = table["contract"].to_pylist()
    problems = _Problems(ids)
    contacts = _contacts(table, problems)
    invoices = _invoices(table, problems)
    events, off = _events(table, problems)
    found = problems.found
    histories = _per_row(events, off)
    if not found:
        made = many(Account, len(ids), [ids, zones, contacts, invoices, histories, contracts,
                                        addr_zones, None], _ACCOUNT_KINDS)  # fmt: skip
        if made is not None:  # every account plainly valid: built column by column
            return made  # type: ignore[return-value]
    out: list[Account | OverdueError] = []
    for row, aid in enumerate(ids):
        if row in found:
            out.append(found[row])
            continue
        try:
            # (the constructor reads ``None`` as "not given": a missing id is the keyword
            # call's to refuse, as it always was)
            make = _account if aid is not None else _account_by_keywords
            out.append(
                make(
                    aid,
                    zones[row],
                    contacts[row],
                    invoices[row],
                    histories[row],
                    contracts[row],
                    addr_zones[row],
                    None,
                )
            )
        except OverdueError as exc:
            problems.add(row, exc, "$")
            out.append(found[row])
    return out


# --------------------------------------------------------------------------- decisions


def _codes(reasons: Iterable[Any]) -> list[str]:
    return [r.code for r in reasons]


class DecisionRows:
    """Decisions and error rows gathered column by column, then made into one table."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {f.name: [] for f in DECISIONS_SCHEMA}

    def __len__(self) -> int:
        return len(self.cols["account_id"])

    def add(self, d: Decision, *, events: int, invoices: int, source: str = "engine") -> None:
        """One decision; ``events``/``invoices`` are the counts of the account it was made for
        (the wake index compares them with the next run's)."""
        c = self.cols
        a = d.actions[0] if d.actions else None
        c["account_id"].append(d.account_id)
        c["at"].append(d.at)
        c["source"].append(source)
        c["status"].append(d.status)
        c["stage"].append(d.stage)
        c["stage_since"].append(d.stage_since)
        c["days_overdue"].append(d.days_overdue)
        c["balance"].append(None if d.balance is None else format(d.balance.amount, "f"))
        c["currency"].append(None if d.balance is None else d.balance.currency)
        c["zone"].append(d.zone)
        c["policy_id"].append(d.policy_id)
        c["policy_version"].append(d.policy_version)
        c["enters"].append(d.transition.to_stage if d.transition is not None else None)
        c["action_stage"].append(a.stage if a else None)
        c["action_step"].append(a.step if a else None)
        c["action_channel"].append(a.channel if a else None)
        c["action_template"].append(a.template if a else None)
        c["action_attempt"].append(a.attempt if a else None)
        c["action_max_attempts"].append(a.max_attempts if a else None)
        c["action_not_before"].append(a.not_before if a else None)
        c["action_idempotency_key"].append(a.idempotency_key if a else None)
        c["actions"].append(len(d.actions))
        c["due_actions"].append(sum(1 for x in d.actions if x.not_before <= d.at))
        c["blocked"].append(len(d.blocked))
        c["deadline"].append(d.deadline)
        c["wake_at"].append(d.wake_at)
        c["reasons"].append(_codes(d.reasons))
        c["action_reasons"].append(_codes(a.reasons) if a else None)
        c["retain_until"].append(d.retain_until)
        c["input_events"].append(events)
        c["input_invoices"].append(invoices)
        for k in ("error_type", "error_message", "error_key_path", "error_event_index"):
            c[k].append(None)

    def add_error(self, account_id: str | None, error: BaseException, at: datetime) -> None:
        """An error row in place of a decision: nothing is lost, the counts reconcile."""
        c = self.cols
        for k, v in c.items():
            if k not in ("account_id", "at", "source", "status") and not k.startswith("error_"):
                v.append(None)
        c["account_id"].append(account_id)
        c["at"].append(at)
        c["source"].append("engine")
        c["status"].append("error")
        c["error_type"].append(type(error).__name__)
        c["error_message"].append(str(error) or repr(error))
        over = error if isinstance(error, OverdueError) else None
        c["error_key_path"].append(over.key_path if over is not None else None)
        c["error_event_index"].append(over.event_index if over is not None else None)

    def table(self) -> pa.Table:
        """The rows as a :data:`DECISIONS_SCHEMA` table."""
        return pa.table(
            [pa.array(self.cols[f.name], type=f.type) for f in DECISIONS_SCHEMA],
            schema=DECISIONS_SCHEMA,
        )


def decision_rows(decisions: Iterable[Decision]) -> pa.Table:
    """Decisions made elsewhere (``decide`` in a loop) as a :data:`DECISIONS_SCHEMA` table.

    ``input_events``/``input_invoices`` are left null: without them the wake index decides such
    an account again, which is always safe.
    """
    rows = DecisionRows()
    for d in decisions:
        rows.add(d, events=0, invoices=0)
    t = rows.table()
    i = t.schema.get_field_index("input_events")
    t = t.set_column(i, "input_events", pa.nulls(t.num_rows, pa.int32()))
    j = t.schema.get_field_index("input_invoices")
    return t.set_column(j, "input_invoices", pa.nulls(t.num_rows, pa.int32()))


# --------------------------------------------------------------------------- files


def read_accounts(path: str | Path) -> pa.Table:
    """An accounts table from a Parquet file or a directory of them (a partitioned dataset).

    Raises:
        ConfigError: the file is not an accounts table (no ``id`` column, a wrong type).
        OSError: it cannot be read.
    """
    pq = require("pyarrow.parquet", "arrow")
    return conform(pq.read_table(str(path)))


def write_accounts(path: str | Path, accounts: Iterable[Account] | pa.Table) -> None:
    """Write accounts (or an accounts table) to one Parquet file."""
    pq = require("pyarrow.parquet", "arrow")
    table = accounts if isinstance(accounts, pa.Table) else accounts_to_table(accounts)
    pq.write_table(table, str(path))


def read_decisions(path: str | Path) -> pa.Table:
    """A decisions table written by :func:`write_decisions` (a file or a directory)."""
    pq = require("pyarrow.parquet", "arrow")
    table = pq.read_table(str(path))
    return table.select(DECISIONS_SCHEMA.names).cast(DECISIONS_SCHEMA)


def write_decisions(path: str | Path, decisions: pa.Table) -> None:
    """Write a decisions table to one Parquet file."""
    pq = require("pyarrow.parquet", "arrow")
    pq.write_table(decisions, str(path))

