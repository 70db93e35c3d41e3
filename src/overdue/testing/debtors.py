"""Invariants for debtors with several debts: shared budgets and contact-point rotation.

These checks read a debtor's recorded history (every debt's contacts, each counted once) and
re-derive, apart from the engine, what the caps and the rotation allow:

- :func:`check_shared_budgets`: no frequency cap was broken when the contacts of all the
  debts are counted together: per debtor (every contact to the person), per contact point
  (every contact to the number), per debt (each debt's own contacts and those naming it), and
  per class of contact point (``point_kinds``).
- :func:`check_rotation`: a step that rotates on ``'invalid'`` never dialled a number an
  earlier attempt had found invalid (while a valid one was left), and one that rotates on
  ``'unanswered'`` never dialled a number whose last ``rotate_after`` attempts had gone
  unanswered while another number of the channel had not.
- :func:`check_debtor`: both, plus every single-account invariant on each debt's view
  (:func:`~overdue.testing.check_all`).

The strategies that make debtors are in :mod:`overdue.testing.debtor_strategies` (they need
hypothesis).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from overdue.debtor import Debtor
from overdue.events import ContactAttempted, Outcome
from overdue.policy import Policy, Step
from overdue.rules import FrequencyCap
from overdue.testing.invariants import Violation, check_all, stage_steps

__all__ = ["check_debtor", "check_rotation", "check_shared_budgets", "debtor_contacts"]

_COUNTED = {
    "attempt": frozenset(o.value for o in Outcome),
    "connected": frozenset({"delivered", "conversation", "refused"}),
    "conversation": frozenset({"conversation"}),
    "unanswered": frozenset({"no_answer", "failed", "bounced", "invalid_number"}),
    "message": frozenset({"delivered", "unknown"}),
}
_NEVER_REACHED_A_LINE = frozenset({"failed", "bounced", "invalid_number"})
_UNANSWERED = frozenset({"no_answer", "failed", "bounced"})
_REACHED = frozenset({"delivered", "conversation", "refused"})


def debtor_contacts(debtor: Debtor) -> list[tuple[str, ContactAttempted]]:
    """Every contact recorded on any of the debts, once, with the debt it is recorded on,
    in time order."""
    out = [
        (debt.id, e)
        for debt in debtor.debts
        for e in debt.events
        if isinstance(e, ContactAttempted)
    ]
    out.sort(key=lambda pair: pair[1].at.astimezone(UTC))
    return out


def _about(debt: str, c: ContactAttempted) -> frozenset[str]:
    return frozenset(c.debts) if c.debts else frozenset({debt})


def _kind(debtor: Debtor, address: str | None) -> str:
    for debt in debtor.debts:
        for cp in (*debtor.contacts, *debt.contacts):
            if cp.address == address and cp.kind is not None:
                return cp.kind
    return "unclassified"


def _counted(rule: FrequencyCap, debtor: Debtor, c: ContactAttempted) -> bool:
    chans = rule.count_channels if rule.count_channels is not None else rule.channels
    ex = rule.exclude
    return (
        (chans is None or c.channel in chans)
        and c.outcome.value in _COUNTED[rule.counts]
        and ("inbound" not in ex or c.initiated_by == "creditor")
        and ("not_connected" not in ex or c.outcome.value not in _NEVER_REACHED_A_LINE)
        and ("to_representative" not in ex or c.party != "representative")
        and (rule.point_kinds is None or _kind(debtor, c.contact_point) in rule.point_kinds)
    )


def _zone(debtor: Debtor, debt: str) -> Any:
    from overdue._time import zone

    name = debtor.own(debt).timezone
    return zone(name) if name is not None else UTC


def _window(rule: FrequencyCap, at: datetime, tz: Any) -> tuple[Any, Any, bool]:
    """``(start, end, by_date)``: the window ending at ``at`` (local dates when ``by_date``)."""
    if rule.window == "rolling":
        local = at.astimezone(tz)
        if rule.per.unit in ("h", "min"):
            return at.astimezone(UTC) - rule.per.min_timedelta, at.astimezone(UTC), False
        if rule.per.unit == "mo":
            from dateutil.relativedelta import relativedelta

            start = (local - relativedelta(months=rule.per.amount)).astimezone(UTC)
        else:
            start = (local - rule.per.min_timedelta).astimezone(UTC)
        return start, at.astimezone(UTC), False
    span = rule.per.amount * (7 if rule.per.unit == "w" else 1)
    today = at.astimezone(tz).date()
    return today - timedelta(days=span - 1), today, True


def check_shared_budgets(policy: Policy, debtor: Debtor) -> list[Violation]:
    """Frequency caps, counted over all the debtor's debts (each contact once).

    A creditor contact that a cap covers (its channels, and its ``point_kinds``) breaks it
    when the contacts counted before it in its window, for its scope, already reach the cap:
    all of them (``'debtor'``), those to the same address (``'contact_point'``), or those
    about the same debt (``'debt'``: every debt the contact was about is checked).  Consent
    exclusions and rules switched off by waivers are not re-derived here: such policies are
    checked by :func:`~overdue.testing.check_caps` per debt.
    """
    out: list[Violation] = []
    contacts = debtor_contacts(debtor)
    for rule in policy.rules:
        if not isinstance(rule, FrequencyCap) or "consented" in rule.exclude or rule.waivable:
            continue
        for i, (debt, ev) in enumerate(contacts):
            if ev.initiated_by != "creditor" or (
                rule.channels is not None and ev.channel not in rule.channels
            ):
                continue
            if rule.point_kinds is not None and _kind(debtor, ev.contact_point) not in (
                rule.point_kinds
            ):
                continue
            tz = _zone(debtor, debt)
            start, end, by_date = _window(rule, ev.at, tz)
            earlier = [(d, c) for d, c in contacts[:i] if _counted(rule, debtor, c) and c is not ev]
            if by_date:
                inside = [(d, c) for d, c in earlier if start <= c.at.astimezone(tz).date() <= end]
            else:
                inside = [(d, c) for d, c in earlier if start < c.at.astimezone(UTC) <= end]
            pools: list[tuple[str, list[ContactAttempted]]]
            if rule.scope == "debtor":
                pools = [("the debtor", [c for _, c in inside])]
            elif rule.scope == "contact_point":
                pools = [
                    ("its number", [c for _, c in inside if c.contact_point == ev.contact_point])
                ]
            else:
                pools = [
                    (f"debt {one}", [c for d, c in inside if one in _about(d, c)])
                    for one in sorted(_about(debt, ev))
                ]
            for scope, pool in pools:
                if len(pool) >= rule.max_contacts:
                    out.append(
                        Violation(
                            "shared_budgets",
                            f"the {ev.channel} contact on debt {debt} at {ev.at.isoformat()} is "
                            f"contact {len(pool) + 1} for {scope} in {rule.id}'s window; it "
                            f"allows {rule.max_contacts}",
                            ev.at,
                            rule.id,
                        )
                    )
    return out


def _step(policy: Policy, stage: str | None, step: str | None) -> Step | None:
    return next((s for s in stage_steps(policy, stage) if s.key == step), None)


def check_rotation(policy: Policy, debtor: Debtor) -> list[Violation]:
    """Rotating steps never dialled a number they should have passed over (see the module)."""
    out: list[Violation] = []
    contacts = debtor_contacts(debtor)
    for i, (debt, ev) in enumerate(contacts):
        step = _step(policy, ev.stage, ev.step)
        if step is None or not step.rotate or ev.contact_point is None:
            continue
        points = [cp.address for cp in debtor.own(debt).points_on(ev.channel)]
        before = [c for _, c in contacts[:i] if c.at.astimezone(UTC) <= ev.at.astimezone(UTC)]
        invalid: set[str] = set()
        for c in before:
            if c.contact_point is None:
                continue
            if c.outcome.value == "invalid_number":
                invalid.add(c.contact_point)
            elif c.outcome.value in _REACHED:
                invalid.discard(c.contact_point)
        valid = [p for p in points if p not in invalid]
        if "invalid" in step.rotate and ev.contact_point in invalid and valid:
            out.append(
                Violation(
                    "rotation",
                    f"step {step.key} on debt {debt} dialled a number found invalid at "
                    f"{ev.at.isoformat()} while another was left",
                    ev.at,
                    step.key,
                )
            )
        if "unanswered" in step.rotate:
            streaks = {p: _streak(before, p) for p in valid}
            quiet = {p for p, n in streaks.items() if n >= step.rotate_after}
            if ev.contact_point in quiet and len(quiet) < len(streaks):
                out.append(
                    Violation(
                        "rotation",
                        f"step {step.key} on debt {debt} dialled a number whose last "
                        f"{step.rotate_after} attempts went unanswered at {ev.at.isoformat()} "
                        "while another number had not",
                        ev.at,
                        step.key,
                    )
                )
    return out


def _streak(before: Iterable[ContactAttempted], address: str) -> int:
    n = 0
    for c in reversed([c for c in before if c.contact_point == address]):
        if c.initiated_by != "creditor":
            continue
        if c.outcome.value not in _UNANSWERED:
            break
        n += 1
    return n


def check_debtor(policy: Policy, debtor: Debtor) -> list[Violation]:
    """Every debtor invariant, and every single-account invariant on each debt's view."""
    out = check_shared_budgets(policy, debtor) + check_rotation(policy, debtor)
    for debt in debtor.debt_ids:
        out.extend(check_all(policy, debtor.debt(debt)))
    return out
