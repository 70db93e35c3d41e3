"""Adapters for tests: one that records, one that always fails, one that fails then works.

They behave like well-made adapters (they return outcome values and mask addresses in their
reprs), so a host's tests can use them in place of real channels and the conformance suite
passes against them.
"""

from __future__ import annotations

import attrs

from overdue.decision import Action
from overdue.dispatch.messages import Message
from overdue.dispatch.outcomes import Delivered, Failed, SendOutcome

__all__ = ["AsyncRecordingAdapter", "FailingAdapter", "FlakyAdapter", "RecordingAdapter", "Sent"]


@attrs.frozen
class Sent:
    """One call to a fake adapter: the action, the key and the rendered message."""

    action: Action
    idempotency_key: str
    message: Message | None = attrs.field(default=None, repr=False)

    @property
    def body(self) -> str | None:
        """The message body, if a message was passed."""
        return self.message.body if self.message is not None else None


class RecordingAdapter:
    """Delivers everything and remembers it.

    ``calls`` holds every call; ``sent`` only the deliveries.  With ``honours_keys=True`` (the
    default) a second call with a key already delivered is acknowledged with the first
    reference and not delivered again, as a provider that honours idempotency keys would.
    """

    def __init__(
        self,
        channel: str = "sms",
        *,
        honours_keys: bool = True,
        outcome: SendOutcome | None = None,
        max_body_len: int | None = None,
    ) -> None:
        self.channel = channel
        self.honours_keys = honours_keys
        self.outcome = outcome
        self.max_body_len = max_body_len
        self.calls: list[Sent] = []
        self.sent: list[Sent] = []
        self._refs: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.channel!r}, sent={len(self.sent)})"

    @property
    def keys(self) -> list[str]:
        """The idempotency keys delivered, in order."""
        return [s.idempotency_key for s in self.sent]

    @property
    def bodies(self) -> list[str | None]:
        """The message bodies delivered, in order."""
        return [s.body for s in self.sent]

    def _send(self, action: Action, idempotency_key: str, message: Message | None) -> SendOutcome:
        call = Sent(action, idempotency_key, message)
        self.calls.append(call)
        if self.honours_keys and idempotency_key in self._refs:
            return Delivered(self._refs[idempotency_key])
        if self.outcome is not None and not isinstance(self.outcome, Delivered):
            return self.outcome
        self.sent.append(call)
        ref = f"{self.channel}-{len(self.sent)}"
        self._refs[idempotency_key] = ref
        return self.outcome if self.outcome is not None else Delivered(ref)

    def send(
        self, action: Action, *, idempotency_key: str, message: Message | None = None
    ) -> SendOutcome:
        """Record the call and deliver (once per key when ``honours_keys``)."""
        return self._send(action, idempotency_key, message)


class AsyncRecordingAdapter(RecordingAdapter):
    """:class:`RecordingAdapter` with ``async def send``, for ``Dispatcher.adispatch``."""

    async def send(  # type: ignore[override]
        self, action: Action, *, idempotency_key: str, message: Message | None = None
    ) -> SendOutcome:
        """Record the call and deliver (once per key when ``honours_keys``)."""
        return self._send(action, idempotency_key, message)


class FailingAdapter:
    """Never delivers: answers ``Failed(code, retryable)``, or raises ``raises`` if given."""

    def __init__(
        self,
        channel: str = "sms",
        *,
        code: str = "unavailable",
        retryable: bool = False,
        raises: Exception | None = None,
        honours_keys: bool = False,
    ) -> None:
        self.channel = channel
        self.code = code
        self.retryable = retryable
        self.raises = raises
        self.honours_keys = honours_keys
        self.calls: list[Sent] = []

    def __repr__(self) -> str:
        return f"FailingAdapter({self.channel!r}, code={self.code!r})"

    def send(
        self, action: Action, *, idempotency_key: str, message: Message | None = None
    ) -> SendOutcome:
        """Record the call and fail."""
        self.calls.append(Sent(action, idempotency_key, message))
        if self.raises is not None:
            raise self.raises
        return Failed(self.code, retryable=self.retryable, detail="failing by design")


class FlakyAdapter(RecordingAdapter):
    """Fails (retryably) the first ``failures`` calls, then delivers like a recorder.

    ``raises`` makes the failures exceptions instead of ``Failed`` values.
    """

    def __init__(
        self,
        channel: str = "sms",
        failures: int = 2,
        *,
        code: str = "timeout",
        raises: Exception | None = None,
        honours_keys: bool = True,
    ) -> None:
        super().__init__(channel, honours_keys=honours_keys)
        self.failures = failures
        self.code = code
        self.raises = raises
        self.failed = 0

    def __repr__(self) -> str:
        return f"FlakyAdapter({self.channel!r}, failures={self.failures})"

    def send(
        self, action: Action, *, idempotency_key: str, message: Message | None = None
    ) -> SendOutcome:
        """Fail until ``failures`` calls have failed, then deliver."""
        if self.failed < self.failures:
            self.failed += 1
            self.calls.append(Sent(action, idempotency_key, message))
            if self.raises is not None:
                raise self.raises
            return Failed(self.code, retryable=True, detail=f"flaky failure {self.failed}")
        return self._send(action, idempotency_key, message)
