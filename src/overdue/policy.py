"""The policy: an ordered escalation ladder of stages, their steps, and compliance rules.

A :class:`Policy` checks itself when it is built, the way a state-machine library refuses an
unreachable state at class creation: duplicate names, a fallback naming an unknown channel, a
stage that can never be reached, a deadline shorter than its steps need.  Each error names the
stage or step by its key path (``$.stages[1].steps[0].fallback``), the same path a policy file
would show.  A ``Policy`` that exists is valid; the one thing judged only once presets are
stacked on it (whether a rule governs its third-party steps) is :func:`check_stacked`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from datetime import timedelta
from typing import Literal, TypeVar

import attrs

from overdue._time import zone
from overdue._validators import all_known, non_empty, one_of
from overdue._validators import as_tuple as _strs
from overdue._validators import duration as _duration
from overdue._validators import optional_duration as _opt_duration
from overdue.calendars import MON_FRI, BusinessCalendar
from overdue.compiled import CompiledPolicy
from overdue.conditions import Condition
from overdue.durations import Duration, days
from overdue.errors import PolicyError, UnknownChannelError, suggest
from overdue.fees import Fee
from overdue.money import ROUNDINGS
from overdue.obligations import Obligation
from overdue.rules.base import Rule
from overdue.rules.holds import HoldWhile
from overdue.service import ServiceStep

_nonempty = non_empty(PolicyError)

__all__ = [
    "EVIDENCE_KINDS",
    "LADDERS_PER",
    "MESSAGE_FACTS",
    "ROTATE_ON",
    "Obligation",
    "Policy",
    "Stage",
    "Step",
    "check_stacked",
]

MESSAGE_FACTS = (
    "amount",
    "currency",
    "days_overdue",
    "deadline",
    "grace_end",
    "legal_terms",
    "creditor",
    "identity",
    "fee",
    "interest",
)
"""Facts a step may require its message to state (``must_state``)."""

EVIDENCE_KINDS = ("contract", "invoices", "payments", "contacts")
"""What a step's evidence bundle may list, all drawn from the account's own history."""


LADDERS_PER = ("account", "invoice")
"""What one ladder runs for (``Policy.ladder_per``): the whole account, or each invoice."""


ROTATE_ON = ("capped", "unanswered", "invalid")
"""Why a step may move on to the channel's next contact point (``Step.rotate``)."""


