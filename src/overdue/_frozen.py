"""Frozen slotted attrs values built from already checked data, without their ``__init__``.

Why: a value whose fields are rendered on first read (:class:`overdue.decision._Pending`)
must be made with those fields holding what renders them, which its ``__init__`` (and its
validators) would not let through; and a frozen attrs class's ``__init__`` sets each field
through a Python call (about seven bytecodes a field).
:func:`build` fills the slots in one C loop instead: the slots' own setters, mapped over the
values.  For a class of twenty fields that also takes less time (a ``Decision``: about half
of its ``__init__`` with keywords); for one of a few fields it takes slightly more, so those
keep their ``__init__``.  Only for values whose class has no validators, converters or
``__attrs_post_init__`` (a value built here skips them): the tests compare each use with
the class's own ``__init__``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from itertools import repeat
from operator import call
from typing import Any, TypeVar

__all__ = ["Setters", "build", "exhaust", "new", "setters"]

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
