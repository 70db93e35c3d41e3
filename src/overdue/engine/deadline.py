"""Phase 6a: when the rung is finished if nothing changes, and how long records are kept."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from overdue.calendars import BusinessCalendar
from overdue.engine.drafts import PlanOut
from overdue.engine.reasons import instant as _instant
from overdue.policy import Stage
from overdue.rules.protocols import SetsRetention
from overdue.snapshot import Snapshot, StepProgress


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
    if stage.terminal or paused_now:
        return None
    ends: list[datetime] = []
    if stage.deadline is not None:
        end = stage.deadline.after(since, z, calendar)
        ends.append(_later(end, pause))
    actions, _ = plan
    # Every pending attempt must happen first; the last one planned bounds the deadline.
    for a in actions:
        ends.append(a.not_before)
    if stage.grace is not None:
        # The grace runs from the rung's last attempt: one made before now, or one planned.
        last = max((p.last_at for p in progress.values()), default=None, key=_instant)
        base = max((a.not_before for a in actions), default=last or since, key=_instant)
        if last is not None and last > base:
            base = last
        end = stage.grace.after(base, z, calendar)
        ends.append(_later(end, pause))
    if not ends:
        return None
    return ends[0] if len(ends) == 1 else max(ends, key=_instant)


def _later(at: datetime, pause: timedelta) -> datetime:
    """``at`` moved on by ``pause`` of elapsed time (not wall-clock time across a DST change)."""
    if not pause:
        return at
    return (at.astimezone(UTC) + pause).astimezone(at.tzinfo)


def finished(
    stage: Stage, plan: PlanOut, deadline: datetime | None, now: datetime, paused_now: bool
) -> bool:
    if stage.terminal or paused_now or deadline is None:
        return False
    actions, _ = plan
    if actions:
        return False
    return now >= deadline


def retain_until(rules: Sequence[SetsRetention], snapshot: Snapshot, tz: tzinfo) -> date | None:
    """The latest ``retain_until`` any rule asks for (``retention_for``), if any."""
    dates = []
    for rule in rules:
        if (d := rule.retention_for(snapshot, tz)) is not None:
            dates.append(d)
    return max(dates) if dates else None
