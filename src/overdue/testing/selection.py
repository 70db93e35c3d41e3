"""Which policy a test run is about, resolved when a test needs it rather than at import.

A :class:`~overdue.testing.PolicyMachine` whose ``policy`` is fixed when its test file is
imported cannot follow ``--overdue-policy``, nor be run against a mutant.  Setting
``policy = selected_policy()`` instead defers the choice: the first machine built asks
:func:`current_policy`, which reads what the pytest plugin recorded (``--overdue-policy PATH``,
``--overdue-mutant NAME``), falling back to the given default (the reference policy when none).

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from pathlib import Path

import attrs

from overdue.policy import Policy

__all__ = ["SelectedPolicy", "current_policy", "select", "selected_policy", "selection"]

_STATE: dict[str, str | None] = {"policy": None, "mutant": None}
_CACHE: dict[tuple[str | None, str | None, int], Policy] = {}


def select(policy_path: str | Path | None = None, mutant: str | None = None) -> None:
    """Record the policy file and the mutant a run is about (the pytest plugin calls this)."""
    _STATE["policy"] = None if policy_path in (None, "") else str(policy_path)
    _STATE["mutant"] = mutant or None


def selection() -> tuple[str | None, str | None]:
    """The policy file and the mutant recorded now (to restore them later)."""
    return _STATE["policy"], _STATE["mutant"]


@attrs.frozen
class SelectedPolicy:
    """A placeholder for "the policy this run is about", with a default when none was named."""

    default: Policy | None = None

    def resolve(self) -> Policy:
        """The selected policy now (cached: a run loads the file and builds the mutant once)."""
        return current_policy(self.default)


def selected_policy(default: Policy | None = None) -> SelectedPolicy:
    """``policy = selected_policy()`` on a :class:`~overdue.testing.PolicyMachine` subclass."""
    return SelectedPolicy(default)


def current_policy(default: Policy | None = None) -> Policy:
    """``--overdue-policy`` (else ``default``, else the reference policy), with the
    ``--overdue-mutant`` mistake made to it when one is selected."""
    path, name = _STATE["policy"], _STATE["mutant"]
    key = (path, name, id(default))
    if key in _CACHE:
        return _CACHE[key]
    if path is not None:
        from overdue.config import load_policy

        policy = load_policy(path)
    elif default is not None:
        policy = default
    else:
        from overdue.reference import REFERENCE_POLICY

        policy = REFERENCE_POLICY
    if name is not None:
        from overdue.testing.mutants import mutant

        policy = mutant(policy, name).policy
    _CACHE[key] = policy
    return policy
