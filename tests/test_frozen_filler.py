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
