"""The distribution is ``overdue-policy``, the import name ``overdue``; every install line says so.

``overdue`` on the public package index is an unrelated project: an install line or an error
hint that names it installs the wrong thing (with ``-U`` it even replaces an editable install
of ours).  These tests keep every ``pip install`` line in the code, the docs and the examples,
and every install hint the library raises, on our own distribution name.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from overdue import REFERENCE_POLICY
from overdue.errors import OverdueError

ROOT = Path(__file__).resolve().parent.parent
DIST = "overdue-policy"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def test_pyproject_names_the_distribution_and_an_spdx_license() -> None:
    project = PYPROJECT["project"]
    assert project["name"] == DIST
    assert project["license"] == "MIT"  # an SPDX expression, not the deprecated table
    assert project["license-files"] == ["LICENSE"]
    assert project["scripts"] == {"overdue": "overdue.cli:main"}
    [setuptools] = [r for r in PYPROJECT["build-system"]["requires"] if "setuptools" in r]
    assert setuptools == "setuptools>=77"  # the first release that reads license-files (PEP 639)
    license_text = (ROOT / "LICENSE").read_text("utf-8")
    assert license_text.startswith("MIT License")
    assert "Copyright (c) 2026 the overdue authors" in license_text


def test_the_installed_distribution_is_ours() -> None:
    dist = importlib.metadata.distribution(DIST)
    assert dist.metadata["Name"] == DIST
    assert dist.metadata["License-Expression"] == "MIT"
    [script] = [e for e in dist.entry_points if e.group == "console_scripts"]
    assert (script.name, script.value) == ("overdue", "overdue.cli:main")


_INSTALL = re.compile(r"""pip install\s+(?:-[-\w]+\s+)*["']?([A-Za-z0-9_.-]+)""")


def _texts() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "CHANGELOG.md"]
    for folder, pattern in (("src", "*.py"), ("docs", "*.md"), ("examples", "*"),
                            ("benchmarks", "*.py")):
        files += [p for p in (ROOT / folder).rglob(pattern) if p.is_file()]
    return [p for p in files if p.suffix in {".py", ".md", ".toml", ".txt", ".rst"}]


def test_every_install_line_names_our_distribution() -> None:
    wrong = []
    seen = 0
    for path in _texts():
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            for name in _INSTALL.findall(line):
                if name.startswith("overdue"):
                    seen += 1
                    if name != DIST:
                        wrong.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert wrong == []
    assert seen >= 5  # the scan found the install lines (hints, docs, README)


def test_the_toml_hint_names_our_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    from overdue.config import dumps_policy

    monkeypatch.setitem(sys.modules, "tomli_w", None)
    with pytest.raises(OverdueError) as info:
        dumps_policy(REFERENCE_POLICY, "toml")
    assert info.value.expected == 'pip install "overdue-policy[toml]"'


def test_the_notebook_hints_name_our_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    from overdue.simulate import generate_portfolio, simulate

    start = datetime(2026, 2, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    result = simulate(REFERENCE_POLICY, generate_portfolio(2, seed=1), start, 3, seed=1)
    monkeypatch.setitem(sys.modules, "pandas", None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    for call in (result.to_frame, result.plot_recovery):
        with pytest.raises(OverdueError) as info:
            call()
        assert info.value.expected == 'pip install "overdue-policy[notebook]"'


def test_the_testing_kit_names_its_extra_without_hypothesis(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import overdue.testing

    for module in ("machine", "strategies"):  # as if never imported
        monkeypatch.delitem(sys.modules, f"overdue.testing.{module}", raising=False)
        monkeypatch.delattr(overdue.testing, module, raising=False)
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    for name in ("PolicyMachine", "strategies"):
        with pytest.raises(ModuleNotFoundError, match=r'"overdue-policy\[testing\]"') as info:
            getattr(overdue.testing, name)
        assert info.value.name == "hypothesis"
