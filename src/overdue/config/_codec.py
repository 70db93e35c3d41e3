"""The generic, type-driven converter between attrs values and plain documents.

Nothing here knows a particular rule, stage or event: every class is read through
``attrs.fields`` and its resolved type annotations, so a rule kind added to the library (or
registered by a host) loads and dumps without a change here.  Conversions by annotation:

==========================  ==========================================================
annotation                  in a document
==========================  ==========================================================
``Duration``                ``"7d"``, ``"3bd"``, ``"1mo"``
``Money``                   ``"100.00 CNY"`` (a float is refused, with a fix-it hint)
``time``                    ``"08:00"`` (TOML local times are accepted too)
``date`` / ``datetime``     ``"2026-01-10"`` / ``"2026-01-10T09:00:00+08:00"`` (aware only)
``frozenset[...]``          a list (written sorted); weekday sets as ``["mon", "tue"]``
``tuple[X, ...]``           a list, order kept; ``tuple[A, B]`` a list of two
``Literal[...]`` / enums    one of the allowed strings, with a "did you mean"
``int`` / ``bool`` / ``str``  exactly that type (a bool is not an int; a float is not a count)
``Condition``               ``{days_overdue_at_least = 1}``, ``{all = [...]}``, ``{not = {...}}``
``Rule``                    a table with ``kind`` and the rule's fields
``BusinessCalendar``        ``{kind = "week", ...}`` or ``{kind = "holidays", country = "CN"}``
``Event``                   a table with ``kind`` (``overdue.events.EVENT_KINDS``) and fields
other attrs classes         a table of their fields
==========================  ==========================================================

Decoding collects every problem into a list of located :class:`ConfigError` instead of stopping
at the first one; a value that failed is replaced by :data:`INVALID` so its parents are not
built (and do not report follow-on errors).
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import operator
import types
import typing
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import attrs

from overdue._masking import describe, looks_personal
from overdue.calendars import BusinessCalendar
from overdue.conditions import Condition
from overdue.config.registry import Kinds
from overdue.durations import Duration
from overdue.errors import ConfigError, OverdueError, suggest
from overdue.events import EVENT_KINDS, Event
from overdue.limits import (
    MAX_COUNT,
    MAX_YEAR,
    MIN_YEAR,
    TOO_DEEP,
    check_count,
    check_date,
    check_decimal,
    check_duration,
    unicode_problem,
)
from overdue.money import Money
from overdue.rules.base import Rule
from overdue.rules.hours import WEEKDAY_NAMES

__all__ = ["INVALID", "Decoder", "Encoder", "join_path", "key_paths", "relocate"]


def key_paths(node: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Every node of a document with its key path (``$.stages[0].id``), in document order:
    the one walk the loader (ordering errors) and the dumper (refusing nulls) share."""
    yield path, node
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from key_paths(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from key_paths(v, f"{path}[{i}]")


class Described(str):
    """A description standing in for a value that must not be echoed (``<a phone number>``)."""

    def __repr__(self) -> str:
        return f"<{self}>"


class _Invalid:
    """The placeholder for a value that failed to decode."""

    _instance: _Invalid | None = None

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()

WEEKDAY_FIELDS = frozenset({"weekdays", "weekend"})
"""Fields holding sets of weekday numbers, written as names (``"mon"``...) in documents."""

_NONE = type(None)


def join_path(base: str, key_path: str | None) -> str:
    """Put a lower layer's key path (absolute ``$.x`` or relative ``x``/``[i]``) under ``base``."""
    if not key_path:
        return base
    if key_path.startswith("$"):
        return base + key_path[1:]
    if key_path.startswith("["):
        return base + key_path
    return f"{base}.{key_path}"


def relocate(exc: OverdueError, base: str) -> ConfigError:
    """A :class:`ConfigError` carrying ``exc``'s message, placed at ``base`` in the document."""
    err = ConfigError(
        exc.what,
        key_path=join_path(base, exc.key_path),
        account_id=exc.account_id,
        event_index=exc.event_index,
        expected=exc.expected,
        got=exc.got,
        suggestion=exc.suggestion,
    )
    err.__cause__ = exc
    return err


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    # a per-process memo of resolved annotations (classes never change their annotations)
    hints = _HINTS.get(cls)
    if hints is None:
        try:
            hints = typing.get_type_hints(cls)
        except Exception:  # an unresolvable annotation: fall back to passing values through
            hints = {}
        _HINTS[cls] = hints
    return hints


def _key(a: attrs.Attribute[Any]) -> str:
    """The field's name in documents: its ``__init__`` argument name."""
    return a.alias if a.alias is not None else a.name


@attrs.frozen
class _Plan:
    """How to decode one attrs class: its document keys, fields and resolved types."""

    fields: tuple[tuple[str, attrs.Attribute[Any], Any], ...]
    by_key: dict[str, attrs.Attribute[Any]]


_PLANS: dict[type[Any], _Plan] = {}


def _plan(cls: type[Any]) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        fields = init_fields(cls)
        plan = _Plan(
            tuple((_key(a), a, field_type(cls, a)) for a in fields),
            {_key(a): a for a in fields},
        )
        _PLANS[cls] = plan
    return plan


def init_fields(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    """The fields a class's ``__init__`` takes, in declaration order."""
    return [a for a in attrs.fields(cls) if a.init]


def field_type(cls: type[Any], a: attrs.Attribute[Any]) -> Any:
    """The resolved annotation of field ``a`` of ``cls`` (``Any`` when unknown)."""
    return _hints(cls).get(a.name, Any)


_SPLIT: dict[Any, tuple[Any, bool]] = {}


def split_optional(tp: Any) -> tuple[Any, bool]:
    """``(X, True)`` for ``X | None``; ``(tp, False)`` otherwise."""
    try:
        return _SPLIT[tp]
    except (KeyError, TypeError):  # TypeError: an unhashable annotation, not memoised
        pass
    out = _split_optional(tp)
    with contextlib.suppress(TypeError):
        _SPLIT[tp] = out
    return out


_ORIGIN: dict[Any, Any] = {}


def _origin(tp: Any) -> Any:
    """``typing.get_origin``, memoised: the decoder asks it for every value it reads."""
    try:
        return _ORIGIN[tp]
    except KeyError:
        origin = _ORIGIN[tp] = typing.get_origin(tp)
        return origin
    except TypeError:  # an unhashable annotation
        return typing.get_origin(tp)


def _split_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [t for t in typing.get_args(tp) if t is not _NONE]
        optional = len(args) < len(typing.get_args(tp))
        if len(args) == 1:
            return args[0], optional
        return functools.reduce(operator.or_, args), optional
    return tp, False


def _is_subclass(tp: Any, base: type[Any]) -> bool:
    return isinstance(tp, type) and issubclass(tp, base)


def default_of(a: attrs.Attribute[Any]) -> Any:
    """The field's default as the instance would hold it (after the converter), or INVALID."""
    d: Any = a.default
    if d is attrs.NOTHING:
        return INVALID
    if isinstance(d, attrs.Factory):  # type: ignore[arg-type]
        if d.takes_self:
            return INVALID
        d = d.factory()
    try:
        return _converted(a, d)
    except Exception:
        return INVALID


def _converted(a: attrs.Attribute[Any], value: Any) -> Any:
    """``value`` through the field's own converter; ``INVALID`` when the converter needs the
    instance or the field (it can only run in the constructor)."""
    conv = a.converter
    if conv is None:
        return value
    if isinstance(conv, attrs.Converter):
        if conv.takes_self or conv.takes_field:  # type: ignore[attr-defined]
            return INVALID
        return conv.converter(value)  # type: ignore[attr-defined]
    return conv(value)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "null"
    return type(value).__name__


class Decoder:
    """Turns plain documents into values, collecting every problem with its key path."""

    def __init__(
        self, kinds: Kinds, *, currency: str | None = None, personal: bool = False
    ) -> None:
        self.kinds = kinds
        self.errors: list[ConfigError] = []
        self.currency = currency
        # Account documents hold personal data: a bad value there is described, never echoed.
        self.personal = personal

    def _got(self, path: str, got: Any) -> Any:
        """The value an error may quote: in account documents, a description of any contact
        value and of anything that looks like a phone number, e-mail or street address."""
        if got is None or not self.personal:
            return got
        if path.startswith("$.contacts") or looks_personal(got):
            return Described(describe(got))
        return got

    # ------------------------------------------------------------------ reporting

    def fail(
        self,
        path: str,
        what: str,
        *,
        expected: str | None = None,
        got: Any = None,
        suggestion: str | None = None,
    ) -> Any:
        """Record one problem and return :data:`INVALID`."""
        got = self._got(path, got)
        if isinstance(got, Described):
            suggestion = None  # a suggestion would echo the value
        self.errors.append(
            ConfigError(what, key_path=path, expected=expected, got=got, suggestion=suggestion)
        )
        return INVALID

    def located(self, exc: OverdueError, path: str) -> Any:
        """Record a lower layer's error at ``path`` and return :data:`INVALID`."""
        err = relocate(exc, path)
        got = self._got(err.key_path or path, err.got)
        if got is not err.got:
            err = ConfigError(
                err.what,
                key_path=err.key_path,
                account_id=err.account_id,
                event_index=err.event_index,
                expected=err.expected,
                got=got,
            )
            err.__cause__ = None
        self.errors.append(err)
        return INVALID

    # ------------------------------------------------------------------ values

    def value(self, data: Any, tp: Any, path: str, name: str = "") -> Any:
        """Decode ``data`` as annotation ``tp`` (see the module table)."""
        if data is TOO_DEEP:  # already reported by the depth check
            return INVALID
        inner, optional = split_optional(tp)
        if data is None:
            if optional:
                return None
            return self.fail(path, "a value is required here", expected=_describe(inner), got=None)
        tp = inner
        origin = _origin(tp)
        if tp is Any or tp is object:
            return data
        if origin is Literal:
            allowed = [str(v) for v in typing.get_args(tp)]
            if isinstance(data, str) and data in allowed:
                return data
            return self.fail(
                path,
                "not one of the allowed values",
                expected=" | ".join(allowed),
                got=data,
                suggestion=suggest(data, allowed) if isinstance(data, str) else None,
            )
        if tp is bool:
            if isinstance(data, bool):
                return data
            return self.fail(path, f"expected true or false, not {_type_name(data)}", got=data)
        if tp is int:
            if isinstance(data, int) and not isinstance(data, bool):
                problem = check_count(data)
                if problem is not None:
                    return self.fail(
                        path,
                        problem,
                        expected=f"a whole number from -{MAX_COUNT:,} to {MAX_COUNT:,}",
                        got=data,
                    )
                return data
            hint = None
            if isinstance(data, float) and data.is_integer():
                hint = str(int(data))
            return self.fail(
                path,
                f"expected a whole number, not {_type_name(data)}",
                expected="an integer such as 3",
                got=data,
                suggestion=hint,
            )
        if tp is str:
            if isinstance(data, str):
                problem = unicode_problem(data)
                if problem is not None:
                    return self.fail(path, problem, got=data.encode("utf-8", "backslashreplace"))
                return data
            return self.fail(path, f"expected a string, not {_type_name(data)}", got=data)
        if tp is Duration:
            try:
                duration = data if isinstance(data, Duration) else Duration.parse(data)
            except OverdueError as exc:
                return self.located(exc, path)
            problem = check_duration(duration)
            if problem is not None:
                return self.fail(path, problem, expected="100 years or less", got=str(duration))
            return duration
        if tp is Money:
            return self._money(data, path)
        if tp is Decimal:
            if isinstance(data, str | int) and not isinstance(data, bool):
                try:
                    number = Decimal(data)
                except (InvalidOperation, ValueError):
                    pass
                else:
                    problem = check_decimal(number)
                    if problem is None:
                        return number
                    return self.fail(path, problem, expected="'12.50'", got=data)
            return self.fail(
                path, "expected a decimal number as a string", expected="'12.50'", got=data
            )
        if tp is time:
            return self._time(data, path)
        if tp is datetime:
            return self._datetime(data, path)
        if tp is date:
            return self._date(data, path)
        if _is_subclass(tp, enum.Enum):
            try:
                return tp(data)
            except ValueError:
                allowed = [str(m.value) for m in tp]
                return self.fail(
                    path,
                    "not one of the allowed values",
                    expected=" | ".join(allowed),
                    got=data,
                    suggestion=suggest(data, allowed) if isinstance(data, str) else None,
                )
        if origin in (tuple, frozenset, set, list):
            return self._collection(data, tp, origin, path, name)
        if tp is Condition:
            return self.condition(data, path)
        if tp is BusinessCalendar:
            return self._tagged(data, path, "calendar")
        if tp is Rule:
            return self._tagged(data, path, "rule")
        if tp is Event:
            return self._tagged(data, path, "event")
        if attrs.has(tp):
            return self.attrs_value(tp, data, path)
        return data

    def _money(self, data: Any, path: str) -> Any:
        if isinstance(data, Money):
            return data
        if isinstance(data, float | int) and not isinstance(data, bool):
            cur = self.currency or "EUR"
            what = (
                "money cannot be a float" if isinstance(data, float) else "money needs a currency"
            )
            return self.fail(
                path,
                f"{what}: write it as a string with its currency",
                expected='a string such as "100.00 ' + cur + '"',
                got=data,
                suggestion=f"{Decimal(str(data)):.2f} {cur}",
            )
        if isinstance(data, str) and _bare_number(data):
            cur = self.currency or "EUR"
            return self.fail(
                path,
                "money needs a currency: an amount without one means a different sum in every "
                "currency (for a threshold per currency, see balance_at_least_per_currency)",
                expected='a string such as "100.00 ' + cur + '"',
                got=data,
                suggestion=f"{data.strip()} {cur}",
            )
        try:
            money = Money.parse(data)
        except OverdueError as exc:
            return self.located(exc, path)
        problem = check_decimal(money.amount)
        if problem is not None:
            return self.fail(path, problem, expected="money such as '1200.50 CNY'", got=data)
        return money

    def _time(self, data: Any, path: str) -> Any:
        if isinstance(data, time):
            return data
        if isinstance(data, str):
            try:
                t = time.fromisoformat(data)
            except ValueError:
                pass
            else:
                if t.tzinfo is None:
                    return t
        return self.fail(
            path, "expected a wall-clock time", expected='"08:00" or "20:30"', got=data
        )

    def _datetime(self, data: Any, path: str) -> Any:
        value = data
        if isinstance(data, str):
            try:
                value = datetime.fromisoformat(data)
            except ValueError:
                return self.fail(
                    path,
                    "malformed timestamp",
                    expected='ISO 8601 with an offset, such as "2026-01-10T09:00:00+08:00"',
                    got=data,
                )
        if not isinstance(value, datetime):
            return self.fail(path, f"expected a timestamp, not {_type_name(data)}", got=data)
        if value.tzinfo is None or value.utcoffset() is None:
            return self.fail(
                path,
                "a timestamp needs an offset; overdue never guesses a time zone",
                expected='"2026-01-10T09:00:00+08:00" or "...Z"',
                got=data if isinstance(data, str) else value.isoformat(),
            )
        return self._in_range(value, path, data)

    def _in_range(self, value: Any, path: str, data: Any) -> Any:
        problem = check_date(value)
        if problem is None:
            return value
        return self.fail(
            path,
            problem,
            expected=f"a date in {MIN_YEAR}..{MAX_YEAR}",
            got=data if isinstance(data, str) else value.isoformat(),
        )

    def _date(self, data: Any, path: str) -> Any:
        if isinstance(data, date) and not isinstance(data, datetime):
            return self._in_range(data, path, data)
        if isinstance(data, str):
            try:
                day = date.fromisoformat(data)
            except ValueError:
                pass
            else:
                return self._in_range(day, path, data)
        return self.fail(path, "expected a calendar date", expected='"2026-01-10"', got=data)

    def _collection(self, data: Any, tp: Any, origin: Any, path: str, name: str) -> Any:
        if isinstance(data, str | bytes | Mapping) or not isinstance(
            data, list | tuple | set | frozenset
        ):
            return self.fail(path, f"expected a list, not {_type_name(data)}", got=data)
        args = typing.get_args(tp)
        items = list(data)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(items) != len(args):
                return self.fail(
                    path, f"expected a list of {len(args)} values", expected=_describe(tp), got=data
                )
            types_ = list(args)
        else:
            types_ = [args[0] if args else Any] * len(items)
        weekday = name in WEEKDAY_FIELDS and types_ and types_[0] is int
        out = []
        for i, (item, t) in enumerate(zip(items, types_, strict=True)):
            ipath = f"{path}[{i}]"
            if weekday:
                out.append(self._weekday(item, ipath))
            else:
                out.append(self.value(item, t, ipath))
        if any(v is INVALID for v in out):
            return INVALID
        if origin in (frozenset, set):
            return frozenset(out)
        if origin is list:
            return out
        return tuple(out)

    def _weekday(self, item: Any, path: str) -> Any:
        if isinstance(item, str) and item.strip().lower()[:3] in WEEKDAY_NAMES:
            return WEEKDAY_NAMES.index(item.strip().lower()[:3])
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
            return item
        return self.fail(
            path,
            "unknown weekday",
            expected=" | ".join(WEEKDAY_NAMES),
            got=item,
            suggestion=suggest(item.lower(), WEEKDAY_NAMES) if isinstance(item, str) else None,
        )

    # ------------------------------------------------------------------ polymorphic values

    def condition(self, data: Any, path: str) -> Any:
        """``{kind = value}``: one key naming a registered condition kind."""
        kinds = self.kinds.conditions
        if not isinstance(data, Mapping) or len(data) != 1:
            return self.fail(
                path,
                "a condition is a table with exactly one key naming its kind",
                expected="{days_overdue_at_least = 30}, {all = [...]}, {any = [...]}, "
                "{not = {...}}",
                got=dict(data) if isinstance(data, Mapping) else data,
            )
        ((kind, body),) = data.items()
        cpath = f"{path}.{kind}"
        if kind not in kinds:
            return self.fail(
                cpath,
                "unknown condition kind",
                expected=" | ".join(sorted(kinds)),
                got=kind,
                suggestion=suggest(kind, kinds),
            )
        cls = kinds[kind]
        fields = init_fields(cls)
        if len(fields) == 1 or (not isinstance(body, Mapping) and _one_required(fields)):
            # ``{kind = value}``: the value of its only (or only required) field.
            a = fields[0]
            v = self.value(body, field_type(cls, a), cpath, a.name)
            if v is INVALID:
                return INVALID
            return self._build(cls, {_key(a): v}, cpath)
        return self.attrs_value(cls, body, cpath)

    def _tagged(self, data: Any, path: str, what: str) -> Any:
        if not isinstance(data, Mapping):
            return self.fail(
                path, f"a {what} is a table with a 'kind' key, not {_type_name(data)}", got=data
            )
        table: Mapping[str, Any]
        if what == "rule":
            table = self.kinds.rules
        elif what == "calendar":
            table = self.kinds.calendars
        else:
            table = EVENT_KINDS
        kind = data.get("kind")
        if kind is None:
            return self.fail(
                f"{path}.kind", f"a {what} needs a 'kind'", expected=" | ".join(sorted(table))
            )
        if not isinstance(kind, str) or kind not in table:
            return self.fail(
                f"{path}.kind",
                f"unknown {what} kind",
                expected=" | ".join(sorted(table)),
                got=kind,
                suggestion=suggest(kind, table) if isinstance(kind, str) else None,
            )
        body = {k: v for k, v in data.items() if k != "kind"}
        return self.attrs_value(table[kind], body, path)

    def attrs_value(self, cls: type[Any], data: Any, path: str) -> Any:
        """Build attrs class ``cls`` from a table, field by field, reporting every problem."""
        if not isinstance(data, Mapping):
            return self.fail(path, f"expected a table, not {_type_name(data)}", got=data)
        before = len(self.errors)
        plan = _plan(cls)
        by_key = plan.by_key
        for key in data:
            if key not in by_key:
                self.fail(
                    f"{path}.{key}",
                    f"unknown key for {_label(cls)}",
                    expected=" | ".join(by_key),
                    got=key,
                    suggestion=suggest(str(key), by_key),
                )
        kwargs: dict[str, Any] = {}
        fields_from = len(self.errors)
        ends: list[int] = []  # where each field's own errors end in self.errors
        for key, a, tp in plan.fields:
            if key not in data:
                if a.default is attrs.NOTHING:
                    self.fail(
                        f"{path}.{key}",
                        f"missing required key {key!r} for {_label(cls)}",
                        expected=_describe(tp),
                    )
            else:
                v = self.value(data[key], tp, f"{path}.{key}", a.name)
                if v is not INVALID:
                    kwargs[key] = v
            ends.append(len(self.errors))
        if len(self.errors) == before:
            try:
                return cls(**kwargs)
            except (OverdueError, TypeError, ValueError, LookupError):
                pass
        # Something is wrong: run each decoded field's own converter and validator to say which
        # key it is, keeping the problems in document order.  Only on this slow path, so a valid
        # document is converted and validated once.
        found = self.errors[fields_from:]
        del self.errors[fields_from:]
        cursor = 0
        checked: dict[str, Any] = {}
        for (key, a, _tp), end in zip(plan.fields, ends, strict=True):
            self.errors.extend(found[cursor : end - fields_from])
            cursor = end - fields_from
            if key in kwargs and self._precheck(a, kwargs[key], f"{path}.{key}", checked):
                checked[key] = kwargs[key]
        if len(self.errors) > before:
            return INVALID
        return self._build(cls, kwargs, path)

    def _precheck(
        self, a: attrs.Attribute[Any], value: Any, path: str, before: dict[str, Any]
    ) -> bool:
        """Run the field's own converter and validator now, to locate their errors on the key.

        Validators see a stand-in instance holding the fields decoded before this one (an
        account's zone check names the account id).  Validators that need more fail here with
        a non-library error; those are ignored, and the constructor reports them at the
        enclosing table instead.
        """
        try:
            value = _converted(a, value)
            if value is INVALID:
                return True
            if a.validator is not None:
                a.validator(types.SimpleNamespace(**before), a, value)
        except OverdueError as exc:
            if exc.key_path in (a.name, _key(a)):
                exc = exc.located()
                exc.key_path = None
            self.located(exc, path)
            return False
        except Exception:
            return True
        return True

    def _build(self, cls: type[Any], kwargs: dict[str, Any], path: str) -> Any:
        try:
            return cls(**kwargs)
        except OverdueError as exc:
            return self.located(exc, path)
        except (TypeError, ValueError, LookupError) as exc:
            return self.fail(path, f"{_label(cls)} refused these values: {exc}")


class Encoder:
    """Turns values into plain documents (dicts, lists, strings, ints, bools, ``None``)."""

    def __init__(self, kinds: Kinds) -> None:
        self.kinds = kinds

    def value(self, value: Any, tp: Any, name: str = "") -> Any:
        """Encode ``value`` declared as ``tp``."""
        if value is None:
            return None
        tp, _ = split_optional(tp)
        origin = typing.get_origin(tp)
        if isinstance(value, bool | int | str) and not isinstance(value, enum.Enum):
            return value
        if isinstance(value, Duration | Money | Decimal):
            return str(value)
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, time):
            return (
                value.strftime("%H:%M")
                if value.second == value.microsecond == 0
                else value.isoformat()
            )
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, tuple | list | frozenset | set):
            args = typing.get_args(tp)
            if origin is tuple and args and args[-1] is not Ellipsis:
                return [self.value(v, t) for v, t in zip(value, args, strict=False)]
            elem = args[0] if args else Any
            if name in WEEKDAY_FIELDS and all(isinstance(v, int) for v in value):
                return [WEEKDAY_NAMES[d] for d in sorted(value)]
            items = [self.value(v, elem) for v in value]
            if isinstance(value, frozenset | set):
                items.sort(key=lambda v: json.dumps(v, sort_keys=True))
            return items
        if tp is Condition:
            return self.condition(value)
        if tp is BusinessCalendar:
            return {"kind": self.kinds.kind_of_calendar(value), **self.attrs_value(value)}
        if tp is Rule:
            return {"kind": self.kinds.kind_of_rule(value), **self.attrs_value(value)}
        if tp is Event:
            return {"kind": type(value).kind, **self.attrs_value(value)}
        if attrs.has(type(value)):
            return self.attrs_value(value)
        return value

    def condition(self, value: Any) -> dict[str, Any]:
        """``{kind: body}``: the field's value for one-field kinds, else a table of fields."""
        kind = self.kinds.kind_of_condition(value)
        fields = init_fields(type(value))
        if len(fields) == 1 or (_one_required(fields) and not self.attrs_value(value).keys() - {
            _key(fields[0])
        }):
            a = fields[0]
            return {kind: self.value(getattr(value, a.name), field_type(type(value), a), a.name)}
        return {kind: self.attrs_value(value)}

    def attrs_value(self, obj: Any, *, keep_defaults: bool = False) -> dict[str, Any]:
        """A table of ``obj``'s init fields, leaving out those equal to their default."""
        cls = type(obj)
        out: dict[str, Any] = {}
        for a in init_fields(cls):
            v = getattr(obj, a.name)
            if not keep_defaults:
                d = default_of(a)
                if d is not INVALID:
                    try:
                        same = bool(v == d) and type(v) is type(d)
                    except Exception:
                        same = False
                    if same:
                        continue
            out[_key(a)] = self.value(v, field_type(cls, a), a.name)
        return out


