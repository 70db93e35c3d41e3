"""Stage entry conditions: whether they hold and from when."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, Invoice, Money, fold
from overdue.calendars import MON_FRI
from overdue.conditions import (
    All,
    AnyOf,
    BalanceAtLeast,
    DaysOverdueAtLeast,
    Not,
    balance_at_least,
    days_overdue_at_least,
)
from overdue.errors import PolicyError
from overdue.situation import Situation, days_overdue

SH = ZoneInfo("Asia/Shanghai")


def situation(now: datetime, amount: str = "150.00") -> Situation:
    a = Account(
        "C-1",
        timezone="Asia/Shanghai",
        invoices=(Invoice("I", Money(amount, "CNY"), date(2026, 1, 10)),),
    )
    snap = fold(a, now)
    local = now.astimezone(SH).date()
    return Situation(
        a, snap, now, SH, "account", MON_FRI, local, days_overdue(snap, local), snap.balance
    )


NOW = datetime(2026, 1, 20, 12, tzinfo=SH)  # 10 days overdue


def test_days_overdue_holds_from_local_midnight_of_the_day_it_becomes_true() -> None:
    s = situation(NOW)
    assert DaysOverdueAtLeast(10).holds(s)
    assert not DaysOverdueAtLeast(11).holds(s)
    assert DaysOverdueAtLeast(11).holds_from(s) == datetime(2026, 1, 21, tzinfo=SH)


def test_balance_at_least_compares_in_the_same_currency_only() -> None:
    s = situation(NOW)
    assert balance_at_least("100.00 CNY").holds(s)
    assert not balance_at_least("200.00 CNY").holds(s)
    assert not BalanceAtLeast(Money("1.00", "USD")).holds(s)
    assert balance_at_least("200.00 CNY").holds_from(s) is None


def test_conditions_compose_with_and_or_not() -> None:
    s = situation(NOW)
    both = days_overdue_at_least(30) & balance_at_least("100.00 CNY")
    assert isinstance(both, All)
    assert not both.holds(s)
    assert both.holds_from(s) == datetime(2026, 2, 9, tzinfo=SH)
    either = days_overdue_at_least(30) | balance_at_least("100.00 CNY")
    assert isinstance(either, AnyOf)
    assert either.holds(s)
    neg = ~days_overdue_at_least(30)
    assert isinstance(neg, Not)
    assert neg.holds(s)
    assert "30+ days overdue and balance >= 100.00 CNY" in both.describe()


def test_conditions_refuse_bad_values() -> None:
    with pytest.raises(PolicyError):
        DaysOverdueAtLeast(-1)
    with pytest.raises(PolicyError):
        BalanceAtLeast("100")  # type: ignore[arg-type]
    with pytest.raises(PolicyError):
        Not("x")  # type: ignore[arg-type]
