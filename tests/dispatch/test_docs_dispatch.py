"""The Python examples of ``docs/dispatch.md`` run as written, and the page is linked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_python_blocks_of_the_dispatch_page_run(capsys: pytest.CaptureFixture[str]) -> None:
    text = (DOCS / "dispatch.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4
    namespace: dict[str, object] = {"__name__": "docs"}
    for block in blocks:  # the blocks build on each other, like a tutorial
        exec(compile(block, "dispatch.md", "exec"), namespace)
    assert "1200.50" in capsys.readouterr().out


def test_the_page_is_linked_from_the_index() -> None:
    assert "(dispatch.md)" in (DOCS / "index.md").read_text(encoding="utf-8")
