"""The simulator: deterministic, reports bad accounts, and compares policies on the same luck."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from overdue import REFERENCE_POLICY, Account, Invoice, Money
from overdue.errors import OverdueError
from overdue.events import PaymentReceived
from overdue.simulate import Behaviour, compare, generate_portfolio, simulate

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 2, 1, 9, 0, tzinfo=SH)


def test_the_same_seed_gives_the_same_result() -> None:
    accounts = generate_portfolio(30, seed=3)
    a = simulate(REFERENCE_POLICY, accounts, START, 60, seed=11)
    b = simulate(REFERENCE_POLICY, accounts, START, 60, seed=11)
    assert a == b


def test_nobody_ever_responding_collects_nothing_and_climbs_to_the_lawyer() -> None:
    silent = Behaviour(pay=0, partial=0, promise=0, dispute=0, answer=0)
    result = simulate(REFERENCE_POLICY, generate_portfolio(5, seed=1), START, 90, behaviour=silent)
    assert result.recovery_rate == 0
    assert result.resolved_share == 0
    assert result.stage_reach()["lawyer_letter"] == 5
    assert result.contacts_by_channel()["letter"] == 5


def test_everybody_paying_at_the_first_contact_resolves_on_the_first_rung() -> None:
    eager = Behaviour(pay=1, partial=0, promise=0, dispute=0, pay_lag_days=0)
    result = simulate(REFERENCE_POLICY, generate_portfolio(8, seed=2), START, 60, behaviour=eager)
    assert result.resolved_share == 1
    assert result.recovery_rate == 1
    assert set(result.stage_reach()) == {"reminder"}


def test_costs_add_up_per_channel() -> None:
    silent = Behaviour(pay=0, partial=0, promise=0, dispute=0, answer=0)
    result = simulate(
        REFERENCE_POLICY,
        generate_portfolio(3, seed=5),
        START,
        60,
        behaviour=silent,
        costs={"sms": "0.10"},
    )
    assert result.total_cost == Decimal("0.10") * result.contacts_by_channel()["sms"]


def test_an_account_with_a_refused_history_is_reported_and_the_others_still_run() -> None:
    good = generate_portfolio(2, seed=4)
    bad = Account(
        "BAD-1",
        timezone="Asia/Shanghai",
        invoices=[Invoice("I", Money("10.00", "CNY"), date(2026, 1, 5))],
        events=[PaymentReceived(at=datetime(2026, 1, 20, tzinfo=SH), amount=Money("5.00", "EUR"))],
    )
    result = simulate(REFERENCE_POLICY, [good[0], bad, good[1]], START, 30)
    assert [a.account_id for a in result.failed] == ["BAD-1"]
    assert "EUR" in (result.failed[0].error or "")
    assert len(result.accounts) == 3


def test_compare_runs_both_policies_on_the_same_accounts() -> None:
    accounts = generate_portfolio(10, seed=9)
    c = compare(REFERENCE_POLICY, REFERENCE_POLICY, accounts, START, 45, seed=1)
    assert c.champion == c.challenger
    assert "recovery_rate" in c.table()


def test_the_recovery_curve_never_goes_down() -> None:
    result = simulate(REFERENCE_POLICY, generate_portfolio(40, seed=8), START, 90, seed=2)
    shares = [s for _, s in result.recovery_curve()]
    assert shares == sorted(shares)
    assert len(shares) == 91


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(OverdueError):
        Behaviour(pay=0.9, promise=0.5)
    with pytest.raises(OverdueError):
        simulate(REFERENCE_POLICY, [], datetime(2026, 1, 1), 10)
    with pytest.raises(OverdueError):
        simulate(REFERENCE_POLICY, [], START, 0)
