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
from decimal import Decimal
from typing import Any, Literal

import attrs

from overdue._iso4217 import ISO4217_CODES
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
from overdue.portfolio._construct import (
    _PLAIN_CASES,
    _PLAIN_NAMES,
    _SURE_FOR,
    building,
    constructor,
    writable,
)

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


# One zone object per offset: ``fromisoformat`` makes a new one for every instant, and two
# instants compare (and sort) about ten times faster when they share their zone object than
# when Python must ask each for its offset, which the fold and the engine do thousands of
# times per portfolio.  The instants are equal either way.  (``combine`` puts the shared zone
# on; ``replace(tzinfo=...)`` costs several times more.)
_ZONES: dict[tzinfo, tzinfo] = {}
_fromisoformat = datetime.fromisoformat
_combine = datetime.combine


def _shared(tz: tzinfo) -> tzinfo:
    """The zone object instants of ``tz``'s offset share (``tz`` itself the first time)."""
    shared = _ZONES.get(tz)
    if shared is None:
        shared = tz
        if len(_ZONES) < 1024:
            _ZONES[tz] = tz
    return shared


def _ts(v: object) -> datetime:
    if type(v) is not str:
        raise _SlowPathError
    d = _fromisoformat(v)  # a ValueError (not a timestamp) sends the record to the generic path
    tz = d.tzinfo
    if type(tz) is not timezone:  # naive (fromisoformat makes no other zone)
        raise _SlowPathError
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise _SlowPathError
    return _combine(d, d.time(), _ZONES.get(tz) or _shared(tz))


def _date(v: object) -> date:
    d = date.fromisoformat(_s(v))
    if check_date(d) is not None:
        raise _SlowPathError
    return d


def _money(v: object) -> Money:
    """What ``Money.parse`` makes of ``v`` where it plainly accepts it (two words, an ISO 4217
    code), from the amount's ``Decimal`` and the code without ``Money``'s converter and
    validator (they accept these as they are); a ``Decimal`` that will not read raises, and
    sends the record to the generic decoder, as an amount the limits refuse does."""
    parts = _s(v).split()
    if len(parts) != 2 or parts[1] not in ISO4217_CODES:
        raise _SlowPathError
    amount = Decimal(parts[0])
    if check_decimal(amount) is not None:  # not finite, too many digits or places
        raise _SlowPathError
    return Money.of_checked(amount, parts[1])


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
        return _outcome_of(v)
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


def _outcome_of(v: object) -> Outcome:
    found = _OUTCOMES.get(v) if type(v) is str else None
    if found is None:
        raise _SlowPathError
    return found


ReadKind = Literal[FieldKind, "bool", "contacts", "invoices", "events"]
"""How a JSON value is read: a :data:`FieldKind`, a boolean, or a list of contact points,
invoices or events (each read by its own decoders)."""

_Decode = typing.Callable[[dict[str, Any]], Any]


def _reading(k: int, kind: ReadKind, env: dict[str, Any]) -> list[str]:
    """The lines that read a JSON value of ``kind`` in local ``v{k}`` (not ``None``), raising
    ``Slow`` where it is not plainly valid.  Text, booleans, instants and outcomes are read in
    line (a call per value was about a third of an event's reading)."""
    v = f"v{k}"
    if kind == "str":
        # Lone surrogates (``"\\ud800"`` in JSON) are refused by the generic decoder.
        return [f"    if type({v}) is not str or not {v}.isascii() and bad({v}):",
                "        raise Slow"]  # fmt: skip
    if kind == "bool":
        return [f"    if type({v}) is not bool:", "        raise Slow"]
    if kind == "outcome":
        env["outcomes"] = _OUTCOMES
        return [f"    {v} = outcomes.get({v}) if type({v}) is str else None",
                f"    if {v} is None:", "        raise Slow"]  # fmt: skip
    if kind == "datetime":  # what _ts does
        env.update(fromiso=_fromisoformat, timezone=timezone, zones=_ZONES, shared=_shared,
                   combine=_combine, LOW=MIN_YEAR, HIGH=MAX_YEAR)  # fmt: skip
        return [
            f"    if type({v}) is not str:",
            "        raise Slow",
            f"    {v} = fromiso({v})",
            f"    z = {v}.tzinfo",
            f"    if type(z) is not timezone or not LOW <= {v}.year <= HIGH:",
            "        raise Slow",
            f"    {v} = combine({v}, {v}.time(), zones.get(z) or shared(z))",
        ]
    env[f"r{k}"] = _converter(kind)
    return [f"    {v} = r{k}({v})"]


def _converter(kind: ReadKind) -> typing.Callable[[object], object]:
    """The reader of one JSON value of a ``kind`` not read in line."""
    readers: dict[str, typing.Callable[[object], object]] = {
        "money": _money,
        "date": _date,
        **_LIST_READERS,
    }
    found = readers.get(kind)
    if found is not None:
        return found
    return functools.partial(_json_value, typing.cast("FieldKind", kind))


