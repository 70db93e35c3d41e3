"""Decision records write instants through a cache: equal instants read alike, zones apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from overdue.config import decisions


def test_one_instant_reads_the_same_whatever_zone_it_was_held_in() -> None:
    berlin, shanghai = ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Shanghai")
    utc = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the night Berlin moves to summer time
    held = [utc, utc.astimezone(shanghai), utc.astimezone(timezone(timedelta(hours=-5)))]
    assert {decisions._ts(v, berlin) for v in held} == {"2026-03-29T03:30:00+02:00"}
    assert decisions._ts(utc, shanghai) == "2026-03-29T09:30:00+08:00"
    assert decisions._ts(utc, None) == "2026-03-29T01:30:00+00:00"
    assert decisions._ts(utc - timedelta(hours=1), berlin) == "2026-03-29T01:30:00+01:00"


def test_the_cache_stays_bounded() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for k in range(decisions._MAX_STAMPS + 10):
        assert decisions._ts(start + timedelta(minutes=k), None) == (
            (start + timedelta(minutes=k)).isoformat()
        )
    assert len(decisions._STAMPS) <= decisions._MAX_STAMPS