@attrs.frozen
class Step:
    """One contact step of a stage: a channel, a template, and when and how often.

    ``at`` is the offset from stage entry; ``repeat_every`` spaces further attempts (counted
    from the previous attempt); ``fallback`` is the channel tried when a rule blocks this one
    (an opt-out, a partial cease) or the account has no contact point on it.  ``must_state``
    lists the message facts the template must carry; ``evidence`` what to bundle from the
    history (litigation).  ``id`` defaults to the template name and must be unique in its stage.
    ``tags`` label what the template says or carries (``"debt_collector_notice"``,
    ``"threat"``, ``"suggest_borrowing"``), so content rules (``required_disclosures``,
    ``forbidden_content``) can check it without reading the text.  ``party='third_party'``
    sends the step to the account's contact points that are not the debtor's (``is_debtor=False``)
    instead of the debtor's; a ``third_party_contact`` rule must govern such a step once presets
    are stacked (:func:`check_stacked`; until one does, the engine contacts nobody), and such a
    step must declare no debt facts (it is never planned if it does).
    ``rotate`` lets a debtor step move on from the first contact point on its channel to the
    next, in declaration order: ``'capped'`` (a rule defers the point: the earliest allowed
    point wins), ``'unanswered'`` (its last ``rotate_after`` attempts all went unanswered) and
    ``'invalid'`` (an attempt found the number invalid).  Without it a step always goes to the
    first point (:mod:`overdue.engine.rotation`).
    """

    channel: str = attrs.field(validator=_nonempty)
    template: str = attrs.field(kw_only=True, validator=_nonempty)
    at: Duration = attrs.field(default=Duration(0, "d"), kw_only=True, converter=_duration)
    repeat_every: Duration | None = attrs.field(default=None, kw_only=True, converter=_opt_duration)
    max_attempts: int = attrs.field(default=1, kw_only=True)
    fallback: str | None = attrs.field(default=None, kw_only=True)
    must_state: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_strs)
    evidence: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_strs)
    id: str | None = attrs.field(default=None, kw_only=True)
    tags: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_strs)
    party: Literal["debtor", "third_party"] = attrs.field(
        default="debtor",
        kw_only=True,
        validator=one_of(("debtor", "third_party")),
    )
    rotate: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_strs)
    rotate_after: int = attrs.field(default=3, kw_only=True)

    @rotate.validator
    def _check_rotate(self, _a: object, value: tuple[str, ...]) -> None:
        all_known(
            value, ROTATE_ON, "rotate names an unknown reason to move on to the next contact point"
        )

    @rotate_after.validator
    def _check_rotate_after(self, _a: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PolicyError("rotate_after must be a whole number >= 1", got=value)

    @max_attempts.validator
    def _check_attempts(self, _a: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PolicyError("max_attempts must be a whole number >= 1", got=value)

    def __attrs_post_init__(self) -> None:
        if self.max_attempts > 1 and self.repeat_every is None:
            raise PolicyError(
                f"step {self.key!r} repeats ({self.max_attempts} attempts) but has no repeat_every",
                expected="repeat_every such as '3d'",
            )
        if self.fallback == self.channel:
            raise PolicyError(f"step {self.key!r} falls back to its own channel", got=self.fallback)
        facts = f"step {self.key!r} must_state names an unknown fact"
        all_known(self.must_state, MESSAGE_FACTS, facts)
        for tag in self.tags:
            if not isinstance(tag, str) or not tag.strip():
                raise PolicyError(f"step {self.key!r} tags hold non-empty names", got=tag)
        kinds = f"step {self.key!r} evidence names an unknown kind"
        all_known(self.evidence, EVIDENCE_KINDS, kinds)

    @property
    def key(self) -> str:
        """The step's id within its stage (its ``id``, else its template)."""
        return self.id if self.id is not None else self.template

    def needs(self) -> timedelta:
        """The least time from stage entry to this step's last attempt."""
        need = self.at.min_timedelta
        if self.repeat_every is not None:
            need += self.repeat_every.min_timedelta * (self.max_attempts - 1)
        return need


_T = TypeVar("_T")


def _members(value: Iterable[_T], kind: object, message: str, path: str) -> tuple[_T, ...]:
    """``value`` as a tuple, refusing a member not of ``kind`` (one check for steps, service
    steps, stages and rules; ``path`` names the member in the error)."""
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, kind):  # type: ignore[arg-type]  # a class or runtime protocol
            raise PolicyError(message, key_path=f"{path}[{i}]", got=item)
    return items


def _steps(value: Iterable[Step]) -> tuple[Step, ...]:
    return _members(value, Step, "steps hold Step values", "steps")


def _obligations(value: Iterable[Obligation]) -> tuple[Obligation, ...]:
    return tuple(value)


def _service(value: Iterable[ServiceStep]) -> tuple[ServiceStep, ...]:
    return _members(value, ServiceStep, "service holds ServiceStep values", "service")


@attrs.frozen
class Stage:
    """One rung of the ladder.

    Entered when ``enters_when`` holds (``None``: always) **and** the rung below is finished:
    its ``deadline`` (from entry) has passed, its steps are done or blocked, and its ``grace``
    (from its last attempt) has run out.  A stage with neither deadline nor grace is the top of
    the ladder.  ``requires`` names authorisations that must be on file to enter; ``enabled``
    turns a rung off (the field visit is off by default); ``skippable`` lets the ladder pass
    over it when a later rung can already be entered.  ``performed_by='third_party'`` marks a
    rung carried out by an agency, whose actions carry the stage's ``obligations``.

    Billing side (``docs/billing.md``, all opt-in): ``service`` lists actions on the customer's
    service (block changes, suspend, cancel), each with its undo; ``fee`` charges a fixed fee
    and/or interest on entry; ``step_down`` overrides the policy's ``step_down`` for this rung
    (``False``: never stepped down from, as a lawsuit is not withdrawn by a partial payment;
    ``True``: stepped down from when its ``enters_when`` no longer holds; ``None``: as the
    policy says).
    """

    id: str = attrs.field(validator=_nonempty)
    enters_when: Condition | None = attrs.field(default=None, kw_only=True)
    steps: tuple[Step, ...] = attrs.field(default=(), kw_only=True, converter=_steps)
    deadline: Duration | None = attrs.field(default=None, kw_only=True, converter=_opt_duration)
    grace: Duration | None = attrs.field(default=None, kw_only=True, converter=_opt_duration)
    requires: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_strs)
    enabled: bool = attrs.field(default=True, kw_only=True)
    skippable: bool = attrs.field(default=False, kw_only=True)
    performed_by: Literal["creditor", "third_party"] = attrs.field(
        default="creditor",
        kw_only=True,
        validator=one_of(("creditor", "third_party")),
    )
    obligations: tuple[Obligation, ...] = attrs.field(
        default=(), kw_only=True, converter=_obligations
    )
    description: str | None = attrs.field(default=None, kw_only=True)
    service: tuple[ServiceStep, ...] = attrs.field(default=(), kw_only=True, converter=_service)
    fee: Fee | None = attrs.field(default=None, kw_only=True)
    step_down: bool | None = attrs.field(default=None, kw_only=True)

    @enters_when.validator
    def _check_condition(self, _a: object, value: object) -> None:
        if value is not None and not isinstance(value, Condition):
            raise PolicyError(f"stage {self.id!r} enters_when is not a condition", got=value)

    @property
    def terminal(self) -> bool:
        """The top of the ladder: nothing after it can be reached."""
        return self.deadline is None and self.grace is None

    @functools.cached_property
    def _step_limits(self) -> tuple[tuple[str, int], ...]:
        # Each step's key (``Step.key``) and ``max_attempts``, in order, worked out once per
        # rung: :func:`~overdue.engine.plan.has_pending` reads them on every decision.
        return tuple((step.key, step.max_attempts) for step in self.steps)


