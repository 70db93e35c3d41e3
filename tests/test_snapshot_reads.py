"""The reads a decision makes on a snapshot, and what the fold keeps or defers for them (issue 10).

A folded snapshot keeps running values (balance, oldest unpaid due date, entries per stage),
caches what it builds on first read, and merges milestones and attempts per step from its
lists when first read.  These tests hold every read to a fresh fold of the same events, along a
chain of ``apply`` whose snapshots are read at every step (a cache made stale by an ``apply``
would show), and to a snapshot made by hand from the same fields.
"""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, Invoice, Money, decide, fold
from overdue.errors import EventError
from overdue.events import (
    AuthorisationGranted,
    ContactAttempted,
    DisputeOpened,
    DisputeResolved,
    InvoiceIssued,
    PaymentReceived,
    StageEntered,
)
from overdue.snapshot import _START_FIELDS, Snapshot, _Builder
from overdue.testing import strategies as ods

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def reads(s: Snapshot) -> tuple[object, ...]:
    """Everything a decision reads from a snapshot, plus the milestones."""
    stages = {e.stage for e in s.stages_entered} | {"reminder", "never"}
    return (
        s.balance,
        s.earliest_unpaid_due(),
        tuple(sorted((st_, s.entered(st_)) for st_ in stages)),
        dict(s.steps),
        s.stage,
        s.stage_since,
        s.settled_at,
        dict(s.facts),
        s.event_count,
        dict(s.first_seen),
        dict(s.last_seen),
        s.contacts_since(at(0)),
    )


def by_hand(s: Snapshot) -> Snapshot:
    """The snapshot's fields in a snapshot made by hand: no fold behind it, no running totals."""
    fields = {
        a.name: getattr(s, a.name)
        for a in attrs.fields(Snapshot)
        if a.init and a.name not in ("books", "owed", "oldest_unpaid", "entries")
    }
    return Snapshot(**fields)


@PROPS
@given(ods.accounts(), st.integers(0, 200))
def test_every_read_along_a_chain_of_apply_equals_a_fresh_fold(account: Account, cut: int) -> None:
    cut = min(cut, len(account.events))
    base = Account(account.id, timezone=account.timezone, events=account.events[:cut])
    snap = fold(base)
    chain = [(snap, reads(snap))]
    for k, event in enumerate(account.events[cut:], cut + 1):
        snap = snap.apply(event)
        prefix = attrs.evolve(account, events=account.events[:k])
        assert reads(snap) == reads(fold(prefix))
        chain.append((snap, reads(snap)))
    for s, seen in chain:  # an apply changed nothing an earlier snapshot had read
        assert reads(s) == seen
        assert reads(by_hand(s)) == seen


def test_balance_is_built_once_and_a_payment_applied_is_a_new_snapshot() -> None:
    acct = Account(
        "a1",
        invoices=(Invoice("i1", Money("100.00", "CNY"), date(2026, 2, 1)),),
        events=(
            ContactAttempted(
                at(1), channel="sms", outcome="delivered", stage="reminder", step="sms"
            ),
        ),
    )
    s = fold(acct)
    assert s.balance is s.balance  # kept, not rebuilt per read
    assert s.balance == Money("100.00", "CNY")
    paid = s.apply(PaymentReceived(at(2), amount=Money("40.00", "CNY")))
    assert paid.balance == Money("60.00", "CNY")
    assert s.balance == Money("100.00", "CNY")
    # A copy made with evolve builds its own.
    assert attrs.evolve(paid, stage=None).balance == Money("60.00", "CNY")


def test_a_snapshot_made_by_hand_counts_entries_and_the_oldest_due_once() -> None:
    s = Snapshot(
        "h1",
        stages_entered=(
            StageEntered(at(1), stage="reminder"),
            StageEntered(at(2), stage="call"),
            StageEntered(at(3), stage="reminder"),
        ),
    )
    assert (s.entered("reminder"), s.entered("call"), s.entered("letter")) == (2, 1, 0)
    assert s.earliest_unpaid_due() is None
    assert s.balance is None


class LoggedCall(ContactAttempted):
    """A host's subclass of a contact, with a kind of its own."""

    kind: ClassVar[str] = "logged_call"


def test_milestones_of_every_kind_are_merged_when_first_read() -> None:
    events = (
        InvoiceIssued(at(0), invoice_id="i1", amount=Money("10.00", "CNY"), due=date(2026, 2, 1)),
        StageEntered(at(1), stage="reminder"),
        ContactAttempted(
            at(2), channel="sms", outcome="delivered", template="r", stage="reminder", step="sms"
        ),
        DisputeOpened(at(3), dispute_id="d1"),
        LoggedCall(at(4), channel="phone", outcome="delivered", stage="reminder", step="call"),
        DisputeResolved(at(5), dispute_id="d1"),
        AuthorisationGranted(at(6), authorisation="legal"),
        DisputeOpened(at(7), dispute_id="d2"),
    )
    s = fold(Account("m1", events=events))
    assert s.first_seen["invoice_issued"] == at(0)
    assert (s.first_seen["dispute_opened"], s.last_seen["dispute_opened"]) == (at(3), at(7))
    assert s.first_seen["dispute_resolved"] == at(5)
    assert s.first_seen["authorisation_granted"] == at(6)
    assert s.first_seen["authorised:legal"] == at(6)
    assert s.first_seen["logged_call"] == at(4)  # its own kind, not "contact"
    assert s.first_seen["contact"] == s.last_seen["contact"] == at(2)
    assert s.first_seen["stage_entered"] == at(1)
    assert s.first_seen["stage_entered:reminder"] == at(1)
    assert s.steps["call"].count == 1  # and it counts as an attempt, as a contact does
    # The same along a chain of apply.
    chain = fold(Account("m1", events=events[:2]))
    for e in events[2:]:
        chain = chain.apply(e)
    assert dict(chain.first_seen) == dict(s.first_seen)
    assert dict(chain.last_seen) == dict(s.last_seen)


