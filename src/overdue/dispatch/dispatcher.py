"""The dispatcher: carry out due actions through adapters, exactly once per idempotency key.

For each action, in order:

1. not due yet (``not_before > now``) -> ``not_due``, nothing else happens;
2. no adapter for the channel -> ``no_adapter``;
3. an obligation (field-visit conduct) not acknowledged by the host -> ``refused``;
4. the message is rendered (a template problem, or a third party when the renderer refuses
   them, or a body longer than the adapter's ``max_body_len`` -> ``refused``);
5. the ledger is asked to claim the key: already recorded -> ``already_done`` (the recorded
   outcome is replayed); claimed by a live process -> ``busy``; waiting for a human ->
   ``unknown``; left ``intended`` by a dead process -> re-sent if the adapter honours keys,
   otherwise marked ``unknown``;
6. the adapter is called; an exception becomes ``Failed('exception')``; a retryable failure is
   retried with backoff up to ``RetryPolicy.max_attempts``;
7. the result is recorded in the ledger -> ``sent`` / ``failed`` / ``unknown``.

One action's failure never stops the others.  The report carries every result and the
``ContactAttempted`` events the host appends to each account's history.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Generator, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, TypeAlias

import attrs

from overdue._masking import scrub
from overdue._time import require_aware
from overdue.decision import Action
from overdue.dispatch.adapters import AnyAdapter, accepts_message, honours_keys, is_async_adapter
from overdue.dispatch.ledger import InMemoryLedger, Ledger
from overdue.dispatch.messages import Message, Renderer, TemplateError
from overdue.dispatch.outcomes import Delivered, Failed, SendOutcome, Unknown, is_outcome
from overdue.dispatch.registry import ChannelRegistry
from overdue.errors import DispatchError, UnknownChannelError
from overdue.events import ContactAttempted

__all__ = [
    "ActionResult",
    "DispatchReport",
    "DispatchStatus",
    "Dispatcher",
    "RetryPolicy",
]

log = logging.getLogger("overdue.dispatch")

DispatchStatus = Literal[
    "sent",  # the adapter answered Delivered
    "failed",  # the adapter answered Failed (after any retries)
    "unknown",  # the adapter answered Unknown, or an in-doubt action waits for a human
    "not_due",  # not_before is later than now
    "refused",  # obligations not acknowledged, or the message could not be rendered safely
    "no_adapter",  # nothing registered for the channel
    "already_done",  # the ledger holds the result of this key: replayed, not re-sent
    "duplicate",  # the same key earlier in this batch
    "busy",  # another live process holds the claim on this key
]

ERROR_STATUSES: frozenset[str] = frozenset({"failed", "unknown", "refused", "no_adapter"})

Acknowledged: TypeAlias = Collection[str] | Mapping[str, Collection[str]]


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


async def _asleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


@attrs.frozen
class RetryPolicy:
    """How transient failures (``Failed(retryable=True)``) are retried within one dispatch.

    Retries here cover seconds (a gateway's 503); retrying over days is the policy's job
    (``Step.repeat_every``, ``max_attempts``).  ``sleep``/``asleep`` are injectable so tests
    run instantly.

    Args:
        max_attempts: adapter calls per action, the first included (1 = never retry).
        backoff: seconds before the second call; each further wait is ``factor`` times longer.
        factor: growth of the wait.
        max_delay: the longest single wait.
    """

    max_attempts: int = attrs.field(default=3, validator=attrs.validators.ge(1))
    backoff: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    factor: float = attrs.field(default=2.0, validator=attrs.validators.ge(1))
    max_delay: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    sleep: Callable[[float], None] = attrs.field(default=_sleep, eq=False, repr=False)
    asleep: Callable[[float], Awaitable[None]] = attrs.field(default=_asleep, eq=False, repr=False)

    def delay(self, attempts_made: int) -> float:
        """Seconds to wait after the *attempts_made*-th failed call."""
        return float(min(self.max_delay, self.backoff * self.factor ** (attempts_made - 1)))


@attrs.frozen
class ActionResult:
    """What happened to one action.

    Attributes:
        status: see :data:`DispatchStatus`.
        outcome: the adapter's answer (or the ledger's record of it, when ``replayed``).
        attempts: adapter calls made in this dispatch.
        message: the rendered message, when it got that far.
        detail: why, in words; contact addresses are masked.
        recovered: the action was found in doubt after a crash and re-sent with its key.
        replayed: the outcome comes from the ledger; nothing was sent now.
        recorded: the result reached the ledger (``False`` if the ledger failed after a send).
    """

    action: Action
    status: DispatchStatus
    outcome: SendOutcome | None = None
    attempts: int = 0
    message: Message | None = attrs.field(default=None, repr=False)
    detail: str | None = None
    recovered: bool = False
    replayed: bool = False
    recorded: bool = True

    @property
    def key(self) -> str:
        """The action's idempotency key."""
        return self.action.idempotency_key

    @property
    def is_error(self) -> bool:
        """Whether strictness (``raise_on_errors``) counts this result as an error."""
        return self.status in ERROR_STATUSES or not self.recorded

    def event(self, at: datetime) -> ContactAttempted | None:
        """The ``ContactAttempted`` event to append, or ``None`` if nothing was attempted."""
        if self.outcome is None:
            return None
        return self.action.outcome_event(self.outcome.event_outcome.value, at)

    def describe(self) -> str:
        """One line for logs: key, channel, masked contact, status and detail."""
        a = self.action
        to = f" to {a.contact.masked}" if a.contact is not None else ""
        extra = f" ({self.detail})" if self.detail else ""
        flags = " [recovered]" if self.recovered else ""
        flags += " [replayed]" if self.replayed else ""
        return f"{a.idempotency_key} {a.channel}{to}: {self.status}{flags}{extra}"


