"""Accounts to Arrow and back: nothing lost; bad values become error rows, not exceptions."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account
from overdue.errors import ConfigError, OverdueError
from overdue.portfolio.arrow import (
    ACCOUNTS_SCHEMA,
    accounts_from_table,
    accounts_to_table,
    conform,
    read_accounts,
    write_accounts,
)
from overdue.testing import strategies

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_every_event_kind_round_trips(rich_account: Account) -> None:
    table = accounts_to_table([rich_account])
    assert table.schema.equals(ACCOUNTS_SCHEMA)
    (back,) = accounts_from_table(table)
    assert back == rich_account  # instants compare equal whatever offset they carry


@PROPS
@given(st.lists(strategies.accounts(policy=REFERENCE_POLICY), max_size=6))
def test_accounts_round_trip(accounts: list[Account]) -> None:
    assert accounts_from_table(accounts_to_table(accounts)) == accounts


def test_parquet_file_round_trip(tmp_path: Path, rich_account: Account) -> None:
    path = tmp_path / "accounts.parquet"
    write_accounts(path, [rich_account, Account("A-EMPTY")])
    assert accounts_from_table(read_accounts(path)) == [rich_account, Account("A-EMPTY")]


def _with_event(table: pa.Table, row: int, event: int, **values: object) -> pa.Table:
    rows = table.to_pylist()
    rows[row]["events"][event].update(values)
    return pa.Table.from_pylist(rows, schema=ACCOUNTS_SCHEMA)


def test_a_bad_value_fails_its_account_only(rich_account: Account) -> None:
    good = Account("A-GOOD", timezone="Asia/Shanghai")
    table = accounts_to_table([good, rich_account, good])
    bad = _with_event(table, 1, 8, amount="-5.00")  # a negative payment
    out = accounts_from_table(bad)
    assert out[0] == good
    assert out[2] == good
    err = out[1]
    assert isinstance(err, OverdueError)
    assert err.account_id == "A-RICH"
    assert err.event_index == 8
    unknown = accounts_from_table(_with_event(table, 1, 3, kind="teleport"))[1]
    assert isinstance(unknown, ConfigError)
    assert unknown.event_index == 3
    assert "teleport" in str(unknown)


def test_a_bad_zone_fails_its_account(rich_account: Account) -> None:
    rows = accounts_to_table([rich_account]).to_pylist()
    rows[0]["timezone"] = "Mars/Olympus"
    (err,) = accounts_from_table(pa.Table.from_pylist(rows, schema=ACCOUNTS_SCHEMA))
    assert isinstance(err, OverdueError)
    assert err.account_id == "A-RICH"


def test_older_tables_with_fewer_columns_are_read() -> None:
    table = pa.table(
        {
            "id": ["A-1"],
            "events": pa.array(
                [[{"kind": "stage_entered", "at": 0, "stage": "reminder"}]],
                pa.list_(
                    pa.struct(
                        [("kind", pa.string()), ("at", pa.timestamp("us", "UTC")),
                         ("stage", pa.string())]
                    )
                ),
            ),
        }
    )  # fmt: skip
    (account,) = accounts_from_table(conform(table))
    assert isinstance(account, Account)
    assert account.events[0].kind == "stage_entered"


def test_a_table_without_ids_is_refused() -> None:
    with pytest.raises(ConfigError, match="'id' column"):
        conform(pa.table({"name": ["x"]}))
