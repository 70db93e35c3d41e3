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
