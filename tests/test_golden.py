"""The golden corpus in CI: 500 generated accounts under every example policy and preset stack.

``benchmarks/golden.py`` decides a fixed, seeded portfolio under every policy at several
moments and hashes each decision's JSON.  This test compares a 500-account subset with the
hashes recorded in ``tests/golden_expected.txt``: a change to the engine that moves any answer
fails here, naming the accounts and the (policy, now) cells that moved.  A deliberate change
(a named bug fixed) rewrites the file with ``python benchmarks/golden.py --write-ci`` and says
so in the changelog.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _golden() -> object:
    path = ROOT / "benchmarks" / "golden.py"
    spec = importlib.util.spec_from_file_location("overdue_golden", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["overdue_golden"] = module
    spec.loader.exec_module(module)
    return module


def test_golden_subset_unchanged() -> None:
    golden = _golden()
    expected = (ROOT / "tests" / "golden_expected.txt").read_text(encoding="utf-8").splitlines()
    got = golden.summary()  # type: ignore[attr-defined]
    assert len(got) == len(expected)
    moved = [e.split("\t")[1] for e, g in zip(expected, got, strict=True) if e != g]
    assert not moved, f"{len(moved)} accounts/cells decide differently: {moved[:40]}"
