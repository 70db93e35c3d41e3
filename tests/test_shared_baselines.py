"""The reference policy agrees with the shared plain-Python reference ladder ("plain-ref").

``../shared/perf/baselines.py`` is the instrument every speed ratio of this project is quoted
from; it hand-writes the reference ladder and checks, before timing anything, that it describes
``overdue.REFERENCE_POLICY``.  Its agreement with ``decide`` must stay 100%: a change to the
engine that moves a reference decision would make the ratios compare different work.  This test
runs the instrument's own start-up check and its plain-ref decision on a small portfolio,
through ``benchmarks/shared_baselines.py`` (which makes the four documented edits for issues 14
and 17).  Nothing here is timed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from overdue import REFERENCE_POLICY, decide, fold

WRAPPER = Path(__file__).resolve().parent.parent / "benchmarks" / "shared_baselines.py"


@pytest.fixture(scope="module")
def shared() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shared_baselines_wrapper", WRAPPER)
    assert spec is not None
    assert spec.loader is not None
    wrapper = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = wrapper
    spec.loader.exec_module(wrapper)
    module: ModuleType = wrapper.load()
    return module


def test_the_instruments_start_up_check_passes(shared: ModuleType) -> None:
    shared.check_ref_ladder()  # raises AssertionError naming the field that differs


@pytest.mark.parametrize("event_zone", ["utc", "local"])
def test_plain_ref_and_decide_agree_on_every_account(shared: ModuleType, event_zone: str) -> None:
    ref = shared.make_ref_portfolio(400, event_zone=event_zone)
    now = shared.REF_NOW
    differ = []
    for raw in ref:
        account = shared.to_overdue(raw)
        mine = shared.ref_key(shared.ref_decide_state(raw, shared.ref_fold(raw, now), now))
        snapshot = fold(account, now)
        held = shared.overdue_key(decide(REFERENCE_POLICY, account, now, snapshot=snapshot))
        folded = shared.overdue_key(decide(REFERENCE_POLICY, account, now))
        if not (mine == held == folded):
            differ.append((raw["id"], mine, held, folded))
    assert differ == []


def test_the_per_outcome_breakdown_runs_and_covers_every_account(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``benchmarks/shared_groups.py`` (where held decisions are furthest from plain-ref) runs
    on a small portfolio and accounts for every decision in its groups.  Nothing is timed."""
    path = WRAPPER.parent / "shared_groups.py"
    spec = importlib.util.spec_from_file_location("shared_groups_script", path)
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--accounts", "80", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = lines[2:-1]
    assert sum(int(line.split()[3].replace(",", "")) for line in rows) == 80
