"""``timeline``: the projected schedule if nothing changes and nobody answers.

A host loop of its own: every due action is carried out at its time with no reply, every
``StageEntered`` the decisions ask for is recorded, and ``decide`` is asked again at each
``wake_at``.  Each wake is one decision, bounded by ``max_decisions``; a cut schedule says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from overdue._time import require_aware
from overdue.account import Account
from overdue.channels import ANSWERABLE_CHANNELS
from overdue.engine.billing import billing_entries
from overdue.engine.decider import calendar_range, decide, per_invoice_refused
from overdue.engine.reasons import instant as _instant
from overdue.engine.schedule import NUDGE as _NUDGE
from overdue.errors import OverdueError
from overdue.events import Event
from overdue.policy import Policy
from overdue.snapshot import fold

__all__ = ["Timeline", "TimelineEntry", "timeline"]


@attrs.frozen
class TimelineEntry:
    """One line of a projected schedule."""

    at: datetime
    kind: str  # "stage_entered" | "contact" | "blocked" | "waiting" | "paused" | "done" | ...
    stage: str | None
    channel: str | None = None
    template: str | None = None
    attempt: int | None = None
    detail: str = ""


class Timeline(tuple[TimelineEntry, ...]):
    """A projected schedule: its entries (a tuple), and whether it was cut short and why.

    ``truncated`` is true when :func:`timeline` stopped at its ``max_decisions`` limit before
    reaching ``until`` (a daily reminder over ten years needs more decisions than the default
    allows); ``cut_reason`` says where it stopped, and ``cut_at`` is the moment it got to.
    A schedule that ends because nothing more will happen (paid, done, only a new fact can
    move it) is not truncated.
    """

    truncated: bool
    cut_reason: str | None
    cut_at: datetime | None

    def __new__(
        cls,
        entries: Sequence[TimelineEntry] = (),
        *,
        truncated: bool = False,
        cut_reason: str | None = None,
        cut_at: datetime | None = None,
    ) -> Timeline:
        self = super().__new__(cls, entries)
        self.truncated = truncated
        self.cut_reason = cut_reason
        self.cut_at = cut_at
        return self

    def _repr_html_(self) -> str:
        from overdue._html import timeline_html

        return timeline_html(self)


def _at(event: Event) -> datetime:
    return event.at


def timeline(
    policy: Policy,
    account: Account,
    start: datetime,
    until: datetime,
    *,
    max_decisions: int = 2000,
) -> Timeline:
    """The projected schedule from ``start`` to ``until`` if nothing changes and nobody answers.

    Every due action is assumed carried out at its time with no reply (calls go unanswered,
    messages are delivered and ignored), every ``StageEntered`` the decisions ask for is
    recorded, and the engine is asked again at each ``wake_at``.  Blocked steps and waits appear
    once each, with their reasons.

    ``max_decisions`` bounds the work (each wake is one decision); when it is reached before
    ``until`` the result says so (``truncated``, ``cut_reason``, ``cut_at``), so a cut
    schedule is never taken for a complete one.

    A per-invoice policy (``ladder_per = "invoice"``) is refused with a
    :class:`~overdue.errors.PolicyError`: its schedule is per invoice,
    ``debtor_timeline(policy, invoice_debtor(account), start, until)``.

    It projects under ``policy`` alone, as ``decide`` does, whatever version the account's rung
    was entered under: for an account pinned to an older version, pass that version
    (docs/versions.md, "Where versions are honoured").
    """
    if policy.ladder_per == "invoice":
        raise per_invoice_refused(policy, account.id, "timeline()")
    if isinstance(max_decisions, bool) or not isinstance(max_decisions, int) or max_decisions < 1:
        raise OverdueError(
            "max_decisions must be a whole number >= 1", expected="2000", got=max_decisions
        )
    require_aware(start, "start")
    require_aware(until, "until")
    with calendar_range(account.id, f"projecting from {start.isoformat()}"):
        return _timeline(policy, account, start, until, max_decisions)


def _timeline(
    policy: Policy, account: Account, start: datetime, until: datetime, max_decisions: int
) -> Timeline:
    acct = account
    snap = fold(acct, start)
    # Events on file dated after the start (an invoice issued later) take effect when the
    # projection reaches them; ``decide`` wakes at the first of them.
    ahead = sorted((e for e in acct.events if e.at > start), key=_at)
    t = start
    out: list[TimelineEntry] = []
    seen_notes: set[tuple[str, str | None, str]] = set()
    for _ in range(max_decisions):
        if _instant(t) > _instant(until):
            return Timeline(out)
        while ahead and _instant(ahead[0].at) <= _instant(t):
            snap = snap.apply(ahead.pop(0))
        d = decide(policy, acct, t, snapshot=snap)
        t = t if d.at.tzinfo is t.tzinfo else d.at  # entries read in the debtor's zone
        new = list(d.record)
        if d.transition is not None:
            out.append(
                TimelineEntry(t, "stage_entered", d.transition.to_stage, detail=d.status)
            )
        for a in d.due_actions:
            outcome = "no_answer" if a.channel in ANSWERABLE_CHANNELS else "delivered"
            new.append(a.outcome_event(outcome, t))
            out.append(
                TimelineEntry(
                    t, "contact", a.stage, a.channel, a.template, a.attempt,
                    detail=f"attempt {a.attempt}/{a.max_attempts}"
                    + (f", fallback for {a.fallback_for}" if a.fallback_for else ""),
                )
            )
        if d.service or d.postings or d.step_down:  # the billing side (issue 18)
            events, notes = billing_entries(d, t)
            new.extend(events)
            out.extend(TimelineEntry(t, *note) for note in notes)
        for b in d.blocked:
            note: tuple[str, str | None, str] = ("blocked", b.stage, b.step)
            if note not in seen_notes:
                seen_notes.add(note)
                why = "; ".join(r.message for r in b.reasons if r.effect == "block")
                out.append(TimelineEntry(t, "blocked", b.stage, b.channel, b.step, detail=why))
        if d.status in ("waiting", "paused", "done", "resolved", "written_off", "current"):
            note = (str(d.status), d.stage, "; ".join(r.code for r in d.reasons))
            if note not in seen_notes:
                seen_notes.add(note)
                why = "; ".join(r.message for r in d.reasons if r.code != "deadline")
                out.append(TimelineEntry(t, d.status, d.stage, detail=why))
        if new:
            for ev in new:
                snap = snap.apply(ev)
            acct = acct.with_events(*new)
            continue
        if d.wake_at is None:
            return Timeline(out)
        t = d.wake_at if _instant(d.wake_at) > _instant(t) else t + _NUDGE
    if _instant(t) > _instant(until):
        return Timeline(out)
    return Timeline(
        out,
        truncated=True,
        cut_reason=(
            f"stopped after {max_decisions} decisions at {t.isoformat()}, before "
            f"{until.isoformat()}; pass a larger max_decisions for the rest"
        ),
        cut_at=t,
    )
