"""The event-store contract, run against SQLite and a real PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from overdue import Money
from overdue.dispatch import Delivered, Failed, Unknown
from overdue.dispatch.ledger import classify_claim as classify
from overdue.events import (
    AuthorisationGranted,
    ContactAttempted,
    DisputeOpened,
    Event,
    PaymentReceived,
    StageEntered,
)
from overdue.host import (
    ConcurrencyError,
    DuplicateEventError,
    EventStore,
    StoreError,
    UnknownAccountError,
)
from overdue.host._sql import SqlStore

from .conftest import MakeAction, StoreFactory, at, debtor


def bare(events: tuple[Event, ...]) -> tuple[Event, ...]:
    """``events`` without the ``recorded_at`` the store fills in, to compare with what was given."""
    return tuple(attrs.evolve(e, recorded_at=None) for e in events)


def test_both_backends_are_event_stores(store: SqlStore) -> None:
    assert isinstance(store, EventStore)


def test_an_account_round_trips_with_its_facts_and_events(store: SqlStore) -> None:
    account = debtor().with_events(StageEntered(at=at(11), stage="reminder"))
    assert store.create(account, recorded_at=at(11)) == 1
    loaded = store.load("A-1")
    assert attrs.evolve(loaded.account, events=bare(loaded.account.events)) == account
    # The store fills in when it learned each event (the engine's ``recorded_at``).
    assert tuple(e.recorded_at for e in loaded.account.events) == loaded.recorded_at
    assert loaded.version == 1
    assert loaded.decided_version is None
    assert loaded.recorded_at == (at(11).astimezone(UTC),)
    assert store.account_ids() == ("A-1",)


def test_an_id_is_stored_once(store: SqlStore) -> None:
    store.create(debtor())
    with pytest.raises(StoreError, match="already stored") as caught:
        store.create(debtor())
    assert caught.value.account_id == "A-1"


def test_an_unknown_account_is_a_lookup_error(store: SqlStore) -> None:
    with pytest.raises(UnknownAccountError) as caught:
        store.load("A-404")
    assert isinstance(caught.value, LookupError)
    assert caught.value.account_id == "A-404"
    with pytest.raises(UnknownAccountError):
        store.append("A-404", [StageEntered(at=at(11), stage="reminder")], None)


def test_append_checks_the_version_read(store: SqlStore) -> None:
    store.create(debtor())
    first = StageEntered(at=at(11), stage="reminder")
    assert store.append("A-1", [first], 0) == 1
    with pytest.raises(ConcurrencyError) as caught:
        store.append("A-1", [DisputeOpened(at=at(12), reason="x")], 0)
    assert (caught.value.expected_version, caught.value.actual_version) == (0, 1)
    assert caught.value.account_id == "A-1"
    assert bare(store.load("A-1").account.events) == (first,)  # nothing written


def test_a_second_writer_is_refused_when_both_read_the_same_version(
    open_store: StoreFactory,
) -> None:
    one, two = open_store(), open_store()
    one.create(debtor())
    version = two.load("A-1").version
    one.append("A-1", [StageEntered(at=at(11), stage="reminder")], version)
    with pytest.raises(ConcurrencyError):
        two.append("A-1", [DisputeOpened(at=at(11, 11), reason="x")], version)
    assert two.append("A-1", [DisputeOpened(at=at(11, 11), reason="x")], None) == 2


def test_events_come_back_in_effective_time_order_ties_in_append_order(
    store: SqlStore,
) -> None:
    store.create(debtor())
    sms = ContactAttempted(at=at(12), channel="sms", outcome="delivered", idempotency_key="k1")
    entered = StageEntered(at=at(11), stage="reminder")
    store.append("A-1", [entered, sms], 0, recorded_at=at(12))
    # the payment took effect before the SMS went out, but the webhook came a day later
    late = PaymentReceived(at=at(11, 23), amount=Money("1200.50", "CNY"))
    tie = DisputeOpened(at=at(12), reason="same moment as the SMS, appended after it")
    store.append("A-1", [late, tie], 2, recorded_at=at(13))
    loaded = store.load("A-1")
    assert bare(loaded.account.events) == (entered, late, sms, tie)
    assert loaded.version == 4
    assert loaded.recorded_at == tuple(
        t.astimezone(UTC) for t in (at(12), at(13), at(12), at(13))
    )


def test_the_history_as_known_at_a_moment_leaves_out_what_came_later(store: SqlStore) -> None:
    store.create(debtor())
    entered = StageEntered(at=at(11), stage="reminder")
    store.append("A-1", [entered], 0, recorded_at=at(11))
    store.append("A-1", [PaymentReceived(at=at(11, 12), amount=Money("1.00", "CNY"))], 1,
                 recorded_at=at(14))
    before = store.load("A-1", known_at=at(13))
    assert bare(before.account.events) == (entered,)
    assert before.version == 1
    assert len(store.load("A-1", known_at=at(14)).account.events) == 2


def test_recorded_at_defaults_to_the_store_clock(open_store: StoreFactory) -> None:
    store = open_store()
    store._clock = lambda: datetime(2026, 2, 1, tzinfo=UTC)
    store.create(debtor())
    store.append("A-1", [StageEntered(at=at(11), stage="reminder")], 0)
    assert store.load("A-1").recorded_at == (datetime(2026, 2, 1, tzinfo=UTC),)


def test_an_account_is_due_when_new_when_woken_and_when_it_has_new_events(
    store: SqlStore,
) -> None:
    store.create(debtor("A-1"))
    store.create(debtor("A-2"))
    assert store.due(at(11)) == ("A-1", "A-2")  # never decided
    store.mark_decided("A-1", version=0, wake_at=at(12, 8))
    store.mark_decided("A-2", version=0, wake_at=None)
    assert store.due(at(11)) == ()
    assert store.due(at(12, 8)) == ("A-1",)  # its wake time has come
    store.append("A-2", [DisputeOpened(at=at(11, 12), reason="x")], None)
    assert store.due(at(11)) == ("A-2",)  # a new event
    assert store.due(at(12, 9), limit=1) == ("A-1",)
    loaded = store.load("A-1")
    assert (loaded.decided_version, loaded.wake_at) == (0, at(12, 8).astimezone(UTC))


def test_a_decision_on_an_older_version_leaves_the_account_due(store: SqlStore) -> None:
    store.create(debtor())
    store.append("A-1", [StageEntered(at=at(11), stage="reminder")], 0)
    store.mark_decided("A-1", version=0, wake_at=at(20))  # decided before the append landed
    assert store.due(at(11)) == ("A-1",)
    store.mark_decided("A-1", version=1, wake_at=at(20))
    assert store.due(at(11)) == ()


def test_new_facts_make_the_account_due_and_carry_no_events(store: SqlStore) -> None:
    store.create(debtor())
    store.mark_decided("A-1", version=0, wake_at=None)
    moved = debtor(amount="99.00")
    store.update_facts(moved)
    assert store.load("A-1").account == moved
    assert store.due(at(11)) == ("A-1",)
    with pytest.raises(StoreError, match="facts only"):
        store.update_facts(moved.with_events(StageEntered(at=at(11), stage="reminder")))


def test_only_overdue_events_can_be_appended(store: SqlStore) -> None:
    store.create(debtor())
    with pytest.raises(StoreError) as caught:
        store.append("A-1", ["payment"], None)  # type: ignore[list-item]
    assert caught.value.event_index == 0


def test_a_contact_attempt_is_recorded_once_per_idempotency_key(store: SqlStore) -> None:
    store.create(debtor())
    sms = ContactAttempted(at=at(12), channel="sms", outcome="delivered", idempotency_key="k1")
    store.append("A-1", [sms], None)
    with pytest.raises(DuplicateEventError, match="already recorded"):
        store.append("A-1", [sms], None)
    assert store.load("A-1").version == 1


def test_a_payment_webhook_delivered_twice_is_recorded_once(store: SqlStore) -> None:
    store.create(debtor())
    paid = PaymentReceived(at=at(12, 9), amount=Money("100.00", "CNY"), reference="pay-77")
    store.append("A-1", [paid], None)
    with pytest.raises(DuplicateEventError) as caught:
        store.append("A-1", [attrs.evolve(paid, at=at(12, 9, 1))], None)
    assert caught.value.got == "payment:pay-77"
    # without a reference the store cannot tell two payments apart: both are kept
    store.append("A-1", [attrs.evolve(paid, reference=None)] * 2, None)
    assert store.load("A-1").version == 3
    # an authorisation may be granted again under its case number (after a revocation)
    granted = AuthorisationGranted(at=at(13), authorisation="legal_review", reference="case-1")
    store.append("A-1", [granted, attrs.evolve(granted, at=at(14))], None)
    assert store.load("A-1").version == 5


# -- the outbox ledger ---------------------------------------------------------------------------


def test_recording_a_send_appends_its_event_in_the_same_commit(
    store: SqlStore, make_action: MakeAction
) -> None:
    store.create(debtor("A-1"))
    action = make_action(1)
    ledger = store.ledger
    assert ledger.claim(action, at=at(12)).status == "new"
    assert store.load("A-1").version == 0
    entry = ledger.record(action.idempotency_key, Delivered("ref-1"), at=at(12), attempts=1)
    assert entry.state == "sent"
    assert entry.outcome == Delivered("ref-1")
    assert action.contact is not None
    assert entry.contact == action.contact.masked  # the ledger keeps the masked address
    assert "12345678" not in (entry.contact or "")
    [event] = store.load("A-1").account.events
    assert attrs.evolve(event, recorded_at=None) == action.outcome_event("delivered", at(12))
    assert ledger.claim(action, at=at(13)).status == "done"


def test_a_send_whose_event_cannot_be_written_stays_in_doubt(
    store: SqlStore, make_action: MakeAction
) -> None:
    # The action's account is not in the store: the event append fails, so the ledger row
    # must not say "sent" either.
    action = make_action(7)
    store.ledger.claim(action, at=at(12))
    with pytest.raises(UnknownAccountError):
        store.ledger.record(action.idempotency_key, Delivered(), at=at(12), attempts=1)
    entry = store.ledger.get(action.idempotency_key)
    assert entry is not None
    assert entry.state == "intended"


def test_a_live_owner_keeps_its_claim_and_a_lapsed_one_is_in_doubt(
    open_store: StoreFactory, make_action: MakeAction
) -> None:
    one = open_store()
    one.create(debtor("A-1"))
    action = make_action(1)
    assert one.ledger.claim(action, at=at(12)).status == "new"
    two = open_store()
    assert two.ledger.claim(action, at=at(12)).status == "busy"  # same process, alive
    two.ledger._clock = lambda: 1e12  # long after the lease ran out
    claim = two.ledger.claim(action, at=at(12))
    assert claim.status == "in_doubt"
    assert claim.entry.recoveries == 1
    two.ledger.record(action.idempotency_key, Delivered(), at=at(12), attempts=1)
    assert len(two.load("A-1").account.events) == 1


def test_a_human_settles_what_a_crash_left_in_doubt(
    store: SqlStore, make_action: MakeAction
) -> None:
    store.create(debtor("A-1"))
    store.create(debtor("A-2"))
    went_out, did_not = make_action(1), make_action(2)
    for action in (went_out, did_not):
        store.ledger.claim(action, at=at(12))
        store.ledger.mark_unknown(action.idempotency_key, at=at(12), detail="crashed")
    assert [e.key for e in store.ledger.entries("unknown")] == [
        went_out.idempotency_key,
        did_not.idempotency_key,
    ]
    assert store.ledger.claim(went_out, at=at(12)).status == "unknown"
    store.ledger.resolve(went_out.idempotency_key, Delivered("checked"), at=at(13))
    store.ledger.discard(did_not.idempotency_key)
    assert store.ledger.get(did_not.idempotency_key) is None
    assert store.ledger.claim(went_out, at=at(13)).status == "done"
    assert store.ledger.claim(did_not, at=at(13)).status == "new"
    assert [e.state for e in store.ledger.entries()] == ["sent", "intended"]


def test_every_outcome_kind_reads_back(store: SqlStore, make_action: MakeAction) -> None:
    for n, outcome in enumerate(
        (Delivered("r", outcome="conversation"), Failed("no_answer", True, "rang out"),
         Unknown("timeout after send")),
        start=1,
    ):
        store.create(debtor(f"A-{n}"))
        action = make_action(n)
        store.ledger.claim(action, at=at(12))
        entry = store.ledger.record(action.idempotency_key, outcome, at=at(12), attempts=2)
        assert entry.outcome == outcome
        assert entry.attempts == 2
        assert entry.recorded_at == at(12).astimezone(UTC)
        [event] = store.load(f"A-{n}").account.events
        assert event.outcome == outcome.event_outcome


def test_the_claim_answers_follow_the_dispatch_ledger() -> None:
    assert classify("sent", True) == "done"
    assert classify("unknown", True) == "unknown"
    assert classify("intended", False) == "busy"
    assert classify("intended", True) == "in_doubt"


def test_instants_are_compared_as_instants_whatever_their_offset(store: SqlStore) -> None:
    store.create(debtor())
    store.mark_decided("A-1", version=0, wake_at=at(12, 8))  # 00:00 UTC
    just_before = at(12, 8).astimezone(UTC) - timedelta(microseconds=1)
    assert store.due(just_before) == ()
    assert store.due(at(12, 8).astimezone(UTC)) == ("A-1",)


def test_the_outbox_ledger_masks_a_detail_left_for_a_human(
    store: SqlStore, make_action: MakeAction
) -> None:
    """Named fix: the host's outbox ledger stored ``mark_unknown``'s detail as given, where the
    dispatch ledgers mask it (one statement set now, and the same masking)."""
    store.create(debtor("A-1"))
    action = make_action(1)
    store.ledger.claim(action, at=at(12))
    entry = store.ledger.mark_unknown(
        action.idempotency_key, at=at(12), detail="timed out calling +86.139.1234.5678"
    )
    assert entry.detail is not None
    assert "1234.5678" not in entry.detail
