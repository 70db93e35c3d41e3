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
from datetime import date, datetime
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


def _kind_of(tp: Any) -> tuple[FieldKind, bool]:
    """The storage kind of an annotation, and whether ``None`` is allowed."""
    args = typing.get_args(tp)
    optional = type(None) in args
    if optional:
        rest = [a for a in args if a is not type(None)]
        tp = rest[0] if len(rest) == 1 else tp
    origin = typing.get_origin(tp)
    if tp is str:
        return "str", optional
    if tp is Money:
        return "money", optional
    if tp is datetime:
        return "datetime", optional
    if tp is date:
        return "date", optional
    if tp is Outcome:
        return "outcome", optional
    if tp is Duration:
        return "duration", optional
    if tp is int:
        return "int", optional
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


def _ts(v: object) -> datetime:
    d = datetime.fromisoformat(_s(v))
    if d.tzinfo is None or d.utcoffset() is None or check_date(d) is not None:
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
        if kind == "str":
            if type(v) is not str:
                raise _SlowPathError
            kw[key] = v
        else:
            kw[key] = _json_value(kind, v)
    if not required.issubset(kw):
        raise _SlowPathError
    return cls(**kw)  # type: ignore[arg-type]


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
