"""The channel registry: which adapter carries which channel, built by the host.

There is no module-level registry.  A host builds a :class:`ChannelRegistry`, registers its
adapters explicitly (or with the ``@registry.adapter("in_app")`` decorator for a function),
checks it against its policy at start-up, and hands it to a
:class:`~overdue.dispatch.Dispatcher`.  Packaged adapters advertised under the
``overdue.channels`` entry-point group are loaded only when
:meth:`ChannelRegistry.from_entry_points` is called, never at import, so installing a
package never changes what a program sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import entry_points
from typing import TypeVar

from overdue.dispatch.adapters import AnyAdapter, FunctionAdapter, SendFunction
from overdue.errors import PolicyError, UnknownChannelError, suggest
from overdue.policy import Policy

__all__ = ["ENTRY_POINT_GROUP", "ChannelRegistry"]

ENTRY_POINT_GROUP = "overdue.channels"

F = TypeVar("F", bound=SendFunction)


def _check_adapter(adapter: object, where: str) -> str:
    channel = getattr(adapter, "channel", None)
    if not isinstance(channel, str) or not channel.strip():
        raise PolicyError(
            "an adapter must have a non-empty string attribute 'channel'",
            key_path=where,
            expected="channel = 'sms'",
            got=type(adapter).__name__ if channel is None else channel,
        )
    if not callable(getattr(adapter, "send", None)):
        raise PolicyError(
            f"adapter for {channel!r} has no callable send(action, *, idempotency_key, message)",
            key_path=where,
            got=type(adapter).__name__,
        )
    max_len = getattr(adapter, "max_body_len", None)
    if max_len is not None and (not isinstance(max_len, int) or max_len <= 0):
        raise PolicyError(
            f"adapter for {channel!r} declares max_body_len that is not a positive int",
            key_path=where,
            got=max_len,
        )
    return channel


class ChannelRegistry:
    """Adapters by channel name.  A second adapter for a channel is refused, not swapped in.

    Example:
        >>> from overdue.dispatch import ChannelRegistry, Delivered
        >>> channels = ChannelRegistry()
        >>> @channels.adapter("in_app")
        ... def show(action, *, idempotency_key):
        ...     return Delivered()
        >>> channels.channels
        ('in_app',)
    """

    def __init__(self, adapters: Iterable[AnyAdapter] = ()) -> None:
        self._adapters: dict[str, AnyAdapter] = {}
        for adapter in adapters:
            self.register(adapter)

    def __repr__(self) -> str:
        return f"ChannelRegistry(channels={self.channels!r})"

    # -- building -------------------------------------------------------------------------

    def register(self, adapter: AnyAdapter, *, replace: bool = False) -> AnyAdapter:
        """Register *adapter* under its ``channel``; returns it, so it can be used inline.

        Raises:
            PolicyError: the adapter has no ``channel`` or no ``send``, or its channel already
                has an adapter (pass ``replace=True`` to swap deliberately, e.g. in tests).
        """
        channel = _check_adapter(adapter, f"adapter {type(adapter).__name__}")
        if channel in self._adapters and not replace:
            raise PolicyError(
                f"channel {channel!r} already has an adapter",
                expected="one adapter per channel (or register(..., replace=True))",
                got=type(adapter).__name__,
            )
        self._adapters[channel] = adapter
        return adapter

    def adapter(
        self, channel: str, *, honours_keys: bool = False, max_body_len: int | None = None
    ) -> Callable[[F], F]:
        """Decorator: register a plain function (sync or ``async``) as the adapter of *channel*.

        The function is returned unchanged, so it stays callable and testable on its own.
        """

        def decorate(fn: F) -> F:
            self.register(
                FunctionAdapter(channel, fn, honours_keys=honours_keys, max_body_len=max_body_len)
            )
            return fn

        return decorate

    @classmethod
    def from_entry_points(
        cls, group: str = ENTRY_POINT_GROUP, *, names: Iterable[str] | None = None
    ) -> ChannelRegistry:
        """A registry of the adapters that installed packages advertise under *group*.

        Each entry point may name an adapter class (instantiated without arguments), an adapter
        instance, or a plain function (registered under the entry point's name).  ``names``
        restricts loading to those entry points.
        """
        registry = cls()
        wanted = set(names) if names is not None else None
        for ep in entry_points(group=group):
            if wanted is not None and ep.name not in wanted:
                continue
            obj = ep.load()
            if isinstance(obj, type):
                obj = obj()
            if hasattr(obj, "send"):
                registry.register(obj)
            elif callable(obj):
                registry.register(FunctionAdapter(ep.name, obj))
            else:
                raise PolicyError(
                    f"entry point {ep.name!r} in {group!r} is not an adapter",
                    key_path=f"{group}:{ep.value}",
                    got=type(obj).__name__,
                )
        return registry

    # -- reading --------------------------------------------------------------------------

    @property
    def channels(self) -> tuple[str, ...]:
        """The registered channel names, in registration order."""
        return tuple(self._adapters)

    def __contains__(self, channel: object) -> bool:
        return channel in self._adapters

    def __iter__(self) -> Iterator[AnyAdapter]:
        return iter(self._adapters.values())

    def __len__(self) -> int:
        return len(self._adapters)

    def get(self, channel: str) -> AnyAdapter:
        """The adapter of *channel*; :class:`UnknownChannelError` with a suggestion if none."""
        try:
            return self._adapters[channel]
        except KeyError:
            raise UnknownChannelError(
                f"no adapter for channel {channel!r}",
                expected="one of " + (", ".join(map(repr, self._adapters)) or "(none registered)"),
                got=channel,
                suggestion=suggest(channel, self._adapters),
            ) from None

    def missing(self, policy: Policy, *, include_disabled: bool = False) -> tuple[str, ...]:
        """The channels *policy* may use (steps and fallbacks) that have no adapter."""
        needed: dict[str, None] = {}
        for stage in policy.stages:
            if not stage.enabled and not include_disabled:
                continue
            for step in stage.steps:
                needed.setdefault(step.channel, None)
                if step.fallback is not None:
                    needed.setdefault(step.fallback, None)
        return tuple(c for c in needed if c not in self._adapters)

    def check(self, policy: Policy, *, include_disabled: bool = False) -> None:
        """Raise :class:`UnknownChannelError` naming *every* channel of *policy* with no adapter.

        Disabled rungs (the reference policy's field visit) are skipped unless
        ``include_disabled=True``.  The error's ``channels`` attribute lists the missing names.
        """
        missing = self.missing(policy, include_disabled=include_disabled)
        if not missing:
            return
        hints = []
        for channel in missing:
            near = suggest(channel, self._adapters)
            hints.append(f"{channel!r} (did you mean {near!r}?)" if near else repr(channel))
        err = UnknownChannelError(
            f"policy {policy.id!r} uses channel(s) with no adapter: " + ", ".join(hints),
            expected="an adapter registered for every channel the policy uses",
            got=list(missing),
        )
        err.channels = missing  # type: ignore[attr-defined]
        raise err