# What a reader guarantees of each value it gives, as the plain cases of ``_PLAIN_CASES``
# (``overdue.events``, ``overdue.account``) that it makes true: the checks with those plain
# cases are left out of the decoders.
_GUARANTEED: dict[str, frozenset[str]] = {
    "datetime": frozenset(
        {
            "type({v}) is datetime and type({v}.tzinfo) in ALWAYS_AWARE",
            "{v} is None or type({v}) is datetime and type({v}.tzinfo) in ALWAYS_AWARE",
        }
        if timezone in typing.cast("tuple[type, ...]", _PLAIN_NAMES["ALWAYS_AWARE"])
        else ()
    ),
    "date": frozenset({"type({v}) is date"}),  # date.fromisoformat makes a date, never a subclass
    "outcome": frozenset({"type({v}) is Outcome"}),
    "contacts": frozenset({"type({v}) is tuple"}),
    "invoices": frozenset({"type({v}) is tuple"}),
    "events": frozenset({"type({v}) is tuple"}),
}


def _proven(kind: ReadKind) -> tuple[object, ...]:
    """The checks every value read as ``kind`` passes unchanged (``building``'s ``proven``)."""
    cases = _GUARANTEED.get(kind, frozenset())
    checks = [check for check, case in _PLAIN_CASES.items() if case in cases]
    if kind == "events":  # every one an Event: the events reader built them
        checks.extend(check for check, sure in _SURE_FOR.items() if sure == "events")
    return tuple(checks)


class _Shapes:
    """The decoders of one class's JSON objects, one per shape (its keys, in their order).

    A host writes each kind of record with the same few keys in the same order, so each shape
    gets a decoder of its own (:meth:`compile`): the values unpacked at once, each read by its
    kind, and the value built with the fields the shape lacks at their defaults, without a
    test.  Past :data:`_MAX_SHAPES` shapes, one decoder reads any shape (:meth:`any_shape`).
    ``extra``: keys that are not fields, with the one value each may hold (``None``: any, as
    an event's ``kind``, by which it was found).
    """

    __slots__ = ("cls", "decoders", "extra", "general", "kinds")

    def __init__(
        self, cls: type[Any], kinds: Mapping[str, ReadKind], extra: Mapping[str, str | None]
    ) -> None:
        self.cls = cls
        self.kinds = kinds
        self.extra = extra
        self.decoders: dict[tuple[str, ...], _Decode] = {}
        self.general: _Decode | None = None

    def read(self, data: object) -> Any:
        """The value of the JSON object ``data`` (``_SlowPathError`` if not plainly valid)."""
        if type(data) is not dict:
            raise _SlowPathError
        shape = tuple(data)
        decode = self.decoders.get(shape)
        if decode is None:
            decode = self.learn(shape)
        return decode(data)

    def learn(self, shape: tuple[str, ...]) -> _Decode:
        """The decoder of ``shape``, compiled and kept (or the any-shape one, past the limit)."""
        if len(self.decoders) < _MAX_SHAPES:
            decode = self.decoders[shape] = self.compile(shape)
            return decode
        if self.general is None:
            self.general = self.any_shape()
        return self.general

    def compile(self, shape: tuple[str, ...]) -> _Decode:
        """A decoder of the objects written with exactly the keys ``shape``, in that order."""
        cls, kinds, extra = self.cls, self.kinds, self.extra
        index = {a.name: k for k, a in enumerate(attrs.fields(cls))}
        required = {a.name for a in attrs.fields(cls) if a.default is attrs.NOTHING}
        if not set(shape) <= {*kinds, *extra} or not required <= set(shape) or not writable(cls):
            return _slow
        fields = [key for key in shape if key in kinds]
        body, env = building(
            cls,
            frozenset(index[key] for key in fields),
            {index[key]: _proven(kinds[key]) for key in fields},
        )
        env.update({"Slow": _SlowPathError, "bad": unicode_problem})
        reads, targets = [], []
        for j, key in enumerate(shape):
            if key in kinds:
                targets.append(f"v{index[key]}")
                reads.extend(_reading(index[key], kinds[key], env))
                continue
            targets.append(f"x{j}")
            if extra[key] is not None:
                env[f"want{j}"] = extra[key]
                reads.extend([f"    if x{j} != want{j}:", "        raise Slow"])
        lines = ["def decode(data):", f"    ({', '.join(targets)},) = data.values()"]
        exec("\n".join([*lines, *reads, *body]), env)  # our own text, made from the fields
        return env["decode"]  # type: ignore[no-any-return]

    def any_shape(self) -> _Decode:
        """A decoder of any shape of the class's objects, written out field by field.

        Each value is read by its kind and handed to the class's
        :func:`~overdue.portfolio._construct.constructor`, which converts, defaults and
        validates as ``cls(**kw)`` does.  A key the class does not have, a null (the generic
        decoder says where a null is not allowed) or anything refused sends the object to the
        generic decoder.
        """
        cls = self.cls
        fields = [a.name for a in attrs.fields(cls)]
        if not writable(cls) or not set(fields) <= set(self.kinds):
            return _slow
        env: dict[str, Any] = {
            "make": constructor(cls),
            "Slow": _SlowPathError,
            "bad": unicode_problem,
            "allowed": frozenset(fields) | set(self.extra),
        }
        lines = [
            "def decode(data):",
            "    if not allowed.issuperset(data) or None in data.values():",
            "        raise Slow",
            "    get = data.get",
        ]
        for j, (key, want) in enumerate(self.extra.items()):
            if want is not None:
                env[f"want{j}"] = want
                lines.extend([f"    if get({key!r}, want{j}) != want{j}:", "        raise Slow"])
        for k, name in enumerate(fields):
            lines.append(f"    v{k} = get({name!r})")
            lines.append(f"    if v{k} is not None:")
            lines.extend("    " + line for line in _reading(k, self.kinds[name], env))
        lines.append(f"    return make({', '.join(f'v{k}' for k in range(len(fields)))})")
        exec("\n".join(lines), env)  # our own text, made from the class's fields
        return env["decode"]  # type: ignore[no-any-return]