@attrs.frozen
class DispatchReport:
    """Every action's result, and the events the host appends to the histories."""

    at: datetime
    results: tuple[ActionResult, ...]

    def outcome_events(self, *, include_replayed: bool = True) -> tuple[ContactAttempted, ...]:
        """The ``ContactAttempted`` events to append, in action order.

        Replayed results (the ledger already had the outcome) are included by default: the
        engine proposed the action again, which means its outcome never reached the history,
        so appending it now closes that gap.  Pass ``include_replayed=False`` if your host
        dispatches the same list twice and appends events itself.
        """
        events = []
        for r in self.results:
            if r.replayed and not include_replayed:
                continue
            event = r.event(self.at)
            if event is not None:
                events.append(event)
        return tuple(events)

    def events_by_account(self, **kwargs: bool) -> dict[str, tuple[ContactAttempted, ...]]:
        """:meth:`outcome_events` grouped by account id."""
        grouped: dict[str, list[ContactAttempted]] = {}
        by_key = {r.key: r.action.account_id for r in self.results}
        for event in self.outcome_events(**kwargs):
            grouped.setdefault(by_key[event.idempotency_key or ""], []).append(event)
        return {k: tuple(v) for k, v in grouped.items()}

    @property
    def errors(self) -> tuple[ActionResult, ...]:
        """The results that count as errors (failed, unknown, refused, no adapter)."""
        return tuple(r for r in self.results if r.is_error)

    def by_status(self, status: DispatchStatus) -> tuple[ActionResult, ...]:
        """The results with *status*."""
        return tuple(r for r in self.results if r.status == status)

    def counts(self) -> dict[str, int]:
        """How many results per status."""
        return dict(Counter(r.status for r in self.results))

    def summary(self) -> str:
        """One line: the counts per status."""
        return ", ".join(f"{n} {s}" for s, n in sorted(self.counts().items())) or "nothing"

    def raise_on_errors(self) -> None:
        """Raise :class:`~overdue.errors.DispatchError` if any result is an error."""
        errors = self.errors
        if not errors:
            return
        accounts = {r.action.account_id for r in errors}
        err = DispatchError(
            f"{len(errors)} of {len(self.results)} action(s) did not go out cleanly: "
            + "; ".join(r.describe() for r in errors),
            account_id=next(iter(accounts)) if len(accounts) == 1 else None,
            expected="every due action sent",
            got=self.summary(),
        )
        err.report = self  # type: ignore[attr-defined]
        raise err


# -- the flow, written once for both drivers ---------------------------------------------------


@attrs.frozen
class _Send:
    adapter: AnyAdapter
    action: Action
    message: Message


@attrs.frozen
class _Sleep:
    seconds: float


_Flow = Generator[_Send | _Sleep, SendOutcome | None, ActionResult]


def _mask_text(text: str, action: Action) -> str:
    """Mask the action's address (in any case and spacing) and every other phone number,
    e-mail or street address, with the library's one masking function.

    Adapter errors quote whatever the provider said, which is often the recipient.
    """
    return scrub(text, known=(action.contact.address,) if action.contact is not None else ())


def _masked_outcome(outcome: SendOutcome, action: Action) -> SendOutcome:
    if isinstance(outcome, Failed | Unknown) and outcome.detail:
        return attrs.evolve(outcome, detail=_mask_text(outcome.detail, action))
    return outcome


def _status_of(outcome: SendOutcome) -> DispatchStatus:
    if isinstance(outcome, Delivered):
        return "sent"
    if isinstance(outcome, Failed):
        return "failed"
    return "unknown"


