"""A constructor for values already read: what ``cls(**kw)`` does, without the keyword call.

The portfolio readers build millions of events, contact points and accounts from values they
have already read and typed (an aware ``datetime``, a ``Money``, an ``Outcome``).  The attrs
``__init__`` is right but generic: a keyword call, every converter and every validator called
as a function even when the value is plainly fine.  :func:`constructor` writes out, once per
class, a function taking the field values positionally that does the same work in the same
order:

1. a required value that is missing (``None``) makes the keyword call itself, which raises
   attrs' own ``TypeError``;
2. each value goes through its field's converter (skipped where the value is already what the
   converter returns), a missing optional value takes the field's default, and the value is
   set;
3. once every field is set, each validator runs in field order: where the value is the
   (already checked) default, or passes the validator's own plain case
   (``overdue.events._PLAIN_CASES``, ``overdue.account._PLAIN_CASES``, ``one_of``,
   ``non_empty``), the call is skipped; otherwise
   the validator itself runs and raises its own error;
4. ``__attrs_post_init__``.

So the result, and every error, is that of ``cls(**kw)`` with ``kw`` the values that are not
``None``; only the calls that could not fail are left out.  A class this cannot write out
faithfully (a default factory, a field outside ``__init__``, a converter that takes the
instance, a pre-init hook) keeps the keyword call.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import repeat
from operator import is_
from typing import Any, Literal, TypeVar

import attrs

from overdue import account as _account
from overdue import events as _events
from overdue._frozen import exhaust, new
from overdue._validators import _NonEmpty, _OneOf

_PLAIN_CASES = {**_events._PLAIN_CASES, **_account._PLAIN_CASES}
_PLAIN_NAMES = {**_events._PLAIN_NAMES, **_account._PLAIN_NAMES}
_SURE_FOR = {**_events._SURE_FOR, **_account._SURE_FOR}

__all__ = ["ColumnKind", "building", "constructor", "many", "twin", "writable"]

_T = TypeVar("_T")

_BUILT: dict[type[Any], Callable[..., Any]] = {}


def constructor(cls: type[_T]) -> Callable[..., _T]:
    """``cls`` from its field values, positional in attrs field order (cached per class).

    ``None`` (or a value left out at the end) means "not given": the field's default, or for a
    required field attrs' missing-argument ``TypeError``.  The values are those ``cls(**kw)``
    would be given; the result and every error are the keyword call's (see the module
    docstring).
    """
    made = _BUILT.get(cls)
    if made is None:
        made = _BUILT[cls] = _write(cls)
    return made


def _by_keywords(cls: type[_T], names: tuple[str, ...], values: tuple[Any, ...]) -> _T:
    return cls(**{n: v for n, v in zip(names, values, strict=True) if v is not None})


def _plain_case(check: object, k: int, env: dict[str, Any]) -> str | None:
    """The expression (of ``{v}``) under which ``check`` accepts a value unchanged, or None."""
    try:
        case = _PLAIN_CASES.get(check)
    except TypeError:  # an unhashable validator: no plain case known
        return None
    if case is not None:
        return case
    if isinstance(check, _OneOf):
        env[f"o{k}"] = check.options
        return f"{{v}} in o{k}"
    if isinstance(check, _NonEmpty):
        if check.strip:
            return "type({v}) is str and {v} != '' and not {v}[0].isspace()"
        return "type({v}) is str and {v} != ''"
    return None


def writable(cls: type[Any]) -> bool:
    """Whether :func:`constructor` writes ``cls`` out (else it keeps the keyword call)."""
    if hasattr(cls, "__attrs_pre_init__"):
        return False
    for a in attrs.fields(cls):
        if not a.init or isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
            return False
        if a.converter is not None and not callable(a.converter):
            return False
        if isinstance(a.converter, attrs.Converter):
            return False
    try:
        twin(cls)
    except TypeError:  # a class whose values cannot change class (not a plain slotted one)
        return False
    return True


def _default(a: attrs.Attribute[Any]) -> tuple[Any, bool]:
    """The field's default as the instance holds it, and whether its validator accepts it
    without looking at the instance (then it is never checked again)."""
    value = a.default if a.converter is None else a.converter(a.default)  # type: ignore[operator]
    if a.validator is None:
        return value, True
    try:
        a.validator(None, a, value)
    except Exception:
        return value, False
    return value, True


def _write(cls: type[_T]) -> Callable[..., _T]:
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    names = tuple(a.alias or a.name for a in fields)
    if not writable(cls):
        return lambda *values: _by_keywords(cls, names, values)
    args = ", ".join(f"v{k}" for k in range(len(fields)))
    params = ", ".join(f"v{k}=None" for k in range(len(fields)))  # trailing ones may be left out
    lines = [f"def make({params}):"]
    required = [f"v{k} is None" for k, a in enumerate(fields) if a.default is attrs.NOTHING]
    if required:
        lines.append(f"    if {' or '.join(required)}:")
        lines.append(f"        return keyword(cls, names, ({args},))")
    body, env = building(cls)
    lines.extend(body)
    exec("\n".join(lines), env)  # our own text, made from the class's fields
    return typing.cast("Callable[..., _T]", env["make"])


def building(
    cls: type[Any],
    given: frozenset[int] | None = None,
    proven: Mapping[int, Sequence[object]] | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """The body of a constructor of ``cls`` (lines indented by four, ending ``return ev``) and
    the names it uses, for a generated function whose locals ``v0``, ``v1``... hold the field
    values in attrs order.

    ``given=None``: any value may be ``None`` (not given; the caller has dealt with missing
    required ones).  Else the fields numbered in ``given`` hold values, never ``None``, and the
    others are not given: they take their default, already checked, without a test (a reader
    specialised to one shape of record uses this).  ``proven``: for a field number, the checks
    (converters and validators, by identity) that accept every value the caller puts there
    unchanged, because its reader made the value so (an instant it parsed is aware): they are
    left out.  ``cls`` must be one :func:`constructor` writes out.
    """
    fields = attrs.fields(cls)
    proven = proven or {}
    env: dict[str, Any] = {
        **_PLAIN_NAMES,
        "cls": cls,
        "twin": twin(cls),
        "new": object.__new__,
        "keyword": _by_keywords,
        "names": tuple(a.alias or a.name for a in fields),
    }
    lines = ["    ev = new(twin)"]
    checks: list[str] = []
    for k, a in enumerate(fields):
        v = f"v{k}"
        pad = "    "
        trusted_default = False
        sure = proven.get(k, ())
        converter = None if any(a.converter is c for c in sure) else a.converter
        validator = None if any(a.validator is c for c in sure) else a.validator
        if a.default is not attrs.NOTHING:
            env[f"d{k}"], trusted_default = _default(a)
            if given is not None and k not in given:
                lines.append(f"    ev.{a.name} = d{k}")
                if a.validator is not None and not trusted_default:
                    env[f"a{k}"], env[f"val{k}"] = a, a.validator
                    checks.append(f"    val{k}(ev, a{k}, d{k})")
                continue
            if given is not None:
                trusted_default = False  # a value is given: it is checked
            elif env[f"d{k}"] is not None:
                lines.append(f"    if {v} is None:")
                lines.append(f"        {v} = d{k}")
                if converter is not None:
                    lines.append("    else:")
                    pad = "        "
            elif converter is not None:  # None is the default: nothing to set
                lines.append(f"    if {v} is not None:")
                pad = "        "
        if converter is not None:
            env[f"c{k}"] = converter
            case = _plain_case(converter, k, env)
            if case is None:
                lines.append(f"{pad}{v} = c{k}({v})")
            else:
                lines.append(f"{pad}if not ({case.format(v=v)}):")
                lines.append(f"{pad}    {v} = c{k}({v})")
        lines.append(f"    ev.{a.name} = {v}")
        if validator is not None:
            env[f"a{k}"], env[f"val{k}"] = a, validator
            conditions = [f"{v} is not d{k}"] if trusted_default else []
            case = _plain_case(validator, k, env)
            if case is not None:
                conditions.append(f"not ({case.format(v=v)})")
            call = f"val{k}(ev, a{k}, {v})"
            checks.append(f"    if {' and '.join(conditions)}:\n        {call}" if conditions
                          else f"    {call}")
    lines.append("    ev.__class__ = cls")  # every slot set: now the value itself
    lines.extend(checks)
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    ev.__attrs_post_init__()")
    lines.append("    return ev")
    return lines, env


_TWINS: dict[type[Any], type[Any]] = {}


def twin(cls: type[Any]) -> type[Any]:
    """A mutable twin of the slotted class ``cls`` (cached): a subclass adding no slot, whose
    ``__setattr__`` and ``__delattr__`` are ``object``'s own.

    Why: a frozen attrs class refuses plain stores, so its own ``__init__`` (and a generated
    constructor before this) sets each field with a call of ``object.__setattr__``, whose
    argument tuple, type lookup and checks cost several times the store itself; an event sets
    about a dozen fields.  A value begun as the twin takes plain attribute stores (specialised
    by Python to a direct slot write), and then becomes a ``cls`` by ``__class__`` assignment,
    which Python allows because the twin adds nothing to the layout.  No twin value ever
    escapes: the assignment comes before the validators see the value.
    """
    found = _TWINS.get(cls)
    if found is None:
        found = type(
            f"_{cls.__name__}Twin",
            (cls,),
            {
                "__slots__": (),
                # both: they share the type's one store slot, which is Python's own plain
                # store only when neither is the frozen class's
                "__setattr__": object.__setattr__,
                "__delattr__": object.__delattr__,
                "__module__": __name__,
            },
        )
        probe = object.__new__(found)
        probe.__class__ = cls  # the layouts agree: Python raises TypeError here otherwise
        found = _TWINS[cls] = found
    return found


# --------------------------------------------------------------------------- column by column

ColumnKind = Literal["instant", "date", "text", "events", "other"]
"""What a reader vouches for in a column it hands to :func:`many`: ``instant``, every value is
``None`` or a ``datetime`` in ``datetime.UTC`` (read from a ``timestamp[UTC]`` column);
``date``, ``None`` or a ``datetime.date``; ``text``, values cheap to hash and few distinct (text,
outcomes, whole numbers, sets of text), checked once per distinct value; ``events``: tuples of
events the reader built itself; ``other``: anything, checked value by value."""

_is_none = partial(is_, None)
_NONE = object()  # no value to skip


@attrs.frozen
class _Field:
    """How :func:`many` fills one field: its slot's setter, default and checks."""

    attribute: attrs.Attribute[Any]
    setter: Callable[[Any, Any], None]
    required: bool
    default: Any  # as the instance holds it (converted)
    default_ok: bool  # the validator accepts the default without looking at the instance
    converter: Callable[[Any], Any] | None
    converts: Callable[[Any], bool] | None  # the converter's plain case: returns it unchanged
    validator: Callable[[Any, Any, Any], None] | None
    accepts: Callable[[Any], bool] | None  # the validator's plain case


