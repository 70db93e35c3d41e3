"""``long_lived_set_aside``: the collector's set-aside is handed back when the last run ends."""

from __future__ import annotations

import gc

import pytest

from overdue._gc import long_lived_set_aside


def test_objects_are_handed_back_when_the_run_ends() -> None:
    with long_lived_set_aside():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_overlapping_runs_keep_the_set_aside_until_the_last_ends() -> None:
    with long_lived_set_aside():
        with long_lived_set_aside():
            pass
        # The inner run ending did not unfreeze (objects freed meanwhile leave the count).
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_an_error_inside_still_hands_them_back() -> None:
    with pytest.raises(RuntimeError), long_lived_set_aside():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0


def test_a_hosts_own_freeze_is_left_as_it_was() -> None:
    """``gc.unfreeze`` cannot tell the host's frozen objects from a run's: a run that finds
    objects frozen neither freezes more nor hands any back."""
    gc.freeze()
    try:
        with long_lived_set_aside():
            pass
        assert gc.get_freeze_count() > 0  # not handed back: they are the host's
    finally:
        gc.unfreeze()


def _collected(objects: list[list[int]]) -> bool:
    """Whether every one of ``objects`` is in a generation the collector walks (frozen objects
    are in none of them).  Not a count of frozen objects: objects frozen earlier and freed
    since leave that count, so it says nothing about these."""
    walked = {id(o) for o in gc.get_objects()}
    return all(id(o) in walked for o in objects)


def test_keep_aside_sets_aside_what_the_run_kept_since() -> None:
    from overdue._gc import keep_aside

    with long_lived_set_aside():
        kept = [[i] for i in range(100)]  # results a run keeps: tracked containers
        assert _collected(kept)
        keep_aside()
        assert not _collected(kept)  # set aside: no collection walks them now
    assert gc.get_freeze_count() == 0
    assert _collected(kept)  # handed back with the rest when the run ended


def test_keep_aside_outside_a_run_or_under_a_hosts_freeze_does_nothing() -> None:
    from overdue._gc import keep_aside

    outside = [[i] for i in range(10)]
    keep_aside()
    assert gc.get_freeze_count() == 0
    assert _collected(outside)
    gc.freeze()
    try:
        with long_lived_set_aside():
            kept = [[i] for i in range(100)]
            keep_aside()
            assert _collected(kept)  # the host froze: the run sets nothing more aside
    finally:
        gc.unfreeze()


def test_a_batch_hands_back_everything_it_set_aside() -> None:
    """``decide_batch`` sets the caller's objects and its results aside while it runs, and
    leaves the collector as it found it: its results are ordinary objects afterwards."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from overdue import REFERENCE_POLICY
    from overdue.batch import decide_batch
    from overdue.simulate import generate_portfolio

    accounts = list(generate_portfolio(30, seed=3))
    now = datetime(2026, 6, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    report = decide_batch(REFERENCE_POLICY, accounts, now, chunk_size=7)
    assert gc.get_freeze_count() == 0
    assert len(report.decisions) + len(report.failures) == 30
    assert all(gc.is_tracked(d) for d in report.decisions)
