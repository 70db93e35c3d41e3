"""Timeline assertions that say what differs in the words of the policy.

``assert_timeline`` projects the schedule the way :func:`~overdue.timeline` does (nobody
answers, nobody pays) and compares it with what the test expects, naming days the way a policy
document does: ``"day 31"`` is the 31st day the oldest unpaid invoice is overdue, in the
debtor's zone.  A mismatch says what was expected, what happened that day, and why the
expected contact moved or never came::

    expected letter 'letter.lawyer' on day 31, got sms 'reminder.sms' on day 31;
    letter 'letter.lawyer' came on day 33: deferred by three-contacts-a-week (cap_reached: ...)

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

import attrs

from overdue.account import Account
from overdue.channels import ANSWERABLE_CHANNELS
from overdue.decision import Decision, Reason
from overdue.engine import decide
from overdue.errors import UsageError
from overdue.events import Event, Outcome
from overdue.policy import Policy
from overdue.situation import local_zone
from overdue.snapshot import fold

__all__ = ["Happening", "TimelineMismatchError", "assert_timeline", "project"]

_DAY = re.compile(r"\s*day\s+(\d+)\s*$", re.IGNORECASE)

When = str | date | datetime
Expected = tuple[When, str, str]


class TimelineMismatchError(AssertionError):
    """The projected schedule differs from the expected one; ``problems`` lists each line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@attrs.frozen
class Happening:
    """One thing the projection did: a contact or a stage entered, with the decision behind it.

    ``kind`` is ``'contact'`` or ``'enters'``; for a stage entered, ``channel`` is ``'enters'``
    and ``template`` the stage id, so expectations can name either.
    """

    at: datetime
    day: int
    kind: str
    channel: str
    template: str
    stage: str | None
    decision: Decision

    def describe(self) -> str:
        """``sms 'reminder.sms' on day 3`` or ``enters lawyer_letter on day 31``."""
        if self.kind == "enters":
            return f"enters {self.template} on day {self.day}"
        return f"{self.channel} {self.template!r} on day {self.day}"


def _day(account: Account, policy: Policy, at: datetime, due: date | None) -> int:
    local = at.astimezone(local_zone(policy, account)).date()
    return max(0, (local - due).days) if due is not None else 0


def project(
    policy: Policy, account: Account, start: datetime, until: datetime, *, max_decisions: int = 2000
) -> tuple[list[Happening], list[Decision]]:
    """Run the host loop from ``start`` to ``until``: every happening and every decision.

    Like :func:`~overdue.timeline`, but keeps the decisions so a mismatch can quote reasons.
    """
    acct = account
    t = start
    happened: list[Happening] = []
    decisions: list[Decision] = []
    for _ in range(max_decisions):
        if t > until:
            break
        d = decide(policy, acct, t)
        decisions.append(d)
        due = fold(acct, t).earliest_unpaid_due()
        new: list[Event] = list(d.record)
        if d.transition is not None:
            happened.append(
                Happening(
                    t,
                    _day(acct, policy, t, due),
                    "enters",
                    "enters",
                    d.transition.to_stage,
                    d.transition.to_stage,
                    d,
                )
            )
        for a in d.due_actions:
            outcome = Outcome.NO_ANSWER if a.channel in ANSWERABLE_CHANNELS else Outcome.DELIVERED
            new.append(a.outcome_event(outcome, t))
            happened.append(
                Happening(
                    t, _day(acct, policy, t, due), "contact", a.channel, a.template, a.stage, d
                )
            )
        if new:
            acct = acct.with_events(*new)
            continue
        if d.wake_at is None:
            break
        t = d.wake_at if d.wake_at > t else t + timedelta(minutes=1)
    return happened, decisions


def _matches_when(h: Happening, when: When, account: Account, policy: Policy) -> bool:
    if isinstance(when, datetime):
        return h.at == when
    if isinstance(when, date):
        return h.at.astimezone(local_zone(policy, account)).date() == when
    m = _DAY.match(when)
    if m is None:
        raise UsageError(
            f"expected time {when!r} is not 'day N', a date or a datetime", got=when
        )
    return h.day == int(m.group(1))


def _when_text(when: When) -> str:
    if isinstance(when, datetime):
        return f"at {when.isoformat()}"
    if isinstance(when, date):
        return f"on {when.isoformat()}"
    return f"on {when.strip()}"


def _why_not(template: str, decisions: Sequence[Decision], before: datetime | None) -> str:
    """The reasons the last decisions gave for ``template`` (a deferral, a block, a wait)."""
    reasons: list[Reason] = []
    for d in decisions:
        if before is not None and d.at > before:
            break
        for a in d.actions:
            if a.template == template:
                reasons = [r for r in a.reasons if r.effect in ("defer", "block")]
        for b in d.blocked:
            if b.step == template or template in b.step:
                reasons = [r for r in b.reasons if r.effect in ("defer", "block")]
    if not reasons:
        return ""
    verb = {"defer": "deferred", "block": "blocked"}
    return "; ".join(f"{verb[r.effect]} by {r.rule_id} ({r.code}: {r.message})" for r in reasons)


def assert_timeline(
    policy: Policy,
    account: Account,
    start: datetime,
    until: datetime,
    expected: Sequence[Expected],
    *,
    exact: bool = False,
) -> list[Happening]:
    """Assert that the projected schedule holds every expected ``(when, channel, template)``.

    ``when`` is ``"day N"`` (days overdue, debtor's local date), a local ``date``, or an aware
    ``datetime``; use ``("day 31", "enters", "lawyer_letter")`` for a stage entered.  With
    ``exact=True`` every contact must be expected.  Returns what happened, for further checks.

    Raises:
        TimelineMismatchError: with one readable line per difference.
    """
    __tracebackhide__ = True  # pytest shows the mismatch, not this function's body
    happened, decisions = project(policy, account, start, until)
    problems: list[str] = []
    used: set[int] = set()
    for when, channel, template in expected:
        kind = "enters" if channel == "enters" else "contact"
        hit = next(
            (
                i
                for i, h in enumerate(happened)
                if i not in used
                and h.kind == kind
                and h.channel == channel
                and h.template == template
                and _matches_when(h, when, account, policy)
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
            continue
        label = f"enters {template}" if kind == "enters" else f"{channel} {template!r}"
        same_time = [h for i, h in enumerate(happened) if _matches_when(h, when, account, policy)]
        got = ", ".join(h.describe() for h in same_time) if same_time else "nothing"
        line = f"expected {label} {_when_text(when)}, got {got}"
        other = next(
            (
                h
                for i, h in enumerate(happened)
                if i not in used and h.template == template and h.channel == channel
            ),
            None,
        )
        if other is not None:
            line += f"; {label} came on day {other.day}"
            why = _why_not(template, decisions, other.at - timedelta(microseconds=1))
            if why:
                line += f": {why}"
        else:
            why = _why_not(template, decisions, None)
            last = decisions[-1] if decisions else None
            if why:
                line += f"; it never came: {why}"
            elif last is not None:
                waits = "; ".join(r.message for r in last.reasons if r.code not in ("deadline",))
                line += f"; it never came (last status {last.status} in {last.stage or 'no stage'}"
                line += f": {waits})" if waits else ")"
        problems.append(line)
    if exact:
        for i, h in enumerate(happened):
            if i not in used and h.kind == "contact":
                problems.append(f"unexpected {h.describe()}")
    if problems:
        raise TimelineMismatchError(problems)
    return happened
