"""The Runner: decide, dispatch, record and schedule every due account, against both stores."""

from __future__ import annotations

import logging
from datetime import UTC

import attrs
import pytest

from overdue import REFERENCE_POLICY, Money, decide
from overdue.dispatch import ChannelRegistry, Delivered, InMemoryLedger, RecordingAdapter
from overdue.errors import DispatchError
from overdue.events import ContactAttempted, DisputeOpened, PaymentReceived, StageEntered
from overdue.host import Runner, RunStep
from overdue.host._sql import SqlStore
from overdue.host.runner import _wake

from .conftest import StoreFactory, at, debtor

CHANNELS = ("sms", "phone", "email", "letter", "in_app", "field_visit", "legal")


def adapters(*, honours_keys: bool = True) -> ChannelRegistry:
    return ChannelRegistry(RecordingAdapter(c, honours_keys=honours_keys) for c in CHANNELS)


def delivered(registry: ChannelRegistry) -> list[str]:
    return [s.idempotency_key for c in CHANNELS for s in registry.get(c).sent]  # type: ignore[attr-defined]


def contact_keys(store: SqlStore, account_id: str) -> list[str | None]:
    return [
        e.idempotency_key
        for e in store.load(account_id).account.events
        if isinstance(e, ContactAttempted)
    ]


def test_a_run_decides_dispatches_records_and_schedules(store: SqlStore) -> None:
    for n in (1, 2, 3):
        store.create(debtor(f"A-{n}"))
    registry = adapters()
    runner = Runner(REFERENCE_POLICY, store, registry)
    report = runner.run_once(at(12))
    assert (report.due, report.decided, report.failed) == (3, 3, 0)
    assert report.errors == ()
    sent = delivered(registry)
    assert sorted(report.sent) == sorted(sent)
    assert {k.split(":")[0] for k in sent} == {"A-1", "A-2", "A-3"}
    for n in (1, 2, 3):
        stored = store.load(f"A-{n}")
        assert any(isinstance(e, StageEntered) for e in stored.account.events)
        keys = contact_keys(store, f"A-{n}")
        assert sorted(keys) == sorted(k for k in sent if k.startswith(f"A-{n}:"))
        assert stored.decided_version == stored.version
        assert stored.wake_at is not None
        assert stored.wake_at > at(12)
    # every send is one ledger row in state sent, and every row is one send
    assert sorted(e.key for e in store.ledger.entries("sent")) == sorted(sent)
    assert len(store.ledger.entries()) == len(sent)
    # the counts reconcile
    assert sum(report.counts().values()) == len(report.results)
    assert report.due == report.decided + report.failed


def test_running_twice_at_the_same_moment_sends_nothing_twice(store: SqlStore) -> None:
    for n in (1, 2):
        store.create(debtor(f"A-{n}"))
    registry = adapters()
    runner = Runner(REFERENCE_POLICY, store, registry)
    first = runner.run_once(at(12))
    again = runner.run_once(at(12))
    assert first.sent
    assert again.sent == ()
    assert again.due == 0  # nothing is due: every account sleeps until its wake time
    assert len(delivered(registry)) == len(first.sent)
    # and a fresh runner (a restarted host) at the same moment sends nothing either
    restarted = Runner(REFERENCE_POLICY, store, registry).run_once(at(12))
    assert restarted.sent == ()


def test_one_bad_account_is_reported_and_the_others_run(store: SqlStore) -> None:
    store.create(debtor("A-1"))
    store.create(debtor("A-2").with_events(
        PaymentReceived(at=at(11), amount=Money("5.00", "USD"))
    ))
    store.create(debtor("A-3"))
    report = Runner(REFERENCE_POLICY, store, adapters()).run_once(at(12))
    [(account_id, error)] = report.errors
    assert account_id == "A-2"
    assert "USD" in str(error)
    assert (report.due, report.decided, report.failed) == (3, 2, 1)
    assert {k.split(":")[0] for k in report.sent} == {"A-1", "A-3"}
    assert store.due(at(12)) == ("A-2",)  # tried again on the next run


def test_a_late_payment_is_applied_before_the_sms_that_already_went_out(
    store: SqlStore,
) -> None:
    store.create(debtor())
    registry = adapters()
    runner = Runner(REFERENCE_POLICY, store, registry)
    assert runner.run_once(at(12)).sent
    # the debtor paid at 09:00, an hour before the reminder; the webhook arrives next day
    store.append(
        "A-1", [PaymentReceived(at=at(12, 9), amount=Money("1200.50", "CNY"))], None,
        recorded_at=at(13, 9),
    )
    report = runner.run_once(at(13))
    [run] = report.accounts
    assert run.status == "resolved"
    assert run.wake_at is None
    assert report.sent == ()
    kinds = [e.kind for e in store.load("A-1").account.events]
    assert kinds.index("payment") < kinds.index("contact")  # effective-time order
    # an audit of what was known before the webhook still sees an unpaid account
    before = store.load("A-1", known_at=at(12, 23))
    assert decide(REFERENCE_POLICY, before.account, at(12, 23)).status == "active"


