"""Mutants: the standard authoring mistakes, made to a policy, to score a test suite by.

A suite that passes on the policy says little until it is seen to *fail* on a wrong policy.
:func:`mutants` yields copies of a policy, each with one realistic mistake a policy author
makes (a channel left out of contact hours, hours widened, a cap raised or its window cut, a
hold removed or limited to early rungs, cease or opt-out removed or exempting calls, a rung's
authorisation dropped, a grace period zeroed, a rung entered too early or without its minimum
balance, the field visit switched on without its authorisation, a step that tells a relative
about the debt, rungs swapped, the letter before claim removed, the zone assumed to be UTC...).
Only the mistakes that apply to the policy are yielded, each under a stable name.

``pytest --overdue-mutants`` (see :mod:`overdue._pytest_plugin`) runs the user's policy tests
against each mutant of the ``--overdue-policy`` and reports which survive: the mutation score
of the suite.

.. versionadded:: 0.2.0
"""

# The makers yield lambdas over their loop variables; ``_safely`` calls each one before the
# loop moves on, so late binding never bites.
# ruff: noqa: B023

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import time

import attrs

from overdue.channels import CALL_CHANNELS
from overdue.conditions import All, BalanceAtLeast, Condition, DaysOverdueAtLeast
from overdue.durations import Duration, days
from overdue.errors import OverdueError, UnknownNameError
from overdue.policy import Policy, Stage, Step
from overdue.rules import (
    ContactHours,
    FrequencyCap,
    HoldWhile,
    RequiresAuthorisation,
    RequiresPriorEvent,
    RespectCease,
    RespectOptOut,
    Rule,
)
from overdue.rules.parties import ThirdPartyContact

__all__ = ["MUTATION_CLASSES", "Mutant", "mutant", "mutants"]


@attrs.frozen
class Mutant:
    """One authoring mistake made to a policy.

    Attributes:
        name: stable and unique per policy (``'hours_widened:contact-hours'``): the class of
            mistake, then what it was made to.
        description: the mistake in words, as a reviewer would say it.
        policy: the mutated policy.
    """

    name: str
    description: str
    policy: Policy

    @property
    def mistake(self) -> str:
        """The class of mistake (the name before the colon)."""
        return self.name.partition(":")[0]


def _rules(policy: Policy, *rules: Rule) -> Policy:
    return attrs.evolve(policy, rules=rules)


def _without(policy: Policy, rule: Rule) -> Policy:
    return _rules(policy, *(r for r in policy.rules if r is not rule))


def _replace(policy: Policy, rule: Rule, new: Rule) -> Policy:
    return _rules(policy, *(new if r is rule else r for r in policy.rules))


def _stage(policy: Policy, stage: Stage, new: Stage) -> Policy:
    return attrs.evolve(policy, stages=tuple(new if s is stage else s for s in policy.stages))


def _voice(policy: Policy) -> str | None:
    return next((c for c in policy.declared_channels if c in CALL_CHANNELS), None)


def _holds(policy: Policy, fact: str) -> list[HoldWhile]:
    return [r for r in policy.rules if isinstance(r, HoldWhile) and r.fact == fact]


def _drop_floor(cond: Condition | None, kind: type) -> Condition | None:
    if isinstance(cond, kind):
        return None
    if isinstance(cond, All):
        kept = [c for c in cond.conditions if not isinstance(c, kind)]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else All(tuple(kept))
    return cond


def _lower_days(cond: Condition | None, to: int) -> Condition | None:
    if isinstance(cond, DaysOverdueAtLeast):
        return DaysOverdueAtLeast(min(cond.days, to))
    if isinstance(cond, All):
        return All(tuple(_lower_days(c, to) or c for c in cond.conditions))
    return cond


Made = tuple[str, str, Callable[[], Policy]]
Maker = Callable[[Policy], Iterator[Made]]


