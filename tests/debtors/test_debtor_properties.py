"""Property: whatever the debtor and the shared caps, the projected contacts keep every
budget (per person, per number, per debt, per class) and every rotation rule, and deciding
a debtor is deterministic.  The checks re-derive the counting apart from the engine."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings

from overdue.debtor import Debtor
from overdue.engine.debtors import decide_debtor, project_debtor
from overdue.policy import Policy
from overdue.testing.debtor_strategies import DEBTOR_START, debtors, shared_budget_policies
from overdue.testing.debtors import check_debtor, check_shared_budgets

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(debtor=debtors(), policy=shared_budget_policies())
def test_projected_contacts_keep_every_shared_budget_and_rotation(
    debtor: Debtor, policy: Policy
) -> None:
    after = project_debtor(policy, debtor, DEBTOR_START, DEBTOR_START + timedelta(days=8))
    assert sum(len(d.events) for d in after.debts) >= sum(len(d.events) for d in debtor.debts)
    # the drawn history may already break a rule (a host's own calls before the start): only
    # what happens from the start on is the engine's
    found = [str(v) for v in check_debtor(policy, after) if v.at is None or v.at >= DEBTOR_START]
    assert found == []


@SETTINGS
@given(debtor=debtors(), policy=shared_budget_policies())
def test_deciding_a_debtor_twice_gives_the_same_answer(debtor: Debtor, policy: Policy) -> None:
    assert decide_debtor(policy, debtor, DEBTOR_START) == decide_debtor(
        policy, debtor, DEBTOR_START
    )


def test_the_budget_check_finds_a_third_call_in_a_day_across_two_debts() -> None:
    """The invariant is not vacuous: three calls in a day to the person, spread over two
    debts, break a two-a-day cap although no debt alone has more than two."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from overdue import Account, ContactPoint, Invoice, Money, Stage, Step
    from overdue.events import ContactAttempted
    from overdue.rules import FrequencyCap

    ny = ZoneInfo("America/New_York")

    def call(hour: int) -> ContactAttempted:
        return ContactAttempted(
            at=datetime(2026, 3, 2, hour, tzinfo=ny),
            channel="phone",
            outcome="no_answer",
            contact_point="+12125550100",
        )

    inv = [Invoice("I", Money("10.00", "USD"), date(2026, 2, 1))]
    debtor = Debtor(
        "P",
        [
            Account("A", invoices=inv, events=[call(9), call(11)]),
            Account("B", invoices=inv, events=[call(10)]),
        ],
        contacts=[ContactPoint("phone", "+12125550100")],
        timezone="America/New_York",
    )
    cap = FrequencyCap("two", max_contacts=2, per="1d", window="rolling_days")
    policy = Policy("p", stages=(Stage("s", steps=(Step("phone", template="t"),)),), rules=(cap,))
    (v,) = check_shared_budgets(policy, debtor)
    assert "contact 3 for the debtor" in v.message
    per_debt = FrequencyCap("two", max_contacts=2, per="1d", window="rolling_days", scope="debt")
    assert check_shared_budgets(Policy("p", stages=policy.stages, rules=(per_debt,)), debtor) == []
