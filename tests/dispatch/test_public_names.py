"""``overdue.dispatch``'s public surface: what it exports exists and says what it is."""

from __future__ import annotations

import inspect

import overdue
import overdue.dispatch as dispatch


def test_all_names_exist_once() -> None:
    assert len(set(dispatch.__all__)) == len(dispatch.__all__)
    for name in dispatch.__all__:
        assert hasattr(dispatch, name), name


def test_every_public_class_function_and_method_has_a_docstring() -> None:
    missing = []
    for name in dispatch.__all__:
        value = getattr(dispatch, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if not (value.__doc__ or "").strip():
            missing.append(name)
        if inspect.isclass(value):
            for attr, member in vars(value).items():
                if attr.startswith("_"):
                    continue
                fn = member.fget if isinstance(member, property) else member
                if isinstance(fn, classmethod | staticmethod):
                    fn = fn.__func__
                if inspect.isfunction(fn) and not (fn.__doc__ or "").strip():
                    missing.append(f"{name}.{attr}")
    assert missing == []


def test_the_package_root_stays_free_of_io() -> None:
    """Sending is an edge: ``import overdue`` does not pull in the dispatcher or sqlite."""
    assert "Dispatcher" not in overdue.__all__
    assert "dispatch" in (overdue.__doc__ or "")
