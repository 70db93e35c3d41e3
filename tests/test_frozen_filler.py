"""``overdue._frozen.filler``: a value made by storing into a twin of its class and then
re-classing it is the value its ``__init__`` makes (issue 10: a ``Decision`` per decision)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import attrs
import pytest

from overdue import REFERENCE_POLICY, Account, decide
from overdue._frozen import filler
from overdue.decision import _DECISION_FIELDS, Decision, _make_decision
from overdue.events import InvoiceIssued
from overdue.money import Money

_NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)


@attrs.frozen(weakref_slot=False)
class _Pair:
    a: int
    b: str = "x"


def test_a_filled_value_equals_the_one_init_makes() -> None:
    make = filler(_Pair, ("b", "a"))  # in any order the caller names
    made = make(("y", 3))
    assert type(made) is _Pair
    assert made == _Pair(3, "y")
    assert hash(made) == hash(_Pair(3, "y"))
    assert repr(made) == repr(_Pair(3, "y"))
    assert pickle.loads(pickle.dumps(made)) == made
    assert attrs.evolve(made, a=4) == _Pair(4, "y")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.a = 5  # type: ignore[misc]


def test_a_class_it_cannot_fill_is_refused_when_the_maker_is_made() -> None:
    @attrs.frozen
    class WithWeakref:
        a: int

    with pytest.raises(TypeError, match="without __weakref__"):
        filler(WithWeakref, ("a",))
    with pytest.raises(TypeError, match="not all its slots"):
        filler(_Pair, ("a", "c"))


def test_every_field_of_a_decision_is_filled() -> None:
    """The engine's ``Decision`` maker names every field once (a field left out would be a
    missing slot, read as an error)."""
    assert sorted(_DECISION_FIELDS) == sorted(f.name for f in attrs.fields(Decision))
    assert _make_decision is not None
    account = Account(
        "A1",
        timezone="Europe/Paris",
        events=(
            InvoiceIssued(
                at=datetime(2026, 1, 1, tzinfo=UTC),
                invoice_id="I1",
                amount=Money("10", "EUR"),
                due=datetime(2026, 1, 31).date(),
            ),
        ),
    )
    made = decide(REFERENCE_POLICY, account, _NOW)
    assert type(made) is Decision
    again = Decision(**{f.name: getattr(made, f.name) for f in attrs.fields(Decision)})
    assert made == again
    assert pickle.loads(pickle.dumps(made)) == made


def test_every_field_of_an_action_and_a_situation_is_filled() -> None:
    from overdue.decision import _ACTION_FIELDS, Action
    from overdue.engine.decider import _make_situation
    from overdue.situation import Situation

    assert sorted(_ACTION_FIELDS) == sorted(f.name for f in attrs.fields(Action))
    assert _make_situation is not None
    assert all(f.validator is None and f.converter is None for f in attrs.fields(Situation))


@attrs.frozen(weakref_slot=False)
class _Four:
    a: int
    b: str
    c: object
    d: object = None


def test_a_nested_group_and_a_shared_value_fill_what_init_makes() -> None:
    """A group of fields handed over as one tuple, and one value stored in several fields."""
    make = filler(_Four, (("b", "a"), "c", "d"))
    assert make((("y", 3), [1], None)) == _Four(3, "y", [1])
    shared = filler(_Four, ("a", ("b",)), ("c", "d"))
    made = shared((3, ("y",)), "z")
    assert type(made) is _Four
    assert made == _Four(3, "y", "z", "z")
    assert made.c is made.d
    with pytest.raises(TypeError, match="once each"):
        filler(_Four, ("a", ("a", "b")))
    with pytest.raises(TypeError, match="once each"):
        filler(_Four, ("a", "b"), ("b",))


def test_the_engines_makers_fill_what_the_flat_makers_do() -> None:
    """``decision._make_decided`` (the engine's, its shared base as one tuple) and
    ``decision._make_planned`` (a step's fixed fields as one tuple) name every field once and
    fill what the flat makers (those unpickling uses) fill from the same values."""
    from overdue.decision import (
        _ACTION_FIELDS,
        _ACTION_LATER,
        _DECISION_LATER,
        ACTION_FIXED,
        Action,
        _make_action,
        _make_decided,
        _make_planned,
    )

    values = tuple(f"v{i}" for i in range(len(_DECISION_FIELDS) - len(_DECISION_LATER)))
    got = _make_decided((*values[:9], values[9:]), "later")
    want = _make_decision((*values, "later", "later"))
    slots = [Decision.__dict__[n] for n in _DECISION_FIELDS]
    assert [getattr(s, "slot", s).__get__(got) for s in slots] == [
        getattr(s, "slot", s).__get__(want) for s in slots
    ]
    rest = [n for n in _ACTION_FIELDS if n not in ACTION_FIXED and n not in _ACTION_LATER]
    assert sorted([*ACTION_FIXED, *rest, *_ACTION_LATER]) == sorted(_ACTION_FIELDS)
    fixed = tuple(f"f{i}" for i in range(len(ACTION_FIXED)))
    own = tuple(f"o{i}" for i in range(len(rest)))
    got_a = _make_planned((fixed, *own), "later")
    by_name = dict(zip((*ACTION_FIXED, *rest), (*fixed, *own), strict=True))
    want_a = _make_action(
        tuple(by_name.get(n, "later") for n in _ACTION_FIELDS)  # deferred fields last
    )
    slots = [Action.__dict__[n] for n in _ACTION_FIELDS]
    assert [getattr(s, "slot", s).__get__(got_a) for s in slots] == [
        getattr(s, "slot", s).__get__(want_a) for s in slots
    ]
