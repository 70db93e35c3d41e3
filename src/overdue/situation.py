"""The situation: everything conditions and rules may look at, computed once per decision.

Conditions and rules never read a clock or a zone of their own: they get a :class:`Situation`
built by the engine from the snapshot, the policy and the ``now`` the caller passed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Protocol

import attrs

from overdue._time import _zone, zone
from overdue.account import Account, ContactPoint
from overdue.calendars import BusinessCalendar
from overdue.events import ContactAttempted
from overdue.money import Money
from overdue.snapshot import Snapshot

__all__ = ["Candidate", "Situation", "days_overdue", "local_zone", "resolve_zone"]


class _Assumes(Protocol):
    """What the zone and situation builders read of a policy (structural: the policy ring sits
    outside this module, and conditions, which read situations, sit inside the policy)."""

    @property
    def assumed_zone(self) -> str | None: ...

    @property
    def calendar(self) -> BusinessCalendar: ...


def resolve_zone(policy: _Assumes, account: Account) -> tuple[tzinfo | None, str, str | None]:
    """The debtor's zone, where it came from, and its name.

    Declared zone, else the address's, else the policy's assumption.  The one place that says
    so: the engine, the invariants, the CLI and the testing kit all ask here, so a debtor with
    only an ``address_timezone`` is counted in the same zone everywhere.  ContactHours rules
    with ``zone_sources`` may look at several of these (and the contact point's) at once.
    """
    name, source = account.timezone, "account"
    if name is None:
        name, source = account.address_timezone, "address"
        if name is None:
            name, source = policy.assumed_zone, "policy"
            if name is None:
                return None, "unknown", None
    try:
        return _zone(name), source, name  # the cached zone, without asking again (per decision)
    except Exception:  # not a zone: ``zone`` says so with the library's error
        return zone(name), source, name


def local_zone(policy: _Assumes, account: Account) -> tzinfo:
    """The zone calendar days and wall clocks count in: the debtor's, else UTC (never the zone
    ``now`` happens to be written in)."""
    tz = resolve_zone(policy, account)[0]
    return tz if tz is not None else UTC


def days_overdue(snapshot: Snapshot, local_date: date) -> int:
    """Whole days since the earliest unpaid due date (0 on the due date and before it)."""
    due = snapshot.earliest_unpaid_due()
    if due is None:
        return 0
    return max(0, (local_date - due).days)


@attrs.frozen(weakref_slot=False)  # made by ``_frozen.filler`` in the engine
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

    @classmethod
    def at(
        cls,
        policy: _Assumes,
        account: Account,
        snapshot: Snapshot,
        now: datetime,
        *,
        resolved: tuple[tzinfo | None, str, str | None] | None = None,
    ) -> Situation:
        """The situation of ``account`` at ``now`` under ``policy``: the one builder.

        ``resolved`` is :func:`resolve_zone`'s answer when the caller already holds it (the
        engine also reports the zone's name)."""
        tz, source, _ = resolved if resolved is not None else resolve_zone(policy, account)
        local_date = now.astimezone(tz if tz is not None else UTC).date()
        return cls(
            account,
            snapshot,
            now,
            tz,
            source,
            policy.calendar,
            local_date,
            days_overdue(snapshot, local_date),
            snapshot.balance,
        )


@attrs.frozen(weakref_slot=False)  # so the planner may make it by ``_frozen.filler``
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
