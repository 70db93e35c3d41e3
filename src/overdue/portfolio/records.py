"""Accounts from plain records, fast: the field table every portfolio format shares.

Reading a portfolio is mostly building values: the generic policy-file decoder
(:mod:`overdue.config._codec`) walks type annotations for every key of every event and collects
every problem with its key path, which is right for a policy file a person wrote and costs about
ten times the work for a JSONL line a machine wrote.  This module builds an
:class:`~overdue.account.Account` directly from a JSON object (:func:`account_from_json`), or
from typed values read from Arrow (:func:`event_from_values`), with the same constructors and
therefore the same validators.  When anything is unusual (a key it does not know, a value of an
unexpected type, a value a validator refuses) the fast path gives up and the caller uses the
generic decoder, which then either builds the same account or reports the located error: the
fast path never decides what is valid, it only skips the walk for what plainly is.

The event field table (:func:`event_fields`) is derived from the event classes' own attrs
fields and annotations, so an optional field added to an event (a ``recorded_at``) is read and
written by every format without an edit here; a field of a type this table does not know fails
at import, not silently at run time.

This module needs nothing beyond the core dependencies (no pyarrow).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from datetime import date, datetime, timezone, tzinfo
from typing import Any, Literal

import attrs

from overdue.account import Account, ContactPoint, Invoice
from overdue.durations import Duration
from overdue.errors import UsageError
from overdue.events import EVENT_KINDS, Event, Outcome
from overdue.limits import (
    MAX_YEAR,
    MIN_YEAR,
    check_count,
    check_date,
    check_decimal,
    check_duration,
    unicode_problem,
)
from overdue.money import Money
from overdue.portfolio._construct import building, constructor, writable

__all__ = [
    "EventField",
    "FieldKind",
    "account_from_json",
    "event_columns",
    "event_fields",
]

FieldKind = Literal["str", "money", "date", "datetime", "outcome", "duration", "strset", "int"]
"""How a field is stored: text, money (amount text + currency), date, instant, contact
outcome, duration text (``'3bd'``), a set of strings, a whole number."""


@attrs.frozen
class EventField:
    """One attribute of an event class, and the column that holds it in a portfolio table.

    Attributes:
        name: the attribute (and JSON key).
        kind: how it is stored (:data:`FieldKind`).
        required: the event cannot be built without it.
        column: the column in the events table (``until_date`` for the date-valued ``until`` of a
            payment plan, since ``until`` is an instant everywhere else).
        currency_column: for money, the column of the currency (``currency`` for ``amount``).
        nullable: ``None`` is a value the field accepts.
    """

    name: str
    kind: FieldKind
    required: bool
    column: str
    currency_column: str | None = None
    nullable: bool = False


_PLAIN_KINDS: tuple[tuple[object, FieldKind], ...] = (
    (str, "str"),
    (Money, "money"),
    (datetime, "datetime"),
    (date, "date"),
    (Outcome, "outcome"),
    (Duration, "duration"),
    (int, "int"),
)
"""The storage kind of each plain annotation (checked by identity, in this order)."""


def _kind_of(tp: Any) -> tuple[FieldKind, bool]:
    """The storage kind of an annotation, and whether ``None`` is allowed."""
    args = typing.get_args(tp)
    optional = type(None) in args
    if optional:
        rest = [a for a in args if a is not type(None)]
        tp = rest[0] if len(rest) == 1 else tp
    origin = typing.get_origin(tp)
    for plain, kind in _PLAIN_KINDS:
        if tp is plain:
            return kind, optional
    if origin in (frozenset, set, tuple, list) and typing.get_args(tp)[:1] == (str,):
        return "strset", optional
    raise UsageError(f"no portfolio column kind for event field type {tp!r}")


def event_fields(cls: type[Event]) -> tuple[EventField, ...]:
    """The fields of an event class in declaration order, ``at`` first."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = _event_fields(cls)
    return found


_FIELDS: dict[type[Event], tuple[EventField, ...]] = {}