def _hours(policy: Policy) -> Iterator[Made]:
    for r in policy.rules:
        if not isinstance(r, ContactHours):
            continue
        chans = r.channels if r.channels is not None else frozenset(policy.declared_channels)
        left_out = _voice(policy) if _voice(policy) in chans else next(iter(sorted(chans)), None)
        if left_out is not None and len(chans) > 1:
            yield (
                f"hours_channel_dropped:{r.id}",
                f"{left_out} left out of {r.id}'s channels",
                lambda: _replace(policy, r, attrs.evolve(r, channels=chans - {left_out})),
            )
        start, end = r.window
        wide = (min(start, time(6)), max(end, time(23)))
        if wide != r.window:
            yield (
                f"hours_widened:{r.id}",
                f"{r.id} widened to {wide[0]:%H:%M}-{wide[1]:%H:%M}",
                lambda: _replace(policy, r, attrs.evolve(r, window=wide)),
            )
        if r.weekdays is not None:
            yield (
                f"hours_every_day:{r.id}",
                f"{r.id} allows every day of the week",
                lambda: _replace(policy, r, attrs.evolve(r, weekdays=None)),
            )
        yield (
            f"hours_removed:{r.id}",
            f"the contact-hours rule {r.id} deleted",
            lambda: _without(policy, r),
        )


def _caps(policy: Policy) -> Iterator[Made]:
    for r in policy.rules:
        if not isinstance(r, FrequencyCap):
            continue
        yield (
            f"cap_raised:{r.id}",
            f"{r.id} allows {r.max_contacts + 4} instead of {r.max_contacts}",
            lambda: _replace(policy, r, attrs.evolve(r, max_contacts=r.max_contacts + 4)),
        )
        if r.per.min_timedelta > days(1).min_timedelta:
            yield (
                f"cap_window_cut:{r.id}",
                f"{r.id}'s window cut from {r.per} to 1d",
                lambda: _replace(policy, r, attrs.evolve(r, per=days(1))),
            )
        if r.scope == "debtor":
            yield (
                f"cap_per_contact_point:{r.id}",
                f"{r.id} counted per contact point, not per debtor",
                lambda: _replace(policy, r, attrs.evolve(r, scope="contact_point")),
            )
        yield (f"cap_removed:{r.id}", f"the cap {r.id} deleted", lambda: _without(policy, r))


def _hold_mutants(policy: Policy) -> Iterator[Made]:
    early = tuple(s.id for s in policy.enabled_stages[:2])
    for r in policy.rules:
        if not isinstance(r, HoldWhile):
            continue
        yield (
            f"hold_removed:{r.id}",
            f"the hold on {r.fact} ({r.id}) deleted",
            lambda: _without(policy, r),
        )
        if r.stages is None and len(policy.enabled_stages) > 2:
            yield (
                f"hold_early_rungs_only:{r.id}",
                f"{r.id} limited to the early rungs {', '.join(early)}",
                lambda: _replace(policy, r, attrs.evolve(r, stages=early)),
            )
        if not r.waivable:
            yield (
                f"hold_waivable:{r.id}",
                f"{r.id} may be waived by the debtor",
                lambda: _replace(policy, r, attrs.evolve(r, waivable=True)),
            )


def _consent(policy: Policy) -> Iterator[Made]:
    voice = _voice(policy)
    for r in policy.rules:
        if isinstance(r, RespectCease):
            yield (
                "cease_removed:" + r.id,
                f"cease requests ignored ({r.id} deleted)",
                lambda: _without(policy, r),
            )
            if voice is not None and (r.channels is None or voice in r.channels):
                chans = frozenset(policy.declared_channels) - {voice}
                if r.channels is not None:
                    chans = r.channels - {voice}
                if chans:
                    yield (
                        f"cease_exempts_calls:{r.id}",
                        f"{r.id} no longer covers {voice}",
                        lambda: _replace(policy, r, attrs.evolve(r, channels=chans)),
                    )
        if isinstance(r, RespectOptOut):
            yield (
                "opt_out_removed:" + r.id,
                f"opt-outs ignored ({r.id} deleted)",
                lambda: _without(policy, r),
            )
            if voice is not None and voice not in r.exempt:
                yield (
                    f"opt_out_exempts_calls:{r.id}",
                    f"{r.id} exempts {voice}",
                    lambda: _replace(policy, r, attrs.evolve(r, exempt=r.exempt | {voice})),
                )


