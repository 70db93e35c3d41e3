"""Phase 4: the rung.  Entering, waiting to enter, and climbing the ladder.

A rung whose conditions or authorisations are missing makes the account wait, with the
reason and the new facts it waits for; skippable rungs are passed over.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from overdue._frozen import build, setters
from overdue.decision import Reason, Transition
from overdue.engine.reasons import Note, message_of
from overdue.engine.reasons import info as _info
from overdue.events import StageEntered
from overdue.policy import Stage
from overdue.situation import Situation
from overdue.snapshot import Snapshot


class Entering(Protocol):
    """What the rung phase reads of a decision in the making (the engine's ``_Work``): the
    snapshot and ``now`` for authorisations, the situation only for entry conditions, so a
    rung that waits for an authorisation (most waits) is judged without building one."""

    @property
    def snap(self) -> Snapshot: ...

    @property
    def now(self) -> datetime: ...

    @property
    def s(self) -> Situation: ...


def can_enter(
    stage: Stage, at: Entering, waits: list[str]
) -> tuple[bool, Reason | Note | None, datetime | None]:
    """Whether ``stage`` can be entered now; if not, why, and from when by time alone.

    What new facts would let it be entered is added to ``waits`` (``waiting_for`` codes).
    A missing authorisation is stated as a :data:`~overdue.engine.reasons.Note` (its text
    written when the decision's reasons are read): accounts waiting for one are common.
    """
    cond = stage.enters_when
    if cond is not None and not cond.holds(s := at.s):
        when = cond.holds_from(s)
        if when is None:
            waits.append(f"conditions:{stage.id}")
        return (
            False,
            _info(
                "entry_conditions",
                f"waiting to enter {stage.id}: {cond.describe()} does not hold yet",
                when,
            ),
            when,
        )
    required = stage.requires
    if not required:
        return True, None, None
    snap = at.snap
    # With no authorisation on file (most accounts), every one required is missing.
    missing = (
        [a for a in required if not snap.has_authorisation(a, at.now)]
        if snap.authorisations
        else required
    )
    if missing:
        waits.extend(map(_AWAITED.format, missing))  # in C, no frame per name
        return (
            False,
            (
                "awaiting_authorisation",
                "{} requires {}, not on file",
                (stage.id, ", ".join(map(repr, missing))),
                None,
            ),
            None,
        )
    return True, None, None


_AWAITED = "authorisation:{}"  # the ``waiting_for`` code of a missing authorisation


def choose_next(
    stages: Sequence[Stage], at: Entering, waits: list[str]
) -> tuple[Stage | None, list[Reason | Note], datetime | None]:
    """The furthest rung that can be entered, passing over skippable rungs only.

    Returns the rung (``None``: wait), the reasons (skipped rungs, what the wait is for) and,
    when waiting, the earliest moment any rung considered becomes enterable by time alone.
    """
    chosen: Stage | None = None
    reasons: list[Reason | Note] = []
    whens: list[datetime] = []
    for stage in stages:
        ok, why, when = can_enter(stage, at, waits)
        if ok:
            chosen = stage
        elif why is not None:
            if when is not None:
                whens.append(when)
            if stage.skippable:
                reasons.append(
                    _info(
                        "skipped",
                        f"{stage.id} is skippable and cannot be entered: {message_of(why)}",
                    )
                )
        if not stage.skippable:
            if not ok and why is not None and chosen is None:
                reasons.append(why)
            break
    wake = min(whens) if chosen is None and whens else None
    return chosen, reasons, wake


def transition(
    from_stage: str | None,
    to: Stage,
    now: datetime,
    policy_id: str | None = None,
    policy_version: str | None = None,
    named: bool = False,
) -> Transition:
    """The move to ``to``; its event names the policy version the rung is entered under.

    ``named``: the rung's id and the policy's id and version are known to be names an event
    accepts (:attr:`~overdue.compiled.Rung.named`) and ``now`` is aware (``decide`` checked
    it), so the event is built without its validators (a frame each, six of them): the same
    value, as the tests check.
    """
    if named:
        event = build(StageEntered, _ENTERED, (now, None, to.id, policy_id, policy_version, None))
    else:
        event = StageEntered(
            at=now, stage=to.id, policy_id=policy_id, policy_version=policy_version
        )
    return Transition(from_stage, to.id, now, event)


# ``StageEntered``'s fields in order (``attrs.fields``), for :func:`~overdue._frozen.build`.
_ENTERED = setters(
    StageEntered, ("at", "recorded_at", "stage", "policy_id", "policy_version", "debt_id")
)

