"""The answer built lazily (issue 10) reads exactly like one built by the classes' ``__init__``.

``decide`` builds its :class:`Decision` and :class:`Action` values without ``__init__`` and
leaves the reasons, ``waiting_for``, message facts and evidence to be rendered on first read
(:class:`overdue.decision._Pending`).  These tests hold that nothing a user can do tells the
two apart: every field, whichever is read first; ``==`` and ``hash`` against a value built by
``__init__``; ``decision_to_dict`` and ``explain()``; pickling and copying; ``attrs.evolve``.
The golden corpus holds that the rendered values are the ones the engine always gave.
"""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from overdue import Account, decide, fold
from overdue.config.decisions import decision_to_dict
from overdue.decision import Action, Decision, EvidenceBundle, Reason
from overdue.engine.decider import _Work
from overdue.engine.reasons import rendered
from overdue.money import Money
from overdue.policy import Policy, Stage, Step
from overdue.situation import Situation
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts

ROOT = Path(__file__).resolve().parent.parent


def _cases() -> list[tuple[Policy, Account, datetime]]:
    """Generated accounts (ladder histories with promises, holds, plans, write-offs...) under
    a few policies and moments: every kind of decision, with and without actions."""
    pols = corpus_policies()  # the decision corpus's built-in policies, moments and accounts
    chosen = [pols[n] for n in ("reference", "reference+field_visit", "reference+us")]
    accounts = generate_accounts(60)
    return [(p, a, now) for p in chosen for now in CORPUS_MOMENTS[1:3] for a in accounts]


CASES = _cases()


def _eager(value: Any) -> Any:
    """``value`` rebuilt by its class's ``__init__`` (every field set there), recursively for
    the deferred classes."""
    if isinstance(value, tuple):
        return tuple(_eager(v) for v in value)
    if isinstance(value, Decision | Action):
        cls = type(value)
        kwargs = {f.alias: _eager(getattr(value, f.name)) for f in attrs.fields(cls)}
        return cls(**kwargs)
    return value


def _pending(value: Decision | Action) -> bool:
    """Whether ``value``'s deferred fields are still to be rendered (read from their slots)."""
    from overdue.decision import _Pending, _Rendered

    return any(
        type(d.slot.__get__(value)) is _Pending
        for d in vars(type(value)).values()
        if isinstance(d, _Rendered)
    )


def _fields(value: Decision | Action) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in attrs.fields(type(value))}


def test_the_engine_builds_deferred_values() -> None:
    """The cases exercise the lazy path: fresh decisions and actions hold a pending render."""
    pending = sum(1 for p, a, now in CASES if _pending(decide(p, a, now)))
    assert pending == len(CASES)
    actions = [x for p, a, now in CASES for x in decide(p, a, now).actions]
    assert actions
    assert all(_pending(x) for x in actions)


@pytest.mark.parametrize("first", [f.name for f in attrs.fields(Decision)])
def test_any_field_read_first_gives_every_field(first: str) -> None:
    """Whichever field is read first, the decision's fields equal those of a decision whose
    fields were read in declaration order, and of one rebuilt by ``__init__``."""
    for policy, account, now in CASES[::7]:
        lazy = decide(policy, account, now)
        getattr(lazy, first)
        ordered = decide(policy, account, now)
        assert _fields(lazy) == _fields(ordered)
        eager = _eager(ordered)
        assert _fields(lazy) == _fields(eager)


def test_lazy_equals_eager_in_eq_hash_dict_and_explain() -> None:
    for policy, account, now in CASES:
        lazy = decide(policy, account, now)
        eager = _eager(decide(policy, account, now))
        assert type(lazy) is Decision
        assert lazy == eager
        assert eager == lazy
        assert hash(lazy) == hash(eager)
        assert decision_to_dict(lazy) == decision_to_dict(eager)
        assert decide(policy, account, now).explain() == eager.explain()
        assert repr(decide(policy, account, now)) == repr(eager)
        for a, b in zip(decide(policy, account, now).actions, eager.actions, strict=True):
            assert type(a) is Action
            assert repr(a) == repr(b)  # attrs' repr reads every field, the deferred ones too
            assert a == b
            assert hash(a) == hash(b)
            assert a.facts.as_dict() == b.facts.as_dict()


def test_deferred_action_fields_are_rendered_on_first_read() -> None:
    """Message facts, evidence and reasons of an action: each may be read first."""
    with_actions = [c for c in CASES if decide(*c).actions]
    assert with_actions
    for name in ("facts", "evidence", "reasons", "idempotency_key", "not_before"):
        for policy, account, now in with_actions[:20]:
            fresh = decide(policy, account, now).actions[0]
            getattr(fresh, name)
            assert not _pending(fresh) or name in ("idempotency_key", "not_before")
            assert _fields(fresh) == _fields(_eager(decide(policy, account, now)).actions[0])


