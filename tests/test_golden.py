"""The golden corpus in CI: 500 generated accounts under every example policy and preset stack.

``benchmarks/golden.py`` decides a fixed, seeded portfolio under every policy at several
moments and hashes each decision's JSON (the decision corpus of ``overdue.testing.corpus``).
This test compares a 500-account subset with the hashes recorded in
``tests/golden_expected.txt``: a change to the engine that moves any answer fails here, naming
the accounts and the (policy, now) cells that moved.  A deliberate change (a named bug fixed)
rewrites the file with ``python benchmarks/golden.py --write-ci`` and says so in the changelog.
"""

from __future__ import annotations

from pathlib import Path

from overdue.testing.corpus import corpus_policies, generate_accounts, record_corpus

ROOT = Path(__file__).resolve().parent.parent


def test_golden_subset_unchanged() -> None:
    expected = (ROOT / "tests" / "golden_expected.txt").read_text(encoding="utf-8").splitlines()
    policies = corpus_policies(ROOT / "examples" / "policies")
    got = record_corpus(policies, generate_accounts(500), keep_records=False).summary()
    assert len(got) == len(expected)
    moved = [e.split("\t")[1] for e, g in zip(expected, got, strict=True) if e != g]
    assert not moved, f"{len(moved)} accounts/cells decide differently: {moved[:40]}"
