"""Catch-up after missed runs (issue 13, item 4), as the policy document would state them.

The nightly policy reminds by SMS every day, up to eight times, within contact hours, at most
two SMS a day.  The host runs a :class:`~overdue.host.Runner` on a real SQLite store; its clock
is a value the test advances by days (nothing sleeps, nothing is timed).  The host sleeps for
five days after the first SMS.

What the engine did before this option (kept in ``test_what_the_engine_did_before``'s
docstring): the oldest missed attempt went out on waking, numbered 2, and every later attempt
slid by the five days: nothing was skipped and the rung ran five days late.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.dispatch import ChannelRegistry, RecordingAdapter
from overdue.errors import PolicyError
from overdue.events import ContactAttempted
from overdue.host import Runner, SqliteStore
from overdue.rules import ContactHours, FrequencyCap
from overdue.testing import check_all
from overdue.testing.versions import check_catch_up, check_catch_up_run

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 11, 10, tzinfo=SHANGHAI)

NIGHTLY = Policy(
    "nightly",
    version="1",
    assumed_zone="Asia/Shanghai",
    stages=[
        Stage(
            "reminder",
            deadline="20d",
            steps=[Step("sms", template="reminder.sms", repeat_every="1d", max_attempts=8)],
        ),
        Stage("final", steps=[Step("in_app", template="reminder.in_app")]),
    ],
    rules=[
        ContactHours("hours"),
        FrequencyCap("two-a-day", max_contacts=2, per="1d", channels="sms"),
    ],
)
REPLAY = attrs.evolve(NIGHTLY, catch_up="replay")


def debtor() -> Account:
    return Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", "+8613812345678"), ContactPoint("in_app", "user-1")),
        invoices=(Invoice("INV-1", Money("100.00", "CNY"), date(2026, 1, 10)),),
    )


class Host:
    """A host on a real (in-memory) SQLite store whose clock the test moves by hand."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.store = SqliteStore(":memory:")
        self.store.create(debtor())
        self.registry = ChannelRegistry(RecordingAdapter(c) for c in ("sms", "in_app"))
        self.runner = Runner(policy, self.store, self.registry)
        self.clock = START
        self.runs: list[tuple[datetime, tuple[str, ...]]] = []

    def sleep(self, days: float = 0, hours: float = 0) -> None:
        self.clock += timedelta(days=days, hours=hours)

    def run(self) -> tuple[str, ...]:
        sent = self.runner.run_once(self.clock).sent
        self.runs.append((self.clock, sent))
        return sent

    def account(self) -> Account:
        return self.store.load("A-1").account

    def sms_sent(self) -> list[tuple[datetime, str | None]]:
        return [
            (e.at, e.idempotency_key)
            for e in self.account().events
            if isinstance(e, ContactAttempted) and e.channel == "sms"
        ]


def sms(n: int) -> str:
    return f"A-1:reminder#1:reminder.sms:{n}"


def test_latest_only_after_five_days_asleep_sends_only_the_attempt_due_now() -> None:
    host = Host(NIGHTLY)
    assert host.run() == (sms(1),)
    host.sleep(days=5)
    assert host.run() == (sms(6),)  # attempts 2-5 were missed: skipped, not sent in a burst
    d = decide(NIGHTLY, host.account(), host.clock)
    assert d.next_action is not None
    assert d.next_action.attempt == 7


def test_latest_only_says_which_attempts_it_skipped_and_when_they_were_due() -> None:
    host = Host(NIGHTLY)
    host.run()
    host.sleep(days=5)
    d = decide(NIGHTLY, host.account(), host.clock)
    (action,) = d.due_actions
    assert action.attempt == 6
    (skip,) = [r for r in action.reasons if r.code == "catch_up_skipped"]
    assert "attempts 2-5" in skip.message
    assert "2026-01-12 10:00" in skip.message
    assert "2026-01-15 10:00" in skip.message
    assert "skipped as stale" in d.explain()


