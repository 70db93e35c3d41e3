"""Legal but suspicious policy choices, for ``overdue check`` and review bots.

A :class:`~overdue.policy.Policy` that exists is valid; these checks flag choices a compliance
reviewer would want to look at twice.  They return warnings rather than raising, and the caller
decides (``overdue check --strict`` turns them into a failing exit code).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import timedelta

from overdue.account import Account
from overdue.channels import CALL_CHANNELS, VISIT_CHANNELS
from overdue.conditions import (
    All,
    AnyOf,
    BalanceAtLeast,
    DaysOverdueAtLeast,
    Not,
    OverdueFor,
    threshold_currencies,
)
from overdue.errors import SuspiciousPolicyWarning, suggest
from overdue.events import InvoiceIssued
from overdue.policy import Policy, Stage

__all__ = [
    "LEGAL_CHANNELS",
    "LEGAL_MARKERS",
    "LEGAL_STAGES",
    "MIN_DAYS_BEFORE_LEGAL",
    "PHONE_CHANNELS",
    "account_currencies",
    "currency_warnings",
    "policy_warnings",
]

LEGAL_STAGES = frozenset({"lawyer_letter", "litigation", "enforcement"})
"""Stage ids treated as legal rungs whatever their channels."""

LEGAL_CHANNELS = frozenset({"legal"})
"""Channels whose steps make a stage a legal rung (a letter alone does not: most are polite)."""

LEGAL_MARKERS = frozenset(
    {"legal", "lawyer", "attorney", "solicitor", "litigation", "lawsuit", "court", "enforcement"}
)
"""Words that make a template, authorisation or obligation code legal (``letter.lawyer``)."""

PHONE_CHANNELS = CALL_CHANNELS
"""Channels that ring the debtor, which ``overdue check`` wants under a contact-hours rule
(:data:`overdue.channels.CALL_CHANNELS`)."""

MIN_DAYS_BEFORE_LEGAL = 14
"""Days overdue under which reaching a legal rung is flagged."""


def _min_days(cond: object) -> int:
    """The fewest days overdue at which a condition can hold (0 when it does not say)."""
    if isinstance(cond, DaysOverdueAtLeast):
        return cond.days
    if isinstance(cond, OverdueFor):
        return cond.age.min_timedelta.days  # the fewest days the age can stand for
    if isinstance(cond, All):
        return max((_min_days(c) for c in cond.conditions), default=0)
    if isinstance(cond, AnyOf):
        return min((_min_days(c) for c in cond.conditions), default=0)
    if isinstance(cond, Not | BalanceAtLeast):
        return 0
    return 0


def _exit_after(stage: Stage) -> timedelta:
    """The least time an account spends on a rung before it may move up."""
    if stage.deadline is not None:
        return stage.deadline.min_timedelta
    longest = max((s.needs() for s in stage.steps), default=timedelta(0))
    grace = stage.grace.min_timedelta if stage.grace is not None else timedelta(0)
    return longest + grace


def _legal_words(text: str) -> bool:
    return any(w in LEGAL_MARKERS for w in re.split(r"[^a-z]+", text.lower()))


def _is_legal(stage: Stage) -> bool:
    """A rung is legal by what it does, not by its channel: a polite first letter is not.

    Legal when its id is a legal stage, a step goes to the ``legal`` channel, bundles evidence,
    or names a legal template (``letter.lawyer``), or an authorisation it requires or an
    obligation it carries is legal (``legal_review``).
    """
    if stage.id in LEGAL_STAGES:
        return True
    for step in stage.steps:
        if step.channel in LEGAL_CHANNELS or step.evidence or _legal_words(step.template):
            return True
    if any(_legal_words(r) for r in stage.requires):
        return True
    return any(_legal_words(o.code) for o in stage.obligations)


def _governs_hours(rule: object, stage: Stage, channel: str, template: str) -> bool:
    """Whether a contact-hours rule applies to this step (its filters let it through)."""
    if getattr(rule, "kind", None) != "contact_hours":
        return False
    for key, value in (("channels", channel), ("stages", stage.id), ("templates", template)):
        names = getattr(rule, key, None)
        if isinstance(names, frozenset) and value not in names:
            return False
    exempt: object = getattr(rule, "exempt_templates", frozenset())
    return not (isinstance(exempt, frozenset) and template in exempt)


def _phone_warnings(policy: Policy) -> list[SuspiciousPolicyWarning]:
    """Call steps that no contact-hours rule governs: they could ring at 3 a.m."""
    out = []
    for i, stage in enumerate(policy.stages):
        if not stage.enabled:
            continue
        for j, step in enumerate(stage.steps):
            channels = [(step.channel, f"$.stages[{i}].steps[{j}]")]
            if step.fallback is not None:
                channels.append((step.fallback, f"$.stages[{i}].steps[{j}].fallback"))
            for channel, path in channels:
                if channel not in PHONE_CHANNELS:
                    continue
                if any(_governs_hours(r, stage, channel, step.template) for r in policy.rules):
                    continue
                out.append(
                    SuspiciousPolicyWarning(
                        f"{path}: {channel} step {step.template!r} of rung {stage.id!r} is not "
                        "governed by any contact-hours rule, so calls may be placed at any hour "
                        f'(add a rule with kind = "contact_hours" covering channel {channel!r})'
                    )
                )
    return out


def _is_visit(stage: Stage) -> bool:
    return stage.performed_by == "third_party" or any(
        s.channel in VISIT_CHANNELS for s in stage.steps
    )


def policy_warnings(policy: Policy) -> list[SuspiciousPolicyWarning]:
    """Every suspicious choice in ``policy``, each message starting with its key path."""
    out: list[SuspiciousPolicyWarning] = []
    if not any(r.kind == "frequency_cap" or hasattr(r, "max_contacts") for r in policy.rules):
        out.append(
            SuspiciousPolicyWarning(
                "$.rules: no frequency cap; nothing limits how often a debtor is contacted "
                '(add a rule with kind = "frequency_cap")'
            )
        )
    entry: timedelta | None = None
    for i, stage in enumerate(policy.stages):
        if not stage.enabled:
            continue
        cond = timedelta(days=_min_days(stage.enters_when))
        entry = cond if entry is None else max(entry, cond)
        if _is_legal(stage) and entry < timedelta(days=MIN_DAYS_BEFORE_LEGAL):
            out.append(
                SuspiciousPolicyWarning(
                    f"$.stages[{i}]: legal rung {stage.id!r} can be reached {entry.days} day(s) "
                    f"overdue, under {MIN_DAYS_BEFORE_LEGAL}; lengthen the deadlines before it or "
                    "add enters_when = {days_overdue_at_least = ...}"
                )
            )
        if _is_visit(stage) and not stage.requires:
            out.append(
                SuspiciousPolicyWarning(
                    f"$.stages[{i}]: field visit / third-party rung {stage.id!r} is enabled "
                    'without an authorisation requirement (add requires = ["field_visit"])'
                )
            )
        for j, step in enumerate(stage.steps):
            told = sorted(set(step.must_state) - {"identity"})
            if step.party == "third_party" and told:
                out.append(
                    SuspiciousPolicyWarning(
                        f"$.stages[{i}].steps[{j}].must_state: step {step.key!r} goes to third "
                        f"parties but must state {', '.join(told)}: it would tell them about "
                        "the debt"
                    )
                )
        entry += _exit_after(stage)
    out.extend(_phone_warnings(policy))
    channels = set(policy.declared_channels) | set(policy.addressless_channels)
    stages = {s.id for s in policy.stages}
    # A preset's rule names every channel its instrument covers; that a policy uses fewer is
    # expected, so only the policy's own rules are checked for names it does not use.
    stacked: set[str] = set()
    if policy.presets:
        from overdue.presets import preset_rules

        stacked = {r.id for r in preset_rules(policy)}
    for i, rule in enumerate(policy.rules):
        if rule.id in stacked:
            continue
        for key, known in (("channels", channels), ("stages", stages)):
            names = getattr(rule, key, None)
            if not isinstance(names, frozenset):
                continue
            for name in sorted(names - known):
                hint = suggest(name, known)
                extra = f" (did you mean {hint!r}?)" if hint else ""
                out.append(
                    SuspiciousPolicyWarning(
                        f"$.rules[{i}].{key}: rule {rule.id!r} names {key[:-1]} {name!r}, which "
                        f"the policy does not use, so it never applies there{extra}"
                    )
                )
    if policy.presets:
        from overdue.presets import slot_warnings

        out.extend(SuspiciousPolicyWarning(f"$.presets: {w}") for w in slot_warnings(policy))
    from overdue.rules.parties import third_party_disclosures

    out.extend(SuspiciousPolicyWarning(line) for line in third_party_disclosures(policy))
    # Rules that can judge a policy without an account (content rules) say so themselves.
    for rule in policy.rules:
        problems = getattr(rule, "policy_problems", None)
        if callable(problems):
            out.extend(SuspiciousPolicyWarning(line) for line in problems(policy))
    from overdue.config.billing_checks import billing_warnings  # issue 18

    out.extend(billing_warnings(policy))
    return out


def account_currencies(accounts: Iterable[Account]) -> dict[str, int]:
    """How many of ``accounts`` invoice in each currency (opening invoices and invoice events)."""
    out: dict[str, int] = {}
    for account in accounts:
        mine = {i.amount.currency for i in account.invoices}
        mine.update(e.amount.currency for e in account.events if isinstance(e, InvoiceIssued))
        for cur in mine:
            out[cur] = out.get(cur, 0) + 1
    return dict(sorted(out.items()))


def currency_warnings(
    policy: Policy, currencies: Mapping[str, int]
) -> list[SuspiciousPolicyWarning]:
    """Balance thresholds that do not fit the accounts' currencies (``check --accounts``).

    A threshold compares money in its own currency only, so an account in another currency
    never meets it: a rung that needs a USD balance never takes a EUR account, and nothing else
    would say so.  ``currencies`` counts the accounts per currency (:func:`account_currencies`).
    """
    out: list[SuspiciousPolicyWarning] = []
    used = set(currencies)
    if not used:
        return out
    for i, stage in enumerate(policy.stages):
        if not stage.enabled:
            continue
        written = threshold_currencies(stage.enters_when)
        if written is None:
            continue
        path = f"$.stages[{i}].enters_when"
        shown = ", ".join(sorted(written))
        missing = sorted(used - written)
        if missing:
            who = ", ".join(f"{c} ({currencies[c]} account(s))" for c in missing)
            out.append(
                SuspiciousPolicyWarning(
                    f"{path}: rung {stage.id!r} has a balance threshold in {shown} only; accounts "
                    f"in {who} never meet it, so the condition waits for ever for them (give "
                    "one per currency: balance_at_least_per_currency = [...])"
                )
            )
        for cur in sorted(written - used):
            out.append(
                SuspiciousPolicyWarning(
                    f"{path}: rung {stage.id!r} has a balance threshold in {cur}, a currency none "
                    f"of the accounts use (they use {', '.join(sorted(used))})"
                )
            )
    return out
