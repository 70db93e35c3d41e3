"""Sending what the engine decided: channel adapters, the dispatcher, its ledger, messages.

The engine decides and performs no I/O; this package is the edge where a host's channels plug
in.  A host builds a :class:`ChannelRegistry`, registers adapters, and hands it to a
:class:`Dispatcher` with a ledger (:class:`SqliteLedger` in production), then::

    report = dispatcher.dispatch(decision.actions, now=now)
    account = account.with_events(*report.outcome_events())

See ``docs/dispatch.md`` for the crash-recovery path and the privacy rules.
"""

from overdue.decision import Action
from overdue.dispatch.adapters import AsyncChannelAdapter, ChannelAdapter, FunctionAdapter
from overdue.dispatch.conformance import AdapterConformance, check_adapter
from overdue.dispatch.dispatcher import (
    ActionResult,
    Dispatcher,
    DispatchReport,
    DispatchStatus,
    RetryPolicy,
)
from overdue.dispatch.fakes import (
    AsyncRecordingAdapter,
    FailingAdapter,
    FlakyAdapter,
    RecordingAdapter,
    Sent,
)
from overdue.dispatch.ledger import (
    Claim,
    InMemoryLedger,
    Ledger,
    LedgerEntry,
    LedgerState,
    SqliteLedger,
)
from overdue.dispatch.messages import (
    DEFAULT_TEMPLATES,
    FACT_NAMES,
    NEUTRAL_NAMES,
    NEUTRAL_TEMPLATE,
    Message,
    Renderer,
    TemplateError,
    TemplateText,
)
from overdue.dispatch.outcomes import Delivered, Failed, SendOutcome, Unknown
from overdue.dispatch.registry import ENTRY_POINT_GROUP, ChannelRegistry

__all__ = [
    "DEFAULT_TEMPLATES",
    "ENTRY_POINT_GROUP",
    "FACT_NAMES",
    "NEUTRAL_NAMES",
    "NEUTRAL_TEMPLATE",
    "Action",
    "ActionResult",
    "AdapterConformance",
    "AsyncChannelAdapter",
    "AsyncRecordingAdapter",
    "ChannelAdapter",
    "ChannelRegistry",
    "Claim",
    "Delivered",
    "DispatchReport",
    "DispatchStatus",
    "Dispatcher",
    "Failed",
    "FailingAdapter",
    "FlakyAdapter",
    "FunctionAdapter",
    "InMemoryLedger",
    "Ledger",
    "LedgerEntry",
    "LedgerState",
    "Message",
    "RecordingAdapter",
    "Renderer",
    "RetryPolicy",
    "SendOutcome",
    "Sent",
    "SqliteLedger",
    "TemplateError",
    "TemplateText",
    "Unknown",
    "check_adapter",
]
