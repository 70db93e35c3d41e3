"""A fixed clock and a minimal recording adapter for tests (no hypothesis needed)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from overdue._time import require_aware
from overdue.decision import Action
from overdue.errors import UsageError

__all__ = ["FixedClock", "Recorder", "SentMessage"]


class FixedClock:
    """A clock that only moves when told: pass ``clock.now()`` wherever the library wants a time.

    The library never reads a clock of its own, so a test owns time completely; ``advance``
    moves it forward (never back, so histories stay in order).
    """

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, "start")

    def __repr__(self) -> str:
        return f"FixedClock({self._now!r})"

    def now(self) -> datetime:
        """The current fixed moment."""
        return self._now

    def advance(
        self, delta: timedelta | None = None, *, days: int = 0, hours: int = 0, minutes: int = 0
    ) -> datetime:
        """Move forward by ``delta`` (or days/hours/minutes) and return the new moment."""
        step = (delta or timedelta(0)) + timedelta(days=days, hours=hours, minutes=minutes)
        if step < timedelta(0):
            raise UsageError("a FixedClock only moves forward", got=step)
        self._now = self._now + step
        return self._now

    def set(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (not earlier than now)."""
        moment = require_aware(moment, "moment")
        if moment < self._now:
            raise UsageError(f"a FixedClock only moves forward ({moment} < {self._now})")
        self._now = moment
        return self._now


@attrs.frozen
class SentMessage:
    """What a :class:`Recorder` was asked to send."""

    action: Action
    idempotency_key: str
    message: Any = None


@attrs.define
class Recorder:
    """A channel adapter that records every send and reports it delivered.

    Used by the ``overdue_recording_adapter`` fixture when :mod:`overdue.dispatch.fakes` is not
    available; ``channel='*'`` marks it as standing in for any channel.
    """

    channel: str = "*"
    honours_keys: bool = True
    sent: list[SentMessage] = attrs.field(factory=list)

    def send(self, action: Action, *, idempotency_key: str, message: Any = None) -> Any:
        """Record the send; answer ``Delivered()`` when the dispatch outcomes exist."""
        self.sent.append(SentMessage(action, idempotency_key, message))
        try:
            from overdue.dispatch.outcomes import Delivered
        except ImportError:  # pragma: no cover - the dispatch edge is optional
            return None
        return Delivered()

    @property
    def channels(self) -> list[str]:
        """The channel of every send, in order."""
        return [s.action.channel for s in self.sent]
