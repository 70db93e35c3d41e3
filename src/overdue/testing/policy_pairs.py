"""Hypothesis strategies for policy versions: an old policy and the new version that replaces it.

``policy_pairs()`` draws ``(old, new)``: a generated policy (:func:`strategies.policies`) and a
new version of it that changes what teams change between versions (a step's spacing, a rung's
deadline, a rung switched off or removed) and says what happens to accounts in flight
(``on_new_version``) and after missed runs (``catch_up``).  ``in_flight_accounts(old)`` draws
an account whose history entered a rung of ``old`` under its version, so the pair has
something to decide.  Together with :mod:`overdue.testing.versions`::

    @given(policy_pairs(mode="pin"), st.data())
    def test_pinned_accounts_decide_as_before(pair, data):
        old, new = pair
        account, now = data.draw(in_flight_accounts(old))
        assert check_pinned(new, PolicySet.of(old), account, now) == []
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import attrs
from hypothesis import strategies as st

from overdue.account import Account
from overdue.durations import Duration
from overdue.events import StageEntered
from overdue.policy import Policy, Stage
from overdue.testing.strategies import _START, accounts, policies

__all__ = ["catch_up_modes", "in_flight_accounts", "new_versions", "policy_pairs"]

_MODES: tuple[Literal["continue", "restart", "pin"], ...] = ("continue", "restart", "pin")


def catch_up_modes() -> st.SearchStrategy[Literal["latest_only", "replay"]]:
    """``'latest_only'`` or ``'replay'``."""
    modes: tuple[Literal["latest_only", "replay"], ...] = ("latest_only", "replay")
    return st.sampled_from(modes)


def _retimed(stage: Stage, factor: int) -> Stage:
    """``stage`` with its repeats ``factor`` times further apart and a deadline that fits."""
    steps = tuple(
        attrs.evolve(s, repeat_every=Duration(s.repeat_every.amount * factor, s.repeat_every.unit))
        if s.repeat_every is not None
        else s
        for s in stage.steps
    )
    if stage.deadline is None:
        return attrs.evolve(stage, steps=steps)
    need = max((s.needs() for s in steps), default=timedelta(0))
    days = max(stage.deadline.amount if stage.deadline.unit == "d" else 0, need.days + 1)
    return attrs.evolve(stage, steps=steps, deadline=Duration(days, "d"))


@st.composite
def new_versions(
    draw: st.DrawFn, old: Policy, *, mode: Literal["continue", "restart", "pin"] | None = None
) -> Policy:
    """A new version of ``old``: the same id, another version, one drawn change, a mode."""
    stages = list(old.stages)
    change = draw(st.sampled_from(("none", "retime", "rename_first", "disable_first")))
    if change == "retime":
        i = draw(st.integers(0, len(stages) - 1))
        stages[i] = _retimed(stages[i], draw(st.integers(2, 3)))
    elif change == "rename_first" and len(stages) > 1:
        stages[0] = attrs.evolve(stages[0], id=f"{stages[0].id}_v2")
    elif change == "disable_first" and len(stages) > 1 and stages[0].enters_when is None:
        stages[0] = attrs.evolve(stages[0], enabled=False)
    return attrs.evolve(
        old,
        stages=tuple(stages),
        version=f"{old.version}.{draw(st.integers(1, 9))}",
        on_new_version=mode if mode is not None else draw(st.sampled_from(_MODES)),
        catch_up=draw(catch_up_modes()),
    )


@st.composite
def policy_pairs(
    draw: st.DrawFn, *, mode: Literal["continue", "restart", "pin"] | None = None
) -> tuple[Policy, Policy]:
    """``(old, new)``: a generated policy and a new version of it (``mode``: its
    ``on_new_version``, drawn when ``None``)."""
    old = draw(policies())
    return old, draw(new_versions(old, mode=mode))


@st.composite
def in_flight_accounts(draw: st.DrawFn, old: Policy) -> tuple[Account, datetime]:
    """An account whose history fits ``old``, every rung entered under ``old``'s version, and a
    moment up to 30 days after its last event."""
    account = draw(accounts(policy=old))
    events = tuple(
        attrs.evolve(e, policy_id=old.id, policy_version=old.version)
        if isinstance(e, StageEntered)
        else e
        for e in account.events
    )
    last = max((e.at for e in events), default=_START)
    now = last + timedelta(days=draw(st.integers(0, 30)), hours=draw(st.integers(0, 23)))
    return attrs.evolve(account, events=events), now