def _ladder(policy: Policy) -> Iterator[Made]:
    for s in policy.stages:
        if s.requires and s.enabled:
            yield (
                f"requires_dropped:{s.id}",
                f"{s.id} no longer requires {', '.join(s.requires)}",
                lambda: _stage(policy, s, attrs.evolve(s, requires=())),
            )
        if s.requires and not s.enabled:
            yield (
                f"turned_on_unauthorised:{s.id}",
                f"{s.id} switched on without its {', '.join(s.requires)} authorisation",
                lambda: _stage(policy, s, attrs.evolve(s, enabled=True, requires=())),
            )
        if s.grace is not None and s.enabled:
            yield (
                f"grace_zero:{s.id}",
                f"{s.id}'s grace of {s.grace} set to 0d",
                lambda: _stage(policy, s, attrs.evolve(s, grace=Duration(0, "d"))),
            )
        if s.deadline is not None and s.enabled and s.deadline.amount > 1:
            half = Duration(max(1, s.deadline.amount // 3), s.deadline.unit)
            yield (
                f"deadline_shortened:{s.id}",
                f"{s.id}'s deadline cut from {s.deadline} to {half}",
                lambda: _stage(policy, s, attrs.evolve(s, deadline=half)),
            )
        floor = _days(s.enters_when)
        if s.enabled and floor is not None and floor > 10:
            yield (
                f"entered_early:{s.id}",
                f"{s.id} entered at 10 days overdue instead of {floor}",
                lambda: _stage(
                    policy, s, attrs.evolve(s, enters_when=_lower_days(s.enters_when, 10))
                ),
            )
        if s.enabled and _has(s.enters_when, BalanceAtLeast):
            yield (
                f"min_balance_dropped:{s.id}",
                f"{s.id} entered whatever the balance",
                lambda: _stage(
                    policy,
                    s,
                    attrs.evolve(s, enters_when=_drop_floor(s.enters_when, BalanceAtLeast)),
                ),
            )
        if s.enabled and not s.skippable and s is not policy.enabled_stages[0]:
            yield (
                f"made_skippable:{s.id}",
                f"{s.id} may be skipped",
                lambda: _stage(policy, s, attrs.evolve(s, skippable=True)),
            )
        if s.enabled and s is not policy.enabled_stages[0] and not s.requires:
            kept = tuple(x for x in policy.stages if x is not s)
            yield (
                f"rung_removed:{s.id}",
                f"the rung {s.id} deleted",
                lambda: attrs.evolve(policy, stages=kept),
            )
        for step in s.steps:
            if step.party == "debtor" and step.must_state:
                yield (
                    f"must_state_dropped:{s.id}.{step.key}",
                    f"{s.id}'s {step.key} no longer states {', '.join(step.must_state)}",
                    lambda: _stage(
                        policy,
                        s,
                        attrs.evolve(
                            s,
                            steps=tuple(
                                attrs.evolve(x, must_state=()) if x is step else x for x in s.steps
                            ),
                        ),
                    ),
                )
    enabled = [s for s in policy.enabled_stages if s.steps]
    for a, b in itertools.pairwise(enabled[1:]):
        if a.requires or b.requires:
            continue
        stages = list(policy.stages)
        i, j = stages.index(a), stages.index(b)
        stages[i], stages[j] = b, a
        yield (
            f"rungs_swapped:{a.id}/{b.id}",
            f"{a.id} and {b.id} swapped",
            lambda: attrs.evolve(policy, stages=tuple(stages)),
        )
    for r in policy.rules:
        if isinstance(r, RequiresPriorEvent):
            yield (
                f"prior_event_removed:{r.id}",
                f"{r.id} deleted: {r.describe()} no longer required",
                lambda: _without(policy, r),
            )
        if isinstance(r, RequiresAuthorisation):
            yield (
                f"authorisation_rule_removed:{r.id}",
                f"{r.id} deleted",
                lambda: _without(policy, r),
            )


def _has(cond: Condition | None, kind: type) -> bool:
    if isinstance(cond, kind):
        return True
    if isinstance(cond, All):
        return any(_has(c, kind) for c in cond.conditions)
    return False


def _days(cond: Condition | None) -> int | None:
    if isinstance(cond, DaysOverdueAtLeast):
        return cond.days
    if isinstance(cond, All):
        found = [d for d in (_days(c) for c in cond.conditions) if d is not None]
        return max(found) if found else None
    return None


def _third_party(policy: Policy) -> Iterator[Made]:
    target = next(
        (s for s in policy.enabled_stages if s.steps and s.steps[0].channel != "legal"), None
    )
    if target is None:
        return
    channel = next(
        (c for c in ("sms", "phone", "email") if c in policy.declared_channels),
        target.steps[0].channel,
    )
    step = Step(
        channel,
        template="relative.debt",
        party="third_party",
        must_state=("amount", "days_overdue"),
    )
    rules = policy.rules
    if not any(r.kind == "third_party_contact" for r in rules):
        rules = (*rules, ThirdPartyContact("third-parties", mode="unreachable_only"))
    stage = attrs.evolve(target, steps=(*target.steps, step))
    yield (
        f"relative_told:{target.id}",
        f"a step on {target.id} tells a relative the amount and days overdue",
        lambda: attrs.evolve(
            policy,
            stages=tuple(stage if s is target else s for s in policy.stages),
            rules=rules,
        ),
    )


def _zone(policy: Policy) -> Iterator[Made]:
    if policy.assumed_zone != "UTC":
        yield (
            "zone_utc",
            f"the assumed zone set to UTC (was {policy.assumed_zone or 'none'})",
            lambda: attrs.evolve(policy, assumed_zone="UTC"),
        )


def _presets(policy: Policy) -> Iterator[Made]:
    for name in policy.presets:
        kept = tuple(r for r in policy.rules if not r.id.startswith(name + "."))
        yield (
            f"preset_dropped:{name}",
            f"the preset {name} no longer stacked",
            lambda: attrs.evolve(
                policy, rules=kept, presets=tuple(p for p in policy.presets if p != name)
            ),
        )


_MAKERS: tuple[Maker, ...] = (
    _hours,
    _caps,
    _hold_mutants,
    _consent,
    _ladder,
    _third_party,
    _zone,
    _presets,
)

MUTATION_CLASSES = (
    "hours_channel_dropped",
    "hours_widened",
    "hours_every_day",
    "hours_removed",
    "cap_raised",
    "cap_window_cut",
    "cap_per_contact_point",
    "cap_removed",
    "hold_removed",
    "hold_early_rungs_only",
    "hold_waivable",
    "cease_removed",
    "cease_exempts_calls",
    "opt_out_removed",
    "opt_out_exempts_calls",
    "requires_dropped",
    "turned_on_unauthorised",
    "grace_zero",
    "deadline_shortened",
    "entered_early",
    "min_balance_dropped",
    "made_skippable",
    "rung_removed",
    "must_state_dropped",
    "rungs_swapped",
    "prior_event_removed",
    "authorisation_rule_removed",
    "relative_told",
    "zone_utc",
    "preset_dropped",
)
"""Every class of mistake :func:`mutants` knows, by name."""


def mutants(policy: Policy) -> Iterator[Mutant]:
    """Every standard authoring mistake that applies to ``policy``, one :class:`Mutant` each.

    Deterministic: the same policy gives the same mutants in the same order.  A mistake that
    would make an invalid policy (one the constructor refuses) is not yielded: the loader
    would have caught it.
    """
    seen: set[str] = set()
    for make in _MAKERS:
        for name, description, build in _safely(make, policy):
            if name in seen or build == policy:
                continue
            seen.add(name)
            yield Mutant(name, description, build)


def _safely(make: Maker, policy: Policy) -> Iterator[tuple[str, str, Policy]]:
    for name, description, build in make(policy):
        try:
            # Built at once, while the maker's loop variables are the ones the lambda names.
            made = build()
        except OverdueError:
            continue  # the mistake makes a policy the constructor refuses: not a mutant
        yield name, description, made


def mutant(policy: Policy, name: str) -> Mutant:
    """The mutant of ``policy`` called ``name``; a ``LookupError`` listing the names if none."""
    found = {m.name: m for m in mutants(policy)}
    if name not in found:
        raise UnknownNameError(f"no mutant {name!r} of {policy.id!r}", expected=" | ".join(found))
    return found[name]
