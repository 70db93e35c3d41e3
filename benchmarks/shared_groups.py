"""Where ``decide`` from a held snapshot is furthest from plain-ref: the cost per kind of outcome.

Usage (from the project root; ``pip install transitions`` first, as for the shared script)::

    python benchmarks/shared_groups.py --accounts 5000

The shared instrument (``benchmarks/shared_baselines.py``) gives one ratio for the whole
portfolio.  That ratio is an average over very different decisions: a paid account settles in
a few lines, a disputed one asks every rule about every step before it finds the block.  This
script splits the same portfolio by what ``decide`` answered (status, whether any step was
planned or blocked, whether a rung was entered) and, per group, times ``decide`` with a held
snapshot against plain-ref's decision from its held state, on the same accounts, in
alternating passes; it also counts the Python bytecodes per decision of each group, which do
not move with the machine's load.  The column "share of time" says where a speed-up pays.

Timings are CPU time, the best of ``--repeat`` passes; quote their ratios, not the times.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shared_baselines
from bench_decide import work_per_decision

from overdue import REFERENCE_POLICY, decide

Group = tuple[str, bool, bool]


def group_of(decision: object) -> Group:
    """(status, a step planned or blocked, a rung entered) of one decision."""
    d = decision
    return (
        d.status,  # type: ignore[attr-defined]
        bool(d.actions) or bool(d.blocked),  # type: ignore[attr-defined]
        d.transition is not None,  # type: ignore[attr-defined]
    )


def _best(run: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        run()
        best = min(best, time.process_time() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--accounts", type=int, default=5000)
    p.add_argument("--repeat", type=int, default=5, help="timed passes per group; best kept")
    args = p.parse_args(argv)
    m = shared_baselines.load()
    _legacy, _legacy_now, ref, accounts, snaps, states = m.build(args.accounts)
    now, policy = m.REF_NOW, REFERENCE_POLICY
    groups: dict[Group, list[int]] = defaultdict(list)
    for i, (a, sn) in enumerate(zip(accounts, snaps, strict=True)):
        groups[group_of(decide(policy, a, now, snapshot=sn))].append(i)

    rows = []
    for key, idx in groups.items():

        def mine(idx: list[int] = idx) -> None:
            for i in idx:
                decide(policy, accounts[i], now, snapshot=snaps[i])

        def theirs(idx: list[int] = idx) -> None:
            for i in idx:
                m.ref_decide_state(ref[i], states[i], now)

        t_mine, t_ref = _best(mine, args.repeat), _best(theirs, args.repeat)
        codes, _calls = work_per_decision(mine, len(idx))
        rows.append((key, len(idx), t_mine, t_ref, codes))
    total = sum(r[2] for r in rows)
    print(f"{args.accounts:,} accounts of the shared portfolio, decided from held snapshots")
    print(
        f"{'status':<10}{'planned':>8}{'entered':>8}{'accounts':>10}"
        f"{'vs plain-ref':>14}{'share of time':>15}{'bytecodes':>11}"
    )
    for (status, planned, entered), n, t_mine, t_ref, codes in sorted(rows, key=lambda r: -r[2]):
        print(
            f"{status:<10}{'yes' if planned else 'no':>8}{'yes' if entered else 'no':>8}{n:>10,}"
            f"{t_ref / t_mine:>13.2f}×{t_mine / total:>14.0%}{codes:>11,.0f}"
        )
    t_ref_all = sum(r[3] for r in rows)
    print(f"all: {t_ref_all / total:.3f}× plain-ref held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
