"""The host loop, once: load the due accounts, decide, dispatch, record, schedule.

``Runner.run_once(now)`` does for every account the store lists as due (its wake time has come,
or it has events newer than its last decision):

1. **decide** on the history as stored (events in effective-time order);
2. **facts**: append what the decision asks to record (``decision.record``: the rung entered),
   with the version just read (optimistic concurrency: if a webhook appended in between, the
   account is read and decided again);
3. **dispatch** the due actions through the :class:`~overdue.dispatch.Dispatcher`: claim the
   idempotency key, **send**, and **record** the answer; with the store's own ledger the
   ledger row and the ``ContactAttempted`` event are one commit;
4. decide again (a sent step changes what is due) until nothing more goes out now, at most
   ``max_rounds`` times;
5. **commit** the schedule: the version decided and the wake time.

A crash anywhere in between is safe: nothing is committed out of order, every step is
repeated on the next run, and the ledger keeps a repeated send from going out twice (or
reports it for a human when the adapter cannot drop duplicates).  One account's failure is
reported in the :class:`RunReport` and never stops the others.

Logging: the ``overdue.host`` logger, with structured ``extra=`` fields (``account_id``,
``status``, ``stage``, ``wake_at``, ``version``, ``idempotency_key``, ``channel``, ``contact``
masked, ``dispatch_status``, ``error``); the library installs no handler.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Literal

import attrs

from overdue._masking import mask
from overdue._time import require_aware
from overdue.decision import Decision
from overdue.dispatch.adapters import AnyAdapter
from overdue.dispatch.dispatcher import ActionResult, Dispatcher, RetryPolicy
from overdue.dispatch.ledger import Ledger
from overdue.dispatch.messages import Renderer
from overdue.dispatch.registry import ChannelRegistry
from overdue.engine import PolicySet, decide_versioned
from overdue.errors import DispatchError
from overdue.events import ContactAttempted, Event
from overdue.host.store import ConcurrencyError, EventStore
from overdue.policy import Policy

__all__ = ["AccountRun", "RunReport", "RunStep", "Runner"]

log = logging.getLogger("overdue.host")

RunStep = Literal["decide", "facts", "dispatch", "commit"]
"""The runner's own steps, reported to ``on_step`` after each one completes (claim, send and
record happen inside ``dispatch``, in the ledger and the adapter)."""

TERMINAL: frozenset[str] = frozenset({"resolved", "written_off", "done"})
"""Statuses that only a new fact can change: no wake time is needed."""

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d \-]{5,}\d")


def _masked(text: str) -> str:
    """Anything in *text* that looks like an e-mail address or a phone number, masked."""
    text = _EMAIL.sub(lambda m: mask(m.group(0)), text)
    return _PHONE.sub(lambda m: mask(m.group(0)), text)


@attrs.frozen
class AccountRun:
    """What one run did for one account.

    Attributes:
        account_id: the account.
        status / stage: the last decision's (``None`` when the account failed).
        wake_at: the wake time committed (``None``: only a new event wakes it).
        version: the version committed as decided.
        results: every dispatch result, in order (``status`` ``'unknown'`` marks a key in
            doubt after a crash, waiting for a human).
        rounds: how many decide/dispatch rounds it took.
        error: why the account could not be run (it stays due and is tried again next run).
        missing_wake: the decision was not terminal yet had no ``wake_at``, so the runner
            scheduled it for the next run instead of letting it sleep forever.
    """

    account_id: str
    status: str | None = None
    stage: str | None = None
    wake_at: datetime | None = None
    version: int | None = None
    results: tuple[ActionResult, ...] = ()
    rounds: int = 0
    error: Exception | None = None
    missing_wake: bool = False

    @property
    def ok(self) -> bool:
        """The account was decided and its schedule committed."""
        return self.error is None


@attrs.frozen
class RunReport:
    """Everything one ``run_once`` did; the counts reconcile (``due == decided + failed``)."""

    at: datetime
    accounts: tuple[AccountRun, ...]

    @property
    def due(self) -> int:
        """Accounts the store listed as due."""
        return len(self.accounts)

    @property
    def decided(self) -> int:
        """Accounts decided and scheduled."""
        return sum(1 for a in self.accounts if a.ok)

    @property
    def failed(self) -> int:
        """Accounts that could not be run."""
        return sum(1 for a in self.accounts if not a.ok)

    @property
    def errors(self) -> tuple[tuple[str, Exception], ...]:
        """``(account_id, error)`` for every account that could not be run."""
        return tuple((a.account_id, a.error) for a in self.accounts if a.error is not None)

    @property
    def results(self) -> tuple[ActionResult, ...]:
        """Every dispatch result of the run."""
        return tuple(r for a in self.accounts for r in a.results)

    @property
    def sent(self) -> tuple[str, ...]:
        """Idempotency keys that went out in this run (the adapter said delivered)."""
        return tuple(r.key for r in self.results if r.status == "sent")

    @property
    def in_doubt(self) -> tuple[str, ...]:
        """Keys a crash left in doubt that wait for a human (``ledger.resolve`` or
        ``ledger.discard``); reported on every run until settled."""
        keys = (r.key for r in self.results if r.status == "unknown" and r.outcome is None)
        return tuple(dict.fromkeys(keys))

    def counts(self) -> dict[str, int]:
        """Dispatch results per status."""
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def summary(self) -> str:
        """One line for a log."""
        sends = ", ".join(f"{n} {s}" for s, n in sorted(self.counts().items())) or "nothing"
        return (
            f"{self.due} due, {self.decided} decided, {self.failed} failed; dispatch: {sends}"
        )


class Runner:
    """Decides and dispatches every due account of a store; see the module docstring.

    Args:
        policy: the policy to decide with.
        store: the :class:`~overdue.host.EventStore`.
        channels: the adapters (a :class:`~overdue.dispatch.ChannelRegistry` or adapters).
        ledger: the dispatch ledger (default: ``store.ledger``, which commits each outcome
            event with its ledger row; with another ledger the runner appends the events
            right after dispatch, and a crash in that gap is closed by the ledger's replay).
        renderer, retry: passed to the :class:`~overdue.dispatch.Dispatcher`.
        acknowledged_obligations: obligation codes the host has confirmed (field visits).
        max_rounds: decide/dispatch rounds per account per run.
        on_step: called as ``on_step(step, account_id)`` after each :data:`RunStep`; for
            tracing and metrics (and, in the crash tests, to die at a chosen point).
        versions: older policy versions that accounts pinned to them still need
            (``on_new_version = 'pin'``, :class:`~overdue.engine.PolicySet`).
    """

    def __init__(
        self,
        policy: Policy,
        store: EventStore,
        channels: ChannelRegistry | Iterable[AnyAdapter],
        ledger: Ledger | None = None,
        *,
        renderer: Renderer | None = None,
        retry: RetryPolicy | None = None,
        acknowledged_obligations: Collection[str] | Mapping[str, Collection[str]] = (),
        max_rounds: int = 4,
        on_step: Callable[[RunStep, str], None] | None = None,
        versions: PolicySet | None = None,
    ) -> None:
        if max_rounds < 1:
            raise DispatchError("max_rounds must be at least 1", got=max_rounds)
        registry = channels if isinstance(channels, ChannelRegistry) else ChannelRegistry(channels)
        self.policy = policy
        self.store = store
        self.dispatcher = Dispatcher(
            registry,
            ledger=ledger if ledger is not None else store.ledger,
            renderer=renderer,
            retry=retry,
        )
        self.acknowledged_obligations = acknowledged_obligations
        self.max_rounds = max_rounds
        self._on_step = on_step
        self.versions = versions

    def __repr__(self) -> str:
        return f"Runner({self.policy.id!r}, {self.store!r})"

    def run_once(self, now: datetime, *, limit: int | None = None) -> RunReport:
        """Run every due account (at most *limit*) at *now*; see the module docstring.

        Running twice at the same *now* sends nothing twice: the second run finds the keys in
        the ledger (and usually finds nothing due at all).
        """
        require_aware(now, "now")
        runs = []
        for account_id in self.store.due(now, limit=limit):
            try:
                run = self._run_account(account_id, now)
            except Exception as exc:
                run = AccountRun(account_id, error=exc)
                log.warning(
                    "account %s not run: %s",
                    account_id,
                    _masked(str(exc)),
                    extra={
                        "account_id": account_id,
                        "error": _masked(str(exc)),
                        "error_type": type(exc).__name__,
                    },
                )
            runs.append(run)
        report = RunReport(now, tuple(runs))
        log.info(
            "run at %s: %s",
            now.isoformat(),
            report.summary(),
            extra={
                "at": now.isoformat(),
                "due": report.due,
                "decided": report.decided,
                "failed": report.failed,
                "sent": len(report.sent),
                "in_doubt": len(report.in_doubt),
            },
        )
        return report

    # -- one account --------------------------------------------------------------------------

    def _step(self, step: RunStep, account_id: str) -> None:
        if self._on_step is not None:
            self._on_step(step, account_id)

    def _run_account(self, account_id: str, now: datetime) -> AccountRun:
        results: list[ActionResult] = []
        decision: Decision | None = None
        version = 0
        settled = False
        rounds = 0
        conflict: ConcurrencyError | None = None
        tried: set[str] = set()
        while rounds < self.max_rounds:
            rounds += 1
            stored = self.store.load(account_id)
            # An account in flight under another policy version is decided as the policy's
            # ``on_new_version`` says (docs/versions.md); any other exactly as ``decide``.
            decision = decide_versioned(self.policy, stored.account, now, versions=self.versions)
            self._step("decide", account_id)
            version = stored.version
            if decision.record:
                try:
                    version = self.store.append(
                        account_id, decision.record, version, recorded_at=now
                    )
                except ConcurrencyError as exc:  # a webhook appended meanwhile: decide again
                    conflict = exc
                    continue
                self._step("facts", account_id)
            conflict = None
            due = [a for a in decision.due_actions if a.idempotency_key not in tried]
            if not due:
                # nothing left to send now; an action tried in an earlier round that is still
                # due (busy, in doubt, refused) is tried again on the next run
                settled = not decision.due_actions
                break
            tried.update(a.idempotency_key for a in due)
            report = self.dispatcher.dispatch(
                due, now=now, acknowledged_obligations=self.acknowledged_obligations
            )
            self._step("dispatch", account_id)
            results.extend(report.results)
            for r in report.results:
                self._log_result(r)
            appended = self._close_gaps(account_id, report.results, now)
            if not appended and not any(
                r.outcome is not None and not r.replayed for r in report.results
            ):
                break  # nothing went out (busy, in doubt, refused): try again next run
        if conflict is not None:  # every round raced another writer
            raise conflict
        if decision is None:  # max_rounds >= 1, so the loop decided at least once
            raise DispatchError("the runner made no decision", account_id=account_id)
        wake, missing = _wake(decision, now, settled)
        self.store.mark_decided(account_id, version=version, wake_at=wake)
        self._step("commit", account_id)
        run = AccountRun(
            account_id,
            decision.status,
            decision.stage,
            wake,
            version,
            tuple(results),
            rounds,
            missing_wake=missing,
        )
        log.info(
            "account %s: %s, wake %s",
            account_id,
            decision.status,
            wake.isoformat() if wake is not None else "-",
            extra={
                "account_id": account_id,
                "status": decision.status,
                "stage": decision.stage,
                "wake_at": wake.isoformat() if wake is not None else None,
                "version": version,
                "rounds": rounds,
                "missing_wake": missing,
            },
        )
        return run

    def _close_gaps(
        self, account_id: str, results: Iterable[ActionResult], now: datetime
    ) -> bool:
        """Append outcome events the ledger holds but the history lacks: replayed outcomes
        (a crash after the send was recorded elsewhere, or a human's ``resolve``) and, with a
        ledger other than the store's, every outcome."""
        wanted = [r for r in results if r.outcome is not None and r.recorded]
        if not wanted:
            return False
        stored = self.store.load(account_id)
        have = {
            e.idempotency_key for e in stored.account.events if isinstance(e, ContactAttempted)
        }
        missing: list[Event] = []
        for r in wanted:
            if r.key not in have:
                # the attempt happened when it was claimed, not when the gap was noticed
                entry = self.dispatcher.ledger.get(r.key)
                when = now
                if entry is not None and entry.intended_at is not None:
                    when = entry.intended_at.astimezone(now.tzinfo)
                event = r.event(when)
                if event is not None:
                    missing.append(event)
        if not missing:
            return False
        self.store.append(account_id, missing, stored.version, recorded_at=now)
        return True

    @staticmethod
    def _log_result(r: ActionResult) -> None:
        a = r.action
        level = logging.WARNING if r.is_error else logging.INFO
        if r.status in ("not_due", "duplicate"):
            level = logging.DEBUG
        log.log(
            level,
            "%s %s: %s",
            a.idempotency_key,
            a.channel,
            r.status,
            extra={
                "account_id": a.account_id,
                "idempotency_key": a.idempotency_key,
                "channel": a.channel,
                "contact": a.contact.masked if a.contact is not None else None,
                "dispatch_status": r.status,
                "recovered": r.recovered,
                "replayed": r.replayed,
                "detail": _masked(r.detail) if r.detail else None,
            },
        )


def _wake(decision: Decision, now: datetime, settled: bool) -> tuple[datetime | None, bool]:
    """The wake time to commit, and whether the decision lacked one it should have had.

    An account whose due actions did not all go out (busy, in doubt, refused) is woken on the
    next run.  A non-terminal decision without ``wake_at`` is too (issue 12, item 1: the engine
    may leave it ``None`` when an action and the deadline fall on the same moment; a decision
    that says it waits for a new fact, ``waiting_for``, is left to sleep until one arrives).
    """
    if not settled:
        return now, False
    if decision.wake_at is not None:
        return decision.wake_at, False
    if decision.status in TERMINAL or decision.waiting_for:
        return None, False
    return now, True
