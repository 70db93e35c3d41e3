"""The public surface: what ``overdue`` exports exists, and every public name says what it is."""

from __future__ import annotations

import inspect

import overdue


def test_all_matches_what_the_package_root_defines() -> None:
    assert len(set(overdue.__all__)) == len(overdue.__all__)
    for name in overdue.__all__:
        assert hasattr(overdue, name), name
    public = {
        n for n, v in vars(overdue).items() if not n.startswith("_") and not inspect.ismodule(v)
    }
    assert public == set(overdue.__all__)


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    for name in overdue.__all__:
        value = getattr(overdue, name)
        documented = bool((value.__doc__ or "").strip())
        if (inspect.isclass(value) or inspect.isfunction(value)) and not documented:
            missing.append(name)
    assert missing == []


def test_public_methods_of_the_engine_types_have_docstrings() -> None:
    missing = []
    for name in ("Decision", "Action", "Policy", "Stage", "Step", "Snapshot", "Account"):
        cls = getattr(overdue, name)
        for attr, member in vars(cls).items():
            if attr.startswith("_"):
                continue
            fn = member.fget if isinstance(member, property) else member
            if inspect.isfunction(fn) and not (fn.__doc__ or "").strip():
                missing.append(f"{name}.{attr}")
    assert missing == []
