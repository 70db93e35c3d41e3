"""What an adapter answers: :class:`Delivered`, :class:`Failed` or :class:`Unknown`.

Adapters report; they never decide.  Each answer maps to one :class:`overdue.events.Outcome`,
the value written into the account's history as a ``ContactAttempted`` event, so the next
``decide()`` knows the attempt happened.  The values are frozen and carry only what a host may
safely log: a provider's reference, an error code, a short detail (the dispatcher masks contact
addresses in it before it is recorded).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

from overdue.errors import UsageError
from overdue.events import Outcome as EventOutcome

__all__ = ["Delivered", "Failed", "SendOutcome", "Unknown", "is_outcome"]

_FAILED_CODES = {
    "no_answer": EventOutcome.NO_ANSWER,
    "bounced": EventOutcome.BOUNCED,
    "refused": EventOutcome.REFUSED,
}


def _delivered_kind(_inst: object, _a: attrs.Attribute[EventOutcome], value: EventOutcome) -> None:
    if value not in (EventOutcome.DELIVERED, EventOutcome.CONVERSATION):
        raise UsageError(
            "a Delivered outcome is 'delivered' or 'conversation'",
            expected="delivered | conversation",
            got=value,
        )


def _code(_inst: object, _a: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise UsageError("a Failed outcome's code is a non-empty string", got=value)


@attrs.frozen
class Delivered:
    """The channel accepted the message (or the call was answered).

    ``reference`` is the provider's id, kept in the ledger for audits.  A phone adapter that
    reached the debtor may say ``outcome=EventOutcome.CONVERSATION``.
    """

    reference: str | None = None
    outcome: EventOutcome = attrs.field(
        default=EventOutcome.DELIVERED,
        kw_only=True,
        converter=EventOutcome,
        validator=_delivered_kind,
    )
    kind: Literal["delivered"] = attrs.field(default="delivered", init=False, repr=False)

    @property
    def event_outcome(self) -> EventOutcome:
        """The value recorded in ``ContactAttempted.outcome``."""
        return self.outcome

    @property
    def retryable(self) -> bool:
        """Never: a delivered message is done."""
        return False


@attrs.frozen
class Failed:
    """The channel did not deliver.

    ``code`` is a short machine word (``'timeout'``, ``'rejected'``, ``'bounced'``);
    ``retryable=True`` says that trying again soon may work (a timeout, a 503), which lets the
    dispatcher retry within its :class:`~overdue.dispatch.RetryPolicy`.  The codes
    ``'no_answer'``, ``'bounced'`` and ``'refused'`` map to the matching event outcomes;
    every other code is recorded as ``failed``.
    """

    code: str = attrs.field(validator=_code)
    retryable: bool = False
    detail: str | None = None
    kind: Literal["failed"] = attrs.field(default="failed", init=False, repr=False)

    @property
    def event_outcome(self) -> EventOutcome:
        """The value recorded in ``ContactAttempted.outcome``."""
        return _FAILED_CODES.get(self.code, EventOutcome.FAILED)


@attrs.frozen
class Unknown:
    """The adapter cannot tell whether the message went out (a timeout after the request left).

    The attempt is recorded with outcome ``unknown``; nothing is retried, because retrying a
    message that may have been delivered is how debtors get two identical texts.
    """

    detail: str | None = None
    kind: Literal["unknown"] = attrs.field(default="unknown", init=False, repr=False)

    @property
    def event_outcome(self) -> EventOutcome:
        """The value recorded in ``ContactAttempted.outcome``."""
        return EventOutcome.UNKNOWN

    @property
    def retryable(self) -> bool:
        """Never: see the class docstring."""
        return False


SendOutcome: TypeAlias = Delivered | Failed | Unknown
"""What ``ChannelAdapter.send`` returns (not :class:`overdue.events.Outcome`, the enum recorded
in the history: each value's ``event_outcome`` maps one to the other)."""


def is_outcome(value: object) -> bool:
    """Whether *value* is one of the three outcome values an adapter may return."""
    return isinstance(value, Delivered | Failed | Unknown)