@pytest.mark.parametrize("late", [False, True])
def test_a_refusal_after_contacts_and_stage_entries_names_its_index(late: bool) -> None:
    events = [
        StageEntered(at(1), stage="reminder"),
        ContactAttempted(at(2), channel="sms", outcome="delivered", stage="reminder", step="sms"),
        ContactAttempted(at(3), channel="sms", outcome="delivered", stage="reminder", step="sms"),
        InvoiceIssued(at(4), invoice_id="i1", amount=Money("10.00", "CNY"), due=date(2026, 2, 1)),
        StageEntered(at(5), stage="call"),
        PaymentReceived(at(6), amount=Money("5.00", "EUR")),
        ContactAttempted(at(7), channel="phone", outcome="delivered", stage="call", step="call"),
    ]
    if late:  # recorded out of order: the index is still its position as given
        events.insert(1, events.pop())
    with pytest.raises(EventError) as info:
        fold(Account("r1", events=tuple(events)))
    assert info.value.event_index == (6 if late else 5)  # its position as given


def test_a_new_builder_starts_from_its_shared_values() -> None:
    b = _Builder("b1")
    assert all(getattr(b, name) is value for name, value in _START_FIELDS.items())


def _round_trip(s: Snapshot, how: str) -> Snapshot:
    if how == "copy":
        return copy.copy(s)
    if how == "deepcopy":
        return copy.deepcopy(s)
    restored: Snapshot = pickle.loads(pickle.dumps(s, protocol=int(how)))
    return restored


_HOW = st.sampled_from(["copy", "deepcopy", *map(str, range(pickle.HIGHEST_PROTOCOL + 1))])


@PROPS
@given(ods.accounts(policy=REFERENCE_POLICY), st.integers(0, 200), _HOW)
def test_a_pickled_or_copied_snapshot_reads_decides_and_applies_as_the_original(
    account: Account, cut: int, how: str
) -> None:
    """A host may keep its snapshots in a cache or hand them to another process."""
    cut = min(cut, len(account.events))
    base = Account(account.id, timezone=account.timezone, events=account.events[:cut])
    now = max((e.at for e in account.events), default=T0) + timedelta(days=1)
    first = snap = fold(base)
    seen = reads(snap)
    twin = _round_trip(snap, how)
    assert twin == snap
    assert reads(twin) == seen
    assert decide(REFERENCE_POLICY, base, now, snapshot=twin) == decide(
        REFERENCE_POLICY, base, now, snapshot=snap
    )
    for event in account.events[cut:]:  # each extended as the original is
        snap, twin = snap.apply(event), twin.apply(event)
        assert reads(twin) == reads(snap)
    assert decide(REFERENCE_POLICY, account, now, snapshot=twin) == decide(
        REFERENCE_POLICY, account, now, snapshot=snap
    )
    # The first snapshot, pickled after its builder moved on with the ones applied after it.
    assert reads(_round_trip(first, how)) == seen


def test_a_snapshot_made_by_hand_pickles_with_its_empty_mappings() -> None:
    s = Snapshot("h2", stages_entered=(StageEntered(at(1), stage="reminder"),))
    twin = pickle.loads(pickle.dumps(s))
    assert twin == s
    assert twin.entered("reminder") == 1
    assert copy.deepcopy(s) == s


def every_field(s: Snapshot) -> dict[str, object]:
    """Every field a host may read, by name (the ones a fold leaves to first read made; not
    the fold's own running values, which ``reads`` checks through their readers)."""
    names = [a.name for a in attrs.fields(Snapshot) if not a.name.startswith("_")]
    kept = ("books", "history", "positions", "owed", "oldest_unpaid", "entries")  # the fold's
    return {n: getattr(s, n) for n in names if n not in kept}


@PROPS
@given(ods.accounts(), st.integers(0, 200))
def test_fields_left_to_first_read_equal_a_fresh_folds_along_a_chain(
    account: Account, cut: int
) -> None:
    # A fold sets the fields most decisions read and leaves the rest to a ``_Lazy`` descriptor
    # on the class (no ``__getattr__``: with one, every read took Python's slow path); an
    # ``apply`` shares the lists, so a field made late must still be this snapshot's share.
    assert "__getattr__" not in Snapshot.__dict__
    cut = min(cut, len(account.events))
    snap = fold(attrs.evolve(account, events=account.events[:cut]))
    chain = [snap]
    for event in account.events[cut:]:
        snap = snap.apply(event)
        chain.append(snap)
    for k, s in enumerate(chain):  # read after every apply: nothing grew into an earlier one
        fresh = fold(attrs.evolve(account, events=account.events[: cut + k]))
        assert every_field(s) == every_field(fresh)
        assert every_field(by_hand(s)) == every_field(fresh)
