"""docs/notebooks.md's pictures exist and the page is linked.

Its Python blocks run through Sybil with every other page's (see the root ``conftest.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"


def test_every_picture_the_page_shows_is_committed() -> None:
    text = (DOCS / "notebooks.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\((img/[^)]+)\)", text)
    assert len(images) == 4
    for image in images:
        assert (DOCS / image).read_bytes().startswith(b"\x89PNG"), image


def test_the_page_is_linked_from_the_index() -> None:
    assert "(notebooks.md)" in (DOCS / "index.md").read_text(encoding="utf-8")
