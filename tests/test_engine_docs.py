"""The Python examples in the engine's documentation pages run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ("engine.md", "policy.md", "rules.md", "facts.md")


@pytest.mark.parametrize("page", PAGES)
def test_the_python_blocks_of_a_page_run(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, page
    namespace: dict[str, object] = {"__name__": "docs"}
    for block in blocks:  # blocks of a page build on each other, like a tutorial
        exec(compile(block, f"{page}", "exec"), namespace)
