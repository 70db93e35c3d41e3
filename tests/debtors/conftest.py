"""Shared facts for the debtor scenarios: a debtor in New York with loans and two numbers.

Tests get them through the ``f`` fixture (``--import-mode=importlib`` does not let a test
module import its conftest).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step
from overdue.events import ContactAttempted, Event, StageEntered
from overdue.rules import ContactHours, Rule


class Facts:
    NY = ZoneInfo("America/New_York")
    MOBILE = "+12125550100"
    HOME = "+12125550111"
    ENTERED = datetime(2026, 3, 1, 9, tzinfo=ZoneInfo("America/New_York"))

    @staticmethod
    def calls_policy(*rules: Rule, rotate: tuple[str, ...] = (), rotate_after: int = 3) -> Policy:
        """One rung of daily calls (up to 20), contact hours 08:00-21:00, and ``rules``."""
        step = Step(
            "phone",
            template="call",
            max_attempts=20,
            repeat_every="1d",
            rotate=rotate,
            rotate_after=rotate_after,
        )
        return Policy(
            "calls",
            stages=(Stage("calls", steps=(step,)),),
            rules=(ContactHours("hours"), *rules),
        )

    @staticmethod
    def loan(debt_id: str, due: date, *events: Event, amount: str = "500.00") -> Account:
        """One debt: an invoice due on ``due``, on the calls rung since 1 March 09:00."""
        return Account(
            debt_id,
            invoices=[Invoice(f"{debt_id}-I", Money(amount, "USD"), due)],
            events=[StageEntered(at=Facts.ENTERED, stage="calls"), *events],
        )

    @staticmethod
    def call(
        at: datetime, number: str = "+12125550100", outcome: str = "no_answer", **kw: object
    ) -> ContactAttempted:
        return ContactAttempted(
            at=at,
            channel="phone",
            outcome=outcome,
            contact_point=number,
            **kw,  # type: ignore[arg-type]
        )

    @staticmethod
    def two_numbers() -> tuple[ContactPoint, ...]:
        return (
            ContactPoint("phone", Facts.MOBILE, kind="mobile"),
            ContactPoint("phone", Facts.HOME, kind="home"),
        )

    @staticmethod
    def at(day: int, hour: int = 10, month: int = 3) -> datetime:
        return datetime(2026, month, day, hour, tzinfo=Facts.NY)


@pytest.fixture
def f() -> type[Facts]:
    return Facts