def _bare_number(text: str) -> bool:
    """``"5.00"``: a number with no currency."""
    try:
        return Decimal(text.strip()).is_finite()
    except (InvalidOperation, ValueError):
        return False


def _one_required(fields: list[attrs.Attribute[Any]]) -> bool:
    """The first field is required and every other has a default (``{overdue_for = "1mo"}``)."""
    return (
        bool(fields)
        and fields[0].default is attrs.NOTHING
        and all(a.default is not attrs.NOTHING for a in fields[1:])
    )


def _label(cls: type[Any]) -> str:
    kind = getattr(cls, "kind", None)
    if isinstance(kind, str) and kind not in ("rule", "event"):
        return f"{kind!r}"
    return cls.__name__


def _describe(tp: Any) -> str:
    tp, _ = split_optional(tp)
    if tp is Duration:
        return "a duration such as '7d'"
    if tp is Money:
        return "money such as '100.00 EUR'"
    if tp is time:
        return "a time such as '08:00'"
    if tp is date:
        return "a date such as '2026-01-10'"
    if tp is datetime:
        return "a timestamp with an offset"
    if tp is Condition:
        return "a condition such as {days_overdue_at_least = 1}"
    origin = typing.get_origin(tp)
    if origin is Literal:
        return " | ".join(str(v) for v in typing.get_args(tp))
    if origin in (tuple, frozenset, set, list):
        return "a list"
    return getattr(tp, "__name__", str(tp))
