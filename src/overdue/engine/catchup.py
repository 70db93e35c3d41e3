"""Phase 5a': a repeating step's next attempt after missed runs (``Policy.catch_up``).

A step's next attempt is due ``repeat_every`` after the previous one.  When nobody asked
``decide`` for a while (a host that was down for five days), that moment lies far in the past
and more than one attempt of the step has come due meanwhile.  The policy says what to do:

``latest_only`` (the default)
    An attempt's *window* runs from its due time until the next attempt of the step would be
    due.  An attempt whose window has passed is *stale* and is skipped; the step goes on with
    the latest attempt that is due now (numbered as such: attempt 4 of 5, not 2 of 5), and
    the action's reasons name the skipped attempts and when they were due.  The last attempt
    of a step never goes stale (no later attempt closes its window).  So a decision never
    holds more than one attempt per step, and a step never sends a burst to catch up.

``replay``
    Every attempt goes out, in order: an attempt sent after its window keeps the step's
    schedule where it was (the next one is due ``repeat_every`` after the *missed* due time,
    not after the late send), so the missed attempts come due one after the other, each under
    the rules (caps, contact hours, gaps) like any other contact.

Both read only the history: the attempt a ``latest_only`` step is at comes from the
idempotency key of its last recorded attempt (``{account}:{stage}#{n}:{step}:{attempt}``,
what :meth:`~overdue.decision.Action.outcome_event` records); a history whose attempts carry
no key is counted attempt by attempt, so skipped attempts come due again later instead.
A host that runs on time sees no difference between the two: every attempt is then sent
within its window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import NamedTuple

from overdue.calendars import BusinessCalendar
from overdue.decision import Reason
from overdue.durations import Duration
from overdue.events import ContactAttempted
from overdue.policy import Step
from overdue.situation import Situation
from overdue.snapshot import Snapshot, StepProgress

__all__ = ["Attempt", "NextAttempt", "answer", "attempts_due", "next_attempt", "skipped_reason"]


class NextAttempt(NamedTuple):
    """The attempt a step makes next: its number, its due time and the attempts skipped.

    A named tuple, unpacked by the planner: one is made per step planned, and a tuple costs
    less to make than an attrs value (whose ``__init__`` sets each field through a call)."""

    attempt: int
    due: datetime
    skipped: tuple[tuple[int, datetime], ...] = ()


_NONE_SKIPPED: tuple[tuple[int, datetime], ...] = ()


def _last_contacts(
    contacts: Sequence[ContactAttempted], stage: str, step: str, count: int
) -> list[ContactAttempted]:
    """The step's ``count`` attempts in the current rung entry, oldest first."""
    out: list[ContactAttempted] = []
    for c in reversed(contacts):
        if c.step == step and c.stage == stage:
            out.append(c)
            if len(out) == count:
                break
    out.reverse()
    return out


def _last_key(contacts: Sequence[ContactAttempted], stage: str, step: str) -> str | None:
    """The idempotency key of the step's latest attempt in the current rung entry."""
    for c in reversed(contacts):
        if c.step == step and c.stage == stage:
            return c.idempotency_key
    return None


def _latest_key(snap: Snapshot, stage: str, step: str, last_at: datetime) -> str | None:
    """:func:`_last_key` of the snapshot's contacts, looked for first among those from
    ``last_at`` on (the step's last attempt, :class:`StepProgress`).

    Why: those are a tail of the contacts (:meth:`Snapshot.contacts_since`), so a match
    there is the latest of them all; and a folded snapshot makes its ``contacts`` tuple
    (the whole history) only when first read, which a decision that plans need not do.
    Only when the tail holds none of the step's attempts (a snapshot made by hand) are all
    the contacts searched."""
    for c in reversed(snap.contacts_since(last_at)):
        if c.step == step and c.stage == stage:
            return c.idempotency_key
    return _last_key(snap.contacts, stage, step)


def _attempt_of(key: str | None, prefix: str) -> int | None:
    """The attempt number an idempotency key names, when it is this rung entry's step's."""
    if key is None or not key.startswith(prefix):
        return None
    tail = key[len(prefix) :]
    return int(tail) if tail.isdigit() else None


Attempt = tuple[int, datetime, "datetime | None"]
"""An attempt of a step, its due time and the end of its window as a UTC instant (when the
next attempt of the step is due; ``None``: it never goes stale)."""


def next_attempt(
    mode: str,
    step: Step,
    key: str,
    stage: str,
    since: datetime,
    progress: StepProgress | None,
    s: Situation,
    entries: int,
) -> NextAttempt | None:
    """The step's next attempt under ``mode`` (``None``: every attempt is made).

    Args:
        mode: the policy's ``catch_up``.
        key: the step's key (``Step.key``).
        since: when the rung's clock started (the step's first attempt is due ``step.at``
            after it).
        progress: the step's attempts in this rung entry (``None``: none yet).
        s: the decision's situation: the account's contact attempts (the snapshot's, oldest
            first), its id, ``now``, the debtor's zone and calendar.
        entries: how often the step's rung was entered (with the account's id and ``key``,
            the idempotency key's ``{account}:{stage}#{entries}:{step}:`` prefix).
    """
    due = attempts_due(mode, step, key, stage, since, progress, s, entries)
    return answer(due) if due else None


