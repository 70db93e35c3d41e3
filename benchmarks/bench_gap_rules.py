"""Whether a held decide under a minimum gap and a cool-down stays flat in the history.

Usage::

    python benchmarks/bench_gap_rules.py

The reference policy with a ``MinimumGap`` and a ``CoolDown`` added decides the accounts of
``bench_decide.long_history`` (the same recent tail after 20 or 5,000 events of history) from
a held snapshot.  Printed: Python bytecodes per decision (load-independent) at both lengths,
for the first decision of a snapshot and the next ones, and their ratios: the rules keep what
they look back over in the snapshot's memo, so only the first decision may read the history.
Not a test: no figure here is asserted anywhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_decide import NOW, long_history, work_per_decision

from overdue import REFERENCE_POLICY, decide, fold
from overdue.rules import CoolDown, MinimumGap

POLICY = attrs.evolve(
    REFERENCE_POLICY,
    rules=(
        *REFERENCE_POLICY.rules,
        MinimumGap("gap", gap="4h", channels=("phone", "sms")),
        CoolDown("cool", after="conversation", period="2d", day_one="event_local_date"),
    ),
)


def bytecodes(events: int, accounts: int = 5) -> tuple[float, float]:
    """Bytecodes per held decision at about ``events`` events: the first decision of each
    snapshot, then the next ones."""
    accts = [long_history(events, i) for i in range(accounts)]
    snaps = [fold(a, NOW) for a in accts]
    pairs = list(zip(accts, snaps, strict=True))
    first, _ = work_per_decision(
        lambda: [decide(POLICY, a, NOW, snapshot=s) for a, s in pairs], len(pairs)
    )
    later, _ = work_per_decision(
        lambda: [decide(POLICY, a, NOW, snapshot=s) for a, s in pairs * 4], 4 * len(pairs)
    )
    return first, later


def main() -> int:
    short_first, short_later = bytecodes(20)
    long_first, long_later = bytecodes(5000)
    print("held decide under a minimum gap and a cool-down, bytecodes per decision")
    print(f"  first of a snapshot: 20 events {short_first:,.0f}; 5,000 events {long_first:,.0f}")
    print(f"  next ones:           20 events {short_later:,.0f}; 5,000 events {long_later:,.0f}")
    print(f"  ratio 5,000 / 20 events, next decisions: {long_later / short_later:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