_MAX_SHAPES = 64
"""Shapes (keys in their order) read by a decoder of their own, per class (per event kind).
A host writes each kind of record with the same few keys, in the same order; past this many a
class's objects are read by one decoder for every shape."""


def _slow(_data: dict[str, Any]) -> Any:
    raise _SlowPathError


def _event_shapes(cls: type[Event]) -> _Shapes:
    return _Shapes(cls, {f.name: f.kind for f in event_fields(cls)}, {"kind": None})


_EVENTS: dict[object, _Shapes] = {kind: _event_shapes(cls) for kind, cls in EVENT_KINDS.items()}
_NO_SHAPES: dict[tuple[str, ...], _Decode] = {}


def _events_from_json(items: object) -> tuple[Event, ...]:
    """The events of a JSON list, each found by its ``kind`` and then its shape."""
    if type(items) is not list:
        raise _SlowPathError
    out = []
    for data in items:
        if type(data) is not dict:
            raise _SlowPathError
        shapes = _EVENTS.get(data.get("kind"))  # an unhashable kind: TypeError, generic path
        if shapes is None:
            raise _SlowPathError
        decode = shapes.decoders.get(tuple(data))
        out.append(decode(data) if decode is not None else shapes.learn(tuple(data))(data))
    return tuple(out)


_CONTACTS = _Shapes(
    ContactPoint,
    {"channel": "str", "address": "str", "label": "str", "is_debtor": "bool", "timezone": "str",
     "kind": "str", "relationship": "str"},
    {},
)  # fmt: skip
_INVOICES = _Shapes(
    Invoice, {"id": "str", "amount": "money", "due": "date", "issued": "datetime"}, {}
)
_ACCOUNTS = _Shapes(
    Account,
    {"id": "str", "timezone": "str", "contacts": "contacts", "invoices": "invoices",
     "events": "events", "contract": "str", "address_timezone": "str", "debtor_id": "str"},
    {"schema": "overdue.account/1"},
)  # fmt: skip
for _table in (_CONTACTS, _INVOICES, _ACCOUNTS):  # a field added to a class: fail at import
    if set(_table.kinds) != {a.name for a in attrs.fields(_table.cls) if a.init}:
        raise UsageError(f"portfolio JSON reader: the fields of {_table.cls.__name__} changed")


def _list_of(shapes: _Shapes) -> typing.Callable[[object], tuple[Any, ...]]:
    def read(items: object) -> tuple[Any, ...]:
        if type(items) is not list:
            raise _SlowPathError
        return tuple([shapes.read(x) for x in items])

    return read


_LIST_READERS: dict[str, typing.Callable[[object], object]] = {
    "contacts": _list_of(_CONTACTS),
    "invoices": _list_of(_INVOICES),
    "events": _events_from_json,
}


def account_from_json(data: Mapping[str, Any]) -> Account | None:
    """The account of a JSON object (``docs/formats.md``) built directly, or ``None``.

    ``None`` means "not plainly valid": the caller reads the object with the generic decoder
    (:func:`overdue.config.account_from_dict`), which builds it or says exactly what is wrong.
    A result is always equal to what the generic decoder builds from the same object.
    """
    try:
        return _ACCOUNTS.read(data)  # type: ignore[no-any-return]
    except Exception:  # any surprise: the generic decoder reads it and explains
        return None
