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


def test_summary_numbers_are_numbers_and_the_curve_is_floats() -> None:
    result = simulate(REFERENCE_POLICY, generate_portfolio(20, seed=8), START, 40, seed=2)
    s = result.summary()
    assert isinstance(s["resolved_share"], float)
    assert isinstance(s["recovery_rate"], float)
    assert isinstance(s["contacts"], int)
    assert isinstance(s["cost"], Decimal)
    assert all(isinstance(share, float) for _, share in result.recovery_curve())
    assert result.recovery_curve()[-1][1] == result.resolved_share


def test_stage_reach_lists_rungs_in_ladder_order() -> None:
    silent = Behaviour(pay=0, partial=0, promise=0, dispute=0, answer=0)
    result = simulate(REFERENCE_POLICY, generate_portfolio(4, seed=1), START, 90, behaviour=silent)
    ladder = [s.id for s in REFERENCE_POLICY.enabled_stages]
    reached = list(result.stage_reach())
    assert reached == [s for s in ladder if s in reached]
    assert reached[:4] == ["reminder", "courtesy_call", "formal_notice", "lawyer_letter"]
    full = result.stage_reach(include_unreached=True)
    assert list(full) == ladder
    assert full["enforcement"] == 0


def test_a_contact_draws_the_same_luck_under_any_policy() -> None:
    # Common random numbers: removing the third reminder SMS changes nothing for an account
    # that paid before it.
    import attrs

    def two_sms(stage):  # type: ignore[no-untyped-def]
        if stage.id != "reminder":
            return stage
        sms, *rest = stage.steps
        return attrs.evolve(stage, steps=(attrs.evolve(sms, max_attempts=2), *rest))

    challenger = attrs.evolve(
        REFERENCE_POLICY, id="two-sms", stages=tuple(two_sms(s) for s in REFERENCE_POLICY.stages)
    )
    c = compare(REFERENCE_POLICY, challenger, generate_portfolio(60, seed=3), START, 90, seed=5)
    early = [
        (a, b)
        for a, b in zip(c.champion.accounts, c.challenger.accounts, strict=True)
        if a.resolved_on_day is not None and a.contacts.get("sms", 0) <= 1
    ]
    assert early
    for a, b in early:
        assert (a.resolved_on_day, a.collected) == (b.resolved_on_day, b.collected)


def test_a_recorded_run_keeps_each_accounts_history() -> None:
    result = simulate(REFERENCE_POLICY, generate_portfolio(5, seed=2), START, 30, record=True)
    logs = result.recorded_accounts()
    assert len(logs) == 5
    for acc, res in zip(logs, result.accounts, strict=True):
        contacts = [e for e in acc.events if e.kind == "contact"]
        assert len(contacts) == res.contact_count == len(res.contact_log)


def test_the_comparison_table_says_when_a_difference_is_within_noise() -> None:
    accounts = generate_portfolio(30, seed=9)
    same = compare(REFERENCE_POLICY, REFERENCE_POLICY, accounts, START, 45, seed=1)
    text = same.table(n_boot=50)
    assert text.count("within noise") == 5
    assert "a real difference" not in text
