"""decide_many/decide_batch: any exception from one account is that account's failure."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

import overdue.batch
from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money
from overdue.batch import BatchFailure, decide_batch, decide_many
from overdue.errors import BatchError, OverdueError

NOW = datetime(2026, 3, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def _account(i: int) -> Account:
    return Account(
        f"A-{i}",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+8613912345678")],
        invoices=[Invoice("INV", Money("100.00", "CNY"), date(2026, 2, 1))],
    )


def test_a_non_library_exception_is_reported_masked_and_the_rest_decided(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = overdue.batch.decide_honouring_versions

    def flaky(policy, account, now, **versions):  # type: ignore[no-untyped-def]
        if account.id == "A-1":
            raise OverflowError("date value out of range for +86.139.1234.5678")
        return real(policy, account, now, **versions)

    monkeypatch.setattr(overdue.batch, "decide_honouring_versions", flaky)
    report = decide_batch(REFERENCE_POLICY, [_account(i) for i in range(3)], NOW)
    assert report.read == 3
    assert report.summary() == "3 read, 2 decided, 1 failed"
    (failure,) = report.failures
    assert failure.internal
    assert failure.error_type == "OverflowError"
    assert failure.account_id == "A-1"
    assert "1234.5678" not in failure.message


def test_something_that_is_not_an_account_is_a_failure_not_a_crash() -> None:
    items = list(decide_many(REFERENCE_POLICY, [_account(0), "junk", _account(2)], NOW))  # type: ignore[list-item]
    assert isinstance(items[1], BatchFailure)
    assert items[1].index == 1
    assert not isinstance(items[0], BatchFailure)
    assert not isinstance(items[2], BatchFailure)


@pytest.mark.parametrize(("workers", "chunk_size"), [(0, 1), (1, 0), (1.5, 1), (True, 1), (1, "2")])
def test_bad_workers_or_chunk_size_are_a_library_error(workers: object, chunk_size: object) -> None:
    with pytest.raises(BatchError) as info:
        list(decide_many(REFERENCE_POLICY, [], NOW, workers=workers, chunk_size=chunk_size))  # type: ignore[arg-type]
    assert isinstance(info.value, OverdueError)
    assert isinstance(info.value, ValueError)


def test_a_chunk_that_cannot_reach_a_worker_is_decided_here() -> None:
    accounts = [_account(0), lambda: None, _account(2), _account(3)]  # a lambda cannot be pickled
    items = list(decide_many(REFERENCE_POLICY, accounts, NOW, workers=2, chunk_size=2))  # type: ignore[arg-type]
    assert [isinstance(i, BatchFailure) for i in items] == [False, True, False, False]
    assert isinstance(items[1], BatchFailure)
    assert items[1].index == 1
