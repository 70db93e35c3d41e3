"""Requirements: what the team, the law or the seed demands of a policy, kept apart from it.

The invariant checks of :mod:`overdue.testing.invariants` read their limits from the policy's
own rules, so a rule deleted or weakened weakens its own check: they prove that a policy agrees
with itself.  A :class:`Requirements` value states the limits *independently* — contact hours
per channel, caps per window and scope, holds, cease, opt-outs, the ladder's order with the
least days overdue and balance per rung, authorisations, grace periods, letters before claims,
no debt facts to third parties — and the policy is judged against it twice:

- statically, by :func:`static_violations` (``overdue check --requirements``): a cap looser
  than required, a hold missing or narrowed, a rung reachable without its authorisation, hours
  wider than allowed, found from the policy text before any history is played;
- behaviourally, by :func:`check_requirements` (and :class:`~overdue.testing.PolicyMachine`
  with ``requirements = ...``): every history the engine produces under the policy is judged
  against the required limits, not the policy's own.

Requirements come from a file (``load_requirements``: TOML or JSON, a closed vocabulary,
every mistake reported with its key path like a policy file), from Python, or from a reviewed
policy or a preset (:func:`requirements_of`: ``requirements_of("us_reg_f")`` is "what
Regulation F demands", so "my policy meets us_reg_f" is one line).

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from pathlib import Path
from typing import Any, Literal

import attrs

from overdue._validators import as_tuple as _strs
from overdue.account import Account
from overdue.decision import Decision
from overdue.durations import Duration
from overdue.errors import UsageError
from overdue.events import ContactAttempted, StageEntered
from overdue.money import Money
from overdue.policy import Policy, Stage
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
from overdue.rules.legal import MinimumBalance
from overdue.testing import invariants as inv
from overdue.testing.invariants import Record, Violation
from overdue.testing.weakenings import DEBT_FACTS, balance_floor, days_floor, rule_weakenings

__all__ = [
    "SCHEMA",
    "UNKNOWN_ZONE",
    "CapRequirement",
    "CeaseRequirement",
    "HoursRequirement",
    "OptOutRequirement",
    "Requirements",
    "RungRequirement",
    "check_requirement_actions",
    "check_requirements",
    "load_requirements",
    "loads_requirements",
    "requirements_from_dict",
    "requirements_of",
    "static_violations",
]

SCHEMA = "overdue.requirements/1"
"""The value of the ``schema`` key every requirements document starts with."""

_PREFIX = "required"

UNKNOWN_ZONE = "unknown"
"""``Requirements.zone`` for "the policy must assume no zone for a debtor whose zone is
unknown" (its contact hours then block rather than guess)."""


