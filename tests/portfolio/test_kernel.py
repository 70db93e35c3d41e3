"""The kernel gives, row for row, what ``decide`` gives; failures become rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import Account, Policy, decide
from overdue.errors import NaiveDatetimeError
from overdue.portfolio.arrow import ACCOUNTS_SCHEMA, accounts_to_table, decision_rows
from overdue.portfolio.kernel import decide_table, summary
from overdue.testing import strategies

PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
VARY = ("input_events", "input_invoices")  # the kernel records these; decide() cannot
# ``source`` says how a row was decided: by the engine, or settled by the pre-pass.
HOW = ("source",)


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[Policy, list[Account]]:
    policy = draw(strategies.policies())
    accounts = draw(st.lists(strategies.accounts(policy=policy), min_size=1, max_size=5))
    return policy, accounts


@PROPS
@given(portfolios(), st.datetimes(datetime(2026, 1, 1), datetime(2026, 6, 1), timezones=st.just(UTC)))  # noqa: E501
def test_kernel_rows_are_decide_rows(case: tuple[Policy, list[Account]], now: datetime) -> None:
    policy, accounts = case
    table = decide_table(policy, accounts_to_table(accounts), now)
    expected = decision_rows(decide(policy, a, now) for a in accounts)
    assert table.drop_columns([*VARY, *HOW]).to_pylist() == expected.drop_columns(
        [*VARY, *HOW]
    ).to_pylist()
    assert set(table["source"].to_pylist()) <= {"engine", "prepass"}


def test_counts_reconcile_with_failures(rich_account: Account) -> None:
    from overdue import REFERENCE_POLICY

    rows = accounts_to_table([rich_account, Account("A-2"), rich_account]).to_pylist()
    rows[0]["events"][8]["amount"] = "-1.00"
    rows[2]["invoices"][0]["currency"] = "EUR"  # mixes currencies: the fold refuses it
    table = pa.Table.from_pylist(rows, schema=ACCOUNTS_SCHEMA)
    out = decide_table(REFERENCE_POLICY, table, NOW)
    assert out.num_rows == 3
    assert out["account_id"].to_pylist() == ["A-RICH", "A-2", "A-RICH"]
    assert out["status"].to_pylist()[1] != "error"
    assert summary(out) == {
        "accounts": 3, "decided": 1, "carried": 0, "failed": 2, "settled": 1
    }
    first = out.slice(0, 1).to_pylist()[0]
    assert first["error_event_index"] == 8
    assert "A-RICH" in first["error_message"]


def test_an_empty_table_and_a_naive_now() -> None:
    from overdue import REFERENCE_POLICY

    out = decide_table(REFERENCE_POLICY, ACCOUNTS_SCHEMA.empty_table(), NOW)
    assert out.num_rows == 0
    with pytest.raises(NaiveDatetimeError):
        decide_table(REFERENCE_POLICY, ACCOUNTS_SCHEMA.empty_table(), datetime(2026, 1, 1))
