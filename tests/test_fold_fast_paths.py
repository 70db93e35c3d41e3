"""The fold's fast paths against the plain definitions they stand for (issue 10).

``fold`` appends contacts a run at a time (the other events found in C), counts the attempts
per step as it freezes (``_Builder._count_steps``, values made without attrs' ``__init__``),
builds the balance as it freezes, and counts the entries per stage on first read.  Each is
held here to what it replaces: the attempts per step as the history defines them (walked one
event at a time, with attrs' own ``StepProgress``), one ``apply`` per event, and ``Money``
made by its ``__init__``.  The histories mix in what the reference histories never hold: a
host's subclasses of contacts and stage entries, contacts tagged with another stage or for no
step, inbound contacts, and a history recorded out of order.  A fold's part payment of the
oldest unpaid invoice (a shortcut of ``_allocate``) and its facts (made without attrs'
``__init__``) are held to ``apply`` one event at a time, whose claimed builder allocates in full.
"""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import Account, Invoice, Money, fold, snapshot
from overdue.errors import CalendarRangeError
from overdue.events import (
    ContactAttempted,
    DisputeOpened,
    DisputeResolved,
    Event,
    InvoiceIssued,
    ManualHold,
    PaymentReceived,
    StageEntered,
)
from overdue.snapshot import FactState, Snapshot, StepProgress

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
STAGES = ("reminder", "call")


class HostContact(ContactAttempted):
    """A host's subclass of a contact: folded as a contact, through its handler."""


class HostStage(StageEntered):
    """A host's subclass of a stage entry: folded as a stage entry."""


@st.composite
def histories(draw: st.DrawFn) -> tuple[Event, ...]:
    """Contacts (some tagged with another stage, for no step, inbound, or of a host's class),
    stage entries, invoices and payments, possibly several at one moment."""
    events: list[Event] = []
    minutes = 0
    stage: str | None = None
    for k in range(draw(st.integers(0, 30))):
        minutes += draw(st.sampled_from((0, 0, 5, 60, 60 * 24)))
        at = T0 + timedelta(minutes=minutes)
        kind = draw(st.sampled_from(("contact",) * 5 + ("stage", "stage", "invoice", "pay")))
        if kind == "contact":
            cls = draw(st.sampled_from((ContactAttempted,) * 4 + (HostContact,)))
            tagged = draw(st.sampled_from((stage, stage, stage, None, *STAGES)))
            events.append(
                cls(
                    at,
                    channel="sms",
                    outcome=draw(st.sampled_from(("delivered", "failed"))),
                    stage=tagged,
                    step=draw(st.sampled_from(("s1", "s2", "s3", None))),
                    initiated_by=draw(st.sampled_from(("creditor", "creditor", "debtor"))),
                )
            )
        elif kind == "stage":
            stage = draw(st.sampled_from(STAGES))
            cls_s = draw(st.sampled_from((StageEntered, StageEntered, HostStage)))
            events.append(cls_s(at, stage=stage))
        elif kind == "invoice":
            amount = Money(draw(st.integers(1, 500)), "CNY")
            events.append(InvoiceIssued(at, invoice_id=f"e{k}", amount=amount, due=at.date()))
        else:
            events.append(PaymentReceived(at, amount=Money(draw(st.integers(1, 300)), "CNY")))
    return tuple(events)


def steps_by_definition(history: tuple[Event, ...]) -> dict[str, StepProgress]:
    """The attempts per step since the last stage entry, one event at a time, in effective
    order (the snapshot's ``history``): a creditor's contact in the current stage for a step."""
    steps: dict[str, StepProgress] = {}
    stage = None
    for e in history:
        if isinstance(e, StageEntered):
            stage, steps = e.stage, {}
        elif (
            isinstance(e, ContactAttempted)
            and e.step is not None
            and stage is not None
            and e.stage == stage
            and e.initiated_by == "creditor"
        ):
            prev = steps.get(e.step)
            steps[e.step] = StepProgress(prev.count + 1 if prev else 1, e.at)
    return steps


