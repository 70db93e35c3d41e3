"""The testing kit's catch table and bounded-proof figures (issue 19), on this machine.

Usage::

    python benchmarks/bench_testing_kit.py            # catch table + proofs (a few minutes)
    python benchmarks/bench_testing_kit.py --no-machine  # text checks and proofs only

For every authoring mistake of ``tests/testing/test_catch_table.py`` (the reference policy and
two presets) it prints which layer of the documented way catches it: the policy text against
the requirements (``static_violations``), against the reviewed policy (``weakenings``), and the
state machine judging behaviour by the requirements alone, at the CI budget (derandomized, as
CI runs it).  Then the bounded proof of the reference policy's contact hours and caps over 14
days: histories covered, states expanded and the wall time, for two grids.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path

from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "testing"))
settings.register_profile("bench", derandomize=True)
settings.load_profile("bench")
warnings.simplefilter("ignore")

from test_catch_table import BASES, _behaviour, _load  # noqa: E402
from test_proofs import ACCOUNT, HOURS_AND_CAPS  # noqa: E402

from overdue import REFERENCE_POLICY  # noqa: E402
from overdue.testing import prove, static_violations, weakenings  # noqa: E402


def catch_table(machine: bool) -> None:
    print("| policy | mistake | requirements | weakenings | machine alone |")
    print("|---|---|---|---|---|")
    totals = [0, 0, 0, 0, 0]
    for base, (text, required, mistakes) in BASES.items():
        golden = _load(text)
        for name, edit in mistakes.items():
            cand = _load(edit(text))
            s = len(static_violations(required, cand))
            w = len(weakenings(golden, cand))
            m = "-"
            if machine:
                t0 = time.perf_counter()
                caught = bool(_behaviour(cand, required))
                m = f"{'yes' if caught else 'no'} ({time.perf_counter() - t0:.1f}s)"
                totals[2] += caught
            totals[0] += s > 0
            totals[1] += w > 0
            totals[3] += s > 0 or w > 0
            totals[4] += 1
            print(f"| {base} | {name} | {s} | {w} | {m} |")
    print(
        f"\ncaught by requirements {totals[0]}/{totals[4]}, by weakenings {totals[1]}/{totals[4]}, "
        f"by either {totals[3]}/{totals[4]}"
        + (f", by the machine alone {totals[2]}/{totals[4]}" if machine else "")
    )


def proofs() -> None:
    account, required = ACCOUNT, HOURS_AND_CAPS  # the CI proof's account and requirements
    for hours in (24, 12):
        t0 = time.perf_counter()
        result = prove(REFERENCE_POLICY, required, account, days=14, grid=timedelta(hours=hours))
        took = time.perf_counter() - t0
        print(f"{result}\n  wall time {took:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-machine", action="store_true")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpu(s)\n")
    catch_table(not args.no_machine)
    print()
    proofs()


if __name__ == "__main__":
    main()
