"""``docs/dispatch.md`` is linked (its Python blocks run through Sybil, see ``conftest.py``)."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_page_is_linked_from_the_index() -> None:
    assert "(dispatch.md)" in (DOCS / "index.md").read_text(encoding="utf-8")