def _stages(value: Iterable[Stage]) -> tuple[Stage, ...]:
    return _members(value, Stage, "stages hold Stage values", "$.stages")


def _rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return _members(value, Rule, "rules hold rule values (see overdue.rules)", "$.rules")


def _channels(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _zone(_i: object, _a: object, value: str | None) -> None:
    if value is not None:
        zone(value)


@attrs.frozen
class Policy:
    """An escalation ladder plus the compliance rules that govern every contact on it.

    Attributes whose meaning is not obvious:
        channels: the channels the policy uses; derived from the steps when not given.  A
            fallback must name one of them.
        assumed_zone: the debtor's zone when the account does not say (``None``: unknown, and
            contact-hour rules block).
        promise_grace: how long after a promised date the ladder stays paused.
        on_partial_payment: ``'continue'`` the stage clock, or ``'restart_stage'`` it.
        on_new_version: what happens to an account in flight under another version of this
            policy (its last ``StageEntered`` names it): ``'continue'`` on the same rung id,
            ``'restart'`` the ladder from the bottom, or ``'pin'`` it to the version it started
            under (see :mod:`overdue.versions` and ``docs/versions.md``).
        catch_up: what a decision made after missed runs does with a repeating step's attempts
            whose time has passed: ``'latest_only'`` sends at most the one due now and skips
            the stale ones (saying so), ``'replay'`` sends every missed one in order, under
            the rules (``docs/catch-up.md``).
        horizon: how far ahead rules may defer a step before the decision gives up on it.
        addressless_channels: channels that need no contact point (in-app, court filings).
        legal_terms: the reference a formal notice cites for its legal terms.
        presets: the names of the presets stacked on the policy, in order (set by
            :func:`overdue.presets.with_presets`, which also appends their rules; a policy
            file names them instead of listing their rules).
        step_down: ``'never'`` (the default: a rung once entered is only left upwards or by
            paying in full) or ``'when_conditions_fail'``: the account steps down to the highest
            lower rung whose entry conditions hold, or off the ladder, when the rung's own
            ``enters_when`` no longer holds (``docs/billing.md``).
        rounding: how computed fees and interest are rounded to the currency's minor unit
            (``'half_up'``, ``'half_even'``, ``'down'``, ``'up'``).
        ladder_per: ``'account'`` (the default): one rung for the whole account; ``'invoice'``:
            every unpaid invoice climbs the ladder on its own, all sharing the account's
            contact budget (:func:`overdue.engine.invoices.decide_invoices`).
    """

    id: str = attrs.field(validator=_nonempty)
    stages: tuple[Stage, ...] = attrs.field(kw_only=True, converter=_stages)
    rules: tuple[Rule, ...] = attrs.field(default=(), kw_only=True, converter=_rules)
    version: str = attrs.field(default="1", kw_only=True)
    currency: str | None = attrs.field(default=None, kw_only=True)
    channels: tuple[str, ...] | None = attrs.field(default=None, kw_only=True, converter=_channels)
    assumed_zone: str | None = attrs.field(default=None, kw_only=True, validator=_zone)
    calendar: BusinessCalendar = attrs.field(default=MON_FRI, kw_only=True)
    promise_grace: Duration = attrs.field(default=days(1), kw_only=True, converter=_duration)
    on_partial_payment: Literal["continue", "restart_stage"] = attrs.field(
        default="continue",
        kw_only=True,
        validator=one_of(("continue", "restart_stage")),
    )
    on_new_version: Literal["continue", "restart", "pin"] = attrs.field(
        default="continue",
        kw_only=True,
        validator=one_of(("continue", "restart", "pin")),
    )
    catch_up: Literal["latest_only", "replay"] = attrs.field(
        default="latest_only",
        kw_only=True,
        validator=one_of(("latest_only", "replay")),
    )
    horizon: Duration = attrs.field(default=days(90), kw_only=True, converter=_duration)
    addressless_channels: frozenset[str] = attrs.field(
        default=frozenset({"in_app", "legal"}), kw_only=True, converter=frozenset
    )
    legal_terms: str | None = attrs.field(default=None, kw_only=True)
    creditor: str | None = attrs.field(default=None, kw_only=True)
    description: str | None = attrs.field(default=None, kw_only=True)
    presets: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_strs)
    step_down: Literal["never", "when_conditions_fail"] = attrs.field(
        default="never",
        kw_only=True,
        validator=one_of(("never", "when_conditions_fail")),
    )
    rounding: Literal["half_up", "half_even", "down", "up"] = attrs.field(
        default="half_up", kw_only=True, validator=one_of(tuple(ROUNDINGS))
    )
    ladder_per: Literal["account", "invoice"] = attrs.field(
        default="account", kw_only=True, validator=one_of(LADDERS_PER)
    )

    def __attrs_post_init__(self) -> None:
        _validate(self)

    @functools.cached_property
    def billing_side(self) -> bool:
        """Whether the policy uses service actions, fees or stepping down (all opt-in); when
        it does not, ``decide`` never looks at them and its answers are as before."""
        return self.step_down != "never" or any(
            s.service or s.fee is not None or s.step_down for s in self.stages
        )

    @property
    def declared_channels(self) -> tuple[str, ...]:
        """The channels steps may use: ``channels`` or those the steps name, in order."""
        if self.channels is not None:
            return self.channels
        seen: dict[str, None] = {}
        for stage in self.stages:
            for step in stage.steps:
                seen.setdefault(step.channel, None)
        return tuple(seen)

    @property
    def enabled_stages(self) -> tuple[Stage, ...]:
        """The rungs actually on the ladder, in order."""
        return self._enabled

    @functools.cached_property
    def _enabled(self) -> tuple[Stage, ...]:
        # Computed once per policy: ``decide`` asks for it on every call.
        return tuple(s for s in self.stages if s.enabled)

    def stage(self, stage_id: str) -> Stage:
        """The stage named ``stage_id``; a ``PolicyError`` with a suggestion when unknown."""
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise PolicyError(
            f"policy {self.id!r} has no stage {stage_id!r}",
            got=stage_id,
            suggestion=suggest(stage_id, [s.id for s in self.stages]),
        )

    def paused_by(self) -> frozenset[str]:
        """Facts that stop the escalation clock: holds with ``pause_deadlines`` and plans."""
        return self._paused_by

    @functools.cached_property
    def compiled(self) -> CompiledPolicy:
        """What the engine looks up on every decision, worked out once for this policy."""
        return CompiledPolicy.of(self)

    @functools.cached_property
    def _paused_by(self) -> frozenset[str]:
        facts = {r.fact for r in self.rules if isinstance(r, HoldWhile) and r.pause_deadlines}
        facts.add("payment_plan")
        return frozenset(facts)

    def __repr__(self) -> str:
        # Short on purpose: the full value is ~9,000 characters; a notebook shows the HTML.
        return (
            f"Policy(id={self.id!r}, version={self.version!r}, "
            f"stages={len(self.stages)}, rules={len(self.rules)})"
        )

    def _repr_html_(self) -> str:
        from overdue._html import policy_html

        return policy_html(self)

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        from overdue.diagrams import render

        return render(self, spec)


