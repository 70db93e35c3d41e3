"""The deadline's common cases (nothing planned: the rung's length, or its grace) say what
the full computation says (``_latest_end``), for any rung, entry, pause and progress (issue 10).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from overdue.calendars import MON_FRI
from overdue.engine.deadline import _latest_end, deadline
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
