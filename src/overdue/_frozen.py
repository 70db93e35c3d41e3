"""Frozen slotted attrs values built from already checked data, without their ``__init__``.

Why: a value whose fields are rendered on first read (:class:`_Pending`)
must be made with those fields holding what renders them, which its ``__init__`` (and its
validators) would not let through; and a frozen attrs class's ``__init__`` sets each field
through a Python call (about seven bytecodes a field).
:func:`build` fills the slots in one C loop instead: the slots' own setters, mapped over the
values.  For a class of twenty fields that also takes less time (a ``Decision``: about half
of its ``__init__`` with keywords); for one of a few fields it takes slightly more, so those
keep their ``__init__``.  Only for values whose class has no validators, converters or
``__attrs_post_init__`` (a value built here skips them): the tests compare each use with
the class's own ``__init__``.  :func:`filler` goes further for a value made on every
decision (a ``Decision``): plain attribute stores into a twin class, then a change of class.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import attrgetter, call
from typing import Any, TypeVar

__all__ = ["Setters", "build", "exhaust", "filler", "new", "pickled_by_init", "setters", "spread"]

_T = TypeVar("_T")

Setters = tuple[Callable[[Any, Any], None], ...]

exhaust: Callable[[Iterable[object]], None] = deque[object](maxlen=0).extend
"""Runs an iterator (of setter calls) in C, keeping nothing."""

new = object.__new__


def setters(cls: type, names: Iterable[str]) -> Setters:
    """The setters of ``cls``'s slots ``names``: they fill a frozen value without its
    ``__setattr__`` guard."""
    return tuple(getattr(cls, name).__set__ for name in names)


def build(cls: type[_T], slots: Setters, values: Iterable[object]) -> _T:
    """A ``cls`` whose slots (``slots``, from :func:`setters`) hold ``values``, in order."""
    obj = new(cls)
    exhaust(map(call, slots, repeat(obj), values))
    return obj


Names = Sequence["str | Names"]
"""Field names in the order of the values a maker is given; a nested group takes one value
that is itself unpacked (a group of fields that are fixed together, handed over as one)."""


def filler(cls: type[_T], names: Names, same: Sequence[str] = ()) -> Callable[..., _T]:
    """A maker of ``cls`` values whose fields ``names`` hold the values given, in order.

    Why: :func:`build` sets each slot through its setter, one C call of about 0.1 µs a field;
    a ``Decision`` (23 fields, one per decision) took 2 to 3 µs that way.  This maker stores
    the values into a twin of ``cls`` (a plain class with the very same slots, so the same
    memory layout) with plain attribute stores, then makes the object a ``cls`` by
    ``__class__`` assignment, which Python allows between classes of one layout: about a
    third of the time.  The same conditions as :func:`build` hold (no validators, converters
    or ``__attrs_post_init__``), and ``cls`` must derive from ``object`` alone and have no
    ``__weakref__`` slot (Python refuses the assignment then): checked here, once.

    A nested group in ``names`` takes one value, unpacked into its fields: a caller that
    holds some fields fixed together (a step's, worked out once per policy) hands them over
    as one tuple instead of building a longer one each time.  With ``same``, the maker takes
    a second argument, stored in every field of ``same`` (the deferred fields of a value
    whose render is one ``_Pending``).
    """
    slots = tuple(cls.__dict__["__slots__"])
    if cls.__bases__ != (object,) or "__weakref__" in slots:
        raise TypeError(f"{cls.__name__}: a plain slotted class without __weakref__ is needed")
    flat = [*_flat(names), *same]
    if not all(name.isidentifier() and name in slots for name in flat) or len(set(flat)) < len(
        flat
    ):
        raise TypeError(f"{cls.__name__}: {names!r} {same!r} are not all its slots, once each")
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": slots})
    shared = "".join(f"o.{name} = " for name in same)
    source = (
        f"def make(values{', later' if same else ''}):\n"
        "    o = new(twin)\n"
        f"    {_targets(names)} = values\n"
        + (f"    {shared}later\n" if same else "")
        + "    o.__class__ = cls\n"
        "    return o\n"
    )
    scope: dict[str, Any] = {"new": new, "twin": twin, "cls": cls}
    exec(source, scope)  # generated once per class, from its own slot names
    make: Callable[..., _T] = scope["make"]
    # The layouts agree: Python raises TypeError here otherwise.
    make(_nones(names), *((None,) if same else ()))
    return make


def spread(
    cls: type[_T], names: Names, same: Sequence[str], later: Callable[[Any], object]
) -> Callable[..., _T]:
    """A maker of ``cls`` values taking each entry of ``names`` as an argument of its own (a
    nested group as one tuple, unpacked), then ``render, args``: every field of ``same``
    holds ``later((render, args))``.

    Why: the engine's ``_decision`` took its values one by one, packed them into a tuple and
    called a :func:`filler` maker, which unpacked them again: a layer of calls and a tuple
    per decision.  Generated from the slot names like :func:`filler` (the same conditions,
    checked the same way), this maker is that function itself.
    """
    filler(cls, names, same)  # the class and the names checked as for a filler, once
    if {"o", "render", "args", "new", "twin", "cls", "later"} & {*names}:  # the arguments
        raise TypeError(f"{cls.__name__}: a field's name is one the generated maker uses")
    params = [n if isinstance(n, str) else f"_group{i}" for i, n in enumerate(names)]
    stores = "".join(
        f"    o.{n} = {n}\n" if isinstance(n, str) else f"    {_targets(n)} = _group{i}\n"
        for i, n in enumerate(names)
    )
    shared = "".join(f"o.{name} = " for name in same)
    source = (
        f"def make({', '.join((*params, 'render', 'args'))}):\n"
        "    o = new(twin)\n"
        f"{stores}"
        f"    {shared}later((render, args))\n"
        "    o.__class__ = cls\n"
        "    return o\n"
    )
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(cls.__dict__["__slots__"])})
    scope: dict[str, Any] = {"new": new, "twin": twin, "cls": cls, "later": later}
    exec(source, scope)  # generated once per class, from its own slot names
    make: Callable[..., _T] = scope["make"]
    make(*_nones(names), None, None)  # the layouts agree: Python raises TypeError otherwise
    return make


def _flat(names: Names) -> Iterable[str]:
    for name in names:
        if isinstance(name, str):
            yield name
        else:
            yield from _flat(name)


def _targets(names: Names) -> str:
    """``names`` as the target of one unpacking assignment: ``o.a, (o.b, o.c),``."""
    parts = [f"o.{n}" if isinstance(n, str) else f"({_targets(n)})" for n in names]
    return ", ".join(parts) + ","


def _nones(names: Names) -> tuple[object, ...]:
    return tuple(None if isinstance(n, str) else _nones(n) for n in names)


def pickled_by_init(cls: type) -> None:
    """Make ``cls`` (a frozen attrs class) pickle and copy as ``cls(*its field values)``.

    Why: attrs' own pickling of a slotted class builds a dict of the fields (``__getstate__``)
    and sets them back one ``object.__setattr__`` at a time in a Python loop
    (``__setstate__``): about twice the time of a positional ``__init__`` call, paid for every
    reason and blocked step a batch worker sends back (issue 15).  Only for classes whose
    ``__init__`` takes every field positionally, in declaration order: checked here, once.  A
    subclass keeps attrs' own state (its fields may differ).  Pickles made before still load
    (``__setstate__`` is unchanged).
    """
    import attrs

    fields = attrs.fields(cls)
    if not all(f.init and not f.kw_only for f in fields):
        raise TypeError(f"{cls.__name__}: every field must be an __init__ argument, in order")
    values = attrgetter(*(f.name for f in fields)) if len(fields) > 1 else None
    name = fields[0].name

    def reduce_ex(self: Any, protocol: Any) -> Any:
        if type(self) is not cls:
            return object.__reduce_ex__(self, protocol)
        return cls, (values(self) if values is not None else (getattr(self, name),))

    cls.__reduce_ex__ = reduce_ex  # type: ignore[assignment,method-assign]


class _Pending(tuple):  # type: ignore[type-arg]  # (render, args)
    """What a deferred field of a value the engine built holds until it is first read:
    ``(render, args)``, ``render(args)`` giving the values of all the value's deferred fields.

    Why: building the answer's frozen values was about a fifth of a decision (issue 10), and
    most of it (reason texts, message facts, evidence) is read only when a decision is
    explained or written out.  The engine builds a ``Decision`` or an ``Action`` (a rule, a
    ``Verdict``) without ``__init__`` (:func:`filler`) from values it has already checked, its
    deferred fields holding one ``_Pending``; the first read of any of them renders them all
    (:class:`_Rendered`) and drops it, so nothing the render needed is kept alive.

    Everything reads fields as attributes (``==``, ``hash``, ``repr``, pickling,
    ``attrs.evolve``, ``attrs.asdict``, ``decision_to_dict``, ``explain``), so a value built
    this way is indistinguishable from one built by its ``__init__``.
    """

    __slots__ = ()


class _Rendered:
    """The descriptor of a deferred field: its slot's value, rendered first (with the value's
    other deferred fields) while it is :class:`_Pending`.  Only the deferred fields pay for
    it; every other field keeps its plain slot.  (Not a ``__getattr__`` on the class: with
    one, every attribute read takes Python's slow path.)"""

    __slots__ = ("later", "slot")

    def __init__(self, slot: Any, later: Setters) -> None:
        self.slot, self.later = slot, later  # this field's slot; all deferred fields' setters

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        value = self.slot.__get__(obj, cls)
        if type(value) is not _Pending:
            return value
        render, args = value
        # Each deferred field is set once rendered, so a second thread reading at the same
        # moment renders the same values again or reads them; it never finds none.
        exhaust(map(call, self.later, repeat(obj), render(args)))
        return self.slot.__get__(obj, cls)

    def __set__(self, obj: Any, value: Any) -> None:
        self.slot.__set__(obj, value)  # __init__ and unpickling set the field as ever

    def __delete__(self, obj: Any) -> None:
        self.slot.__delete__(obj)


def _defer(cls: type, names: tuple[str, ...]) -> None:
    """Make ``names`` deferred fields of ``cls``: read through :class:`_Rendered`."""
    slots = tuple(cls.__dict__[name] for name in names)
    later = tuple(slot.__set__ for slot in slots)
    for name, slot in zip(names, slots, strict=True):
        setattr(cls, name, _Rendered(slot, later))
