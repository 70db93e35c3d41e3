"""The documentation site builds with ``mkdocs build --strict``, and every page is in its nav.

MkDocs only logs a page that is missing from ``nav`` (at INFO level), so the site would quietly
grow pages nobody can reach; the nav check below names them instead.  A page added to docs/
needs one line under ``nav:`` in ``mkdocs.yml``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _nav_pages(nav: Any) -> set[str]:
    """Every page file named anywhere in a (nested) mkdocs ``nav``."""
    if isinstance(nav, str):
        return set() if "://" in nav else {nav}
    if isinstance(nav, list):
        return set().union(*(_nav_pages(item) for item in nav)) if nav else set()
    if isinstance(nav, dict):
        return set().union(*(_nav_pages(value) for value in nav.values())) if nav else set()
    return set()


def _config() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_every_page_in_docs_is_in_the_nav() -> None:
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    nav = _nav_pages(_config()["nav"])
    assert sorted(pages - nav) == [], "add these pages to nav: in mkdocs.yml"
    assert sorted(nav - pages) == [], "nav names pages that do not exist"


def test_the_nav_checker_sees_nested_sections() -> None:
    nav = [{"A": "a.md"}, {"B": ["b/index.md", {"C": "b/c.md"}]}, {"Web": "https://x.test/"}]
    assert _nav_pages(nav) == {"a.md", "b/index.md", "b/c.md"}


def test_the_site_builds_strict_without_a_warning(tmp_path: Path) -> None:
    # Not ``-q``: mkdocs 1.6 counts strict-mode warnings only when they are logged, so a quiet
    # strict build passes with broken links.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "WARNING" not in log, log
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert 'id="overdue.decide"' in api  # the reference is generated from the docstrings
    assert (tmp_path / "site" / "readme" / "index.html").read_text("utf-8").count("Quick start")