def test_evidence_is_rendered_like_the_bundle_it_was() -> None:
    """A step that gathers evidence states it lazily: the bundle it always was."""
    policy = Policy(
        "evidence",
        stages=(
            Stage(
                "legal",
                steps=(
                    Step("letter", template="claim", evidence=("contract", "payments")),
                    Step("email", template="copy", evidence=("contacts",)),
                ),
            ),
        ),
    )
    found = 0
    for account in generate_accounts(40)[:32]:  # ladder histories: invoices, payments, contacts
        now = CORPUS_MOMENTS[1]
        snap = fold(account, now)
        for a in decide(policy, account, now).actions:
            found += 1
            e = a.evidence
            assert e is not None
            if a.template == "claim":
                assert e == EvidenceBundle(
                    account.contract, snap.invoices, snap.payments, (), e.kinds
                )
                assert e.kinds == ("contract", "payments")
            else:
                assert e == EvidenceBundle(account.contract, (), (), snap.contacts, ("contacts",))
            assert (
                decide(policy, account, now).actions == _eager(decide(policy, account, now)).actions
            )
    assert found


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_and_copy_of_an_unread_decision(protocol: int) -> None:
    for policy, account, now in CASES[::5]:
        expected = _eager(decide(policy, account, now))
        back = pickle.loads(pickle.dumps(decide(policy, account, now), protocol=protocol))
        assert type(back) is Decision
        assert back == expected
        assert decision_to_dict(back) == decision_to_dict(expected)
        assert copy.copy(decide(policy, account, now)) == expected
        assert copy.deepcopy(decide(policy, account, now)) == expected


def test_evolve_of_an_unread_decision() -> None:
    for policy, account, now in CASES[::5]:
        expected = _eager(decide(policy, account, now))
        evolved = attrs.evolve(decide(policy, account, now), status="done")
        assert evolved == attrs.evolve(expected, status="done")
        assert attrs.asdict(decide(policy, account, now)) == attrs.asdict(expected)


def test_unknown_attributes_still_raise() -> None:
    policy, account, now = CASES[0]
    lazy = decide(policy, account, now)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lazy.nope  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(lazy, "nope")
    assert lazy.reasons  # rendered after the failed read all the same
    eager = _eager(decide(policy, account, now))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        eager.nope  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        lazy.status = "done"  # type: ignore[misc]


def test_engine_reasons_render_like_the_text_they_replace() -> None:
    """A recorded reason's message is ``text.format(*params)``: the same text an f-string
    gave, for money, dates and quoted names alike; ``until`` is stated in the zone asked."""
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    amount = Money("50", "CNY")
    by = datetime(2026, 4, 9, tzinfo=UTC).date()
    until = datetime(2026, 4, 9, 1, tzinfo=UTC)
    rule = Reason("contact_hours", "defer", "outside_hours", "outside hours", until)
    got = rendered(
        [
            ("promise_open", "promise to pay {} by {}; paused", (amount, by), until),
            ("disabled_stage", "recorded stage {!r} is switched off", ("old",), None),
            ("zone_unknown", "no zone {}", (), None),  # no params: the text as it is
            rule,
        ],
        shanghai,
    )
    assert [r.message for r in got] == [
        f"promise to pay {amount} by {by}; paused",
        f"recorded stage {'old'!r} is switched off",
        "no zone {}",
        "outside hours",
    ]
    assert got[0] == Reason(
        "engine", "info", "promise_open", got[0].message, until.astimezone(shanghai)
    )
    assert got[0].until is not None
    assert got[0].until.tzinfo is shanghai
    assert got[3] == attrs.evolve(rule, until=until.astimezone(shanghai))


def test_situation_built_by_the_engine_equals_situation_at() -> None:
    """``_Work`` builds its situation from the values it has worked out already: the same
    value the one public builder, ``Situation.at``, makes."""
    for policy, account, now in CASES[::3]:
        snap = fold(account, now)
        built = _Work(policy, account, now, snap, snap.balance).s
        assert built == Situation.at(policy, account, snap, now)
        assert _fields_of(built) == _fields_of(Situation.at(policy, account, snap, now))


def _fields_of(value: Situation) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in attrs.fields(Situation)}


def test_held_snapshot_decides_alike() -> None:
    """With a held snapshot (the path the laziness is for) the answer is the folded one."""
    for policy, account, now in CASES[::4]:
        held = decide(policy, account, now, snapshot=fold(account, now))
        assert held == _eager(decide(policy, account, now))


def test_every_field_is_set_or_deferred_once() -> None:
    from overdue import decision as d

    for cls, fields, later in (
        (Decision, d._DECISION_FIELDS, d._DECISION_LATER),
        (Action, d._ACTION_FIELDS, d._ACTION_LATER),
    ):
        assert sorted(fields) == sorted(f.name for f in attrs.fields(cls))
        assert fields[-len(later) :] == later
