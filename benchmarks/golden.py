"""The golden corpus: decision JSON for a fixed, generated portfolio, hashed per account.

Why: the engine is being restructured for speed.  The only honest proof that the answers did
not move is to decide the same accounts under the same policies at the same moments before and
after, and compare the records byte for byte.  The records are large, so only a short sha256 of
each decision's JSON is kept (``policy<TAB>now<TAB>account<TAB>hash`` lines, gzip'd, outside
git); to see what a differing decision was before a change, run this script at the older commit
(``git worktree add /tmp/old <commit>``) with ``--show``.

Usage::

    python benchmarks/golden.py --write /tmp/golden-before.tsv.gz           # 20,000 accounts
    python benchmarks/golden.py --compare /tmp/golden-before.tsv.gz         # names differences
    python benchmarks/golden.py --show 'reference|2026-04-01T10:00:00+08:00|ACC-000123'

This script is the project's own use of the decision corpus of the testing kit
(:mod:`overdue.testing.corpus`, ``docs/testing.md``): the accounts are its generator's
(``generate_accounts``), the policies every example policy then the built-ins
(``corpus_policies``), the moments ``CORPUS_MOMENTS``; the file is its format 1 without the
header (hashes only).  ``tests/test_golden.py`` checks a 500-account subset in CI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from overdue import Account
from overdue.policy import Policy
from overdue.testing.corpus import (
    ADDED_KEYS,
    ADDED_RECORD_KEYS,
    CORPUS_MOMENTS,
    DecisionCorpus,
    compare_corpus,
    corpus_policies,
    decision_record,
    generate_accounts,
    iter_entries,
    read_corpus,
    record_digest,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLE_POLICIES = ROOT / "examples" / "policies"
NOWS = CORPUS_MOMENTS
CI_ACCOUNTS = 500
CI_EXPECTED = ROOT / "tests" / "golden_expected.txt"
INSTANTS = False  # --instants: timestamps compared as instants (their offsets ignored)

# the names older tests and scripts import from here
__all__ = ["ADDED_KEYS", "ADDED_RECORD_KEYS", "NOWS", "accounts", "corpus", "digest", "policies",
           "record", "summary"]


def policies() -> dict[str, Policy]:
    """Every example policy, the reference policy with and without field visits, and stacks."""
    return corpus_policies(EXAMPLE_POLICIES)


def accounts(n: int, seed: int = 20261202) -> list[Account]:
    """``n`` accounts from a fixed seed: 80% ladder histories (40% of those with an extra fact)."""
    return generate_accounts(n, seed)


def record(policy: Policy, account: Account, now: datetime) -> str:
    """The decision as canonical JSON (sorted keys), without the keys added since recording."""
    return decision_record(policy, account, now, instants=INSTANTS)


def digest(text: str) -> str:
    """A short sha256: 64 bits is plenty to tell two decisions apart."""
    return record_digest(text)


def _record(n: int, progress: Callable[[str], None] | None = None) -> DecisionCorpus:
    entries = iter_entries(
        policies(), accounts(n), NOWS, keep_records=False, instants=INSTANTS, progress=progress
    )
    return DecisionCorpus({e.key: e for e in entries})


def corpus(
    n: int, progress: Callable[[str], None] | None = None
) -> Iterator[tuple[str, str, str, str]]:
    """``(policy, now, account, hash)`` for every account under every policy at every now."""
    for e in iter_entries(
        policies(), accounts(n), NOWS, keep_records=False, instants=INSTANTS, progress=progress
    ):
        yield e.policy, e.now, e.account, e.digest


def summary(n: int = CI_ACCOUNTS) -> list[str]:
    """One combined hash per account and per (policy, now): the compact form CI compares."""
    return _record(n).summary()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--write", type=Path, help="write the hashes here (.tsv.gz)")
    parser.add_argument("--compare", type=Path, help="compare with hashes written before")
    parser.add_argument("--show", help="print one record: 'policy|now|account'")
    parser.add_argument(
        "--instants",
        action="store_true",
        help="hash timestamps as instants, to check that differences are only of zone",
    )
    parser.add_argument(
        "--write-ci", action="store_true", help=f"rewrite {CI_EXPECTED.name} (500 accounts)"
    )
    args = parser.parse_args(argv)
    global INSTANTS
    INSTANTS = args.instants

    if args.show:
        name, stamp, acct_id = args.show.split("|")
        acct = next(a for a in accounts(args.accounts) if a.id == acct_id)
        print(record(policies()[name], acct, datetime.fromisoformat(stamp)))
        return 0

    if args.write_ci:
        CI_EXPECTED.write_text("\n".join(summary()) + "\n", encoding="utf-8")
        return 0

    def say(name: str) -> None:
        print(f"  deciding under {name}", file=sys.stderr)

    today = _record(args.accounts, say)
    print(f"{len(today):,} decisions", file=sys.stderr)
    if args.write:
        today.write(args.write, header=False)
    if args.compare:
        result = compare_corpus(read_corpus(args.compare), today)
        moved = {(d.policy, d.now, d.account) for d in result.differences} | set(result.extra)
        diff = [key for key in today.entries if key in moved]  # in the order decided
        print(f"{len(diff):,} of {len(today):,} decisions differ; {len(result.missing)} missing")
        for p, t, a in diff:
            print(f"{p}|{t}|{a}")
        return 1 if diff or result.missing else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