def _validate(p: Policy) -> None:
    if not p.stages:
        raise PolicyError(f"policy {p.id!r} has no stages", key_path="$.stages")
    if not any(s.enabled for s in p.stages):
        raise PolicyError(f"policy {p.id!r} has no enabled stage", key_path="$.stages")
    if p.channels is not None:
        declared = set(p.channels)
    else:
        declared = {step.channel for s in p.stages for step in s.steps}
    seen_stages: dict[str, int] = {}
    for i, stage in enumerate(p.stages):
        path = f"$.stages[{i}]"
        first = _first_at(seen_stages, stage.id, i)
        if first is not None:
            raise PolicyError(
                f"duplicate stage id {stage.id!r} (first at $.stages[{first}])",
                key_path=f"{path}.id",
            )
        keys: dict[str, int] = {}
        for j, step in enumerate(stage.steps):
            spath = f"{path}.steps[{j}]"
            if _first_at(keys, step.key, j) is not None:
                raise PolicyError(
                    f"stage {stage.id!r} has two steps with id {step.key!r}; give one an id",
                    key_path=f"{spath}.id",
                )
            _known_channel(
                step.channel,
                declared,
                f"step uses channel {step.channel!r}, which the policy does not declare",
                f"{spath}.channel",
            )
            if step.fallback is not None:
                _known_channel(
                    step.fallback,
                    declared,
                    f"fallback names channel {step.fallback!r}, which no step of the policy uses",
                    f"{spath}.fallback",
                )
            if "legal_terms" in step.must_state and p.legal_terms is None:
                raise PolicyError(
                    "step must state the legal terms but the policy names none",
                    key_path=f"{spath}.must_state",
                    expected="Policy(..., legal_terms='terms of service §12')",
                )
        if stage.deadline is not None:
            longest = max((s.needs() for s in stage.steps), default=timedelta(0))
            if stage.deadline.max_timedelta < longest:
                raise PolicyError(
                    f"stage {stage.id!r} deadline {stage.deadline} is shorter than its steps "
                    f"need ({longest.days} days)",
                    key_path=f"{path}.deadline",
                    expected=f"a deadline of at least {longest.days}d",
                    got=str(stage.deadline),
                )
        _validate_billing(p, stage, path)
        if stage.enabled and not stage.steps and not stage.requires and not stage.service:
            raise PolicyError(
                f"stage {stage.id!r} has no steps: an account would sit in it doing nothing",
                key_path=f"{path}.steps",
            )
    enabled = [(i, s) for i, s in enumerate(p.stages) if s.enabled]
    for (i, stage), (k, later) in itertools.pairwise(enabled):
        if stage.terminal:
            raise PolicyError(
                f"stage {later.id!r} can never be reached: stage {stage.id!r} before it has "
                "neither a deadline nor a grace period",
                key_path=f"$.stages[{k}]",
                expected=f"a deadline or grace on $.stages[{i}], or {later.id!r} removed",
            )
    rule_ids: dict[str, int] = {}
    for i, rule in enumerate(p.rules):
        first = _first_at(rule_ids, rule.id, i)
        if first is not None:
            raise PolicyError(
                f"duplicate rule id {rule.id!r} (first at $.rules[{first}])",
                key_path=f"$.rules[{i}].id",
            )
    # Whether a third_party_contact rule governs third-party steps is checked once presets are
    # stacked (check_stacked), so a policy may rely on a preset's rule; until then the engine
    # blocks every third-party contact no such rule governs.


