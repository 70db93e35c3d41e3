"""Hypothesis strategies for debtors with several debts and several contact points.

``debtors()`` draws a debtor with 1 to ``max_debts`` debts (each an invoice, some already on
a rung, some with earlier calls, some calls about several debts) and 1 to ``max_points``
phone numbers of drawn classes; ``shared_budget_policies()`` draws a ladder of calls whose
step may rotate, with caps per debtor, per number, per debt and per class.  Together with
:func:`~overdue.engine.debtors.project_debtor` and
:func:`~overdue.testing.debtors.check_debtor` they make a property test::

    @given(debtor=debtors(), policy=shared_budget_policies())
    def test_the_shared_budgets_hold(debtor, policy):
        after = project_debtor(policy, debtor, START, START + timedelta(days=10))
        assert check_debtor(policy, after) == []

Needs hypothesis (``pip install "overdue-policy[testing]"``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from overdue.account import POINT_KINDS, Account, ContactPoint, Invoice
from overdue.debtor import Debtor
from overdue.events import ContactAttempted, Event, StageEntered
from overdue.money import Money
from overdue.policy import ROTATE_ON, Policy, Stage, Step
from overdue.rules import ContactHours, FrequencyCap, Rule

__all__ = ["DEBTOR_START", "contact_point_lists", "debtors", "shared_budget_policies"]

DEBTOR_START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("America/New_York"))
"""The moment the drawn histories lead up to (a Monday, 09:00 in New York)."""

_NUMBERS = tuple(f"+1212555{n:04d}" for n in range(100, 106))


@st.composite
def contact_point_lists(draw: st.DrawFn, max_points: int = 3) -> tuple[ContactPoint, ...]:
    """1 to ``max_points`` distinct phone numbers in order, each of a drawn class (or none)."""
    n = draw(st.integers(1, max_points))
    kinds = st.none() | st.sampled_from(POINT_KINDS)
    return tuple(ContactPoint("phone", _NUMBERS[i], kind=draw(kinds)) for i in range(n))


@st.composite
def debtors(
    draw: st.DrawFn, *, max_debts: int = 3, max_points: int = 3, start: datetime = DEBTOR_START
) -> Debtor:
    """A debtor in New York with 1 to ``max_debts`` debts and their shared phone numbers.

    Each debt has one invoice due 10 to 90 days before ``start``; some entered the ``calls``
    rung a few days before; some carry earlier calls (to drawn numbers, with drawn outcomes,
    some about several debts at once).
    """
    points = draw(contact_point_lists(max_points))
    n = draw(st.integers(1, max_debts))
    ids = [f"D{i + 1}" for i in range(n)]
    debts: list[Account] = []
    for debt_id in ids:
        due = start.date() - timedelta(days=draw(st.integers(10, 90)))
        events: list[Event] = []
        if draw(st.booleans()):
            entered = start - timedelta(days=draw(st.integers(1, 5)))
            events.append(StageEntered(at=entered, stage="calls"))
            for _ in range(draw(st.integers(0, 3))):
                at = entered + timedelta(hours=draw(st.integers(1, 100)))
                if at >= start:
                    continue
                about = draw(st.sets(st.sampled_from(ids), max_size=2))
                events.append(
                    ContactAttempted(
                        at=at,
                        channel="phone",
                        outcome=draw(
                            st.sampled_from(("no_answer", "conversation", "invalid_number"))
                        ),
                        contact_point=draw(st.sampled_from([p.address for p in points])),
                        debt_ids=tuple(sorted(about | {debt_id})) if len(about) > 1 else (),
                    )
                )
            events.sort(key=lambda e: e.at)
        amount = Money(f"{draw(st.integers(50, 5000))}.00", "USD")
        debts.append(
            Account(debt_id, invoices=[Invoice(f"{debt_id}-I", amount, due)], events=events)
        )
    return Debtor("P-1", debts, contacts=points, timezone="America/New_York")


@st.composite
def shared_budget_policies(draw: st.DrawFn) -> Policy:
    """A ladder of daily calls whose step may rotate, with drawn shared caps.

    Always contact hours 08:00-21:00; then some of: calls per person per local day, calls per
    number per local day, calls per debt per 7 local days, and calls to work and other numbers
    per 7 local days.
    """
    rotate = tuple(draw(st.sets(st.sampled_from(ROTATE_ON))))
    step = Step(
        "phone",
        template="call",
        repeat_every="1d",
        max_attempts=draw(st.integers(1, 5)),
        rotate=tuple(sorted(rotate)),
        rotate_after=draw(st.integers(1, 3)),
    )
    rules: list[Rule] = [ContactHours("hours")]
    if draw(st.booleans()):
        rules.append(
            FrequencyCap(
                "person", max_contacts=draw(st.integers(1, 3)), per="1d", window="rolling_days"
            )
        )
    if draw(st.booleans()):
        rules.append(
            FrequencyCap(
                "number", max_contacts=1, per="1d", window="rolling_days", scope="contact_point"
            )
        )
    if draw(st.booleans()):
        rules.append(
            FrequencyCap(
                "debt",
                max_contacts=draw(st.integers(2, 4)),
                per="7d",
                window="rolling_days",
                scope="debt",
            )
        )
    if draw(st.booleans()):
        rules.append(
            FrequencyCap(
                "work-other",
                max_contacts=draw(st.integers(1, 2)),
                per="7d",
                window="rolling_days",
                point_kinds=("work", "other"),
            )
        )
    return Policy("shared", stages=(Stage("calls", steps=(step,)),), rules=tuple(rules))