def _event_fields(cls: type[Event]) -> tuple[EventField, ...]:
    hints = typing.get_type_hints(cls)
    out = []
    for a in attrs.fields(cls):
        if not a.init:
            continue
        kind, optional = _kind_of(hints[a.name])
        column = a.name
        if kind == "date" and a.name in _INSTANT_NAMES:
            column = f"{a.name}_date"
        currency = None
        if kind == "money":
            currency = "currency" if a.name == "amount" else f"{a.name}_currency"
        out.append(
            EventField(a.name, kind, a.default is attrs.NOTHING, column, currency, optional)
        )
    return tuple(out)


def _instant_names() -> frozenset[str]:
    names = set()
    for cls in EVENT_KINDS.values():
        hints = typing.get_type_hints(cls)
        for a in attrs.fields(cls):
            if a.init and _kind_of(hints[a.name])[0] == "datetime":
                names.add(a.name)
    return frozenset(names)


_INSTANT_NAMES = _instant_names()


@functools.cache
def event_columns() -> tuple[tuple[str, FieldKind], ...]:
    """Every column of the events table with its kind, ``kind`` and ``at`` first, then the
    others in the order they first appear across :data:`~overdue.events.EVENT_KINDS`."""
    seen: dict[str, FieldKind] = {"kind": "str", "at": "datetime"}
    for cls in EVENT_KINDS.values():
        for f in event_fields(cls):
            if f.kind == "money":
                seen.setdefault(f.column, "str")
                assert f.currency_column is not None
                seen.setdefault(f.currency_column, "str")
                continue
            if seen.setdefault(f.column, f.kind) != f.kind:
                raise UsageError(f"event column {f.column!r} has two kinds")
    return tuple(seen.items())


# --------------------------------------------------------------------------- from JSON


class _SlowPathError(Exception):
    """The record is not plainly valid: let the generic decoder read it (and explain)."""


def _s(v: object) -> str:
    # Lone surrogates are refused by the generic decoder: leave such text to it.
    if type(v) is not str or (not v.isascii() and unicode_problem(v) is not None):
        raise _SlowPathError
    return v


def _opt_s(v: object) -> str | None:
    return None if v is None else _s(v)


# One zone object per offset: ``fromisoformat`` makes a new one for every instant, and two
# instants compare (and sort) about ten times faster when they share their zone object than
# when Python must ask each for its offset, which the fold and the engine do thousands of
# times per portfolio.  The instants are equal either way.  (``combine`` puts the shared zone
# on; ``replace(tzinfo=...)`` costs several times more.)
_ZONES: dict[tzinfo, tzinfo] = {}
_fromisoformat = datetime.fromisoformat
_combine = datetime.combine


def _ts(v: object) -> datetime:
    if type(v) is not str:
        raise _SlowPathError
    d = _fromisoformat(v)  # a ValueError (not a timestamp) sends the record to the generic path
    tz = d.tzinfo
    if type(tz) is not timezone:  # naive (fromisoformat makes no other zone)
        raise _SlowPathError
    shared = _ZONES.get(tz)
    if shared is None:
        shared = tz
        if len(_ZONES) < 1024:
            _ZONES[tz] = tz
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise _SlowPathError
    return _combine(d, d.time(), shared)


def _date(v: object) -> date:
    d = date.fromisoformat(_s(v))
    if check_date(d) is not None:
        raise _SlowPathError
    return d


def _money(v: object) -> Money:
    m = Money.parse(_s(v))
    if check_decimal(m.amount) is not None:
        raise _SlowPathError
    return m


_OUTCOMES = {o.value: o for o in Outcome}


def _json_value(kind: FieldKind, v: object) -> object:
    if kind == "str":
        return _s(v)
    if kind == "datetime":
        return _ts(v)
    if kind == "money":
        return _money(v)
    if kind == "date":
        return _date(v)
    if kind == "outcome":
        found = _OUTCOMES.get(_s(v))
        if found is None:
            raise _SlowPathError
        return found
    if kind == "duration":
        duration = Duration.parse(_s(v))
        if check_duration(duration) is not None:
            raise _SlowPathError
        return duration
    if kind == "int":
        if type(v) is not int or check_count(v) is not None:
            raise _SlowPathError
        return v
    # strset
    if type(v) is not list:
        raise _SlowPathError
    return frozenset(_s(x) for x in v)


