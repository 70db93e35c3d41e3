"""A scope's checks as the scheduler's lane sees them (:func:`overdue.engine.schedule._run_lane`).

Worked out once per policy and scope by the compiled policy (``Scoped.lane``): which rules'
allowing answer the lane can see inline, and what it needs for that.  Here, below the
compiled policy and the engine, so the compiled policy can build it without reaching into the
engine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from overdue.rules.base import Rule, Verdict
from overdue.rules.frequency import FrequencyCap
from overdue.rules.hours import ContactHours
from overdue.situation import Candidate

__all__ = ["Lane", "LaneSpec", "lane_of"]

Check = Callable[[Candidate, datetime], "Verdict | None"]  # as ``overdue.compiled.Check``

# The kinds of rule a lane sees allow inline (``Lane.specs``); any other is asked its check.
_OTHER, _HOURS_ALL, _HOURS, _HOURS_OPEN, _ROLLING, _LOCAL_DAYS = range(6)

LaneSpec = tuple[int, Check, Any, Any]


class Lane:
    """A scope's checks as :func:`~overdue.engine.schedule._run_lane` asks them
    (``Scoped.lane``, from :func:`lane_of`).

    ``specs`` are the checks in order, each as ``(kind, check, a, b)`` with what the lane
    needs to see that it allows: for contact hours every day (``_HOURS_ALL``) the window's
    start and end; on some weekdays (``_HOURS``, and ``_HOURS_OPEN`` when other days are
    another rule's) the weekdays and start, and the end
    (:meth:`ContactHours.lane_terms <overdue.rules.ContactHours.lane_terms>`); for a cap how
    far back its window starts, and its key in a snapshot's memo with the cap
    (:meth:`FrequencyCap.lane_terms <overdue.rules.FrequencyCap.lane_terms>`), the second
    replaced by a bar per snapshot (:func:`overdue.engine.schedule._settled`).  ``checks``
    are the checks alone (for the lean loop); ``counts`` says whether a cap is among them;
    ``first`` are ``specs`` with every cap asked its check (a lane's first run on a snapshot).

    Compared and hashed by identity (a plain object, not a tuple): it keys its specs in a
    snapshot's memo, found at once.
    """

    __slots__ = ("caps", "checks", "counts", "first", "specs")

    def __init__(
        self, specs: tuple[LaneSpec, ...], checks: tuple[Check, ...], counts: bool
    ) -> None:
        self.specs, self.checks, self.counts = specs, checks, counts
        # Where the caps are among the specs, with their terms, for ``schedule._settled``.
        self.caps = tuple(
            (i, kind, check, a, *b)
            for i, (kind, check, a, b) in enumerate(specs)
            if kind in (_ROLLING, _LOCAL_DAYS)
        )
        # The specs of a lane's first run on a snapshot, before any cap has counted there:
        # every cap asked its check (which counts, for the bars of the next run), contact
        # hours still seen inline.
        self.first: tuple[LaneSpec, ...] = tuple(
            (_OTHER, spec[1], None, None) if spec[0] in (_ROLLING, _LOCAL_DAYS) else spec
            for spec in specs
        )


def lane_of(rules: Sequence[Rule], checks: Sequence[Check], wrapped: frozenset[int]) -> Lane | None:
    """The :class:`Lane` of a scope whose lean loop may run (no rule grants a reply), or
    ``None`` when no rule of it can be seen to allow inline.

    ``checks`` are the compiled checks of ``rules``; ``wrapped`` the ``id()`` of the rules
    whose compiled check is not their own fast check (in force from a date, or with an
    ``applies_to`` of their own): those, like any rule of another class, are asked.
    """
    specs: list[LaneSpec] = []
    for rule, check in zip(rules, checks, strict=True):
        spec: LaneSpec = (_OTHER, check, None, None)
        if id(rule) not in wrapped and type(rule) is ContactHours:
            hours = rule.lane_terms()
            if hours is not None:
                open_days, weekdays, opens, closes = hours
                if weekdays is None:
                    spec = (_HOURS_ALL, check, opens, closes)
                else:
                    spec = (_HOURS_OPEN if open_days else _HOURS, check, (weekdays, opens), closes)
        elif id(rule) not in wrapped and type(rule) is FrequencyCap:
            cap = rule.lane_terms()
            if cap is not None:
                window, key, most, back = cap
                spec = (_ROLLING if window == "rolling" else _LOCAL_DAYS, check, back, (key, most))
        specs.append(spec)
    if all(spec[0] == _OTHER for spec in specs):
        return None
    counts = any(spec[0] in (_ROLLING, _LOCAL_DAYS) for spec in specs)
    return Lane(tuple(specs), tuple(checks), counts)
