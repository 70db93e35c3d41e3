"""Which of the debtor's contact points on a channel a rotating step may go to, in order.

A step with ``rotate`` (:attr:`overdue.policy.Step.rotate`) does not always dial the first
number on file.  It passes over a point that an attempt found invalid (``'invalid'``) and one
whose last ``rotate_after`` attempts all went unanswered (``'unanswered'``); with
``'capped'`` every point left is a candidate and the engine takes the earliest one the rules
allow (declaration order breaks ties), so a point that reached its cap hands over to the next.
Each point passed over is named in the step's reasons (masked).
"""

from __future__ import annotations

from collections.abc import Sequence

from overdue.account import ContactPoint
from overdue.engine.drafts import StepReason
from overdue.engine.reasons import info
from overdue.events import ContactAttempted, Outcome
from overdue.policy import Step
from overdue.situation import Situation

__all__ = ["UNANSWERED", "invalid_points", "rotation_points", "unanswered_streak"]

UNANSWERED = frozenset({Outcome.NO_ANSWER, Outcome.FAILED, Outcome.BOUNCED})
"""Outcomes of an attempt that went through to no one (an invalid number is its own reason)."""

_REACHED = frozenset({Outcome.DELIVERED, Outcome.CONVERSATION, Outcome.REFUSED})


def _on(contacts: Sequence[ContactAttempted], address: str) -> list[ContactAttempted]:
    return [c for c in contacts if c.contact_point == address and c.initiated_by == "creditor"]


def invalid_points(contacts: Sequence[ContactAttempted]) -> frozenset[str]:
    """The addresses an attempt found invalid, and no later attempt reached."""
    bad: set[str] = set()
    for c in contacts:  # the snapshot's contacts are in effective-time order
        if c.contact_point is None:
            continue
        if c.outcome is Outcome.INVALID_NUMBER:
            bad.add(c.contact_point)
        elif c.outcome in _REACHED:
            bad.discard(c.contact_point)
    return frozenset(bad)


def unanswered_streak(contacts: Sequence[ContactAttempted], address: str) -> int:
    """How many of the latest creditor attempts to ``address`` in a row went unanswered."""
    streak = 0
    for c in reversed(_on(contacts, address)):
        if c.outcome not in UNANSWERED:
            break
        streak += 1
    return streak


def rotation_points(
    step: Step, channel: str, s: Situation, reasons: list[StepReason]
) -> tuple[ContactPoint, ...]:
    """The points a rotating debtor step on ``channel`` may go to, in the order to try them.

    When every point left was passed over for going unanswered, the rotation starts again from
    the first of them (a rotation exists to spread attempts, not to stop them); invalid points
    are never tried again until an attempt reaches them.
    """
    points = s.account.points_on(channel)
    contacts = s.snapshot.contacts
    left = list(points)
    if "invalid" in step.rotate:
        bad = invalid_points(contacts)
        for p in points:
            if p.address in bad:
                left.remove(p)
                reasons.append(info("point_invalid", f"{p.masked} was found invalid: passed over"))
    if "unanswered" in step.rotate:
        quiet = [p for p in left if unanswered_streak(contacts, p.address) >= step.rotate_after]
        if quiet and len(quiet) < len(left):
            for p in quiet:
                left.remove(p)
                reasons.append(
                    info(
                        "point_unanswered",
                        f"the last {step.rotate_after} attempts to {p.masked} went unanswered: "
                        "passed over",
                    )
                )
        elif quiet:
            reasons.append(
                info("rotation_restarted", "every point went unanswered: starting from the first")
            )
    if "capped" not in step.rotate:
        return tuple(left[:1])
    return tuple(left)
