"""The deadline's common cases (nothing planned: the rung's length, or its grace) say what
the full computation says (``_latest_end``), for any rung, entry, pause and progress (issue 10).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from overdue.calendars import MON_FRI
from overdue.engine.deadline import _later, _latest_end, deadline
from overdue.engine.reasons import instant
from overdue.policy import Stage
from overdue.snapshot import StepProgress

ZONES = ("Asia/Shanghai", "America/New_York", "Europe/London", "UTC")
START = datetime(2026, 1, 1, tzinfo=UTC)
DURATIONS = st.none() | st.builds(
    lambda n, u: f"{n}{u}", st.integers(0, 40), st.sampled_from(("d", "w", "mo", "bd", "h"))
)


def _instant(draw: st.DrawFn, tz: ZoneInfo) -> datetime:
    at = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
    return at.astimezone(tz) if draw(st.booleans()) else at


@st.composite
def cases(draw: st.DrawFn) -> tuple[object, ...]:
    tz = ZoneInfo(draw(st.sampled_from(ZONES)))
    stage = Stage("s", deadline=draw(DURATIONS), grace=draw(DURATIONS))
    progress = {
        f"step{i}": StepProgress(draw(st.integers(1, 3)), _instant(draw, tz))
        for i in range(draw(st.integers(0, 3)))
    }
    pause = timedelta(minutes=draw(st.sampled_from((0, 0, 90, 60 * 24 * 3))))
    return stage, _instant(draw, tz), pause, tz, progress


@settings(max_examples=400, deadline=None)
@given(cases())
def test_nothing_planned_the_common_cases_match_the_full_computation(
    case: tuple[object, ...],
) -> None:
    stage, since, pause, tz, progress = case
    got = deadline(stage, since, pause, False, ((), ()), tz, MON_FRI, progress)  # type: ignore[arg-type]
    full = _latest_end(stage, since, pause, (), tz, MON_FRI, progress)  # type: ignore[arg-type]
    assert got == full
    if got is not None and full is not None:
        assert got.tzinfo is full.tzinfo
        assert got.utcoffset() == full.utcoffset()
        assert got.replace(tzinfo=None) == full.replace(tzinfo=None)


def _old_latest_end(  # type: ignore[no-untyped-def]
    stage, since, pause, actions, z, calendar, progress
):
    """``_latest_end`` as it was before issue 10's time work: the reference it is held to."""
    ends = []
    if stage.deadline is not None:
        ends.append(_later(stage.deadline.after(since, z, calendar), pause))
    for a in actions:
        ends.append(a.not_before)
    if stage.grace is not None:
        last = max((p.last_at for p in progress.values()), default=None, key=instant)
        base = max((a.not_before for a in actions), default=last or since, key=instant)
        if last is not None and last > base:
            base = last
        ends.append(_later(stage.grace.after(base, z, calendar), pause))
    if not ends:
        return None
    return ends[0] if len(ends) == 1 else max(ends, key=instant)


@settings(max_examples=400, deadline=None)
@given(cases(), st.data())
def test_steps_planned_the_deadline_is_as_before(
    case: tuple[object, ...], data: st.DataObject
) -> None:
    stage, since, pause, tz, progress = case
    # Planned attempts, some at the same instant as another end (on a tie the first end is
    # the answer), in the debtor's zone or in UTC.
    choices = [since, *(p.last_at for p in progress.values())]  # type: ignore[attr-defined]
    if stage.deadline is not None:  # type: ignore[attr-defined]
        choices.append(stage.deadline.after(since, tz, MON_FRI))  # type: ignore[attr-defined]
    choices += [c.astimezone(z) for c in choices for z in (UTC, tz)]  # type: ignore[attr-defined]
    actions = []
    for _ in range(data.draw(st.integers(0, 3))):
        if data.draw(st.booleans()):
            at = data.draw(st.sampled_from(choices))
        else:
            at = _instant(data.draw, tz)  # type: ignore[arg-type]
        actions.append(SimpleNamespace(not_before=at))
    args = (stage, since, pause, actions, tz, MON_FRI, progress)
    want = _old_latest_end(*args)
    top = stage.deadline is None and stage.grace is None  # type: ignore[attr-defined]
    planned = (tuple(actions), ())
    pairs = [(_latest_end(*args), want)]  # type: ignore[arg-type]
    if actions:  # (nothing planned: the common cases, as above)
        got = deadline(stage, since, pause, False, planned, tz, MON_FRI, progress)  # type: ignore[arg-type]
        pairs.append((got, None if top else want))  # the top of the ladder has no deadline
    for got, expected in pairs:
        assert (got is None) == (expected is None)
        if got is not None:
            assert got.tzinfo is expected.tzinfo
            assert got.replace(tzinfo=None) == expected.replace(tzinfo=None)
            assert got.utcoffset() == expected.utcoffset()