def test_latest_only_keeps_skipped_attempts_skipped_and_the_step_ends_at_its_limit() -> None:
    host = Host(NIGHTLY)
    host.run()
    host.sleep(days=5)
    for _ in range(6):
        host.run()
        host.sleep(days=1)
    keys = [k for _, k in host.sms_sent()]
    assert keys == [sms(1), sms(6), sms(7), sms(8)]  # never more than max_attempts
    for at, sent in host.runs:
        assert check_catch_up_run(NIGHTLY, sent, at) == []
    assert check_all(NIGHTLY, host.account()) == []


def test_replay_sends_every_missed_attempt_in_order_under_the_cap() -> None:
    host = Host(REPLAY)
    host.run()
    host.sleep(days=5)
    first = host.run()
    assert first == (sms(2), sms(3))  # the two-a-day cap stops the third
    host.sleep(days=1)
    assert host.run() == (sms(4), sms(5))
    host.sleep(days=1)
    host.run()
    host.sleep(days=1)
    host.run()
    keys = [k for _, k in host.sms_sent()]
    assert keys == [sms(n) for n in range(1, 9)]  # every attempt, in order
    assert check_all(REPLAY, host.account()) == []  # caps and contact hours held throughout


def test_replay_waits_for_contact_hours_when_the_host_wakes_at_night() -> None:
    host = Host(REPLAY)
    host.run()
    host.sleep(days=4, hours=13)  # 23:00, outside 08:00-21:00
    assert host.run() == ()
    d = decide(REPLAY, host.account(), host.clock)
    assert d.next_action is not None
    assert d.next_action.attempt == 2
    assert d.next_action.not_before == datetime(2026, 1, 16, 8, tzinfo=SHANGHAI)


def test_a_host_that_runs_on_time_sees_no_difference_between_the_modes() -> None:
    hosts = [Host(NIGHTLY), Host(REPLAY)]
    for host in hosts:
        for _ in range(10):
            host.run()
            host.sleep(days=1)
    latest, replay = ([k for _, k in h.sms_sent()] for h in hosts)
    assert latest == replay == [sms(n) for n in range(1, 9)]


def test_asleep_past_the_rung_deadline_the_last_attempt_goes_out_then_the_ladder_climbs() -> None:
    host = Host(NIGHTLY)
    host.run()
    host.sleep(days=25)  # the reminder's 20-day deadline passed while the host slept
    # The step's last attempt is never stale (no later attempt closes its window), so it goes
    # out; the rung is then finished and the next one is entered in the same run.
    assert host.run() == (sms(8), "A-1:final#1:reminder.in_app:1")
    assert check_catch_up_run(NIGHTLY, host.runs[-1][1], host.clock) == []


def test_a_history_without_idempotency_keys_gets_the_skipped_attempts_later() -> None:
    """The documented fallback: the attempt number comes from the last attempt's key."""
    host = Host(NIGHTLY)
    host.run()
    host.sleep(days=5)
    host.run()
    keyless = attrs.evolve(
        host.account(),
        events=tuple(
            attrs.evolve(e, idempotency_key=None) if isinstance(e, ContactAttempted) else e
            for e in host.account().events
        ),
    )
    d = decide(NIGHTLY, keyless, host.clock + timedelta(days=1))
    assert d.next_action is not None
    assert d.next_action.attempt == 3


def test_catch_up_is_a_policy_file_key_with_latest_only_by_default() -> None:
    assert NIGHTLY.catch_up == "latest_only"
    with pytest.raises(PolicyError, match="catch_up must be one of"):
        attrs.evolve(NIGHTLY, catch_up="burst")


def test_what_the_engine_did_before() -> None:
    """Before ``catch_up``, a decision after five idle days planned attempt 2 now and slid the
    rest by five days (attempt 3 a day later, and so on): at most one attempt per step per
    decision, but stale ones went out and the rung ran late.  ``replay`` keeps every attempt;
    ``latest_only`` (the default) skips the stale ones.  Both hold one invariant the old
    engine held too: a decision never holds two attempts of one step."""
    host = Host(NIGHTLY)
    host.run()
    host.sleep(days=5)
    for policy in (NIGHTLY, REPLAY):
        d = decide(policy, host.account(), host.clock)
        assert check_catch_up(policy, d) == []
        assert len([a for a in d.actions if a.step == "reminder.sms"]) == 1
