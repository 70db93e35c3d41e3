"""The policy testing kit: strategies, invariant checks, a state machine, timeline assertions.

Test a policy the way hypothesis tests code (``docs/testing.md``)::

    from overdue.testing import PolicyMachine, check_all

    class MyPolicyMachine(PolicyMachine):
        policy = load_policy("policy.toml")

    TestMyPolicy = MyPolicyMachine.TestCase

The invariant checks, timeline assertions and the fixed clock need only ``overdue``; the
strategies and :class:`PolicyMachine` need hypothesis (the ``testing`` extra) and are imported
on first use.  The pytest plugin (``overdue._pytest_plugin``) adds the ``overdue_clock``,
``overdue_recording_adapter`` and ``overdue_policy`` fixtures and the ``--overdue-policy``
option.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from overdue.testing._clock import FixedClock, Recorder, SentMessage
from overdue.testing.assertions import Happening, TimelineMismatchError, assert_timeline, project
from overdue.testing.invariants import (
    Violation,
    check_actions,
    check_all,
    check_attempts,
    check_authorisations,
    check_caps,
    check_cease,
    check_contact_hours,
    check_field_visits,
    check_holds,
    check_idempotency,
    check_ladder_order,
    check_opt_outs,
    check_pauses,
    check_rules,
    check_third_parties,
    check_validation_periods,
    history,
)

if TYPE_CHECKING:
    from overdue.testing import strategies
    from overdue.testing.machine import InvariantError, PolicyMachine, default_account

__all__ = [
    "FixedClock",
    "Happening",
    "InvariantError",
    "PolicyMachine",
    "Recorder",
    "SentMessage",
    "TimelineMismatchError",
    "Violation",
    "assert_timeline",
    "check_actions",
    "check_all",
    "check_attempts",
    "check_authorisations",
    "check_caps",
    "check_cease",
    "check_contact_hours",
    "check_field_visits",
    "check_holds",
    "check_idempotency",
    "check_ladder_order",
    "check_opt_outs",
    "check_pauses",
    "check_rules",
    "check_third_parties",
    "check_validation_periods",
    "default_account",
    "history",
    "project",
    "strategies",
]

_LAZY = {
    "InvariantError": "overdue.testing.machine",
    "PolicyMachine": "overdue.testing.machine",
    "default_account": "overdue.testing.machine",
}


def __getattr__(name: str) -> Any:
    """Import the hypothesis-backed parts on first use, so the rest works without hypothesis."""
    module = "overdue.testing.strategies" if name == "strategies" else _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'overdue.testing' has no attribute {name!r}")
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != "hypothesis":
            raise
        # the extra, not a bare ``pip install hypothesis``: it names the versions we test with
        raise ModuleNotFoundError(
            f"overdue.testing.{name} needs hypothesis: "
            'pip install "overdue-policy[testing]"',
            name="hypothesis",
        ) from exc
    return loaded if name == "strategies" else getattr(loaded, name)


def __dir__() -> list[str]:
    return list(__all__)
