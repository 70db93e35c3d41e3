"""The public surface: what ``overdue`` exports exists, and every public name says what it is."""

from __future__ import annotations

import inspect

import pytest

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


# -- the root: small, grouped by what a host does --------------------------------------------

ROOT_BUDGET = 30


def test_the_root_stays_small() -> None:
    assert len(overdue.__all__) <= ROOT_BUDGET


def test_a_name_that_left_the_root_says_where_it_went() -> None:
    import importlib

    moved: dict[str, str] = overdue._MOVED
    for name, home in moved.items():
        assert name not in overdue.__all__
        with pytest.warns(DeprecationWarning, match=f"from {home} import {name}"):
            value = getattr(overdue, name)
        assert value is getattr(importlib.import_module(home), name), (home, name)
        assert name not in dir(overdue)


def test_a_name_the_root_never_held_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        overdue.no_such_name  # noqa: B018


# -- the sub-namespaces: each has its own __all__, and it tells the truth --------------------

SUBNAMESPACES = (
    "overdue.account",
    "overdue.batch",
    "overdue.calendars",
    "overdue.channels",
    "overdue.conditions",
    "overdue.config",
    "overdue.decision",
    "overdue.diagrams",
    "overdue.dispatch",
    "overdue.durations",
    "overdue.engine",
    "overdue.errors",
    "overdue.events",
    "overdue.host",
    "overdue.money",
    "overdue.policy",
    "overdue.presets",
    "overdue.reference",
    "overdue.rules",
    "overdue.simulate",
    "overdue.situation",
    "overdue.snapshot",
    "overdue.testing",
)


@pytest.mark.parametrize("name", SUBNAMESPACES)
def test_a_sub_namespace_exports_what_it_defines(name: str) -> None:
    import importlib

    module = importlib.import_module(name)
    exported = module.__all__
    assert len(set(exported)) == len(exported), "a name listed twice"
    undocumented = []
    for public in exported:
        value = getattr(module, public)  # every listed name exists
        if (inspect.isclass(value) or inspect.isfunction(value)) and not (
            value.__doc__ or ""
        ).strip():
            undocumented.append(public)
    assert undocumented == []
    # every public class or function the namespace itself defines (or, for a package, one of
    # its modules defines and it imports) is listed
    defined = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and (inspect.isclass(v) or inspect.isfunction(v))
        and getattr(v, "__module__", "").startswith(name)
        and (module.__name__ == v.__module__ or hasattr(module, "__path__"))
    }
    assert defined - set(exported) == set()


def test_no_public_name_shadows_a_builtin_or_typing_name() -> None:
    import builtins
    import importlib
    import typing

    clashes = {
        (name, n)
        for name in SUBNAMESPACES
        for n in importlib.import_module(name).__all__
        if hasattr(typing, n) or hasattr(builtins, n)
    }
    assert clashes == set()
