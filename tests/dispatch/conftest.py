"""Fixtures for the dispatch tests: actions built by hand, so each test states what it needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from overdue.account import ContactPoint
from overdue.decision import Action, MessageFacts
from overdue.money import Money

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 12, 10, 0, tzinfo=SHANGHAI)
PHONE = "+8613812345678"

MakeAction = Callable[..., Action]


def build_action(
    n: int = 1,
    *,
    channel: str = "sms",
    template: str = "reminder.sms",
    address: str | None = PHONE,
    is_debtor: bool = True,
    not_before: datetime = NOW,
    **changes: Any,
) -> Action:
    """An action for account ``A-<n>``; keyword arguments override any field."""
    contact = (
        ContactPoint(channel, address, is_debtor=is_debtor) if address is not None else None
    )
    fields: dict[str, Any] = {
        "account_id": f"A-{n}",
        "stage": "reminder",
        "step": template,
        "channel": channel,
        "template": template,
        "attempt": 1,
        "max_attempts": 3,
        "not_before": not_before,
        "idempotency_key": f"A-{n}:reminder#1:{template}:1",
        "facts": MessageFacts(
            amount=Money("1200.50", "CNY"),
            days_overdue=16,
            deadline=NOW + timedelta(days=14),
            legal_terms="Terms of Service §8",
        ),
        "contact": contact,
    }
    fields.update(changes)
    return Action(**fields)


@pytest.fixture
def make_action() -> MakeAction:
    return build_action
