"""Typed tables: money as numbers plus currency, aware datetimes, rungs in ladder order."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest

from overdue import REFERENCE_POLICY, Account, Invoice, Money, timeline
from overdue.batch import decide_batch
from overdue.events import PaymentReceived
from overdue.notebook.frames import STATUS_ORDER, to_arrow, to_frame
from overdue.simulate import compare, generate_portfolio, simulate

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 2, 1, 9, 0, tzinfo=SH)
LADDER = [s.id for s in REFERENCE_POLICY.stages]


def _bad() -> Account:
    return Account(
        "BAD-1",
        timezone="Asia/Shanghai",
        invoices=[Invoice("I", Money("10.00", "CNY"), date(2026, 1, 5))],
        events=[PaymentReceived(at=datetime(2026, 1, 20, tzinfo=SH), amount=Money("5.00", "EUR"))],
    )


def test_importing_overdue_imports_no_pandas_nor_matplotlib() -> None:
    code = (
        "import sys, overdue, overdue.notebook, overdue.simulate;"
        "print(sorted(m for m in ('pandas', 'matplotlib', 'pyarrow', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_batch_report_becomes_a_typed_frame_with_its_failures() -> None:
    accounts = [*generate_portfolio(20, seed=1), _bad()]
    report = decide_batch(REFERENCE_POLICY, accounts, START + timedelta(days=40))
    df = report.to_frame(policy=REFERENCE_POLICY)
    assert len(df) == 21
    assert str(df["amount"].dtype) == "float64"
    assert df["currency"].iloc[0] == "CNY"
    assert str(df["at"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert list(df["stage"].cat.categories[: len(LADDER)]) == LADDER
    assert df["stage"].cat.ordered
    assert list(df["status"].cat.categories) == list(STATUS_ORDER)
    assert str(df["actions"].dtype) == "Int64"
    bad = df[df["account_id"] == "BAD-1"].iloc[0]
    assert bad["error_type"] == "EventError"
    assert "EUR" in bad["error"]
    # the table says what the decisions say
    first = report.decisions[0]
    row = df.iloc[0]
    assert row["amount"] == float(first.balance.amount)  # type: ignore[union-attr]
    assert row["stage"] == first.stage
    assert row["wake_at"] == pd.Timestamp(first.wake_at)
    assert row["next_channel"] == first.next_action.channel  # type: ignore[union-attr]


def test_sorting_by_stage_follows_the_ladder_not_the_alphabet() -> None:
    run = simulate(REFERENCE_POLICY, generate_portfolio(30, seed=4), START, 30, record=True)
    accounts = run.recorded_accounts()
    report = decide_batch(REFERENCE_POLICY, accounts, START + timedelta(days=30))
    df = report.to_frame(policy=REFERENCE_POLICY).sort_values("stage")
    seen = list(dict.fromkeys(df["stage"].dropna()))
    assert len(seen) >= 3
    assert seen != sorted(seen)  # the alphabet would put courtesy_call first
    assert seen == sorted(seen, key=LADDER.index)


def test_decimal_money_stays_exact() -> None:
    report = decide_batch(REFERENCE_POLICY, generate_portfolio(5, seed=2), START)
    df = report.to_frame(decimal=True)
    assert all(isinstance(v, Decimal) for v in df["amount"])
    assert list(df["amount"]) == [d.balance.amount for d in report.decisions]  # type: ignore[union-attr]


def test_arrow_tables_have_the_same_columns_typed() -> None:
    report = decide_batch(REFERENCE_POLICY, [*generate_portfolio(6, seed=3), _bad()], START)
    table = report.to_arrow(policy=REFERENCE_POLICY)
    frame = report.to_frame(policy=REFERENCE_POLICY)
    assert table.column_names == list(frame.columns)
    assert table.schema.field("amount").type == pa.decimal128(38, 2)
    assert table.schema.field("at").type == pa.timestamp("us", tz="Asia/Shanghai")
    stage = table.schema.field("stage").type
    assert pa.types.is_dictionary(stage)
    assert stage.ordered
    assert table.num_rows == 7
    back = table.column("amount").to_pylist()
    assert back[:6] == [d.balance.amount for d in report.decisions]  # type: ignore[union-attr]


def test_a_timeline_becomes_a_frame_with_days_and_local_times() -> None:
    acct = generate_portfolio(1, seed=5)[0]
    entries = timeline(REFERENCE_POLICY, acct, START, START + timedelta(days=60))
    df = to_frame(entries, policy=REFERENCE_POLICY)
    assert len(df) == len(entries)
    assert str(df["at"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert df["day"].is_monotonic_increasing
    assert (df["kind"] == "contact").sum() == sum(1 for e in entries if e.kind == "contact")
    assert to_arrow(entries).num_rows == len(entries)


def test_simulations_and_comparisons_become_frames() -> None:
    accounts = generate_portfolio(15, seed=6)
    result = simulate(REFERENCE_POLICY, accounts, START, 60, costs={"sms": "0.05"}, seed=1)
    df = result.to_frame()
    assert len(df) == 15
    assert df["resolved"].sum() == sum(1 for a in result.accounts if a.resolved_on_day is not None)
    assert df["contacts"].sum() == result.total_contacts
    assert df["contacts_sms"].sum() == result.contacts_by_channel()["sms"]
    assert list(df["highest_stage"].cat.categories[: len(LADDER) - 1]) == [
        s.id for s in REFERENCE_POLICY.enabled_stages
    ]
    c = compare(REFERENCE_POLICY, REFERENCE_POLICY, accounts, START, 30, seed=1)
    both = c.to_frame()
    assert len(both) == 30
    assert list(both["arm"].cat.categories) == ["champion", "challenger"]
    assert c.to_arrow().num_rows == 30


def test_an_unknown_object_is_refused_with_what_would_be_right() -> None:
    from overdue.errors import OverdueError

    with pytest.raises(OverdueError, match="no table for a int"):
        to_frame(3)


def test_a_missing_optional_package_names_the_extra() -> None:
    from overdue.errors import OverdueError
    from overdue.notebook._optional import need

    with pytest.raises(OverdueError, match="overdue-policy\\[notebook\\]"):
        need("no_such_package_for_overdue.sub", "tables")
