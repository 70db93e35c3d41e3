"""The garbage collector told to leave alone what a portfolio run finds already there.

Deciding a portfolio builds and drops millions of small values; each full collection walked
every object of the process again (modules, the policy, its calendars and, in a Dask or Spark
worker, the whole of the worker's own state), which cost about a third of the CPU time of
``overdue next``.  :func:`long_lived_set_aside` moves those objects out of the collector's way
(``gc.freeze``) for the run and hands them back when the run ends (``gc.unfreeze``).

Runs may overlap (two Dask tasks on the threads of one worker, a command run in-process inside
another, a batch spread over processes inside either): the objects are handed back only when
the last run still inside ends, so one run ending never takes the set-aside from another.
When the host froze objects itself before the first run, the collector is left as it is:
``gc.unfreeze`` cannot tell the host's objects from ours and would hand back both.  Nothing is
lost either way: frozen objects are only skipped by the collector, never freed early or kept
alive.  The one place the library touches the collector (``overdue next``, the Dask and Spark
workers, :func:`~overdue.batch.decide_many` over processes, :func:`~overdue.batch.decide_batch`).

A run that keeps what it makes (:func:`~overdue.batch.decide_batch` collects every decision)
would trigger full collections of its own as its results pile up, each walking everything set
aside before plus every result kept so far: :func:`keep_aside` sets the results kept so far
aside too, chunk by chunk.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["keep_aside", "long_lived_set_aside"]

_LOCK = threading.Lock()
# Runs currently inside long_lived_set_aside in this process, and whether the first of them
# froze (False when the host had frozen objects of its own: then no run unfreezes).
_INSIDE = [0]
_FROZE = [False]


@contextlib.contextmanager
def long_lived_set_aside() -> Iterator[None]:
    """``gc.freeze`` for the duration of a run; ``gc.unfreeze`` when the last run leaves."""
    with _LOCK:
        if _INSIDE[0] == 0:
            _FROZE[0] = gc.get_freeze_count() == 0
            if _FROZE[0]:
                gc.freeze()
        _INSIDE[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _INSIDE[0] -= 1
            if _INSIDE[0] == 0 and _FROZE[0]:
                gc.unfreeze()


def keep_aside() -> None:
    """Inside :func:`long_lived_set_aside`: set aside, too, what the run has made and kept since.

    Why: the run's kept results (a batch's decisions) are long-lived from the moment they are
    made; left in the collector's young generations they are walked again by every collection
    until a full one, which then also walks them.  Only the run that froze does this (a host's
    own freeze is left as it was); outside a set-aside it does nothing.
    """
    with _LOCK:
        if _INSIDE[0] > 0 and _FROZE[0]:
            gc.freeze()
