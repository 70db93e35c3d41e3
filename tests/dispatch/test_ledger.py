"""Ledgers: claim before sending, record after, and what a restart finds."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from overdue.decision import Action
from overdue.dispatch import (
    ChannelRegistry,
    Delivered,
    Dispatcher,
    Failed,
    InMemoryLedger,
    Ledger,
    RecordingAdapter,
    SqliteLedger,
    Unknown,
)
from overdue.dispatch import ledger as ledger_module
from overdue.errors import DispatchError

MakeAction = Callable[..., Action]
WORKER = Path(__file__).with_name("crash_worker.py")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite"])
def ledger_and_clock(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Callable[[], Ledger], Clock]]:
    clock = Clock()
    if request.param == "memory":
        shared = InMemoryLedger(lease=60, clock=clock)
        yield (lambda: shared), clock
    else:
        opened: list[SqliteLedger] = []

        def make() -> Ledger:
            ledger = SqliteLedger(tmp_path / "ledger.db", lease=60, clock=clock)
            opened.append(ledger)
            return ledger

        yield make, clock
        for ledger in opened:
            ledger.close()


def test_claim_then_record(
    ledger_and_clock: tuple[Callable[[], Ledger], Clock], make_action: MakeAction
) -> None:
    make, _ = ledger_and_clock
    ledger = make()
    action = make_action()
    now = action.not_before
    claim = ledger.claim(action, at=now)
    assert claim.status == "new"
    assert claim.entry.state == "intended"
    assert claim.entry.contact == "+861********78"  # masked, never the address
    assert ledger.claim(action, at=now).status == "busy"  # our own claim, in flight
    entry = ledger.record(action.idempotency_key, Delivered("ref-1"), at=now, attempts=2)
    assert (entry.state, entry.outcome, entry.attempts) == ("sent", Delivered("ref-1"), 2)
    done = ledger.claim(action, at=now)
    assert done.status == "done"
    assert done.entry.outcome == Delivered("ref-1")
    assert ledger.entries("sent") == (ledger.get(action.idempotency_key),)


@pytest.mark.parametrize(
    "outcome",
    [
        Delivered("r", outcome="conversation"),
        Failed("bounced", retryable=False, detail="mailbox full"),
        Unknown("timeout"),
    ],
)
def test_outcomes_round_trip(
    ledger_and_clock: tuple[Callable[[], Ledger], Clock],
    make_action: MakeAction,
    outcome: Delivered | Failed | Unknown,
) -> None:
    make, _ = ledger_and_clock
    ledger = make()
    action = make_action()
    ledger.claim(action, at=action.not_before)
    ledger.record(action.idempotency_key, outcome, at=action.not_before, attempts=1)
    assert make().get(action.idempotency_key).outcome == outcome  # type: ignore[union-attr]


def test_an_abandoned_claim_is_in_doubt_after_the_lease(
    ledger_and_clock: tuple[Callable[[], Ledger], Clock], make_action: MakeAction
) -> None:
    make, clock = ledger_and_clock
    first, second = make(), make()
    action = make_action()
    first.claim(action, at=action.not_before)
    if first is not second:  # another owner, alive: busy until the lease runs out
        assert second.claim(action, at=action.not_before).status == "busy"
    clock.now += 61
    claim = second.claim(action, at=action.not_before)
    assert claim.status == "in_doubt"
    assert claim.entry.recoveries == 1
    second.mark_unknown(action.idempotency_key, at=action.not_before, detail="crashed")
    assert second.claim(action, at=action.not_before).status == "unknown"
    entry = second.resolve(action.idempotency_key, Delivered("seen in the gateway"),
                           at=action.not_before)
    assert entry.state == "sent"
    assert second.claim(action, at=action.not_before).status == "done"
    second.discard(action.idempotency_key)
    assert second.claim(action, at=action.not_before).status == "new"


def test_unknown_keys_are_errors(
    ledger_and_clock: tuple[Callable[[], Ledger], Clock], make_action: MakeAction
) -> None:
    make, _ = ledger_and_clock
    with pytest.raises(DispatchError, match="no entry"):
        make().record("nope", Delivered(), at=make_action().not_before, attempts=1)


def test_sqlite_finds_a_dead_owner_at_once(tmp_path: Path, make_action: MakeAction) -> None:
    """A claim left by a process that no longer exists is in doubt without waiting."""
    path = tmp_path / "ledger.db"
    action = make_action()
    script = (
        "import sys, pickle; from overdue.dispatch import SqliteLedger; "
        "action = pickle.loads(sys.stdin.buffer.read()); "
        "SqliteLedger(sys.argv[1]).claim(action, at=action.not_before)"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(path)], input=pickle.dumps(action), check=True
    )
    with SqliteLedger(path) as ledger:  # the default five-minute lease has not run out
        assert ledger.claim(action, at=action.not_before).status == "in_doubt"


def test_sqlite_is_a_real_file_with_wal(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with SqliteLedger(path) as ledger:
        mode = ledger._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert path.exists()
    assert "ledger.db" in repr(SqliteLedger(path))


def test_sqlite_claims_are_exclusive_across_connections(
    tmp_path: Path, make_action: MakeAction
) -> None:
    path = tmp_path / "ledger.db"
    SqliteLedger(path).close()
    actions = [make_action(n) for n in range(40)]
    wins: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with SqliteLedger(path, timeout=300) as ledger:  # waits for a lock, never measures
            for a in actions:
                if ledger.claim(a, at=a.not_before).status == "new":
                    with lock:
                        wins.append(a.idempotency_key)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == sorted(a.idempotency_key for a in actions)


def test_recovery_resends_only_to_adapters_that_honour_keys(
    tmp_path: Path, make_action: MakeAction
) -> None:
    """The dispatcher's side of recovery, with a claim abandoned by a 'crashed' run."""
    clock = Clock()
    path = tmp_path / "ledger.db"
    sms_action = make_action(1)
    in_app_action = make_action(2, channel="in_app", template="reminder.in_app", address=None)
    now = sms_action.not_before
    with SqliteLedger(path, clock=clock) as crashed:
        crashed.claim(sms_action, at=now)
        crashed.claim(in_app_action, at=now)
    clock.now += 3600
    sms = RecordingAdapter("sms", honours_keys=True)
    in_app = RecordingAdapter("in_app", honours_keys=False)
    with SqliteLedger(path, clock=clock) as ledger:
        dispatcher = Dispatcher(ChannelRegistry([sms, in_app]), ledger=ledger)
        report = dispatcher.dispatch([sms_action, in_app_action], now=now + timedelta(hours=1))
        first, second = report.results
        assert (first.status, first.recovered) == ("sent", True)
        assert sms.keys == [sms_action.idempotency_key]
        assert (second.status, second.recovered) == ("unknown", True)
        assert in_app.calls == []
        assert "human" in (second.detail or "")
        assert [e.idempotency_key for e in report.outcome_events()] == [
            sms_action.idempotency_key
        ]
        # a human checks and finds the notice was shown; the next run replays that outcome
        ledger.resolve(in_app_action.idempotency_key, Delivered("checked"), at=now)
        again = dispatcher.dispatch([in_app_action], now=now + timedelta(hours=2))
        assert again.results[0].status == "already_done"
        assert len(again.outcome_events()) == 1


