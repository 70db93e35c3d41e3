"""Bytecodes and Python calls per held decision, apart for the decisions that plan steps.

Usage (from the repository root, ``src`` on the path)::

    python benchmarks/bench_plan_work.py --accounts 2000

Why: about a third of held decisions plan steps (``overdue.engine.plan.plan_steps``) and each
costs three to four times one that does not; in ``bench_decide.py --work`` the average hides
a change to the planning path.  Counting bytecodes does not depend on the machine's load
(work in C, such as ``datetime`` arithmetic, is not counted: confirm with time).  Issue 10.
"""

from __future__ import annotations

import argparse
import sys
from types import FrameType

from bench_decide import NOW, make_portfolio, work_per_decision

import overdue.engine.plan as plan_module
from overdue import REFERENCE_POLICY, decide, fold


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20260401)
    args = parser.parse_args(argv)

    portfolio = make_portfolio(args.accounts, args.seed)
    snaps = [fold(a, NOW) for a in portfolio]
    policy = REFERENCE_POLICY
    for acct, snap in zip(portfolio, snaps, strict=True):  # compiled lookups, caches
        decide(policy, acct, NOW, snapshot=snap)

    plans = plan_module.plan_steps.__code__
    planned = False

    def spot(frame: FrameType, event: str, arg: object) -> None:
        nonlocal planned
        if event == "call" and frame.f_code is plans:
            planned = True

    # Per group: decisions, bytecodes, calls.
    totals = {True: [0.0, 0.0, 0.0], False: [0.0, 0.0, 0.0]}
    for acct, snap in zip(portfolio, snaps, strict=True):
        planned = False
        sys.setprofile(spot)  # does this decision plan steps? (a profile hook counts nothing)
        try:
            decide(policy, acct, NOW, snapshot=snap)
        finally:
            sys.setprofile(None)
        ops, calls = work_per_decision(lambda a=acct, s=snap: decide(policy, a, NOW, snapshot=s), 1)
        group = totals[planned]
        group[0] += 1
        group[1] += ops
        group[2] += calls
    n = len(portfolio)
    every = (totals[True][1] + totals[False][1]) / n, (totals[True][2] + totals[False][2]) / n
    print(f"{'held, every decision':<34} {n:>6,} {every[0]:>8,.0f} bytecodes {every[1]:6.1f} calls")
    for label, key in (("held, planning steps", True), ("held, planning none", False)):
        count, o, c = totals[key]
        if count:
            per = f"{o / count:>8,.0f} bytecodes {c / count:6.1f} calls"
            print(f"{label:<34} {int(count):>6,} {per}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
