"""Accounts to Arrow and back: nothing lost; bad values become error rows, not exceptions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account
from overdue.errors import ConfigError, OverdueError
from overdue.portfolio.arrow import (
    _EPOCH,
    _TS,
    ACCOUNTS_SCHEMA,
    _dates,
    _instants,
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


EDGE_MICROS = [
    0, -1, 1, 86_399_999_999, -86_400_000_000, 951_782_400_000_000,  # 2000-02-29
    -62_135_596_800_000_000, 253_402_300_799_999_999,  # the first and last datetime
    1_772_000_000_123_456,
]


@given(st.lists(st.one_of(st.sampled_from(EDGE_MICROS),
                          st.integers(-62_135_596_800_000_000, 253_402_300_799_999_999)),
                min_size=1, max_size=30))  # fmt: skip
@settings(max_examples=200, deadline=None)
def test_instants_are_made_in_bulk_exactly(micros: list[int]) -> None:
    """A timestamp column read in bulk gives the very datetimes the value-by-value path gives
    (same instant, fields and zone object), before 1970 and at the ends of the range too."""
    arr = pa.array(micros, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    slow = [_EPOCH + timedelta(0, 0, m) for m in micros]
    fast = _instants(arr)
    assert [(d, d.tzinfo, d.fold) for d in fast] == [(d, d.tzinfo, d.fold) for d in slow]
    assert all(type(d) is datetime and d.tzinfo is UTC for d in fast)
    assert _instants(pa.array([*micros, None], pa.int64()).cast(_TS)) == [*slow, None]


def test_instants_out_of_range_fail_as_before() -> None:
    with pytest.raises(OverflowError):
        _instants(pa.array([253_402_300_800_000_000], pa.int64()).cast(_TS))


@given(st.lists(st.one_of(st.none(), st.dates()), min_size=1, max_size=30))
@settings(max_examples=100, deadline=None)
def test_dates_are_read_in_bulk_exactly(days: list[date | None]) -> None:
    arr = pa.array(days, pa.date32())
    assert _dates(arr) == arr.to_pylist() == days
    assert all(d is None or type(d) is date for d in _dates(arr))


def test_an_empty_or_all_null_date_column_is_read() -> None:
    assert _dates(pa.array([], pa.date32())) == []
    assert _dates(pa.array([None, None], pa.date32())) == [None, None]
