"""The Python blocks of docs/notebooks.md run as written, and its pictures exist."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"


def test_the_python_blocks_run() -> None:
    text = (DOCS / "notebooks.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 4
    namespace: dict[str, object] = {"__name__": "docs"}
    try:
        for block in blocks:
            exec(compile(block, "notebooks.md", "exec"), namespace)
    finally:
        plt.close("all")


def test_every_picture_the_page_shows_is_committed() -> None:
    text = (DOCS / "notebooks.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", text)
    assert len(images) == 4
    for image in images:
        assert (DOCS / image).read_bytes().startswith(b"\x89PNG"), image


def test_the_page_is_linked_from_the_index() -> None:
    assert "(notebooks.md)" in (DOCS / "index.md").read_text(encoding="utf-8")
