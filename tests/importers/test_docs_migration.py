"""The Python block of ``docs/migration.md`` runs as written, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_migration_page_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "migration.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "docs"}
    for block in blocks:
        exec(compile(block, "migration.md", "exec"), namespace)
    assert (ROOT / "docs" / "index.md").read_text("utf-8").count("(migration.md)") == 1
