"""The rings, tested: every import of every module is read, and no circle is allowed.

``overdue`` is built in rings, values -> facts -> policy -> engine -> edges, and an inner ring never
imports an outer one.  A check that reads only module-level imports misses the imports a module
makes inside a function (to stay cheap to import, or to reach back for one method) and under
``TYPE_CHECKING``, and those are exactly the ones that close circles.  So this file reads every
``import`` statement anywhere in a module (``ast.walk``), builds the module graph, and fails on:

- an inner-ring module importing an edge package (anywhere in the module);
- any import circle (a strongly connected component of more than one module).

``ALLOWED`` names the few back-edges that are known and not yet removed, each with its reason and
the follow-up that removes it.  An entry that no longer exists in the code fails the test too, so
the list only shrinks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "overdue"

# Inner rings (values, facts, policy, engine) and the views of their values: pure, no I/O.
INNER = (
    "overdue._masking",
    "overdue._validators",
    "overdue.channels",
    "overdue._iso4217",
    "overdue.limits",
    "overdue._html",
    "overdue.errors",
    "overdue._time",
    "overdue.durations",
    "overdue.money",
    "overdue.calendars",
    "overdue.obligations",
    "overdue.service",
    "overdue.fees",
    "overdue.account",
    "overdue.debtor",
    "overdue.events",
    "overdue.snapshot",
    "overdue.conditions",
    "overdue.policy",
    "overdue.diagrams",
    "overdue.situation",
    "overdue.engine",
    "overdue.compiled",
    "overdue.decision",
    "overdue.reference",
    "overdue.rules",
)
EDGES = (
    "overdue.config",
    "overdue.cli",
    "overdue.dispatch",
    "overdue.presets",
    "overdue.testing",
    "overdue.simulate",
    "overdue.batch",
    "overdue._pytest_plugin",
    "overdue.notebook",
    "overdue.host",
    "overdue.portfolio",
    "overdue.dask",
    "overdue.spark",
    "overdue.importers",
)

# (importer, imported): known back-edges, left out of the graph.  Each is a lazy import inside a
# method (or a ``TYPE_CHECKING`` import answering one) that lets a value offer a convenience
# implemented further out.  Each says in one line why it stays; docs/design.md lists them too.
# (The HTML views need none: ``overdue._html`` and ``overdue.notebook.html`` read decisions,
# policies and results through structural protocols and name none of their types.  The tables
# need none: each result builds its own columns from ``overdue.notebook.columns``, below
# ``overdue.notebook.frames``, the door that recognises them.  Nor do a simulation's plot and
# its paired differences: they draw and resample through ``notebook._curves`` and
# ``notebook._differences``, below the simulator and typed structurally.)
ALLOWED: Mapping[tuple[str, str], str] = {
    # Stays for now: CompiledPolicy.of names Policy/Stage for mypy only (TYPE_CHECKING), and
    # Kept on purpose: the policy owns its compiled lookups as a cached attribute (the runtime
    # edge policy -> compiled), and compiled names Policy/Stage/Step for mypy only, so that the
    # engine reads StepPlan.step and enabled_by_id as the real types, fully checked.
    ("overdue.compiled", "overdue.policy"): "CompiledPolicy.of(policy) type names",
}


def module_name(root: Path, path: Path) -> str:
    """``overdue.presets.stacking`` for ``<root>/overdue/presets/stacking.py``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """Every name any import statement in ``tree`` refers to, relative imports resolved.

    ``from a.b import c`` yields ``a.b.c`` (``c`` may be a submodule) and, for when it is not,
    ``a.b`` marked with a trailing ``*`` (see :func:`_modules`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([base] if base else [])])
            for a in node.names:
                yield f"{base}.{a.name}" if base else a.name
                yield f"{base}*"


def _modules(names: Iterable[str], known: Iterable[str]) -> set[str]:
    """The known modules ``names`` import.

    ``from a.b import c`` imports the module ``a.b.c`` when there is one, else the name ``c``
    of module ``a.b``; like an ``import a.b.c``, it is not counted as an import of the package
    ``a.b`` itself (every module imports its parent packages; counting that would make each
    package's ``__init__`` a circle with its submodules)."""
    known = set(known)
    names = list(names)
    found: set[str] = set()
    for i, name in enumerate(names):
        if name.endswith("*"):
            submodule = names[i - 1]
            if submodule in known:
                continue
            name = name[:-1]
        while name and name not in known:  # ``import a.b.function`` -> a.b
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere (functions, TYPE_CHECKING included)."""
    files = {module_name(root, p): p for p in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names = _imported_names(tree, module, path.name == "__init__.py")
        graph[module] = _modules(names, files) - {module}
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import circles: strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def _within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _without_allowed(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    return {m: {t for t in ts if (m, t) not in ALLOWED} for m, ts in graph.items()}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(SRC)


def test_there_is_no_import_circle(graph: dict[str, set[str]]) -> None:
    assert cycles(_without_allowed(graph)) == []


def test_every_allowed_back_edge_still_exists(graph: dict[str, set[str]]) -> None:
    stale = [edge for edge in ALLOWED if edge[1] not in graph.get(edge[0], set())]
    assert stale == [], "remove these from ALLOWED: the code no longer has them"


def _eager_imports(
    tree: ast.Module, module: str, is_package: bool, known: Iterable[str]
) -> set[str]:
    """What importing the module imports: top level, ``try``, ``if`` except TYPE_CHECKING."""
    body: list[ast.stmt] = []

    def collect(stmts: list[ast.stmt]) -> None:
        for node in stmts:
            if isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    collect(node.body)
                collect(node.orelse)
            elif isinstance(node, ast.Try):
                collect(node.body)
                for handler in node.handlers:
                    collect(handler.body)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                body.append(node)

    collect(tree.body)
    names = _imported_names(ast.Module(body=body, type_ignores=[]), module, is_package)
    return _modules(names, known)


def test_an_allowed_back_edge_is_never_an_import_at_import_time(
    graph: dict[str, set[str]],
) -> None:
    eager = []
    for importer, imported in ALLOWED:
        path = SRC.parent / (importer.replace(".", "/") + ".py")
        if not path.exists():
            path = path.with_suffix("") / "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if imported in _eager_imports(tree, importer, path.name == "__init__.py", graph):
            eager.append((importer, imported))
    assert eager == [], "only lazy (in a function) or TYPE_CHECKING imports may be allowed"


def test_inner_rings_import_no_edge_anywhere(graph: dict[str, set[str]]) -> None:
    offences = sorted(
        f"{module} imports {target}"
        for module, targets in _without_allowed(graph).items()
        if _within(module, INNER)
        for target in targets
        if _within(target, EDGES)
    )
    assert offences == []


def test_the_checker_sees_the_rings(graph: dict[str, set[str]]) -> None:
    inner = {m for m in graph if _within(m, INNER)}
    assert {"overdue.policy", "overdue.snapshot", "overdue.rules.hours"} <= inner
    assert any(_within(m, ("overdue.engine",)) for m in inner)


def _plant(root: Path, files: Mapping[str, str]) -> Path:
    package = root / "pkg"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_a_planted_circle_through_a_function_and_type_checking_is_caught(tmp_path: Path) -> None:
    package = _plant(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "def f():\n    from pkg.b import g\n    return g\n",
            "b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .sub import c\n"
                "def g():\n    return 1\n"
            ),
            "sub/__init__.py": "",
            "sub/c.py": "from ... import pkg\nfrom pkg import a\n",
            "d.py": "import pkg.a\n",
        },
    )
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.b"}
    assert graph["pkg.b"] == {"pkg.sub.c"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


def test_a_tree_without_circles_passes(tmp_path: Path) -> None:
    package = _plant(tmp_path, {"__init__.py": "", "a.py": "import pkg.b\n", "b.py": ""})
    assert cycles(import_graph(package)) == []
