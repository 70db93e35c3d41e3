"""A nightly batch: every account decided or reported, in input order, in one process or many."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, decide_many
from overdue.batch import BatchFailure, decide_batch
from overdue.errors import NaiveDatetimeError
from overdue.events import DisputeResolved, StageEntered

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=SH)


def _good(i: int) -> Account:
    return Account(
        f"A-{i}",
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", "+86 138 0000 0000"), ContactPoint("phone", "+86 1")),
        invoices=(Invoice("INV", Money("300.00", "CNY"), date(2026, 2, 1 + i % 20)),),
    )


def _bad(i: int) -> Account:
    """A history that resolves a dispute nobody opened: the fold refuses event #1."""
    return Account(
        f"BAD-{i}",
        invoices=(Invoice("INV", Money("300.00", "CNY"), date(2026, 2, 1)),),
        events=(
            StageEntered(at=datetime(2026, 2, 2, tzinfo=SH), stage="reminder"),
            DisputeResolved(at=datetime(2026, 2, 3, tzinfo=SH), dispute_id="D-9"),
        ),
    )


def _portfolio() -> list[Account]:
    return [_bad(i) if i % 7 == 3 else _good(i) for i in range(40)]


def test_one_bad_account_is_reported_and_the_others_are_decided() -> None:
    report = decide_batch(REFERENCE_POLICY, _portfolio(), NOW)
    assert len(report.decisions) == 34
    assert [f.account_id for f in report.failures] == [f"BAD-{i}" for i in (3, 10, 17, 24, 31, 38)]
    first = report.failures[0]
    assert first.index == 3
    assert first.error_type == "EventError"
    assert first.event_index == 1
    assert "D-9" in first.message or "dispute" in first.message
    assert not first.internal
    assert "account BAD-3 (input #3), event #1" in str(first)
    assert not report.ok
    assert report.summary() == "40 read, 34 decided, 6 failed"


def test_results_come_back_in_input_order_and_equal_single_decisions() -> None:
    accounts = _portfolio()
    items = list(decide_many(REFERENCE_POLICY, accounts, NOW))
    assert len(items) == len(accounts)
    for account, item in zip(accounts, items, strict=True):
        if isinstance(item, BatchFailure):
            assert item.account_id == account.id
        else:
            assert item == decide(REFERENCE_POLICY, account, NOW)


def test_several_processes_give_the_same_results_in_the_same_order() -> None:
    accounts = _portfolio()
    alone = list(decide_many(REFERENCE_POLICY, accounts, NOW))
    spread = list(decide_many(REFERENCE_POLICY, accounts, NOW, workers=2, chunk_size=6))
    assert spread == alone


def test_any_iterable_is_spread_too_and_gives_the_same_results() -> None:
    # A list in memory goes to forked workers as index ranges; a generator (read lazily, never
    # all in memory) as pickled chunks.  Both give what one process gives, in order.
    accounts = _portfolio()
    alone = list(decide_many(REFERENCE_POLICY, accounts, NOW))
    lazily = list(decide_many(REFERENCE_POLICY, iter(accounts), NOW, workers=2, chunk_size=7))
    assert lazily == alone


def test_a_batch_started_while_another_is_being_read_gives_the_same_results() -> None:
    accounts = _portfolio()
    alone = list(decide_many(REFERENCE_POLICY, accounts, NOW))
    outer = decide_many(REFERENCE_POLICY, accounts, NOW, workers=2, chunk_size=5)
    first = next(outer)
    inner = list(decide_many(REFERENCE_POLICY, accounts, NOW, workers=2, chunk_size=9))
    assert [first, *outer] == alone
    assert inner == alone


def test_a_defect_in_a_host_rule_is_reported_as_internal_not_raised() -> None:
    # An account whose fold blows up with a non-overdue error stands for any defect.
    acct = _good(1)
    object.__setattr__(acct, "invoices", None)
    report = decide_batch(REFERENCE_POLICY, [_good(0), acct, _good(2)], NOW)
    assert len(report.decisions) == 2
    (failure,) = report.failures
    assert failure.internal
    assert failure.index == 1
    assert "internal error" in str(failure)


def test_a_naive_moment_concerns_the_whole_batch_and_is_refused_up_front() -> None:
    with pytest.raises(NaiveDatetimeError):
        list(decide_many(REFERENCE_POLICY, [_good(0)], datetime(2026, 3, 2, 10)))


def test_workers_and_chunk_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(decide_many(REFERENCE_POLICY, [], NOW, workers=0))


def test_an_empty_portfolio_gives_an_empty_report() -> None:
    report = decide_batch(REFERENCE_POLICY, [], NOW, workers=2)
    assert report.decisions == ()
    assert report.failures == ()
    assert report.ok
