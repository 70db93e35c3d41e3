"""MkDocs hooks for the documentation site (see ``mkdocs.yml``).

The README is the project's front page on any code host and the first page a reader of the site
wants too, but it lives outside ``docs/``, where MkDocs cannot link to it.  Rather than keep two
copies that drift, ``docs/readme.md`` is a one-line placeholder and this hook fills it with the
README's text at build time, rewriting the README's ``docs/...`` links to site-relative ones.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
README_PAGE = "readme.md"


def readme_for_site(text: str) -> str:
    """The README's Markdown with its links into ``docs/`` made relative to the site root."""
    return re.sub(r"\]\(docs/", "](", text)


def on_page_markdown(markdown: str, *, page: Any, config: Any, files: Any) -> str:
    """Replace the README placeholder page with the README itself."""
    if page.file.src_uri == README_PAGE:
        return readme_for_site((ROOT / "README.md").read_text(encoding="utf-8"))
    return markdown
