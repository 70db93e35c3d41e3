"""Compliance rules: frozen values that allow, defer or block a candidate contact.

Every rule has a stable ``kind`` (its name in policy files), an ``id`` unique in its policy, and
an optional :class:`Citation`.  See ``docs/rules.md`` for how stacked rules combine.
"""

from collections.abc import Mapping
from types import MappingProxyType

from overdue.rules.base import (
    Citation,
    Effect,
    Rule,
    RuleBase,
    Verdict,
    described,
    in_force,
)
from overdue.rules.conduct import FieldVisitConduct, RequiresRecording
from overdue.rules.consent import RespondOnce
from overdue.rules.content import ForbiddenContent, RequiredDisclosures
from overdue.rules.frequency import CoolDown, FrequencyCap, MinimumGap
from overdue.rules.holds import HALTING_FACTS, HoldWhile, RespectCease, RespectOptOut
from overdue.rules.hours import ContactHours, QuietDays
from overdue.rules.legal import MinimumBalance, RequiresAuthorisation, RequiresPriorEvent, TimeBar
from overdue.rules.notices import DisputeHold, ValidationPeriod
from overdue.rules.parties import ThirdPartyContact
from overdue.rules.records import RecordRetention

__all__ = [
    "BUILTIN_RULES",
    "HALTING_FACTS",
    "Citation",
    "ContactHours",
    "CoolDown",
    "DisputeHold",
    "Effect",
    "FieldVisitConduct",
    "ForbiddenContent",
    "FrequencyCap",
    "HoldWhile",
    "MinimumBalance",
    "MinimumGap",
    "QuietDays",
    "RecordRetention",
    "RequiredDisclosures",
    "RequiresAuthorisation",
    "RequiresPriorEvent",
    "RequiresRecording",
    "RespectCease",
    "RespectOptOut",
    "RespondOnce",
    "Rule",
    "RuleBase",
    "ThirdPartyContact",
    "TimeBar",
    "ValidationPeriod",
    "Verdict",
    "described",
    "in_force",
]

BUILTIN_RULES: Mapping[str, type[RuleBase]] = MappingProxyType(
    {
        cls.kind: cls
        for cls in (
            ContactHours,
            QuietDays,
            FrequencyCap,
            MinimumGap,
            CoolDown,
            HoldWhile,
            RespectCease,
            RespectOptOut,
            RequiresAuthorisation,
            RequiresPriorEvent,
            TimeBar,
            MinimumBalance,
            ValidationPeriod,
            DisputeHold,
            RequiredDisclosures,
            ForbiddenContent,
            FieldVisitConduct,
            RequiresRecording,
            RecordRetention,
            RespondOnce,
            ThirdPartyContact,
        )
    }
)
"""The rule kinds the library ships, by their ``kind`` string (read-only: a host with rule
kinds of its own registers them on a :class:`~overdue.config.Kinds` of its own)."""
