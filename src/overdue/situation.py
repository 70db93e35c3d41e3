"""The situation: everything conditions and rules may look at, computed once per decision.

Conditions and rules never read a clock or a zone of their own: they get a :class:`Situation`
built by the engine from the snapshot, the policy and the ``now`` the caller passed.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

import attrs

from overdue.account import Account, ContactPoint
from overdue.calendars import BusinessCalendar
from overdue.events import ContactAttempted
from overdue.money import Money
from overdue.snapshot import Snapshot

__all__ = ["Candidate", "Situation", "days_overdue"]


def days_overdue(snapshot: Snapshot, local_date: date) -> int:
    """Whole days since the earliest unpaid due date (0 on the due date and before it)."""
    due = snapshot.earliest_unpaid_due()
    if due is None:
        return 0
    return max(0, (local_date - due).days)


@attrs.frozen
class Situation:
    """An account at a moment, as the engine sees it.

    Attributes:
        now: the moment of the decision (aware).
        tz: the debtor's zone: the account's declared ``timezone``, else its
            ``address_timezone``, else the policy's assumption; ``None`` when none knows it
            (contact-hour rules then refuse to schedule unless they assume a zone).
        tz_source: where ``tz`` came from: ``'account'``, ``'address'``, ``'policy'`` or
            ``'unknown'``.
        calendar: the policy's business calendar.
        elsewhere: contacts already planned in the same run for the debtor's other debts
            (:func:`~overdue.engine.debtors.decide_debtor`); caps count them as planned.
        debt_id: the debt decided, when the account is one debt of a debtor (``None``: the
            account as a whole).
    """

    account: Account
    snapshot: Snapshot
    now: datetime
    tz: tzinfo | None
    tz_source: str
    calendar: BusinessCalendar
    local_date: date
    days_overdue: int
    balance: Money | None
    elsewhere: tuple[ContactAttempted, ...] = ()
    debt_id: str | None = None


@attrs.frozen
class Candidate:
    """One contact a decision is considering: a step of a stage on a channel.

    ``planned`` holds the contacts this same decision already scheduled (for example the SMS
    planned just before this in-app notice), so frequency caps count them too.
    ``must_state`` and ``tags`` are the step's: the facts its message states and the content
    tags its template carries, for the content rules.  ``is_reply`` marks the one reply a
    :class:`~overdue.rules.RespondOnce` rule lets through after the debtor made contact.
    """

    stage: str
    step: str
    channel: str
    template: str
    attempt: int
    contact: ContactPoint | None
    situation: Situation
    planned: tuple[ContactAttempted, ...] = ()
    is_fallback: bool = False
    must_state: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    is_reply: bool = False

    @property
    def debt_id(self) -> str | None:
        """The debt this contact is about when one debt of a debtor is decided
        (:func:`~overdue.engine.debtors.decide_debtor`), else ``None`` (the account as a
        whole)."""
        return self.situation.debt_id

    @property
    def point_kind(self) -> str | None:
        """The class of the contact point the candidate goes to (``None``: unknown)."""
        return self.contact.kind if self.contact is not None else None

    @property
    def party(self) -> str:
        """``'debtor'``, or ``'third_party'`` when the contact point is not the debtor's."""
        if self.contact is not None and not self.contact.is_debtor:
            return "third_party"
        return "debtor"