def _first_at(seen: dict[str, int], key: str, index: int) -> int | None:
    """Note ``key`` at ``index``; where it stood first if it was already seen (an id twice)."""
    first = seen.setdefault(key, index)
    return None if first == index else first


def _known_channel(channel: str, declared: set[str], message: str, key_path: str) -> None:
    """Refuse a channel the policy does not declare, suggesting the nearest that it does."""
    if channel not in declared:
        raise UnknownChannelError(
            message,
            key_path=key_path,
            expected=" | ".join(sorted(declared)),
            got=channel,
            suggestion=suggest(channel, declared),
        )


def _validate_billing(p: Policy, stage: Stage, path: str) -> None:
    """Service steps unique per rung; a fixed fee in the policy's currency."""
    seen: dict[str, int] = {}
    for j, step in enumerate(stage.service):
        if _first_at(seen, step.key, j) is not None:
            raise PolicyError(
                f"stage {stage.id!r} has two service steps with id {step.key!r}; give one an id",
                key_path=f"{path}.service[{j}].id",
            )
    fee = stage.fee
    fixed = fee.fixed if fee is not None else None
    if fixed is not None and p.currency is not None and fixed.currency != p.currency:
        raise PolicyError(
            f"stage {stage.id!r} charges a fee in {fixed.currency}, the policy is in "
            f"{p.currency}",
            key_path=f"{path}.fee.fixed",
            expected=f"an amount in {p.currency}",
            got=str(fixed),
        )


def check_stacked(p: Policy) -> None:
    """Refuse what can only be judged once presets are stacked on ``p``.

    A step that contacts third parties needs a ``third_party_contact`` rule.  A bare policy
    may rely on a preset for it (``with_presets(policy, 'us_reg_f')``, ``presets = [...]`` in a
    file), so the constructor does not ask; :func:`overdue.presets.with_presets` and the policy
    loaders call this after stacking.  A policy that never meets one still contacts no third
    party: the engine blocks every contact no such rule governs.

    Raises:
        PolicyError: naming the first ungoverned step's key path.
    """
    from overdue.rules.parties import ungoverned_third_party_steps

    third = ungoverned_third_party_steps(p)
    if third:
        raise PolicyError(
            "a step contacts third parties but no third_party_contact rule governs them",
            key_path=f"{third[0]}.party",
            expected="a ThirdPartyContact rule (mode 'forbid', 'location_only' or "
            "'unreachable_only'), or a preset that has one (us_reg_f, uk_conc7, cn_gbt_2025, "
            "cn_cba_2026, cn_nifa_2018, ...)",
        )
