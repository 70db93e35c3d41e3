"""The channel adapter protocol: how a host plugs its SMS gateway, mailer or dialler in.

An adapter has a ``channel`` name and a ``send`` that reports how the attempt went with one of
the outcome values (:class:`~overdue.dispatch.Delivered`, :class:`~overdue.dispatch.Failed`,
:class:`~overdue.dispatch.Unknown`).  It never decides whether to send: the engine and the
dispatcher have done that.  ``send`` may be ``async def``.

Optional attributes a host may declare on its adapter:

``honours_keys``
    ``True`` when the adapter (or the provider behind it) delivers a message at most once per
    idempotency key.  Only such adapters get an in-doubt action re-sent after a crash; for the
    others the dispatcher reports the action as ``unknown`` for a human.
``max_body_len``
    The longest body the channel carries; longer messages are refused, never truncated
    (a truncated legal notice loses exactly the part that mattered).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

import attrs

from overdue.decision import Action
from overdue.dispatch.messages import Message
from overdue.dispatch.outcomes import SendOutcome

__all__ = [
    "AsyncChannelAdapter",
    "ChannelAdapter",
    "FunctionAdapter",
    "accepts_message",
    "honours_keys",
    "is_async_adapter",
]


@runtime_checkable
class ChannelAdapter(Protocol):
    """A synchronous adapter.  ``message`` is the rendered text for the action's contact."""

    @property
    def channel(self) -> str:
        """The channel this adapter carries (``'sms'``)."""
        ...

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        """Carry out *action* and report how it went; never raise for a channel failure."""
        ...


@runtime_checkable
class AsyncChannelAdapter(Protocol):
    """An adapter whose ``send`` is a coroutine; dispatch it with ``Dispatcher.adispatch``."""

    @property
    def channel(self) -> str:
        """The channel this adapter carries (``'sms'``)."""
        ...

    async def send(
        self, action: Action, *, idempotency_key: str, message: Message
    ) -> SendOutcome:
        """Carry out *action* and report how it went; never raise for a channel failure."""
        ...


AnyAdapter = ChannelAdapter | AsyncChannelAdapter
SendFunction = Callable[..., SendOutcome | Awaitable[SendOutcome]]


@attrs.frozen
class FunctionAdapter:
    """A plain function (or coroutine function) used as an adapter.

    Built by ``@registry.adapter("in_app")``; the function is called as
    ``fn(action, idempotency_key=..., message=...)`` (``message`` only if it accepts one).
    """

    channel: str
    fn: SendFunction = attrs.field(repr=lambda fn: getattr(fn, "__qualname__", repr(fn)))
    honours_keys: bool = attrs.field(default=False, kw_only=True)
    max_body_len: int | None = attrs.field(default=None, kw_only=True)

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> Any:
        """Call the function, passing ``message`` only when its signature takes one."""
        if accepts_message(self.fn):
            return self.fn(action, idempotency_key=idempotency_key, message=message)
        return self.fn(action, idempotency_key=idempotency_key)

    @property
    def is_async(self) -> bool:
        """Whether the wrapped function is a coroutine function."""
        return inspect.iscoroutinefunction(self.fn)


def accepts_message(fn: Callable[..., Any]) -> bool:
    """Whether *fn* takes a ``message`` keyword (older adapters take only the key)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True
    return "message" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def is_async_adapter(adapter: object) -> bool:
    """Whether *adapter*'s ``send`` must be awaited."""
    if isinstance(adapter, FunctionAdapter):
        return adapter.is_async
    return inspect.iscoroutinefunction(getattr(adapter, "send", None))


def honours_keys(adapter: object) -> bool:
    """Whether *adapter* declares that it delivers at most once per idempotency key."""
    return getattr(adapter, "honours_keys", False) is True
