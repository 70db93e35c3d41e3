"""The Python blocks of ``docs/host.md`` run as written and print what the page shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_python_blocks_of_the_host_page_run_and_print_what_it_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (DOCS / "host.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 6
    namespace: dict[str, object] = {"__name__": "docs"}
    for block in blocks:  # the blocks build on each other, like a tutorial
        exec(compile(block, "host.md", "exec"), namespace)
    out = capsys.readouterr().out
    for shown in re.findall(r"```text\n(.*?)```", text, flags=re.S):
        assert shown.strip() in out


def test_the_page_is_linked_from_the_index_and_the_readme() -> None:
    assert "(host.md)" in (DOCS / "index.md").read_text(encoding="utf-8")
    assert "docs/host.md" in (DOCS.parent / "README.md").read_text(encoding="utf-8")
