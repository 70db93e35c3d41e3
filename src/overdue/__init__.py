"""overdue: debt-escalation policy as a pure-domain library.

Give it a policy (an escalation ladder plus compliance rules), an account's facts and the
current time; it answers which rung the account is on, the next contact step and its channel,
the earliest moment every rule allows it, the deadline after which it escalates, and why.

The root holds what a host uses every day, grouped by what it does: **decide** (``decide``,
``decide_many``, ``timeline`` and what they answer), **facts** (the account, money and the
events a host appends most), **policy** (the ladder and its durations, the reference policy)
and **errors** (the family, and the errors a host handles first).  Sub-namespaces, each with
its own ``__all__``, hold the rest: ``overdue.events`` (every fact), ``overdue.rules`` and
``overdue.conditions`` (the vocabulary of policies), ``overdue.calendars``, ``overdue.durations``,
``overdue.decision``, ``overdue.errors``, ``overdue.batch``, ``overdue.presets``.  Sending what
was decided is the edge ``overdue.dispatch`` (channel adapters, the dispatcher and its ledger);
it is not re-exported here, so importing the engine never imports I/O.

``decide_many`` is loaded on first use (PEP 562 ``__getattr__``): batch work brings in process
pools (``concurrent.futures``, ``multiprocessing``), which a host deciding one account at a time
should not pay for at import.  A name the root held before 0.2 still imports, with a
``DeprecationWarning`` that names its new home; it is not in ``__all__`` or ``dir()``.
"""

import typing as _typing

from overdue.account import Account, ContactPoint, Invoice
from overdue.decision import Action, Decision, Reason
from overdue.durations import Duration, business_days, days, hours
from overdue.engine import Timeline, decide, timeline
from overdue.errors import (
    AccountError,
    EventError,
    NaiveDatetimeError,
    OverdueError,
    OverdueWarning,
    PolicyError,
)
from overdue.events import ContactAttempted, Event, PaymentReceived
from overdue.money import Money
from overdue.policy import Policy, Stage, Step
from overdue.reference import REFERENCE_POLICY
from overdue.snapshot import Snapshot, fold

if _typing.TYPE_CHECKING:
    from overdue.batch import decide_many

__all__ = [  # noqa: RUF022 (grouped by what a host does, not sorted)
    # decide
    "decide",
    "decide_many",
    "timeline",
    "Decision",
    "Action",
    "Reason",
    "Timeline",
    # facts and events
    "Account",
    "ContactPoint",
    "Invoice",
    "Money",
    "Event",
    "ContactAttempted",
    "PaymentReceived",
    "Snapshot",
    "fold",
    # policy
    "Policy",
    "Stage",
    "Step",
    "Duration",
    "days",
    "hours",
    "business_days",
    "REFERENCE_POLICY",
    # errors
    "OverdueError",
    "AccountError",
    "EventError",
    "NaiveDatetimeError",
    "PolicyError",
    "OverdueWarning",
]

_MOVED: _typing.Final = {
    "BatchFailure": "overdue.batch",
    "BatchReport": "overdue.batch",
    "BlockedStep": "overdue.decision",
    "BusinessCalendar": "overdue.calendars",
    "HolidaysCalendar": "overdue.calendars",
    "MON_FRI": "overdue.calendars",
    "MessageFacts": "overdue.decision",
    "Obligation": "overdue.policy",
    "TimelineEntry": "overdue.engine",
    "Transition": "overdue.decision",
    "UnknownChannelError": "overdue.errors",
    "WeekCalendar": "overdue.calendars",
    "decide_batch": "overdue.batch",
    "minutes": "overdue.durations",
    "months": "overdue.durations",
    "reference_policy": "overdue.reference",
    "weeks": "overdue.durations",
}
"""Names the root held before 0.2, and the sub-namespace that holds each now."""

__version__ = "0.1.0"

_LAZY = {"decide_many": "overdue.batch"}


def __getattr__(name: str) -> _typing.Any:
    """Load ``decide_many`` on first use (see the module docstring); name the new home of a
    name the root no longer holds."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if name in _MOVED:
        # Still importable for one minor version, so code and scripts written against 0.1 keep
        # running while they move; the warning names the new home.
        import importlib
        import warnings

        warnings.warn(
            f"overdue.{name} moved: import it from {_MOVED[name]} "
            f"(from {_MOVED[name]} import {name}); the root alias goes in 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module 'overdue' has no attribute {name!r}")


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
