"""A policy worked out once for the engine: what ``decide`` looks up on every call.

A :class:`~overdue.policy.Policy` is frozen and checked when built, so none of this can go
stale; it lives on the policy as the cached attribute ``policy.compiled`` (no module-global
cache keyed by ``id(policy)``, nothing to evict, nothing shared between two equal policies).
Rule features are sorted out here through the protocols of :mod:`overdue.rules.protocols`,
so the engine never probes a rule for attribute names.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from overdue.rules.protocols import (
    AttachesObligations,
    GrantsReply,
    SetsRetention,
    lifted_by,
    waivable,
)

if TYPE_CHECKING:
    from overdue.policy import Policy, Stage
    from overdue.rules.base import Rule

__all__ = ["CompiledPolicy"]


@attrs.frozen
class CompiledPolicy:
    """The lookups ``decide`` needs, per policy.

    Attributes:
        retention_rules: rules that set ``retain_until`` (:class:`SetsRetention`).
        obligation_rules: rules that attach obligations (:class:`AttachesObligations`).
        enabled_by_id: the enabled rungs by id (the last of a duplicated id, as a scan finds).
        later_enabled: the enabled rungs after each rung, for a recorded rung switched off.
        enabled_pos: a rung's position among the enabled rungs.
        rules_by_id: every rule by id.
        reply_rules: the ``id()`` of the rules that may grant a reply (:class:`GrantsReply`).
        waivable_rules: the ``id()`` of the rules a consent waiver may lift.
        lifted_codes: per rule id, the ``waiting_for`` code of what lifts its block.
        guarded_rules: the ``id()`` of the rules silent before a date (``in_force_from``).

    Protocol checks (``isinstance`` on a runtime-checkable protocol) are slow, so each rule
    is asked once here, never per decision.
    """

    retention_rules: tuple[SetsRetention, ...]
    obligation_rules: tuple[Rule, ...]
    enabled_by_id: Mapping[str, Stage]
    later_enabled: Mapping[str, tuple[Stage, ...]]
    enabled_pos: Mapping[str, int]
    rules_by_id: Mapping[str, Rule]
    reply_rules: frozenset[int]
    waivable_rules: frozenset[int]
    lifted_codes: Mapping[str, str]
    guarded_rules: frozenset[int]

    @classmethod
    def of(cls, policy: Policy) -> CompiledPolicy:
        """Work the lookups out for ``policy``."""
        enabled: dict[str, Stage] = {}
        for st in policy.enabled_stages:
            enabled[st.id] = st
        later: dict[str, tuple[Stage, ...]] = {}
        for i, st in enumerate(policy.stages):
            later.setdefault(st.id, tuple(x for x in policy.stages[i + 1 :] if x.enabled))
        return cls(
            tuple(r for r in policy.rules if isinstance(r, SetsRetention)),
            tuple(r for r in policy.rules if isinstance(r, AttachesObligations)),
            MappingProxyType(enabled),
            MappingProxyType(later),
            MappingProxyType(
                {st.id: i for i, st in reversed(tuple(enumerate(policy.enabled_stages)))}
            ),
            MappingProxyType({r.id: r for r in policy.rules}),
            frozenset(id(r) for r in policy.rules if isinstance(r, GrantsReply)),
            frozenset(id(r) for r in policy.rules if waivable(r)),
            MappingProxyType({r.id: lifted_by(r, r.id) for r in policy.rules}),
            frozenset(
                id(r) for r in policy.rules if getattr(r, "in_force_from", None) is not None
            ),
        )
