"""The dispatcher: due actions only, obligations, rendering, retries, one failure never stops
the others, and the outcome events the host appends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta

import attrs
import pytest

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide
from overdue.decision import Action
from overdue.dispatch import (
    AsyncRecordingAdapter,
    ChannelRegistry,
    Delivered,
    Dispatcher,
    DispatchReport,
    Failed,
    FailingAdapter,
    FlakyAdapter,
    InMemoryLedger,
    RecordingAdapter,
    Renderer,
    RetryPolicy,
    Unknown,
)
from overdue.errors import DispatchError
from overdue.events import ContactAttempted, Outcome
from overdue.policy import Obligation

MakeAction = Callable[..., Action]


class Sleeps:
    """An injectable sleep that remembers how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def dispatcher_for(*adapters: object, **kwargs: object) -> tuple[Dispatcher, Sleeps]:
    sleeps = Sleeps()
    registry = ChannelRegistry(adapters)  # type: ignore[arg-type]
    retry = RetryPolicy(max_attempts=3, backoff=0.5, sleep=sleeps, asleep=sleeps.asleep)
    return Dispatcher(registry, retry=retry, **kwargs), sleeps  # type: ignore[arg-type]


def test_a_due_action_is_rendered_sent_and_becomes_an_event(make_action: MakeAction) -> None:
    sms = RecordingAdapter("sms")
    dispatcher, _ = dispatcher_for(sms)
    action = make_action()
    report = dispatcher.dispatch([action], now=action.not_before)
    [result] = report.results
    assert result.status == "sent"
    assert result.outcome == Delivered("sms-1")
    assert sms.keys == [action.idempotency_key]
    assert "1200.50" in (sms.bodies[0] or "")
    [event] = report.outcome_events()
    assert isinstance(event, ContactAttempted)
    assert event.outcome is Outcome.DELIVERED
    assert event.idempotency_key == action.idempotency_key
    assert (event.stage, event.step, event.template) == ("reminder", "reminder.sms", "reminder.sms")
    assert event.at == action.not_before


def test_actions_not_yet_due_are_skipped_with_a_status(make_action: MakeAction) -> None:
    sms = RecordingAdapter("sms")
    dispatcher, _ = dispatcher_for(sms)
    later = make_action(not_before=make_action().not_before + timedelta(hours=1))
    report = dispatcher.dispatch([later], now=make_action().not_before)
    assert report.results[0].status == "not_due"
    assert "not before" in (report.results[0].detail or "")
    assert sms.calls == []
    assert report.outcome_events() == ()
    assert report.errors == ()


def test_obligations_must_be_acknowledged(make_action: MakeAction) -> None:
    visit = RecordingAdapter("field_visit")
    dispatcher, _ = dispatcher_for(visit, renderer=Renderer(agent="Example Field Services"))
    action = attrs.evolve(
        make_action(channel="field_visit", template="visit.field", address="Room 1"),
        performed_by="third_party",
        obligations=(
            Obligation("identity_disclosure", "state who you are"),
            Obligation("two_staff", "visit with two staff"),
        ),
    )
    now = action.not_before
    refused = dispatcher.dispatch([action], now=now, acknowledged_obligations={"two_staff"})
    assert refused.results[0].status == "refused"
    assert "identity_disclosure" in (refused.results[0].detail or "")
    assert visit.calls == []
    acked = {"identity_disclosure", "two_staff"}
    by_key = {action.idempotency_key: acked}
    assert dispatcher.dispatch([action], now=now, acknowledged_obligations=by_key).results[
        0
    ].status == "sent"


def test_an_adapter_exception_becomes_a_failure_and_others_still_go(
    make_action: MakeAction,
) -> None:
    boom = FailingAdapter("email", raises=RuntimeError("smtp down for +8613812345678"))
    sms = RecordingAdapter("sms")
    dispatcher, sleeps = dispatcher_for(boom, sms)
    actions = [
        make_action(1, channel="email", address="li@example.com", template="notice.formal"),
        make_action(2),
        make_action(3, channel="letter", template="letter.lawyer", address="Room 1"),
    ]
    report = dispatcher.dispatch(actions, now=actions[0].not_before)
    assert [r.status for r in report.results] == ["failed", "sent", "no_adapter"]
    failed = report.results[0]
    assert isinstance(failed.outcome, Failed)
    assert failed.outcome.code == "exception"
    assert not failed.outcome.retryable  # the adapter does not honour keys: never retried
    assert len(boom.calls) == 1
    assert sleeps.waits == []
    assert "13812345678" not in (failed.outcome.detail or "")  # masked
    assert [e.outcome for e in report.outcome_events()] == [Outcome.FAILED, Outcome.DELIVERED]