def _case(check: object, k: int) -> Callable[[Any], bool] | None:
    env: dict[str, Any] = dict(_PLAIN_NAMES)
    case = _plain_case(check, k, env)
    if case is None:
        return None
    return typing.cast("Callable[[Any], bool]", eval(f"lambda v: {case.format(v='v')}", env))


_PLANS: dict[type[Any], tuple[_Field, ...] | None] = {}


def _plan(cls: type[Any]) -> tuple[_Field, ...] | None:
    if cls in _PLANS:
        return _PLANS[cls]
    plan: tuple[_Field, ...] | None = None
    if writable(cls):
        fields = []
        for k, a in enumerate(attrs.fields(cls)):
            required = a.default is attrs.NOTHING
            default, default_ok = (None, False) if required else _default(a)
            fields.append(_Field(
                a, getattr(cls, a.name).__set__, required, default, default_ok,
                a.converter, None if a.converter is None else _case(a.converter, k),
                a.validator, None if a.validator is None else _case(a.validator, k),
            ))  # fmt: skip
        plan = tuple(fields)
    _PLANS[cls] = plan
    return plan


def many(
    cls: type[_T], n: int, columns: Sequence[list[Any] | None], kinds: Sequence[ColumnKind]
) -> list[_T] | None:
    """``n`` values of ``cls`` built column by column, each what ``constructor(cls)`` makes of
    its row of ``columns`` (attrs field order; a ``None`` column: no row gives that field), or
    ``None`` when any value is not plainly accepted: then the caller builds row by row, which
    gives each bad row its own error.

    Why: a reader builds thousands of values of one class at once.  Filling a slot for every
    value in one C loop (the slot's own setter mapped over the column) costs a fraction of a
    call per value, and a column of few distinct values (a channel, a stage) is checked once
    per distinct value, not once per row.  ``kinds`` says what the reader vouches for in each
    column (:data:`ColumnKind`): a validator that accepts every value of that kind (the
    ``_SURE_FOR`` of ``overdue.events`` and ``overdue.account``) is not called at all.  Any
    doubt (a missing required value, a value outside its checks' plain cases that the check
    itself refuses, a converter or ``__attrs_post_init__`` raising) gives ``None``, never a
    different value or error.
    """
    plan = _plan(cls)
    if plan is None:
        return None
    objs: list[_T] = list(map(new, repeat(cls, n)))
    deferred: list[tuple[_Field, list[Any]]] = []
    for f, col, kind in zip(plan, columns, kinds, strict=True):
        if col is None or not n:
            if f.required or not f.default_ok:
                return None
            exhaust(map(f.setter, objs, repeat(f.default, n)))
            continue
        distinct = _distinct(col) if kind == "text" else None
        missing = None in distinct if distinct is not None else any(map(_is_none, col))
        if missing and (f.required or not f.default_ok):
            return None
        if missing and (f.default is not None or f.converter is not None):
            given = [v for v in col if v is not None]
            if f.converter is not None and not _all(f.converts, given, kind):
                try:
                    given = list(map(f.converter, given))
                except Exception:
                    return None
            col, distinct = _filled(col, given, f.default), None
        elif f.converter is not None and not _all(f.converts, col, kind, distinct=distinct):
            try:
                col, distinct = list(map(f.converter, col)), None
            except Exception:
                return None
        # (``None`` left in ``col`` now is the default, already checked)
        if f.validator is not None and not _sure(f.validator, kind):
            checked = f.default if f.default_ok else _NONE
            if f.accepts is None or not _all(f.accepts, col, kind, checked, distinct):
                deferred.append((f, col))  # the validator itself, once every slot is filled
        exhaust(map(f.setter, objs, col))
    try:
        for f, col in deferred:
            check, a, default = f.validator, f.attribute, f.default
            assert check is not None
            for obj, v in zip(objs, col, strict=True):
                if v is not default or not f.default_ok:
                    check(obj, a, v)
        post = getattr(cls, "__attrs_post_init__", None)
        if post is not None:
            exhaust(map(post, objs))
    except Exception:
        return None
    return objs


