"""Each preset has a page whose table lists every rule with its mark, linked from the index."""

from __future__ import annotations

from pathlib import Path

from overdue.presets import PRESETS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_preset_page_tables_every_rule_with_its_mark() -> None:
    for name, p in PRESETS.items():
        text = (DOCS / "presets" / f"{name}.md").read_text("utf-8")
        assert "| rule | limit | scope | source | mark |" in text, name
        for rule in p.rules:
            row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{rule.id}` |")), None)
            assert row is not None, rule.id
            assert row.rstrip().endswith(f"| {rule.citation.mark} |"), rule.id  # type: ignore[attr-defined]
        assert "not legal advice" in text, name


def test_the_index_links_every_preset_and_says_it_is_not_legal_advice() -> None:
    index = (DOCS / "presets" / "index.md").read_text("utf-8")
    assert "**Presets are a tool, not legal advice.**" in index
    for name, p in PRESETS.items():
        assert f"[{name}]({name}.md)" in index, name
        assert f"| `{name}` |" in index
        row = next(ln for ln in index.splitlines() if ln.startswith(f"| `{name}` |"))
        assert f"| {len(p.rules)} |" in row, name
    assert "presets/index.md" in (DOCS / "index.md").read_text("utf-8")
