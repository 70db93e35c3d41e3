"""The policy-file reference lists every key; the CLI page lists every command."""

from __future__ import annotations

from pathlib import Path

from overdue.cli import build_parser
from overdue.config import Kinds
from overdue.config._codec import _key, init_fields
from overdue.policy import Obligation, Policy, Stage, Step

DOCS = Path(__file__).resolve().parents[2] / "docs"
ROOT = DOCS.parent


def test_policy_file_reference_lists_every_key() -> None:
    text = (DOCS / "policy-files.md").read_text("utf-8")
    for cls in (Policy, Stage, Step, Obligation):
        for a in init_fields(cls):
            assert f"| `{_key(a)}` |" in text, (cls.__name__, a.name)
    for kind in Kinds.default().conditions:
        assert f"`{kind}`" in text


def test_cli_page_lists_every_command() -> None:
    text = (DOCS / "cli.md").read_text("utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"## `overdue {name}`" in text


def test_bundled_sample_portfolio_is_the_examples_file() -> None:
    bundled = (ROOT / "src" / "overdue" / "data" / "sample_accounts.jsonl").read_text("utf-8")
    assert bundled == (ROOT / "examples" / "accounts.jsonl").read_text("utf-8")