def _distinct(col: list[Any]) -> set[Any] | None:
    """The distinct values of a column (``None``: some value is not hashable)."""
    try:
        return set(col)
    except TypeError:
        return None


def _all(
    case: Callable[[Any], bool] | None,
    values: list[Any],
    kind: ColumnKind,
    skip: Any = _NONE,
    distinct: set[Any] | None = None,
) -> bool:
    """Whether every value but ``skip`` (a default, already checked) passes ``case``, each
    distinct value once for a ``text`` column (``distinct``: those values, if known)."""
    if case is None:
        return False
    try:
        if kind == "text":
            distinct = set(values) if distinct is None else distinct - {skip}
            distinct.discard(skip)
            return all(map(case, distinct))
        return all(v is skip or case(v) for v in values)
    except Exception:  # an unhashable value, or one the case cannot even look at
        return False


def _sure(check: object, kind: ColumnKind) -> bool:
    """Whether ``check`` accepts every value of a ``kind`` column (``_SURE_FOR``)."""
    try:
        return _SURE_FOR.get(check) == kind
    except TypeError:  # an unhashable validator
        return False


def _filled(col: list[Any], given: list[Any], default: Any) -> list[Any]:
    """``col`` with its non-``None`` values replaced, in order, by ``given``, and its ``None``
    values by ``default``."""
    it = iter(given)
    return [default if v is None else next(it) for v in col]