def test_a_webhook_landing_between_read_and_write_is_decided_again(
    open_store: StoreFactory,
) -> None:
    store, webhook = open_store(), open_store()
    store.create(debtor())
    seen: list[tuple[RunStep, str]] = []

    def on_step(step: RunStep, account_id: str) -> None:
        if not seen:  # right after the first decision, before its facts are written
            webhook.append(account_id, [DisputeOpened(at=at(12, 9), reason="x")], None)
        seen.append((step, account_id))

    registry = adapters()
    report = Runner(REFERENCE_POLICY, store, registry, on_step=on_step).run_once(at(12))
    [run] = report.accounts
    assert run.ok
    assert run.rounds == 2
    assert run.status == "on_hold"
    assert delivered(registry) == []
    assert [s for s, _ in seen] == ["decide", "decide", "facts", "commit"]


def test_with_a_ledger_of_its_own_the_runner_appends_the_outcomes(store: SqlStore) -> None:
    store.create(debtor())
    registry = adapters()
    report = Runner(REFERENCE_POLICY, store, registry, InMemoryLedger()).run_once(at(12))
    assert report.sent
    assert sorted(contact_keys(store, "A-1")) == sorted(report.sent)
    assert store.ledger.entries() == ()


def test_a_key_left_in_doubt_is_reported_on_every_run_until_a_human_settles_it(
    open_store: StoreFactory,
) -> None:
    store = open_store()
    store.create(debtor())
    decision = decide(REFERENCE_POLICY, store.load("A-1").account, at(12))
    sms = next(a for a in decision.due_actions if a.channel == "sms")
    # a host that died after claiming the SMS: its claim's lease has run out
    dead = open_store()
    dead.ledger.claim(sms, at=at(12))
    store.ledger._clock = lambda: 1e12
    registry = adapters(honours_keys=False)
    runner = Runner(REFERENCE_POLICY, store, registry)
    first = runner.run_once(at(12))
    assert first.in_doubt == (sms.idempotency_key,)
    assert sms.idempotency_key not in delivered(registry)  # not re-sent: it may have gone out
    assert runner.run_once(at(12, 11)).in_doubt == (sms.idempotency_key,)
    store.ledger.resolve(sms.idempotency_key, Delivered("checked by hand"), at=at(12, 12))
    settled = runner.run_once(at(12, 13))
    assert settled.in_doubt == ()
    assert sms.idempotency_key in contact_keys(store, "A-1")  # the replayed outcome
    [event] = [
        e for e in store.load("A-1").account.events
        if isinstance(e, ContactAttempted) and e.idempotency_key == sms.idempotency_key
    ]
    assert event.at == at(12)  # when the dead host claimed it, not when it was settled
    assert sms.idempotency_key not in delivered(registry)


def test_a_non_terminal_decision_without_a_wake_time_is_woken_next_run() -> None:
    account = debtor()
    active = decide(REFERENCE_POLICY, account, at(12))
    assert active.status == "active"
    assert _wake(attrs.evolve(active, wake_at=None, waiting_for=()), at(12), True) == (at(12), True)
    assert _wake(active, at(12), True) == (active.wake_at, False)
    assert _wake(active, at(12), False) == (at(12), False)  # something did not go out
    paid = account.with_events(PaymentReceived(at=at(11), amount=Money("1200.50", "CNY")))
    resolved = decide(REFERENCE_POLICY, paid, at(12))
    assert _wake(resolved, at(12), True) == (None, False)


def test_the_runner_logs_structured_fields_and_masks_addresses(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.create(debtor())
    store.create(debtor("A-2").with_events(
        PaymentReceived(at=at(11), amount=Money("5.00", "USD"))
    ))
    with caplog.at_level(logging.DEBUG, logger="overdue.host"):
        Runner(REFERENCE_POLICY, store, adapters()).run_once(at(12))
    records = [r for r in caplog.records if r.name == "overdue.host"]
    sends = [r for r in records if getattr(r, "dispatch_status", None) == "sent"]
    assert sends
    assert all(r.account_id == "A-1" and r.idempotency_key and r.channel for r in sends)
    [account] = [r for r in records if getattr(r, "wake_at", None)]
    assert account.status == "active"
    [failure] = [r for r in records if getattr(r, "error_type", None)]
    assert (failure.account_id, failure.error_type) == ("A-2", "EventError")
    [summary] = [r for r in records if hasattr(r, "due")]
    assert (summary.due, summary.decided, summary.failed) == (2, 1, 1)
    text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in records)
    assert "13812345678" not in text
    assert "a-1@example.com" not in text
    assert logging.getLogger("overdue.host").handlers == []


def test_the_clock_must_be_aware(store: SqlStore) -> None:
    from overdue.errors import NaiveDatetimeError

    with pytest.raises(NaiveDatetimeError):
        Runner(REFERENCE_POLICY, store, adapters()).run_once(at(12).replace(tzinfo=None))
    assert at(12).astimezone(UTC)  # the aware form is fine


