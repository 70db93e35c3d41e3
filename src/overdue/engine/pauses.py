"""Phase 3 and the clock: what stops the escalation clock, and for how long.

Holds (facts named by ``HoldWhile`` rules with ``pause_deadlines``, and payment plans) pause
the rung's clock; overlapping holds count once.  An open promise to pay pauses the ladder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from overdue._time import at_local
from overdue.policy import Policy
from overdue.snapshot import Snapshot

NO_PAUSE = (timedelta(0), False)  # no time paused, not paused now


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
) -> tuple[timedelta, bool]:
    """Time the escalation clock stood still since ``since``, and whether it stands still now.

    Holds that overlap (a dispute during a manual hold) pause the clock once: the time counted
    is the union of the hold intervals, not their sum.  ``extra`` adds closed spans the
    snapshot does not hold as facts (the time a promise to pay paused the ladder).
    """
    if not extra and not snapshot.fact_intervals and not snapshot.facts:
        return NO_PAUSE  # nothing ever held the account (most accounts)
    spans: list[tuple[datetime, datetime]] = (
        [(max(a, since), b) for a, b in extra if b > since and b > a] if extra else []
    )
    for name, start, end in snapshot.fact_intervals:
        if name in facts and end > since:
            spans.append((max(start, since), end))
    open_now = False
    held = snapshot.facts
    for name in facts if held else ():  # no fact on file now (a hold lifted): none open
        if name not in held:
            continue  # neither open now nor lapsed: nothing to count
        state = snapshot.fact_open(name, now)
        if state is not None:
            open_now = True
        elif name in snapshot.facts:
            # Lapsed by its own ``until``: count the time it held.
            st = snapshot.facts[name]
            if st.until is not None and st.until > since:
                spans.append((max(st.since, since), st.until))
    total = timedelta(0)
    if not spans:
        return total, open_now
    if len(spans) == 1:  # one hold (the common case): its own length, nothing to merge
        start, end = spans[0][0].astimezone(UTC), spans[0][1].astimezone(UTC)
        return (end - start if end > start else total), open_now
    reach: datetime | None = None
    for start, end in sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in spans):
        if reach is not None and start < reach:
            start = reach
        if end > start:
            total += end - start
        reach = end if reach is None or end > reach else reach
    return total, open_now
