"""The engine: ``decide`` and ``timeline``, pure functions of policy, facts and time.

Order of evaluation (the same every time, so the same inputs give the same decision), one
module per phase:

1. Fold the events up to ``now`` (or take the caller's snapshot); work out the debtor's zone
   and the situation once (:mod:`overdue.engine.decider`).
2. Written off, nothing owed, paid in full, not yet overdue: say so and stop
   (:mod:`~overdue.engine.decider`).
3. A promise to pay (until its date plus the policy's grace) or a payment plan pauses
   (:mod:`~overdue.engine.decider`, :mod:`~overdue.engine.pauses` for held time).
4. Find the rung: enter the first one if none was recorded; leave the current one when it is
   finished (deadline passed, steps done or blocked, grace run out) for the furthest next rung
   that can be entered passing over skippable rungs only.  A rung whose conditions or
   authorisations are missing makes the account wait, with the reason
   (:mod:`~overdue.engine.ladder`).
5. For each step of the rung, in declaration order: its next attempt is due at entry plus its
   offset (or the previous attempt plus ``repeat_every``); every rule that applies is asked at
   that moment.  Any block wins (a channel-only block tries the fallback channel); otherwise
   the latest deferral wins and all rules are asked again then, up to the policy's horizon
   (:mod:`~overdue.engine.plan`, :mod:`~overdue.engine.schedule`).
6. The deadline, the wake time, what new facts the decision waits for and the reasons are
   gathered into the :class:`~overdue.decision.Decision` (:mod:`~overdue.engine.deadline`,
   :mod:`~overdue.engine.decider`).  Phase 5 hands on Action drafts; each Action is built once,
   here, stating the deadline (:mod:`~overdue.engine.drafts`).

:mod:`~overdue.engine.catchup` says which attempt a repeating step makes after missed runs
(the policy's ``catch_up``); :mod:`~overdue.engine.versions` decides accounts in flight under
another policy version (``on_new_version``) and :mod:`~overdue.engine.migration` reports what
a new version changes.

:mod:`~overdue.engine.timelines` projects a schedule by asking ``decide`` again at each wake.
What ``decide`` looks up in a policy on every call is worked out once, on the policy
(``policy.compiled``, :mod:`overdue.compiled`).
"""

from __future__ import annotations

from overdue.engine.decider import decide
from overdue.engine.migration import MigrationReport, migration_report
from overdue.engine.timelines import Timeline, TimelineEntry, timeline
from overdue.engine.versions import PolicySet, decide_versioned

__all__ = [
    "MigrationReport",
    "PolicySet",
    "Timeline",
    "TimelineEntry",
    "decide",
    "decide_versioned",
    "migration_report",
    "timeline",
]