def test_retryable_failures_are_retried_with_backoff(make_action: MakeAction) -> None:
    flaky = FlakyAdapter("sms", failures=2)
    dispatcher, sleeps = dispatcher_for(flaky)
    action = make_action()
    report = dispatcher.dispatch([action], now=action.not_before)
    result = report.results[0]
    assert result.status == "sent"
    assert result.attempts == 3
    assert sleeps.waits == [0.5, 1.0]
    assert len(flaky.sent) == 1


def test_retries_stop_at_the_limit(make_action: MakeAction) -> None:
    flaky = FlakyAdapter("sms", failures=5)
    dispatcher, sleeps = dispatcher_for(flaky)
    action = make_action()
    result = dispatcher.dispatch([action], now=action.not_before).results[0]
    assert result.status == "failed"
    assert result.attempts == 3
    assert sleeps.waits == [0.5, 1.0]
    assert dispatcher.ledger.get(action.idempotency_key).attempts == 3  # type: ignore[union-attr]


def test_permanent_failures_are_not_retried(make_action: MakeAction) -> None:
    failing = FailingAdapter("sms", code="bounced")
    dispatcher, sleeps = dispatcher_for(failing)
    report = dispatcher.dispatch([make_action()], now=make_action().not_before)
    assert report.results[0].attempts == 1
    assert sleeps.waits == []
    assert report.outcome_events()[0].outcome is Outcome.BOUNCED


def test_exceptions_are_retried_only_when_the_adapter_honours_keys(
    make_action: MakeAction,
) -> None:
    flaky = FlakyAdapter("sms", failures=1, raises=TimeoutError("slow"))
    dispatcher, sleeps = dispatcher_for(flaky)
    result = dispatcher.dispatch([make_action()], now=make_action().not_before).results[0]
    assert result.status == "sent"
    assert result.attempts == 2
    assert sleeps.waits == [0.5]


def test_retry_policy_backoff_is_capped() -> None:
    retry = RetryPolicy(max_attempts=10, backoff=1, factor=3, max_delay=5)
    assert [retry.delay(n) for n in (1, 2, 3)] == [1.0, 3.0, 5.0]
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_a_bad_return_value_is_a_failure(make_action: MakeAction) -> None:
    channels = ChannelRegistry()

    @channels.adapter("sms")
    def sloppy(action: Action, *, idempotency_key: str) -> object:
        return {"ok": True}

    result = Dispatcher(channels).dispatch([make_action()], now=make_action().not_before)
    assert result.results[0].status == "failed"
    assert result.results[0].outcome == Failed(
        "bad_outcome", detail="adapter returned dict, expected Delivered | Failed | Unknown"
    )


def test_an_unknown_outcome_is_recorded_and_not_retried(make_action: MakeAction) -> None:
    unsure = RecordingAdapter("sms", outcome=Unknown("timeout after the request left"))
    dispatcher, sleeps = dispatcher_for(unsure)
    report = dispatcher.dispatch([make_action()], now=make_action().not_before)
    assert report.results[0].status == "unknown"
    assert report.outcome_events()[0].outcome is Outcome.UNKNOWN
    assert sleeps.waits == []


def test_messages_longer_than_the_channel_are_refused_not_truncated(
    make_action: MakeAction,
) -> None:
    sms = RecordingAdapter("sms", max_body_len=20)
    dispatcher, _ = dispatcher_for(sms)
    result = dispatcher.dispatch([make_action()], now=make_action().not_before).results[0]
    assert result.status == "refused"
    assert "never truncated" in (result.detail or "")
    assert sms.calls == []


def test_a_template_problem_refuses_only_that_action(make_action: MakeAction) -> None:
    sms = RecordingAdapter("sms")
    dispatcher, _ = dispatcher_for(sms)
    bad = make_action(1, template="no.such.template")
    good = make_action(2)
    report = dispatcher.dispatch([bad, good], now=good.not_before)
    assert [r.status for r in report.results] == ["refused", "sent"]


