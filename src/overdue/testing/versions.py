"""Invariants for policy versions in flight and for catch-up after missed runs (issue 13).

Plain functions returning :class:`~overdue.testing.invariants.Violation` lists, like the other
checks of the kit, so a test reads ``assert check_pinned(...) == []``:

- :func:`check_pinned`: an account pinned to the version it entered under is decided exactly
  as that version decides it (the one added reason aside);
- :func:`check_catch_up`: under ``latest_only`` a decision holds at most one attempt per step,
  never an attempt past the step's ``max_attempts``;
- :func:`check_catch_up_run`: under ``latest_only`` one host run sends at most one attempt per
  step of an account (the host may sleep for days; it never sends a burst).

The strategies that draw policy pairs are in :mod:`overdue.testing.policy_pairs` (hypothesis).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import attrs

from overdue.account import Account
from overdue.decision import Decision
from overdue.engine import decide
from overdue.engine.versions import PolicySet, decide_versioned, entered_under
from overdue.policy import Policy
from overdue.snapshot import fold
from overdue.testing.invariants import Violation

__all__ = ["check_catch_up", "check_catch_up_run", "check_pinned", "without_version_reasons"]


def without_version_reasons(d: Decision) -> Decision:
    """``d`` without the reasons that only state a version change (``version_*``)."""
    return attrs.evolve(d, reasons=tuple(r for r in d.reasons if not r.code.startswith("version_")))


def check_pinned(
    new: Policy, versions: PolicySet, account: Account, now: datetime
) -> list[Violation]:
    """A ``pin``ned account in flight under an old version is decided as the old version does.

    Nothing is checked when ``new`` does not pin or the account is not in flight under a
    version ``versions`` holds.
    """
    if new.on_new_version != "pin":
        return []
    under = entered_under(fold(account, now))
    if under is None or under == (new.id, new.version) or under not in versions:
        return []
    old = versions.get(*under)
    got = without_version_reasons(decide_versioned(new, account, now, versions=versions))
    want = decide(old, account, now)
    if got == want:
        return []
    return [
        Violation(
            "pinned",
            f"account {account.id} is pinned to {under[0]} {under[1]} but {new.id} "
            f"{new.version} decided {got!r} where the old version decides {want!r}",
            now,
        )
    ]


def check_catch_up(policy: Policy, decision: Decision) -> list[Violation]:
    """One decision: under ``latest_only``, at most one attempt per step, none past its limit."""
    out: list[Violation] = []
    steps = {(s.id, st.key): st for s in policy.stages for st in s.steps}
    per_step = Counter((a.stage, a.step) for a in decision.actions)
    for a in decision.actions:
        step = steps.get((a.stage, a.step))
        if step is not None and a.attempt > step.max_attempts:
            out.append(
                Violation(
                    "catch_up",
                    f"{a.idempotency_key} is attempt {a.attempt} of a step allowing "
                    f"{step.max_attempts}",
                    a.not_before,
                    a.stage,
                )
            )
    if policy.catch_up == "latest_only":
        for (stage, step_key), n in per_step.items():
            if n > 1:
                out.append(
                    Violation(
                        "catch_up",
                        f"{decision.account_id}: {n} attempts of {stage}/{step_key} in one "
                        "decision under catch_up = latest_only",
                        decision.at,
                        stage,
                    )
                )
    return out


def check_catch_up_run(policy: Policy, sent_keys: Iterable[str], at: datetime) -> list[Violation]:
    """One host run (``RunReport.sent``): under ``latest_only`` at most one send per step.

    Keys are the engine's (``{account}:{stage}#{n}:{step}:{attempt}``); the step is all but the
    attempt.
    """
    if policy.catch_up != "latest_only":
        return []
    per_step = Counter(key.rsplit(":", 1)[0] for key in sent_keys)
    return [
        Violation(
            "catch_up",
            f"one run at {at.isoformat()} sent {n} attempts of {step} under catch_up = "
            "latest_only",
            at,
        )
        for step, n in sorted(per_step.items())
        if n > 1
    ]