def answer(due: Sequence[Attempt]) -> NextAttempt:
    """What :func:`next_attempt` answers at the moment ``due`` was worked out for
    (:func:`attempts_due`): its last attempt, those before it skipped as stale."""
    attempt, at, _ = due[-1]
    if len(due) == 1:
        return NextAttempt(attempt, at, _NONE_SKIPPED)
    return NextAttempt(attempt, at, tuple([(a, d) for a, d, _ in due[:-1]]))


def attempts_due(
    mode: str,
    step: Step,
    key: str,
    stage: str,
    since: datetime,
    progress: StepProgress | None,
    s: Situation,
    entries: int,
) -> tuple[Attempt, ...]:
    """The step's attempts from the first not yet made to the one :func:`next_attempt` makes
    at ``s.now`` (``()``: every attempt is made): under ``latest_only`` those before it are
    the stale ones it skips (:func:`answer`); otherwise it is the only one.

    Why: none of these values reads ``now`` (only how many of them are worked out does), so
    the planner may keep them with a held snapshot and answer :func:`next_attempt` from them
    at a later moment in the window of the first of them (most decisions) or of the last.
    """
    tz, calendar = s.tz or UTC, s.calendar
    every = step.repeat_every
    if progress is None:  # the first attempt, due ``step.at`` after ``since``
        first_due = step.at.after(since, tz, calendar)
        if every is None or mode == "replay":  # a step made once, or every attempt made
            return ((1, first_due, None),)
        return _windows(step, every, 1, first_due, s.now, tz, calendar)
    done = progress.count
    if every is None or done >= step.max_attempts:
        return ()  # a policy checks that a step with max_attempts > 1 has repeat_every
    if mode == "replay":
        recorded = _last_contacts(s.snapshot.contacts, stage, key, done)
        first = step.at.after(since, tz, calendar)
        nxt = _replay(step, first, recorded, done, tz, calendar)
        return () if nxt is None else ((nxt.attempt, nxt.due, None),)
    last = _latest_key(s.snapshot, stage, key, progress.last_at)
    # An attempt recorded without a key, or keyed with the count on file (attempted in
    # order, nothing skipped), leaves ``done`` as it is: the key is parsed only otherwise.
    if last is not None and not last.endswith(f":{done}"):
        prefix = f"{s.account.id}:{stage}#{entries}:{key}:"  # as ``idempotency_key``
        numbered = _attempt_of(last, prefix)
        if numbered is not None and numbered > done:
            done = numbered  # attempts skipped by an earlier catch-up stay skipped
            if done >= step.max_attempts:
                return ()
    due = every.after(progress.last_at, tz, calendar)
    return _windows(step, every, done + 1, due, s.now, tz, calendar)


def _windows(
    step: Step,
    every: Duration,
    attempt: int,
    due: datetime,
    now: datetime,
    tz: tzinfo,
    calendar: BusinessCalendar,
) -> tuple[Attempt, ...]:
    """``latest_only``: attempt ``attempt`` due at ``due`` and the attempts after it, each
    with the end of its window, up to the first whose window is open at ``now`` (or the last,
    whose window never closes)."""
    most = step.max_attempts
    out: list[Attempt] = []
    while attempt < most:
        following = every.after(due, tz, calendar)
        ends = following.astimezone(UTC)
        out.append((attempt, due, ends))
        if ends > now:
            return tuple(out)  # the window of ``attempt`` is still open
        attempt, due = attempt + 1, following
    out.append((attempt, due, None))
    return tuple(out)


def _replay(
    step: Step,
    first_due: datetime,
    recorded: Sequence[ContactAttempted],
    done: int,
    tz: tzinfo,
    calendar: BusinessCalendar,
) -> NextAttempt | None:
    """Every attempt in order: a late one keeps the schedule, an on-time one moves it on."""
    if done >= step.max_attempts:
        return None
    every = step.repeat_every
    assert every is not None  # checked by the caller
    due = first_due
    for c in recorded:
        window_end = every.after(due, tz, calendar)
        # Sent within its window: the next one counts from the send, as ever.  Sent after it
        # (a missed run caught up): the next one keeps the missed schedule.
        anchor = c.at if c.at.astimezone(UTC) < window_end.astimezone(UTC) else due
        due = every.after(anchor, tz, calendar)
    return NextAttempt(done + 1, due, _NONE_SKIPPED)


def skipped_reason(step: str, skipped: Sequence[tuple[int, datetime]], tz: tzinfo) -> Reason:
    """The reason an action states for the stale attempts its step skipped (``latest_only``)."""
    first, last = skipped[0][0], skipped[-1][0]
    which = f"attempt {first}" if first == last else f"attempts {first}-{last}"
    when = ", ".join(f"{due.astimezone(tz):%Y-%m-%d %H:%M}" for _, due in skipped)
    return Reason(
        "engine",
        "info",
        "catch_up_skipped",
        f"{step}: {which} (due {when}) missed while no decision was asked and skipped as "
        "stale (catch_up = latest_only); this is the attempt due now",
    )
