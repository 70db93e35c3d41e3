"""What a rule may offer the engine beyond ``check``: every optional hook, declared and typed.

A rule is any value with ``id``, ``kind``, ``applies_to``, ``check`` and ``describe``
(:class:`~overdue.rules.base.Rule`).  Some rules offer more, and the engine asks for it through
the protocols below (``isinstance`` on a ``runtime_checkable`` protocol), never by probing
attribute names: a host rule author finds every hook here, and mypy checks them.

==========================  ==================================================================
protocol                    what the engine does with it
==========================  ==================================================================
:class:`Waivable`           skips the rule while a consent waiver naming it is active
:class:`Cited`              puts the rule's citation on the reasons it gives
:class:`AttachesObligations`  adds obligations to the actions the rule applies to
:class:`SetsRetention`      sets the decision's ``retain_until``
:class:`GrantsReply`        lets one reply through rules of the kinds it ``overrides``
:class:`LiftedByFact`       names the fact that lifts its block (``Decision.waiting_for``)
==========================  ==================================================================
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from overdue.obligations import Obligation
    from overdue.rules.base import Citation
    from overdue.situation import Candidate
    from overdue.snapshot import Snapshot

__all__ = [
    "AttachesObligations",
    "Cited",
    "GrantsReply",
    "LiftedByFact",
    "SetsRetention",
    "Waivable",
    "citation_of",
    "lifted_by",
    "waivable",
]


@runtime_checkable
class Waivable(Protocol):
    """A rule the debtor's consent waiver may lift, when ``waivable`` is true."""

    @property
    def waivable(self) -> bool:
        """Whether a :class:`~overdue.events.ConsentWaiver` naming the rule lifts it."""


@runtime_checkable
class Cited(Protocol):
    """A rule that says where it comes from."""

    @property
    def citation(self) -> Citation | None:
        """The instrument and section, shown with every reason the rule gives."""


@runtime_checkable
class AttachesObligations(Protocol):
    """A rule that attaches obligations to the actions it applies to (a field visit's)."""

    def obligations_for(self, candidate: Candidate) -> tuple[Obligation, ...]:
        """What the host must acknowledge before carrying out ``candidate``."""


@runtime_checkable
class SetsRetention(Protocol):
    """A rule that says how long the account's records must be kept."""

    def retention_for(self, snapshot: Snapshot, tz: tzinfo) -> date | None:
        """The date until which records are kept (``None``: this rule does not say)."""


@runtime_checkable
class GrantsReply(Protocol):
    """A rule that makes one contact the reply to the debtor's own (``respond_once``)."""

    @property
    def overrides(self) -> frozenset[str]:
        """The rule kinds whose objections the reply is let through."""

    def reply_to(self, candidate: Candidate, at: datetime) -> datetime | None:
        """When the debtor's contact the candidate replies to was made, or ``None``."""


@runtime_checkable
class LiftedByFact(Protocol):
    """A rule whose open-ended block a named new fact lifts (a hold by its fact's clearing)."""

    def lifted_by(self) -> str:
        """The ``waiting_for`` code of that fact, such as ``cleared:dispute_open``."""


def waivable(rule: object) -> bool:
    """Whether a consent waiver may lift ``rule``."""
    return isinstance(rule, Waivable) and bool(rule.waivable)


def citation_of(rule: object) -> Citation | None:
    """The rule's citation, if it has one."""
    return rule.citation if isinstance(rule, Cited) else None


def lifted_by(rule: object, rule_id: str) -> str:
    """The ``waiting_for`` code of the fact that lifts ``rule``'s block."""
    if isinstance(rule, LiftedByFact):
        return rule.lifted_by()
    return f"lifted:{rule_id}"