@functools.cache
def _keys(cls: type[Any]) -> frozenset[str]:
    return frozenset(a.name for a in attrs.fields(cls) if a.init)


_ACCOUNT_KEYS = _keys(Account) | {"schema"}


def _event_from_json(data: object) -> Event:
    if type(data) is not dict:
        raise _SlowPathError
    kind = data.get("kind")
    shapes = _SHAPES.get(kind)  # type: ignore[arg-type]
    if shapes is not None:
        decode = shapes.get(tuple(data))
        if decode is not None:
            return decode(data)
    return _new_shape(kind, data)


def _new_shape(kind: object, data: dict[str, Any]) -> Event:
    cls = EVENT_KINDS.get(kind) if type(kind) is str else None
    if cls is None:
        raise _SlowPathError
    shapes = _SHAPES.setdefault(cls.kind, {})
    if len(shapes) < _MAX_SHAPES:
        decode = shapes[tuple(data)] = _compile_shape(cls, tuple(data))
        return decode(data)
    found = _DECODERS.get(cls.kind)  # many shapes: the decoder that reads any of them
    if found is None:
        found = _DECODERS[cls.kind] = _compile(cls)
    return found(data)


_SHAPES: dict[str, dict[tuple[str, ...], typing.Callable[[dict[str, Any]], Event]]] = {}
_MAX_SHAPES = 64
"""Shapes (keys in their order) read by a decoder of their own, per event kind.  A host writes
each kind of event with the same few keys, in the same order; past this many a kind's events
are read by one decoder for every shape."""


def _reading(k: int, f: EventField, env: dict[str, Any]) -> list[str]:
    """The lines that read field ``f``'s JSON value in local ``v{k}`` (not ``None``)."""
    if f.kind == "str":
        # Lone surrogates (``"\\ud800"`` in JSON) are refused by the generic decoder.
        return [f"    if type(v{k}) is not str or not v{k}.isascii() and bad(v{k}):",
                "        raise Slow"]  # fmt: skip
    env[f"r{k}"] = _converter(f.kind)
    return [f"    v{k} = r{k}(v{k})"]


def _compile_shape(
    cls: type[Event], shape: tuple[str, ...]
) -> typing.Callable[[dict[str, Any]], Event]:
    """A decoder of the ``cls`` events written with exactly the keys ``shape``, in that order:
    the values unpacked at once, each read by its kind (never null: a null is the generic
    decoder's to judge), and the event built with the fields the shape lacks at their
    defaults, without a test (:func:`~overdue.portfolio._construct.building`)."""
    fields = event_fields(cls)
    index = {f.name: k for k, f in enumerate(fields)}
    required = {f.name for f in fields if f.required}
    if not set(shape) <= {*index, "kind"} or not required <= set(shape) or not writable(cls):
        return _slow
    body, env = building(cls, frozenset(index[key] for key in shape if key != "kind"))
    env.update({"Slow": _SlowPathError, "bad": unicode_problem})
    targets = ", ".join("_" if key == "kind" else f"v{index[key]}" for key in shape)
    lines = ["def decode(data):", f"    ({targets},) = data.values()"]
    for key in shape:
        if key != "kind":
            lines.extend(_reading(index[key], fields[index[key]], env))
    exec("\n".join([*lines, *body]), env)  # our own text, made from the class's fields
    return env["decode"]  # type: ignore[no-any-return]


def _slow(_data: dict[str, Any]) -> Event:
    raise _SlowPathError


_DECODERS: dict[str, typing.Callable[[dict[str, Any]], Event]] = {}