def test_a_third_party_contact_gets_no_debt_facts(make_action: MakeAction) -> None:
    sms = RecordingAdapter("sms")
    dispatcher, _ = dispatcher_for(sms)
    action = make_action(is_debtor=False)
    dispatcher.dispatch([action], now=action.not_before)
    body = sms.bodies[0] or ""
    assert "1200.50" not in body
    assert "16" not in body


def test_the_same_key_twice_in_a_batch_is_sent_once(make_action: MakeAction) -> None:
    sms = RecordingAdapter("sms", honours_keys=False)
    dispatcher, _ = dispatcher_for(sms)
    action = make_action()
    report = dispatcher.dispatch([action, action], now=action.not_before)
    assert [r.status for r in report.results] == ["sent", "duplicate"]
    assert len(sms.calls) == 1
    assert len(report.outcome_events()) == 1


def test_a_retried_batch_sends_nothing_twice_and_replays_outcomes(
    make_action: MakeAction,
) -> None:
    sms = RecordingAdapter("sms", honours_keys=False)
    dispatcher, _ = dispatcher_for(sms, ledger=InMemoryLedger())
    actions = [make_action(n) for n in range(3)]
    first = dispatcher.dispatch(actions, now=actions[0].not_before)
    again = dispatcher.dispatch(actions, now=actions[0].not_before + timedelta(minutes=5))
    assert len(sms.calls) == 3
    assert [r.status for r in again.results] == ["already_done"] * 3
    assert all(r.replayed for r in again.results)
    assert [e.idempotency_key for e in again.outcome_events()] == [
        e.idempotency_key for e in first.outcome_events()
    ]
    assert again.outcome_events(include_replayed=False) == ()
    assert again.errors == ()


def test_raise_on_errors_and_strict_mode(make_action: MakeAction) -> None:
    dispatcher, _ = dispatcher_for(FailingAdapter("sms"), RecordingAdapter("in_app"))
    actions = [make_action(1), make_action(2, channel="in_app", template="reminder.in_app")]
    report = dispatcher.dispatch(actions, now=actions[0].not_before)
    assert report.counts() == {"failed": 1, "sent": 1}
    with pytest.raises(DispatchError) as info:
        report.raise_on_errors()
    assert "1 of 2 action(s)" in str(info.value)
    assert "13812345678" not in str(info.value)
    assert info.value.account_id == "A-1"
    assert isinstance(info.value, RuntimeError)

    strict, _ = dispatcher_for(
        FailingAdapter("sms"), RecordingAdapter("in_app"), strict=True
    )
    with pytest.raises(DispatchError) as strict_info:
        strict.dispatch([make_action(3), make_action(4, channel="in_app",
                                                    template="reminder.in_app")],
                        now=actions[0].not_before)
    report = strict_info.value.report  # type: ignore[attr-defined]
    assert isinstance(report, DispatchReport)
    assert report.by_status("sent")  # the good action still went out


def test_naive_now_is_refused(make_action: MakeAction) -> None:
    dispatcher, _ = dispatcher_for(RecordingAdapter("sms"))
    with pytest.raises(TypeError):
        dispatcher.dispatch([make_action()], now=datetime(2026, 1, 12, 10))


def test_adispatch_awaits_async_adapters_and_threads_sync_ones(make_action: MakeAction) -> None:
    in_app = AsyncRecordingAdapter("in_app")
    sms = RecordingAdapter("sms")
    flaky = FlakyAdapter("email", failures=1)
    dispatcher, sleeps = dispatcher_for(in_app, sms, flaky)
    actions = [
        make_action(1, channel="in_app", template="reminder.in_app", address=None),
        make_action(2),
        make_action(3, channel="email", template="reminder.in_app", address="li@example.com"),
        make_action(4),
    ]
    report = asyncio.run(dispatcher.adispatch(actions, now=actions[0].not_before))
    assert [r.status for r in report.results] == ["sent"] * 4
    assert [r.key for r in report.results] == [a.idempotency_key for a in actions]
    assert len(in_app.sent) == 1
    assert len(sms.sent) == 2
    assert sleeps.waits == [0.5]


