"""Reasons and returned times: how the engine states what it found, in whose clock.

Every datetime a decision returns is in the debtor's zone (UTC when unknown); these helpers
convert only what is not, and compare instants where two times in one zone would compare by
wall clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from operator import methodcaller

from overdue.decision import Reason
from overdue.rules.base import Verdict
from overdue.situation import Situation

Note = tuple[str, str, tuple[object, ...], datetime | None]
"""One of the engine's own reasons as a decision records it: ``(code, text, params, until)``.

Its message is ``text.format(*params)`` (``text`` itself without params), written only when
the decision's reasons are read (:func:`rendered`): a held decision that is acted on and
never explained writes no text."""


def verdict_reason(v: Verdict) -> Reason:
    return Reason(v.rule_id, v.effect, v.code, v.message, v.until, v.citation)


def info(code: str, message: str, until: datetime | None = None) -> Reason:
    return Reason("engine", "info", code, message, until)


def rendered(records: Sequence[Reason | Note], z: tzinfo) -> tuple[Reason, ...]:
    """The reasons recorded (the rules' as they are, the engine's :data:`Note` rendered), with
    every ``until`` in ``z``."""
    out = []
    for r in records:
        if isinstance(r, tuple):
            code, _, _, until = r
            if until is not None and until.tzinfo is not z:
                until = until.astimezone(z)
            r = Reason("engine", "info", code, message_of(r), until)
        elif r.until is not None and r.until.tzinfo is not z:
            r = _localised(r, z)
        out.append(r)
    return tuple(out)


def message_of(why: Reason | Note) -> str:
    """The message a reason states, or a note states once rendered: ``text.format(*params)``."""
    if isinstance(why, tuple):
        _, text, params, _ = why
        return text.format(*params) if params else text
    return why.message


def in_zone(z: tzinfo, dt: datetime) -> datetime:
    """``dt`` in the zone every returned datetime is in (the debtor's, else UTC)."""
    return dt if dt.tzinfo is z else dt.astimezone(z)


def opt_in_zone(z: tzinfo, dt: datetime | None) -> datetime | None:
    return None if dt is None else (dt if dt.tzinfo is z else dt.astimezone(z))


def localised(reasons: Sequence[Reason], z: tzinfo) -> tuple[Reason, ...]:
    """The reasons with every ``until`` in ``z`` (only those that are not are rebuilt)."""
    for r in reasons:
        if r.until is not None and r.until.tzinfo is not z:
            break
    else:
        return tuple(reasons)  # the common case: nothing to convert
    return tuple(
        r if r.until is None or r.until.tzinfo is z else _localised(r, z) for r in reasons
    )


def _localised(r: Reason, z: tzinfo) -> Reason:
    assert r.until is not None  # only reasons with an ``until`` are localised
    return Reason(r.rule_id, r.effect, r.code, r.message, r.until.astimezone(z), r.citation)


# A sort key comparing instants (two datetimes in one zone compare by wall clock): the
# datetime in UTC.  A ``methodcaller`` rather than a function: as a ``key=`` of ``max``,
# ``min`` and ``sorted`` it runs in C, without a Python frame per element.
instant: Callable[[datetime], datetime] = methodcaller("astimezone", UTC)


def fmt_local(at: datetime, s: Situation) -> str:
    local = at.astimezone(s.tz or UTC)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
