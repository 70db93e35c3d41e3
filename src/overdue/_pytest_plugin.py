"""The ``overdue`` pytest plugin: fixtures for a fixed clock, a recording adapter and a policy.

Registered through the ``pytest11`` entry point.  It is its own small module and does not
import hypothesis or the testing kit at import time, so loading it never slows or breaks pytest
start-up for suites that do not use it; the fixtures import what they need when used.

Options: ``--overdue-policy PATH`` (or the ini value ``overdue_policy``) points the
``overdue_policy`` fixture at a policy file; without it the fixture is the reference policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from overdue.policy import Policy
    from overdue.testing._clock import FixedClock

__all__ = ["overdue_clock", "overdue_policy", "overdue_recording_adapter"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("overdue", "overdue policy testing")
    group.addoption(
        "--overdue-policy",
        action="store",
        default=None,
        metavar="PATH",
        help="policy file (.toml or .json) the overdue_policy fixture loads",
    )
    parser.addini("overdue_policy", "policy file the overdue_policy fixture loads", default="")


@pytest.fixture
def overdue_clock() -> FixedClock:
    """A clock fixed at 2026-01-05 09:00 Asia/Shanghai; ``advance(days=1)`` moves it."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from overdue.testing._clock import FixedClock

    return FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
def overdue_recording_adapter() -> Any:
    """A channel adapter that records every send and reports it delivered."""
    try:
        from overdue.dispatch.fakes import RecordingAdapter
    except ImportError:
        from overdue.testing._clock import Recorder

        return Recorder()
    return RecordingAdapter("*")


@pytest.fixture
def overdue_policy(request: pytest.FixtureRequest) -> Policy:
    """The policy named by ``--overdue-policy`` / ini ``overdue_policy``, else the reference."""
    path = request.config.getoption("overdue_policy") or request.config.getini("overdue_policy")
    if not path:
        from overdue.reference import REFERENCE_POLICY

        return REFERENCE_POLICY
    try:
        from overdue.config import load_policy
    except ImportError as exc:
        raise pytest.UsageError(
            f"--overdue-policy {path}: loading policy files needs overdue.config, which is not "
            f"available ({exc})"
        ) from None
    return load_policy(path)