def _names(value: Iterable[str] | str | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset((value,) if isinstance(value, str) else value)


def _set(value: Iterable[str] | str | None) -> frozenset[str]:
    return _names(value) or frozenset()


@attrs.frozen(kw_only=True)
class HoursRequirement:
    """Contact on ``channels`` (``None``: every channel) only inside ``window`` in the debtor's
    zone, on ``weekdays`` (``None``: any day; numbers with Monday 0, or names in files)."""

    window: tuple[time, time]
    channels: frozenset[str] | None = attrs.field(default=None, converter=_names)
    weekdays: frozenset[int] | None = attrs.field(default=None)


@attrs.frozen(kw_only=True)
class CapRequirement:
    """At most ``max`` contacts on ``channels`` (counted together) per ``per``.

    ``window`` and ``scope`` mean what they mean on a ``frequency_cap`` rule: a policy's cap
    meets this one when it covers the same channels, allows no more, over a window at least as
    long, of the same kind, counted per debtor (or as widely).
    """

    max: int
    per: Duration
    channels: frozenset[str] | None = attrs.field(default=None, converter=_names)
    window: Literal["rolling", "rolling_days"] = "rolling"
    scope: Literal["debtor", "debt", "contact_point"] = "debtor"


@attrs.frozen(kw_only=True)
class CeaseRequirement:
    """A cease request stops contact; only ``exempt_templates`` (legal notices) go on."""

    exempt_templates: frozenset[str] = attrs.field(default=frozenset(), converter=_set)


@attrs.frozen(kw_only=True)
class OptOutRequirement:
    """An opt-out from a channel stops it; only the ``exempt`` channels (letters, court
    filings) go on."""

    exempt: frozenset[str] = attrs.field(default=frozenset(), converter=_set)


@attrs.frozen(kw_only=True)
class RungRequirement:
    """What a rung of the ladder demands.

    Attributes:
        id: the rung (stage id).
        optional: the policy may leave it out (a field visit); when it has it, the rest holds.
        min_days_overdue: the least days overdue it may be entered at.
        min_balance: the least balance it may be entered with.
        min_balance_to_act: no contact on the rung while less than this is owed (a claim
            is not filed for a small debt, even after the rung was entered).
        requires: authorisations on file when entered and for every contact on it.
        grace: the least time between the rung's last contact and the next rung.
        min_deadline: the least time the rung lasts before the next one.
        after: milestones that must have happened before any contact on the rung
            (``contacted:letter.lawyer``: no claim filed before the lawyer's letter was
            delivered); the rung itself may be entered, and wait.
        must_state: message facts every step of the rung to the debtor states (a formal
            notice's amount, days overdue, deadline and legal terms).
    """

    id: str
    optional: bool = False
    min_days_overdue: int | None = None
    min_balance: Money | None = None
    min_balance_to_act: Money | None = None
    requires: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    grace: Duration | None = None
    min_deadline: Duration | None = None
    after: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    must_state: tuple[str, ...] = attrs.field(default=(), converter=_strs)


@attrs.frozen(kw_only=True)
class Requirements:
    """What a policy must do, stated apart from any policy.

    Attributes:
        id: a name for messages.
        zone: the zone a debtor whose zone is unknown is judged in; a policy must assume the
            same.  ``"unknown"``: the policy must assume none (contact hours then block when
            the zone is unknown); ``None``: no requirement, and an unknown zone is judged in
            the policy's.
        hours, caps: contact hours and frequency caps.
        holds: facts during which no contact may happen (``dispute_open``, ``manual_hold``,
            ``bankruptcy``...).
        cease, opt_out: honour cease requests and opt-outs (``None``: not required).
        rungs: the ladder, in the order it must be climbed, with what each rung demands.
        rules: any further rule the policy must have at least as strictly (a preset's
            validation period, a third-party rule), in the policy-file rule vocabulary.
        no_debt_facts_to_third_parties: no step to a third party states the debt.
    """

    id: str = "requirements"
    zone: str | None = None
    hours: tuple[HoursRequirement, ...] = ()
    caps: tuple[CapRequirement, ...] = ()
    holds: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    cease: CeaseRequirement | None = None
    opt_out: OptOutRequirement | None = None
    rungs: tuple[RungRequirement, ...] = ()
    rules: tuple[Rule, ...] = ()
    no_debt_facts_to_third_parties: bool = True

    def __add__(self, other: Requirements) -> Requirements:
        """Both sets of requirements: the team's file plus a preset's, say.  The zone is this
        one's unless it has none."""
        if not isinstance(other, Requirements):
            return NotImplemented
        return Requirements(
            id=f"{self.id} + {other.id}",
            zone=self.zone if self.zone is not None else other.zone,
            hours=self.hours + other.hours,
            caps=self.caps + other.caps,
            holds=tuple(dict.fromkeys(self.holds + other.holds)),
            cease=self.cease if self.cease is not None else other.cease,
            opt_out=self.opt_out if self.opt_out is not None else other.opt_out,
            rungs=self.rungs
            + tuple(r for r in other.rungs if r.id not in {x.id for x in self.rungs}),
            rules=self.rules + other.rules,
            no_debt_facts_to_third_parties=self.no_debt_facts_to_third_parties
            or other.no_debt_facts_to_third_parties,
        )

    def only(self, *parts: str) -> Requirements:
        """These requirements narrowed to ``parts`` (``"hours"``, ``"caps"``, ``"holds"``,
        ``"cease"``, ``"opt_out"``, ``"rungs"``, ``"third_parties"``), rules of those kinds
        included: what a bounded proof or a focused test is about."""
        unknown = set(parts) - set(_PARTS)
        if unknown:
            raise UsageError(
                f"unknown parts {sorted(unknown)}", expected=f"some of {list(_PARTS)}"
            )
        kinds = {k for p in parts for k in _PARTS[p]}
        return Requirements(
            id=f"{self.id} ({', '.join(parts)})",
            zone=self.zone,
            hours=self.hours if "hours" in parts else (),
            caps=self.caps if "caps" in parts else (),
            holds=self.holds if "holds" in parts else (),
            cease=self.cease if "cease" in parts else None,
            opt_out=self.opt_out if "opt_out" in parts else None,
            rungs=self.rungs if "rungs" in parts else (),
            rules=tuple(r for r in self.rules if r.kind in kinds),
            no_debt_facts_to_third_parties="third_parties" in parts
            and self.no_debt_facts_to_third_parties,
        )

    def as_rules(self) -> tuple[Rule, ...]:
        """The requirements as rules of the library's own kinds, to judge histories with.

        Ids start with ``required.`` so a violation says which requirement it broke.
        """
        out: list[Rule] = []
        for i, h in enumerate(self.hours):
            out.append(
                ContactHours(
                    f"{_PREFIX}.hours[{i}]",
                    window=h.window,
                    weekdays=h.weekdays,
                    channels=h.channels,
                )
            )
        for i, c in enumerate(self.caps):
            out.append(
                FrequencyCap(
                    f"{_PREFIX}.caps[{i}]",
                    max_contacts=c.max,
                    per=c.per,
                    window=c.window,
                    scope=c.scope,
                    channels=c.channels,
                )
            )
        out.extend(HoldWhile(f"{_PREFIX}.holds.{fact}", fact=fact) for fact in self.holds)
        if self.cease is not None:
            out.append(
                RespectCease(f"{_PREFIX}.cease", exempt_templates=self.cease.exempt_templates)
            )
        if self.opt_out is not None:
            out.append(RespectOptOut(f"{_PREFIX}.opt_out", exempt=self.opt_out.exempt))
        for r in self.rungs:
            out.extend(
                RequiresAuthorisation(
                    f"{_PREFIX}.rungs.{r.id}.requires.{a}", authorisation=a, stages=(r.id,)
                )
                for a in r.requires
            )
            out.extend(
                RequiresPriorEvent(f"{_PREFIX}.rungs.{r.id}.after.{m}", milestone=m, stages=(r.id,))
                for m in r.after
            )
            if r.min_balance_to_act is not None:
                out.append(
                    MinimumBalance(
                        f"{_PREFIX}.rungs.{r.id}.min_balance_to_act",
                        minimum=r.min_balance_to_act,
                        stages=(r.id,),
                    )
                )
        out.extend(self.rules)
        return tuple(out)


_PARTS: dict[str, tuple[str, ...]] = {
    "hours": ("contact_hours",),
    "caps": ("frequency_cap",),
    "holds": ("hold_while",),
    "cease": ("respect_cease",),
    "opt_out": ("respect_opt_out",),
    "rungs": ("requires_authorisation", "requires_prior_event", "minimum_balance"),
    "third_parties": ("third_party_contact",),
}


# -- where requirements come from ---------------------------------------------------------------


def requirements_of(source: Policy | str | Any) -> Requirements:
    """The requirements a reviewed policy or a preset sets, for judging other policies by.

    ``source`` is a :class:`~overdue.policy.Policy` (every rule it has, its assumed zone, and
    each enabled rung with its entry floors, authorisations, grace and deadline), a preset
    (its rules and, when it sets one, its assumed zone) or a preset's name (``"us_reg_f"``).
    """
    if isinstance(source, Policy):
        rungs = tuple(_rung_of(source, s) for s in source.stages if s.enabled or s.requires)
        return Requirements(
            id=f"{source.id} {source.version}",
            zone=source.assumed_zone or UNKNOWN_ZONE,
            rules=source.rules,
            rungs=rungs,
        )
    from overdue.presets import Preset, preset

    p = preset(source) if isinstance(source, str) else source
    if not isinstance(p, Preset):
        raise UsageError(
            "requirements_of takes a Policy, a Preset or a preset name", got=p
        )
    zone = (p.assumed_zone or UNKNOWN_ZONE) if p.zone_assumption == "set" else None
    return Requirements(id=f"{p.name} {p.version}", zone=zone, rules=p.guarded_rules())


def _rung_of(policy: Policy, stage: Stage) -> RungRequirement:
    after = tuple(
        r.milestone
        for r in policy.rules
        if isinstance(r, RequiresPriorEvent) and r.stages is not None and stage.id in r.stages
    )
    stated = [set(step.must_state) for step in stage.steps if step.party == "debtor"]
    must_state = set.intersection(*stated) if stated else set()
    return RungRequirement(
        id=stage.id,
        optional=stage.skippable or not stage.enabled,
        must_state=tuple(sorted(must_state)),
        min_days_overdue=days_floor(stage.enters_when),
        min_balance=balance_floor(stage.enters_when),
        requires=stage.requires,
        grace=stage.grace,
        min_deadline=stage.deadline,
        after=after,
    )


def requirements_from_dict(data: Mapping[str, Any], *, source: str | None = None) -> Requirements:
    """Build :class:`Requirements` from a plain document (what ``tomllib``/``json`` return).

    Raises:
        PolicyFileError: with one located ``ConfigError`` per problem (unknown keys with a
            "did you mean", wrong types, a bad duration, an unknown rule kind...).
    """
    from overdue.config._codec import Decoder
    from overdue.config.loader import in_document_order
    from overdue.config.registry import Kinds
    from overdue.errors import ConfigError, PolicyFileError

    title = f"{source}: invalid requirements" if source else "invalid requirements"
    if not isinstance(data, Mapping):
        raise PolicyFileError(
            title, [ConfigError("a requirements document is a table", key_path="$")]
        )
    dec = Decoder(Kinds.default())
    if data.get("schema") != SCHEMA:
        dec.fail(
            "$.schema",
            "missing or unsupported schema",
            expected=repr(SCHEMA),
            got=data.get("schema"),
        )
    body = {k: v for k, v in data.items() if k != "schema"}
    value = dec.attrs_value(Requirements, body, "$")
    if not dec.errors:
        _cross_check(value, dec)
    if dec.errors:
        raise PolicyFileError(title, in_document_order(dec.errors, data))
    assert isinstance(value, Requirements)
    return value


def _cross_check(req: Requirements, dec: Any) -> None:
    from overdue._time import zone
    from overdue.errors import OverdueError

    if req.zone is not None and req.zone != UNKNOWN_ZONE:
        try:
            zone(req.zone)
        except OverdueError as exc:
            dec.located(exc, "$.zone")
    for i, h in enumerate(req.hours):
        if not h.window[0] < h.window[1]:
            dec.fail(
                f"$.hours[{i}].window",
                "the window's start must be before its end",
                got=[f"{t:%H:%M}" for t in h.window],
            )
    for i, c in enumerate(req.caps):
        if c.max < 1:
            dec.fail(f"$.caps[{i}].max", "a cap allows at least one contact", got=c.max)
    seen: set[str] = set()
    for i, r in enumerate(req.rungs):
        if r.id in seen:
            dec.fail(f"$.rungs[{i}].id", "a rung is listed twice", got=r.id)
        seen.add(r.id)
    try:
        req.as_rules()
    except OverdueError as exc:
        dec.located(exc, "$")


def loads_requirements(
    text: str, format: Literal["toml", "json"] = "toml", *, source: str | None = None
) -> Requirements:
    """Parse requirements text in ``format`` and build the value."""
    from overdue.config.loader import parse_text

    return requirements_from_dict(parse_text(text, format, source=source), source=source)


def load_requirements(path: str | Path) -> Requirements:
    """Read a requirements file (``.toml`` or ``.json``, by its suffix); the I/O is in the name."""
    p = Path(path)
    fmt: Literal["toml", "json"] = "json" if p.suffix.lower() == ".json" else "toml"
    return loads_requirements(p.read_text(encoding="utf-8"), fmt, source=str(p))


# -- static: what the policy text can be shown to allow --------------------------------------------


def _v(what: str, rule_id: str | None = None) -> Violation:
    return Violation("requirements", what, None, rule_id)


def _channels_of(req_rule: Rule, policy: Policy) -> list[str | None]:
    """The channels a required rule speaks of that the policy uses (``[None]``: unscoped)."""
    chans = getattr(req_rule, "channels", None)
    used = set(policy.declared_channels)
    found: list[str | None] = list(sorted(used) if chans is None else sorted(set(chans) & used))
    return found or ([None] if chans is None else [])


def _covers(req_rule: Rule, policy: Policy) -> list[str]:
    """Why no rule of the policy is at least as strict as ``req_rule`` (empty: one is)."""
    same = [r for r in policy.rules if r.kind == req_rule.kind]
    if not same:
        return [f"the policy has no {req_rule.kind} rule"]
    best: list[str] | None = None
    for r in same:
        found = rule_weakenings(req_rule, r, f"rules[{r.id!r}]")
        if not found:
            return []
        text = [str(w).replace(", golden ", ", required ") for w in found]
        if best is None or len(text) < len(best):
            best = text
    return best or []


def _split(req_rule: Rule, policy: Policy) -> list[Rule]:
    """One requirement per channel where a rule per channel meets it as well as one for all
    (hours, holds, cease, opt-outs, authorisations); caps count channels together."""
    if isinstance(req_rule, FrequencyCap) or not hasattr(req_rule, "channels"):
        return [req_rule]
    out: list[Rule] = []
    for c in _channels_of(req_rule, policy):
        out.append(attrs.evolve(req_rule, channels=None if c is None else (c,)))  # type: ignore[misc]
    return out


def static_violations(requirements: Requirements, policy: Policy) -> list[Violation]:
    """What ``policy``'s text can be shown to allow that ``requirements`` forbid.

    Every required rule must be met by one rule of the policy at least as strict (channel by
    channel where that is equivalent), the zone must be the required one, every required rung
    must be on the ladder in the required order with entry floors, authorisations, grace and
    deadline at least as demanding, and no third-party step may state the debt.  Empty when
    nothing could be shown: the behavioural checks then look at histories.
    """
    out: list[Violation] = []
    wanted = None if requirements.zone == UNKNOWN_ZONE else requirements.zone
    if requirements.zone is not None and policy.assumed_zone != wanted:
        out.append(
            _v(
                f"assumes {policy.assumed_zone or 'no zone'} for a debtor whose zone is unknown; "
                f"required: {wanted or 'none (contact hours block when the zone is unknown)'}"
            )
        )
    stage_rules = {
        f"{_PREFIX}.rungs.{r.id}.requires.{a}" for r in requirements.rungs for a in r.requires
    }
    for req_rule in requirements.as_rules():
        if req_rule.id in stage_rules:
            continue  # a rung's authorisations are checked with the rung below
        stages = getattr(req_rule, "stages", None)
        present = {s.id for s in policy.enabled_stages}
        if stages is not None and not (set(stages) & present):
            continue  # about a rung the policy does not have (the rung check says so)
        reasons: dict[str, list[str]] = {}
        for part in _split(req_rule, policy):
            why = _covers(part, policy)
            if why:
                chans = getattr(part, "channels", None)
                reasons.setdefault("; ".join(why), []).extend(sorted(chans or ()))
        for why_text, chans_missed in reasons.items():
            on = f" on {', '.join(chans_missed)}" if chans_missed else ""
            out.append(
                _v(f"{req_rule.id}{on} ({req_rule.describe()}) is not met: {why_text}", req_rule.id)
            )
    out.extend(_static_rungs(requirements, policy))
    if requirements.no_debt_facts_to_third_parties:
        for stage in policy.stages:
            for step in stage.steps:
                told = sorted(set(step.must_state) & DEBT_FACTS)
                if step.party == "third_party" and told:
                    out.append(
                        _v(
                            f"step {step.key!r} of {stage.id} goes to a third party and states "
                            f"{', '.join(told)}: no debt facts to third parties",
                            stage.id,
                        )
                    )
    return out


def _authorised(policy: Policy, stage: Stage, name: str) -> bool:
    if name in stage.requires:
        return True
    return any(
        isinstance(r, RequiresAuthorisation)
        and r.authorisation == name
        and (r.stages is None or stage.id in r.stages)
        and r.channels is None
        and r.templates is None
        and not r.exempt_templates
        and not r.waivable
        for r in policy.rules
    )


def _balance_guarded(stage: Stage, floor: Money) -> bool:
    own = balance_floor(stage.enters_when)
    return own is not None and own.currency == floor.currency and own.amount >= floor.amount


def _static_rungs(req: Requirements, policy: Policy) -> list[Violation]:
    out: list[Violation] = []
    enabled = list(policy.enabled_stages)
    position = {s.id: i for i, s in enumerate(enabled)}
    order = [r.id for r in req.rungs if r.id in position]
    if order != sorted(order, key=position.__getitem__):
        out.append(
            _v(
                "the rungs are climbed in the order "
                + " -> ".join(sorted(order, key=position.__getitem__))
                + "; required: "
                + " -> ".join(order)
            )
        )
    for r in req.rungs:
        stage = next((s for s in enabled if s.id == r.id), None)
        if stage is None:
            if not r.optional:
                out.append(_v(f"the required rung {r.id} is not on the ladder", r.id))
            continue
        i = position[r.id]
        if stage.skippable and not r.optional:
            out.append(_v(f"{r.id} may be skipped; required on the way up", r.id))
        for step in stage.steps:
            lacking = [f for f in r.must_state if f not in step.must_state]
            if step.party == "debtor" and lacking:
                out.append(
                    _v(
                        f"step {step.key!r} of {r.id} does not state {', '.join(lacking)}",
                        r.id,
                    )
                )
        if r.min_days_overdue is not None:
            floors = [days_floor(s.enters_when) for s in enabled[: i + 1]]
            floor = max((f for f in floors if f is not None), default=0)
            if floor < r.min_days_overdue:
                out.append(
                    _v(
                        f"{r.id} may be entered at {floor} day(s) overdue; required: at least "
                        f"{r.min_days_overdue}",
                        r.id,
                    )
                )
        if r.min_balance is not None and not _balance_guarded(stage, r.min_balance):
            out.append(_v(f"{r.id} may be entered with a balance under {r.min_balance}", r.id))
        for a in r.requires:
            if not _authorised(policy, stage, a):
                out.append(_v(f"{r.id} is reachable without the authorisation {a!r}", r.id))
        if r.grace is not None:
            g = stage.grace
            if g is None or g.min_timedelta < r.grace.min_timedelta:
                out.append(_v(f"{r.id} grace is {g or 'none'}; required: at least {r.grace}", r.id))
        if r.min_deadline is not None:
            d = stage.deadline
            if d is not None and d.min_timedelta < r.min_deadline.min_timedelta:
                out.append(_v(f"{r.id} lasts {d}; required: at least {r.min_deadline}", r.id))
    return out


# -- behaviour: what the engine did, judged against the requirements ------------------------


def _judge(requirements: Requirements, policy: Policy) -> Policy:
    """The candidate's ladder (so contacts are placed on their steps) with the required rules
    instead of its own, in the required zone: the invariant checks then judge the history by
    the requirements."""
    rules = list(requirements.as_rules())
    if any(step.party == "third_party" for s in policy.stages for step in s.steps) and not any(
        r.kind == "third_party_contact" for r in rules
    ):
        # The policy constructor insists that third-party steps be governed; the candidate's
        # own rule is kept for that, and the third-party check is not run on it.
        rules += [r for r in policy.rules if r.kind == "third_party_contact"]
    stages = tuple(attrs.evolve(s, requires=()) if s.steps else s for s in policy.stages)
    return attrs.evolve(
        policy,
        rules=tuple(rules),
        stages=stages,
        assumed_zone=(
            policy.assumed_zone
            if requirements.zone is None
            else None
            if requirements.zone == UNKNOWN_ZONE
            else requirements.zone
        ),
        presets=(),
    )


def check_requirements(
    requirements: Requirements, policy: Policy, account: Account, record: Record = None
) -> list[Violation]:
    """What the history of ``account`` under ``policy`` did that ``requirements`` forbid.

    ``record`` is what the engine did, as for :func:`~overdue.testing.check_all` (decisions,
    timeline entries, or ``None`` for the account's own history).  Hours, caps, holds, cease,
    opt-outs, authorisations and further required rules are judged by the invariant
    arithmetic on the required limits; the ladder by :class:`RungRequirement` (order, floors at
    entry, authorisations, grace, milestones first); third parties by what their steps state.
    Each violation's ``invariant`` starts with ``requirement:``.
    """
    judge = _judge(requirements, policy)
    trace = inv._trace(judge, account, record)
    governed_third = any(r.kind == "third_party_contact" for r in requirements.as_rules())
    checks = [
        inv._hours,
        inv._caps,
        inv._holds,
        inv._cease,
        inv._opt_outs,
        inv._authorisations,
        inv._validation_periods,
        inv._visits,
        inv._other_rules,
    ]
    if governed_third:
        checks.append(inv._third_parties)
    out: list[Violation] = []
    for check in checks:
        out.extend(check(judge, account, trace))
    out.extend(_rungs(requirements, judge, account, trace))
    if requirements.no_debt_facts_to_third_parties:
        out.extend(_debt_told(policy, account, trace))
    return [attrs.evolve(v, invariant=f"requirement:{v.invariant}") for v in out]


def check_requirement_actions(
    requirements: Requirements, decisions: Sequence[Decision]
) -> list[Violation]:
    """What planned actions promise against the requirements: no action to a third party
    that discloses the debt or must state a debt fact."""
    out: list[Violation] = []
    if not requirements.no_debt_facts_to_third_parties:
        return out
    for d in decisions:
        for a in d.actions:
            third = a.party == "third_party" or (a.contact is not None and not a.contact.is_debtor)
            told = sorted(set(a.facts.must_state) & DEBT_FACTS)
            if third and (a.discloses_debt or told):
                out.append(
                    Violation(
                        "requirement:third_parties",
                        f"{a.channel} {a.template!r} planned for {a.not_before.isoformat()} goes "
                        f"to a third party and states {', '.join(told) or 'the debt'}",
                        d.at,
                    )
                )
    return out


def _debt_told(policy: Policy, account: Account, trace: list[inv._Moment]) -> list[Violation]:
    out: list[Violation] = []
    steps = {(s.id, step.key): step for s in policy.stages for step in s.steps}
    for m, ev, _cand in inv._contacts(policy, account, trace):
        step = steps.get((ev.stage or "", ev.step or ""))
        to_third = ev.party == "third_party" or (step is not None and step.party == "third_party")
        told = sorted(set(step.must_state) & DEBT_FACTS) if step is not None else []
        if to_third and told:
            out.append(
                Violation(
                    "third_parties",
                    f"{inv._what(ev)} went to a third party stating {', '.join(told)}",
                    ev.at,
                    ev.stage,
                    m.index,
                )
            )
    return out


def _rungs(
    req: Requirements, judge: Policy, account: Account, trace: list[inv._Moment]
) -> list[Violation]:
    """Each required rung entered in order, with its floors and authorisations, and not
    before the rung below had its grace and least length (milestones gate the rung's contacts,
    judged with the other required rules)."""
    out: list[Violation] = []
    rank = {r.id: i for i, r in enumerate(req.rungs)}
    by_id = {r.id: r for r in req.rungs}
    current: str | None = None
    since: datetime | None = None
    last_contact: datetime | None = None
    for m in trace:
        ev = m.event
        if current is not None and inv._paid_in_full(m.before):
            current, since, last_contact = None, None, None  # paid: a new debt starts afresh
        if isinstance(ev, ContactAttempted) and ev.initiated_by == "creditor":
            if ev.stage == current:
                last_contact = ev.at
            continue
        if not isinstance(ev, StageEntered) or ev.stage not in rank:
            continue
        r = by_id[ev.stage]
        at = ev.at
        where = f"entered {r.id} at {at.isoformat()}"

        def flag(why: str, r: RungRequirement = r, m: inv._Moment = m, at: datetime = at) -> None:
            out.append(Violation("rungs", why, at, r.id, m.index))

        if current is not None and current in rank:
            if rank[r.id] < rank[current]:
                flag(f"{where}, after {current}, which the required ladder puts later")
            else:
                skipped = [
                    x.id
                    for x in req.rungs[rank[current] + 1 : rank[r.id]]
                    if not x.optional and any(s.id == x.id and s.enabled for s in judge.stages)
                ]
                if skipped:
                    flag(f"{where}, passing over {', '.join(skipped)}")
                prev = by_id[current]
                if prev.grace is not None and since is not None:
                    base = last_contact if last_contact is not None else since
                    due = base + prev.grace.min_timedelta - inv._DST_SLACK
                    if at < due:
                        flag(
                            f"{where}, {at - base} after {current}'s last contact; "
                            f"required grace {prev.grace}"
                        )
                least = prev.min_deadline
                if (
                    least is not None
                    and since is not None
                    and at < since + least.min_timedelta - inv._DST_SLACK
                ):
                    flag(
                        f"{where}, {at - since} after entering {current}; required: at "
                        f"least {least}"
                    )
        s = inv._situation(judge, account, m.before, at)
        if r.min_days_overdue is not None and s.days_overdue < r.min_days_overdue:
            flag(
                f"{where} at {s.days_overdue} day(s) overdue; required: at least "
                f"{r.min_days_overdue}"
            )
        bal = m.before.balance
        floor = r.min_balance
        low = floor is not None and bal is not None and bal.currency == floor.currency
        if low and bal is not None and floor is not None and bal.amount < floor.amount:
            flag(f"{where} with a balance of {bal}; required: at least {floor}")
        for a in r.requires:
            if not m.before.has_authorisation(a, at):
                flag(f"{where} without the authorisation {a!r} on file")
        current, since, last_contact = r.id, at, None
    return out
