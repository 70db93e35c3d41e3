"""The rings: inner modules never import the edge packages at module level."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "overdue"

INNER = (
    "_masking",
    "_iso4217",
    "limits",
    "_html",
    "errors",
    "_time",
    "durations",
    "money",
    "calendars",
    "obligations",
    "account",
    "events",
    "snapshot",
    "conditions",
    "policy",
    "situation",
    "engine",
    "compiled",
    "decision",
    "reference",
)
EDGES = (
    "config",
    "cli",
    "dispatch",
    "host",
    "presets",
    "testing",
    "simulate",
    "diagrams",
    "_pytest_plugin",
    "notebook",
    "portfolio",
    "dask",
    "spark",
    "importers",
)


def _inner_files() -> list[Path]:
    files = [SRC / f"{name}.py" for name in INNER]
    files.extend(sorted((SRC / "rules").glob("*.py")))
    files.extend(sorted((SRC / "engine").glob("*.py")))  # the engine is a package by phase
    return [f for f in files if f.exists()]


def _module_level_imports(tree: ast.Module) -> list[str]:
    """Imports at module level, including those under ``if`` (``TYPE_CHECKING``) and ``try``."""
    out: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                out.extend(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module is not None:
                out.append(node.module)
            elif isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(node.orelse)
                for h in getattr(node, "handlers", []):
                    visit(h.body)

    visit(tree.body)
    return out


def test_inner_ring_modules_do_not_import_edges() -> None:
    offences = []
    for path in _inner_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for module in _module_level_imports(tree):
            parts = module.split(".")
            if parts[0] == "overdue" and len(parts) > 1 and parts[1] in EDGES:
                offences.append(f"{path.relative_to(SRC)} imports {module}")
    assert offences == []


def test_the_checker_sees_the_inner_ring() -> None:
    names = {p.stem for p in _inner_files()}
    assert {"decide", "plan", "schedule", "policy", "snapshot", "hours", "frequency"} <= names