def test_two_hosts_running_at_once_send_each_message_once(open_store: StoreFactory) -> None:
    import threading

    setup = open_store()
    for n in range(1, 7):
        setup.create(debtor(f"A-{n}"))
    registry = adapters(honours_keys=False)  # a duplicate would reach the provider
    runners = [Runner(REFERENCE_POLICY, open_store(), registry) for _ in range(2)]
    reports: list[object] = []
    gate = threading.Barrier(2)

    def work(runner: Runner) -> None:
        gate.wait()
        reports.append(runner.run_once(at(12)))

    threads = [threading.Thread(target=work, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(reports) == 2
    runners[0].run_once(at(12))  # whatever one host found busy, the next run finishes
    sent = delivered(registry)
    assert len(sent) == len(set(sent))  # nothing went out twice
    assert {k.split(":")[0] for k in sent} == {f"A-{n}" for n in range(1, 7)}
    for n in range(1, 7):
        keys = contact_keys(setup, f"A-{n}")
        assert sorted(keys) == sorted(k for k in sent if k.startswith(f"A-{n}:"))
    assert setup.due(at(12)) == ()


def test_an_account_that_always_races_another_writer_is_reported_not_lost(
    open_store: StoreFactory,
) -> None:
    from overdue.host import ConcurrencyError

    store, webhook = open_store(), open_store()
    store.create(debtor())

    def on_step(step: RunStep, account_id: str) -> None:
        if step == "decide":  # every decision is overtaken by a new fact before it is written
            webhook.append(account_id, [DisputeOpened(at=at(11), reason="x")], None)

    runner = Runner(REFERENCE_POLICY, store, adapters(), max_rounds=2, on_step=on_step)
    report = runner.run_once(at(12))
    [(account_id, error)] = report.errors
    assert account_id == "A-1"
    assert isinstance(error, ConcurrencyError)
    assert store.due(at(12)) == ("A-1",)
    with pytest.raises(DispatchError):
        Runner(REFERENCE_POLICY, store, adapters(), max_rounds=0)


def test_a_back_dated_dispute_holds_contact_and_keeps_the_sms_that_went_out(
    store: SqlStore,
) -> None:
    store.create(debtor())
    registry = adapters()
    runner = Runner(REFERENCE_POLICY, store, registry)
    first = runner.run_once(at(12))
    # the debtor disputed by phone at 08:00, before the 10:00 SMS; the desk records it at noon
    store.append("A-1", [DisputeOpened(at=at(12, 8), reason="never received goods")], None,
                 recorded_at=at(12, 12))
    later = [runner.run_once(at(day)) for day in range(13, 20)]
    assert all(r.sent == () for r in later)  # held from the dispute's effective time on
    [run] = later[0].accounts
    assert run.status == "on_hold"
    assert sorted(contact_keys(store, "A-1")) == sorted(first.sent)  # the SMS stays a fact
    kinds = [e.kind for e in store.load("A-1").account.events]
    assert kinds.index("dispute_opened") < kinds.index("contact")


def test_an_in_memory_store_runs_the_same_loop() -> None:
    from overdue.host import SqliteStore

    with SqliteStore(":memory:") as store:
        store.create(debtor())
        report = Runner(REFERENCE_POLICY, store, adapters()).run_once(at(12))
        assert len(report.sent) == 2
        assert len(contact_keys(store, "A-1")) == 2


def test_the_runner_carries_out_service_actions_and_their_undo_once(store: SqlStore) -> None:
    # Issue 18: a rung's service action goes through the same dispatch, ledger and store as a
    # contact; its outcome is recorded as a ServiceRecorded event, and paying in full undoes it.
    from overdue import Policy, Stage, Step, days
    from overdue.events import ServiceRecorded
    from overdue.service import ServiceStep

    policy = Policy(
        "with-service",
        stages=[
            Stage(
                "blocked",
                steps=[Step("sms", template="reminder.sms")],
                service=[ServiceStep("block_changes", undo="unblock_changes")],
                deadline=days(30),
            )
        ],
    )
    store.create(debtor("A-1"))
    registry = ChannelRegistry([RecordingAdapter("sms"), RecordingAdapter("service")])
    runner = Runner(policy, store, registry)
    runner.run_once(at(12))
    runner.run_once(at(12))  # again at the same moment: nothing twice
    service = registry.get("service")
    assert [s.action.template for s in service.sent] == ["block_changes"]  # type: ignore[attr-defined]
    recorded = [
        e for e in store.load("A-1").account.events if isinstance(e, ServiceRecorded)
    ]
    assert [(e.action, e.operation) for e in recorded] == [("block_changes", "perform")]
    stored = store.load("A-1")
    store.append(
        "A-1",
        [PaymentReceived(at=at(13, 9), amount=Money("1200.50", "CNY"))],
        stored.version,
        recorded_at=at(13, 9),
    )
    runner.run_once(at(13))
    runner.run_once(at(13))
    assert [s.action.template for s in service.sent] == [  # type: ignore[attr-defined]
        "block_changes",
        "unblock_changes",
    ]
    undone = [e for e in store.load("A-1").account.events if isinstance(e, ServiceRecorded)]
    assert [e.operation for e in undone] == ["perform", "undo"]
