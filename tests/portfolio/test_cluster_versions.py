"""Dask and Spark pass ``versions`` to the kernel: a pinned account is decided under its old
version there too, and without that version is an error row, never decided as ``continue``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pyarrow as pa
import pyarrow.parquet as pq

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money
from overdue.dask import decide_dataset
from overdue.engine import PolicySet
from overdue.events import StageEntered
from overdue.portfolio.arrow import DECISIONS_SCHEMA, write_accounts
from overdue.spark import decide_dataframe

SHANGHAI = ZoneInfo("Asia/Shanghai")
V1 = REFERENCE_POLICY
PIN = attrs.evolve(V1, version="2026.2", on_new_version="pin")
NOW = datetime(2026, 2, 2, 10, tzinfo=SHANGHAI)
IN_FLIGHT = Account(
    "A-1",
    timezone="Asia/Shanghai",
    contacts=(ContactPoint("sms", "+8613812345678"), ContactPoint("phone", "+8613812345678")),
    invoices=(Invoice("INV-1", Money("900.00", "CNY"), date(2026, 1, 20)),),
    events=(
        StageEntered(
            at=datetime(2026, 2, 1, 10, tzinfo=SHANGHAI),
            stage="courtesy_call",
            policy_id=V1.id,
            policy_version=V1.version,
        ),
    ),
)


def test_dask_passes_the_versions_to_the_kernel(tmp_path: Path, dask_client: Any) -> None:
    (tmp_path / "accounts").mkdir()
    write_accounts(tmp_path / "accounts" / "part-0.parquet", [IN_FLIGHT])
    decide_dataset(PIN, tmp_path / "accounts", tmp_path / "pinned", NOW, client=dask_client,
                   versions=PolicySet.of(V1))  # fmt: skip
    decide_dataset(PIN, tmp_path / "accounts", tmp_path / "missing", NOW, client=dask_client)
    pinned = pq.read_table(tmp_path / "pinned").to_pylist()
    missing = pq.read_table(tmp_path / "missing").to_pylist()
    assert pinned[0]["policy_version"] == "2026.1"
    assert pinned[0]["status"] != "error"
    assert (missing[0]["status"], missing[0]["error_type"]) == (
        "error",
        "PolicyVersionMissingError",
    )


def test_spark_passes_the_versions_to_the_kernel(tmp_path: Path, spark: Any) -> None:
    write_accounts(tmp_path / "accounts.parquet", [IN_FLIGHT])
    df = spark.read.parquet(str(tmp_path / "accounts.parquet"))

    def rows(decided: Any) -> list[dict[str, Any]]:
        table = pa.Table.from_batches(decided._collect_as_arrow()).cast(DECISIONS_SCHEMA)
        return table.to_pylist()  # type: ignore[no-any-return]

    (pinned,) = rows(decide_dataframe(PIN, df, NOW, versions=PolicySet.of(V1)))
    (missing,) = rows(decide_dataframe(PIN, df, NOW))
    assert pinned["policy_version"] == "2026.1"
    assert pinned["status"] != "error"
    assert (missing["status"], missing["error_type"]) == ("error", "PolicyVersionMissingError")