def test_sync_dispatch_runs_an_async_adapter_outside_a_loop(make_action: MakeAction) -> None:
    in_app = AsyncRecordingAdapter("in_app")
    dispatcher, _ = dispatcher_for(in_app)
    action = make_action(channel="in_app", template="reminder.in_app", address=None)
    assert dispatcher.dispatch([action], now=action.not_before).results[0].status == "sent"


def test_sync_dispatch_inside_a_loop_refuses_an_async_adapter(make_action: MakeAction) -> None:
    in_app = AsyncRecordingAdapter("in_app")
    dispatcher, _ = dispatcher_for(in_app)
    action = make_action(channel="in_app", template="reminder.in_app", address=None)

    async def inside() -> str:
        return dispatcher.dispatch([action], now=action.not_before).results[0].status

    assert asyncio.run(inside()) == "refused"
    assert in_app.calls == []


def test_the_reference_ladder_end_to_end() -> None:
    """Decide -> dispatch -> record, daily, until the lawyer's letter went out."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    account = Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[
            ContactPoint("sms", "+8613812345678"),
            ContactPoint("phone", "+8613812345678"),
            ContactPoint("email", "li@example.com"),
            ContactPoint("letter", "Room 1, Example Road"),
        ],
        invoices=[Invoice("INV-1", Money("1200.50", "CNY"), date(2026, 1, 10))],
    )
    adapters = {c: RecordingAdapter(c) for c in ("sms", "phone", "email", "letter", "in_app")}
    channels = ChannelRegistry(adapters.values())
    dispatcher = Dispatcher(channels, renderer=Renderer(locale="en"))
    now = datetime(2026, 1, 11, 10, tzinfo=tz)
    for _ in range(35):
        decision = decide(REFERENCE_POLICY, account, now)
        account = account.with_events(*decision.record)
        report = dispatcher.dispatch(decision.actions, now=now)
        assert report.errors == ()
        account = account.with_events(*report.outcome_events())
        now += timedelta(days=1)
    templates = [s.action.template for a in adapters.values() for s in a.sent]
    assert templates.count("reminder.sms") == 3
    assert "letter.lawyer" in templates
    assert "notice.formal" in templates
    keys = [s.idempotency_key for a in adapters.values() for s in a.sent]
    assert len(keys) == len(set(keys))
    assert all(len(a.calls) == len(a.sent) for a in adapters.values())


def test_contact_points_are_masked_in_reprs_logs_and_errors(
    make_action: MakeAction, caplog: pytest.LogCaptureFixture
) -> None:
    phone, mail = "+8613812345678", "li@example.com"
    leaky = FailingAdapter("sms", raises=RuntimeError(f"gateway refused {phone} (cc {mail})"))
    mailer = FailingAdapter("email", code="bounced")
    dispatcher, _ = dispatcher_for(leaky, mailer, strict=True)
    actions = [
        make_action(1, address=phone),
        make_action(2, channel="email", address=mail, template="reminder.in_app"),
        make_action(3, address=phone, template="no.such.template"),
    ]
    with caplog.at_level("DEBUG", logger="overdue.dispatch"), pytest.raises(DispatchError) as info:
        dispatcher.dispatch(actions, now=actions[0].not_before)
    report: DispatchReport = info.value.report  # type: ignore[attr-defined]
    assert [r.status for r in report.results] == ["failed", "failed", "refused"]
    texts = {
        "error": str(info.value),
        "logs": caplog.text,
        "report repr": repr(report),
        "describe": "\n".join(r.describe() for r in report.results),
        "ledger": repr(dispatcher.ledger.entries()),
        "message repr": repr([r.message for r in report.results]),
    }
    for where, text in texts.items():
        assert "13812345678" not in text, where
        assert mail not in text, where
    assert "+861********78" in texts["error"]  # masked, still recognisable
    assert "l***@example.com" in texts["logs"]


def test_a_third_party_contact_is_recorded_as_one(make_action: MakeAction) -> None:
    dispatcher, _ = dispatcher_for(RecordingAdapter("sms"))
    action = make_action(is_debtor=False)
    [event] = dispatcher.dispatch([action], now=action.not_before).outcome_events()
    assert event.party == "third_party"  # third-party rules count it as such