def entries_by_definition(history: tuple[Event, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in history:
        if isinstance(e, StageEntered):
            counts[e.stage] = counts.get(e.stage, 0) + 1
    return counts


def account_of(events: tuple[Event, ...]) -> Account:
    opening = (Invoice("i0", Money("100.00", "CNY"), date(2026, 2, 1)),)
    return Account("f1", invoices=opening, events=events)


def check_reads(s: Snapshot) -> None:
    """The fast paths' values equal the definitions, in order, of the very same types."""
    want = steps_by_definition(s.history)
    assert list(s.steps.items()) == list(want.items())
    assert repr(dict(s.steps)) == repr(want)
    assert all(type(p) is StepProgress for p in s.steps.values())
    entries = entries_by_definition(s.history)
    assert all(s.entered(name) == entries.get(name, 0) for name in (*STAGES, "never"))
    assert list(s.entries.items()) == list(entries.items())
    owed = sum((i.amount.amount - i.paid for i in s.invoices), Decimal(0))
    assert type(s.balance) is Money
    assert s.balance == Money(owed, "CNY")
    assert repr(s.balance) == repr(Money(owed, "CNY"))
    assert str(s.balance) == str(Money(owed, "CNY"))


@PROPS
@given(histories(), st.integers(0, 30))
def test_a_fold_equals_one_apply_per_event_and_the_definitions(
    events: tuple[Event, ...], cut: int
) -> None:
    whole = fold(account_of(events))
    check_reads(whole)
    snap = fold(account_of(events[:cut]))
    check_reads(snap)
    for e in events[cut:]:
        snap = snap.apply(e)
        check_reads(snap)
    assert snap == whole
    assert repr(snap) == repr(whole)


@PROPS
@given(histories(), st.randoms(use_true_random=False))
def test_a_history_recorded_out_of_order_folds_as_in_effective_order(
    events: tuple[Event, ...], rnd: object
) -> None:
    shuffled = list(events)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    # In effective order, events at one moment keep the order given (a stable sort).
    in_order = tuple(sorted(shuffled, key=lambda e: e.at))
    late = fold(account_of(tuple(shuffled)))
    check_reads(late)
    assert late == fold(account_of(in_order))
    assert late.history == in_order


@PROPS
@given(histories())
def test_a_pickled_or_copied_fold_keeps_its_fast_values(events: tuple[Event, ...]) -> None:
    s = fold(account_of(events))
    for other in (copy.deepcopy(s), pickle.loads(pickle.dumps(s))):
        assert other == s
        assert dict(other.steps) == dict(s.steps)
        assert other.balance == s.balance
        assert type(other.balance) is Money
        check_reads(other)


def test_money_of_checked_equals_money() -> None:
    made = Money.of_checked(Decimal("12.50"), "EUR")
    plain = Money("12.50", "EUR")
    assert type(made) is Money
    assert made == plain
    assert hash(made) == hash(plain)
    assert (repr(made), str(made)) == (repr(plain), str(plain))
    assert pickle.loads(pickle.dumps(made)) == plain
    assert made + plain == Money("25.00", "EUR")


def test_a_subclass_of_money_is_made_of_its_own_class() -> None:
    class Tagged(Money):
        pass

    made = Tagged.of_checked(Decimal(3), "CNY")
    assert type(made) is Tagged
    assert made == Tagged(3, "CNY")


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[Event, ...]:
    """Invoices, payments (some by name, amounts of several exponents, some more than is
    owed), disputes opened and resolved, holds: the part payment's shortcut in ``_payment``
    and the facts ``_open_fact`` makes without attrs' ``__init__``."""
    events: list[Event] = []
    open_ids: list[str] = []
    issued: list[str] = []
    at = T0
    amounts = st.sampled_from(("0.01", "1", "10.50", "1E+1", "2.5E+2", "99.999", "400", "1000"))
    for k in range(draw(st.integers(0, 25))):
        at += timedelta(minutes=draw(st.sampled_from((0, 30, 60 * 24))))
        kind = draw(st.sampled_from(("invoice", "pay", "pay", "pay", "open", "resolve", "hold")))
        if kind == "invoice":
            due = date(2026, 2, 1) + timedelta(days=draw(st.integers(-20, 40)))
            money = Money(draw(amounts), "CNY")
            events.append(InvoiceIssued(at, invoice_id=f"e{k}", amount=money, due=due))
            issued.append(f"e{k}")
        elif kind == "pay":
            named = draw(st.sampled_from((None, None, *issued[-1:])))
            money = Money(draw(amounts), "CNY")
            events.append(PaymentReceived(at, amount=money, invoice_id=named))
        elif kind == "open":
            open_ids.append(f"d{k}")
            events.append(
                DisputeOpened(at, dispute_id=f"d{k}", reason=draw(st.none() | st.just("why")))
            )
        elif kind == "resolve" and open_ids:
            events.append(DisputeResolved(at, dispute_id=open_ids.pop(0)))
        elif kind == "hold":
            until = draw(st.none() | st.just(at + timedelta(days=3)))
            events.append(ManualHold(at, hold="manual_hold", until=until, reason="asked"))
    return tuple(events)


@PROPS
@given(ledgers(), st.integers(0, 25))
def test_payments_and_facts_fold_as_applied_one_by_one(events: tuple[Event, ...], cut: int) -> None:
    """A fold takes a part payment by its shortcut and makes facts through ``_Fact``; ``apply``
    (a claimed builder, whose payments go through ``_allocate``) must agree on every field,
    and each fact must be the ``FactState`` attrs would make."""
    whole = fold(account_of(events))
    snap = fold(account_of(events[:cut]))
    for e in events[cut:]:
        snap = snap.apply(e)
    assert snap == whole  # (not ``repr``: a set of open disputes shows in the order of its making)
    assert repr(snap.invoices) == repr(whole.invoices)
    assert repr(snap.balance) == repr(whole.balance)
    assert repr(snap.credit) == repr(whole.credit)
    for name, state in whole.facts.items():
        assert type(state) is FactState
        made = FactState(state.name, state.since, state.until, state.detail)
        assert state == made
        assert repr(state) == repr(made)
        assert name == state.name


@pytest.mark.parametrize("late", [False, True])
def test_a_handler_out_of_the_calendar_names_the_event_run_is_at(
    late: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``_Builder.run`` hands its handlers ``_RUN`` instead of each event's position; a
    refusal, an ``OverflowError`` turned into a ``CalendarRangeError`` included, reads the
    position from the run's iterator then: the event's position as given."""

    def overflow(b: object, event: Event, index: int) -> None:
        raise OverflowError("date value out of range")

    monkeypatch.setitem(snapshot._HANDLERS, PaymentReceived, overflow)
    events = [
        StageEntered(T0, stage="reminder"),
        ContactAttempted(T0 + timedelta(minutes=1), channel="sms", outcome="delivered"),
        InvoiceIssued(
            T0 + timedelta(minutes=2),
            invoice_id="i1",
            amount=Money("10.00", "CNY"),
            due=date(2026, 2, 1),
        ),
        PaymentReceived(T0 + timedelta(minutes=3), amount=Money("5.00", "CNY")),
        ContactAttempted(T0 + timedelta(minutes=4), channel="sms", outcome="delivered"),
    ]
    if late:  # recorded out of order: the index is still its position as given
        events.insert(0, events.pop())
    with pytest.raises(CalendarRangeError) as info:
        fold(Account("o1", events=tuple(events)))
    assert info.value.event_index == (4 if late else 3)
