"""The ``overdue`` pytest plugin: fixtures for a fixed clock, a recording adapter and a policy.

Registered through the ``pytest11`` entry point.  It is its own small module and does not
import hypothesis or the testing kit at import time, so loading it never slows or breaks pytest
start-up for suites that do not use it; the fixtures import what they need when used.

Options:

- ``--overdue-policy PATH`` (or the ini value ``overdue_policy``) points the ``overdue_policy``
  fixture, and every ``PolicyMachine`` whose ``policy = selected_policy()``, at a policy file;
  without it they get the reference policy (or the machine's default).
- ``--overdue-mutant NAME`` makes one standard authoring mistake to that policy
  (:func:`overdue.testing.mutants`), so the suite runs against the mutant.
- ``--overdue-mutants [PATTERN]`` runs the suite once on the policy and then once per mutant
  (those whose name matches the ``fnmatch`` pattern), each in a fresh ``pytest`` process, and
  reports which mutants survive: the mutation score of the suite.  Exit 0 when every mutant
  was killed, 1 when some survived, 2 when the suite fails on the unmutated policy.
"""

from __future__ import annotations

import fnmatch
import subprocess
import sys
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
    group.addoption(
        "--overdue-mutant",
        action="store",
        default=None,
        metavar="NAME",
        help="run against this standard authoring mistake made to the policy",
    )
    group.addoption(
        "--overdue-mutants",
        action="store",
        nargs="?",
        const="*",
        default=None,
        metavar="PATTERN",
        help="run the suite against every mutant of the policy (or those matching PATTERN) "
        "and report which survive",
    )
    parser.addini("overdue_policy", "policy file the overdue_policy fixture loads", default="")


def _policy_path(config: pytest.Config) -> str | None:
    path = config.getoption("overdue_policy") or config.getini("overdue_policy")
    return str(path) if path else None


_SAVED = "_overdue_selection_before"


def pytest_configure(config: pytest.Config) -> None:
    mutant = config.getoption("overdue_mutant", None)
    path = _policy_path(config)
    if path is None and mutant is None:
        return
    from overdue.testing.selection import select, selection

    setattr(config, _SAVED, selection())
    select(path, mutant)


def pytest_unconfigure(config: pytest.Config) -> None:
    # A session run inside another (pytester) must not leave its selection behind.
    saved = getattr(config, _SAVED, None)
    if saved is not None:
        from overdue.testing.selection import select

        select(*saved)


def pytest_cmdline_main(config: pytest.Config) -> int | None:
    pattern = config.getoption("overdue_mutants", None)
    if pattern is None:
        return None
    return _score(config, str(pattern))


def _rerun_args(config: pytest.Config) -> list[str]:
    args = list(config.invocation_params.args)
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            if not a.startswith("-"):
                continue
        if a == "--overdue-mutants":
            skip = True
            continue
        if a.startswith("--overdue-mutants="):
            continue
        out.append(a)
    return out


def _run(args: list[str], cwd: str) -> int:
    cmd = [sys.executable, "-m", "pytest", *args, "-x", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False)
    return done.returncode


def _score(config: pytest.Config, pattern: str) -> int:
    from overdue.testing.mutants import mutants
    from overdue.testing.selection import current_policy, select

    select(_policy_path(config), None)
    policy = current_policy()
    chosen = [m for m in mutants(policy) if fnmatch.fnmatchcase(m.name, pattern)]
    args = _rerun_args(config)
    cwd = str(config.invocation_params.dir)
    write = sys.stdout.write
    write(f"overdue mutants of {policy.id!r}: {len(chosen)} matching {pattern!r}\n")
    base = _run(args, cwd)
    if base != 0:
        write(f"the suite fails on the unmutated policy (pytest exit {base}); fix it first\n")
        return 2
    survivors: list[str] = []
    for m in chosen:
        code = _run([*args, "--overdue-mutant", m.name], cwd)
        if code in (0, 5):
            survivors.append(m.name)
            write(f"  SURVIVED {m.name}: {m.description}\n")
        else:
            write(f"  killed   {m.name}\n")
    killed = len(chosen) - len(survivors)
    write(f"mutation score: {killed}/{len(chosen)} killed")
    write(f"; survivors: {', '.join(survivors)}\n" if survivors else "\n")
    return 1 if survivors else 0


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
    """The policy named by ``--overdue-policy`` / ini ``overdue_policy`` (else the reference),
    with the ``--overdue-mutant`` mistake made to it when one is named."""
    path = _policy_path(request.config)
    mutant = request.config.getoption("overdue_mutant", None)
    if not path and not mutant:
        from overdue.reference import REFERENCE_POLICY

        return REFERENCE_POLICY
    try:
        from overdue.testing.selection import current_policy
    except ImportError as exc:
        raise pytest.UsageError(
            f"--overdue-policy {path}: loading policy files needs overdue.config, which is not "
            f"available ({exc})"
        ) from None
    return current_policy()