def _compile(cls: type[Event]) -> typing.Callable[[dict[str, Any]], Event]:
    """A decoder of one event class's JSON object, written out field by field.

    Each value is read by its kind (text type-checked, instants, money, dates and outcomes by
    their readers) and handed to the class's :func:`~overdue.portfolio._construct.constructor`,
    which converts, defaults and validates as ``cls(**kw)`` does.  A key the class does not
    have, a null (the generic decoder says where a null is not allowed) or anything refused
    sends the object to the generic decoder.
    """
    fields = event_fields(cls)
    attributes = [a for a in attrs.fields(cls) if a.init]
    assert [f.name for f in fields] == [a.name for a in attributes]
    env: dict[str, Any] = {
        "make": constructor(cls),
        "Slow": _SlowPathError,
        "bad": unicode_problem,
        "allowed": frozenset(f.name for f in fields) | {"kind"},
    }
    lines = [
        "def decode(data):",
        "    if not allowed.issuperset(data) or None in data.values():",
        "        raise Slow",
        "    get = data.get",
    ]
    for k, f in enumerate(fields):
        lines.append(f"    v{k} = get({f.name!r})")
        lines.append(f"    if v{k} is not None:")
        lines.extend("    " + line for line in _reading(k, f, env))
    lines.append(f"    return make({', '.join(f'v{k}' for k in range(len(fields)))})")
    exec("\n".join(lines), env)  # our own text, made from the class's fields
    return env["decode"]  # type: ignore[no-any-return]


def _outcome_of(v: object) -> Outcome:
    found = _OUTCOMES.get(v) if type(v) is str else None
    if found is None:
        raise _SlowPathError
    return found


def _converter(kind: FieldKind) -> typing.Callable[[object], object]:
    """The reader of one JSON value of ``kind`` other than ``str``."""
    readers: dict[str, typing.Callable[[object], object]] = {
        "datetime": _ts,
        "money": _money,
        "date": _date,
        "outcome": _outcome_of,
    }
    return readers.get(kind) or functools.partial(_json_value, kind)


_CONTACT_KEYS = _keys(ContactPoint)
_INVOICE_KEYS = _keys(Invoice)
_contact = constructor(ContactPoint)
_invoice = constructor(Invoice)
_account = constructor(Account)


def _contact_from_json(data: object) -> ContactPoint:
    if type(data) is not dict or not _CONTACT_KEYS.issuperset(data) or None in data.values():
        raise _SlowPathError
    get = data.get
    is_debtor = get("is_debtor", True)
    if type(is_debtor) is not bool:
        raise _SlowPathError
    return _contact(
        _s(get("channel")),
        _s(get("address")),
        _opt_s(get("label")),
        is_debtor,
        _opt_s(get("timezone")),
        _opt_s(get("kind")),
        _opt_s(get("relationship")),
    )


def _invoice_from_json(data: object) -> Invoice:
    if type(data) is not dict or not _INVOICE_KEYS.issuperset(data) or None in data.values():
        raise _SlowPathError
    issued = data.get("issued")
    return _invoice(
        _s(data.get("id")),
        _money(data.get("amount")),
        _date(data.get("due")),
        None if issued is None else _ts(issued),
    )


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    v = data.get(key, ())
    if v == ():
        return []
    if type(v) is not list:
        raise _SlowPathError
    return v


def _fast(data: Mapping[str, Any]) -> Account:
    if type(data) is not dict or not _ACCOUNT_KEYS.issuperset(data) or None in data.values():
        raise _SlowPathError
    if data.get("schema", "overdue.account/1") != "overdue.account/1":
        raise _SlowPathError
    get = data.get
    return _account(
        _s(get("id")),
        _opt_s(get("timezone")),
        tuple([_contact_from_json(c) for c in _list(data, "contacts")]),
        tuple([_invoice_from_json(i) for i in _list(data, "invoices")]),
        tuple([_event_from_json(e) for e in _list(data, "events")]),
        _opt_s(get("contract")),
        _opt_s(get("address_timezone")),
        _opt_s(get("debtor_id")),
    )


def account_from_json(data: Mapping[str, Any]) -> Account | None:
    """The account of a JSON object (``docs/formats.md``) built directly, or ``None``.

    ``None`` means "not plainly valid": the caller reads the object with the generic decoder
    (:func:`overdue.config.account_from_dict`), which builds it or says exactly what is wrong.
    A result is always equal to what the generic decoder builds from the same object.
    """
    try:
        return _fast(data)
    except Exception:  # any surprise: the generic decoder reads it and explains
        return None
