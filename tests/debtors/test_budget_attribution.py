"""Property: naming who used the shared budget by leaving out groups of debts (and splitting
only the groups whose absence releases a step) names exactly the debts the plain
leave-each-other-debt-out-in-turn rule names, so every decision, ``held_back_by``,
``holds_back`` and reason stays what it was.

The plain rule is kept here as the reference (:func:`_leave_one_out`, the attribution as it
was before the search); the tests decide the same debtor with both and compare everything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue.debtor import Debtor
from overdue.decision import Decision
from overdue.engine import debtors as engine_debtors
from overdue.engine.debtors import DebtorDecision, decide_debtor, project_debtor
from overdue.engine.decider import decide
from overdue.events import ContactAttempted
from overdue.policy import Policy
from overdue.rules.frequency import FrequencyCap, MinimumGap
from overdue.testing.debtor_strategies import DEBTOR_START, debtors, shared_budget_policies

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _leave_one_out(
    policy: Policy,
    debtor: Debtor,
    ranked: Sequence[str],
    debt_id: str,
    now: datetime,
    shared: Decision,
    planned: dict[str, tuple[ContactAttempted, ...]],
) -> tuple[str, ...]:
    """The attribution before the search: each other debt is left out in turn; one whose
    absence releases a held step is named; when none does, every other debt with a contact
    or a plan is."""
    held_of = engine_debtors._held
    budgets = {r.id for r in policy.rules if isinstance(r, (FrequencyCap, MinimumGap))}
    said = [r.rule_id for a in shared.actions for r in a.reasons]
    said += [r.rule_id for b in shared.blocked for r in b.reasons]
    if not budgets.intersection(said):
        return ()
    others = [d for d in ranked if d != debt_id]
    involved = [
        o
        for o in others
        if o in planned or any(isinstance(e, ContactAttempted) for e in debtor.own(o).events)
    ]
    if not involved:
        return ()
    alone = decide(policy, debtor.own(debt_id), now, debt_id=debt_id)
    held = held_of(alone, shared)
    if not held:
        return ()
    named = []
    for o in involved:
        rest = [x for x in others if x != o]
        earlier = tuple(c for k, plans in planned.items() if k != o for c in plans)
        view = debtor.debt(debt_id, sharing=rest)
        without = decide(policy, view, now, elsewhere=earlier, debt_id=debt_id)
        if len(held_of(alone, without)) < len(held):
            named.append(o)
    return tuple(named) if named else tuple(involved)


@contextmanager
def _reference() -> Iterator[None]:
    with mock.patch.object(engine_debtors, "_held_back_by", _leave_one_out):
        yield


def _both(policy: Policy, debtor: Debtor, now: datetime, order: str) -> tuple[DebtorDecision, ...]:
    fast = decide_debtor(policy, debtor, now, order=order)  # type: ignore[arg-type]
    with _reference():
        slow = decide_debtor(policy, debtor, now, order=order)  # type: ignore[arg-type]
    return fast, slow


@SETTINGS
@given(
    debtor=debtors(max_debts=5),
    policy=shared_budget_policies(),
    hours=st.integers(0, 60),
    order=st.sampled_from(engine_debtors.ORDERS),
)
def test_the_search_names_who_leave_one_out_names(
    debtor: Debtor, policy: Policy, hours: int, order: str
) -> None:
    fast, slow = _both(policy, debtor, DEBTOR_START + timedelta(hours=hours), order)
    assert fast == slow


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(debtor=debtors(max_debts=4), policy=shared_budget_policies(), days=st.integers(1, 4))
def test_the_search_names_who_leave_one_out_names_after_days_of_contacts(
    debtor: Debtor, policy: Policy, days: int
) -> None:
    """Later in a projection the histories hold the engine's own calls (full windows)."""
    until = DEBTOR_START + timedelta(days=days)
    with _reference():
        after = project_debtor(policy, debtor, DEBTOR_START, until)
    fast, slow = _both(policy, after, until, "oldest_first")
    assert fast == slow


def test_the_search_agrees_on_many_debts_under_a_one_a_day_cap() -> None:
    """Eight debts, one call a day for the person: each later debt waits days, and the
    attribution is not vacuous (some debts are held back, some hold back)."""
    from datetime import date

    from overdue import Account, ContactPoint, Invoice, Money, Stage, Step
    from overdue.rules import ContactHours

    debts = [
        Account(f"D{k}", invoices=[Invoice(f"I{k}", Money("10.00", "USD"), date(2026, 1, 1 + k))])
        for k in range(8)
    ]
    debtor = Debtor(
        "P",
        debts,
        contacts=[ContactPoint("phone", "+12125550100")],
        timezone="America/New_York",
    )
    policy = Policy(
        "p",
        stages=(Stage("s", steps=(Step("phone", template="t", repeat_every="1d"),)),),
        rules=(
            ContactHours("hours"),
            FrequencyCap("one", max_contacts=1, per="1d", window="rolling_days"),
        ),
    )
    fast, slow = _both(policy, debtor, DEBTOR_START, "oldest_first")
    assert fast == slow
    assert any(d.held_back_by for d in fast.debts)
    assert any(d.holds_back for d in fast.debts)
