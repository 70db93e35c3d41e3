"""Phase 3 and the clock: what stops the escalation clock, and for how long.

Holds (facts named by ``HoldWhile`` rules with ``pause_deadlines``, and payment plans) pause
the rung's clock; overlapping holds count once.  An open promise to pay pauses the ladder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from overdue._time import at_local
from overdue.policy import Policy
from overdue.snapshot import FactState, Snapshot

_NO_TIME = timedelta(0)  # one value, not one made per call (a constructor with keywords)
NO_PAUSE: tuple[timedelta, tuple[FactState, ...]] = (_NO_TIME, ())  # no time paused, no hold


def promise_end(policy: Policy, by: date, tz: tzinfo) -> datetime:
    """When a promise to pay by ``by`` stops pausing the ladder: the policy's grace after the
    promised day ends in the debtor's zone ``tz``.  The engine and the invariants both ask here."""
    start = at_local(by + timedelta(days=1), time(0), tz)
    return policy.promise_grace.add_to(start, tz=tz, calendar=policy.calendar)


def paused_time(
    snapshot: Snapshot,
    facts: frozenset[str],
    since: datetime,
    now: datetime,
    extra: Sequence[tuple[datetime, datetime]] = (),
) -> tuple[timedelta, tuple[FactState, ...]]:
    """Time the escalation clock stood still since ``since``, and the holds that stop it now
    (none: it runs).  The engine reads those holds again for the wake time and for what it
    waits for, so they are returned rather than looked up a second and third time.

    Holds that overlap (a dispute during a manual hold) pause the clock once: the time counted
    is the union of the hold intervals, not their sum.  ``extra`` adds closed spans the
    snapshot does not hold as facts (the time a promise to pay paused the ladder).
    """
    # Each read once: a snapshot's attribute read costs more than a local's.
    intervals, on_file = snapshot.fact_intervals, snapshot.facts
    if not extra and not intervals and not on_file:
        return NO_PAUSE  # nothing ever held the account (most accounts)
    spans: list[tuple[datetime, datetime]] = (
        [(max(a, since), b) for a, b in extra if b > since and b > a] if extra else []
    )
    for name, start, end in intervals:
        if name in facts and end > since:
            spans.append((max(start, since), end))
    open_now: list[FactState] = []
    # The facts on file (a few), rather than every fact that pauses (a policy's holds).
    for name, st in on_file.items():
        if name not in facts:
            continue  # a fact that does not stop the clock (an opt-out, a cease request)
        until = st.until
        if until is None or now < until:  # open now (``FactState.open_at``)
            open_now.append(st)
        elif until > since:
            # Lapsed by its own ``until``: count the time it held.
            spans.append((max(st.since, since), until))
    holds = tuple(open_now)
    if not spans:  # (a hold open now and none before it: the common held account)
        return _NO_TIME, holds
    if len(spans) == 1:  # one hold (the common case): its own length, nothing to merge
        start, end = spans[0][0].astimezone(UTC), spans[0][1].astimezone(UTC)
        return (end - start if end > start else _NO_TIME), holds
    total = _NO_TIME
    reach: datetime | None = None
    for start, end in sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in spans):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += end - start
        reach = end if reach is None or end > reach else reach
    return total, holds