def _from_exception(exc: Exception, adapter: object, action: Action) -> Failed:
    # An exception may have left the message half-sent: retrying is safe only when the
    # adapter drops duplicates by key.
    detail = _mask_text(f"{type(exc).__name__}: {exc}", action)
    return Failed("exception", retryable=honours_keys(adapter), detail=detail)


def _checked(value: object, action: Action) -> SendOutcome:
    if is_outcome(value):
        return value  # type: ignore[return-value]
    return Failed(
        "bad_outcome",
        detail=f"adapter returned {type(value).__name__}, expected Delivered | Failed | Unknown",
    )


class Dispatcher:
    """Sends due actions through a :class:`ChannelRegistry`, with a ledger and retries.

    Args:
        registry: the host's adapters.
        ledger: where intent and results are recorded (default: an :class:`InMemoryLedger`,
            which protects one process only; use :class:`SqliteLedger` in production).
        renderer: turns actions into messages (default: :class:`Renderer` with the built-in
            Chinese and English texts).
        retry: how transient failures are retried.
        strict: raise :class:`DispatchError` after the whole batch if any action failed.
    """

    def __init__(
        self,
        registry: ChannelRegistry,
        *,
        ledger: Ledger | None = None,
        renderer: Renderer | None = None,
        retry: RetryPolicy | None = None,
        strict: bool = False,
    ) -> None:
        self.registry = registry
        self.ledger: Ledger = ledger if ledger is not None else InMemoryLedger()
        self.renderer = renderer if renderer is not None else Renderer()
        self.retry = retry if retry is not None else RetryPolicy()
        self.strict = strict

    def __repr__(self) -> str:
        return (
            f"Dispatcher({self.registry!r}, ledger={self.ledger!r}, retry={self.retry!r}, "
            f"strict={self.strict!r})"
        )

    # -- public API -------------------------------------------------------------------------

    def dispatch(
        self,
        actions: Iterable[Action],
        *,
        now: datetime,
        acknowledged_obligations: Acknowledged = (),
    ) -> DispatchReport:
        """Carry out the due *actions* now; returns the report (see the module docstring).

        ``acknowledged_obligations`` holds the obligation codes the host has confirmed, for
        every action, or a mapping from idempotency key to codes.
        """
        require_aware(now, "now")
        results = []
        seen: set[str] = set()
        for action in actions:
            if action.idempotency_key in seen:
                results.append(self._duplicate(action))
                continue
            seen.add(action.idempotency_key)
            results.append(self._drive(self._flow(action, now, acknowledged_obligations, False)))
        return self._finish(now, results)

    async def adispatch(
        self,
        actions: Iterable[Action],
        *,
        now: datetime,
        acknowledged_obligations: Acknowledged = (),
        concurrency: int = 4,
    ) -> DispatchReport:
        """The async twin of :meth:`dispatch`: async adapters are awaited, sync ones run in a
        thread; up to *concurrency* actions are in flight at once.  Results keep input order."""
        require_aware(now, "now")
        if concurrency < 1:
            raise DispatchError("concurrency must be at least 1", got=concurrency)
        gate = asyncio.Semaphore(concurrency)
        seen: set[str] = set()

        async def one(action: Action, dup: bool) -> ActionResult:
            if dup:
                return self._duplicate(action)
            async with gate:
                return await self._adrive(
                    self._flow(action, now, acknowledged_obligations, True)
                )

        jobs = []
        for action in actions:
            dup = action.idempotency_key in seen
            seen.add(action.idempotency_key)
            jobs.append(one(action, dup))
        results = await asyncio.gather(*jobs)
        return self._finish(now, list(results))

    # -- internals --------------------------------------------------------------------------

    def _finish(self, now: datetime, results: list[ActionResult]) -> DispatchReport:
        report = DispatchReport(now, tuple(results))
        for r in results:
            if r.status in ("not_due", "duplicate"):
                log.debug("%s", r.describe())
            elif r.is_error:
                log.warning("%s", r.describe())
            else:
                log.info("%s", r.describe())
        if self.strict:
            report.raise_on_errors()
        return report

    @staticmethod
    def _duplicate(action: Action) -> ActionResult:
        return ActionResult(
            action, "duplicate", detail="the same idempotency key appears earlier in this batch"
        )

    def _flow(
        self, action: Action, now: datetime, acked: Acknowledged, is_async: bool
    ) -> _Flow:
        key = action.idempotency_key
        if action.not_before > now:
            return ActionResult(
                action, "not_due", detail=f"not before {action.not_before.isoformat()}"
            )
        try:
            adapter = self.registry.get(action.channel)
        except UnknownChannelError as exc:
            return ActionResult(action, "no_adapter", detail=str(exc))
        if not is_async and is_async_adapter(adapter) and _loop_running():
            return ActionResult(
                action, "refused", detail="the adapter is async: use await dispatcher.adispatch()"
            )
        codes = acked.get(key, ()) if isinstance(acked, Mapping) else acked
        missing = [o.code for o in action.obligations if o.code not in codes]
        if missing:
            return ActionResult(
                action,
                "refused",
                detail="obligations not acknowledged: " + ", ".join(missing),
            )
        try:
            message = self.renderer.render(action)
        except TemplateError as exc:
            return ActionResult(action, "refused", detail=_mask_text(str(exc), action))
        max_len = getattr(adapter, "max_body_len", None)
        if isinstance(max_len, int) and len(message.body) > max_len:
            return ActionResult(
                action,
                "refused",
                message=message,
                detail=f"message is {len(message.body)} characters; the channel carries "
                f"{max_len} (messages are never truncated)",
            )

        try:
            claim = self.ledger.claim(action, at=now)
        except Exception as exc:  # a broken ledger must not lead to an unrecorded send
            return ActionResult(
                action,
                "refused",
                message=message,
                detail=_mask_text(f"ledger unavailable: {exc}", action),
            )
        if claim.status == "done":
            return ActionResult(
                action,
                "already_done",
                outcome=claim.entry.outcome,
                message=message,
                detail="already recorded in the ledger; not sent again",
                replayed=True,
            )
        if claim.status == "unknown":
            return ActionResult(
                action,
                "unknown",
                message=message,
                detail="in doubt after a crash; waiting for a human "
                "(ledger.resolve(key, outcome) if it went out, ledger.discard(key) to resend)",
            )
        if claim.status == "busy":
            return ActionResult(
                action, "busy", message=message, detail="another live process holds this key"
            )
        recovered = claim.status == "in_doubt"
        if recovered and not honours_keys(adapter):
            why = (
                "found intended without a result after a crash; the adapter does not honour "
                "idempotency keys, so it is not re-sent: a human must check"
            )
            try:
                self.ledger.mark_unknown(key, at=now, detail=why)
            except Exception as exc:
                why += _mask_text(f" (and the ledger failed: {exc})", action)
            return ActionResult(action, "unknown", message=message, detail=why, recovered=True)

        attempts = 0
        while True:
            attempts += 1
            sent = yield _Send(adapter, action, message)
            outcome = _masked_outcome(sent if sent is not None else Unknown(), action)
            if (
                isinstance(outcome, Failed)
                and outcome.retryable
                and attempts < self.retry.max_attempts
            ):
                yield _Sleep(self.retry.delay(attempts))
                continue
            break
        recorded = True
        detail = None
        try:
            self.ledger.record(key, outcome, at=now, attempts=attempts)
        except Exception as exc:
            recorded = False
            detail = _mask_text(f"sent, but the ledger failed to record it: {exc}", action)
        if detail is None and isinstance(outcome, Failed):
            detail = outcome.code + (f": {outcome.detail}" if outcome.detail else "")
        elif detail is None and isinstance(outcome, Unknown):
            detail = outcome.detail
        return ActionResult(
            action,
            _status_of(outcome),
            outcome=outcome,
            attempts=attempts,
            message=message,
            detail=detail,
            recovered=recovered,
            recorded=recorded,
        )

    def _drive(self, flow: _Flow) -> ActionResult:
        try:
            op = next(flow)
            while True:
                if isinstance(op, _Sleep):
                    self.retry.sleep(op.seconds)
                    op = flow.send(None)
                else:
                    op = flow.send(_call_sync(op))
        except StopIteration as stop:
            result: ActionResult = stop.value
            return result

    async def _adrive(self, flow: _Flow) -> ActionResult:
        try:
            op = next(flow)
            while True:
                if isinstance(op, _Sleep):
                    await self.retry.asleep(op.seconds)
                    op = flow.send(None)
                else:
                    op = flow.send(await _call_async(op))
        except StopIteration as stop:
            result: ActionResult = stop.value
            return result


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _invoke(op: _Send) -> Any:
    send = op.adapter.send
    kwargs: dict[str, Any] = {"idempotency_key": op.action.idempotency_key}
    if accepts_message(send):
        kwargs["message"] = op.message
    return send(op.action, **kwargs)


def _call_sync(op: _Send) -> SendOutcome:
    try:
        value = _invoke(op)
        if asyncio.iscoroutine(value):
            value = asyncio.run(value)
    except Exception as exc:
        return _from_exception(exc, op.adapter, op.action)
    return _checked(value, op.action)


async def _call_async(op: _Send) -> SendOutcome:
    try:
        if is_async_adapter(op.adapter):
            value = await _invoke(op)
        else:
            value = await asyncio.to_thread(_invoke, op)
            if asyncio.iscoroutine(value):
                value = await value
    except Exception as exc:
        return _from_exception(exc, op.adapter, op.action)
    return _checked(value, op.action)
