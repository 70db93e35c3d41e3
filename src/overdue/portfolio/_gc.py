"""The garbage collector told to leave alone what a portfolio run finds already there.

Deciding a portfolio builds and drops millions of small values; each full collection walked
every object of the process again (modules, the policy, its calendars and, in a Dask or Spark
worker, the whole of the worker's own state), which cost about a third of the CPU time of
``overdue next``.  :func:`long_lived_set_aside` moves those objects out of the collector's way
(``gc.freeze``) for the run and hands them back when the run ends (``gc.unfreeze``).

Runs may overlap (two Dask tasks on the threads of one worker, a command run in-process inside
another): the objects are handed back only when the last run still inside ends, so one run
ending never takes the set-aside from another.  Nothing is lost either way: frozen objects
are only skipped by the collector, never freed early or kept alive.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["long_lived_set_aside"]

_LOCK = threading.Lock()
_INSIDE = [0]  # runs currently inside long_lived_set_aside, in this process


@contextlib.contextmanager
def long_lived_set_aside() -> Iterator[None]:
    """``gc.freeze`` for the duration of a run; ``gc.unfreeze`` when the last run leaves."""
    with _LOCK:
        if _INSIDE[0] == 0:
            gc.freeze()
        _INSIDE[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _INSIDE[0] -= 1
            if _INSIDE[0] == 0:
                gc.unfreeze()
