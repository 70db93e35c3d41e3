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
from overdue.limits import check_count, check_date, check_decimal, check_duration, unicode_problem
from overdue.money import Money

__all__ = [
    "EventField",
    "FieldKind",
    "account_from_json",
    "event_builder",
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


# One zone object per offset text (``+08:00``): ``fromisoformat`` makes a new one for every
# instant, and two instants compare (and sort) about ten times faster when they share their
# zone object than when Python must ask each for its offset, which the fold and the engine do
# thousands of times per portfolio.  The instants are equal either way.
_OFFSETS: dict[str, tzinfo] = {}


def _ts(v: object) -> datetime:
    text = _s(v)
    # ``YYYY-MM-DDTHH:MM:SS+HH:MM``, the form account files are written in.
    plain = len(text) == 25 and text[16] == ":" and text[19] in "+-" and text[22] == ":"
    tz = _OFFSETS.get(text[19:]) if plain else None
    if tz is not None:
        d = datetime.fromisoformat(text[:19]).replace(tzinfo=tz)
    else:
        d = datetime.fromisoformat(text)
        tz = d.tzinfo
        if tz is None or d.utcoffset() is None:
            raise _SlowPathError
        if plain and type(tz) is timezone and len(_OFFSETS) < 1024:
            _OFFSETS[text[19:]] = tz
    if check_date(d) is not None:
        raise _SlowPathError
    return d


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


_Plan = tuple[dict[str, FieldKind], frozenset[str], frozenset[str]]
_PLANS: dict[type[Event], _Plan] = {}


def _json_plan(cls: type[Event]) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        fields = event_fields(cls)
        plan = _PLANS[cls] = (
            {f.name: f.kind for f in fields},
            frozenset(f.name for f in fields if f.required),
            frozenset(f.name for f in fields if f.nullable),
        )
    return plan


def _event_from_json(data: object) -> Event:
    if type(data) is not dict:
        raise _SlowPathError
    cls = EVENT_KINDS.get(data.get("kind"))  # type: ignore[arg-type]
    if cls is None:
        raise _SlowPathError
    decode = _DECODERS.get(cls)
    if decode is None:
        decode = _DECODERS[cls] = _compile(cls)
    return decode(data)


_DECODERS: dict[type[Event], typing.Callable[[dict[str, Any]], Event]] = {}
_new = object.__new__
_set = object.__setattr__


def _set_and_check(
    a: attrs.Attribute[Any], k: int, env: dict[str, Any], lines: list[str], checks: list[str]
) -> None:
    """The generated lines that set field ``k`` (value ``v``) and queue its validator."""
    if a.validator is not None:
        env[f"v{k}"] = a.validator
        checks.append(f"    v{k}(ev, a{k}, ev.{a.name})")
    lines.append(f"    setattr(ev, {a.name!r}, v)")


def _finish(
    cls: type[Event], name: str, env: dict[str, Any], lines: list[str], checks: list[str]
) -> typing.Callable[[dict[str, Any]], Event]:
    """Close a generated constructor the way attrs does (validators once every field is set,
    then ``__attrs_post_init__``) and compile it."""
    lines.extend(checks)
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    ev.__attrs_post_init__()")
    lines.append("    return ev")
    exec("\n".join(lines), env)  # our own text, made from the class's fields
    return env[name]  # type: ignore[no-any-return]


def _compile(cls: type[Event]) -> typing.Callable[[dict[str, Any]], Event]:
    """A decoder of one event class's JSON object, written out field by field.

    It does what ``cls(**kw)`` does after the per-key reading above, in straight-line code:
    each value read (``str`` type-checked, the others by their reader), then the field's own
    converter and validator (the class's, called as attrs calls them), the default for a key
    that is absent (or null where ``None`` is the default), and ``__attrs_post_init__``.  A
    class this cannot write out faithfully (a default factory, a field not set by ``__init__``)
    keeps the keyword call.  Anything refused falls back to the generic decoder as before.
    """
    fields = {f.name: f for f in event_fields(cls)}
    attributes = attrs.fields(cls)
    if any(not a.init or isinstance(a.default, attrs.Factory) for a in attributes):  # type: ignore[arg-type]
        return functools.partial(_by_keywords, cls)
    env: dict[str, Any] = {
        "cls": cls,
        "new": _new,
        "setattr": _set,
        "Slow": _SlowPathError,
        "bad": unicode_problem,
        "allowed": frozenset(fields) | {"kind"},
    }
    lines = [
        "def decode(data):",
        "    if not allowed.issuperset(data):",
        "        raise Slow",
        "    ev = new(cls)",
    ]
    checks: list[str] = []
    for k, a in enumerate(attributes):
        f = fields[a.name]
        env[f"a{k}"] = a
        lines.append(f"    v = data.get({a.name!r})")
        lines.append("    if v is None:")
        pad = "        "  # the reading of a value that is there
        if f.required:
            lines.append("        raise Slow")
            pad = "    "
        else:
            default = a.default if a.converter is None else a.converter(a.default)
            if a.validator is not None:
                a.validator(None, a, default)  # a default the class refuses is a class defect
            env[f"d{k}"] = default
            if not f.nullable:
                lines.append(f"        if {a.name!r} in data:")
                lines.append("            raise Slow")
            lines.append(f"        v = d{k}")
            lines.append("    else:")
        if f.kind == "str":
            # Lone surrogates (``"\\ud800"`` in JSON) are refused by the generic decoder.
            lines.append(f"{pad}if type(v) is not str or not v.isascii() and bad(v):")
            lines.append(f"{pad}    raise Slow")
        else:
            env[f"r{k}"] = _converter(f.kind)
            lines.append(f"{pad}v = r{k}(v)")
        if a.converter is not None:
            env[f"c{k}"] = a.converter
            lines.append(f"{pad}v = c{k}(v)")
        _set_and_check(a, k, env, lines, checks)
    return _finish(cls, "decode", env, lines, checks)


def _outcome_of(v: object) -> Outcome:
    found = _OUTCOMES.get(v) if type(v) is str else None
    if found is None:
        raise _SlowPathError
    return found


def event_builder(cls: type[Event]) -> typing.Callable[[dict[str, Any]], Event]:
    """``cls(**kw)`` for typed values, written out field by field (cached per class).

    ``kw`` holds the values that are there (``None`` left out, as for a keyword call).  The
    result, and every error, is that of ``cls(**kw)``: each value goes through the field's own
    converter, the validators run once every field is set, then ``__attrs_post_init__``; a
    ``kw`` with a key the class does not have or without a required one is handed to the
    keyword call itself, which raises its usual error.  The columnar reader
    (:func:`~overdue.portfolio.arrow.accounts_from_table`) builds every event with it.
    """
    build = _BUILDERS.get(cls)
    if build is None:
        build = _BUILDERS[cls] = _compile_builder(cls)
    return build


_BUILDERS: dict[type[Event], typing.Callable[[dict[str, Any]], Event]] = {}
_MISSING = object()


def _compile_builder(cls: type[Event]) -> typing.Callable[[dict[str, Any]], Event]:
    attributes = attrs.fields(cls)
    if any(not a.init or isinstance(a.default, attrs.Factory) for a in attributes):  # type: ignore[arg-type]
        return lambda kw: cls(**kw)
    env: dict[str, Any] = {
        "cls": cls,
        "new": _new,
        "setattr": _set,
        "MISSING": _MISSING,
        "names": frozenset(a.name for a in attributes),
        "required": frozenset(a.name for a in attributes if a.default is attrs.NOTHING),
    }
    lines = [
        "def build(kw):",
        "    if not names.issuperset(kw) or not required.issubset(kw):",
        "        return cls(**kw)  # raises what the keyword call raises",
        "    ev = new(cls)",
    ]
    checks: list[str] = []
    for k, a in enumerate(attributes):
        env[f"a{k}"] = a
        if a.default is attrs.NOTHING:
            lines.append(f"    v = kw[{a.name!r}]")
            if a.converter is not None:
                env[f"c{k}"] = a.converter
                lines.append(f"    v = c{k}(v)")
        else:
            env[f"d{k}"] = a.default
            lines.append(f"    v = kw.get({a.name!r}, MISSING)")
            lines.append("    if v is MISSING:")
            lines.append(f"        v = d{k}")
            if a.converter is not None:
                env[f"c{k}"] = a.converter
                lines.append(f"    v = c{k}(v)")
        _set_and_check(a, k, env, lines, checks)
    return _finish(cls, "build", env, lines, checks)


def _by_keywords(cls: type[Event], data: dict[str, Any]) -> Event:
    kinds, required, nullable = _json_plan(cls)
    kw: dict[str, object] = {}
    for key, v in data.items():
        kind = kinds.get(key)
        if kind is None:
            if key == "kind":
                continue
            raise _SlowPathError  # a key this event does not have
        if v is None:
            if key not in nullable:
                raise _SlowPathError
            continue
        kw[key] = _json_value(kind, v)
    if not required.issubset(kw):
        raise _SlowPathError
    return cls(**kw)  # type: ignore[arg-type]


def _converter(kind: FieldKind) -> typing.Callable[[object], object]:
    """The reader of one JSON value of ``kind`` other than ``str``."""
    readers: dict[str, typing.Callable[[object], object]] = {
        "datetime": _ts,
        "money": _money,
        "date": _date,
        "outcome": _outcome_of,
    }
    return readers.get(kind) or functools.partial(_json_value, kind)


def _contact_from_json(data: object) -> ContactPoint:
    if type(data) is not dict or not _keys(ContactPoint).issuperset(data):
        raise _SlowPathError
    is_debtor = data.get("is_debtor", True)
    if type(is_debtor) is not bool:
        raise _SlowPathError
    return ContactPoint(
        _s(data.get("channel")),
        _s(data.get("address")),
        label=_opt_s(data.get("label")),
        is_debtor=is_debtor,
        timezone=_opt_s(data.get("timezone")),
        kind=_opt_s(data.get("kind")),
        relationship=_opt_s(data.get("relationship")),
    )


def _invoice_from_json(data: object) -> Invoice:
    if type(data) is not dict or not _keys(Invoice).issuperset(data):
        raise _SlowPathError
    issued = data.get("issued")
    return Invoice(
        _s(data.get("id")),
        _money(data.get("amount")),
        _date(data.get("due")),
        issued=None if issued is None else _ts(issued),
    )


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    v = data.get(key, ())
    if v == ():
        return []
    if type(v) is not list:
        raise _SlowPathError
    return v


def _fast(data: Mapping[str, Any]) -> Account:
    if type(data) is not dict or not _ACCOUNT_KEYS.issuperset(data):
        raise _SlowPathError
    if data.get("schema", "overdue.account/1") != "overdue.account/1":
        raise _SlowPathError
    return Account(
        _s(data.get("id")),
        timezone=_opt_s(data.get("timezone")),
        address_timezone=_opt_s(data.get("address_timezone")),
        contract=_opt_s(data.get("contract")),
        debtor_id=_opt_s(data.get("debtor_id")),
        contacts=[_contact_from_json(c) for c in _list(data, "contacts")],
        invoices=[_invoice_from_json(i) for i in _list(data, "invoices")],
        events=[_event_from_json(e) for e in _list(data, "events")],
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
