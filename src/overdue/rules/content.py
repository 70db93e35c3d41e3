"""Content rules: what a step's message must state and what it must never carry.

The library never reads message text.  A step declares what its template states
(``Step.must_state``: data facts such as ``amount``, ``creditor``, ``identity``) and what it
carries (``Step.tags``: statements and content labels such as ``debt_collector_notice``,
``threat``, ``suggest_borrowing``), and these rules check the declaration.  They block at
decision time and can also be checked without an account (``policy_problems``), which is what
``overdue check`` reports, so a missing disclosure is found when the policy is written rather
than when the first letter is due.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

import attrs

from overdue.errors import PolicyError
from overdue.rules.base import RuleBase, Verdict
from overdue.situation import Candidate

if TYPE_CHECKING:
    from overdue.policy import Policy, Stage, Step

__all__ = ["ForbiddenContent", "RequiredDisclosures"]


def _names(value: Iterable[str] | str) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise PolicyError("content rules name non-empty facts or tags", got=item)
    if not items:
        raise PolicyError("a content rule needs at least one fact or tag", expected="['identity']")
    return tuple(sorted(set(items)))


def _steps_in_scope(rule: RuleBase, policy: Policy) -> Iterator[tuple[int, int, Stage, Step]]:
    """The enabled steps a rule would judge, by filters alone (any of the step's channels)."""
    for i, stage in enumerate(policy.stages):
        if not stage.enabled or (rule.stages is not None and stage.id not in rule.stages):
            continue
        for j, step in enumerate(stage.steps):
            if rule.templates is not None and step.template not in rule.templates:
                continue
            if step.template in rule.exempt_templates:
                continue
            channels = {step.channel} | ({step.fallback} if step.fallback else set())
            if rule.channels is not None and not channels & rule.channels:
                continue
            yield i, j, stage, step


@attrs.frozen(kw_only=True)
class RequiredDisclosures(RuleBase):
    """Block a step whose template does not state every required disclosure.

    A disclosure is satisfied by the step's ``must_state`` (a message fact the engine fills:
    ``identity``, ``amount``, ``creditor``, ...) or by one of its ``tags`` (a statement the
    template carries: ``debt_collector_notice`` for the "this is an attempt to collect a debt"
    line, ``opt_out_notice``, ``institution_name``).  Scope it with ``channels``, ``stages`` or
    ``templates`` (a collection letter's content rules need not bind an in-app badge).
    """

    kind: ClassVar[str] = "required_disclosures"
    fields: tuple[str, ...] = attrs.field(converter=_names)

    def missing(self, must_state: Iterable[str], tags: Iterable[str]) -> tuple[str, ...]:
        """The required disclosures a template stating ``must_state`` and ``tags`` lacks."""
        have = set(must_state) | set(tags)
        return tuple(f for f in self.fields if f not in have)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        lacking = self.missing(candidate.must_state, candidate.tags)
        if not lacking:
            return None
        return self.block(
            "missing_disclosure",
            f"template {candidate.template!r} does not state {', '.join(lacking)} "
            "(add them to the step's must_state or tags)",
        )

    def policy_problems(self, policy: Policy) -> list[str]:
        """One line per step in scope that lacks a disclosure, starting with its key path."""
        out = []
        for i, j, stage, step in _steps_in_scope(self, policy):
            lacking = self.missing(step.must_state, step.tags)
            if lacking:
                out.append(
                    f"$.stages[{i}].steps[{j}]: step {step.key!r} of {stage.id!r} does not "
                    f"state {', '.join(lacking)}, which rule {self.id!r} requires; it will "
                    "always be blocked"
                )
        return out

    def describe(self) -> str:
        return f"messages must state {', '.join(self.fields)}{self.scope_text()}"


@attrs.frozen(kw_only=True)
class ForbiddenContent(RuleBase):
    """Block a step whose template carries a forbidden content tag.

    Tags name what regulators forbid: ``threat``, ``false_threat``, ``pressure``,
    ``suggest_borrowing`` (CONC 7.3.10R), ``impersonate_authority``, ``fake_blacklist``,
    ``extra_fee``, ``disclose_debt_to_third_party``.  The host tags its templates; the rule
    keeps a tagged template out of every step it applies to.
    """

    kind: ClassVar[str] = "forbidden_content"
    tags: tuple[str, ...] = attrs.field(converter=_names)

    def found(self, tags: Iterable[str]) -> tuple[str, ...]:
        """The forbidden tags among ``tags``."""
        have = set(tags)
        return tuple(t for t in self.tags if t in have)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        bad = self.found(candidate.tags)
        if not bad:
            return None
        return self.block(
            "forbidden_content",
            f"template {candidate.template!r} carries forbidden content: {', '.join(bad)}",
        )

    def policy_problems(self, policy: Policy) -> list[str]:
        """One line per step in scope whose tags include a forbidden one."""
        out = []
        for i, j, stage, step in _steps_in_scope(self, policy):
            bad = self.found(step.tags)
            if bad:
                out.append(
                    f"$.stages[{i}].steps[{j}]: step {step.key!r} of {stage.id!r} carries "
                    f"{', '.join(bad)}, which rule {self.id!r} forbids; it will always be blocked"
                )
        return out

    def describe(self) -> str:
        return f"messages must not carry {', '.join(self.tags)}{self.scope_text()}"
