"""Phase 6a: when the rung is finished if nothing changes, and how long records are kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import attrgetter

from overdue.calendars import BusinessCalendar
from overdue.engine.drafts import ActionDraft, PlanOut
from overdue.engine.reasons import instant as _instant
from overdue.policy import Stage
from overdue.rules.protocols import SetsRetention
from overdue.snapshot import Snapshot, StepProgress

_LAST_AT = attrgetter("last_at")  # in C, as a ``map`` over the steps' progress
_NOT_BEFORE = attrgetter("not_before")  # and over the attempts planned


def deadline(
    stage: Stage,
    since: datetime,
    pause: timedelta,
    paused_now: bool,
    plan: PlanOut,
    z: tzinfo,
    calendar: BusinessCalendar,
    progress: Mapping[str, StepProgress],
) -> datetime | None:
    """When the rung is finished if nothing changes (``None`` while paused or at the top).

    ``z`` is the debtor's zone (UTC when unknown), whose days and wall clock count.
    """
    if paused_now:  # the clock stands still
        return None
    length, grace = stage.deadline, stage.grace
    actions = plan[0]
    # The common cases first: nothing planned and one end (as ``_latest_end`` finds).
    if grace is None:
        if length is None:  # the top of the ladder
            return None
        if not actions:  # the rung's own length
            end = length.after(since, z, calendar)
            return end if not pause else _later(end, pause)
    elif length is None and not actions:  # the grace after the rung's last attempt, or entry
        last = max(map(_LAST_AT, progress.values()), key=_instant) if progress else since
        end = grace.after(last, z, calendar)
        return end if not pause else _later(end, pause)
    return _latest_end(stage, since, pause, actions, z, calendar, progress)


def _latest_end(
    stage: Stage,
    since: datetime,
    pause: timedelta,
    actions: Sequence[ActionDraft],
    z: tzinfo,
    calendar: BusinessCalendar,
    progress: Mapping[str, StepProgress],
) -> datetime | None:
    """:func:`deadline` in full: the latest of the rung's length, the attempts planned and the
    grace after the last attempt (``None``: none of them)."""
    ends: list[datetime] = []
    if stage.deadline is not None:
        end = stage.deadline.after(since, z, calendar)
        ends.append(end if not pause else _later(end, pause))
    # Every pending attempt must happen first; the last one planned bounds the deadline.
    ends.extend(map(_NOT_BEFORE, actions))  # in C (on a tie ``max`` keeps the first)
    if stage.grace is not None:
        # The grace runs from the rung's last attempt: one made before now, or one planned.
        last = max(map(_LAST_AT, progress.values()), default=None, key=_instant)
        base = max(map(_NOT_BEFORE, actions), default=last or since, key=_instant)
        if last is not None and last > base:
            base = last
        ends.append(_later(stage.grace.after(base, z, calendar), pause))
    if not ends:
        return None
    return ends[0] if len(ends) == 1 else max(ends, key=_instant)


def _later(at: datetime, pause: timedelta) -> datetime:
    """``at`` moved on by ``pause`` of elapsed time (not wall-clock time across a DST change)."""
    if not pause:
        return at
    return (at.astimezone(UTC) + pause).astimezone(at.tzinfo)


def retain_until(rules: Sequence[SetsRetention], snapshot: Snapshot, tz: tzinfo) -> date | None:
    """The latest ``retain_until`` any rule asks for (``retention_for``), if any."""
    dates = []
    for rule in rules:
        if (d := rule.retention_for(snapshot, tz)) is not None:
            dates.append(d)
    return max(dates) if dates else None