def test_sqlite_finds_a_claim_left_by_an_earlier_process_with_our_pid(
    tmp_path: Path, make_action: MakeAction, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restarted container runs its program as the same pid: that claim is not 'alive'."""
    path = tmp_path / "ledger.db"
    action = make_action()
    with SqliteLedger(path) as before:
        before.claim(action, at=action.not_before)
        with SqliteLedger(path) as sibling:  # same process, another ledger: still busy
            assert sibling.claim(action, at=action.not_before).status == "busy"
    monkeypatch.setattr(ledger_module, "_process_token", "a-later-process")
    with SqliteLedger(path) as after:
        assert after.claim(action, at=action.not_before).status == "in_doubt"


def test_sqlite_ledger_shared_by_several_processes(tmp_path: Path) -> None:
    """Three processes dispatch the same 120 actions at once, each in its own order, through one
    ledger file, to a provider that delivers repeated keys again: each key goes out once.

    Each process, after its first delivery, waits until all three have delivered one (the
    worker's ``PEERS`` argument), so all three take part in the race on any machine instead of
    the first one finishing the batch before the others are scheduled."""
    count, ledger = 120, tmp_path / "ledger.db"
    SqliteLedger(ledger).close()  # create the table before the race
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "run", str(ledger), str(tmp_path), str(count),
             "plain", str(seed), "3"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for seed in (1, 2, 3)
    ]
    for proc in procs:  # every process is up and waiting before any starts
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    statuses = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)  # a guard against a hang only
        assert proc.returncode == 0, err
        statuses.append(json.loads(out.splitlines()[-1]))
    delivered = (tmp_path / "delivered.log").read_text().split()
    assert len(delivered) == count
    assert len(set(delivered)) == count
    assert sum(s.get("sent", 0) for s in statuses) == count
    assert all(set(s) <= {"sent", "already_done", "busy"} for s in statuses), statuses
    assert all(s.get("sent") for s in statuses), statuses  # all three raced, by construction
    with SqliteLedger(ledger) as check:
        assert {e.state for e in check.entries()} == {"sent"}
        assert len(check.entries()) == count
