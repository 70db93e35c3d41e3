"""How decisions travel from a batch worker to the parent (issue 15), and that nothing of them
changes on the way.

A worker sends its chunk's results pickled: a ``Decision`` or an ``Action`` as its fields'
values in one tuple, rebuilt without ``__init__`` (``overdue._frozen.filler``), a decision's
deferred fields (reasons, ``waiting_for``) as stored, unrendered; the answer's small values
(reasons, blocked steps, message facts...) through their ``__init__``; a ``Money`` as its two
parts.  These tests hold that every value comes back equal, at every pickle protocol, by
``copy`` and ``deepcopy`` too, and that a batch spread over processes (the parent deciding
chunks beside its worker) gives exactly the answers of one process, failures in place.
"""

from __future__ import annotations

import copy
import gc
import pickle
from datetime import datetime
from typing import Any

import attrs
import pytest

from overdue import decide
from overdue._frozen import pickled_by_init
from overdue.batch import BatchFailure, _packed, decide_batch, decide_many
from overdue.config.decisions import decision_to_dict
from overdue.decision import (
    Action,
    BlockedStep,
    Decision,
    MessageFacts,
    Reason,
    ServiceAction,
    _Pending,
    _Rendered,
)
from overdue.money import Money
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts

# The golden corpus's generated accounts (promises, holds, plans, write-offs...) under three
# policies and two moments: every kind of decision, with and without actions.
CASES = [
    (policy, account, now)
    for policy in map(corpus_policies().__getitem__, ("reference", "reference+us"))
    for now in CORPUS_MOMENTS[1:3]
    for account in generate_accounts(40)
]


def _unread(value: Decision | Action) -> bool:
    return any(
        type(d.slot.__get__(value)) is _Pending
        for d in vars(type(value)).values()
        if isinstance(d, _Rendered)
    )


def _all_fields(value: Any) -> Any:
    """Every field, recursively, read: what a user can see of a value."""
    if isinstance(value, tuple):
        return tuple(_all_fields(v) for v in value)
    if attrs.has(type(value)):
        return (
            type(value),
            {f.name: _all_fields(getattr(value, f.name)) for f in attrs.fields(type(value))},
        )
    return value


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_an_unread_decision_travels_unread_and_reads_the_same(protocol: int) -> None:
    for policy, account, now in CASES[::3]:
        sent = decide(policy, account, now)
        back = pickle.loads(pickle.dumps(sent, protocol=protocol))
        assert type(back) is Decision
        assert _unread(back)  # its reasons are rendered where they are read, if ever
        assert _all_fields(back) == _all_fields(decide(policy, account, now))
        assert back == sent
        assert hash(back) == hash(sent)
        assert decision_to_dict(back) == decision_to_dict(sent)
        assert back.explain() == sent.explain()


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_read_decision_and_its_parts_round_trip_at_every_protocol(protocol: int) -> None:
    found: set[type] = set()
    for policy, account, now in CASES[::2]:
        sent = decide(policy, account, now)
        _all_fields(sent)
        back = pickle.loads(pickle.dumps(sent, protocol=protocol))
        assert _all_fields(back) == _all_fields(sent)
        for part in (*sent.actions, *sent.blocked, *sent.reasons, sent.transition):
            if part is None:
                continue
            found.add(type(part))
            again = pickle.loads(pickle.dumps(part, protocol=protocol))
            assert type(again) is type(part)
            assert again == part
            assert copy.copy(part) == part
            assert copy.deepcopy(part) == part
        for action in sent.actions:
            assert pickle.loads(pickle.dumps(action.facts, protocol=protocol)) == action.facts
    assert {Action, Reason, BlockedStep} <= found


def test_copies_of_an_unread_decision_read_the_same() -> None:
    for policy, account, now in CASES[::4]:
        expected = _all_fields(decide(policy, account, now))
        assert _all_fields(copy.copy(decide(policy, account, now))) == expected
        assert _all_fields(copy.deepcopy(decide(policy, account, now))) == expected


def test_an_unread_action_travels_rendered() -> None:
    """An Action's pending render holds engine state: it is rendered before it travels."""
    actions = [a for p, acct, now in CASES for a in decide(p, acct, now).actions]
    assert actions
    for action in actions[:40]:
        assert _unread(action)
        back = pickle.loads(pickle.dumps(action))
        assert not _unread(back)
        assert _all_fields(back) == _all_fields(action)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_subclasses_keep_attrs_own_pickling(protocol: int) -> None:
    service = ServiceAction(
        "A-1",
        "suspend",
        "cut",
        "service",
        "suspend_service",
        1,
        1,
        datetime.fromisoformat("2026-03-02T10:00:00+00:00"),
        "k",
        MessageFacts(None, 3, None),
        operation="undo",
        undoes="suspend_service",
    )
    back = pickle.loads(pickle.dumps(service, protocol=protocol))
    assert type(back) is ServiceAction
    assert back == service
    assert back.undoes == "suspend_service"

    @attrs.frozen
    class Local(Reason):  # a host's subclass: not rebuilt as a plain Reason
        extra: int = 0

    local = Local("r", "info", "c", "m", extra=3)
    assert copy.copy(local) == local
    assert type(copy.deepcopy(local)) is Local


def test_pickled_by_init_refuses_a_class_whose_init_does_not_take_every_field() -> None:
    @attrs.frozen
    class KeywordOnly:
        a: int
        b: int = attrs.field(kw_only=True)

    with pytest.raises(TypeError, match="KeywordOnly"):
        pickled_by_init(KeywordOnly)


def test_the_packed_chunk_reads_back_equal_with_money_as_its_parts() -> None:
    chunk: list[Decision | BatchFailure] = [decide(p, a, now) for p, a, now in CASES[:30]]
    chunk.insert(3, BatchFailure(3, "X", "EventError", "bad event", event_index=2))
    back = pickle.loads(_packed(chunk))
    assert back == chunk
    balances = [d.balance for d in back if isinstance(d, Decision) and d.balance is not None]
    assert balances
    assert all(type(b) is Money for b in balances)
    assert [_all_fields(d) for d in back] == [_all_fields(d) for d in chunk]


@pytest.mark.parametrize("chunk_size", [1, 7, 50])
def test_a_spread_batch_gives_one_process_answers_with_failures_in_place(chunk_size: int) -> None:
    policy, _, now = CASES[0]
    accounts: list[Any] = [a for p, a, n in CASES if p is policy and n == now]
    accounts.insert(5, "not an account")
    accounts.insert(17, None)
    alone = list(decide_many(policy, accounts, now))
    for workers in (2, 3):
        spread = list(decide_many(policy, accounts, now, workers=workers, chunk_size=chunk_size))
        assert spread == alone
        lazily = list(
            decide_many(policy, iter(accounts), now, workers=workers, chunk_size=chunk_size)
        )
        assert lazily == alone
    failures = [x for x in alone if isinstance(x, BatchFailure)]
    assert [f.index for f in failures] == [5, 17]
    report = decide_batch(policy, accounts, now, workers=2, chunk_size=chunk_size)
    assert report == decide_batch(policy, accounts, now)


def test_a_spread_batch_leaves_the_garbage_collector_as_it_found_it() -> None:
    policy, account, now = CASES[0]
    before = gc.get_freeze_count()
    decide_batch(policy, [account] * 20, now, workers=2, chunk_size=3)
    assert gc.get_freeze_count() == before
    assert gc.isenabled()
