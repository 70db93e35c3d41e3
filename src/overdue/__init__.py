"""overdue: debt-escalation policy as a pure-domain library.

Give it a policy (an escalation ladder plus compliance rules), an account's facts and the
current time; it answers which rung the account is on, the next contact step and its channel,
the earliest moment every rule allows it, the deadline after which it escalates, and why.

Sub-namespaces hold the rest: ``overdue.events`` (the facts), ``overdue.rules`` and
``overdue.conditions`` (the vocabulary of policies), ``overdue.calendars``.  Sending what was
decided is the edge ``overdue.dispatch`` (channel adapters, the dispatcher and its ledger); it
is not re-exported here, so importing the engine never imports I/O.

The batch names (``decide_many``, ``decide_batch``, ``BatchReport``, ``BatchFailure``) are
loaded on first use (PEP 562 ``__getattr__``): batch work brings in process pools
(``concurrent.futures``, ``multiprocessing``), which a host deciding one account at a time
should not pay for at import.
"""

import typing as _typing

from overdue.account import Account, ContactPoint, Invoice
from overdue.calendars import MON_FRI, BusinessCalendar, HolidaysCalendar, WeekCalendar
from overdue.decision import Action, BlockedStep, Decision, MessageFacts, Reason, Transition
from overdue.durations import Duration, business_days, days, hours, minutes, months, weeks
from overdue.engine import (
    MigrationReport,
    PolicySet,
    Timeline,
    TimelineEntry,
    decide,
    decide_versioned,
    migration_report,
    timeline,
)
from overdue.errors import (
    EventError,
    NaiveDatetimeError,
    OverdueError,
    OverdueWarning,
    PolicyError,
    UnknownChannelError,
)
from overdue.money import Money
from overdue.policy import Obligation, Policy, Stage, Step
from overdue.reference import REFERENCE_POLICY, reference_policy
from overdue.snapshot import Snapshot, fold

if _typing.TYPE_CHECKING:
    from overdue.batch import BatchFailure, BatchReport, decide_batch, decide_many

__all__ = [
    "MON_FRI",
    "REFERENCE_POLICY",
    "Account",
    "Action",
    "BatchFailure",
    "BatchReport",
    "BlockedStep",
    "BusinessCalendar",
    "ContactPoint",
    "Decision",
    "Duration",
    "EventError",
    "HolidaysCalendar",
    "Invoice",
    "MessageFacts",
    "MigrationReport",
    "Money",
    "NaiveDatetimeError",
    "Obligation",
    "OverdueError",
    "OverdueWarning",
    "Policy",
    "PolicyError",
    "PolicySet",
    "Reason",
    "Snapshot",
    "Stage",
    "Step",
    "Timeline",
    "TimelineEntry",
    "Transition",
    "UnknownChannelError",
    "WeekCalendar",
    "business_days",
    "days",
    "decide",
    "decide_batch",
    "decide_many",
    "decide_versioned",
    "fold",
    "hours",
    "migration_report",
    "minutes",
    "months",
    "reference_policy",
    "timeline",
    "weeks",
]

__version__ = "0.1.0"

_LAZY = dict.fromkeys(
    ("BatchFailure", "BatchReport", "decide_batch", "decide_many"), "overdue.batch"
)


def __getattr__(name: str) -> _typing.Any:
    """Load the batch names on first use (see the module docstring)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'overdue' has no attribute {name!r}")


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
