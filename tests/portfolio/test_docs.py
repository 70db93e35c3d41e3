"""docs/scale.md lists every column of the schemas, and no column that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from overdue.portfolio.arrow import ACCOUNTS_SCHEMA, DECISIONS_SCHEMA, EVENT_TYPE

DOC = (Path(__file__).resolve().parents[2] / "docs" / "scale.md").read_text(encoding="utf-8")


def _names(start: str, end: str) -> set[str]:
    part = DOC[DOC.index(start) : DOC.index(end)]
    names: set[str] = set()
    for line in part.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


def test_the_accounts_table_is_documented() -> None:
    assert _names("## The accounts table", "The events struct") == set(ACCOUNTS_SCHEMA.names)


def test_the_events_struct_is_documented() -> None:
    fields = {EVENT_TYPE.field(i).name for i in range(EVENT_TYPE.num_fields)}
    assert _names("| event column", "The columns are derived") == fields


def test_the_decisions_table_is_documented() -> None:
    assert _names("## The decisions table", "## The wake index") == set(DECISIONS_SCHEMA.names)


def test_import_overdue_loads_no_extra() -> None:
    import subprocess
    import sys

    code = (
        "import sys, overdue, overdue.config, overdue.portfolio, overdue.portfolio.records; "
        "print(sorted(m for m in ('pyarrow', 'dask', 'pyspark', 'distributed')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_portfolio_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    import runpy

    runpy.run_path(
        str(Path(__file__).resolve().parents[2] / "examples" / "portfolio_nights.py"),
        run_name="__main__",
    )
    out = capsys.readouterr().out
    assert "night 1: {'accounts': 300, 'decided': 300, 'carried': 0, 'failed': 0, 'settled': 138}" in out  # noqa: E501
    assert "night 2 kept" in out
