"""Bounded proofs: every history up to a bound, explored, and a requirement proved or refuted.

Fuzzing samples histories; a compliance officer signs off a proof, not a sample.
:func:`prove` explores *every* history of one account up to a bound — a number of days, a time
grid on which the debtor and the back office may act, a number of such moves, a set of moves —
with the host deciding at every grid point and every ``wake_at`` in between and carrying out
every due action.  Histories that reach the same folded state at the same grid point are
explored once (memoisation on the state the future depends on: the rung, its step progress,
open facts, opt-outs, cease, promise, plan, authorisations, milestones and the contacts still
inside the longest cap window); ``merged`` in the result says how often that happened.
The result either proves the requirements hold of every history
up to the bound or carries the shortest counterexample (earliest in time, then fewest moves),
which :meth:`ProofResult.regression_test` turns into a pasteable pytest test.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from overdue.account import Account
from overdue.channels import ANSWERABLE_CHANNELS
from overdue.decision import Decision
from overdue.engine import decide
from overdue.errors import InternalError, UsageError
from overdue.events import (
    CeaseRequested,
    ContactAttempted,
    DisputeOpened,
    DisputeResolved,
    Event,
    HoldReleased,
    ManualHold,
    OptedOut,
    Outcome,
    PaymentReceived,
    PromiseToPay,
    StageEntered,
)
from overdue.money import Money
from overdue.policy import Policy
from overdue.rules import FrequencyCap
from overdue.snapshot import Snapshot, fold
from overdue.testing._repro import HEADER, account_source, py
from overdue.testing.invariants import Violation
from overdue.testing.requirements import Requirements, check_requirements

__all__ = ["MOVES", "Move", "ProofResult", "play", "prove"]

MOVES = (
    "dispute",
    "resolve_dispute",
    "opt_out:phone",
    "opt_out:sms",
    "cease",
    "promise",
    "pay_half",
    "hold",
    "release_hold",
    "answers",
    "ignores",
)
"""The moves :func:`prove` knows: debtor and back-office acts, and how the debtor responds
from then on (``answers``: calls are answered and messages delivered; ``ignores``, the
start: calls go unanswered)."""

_MAX_ROUNDS = 25


@attrs.frozen
class Move:
    """One act at one moment of an explored history."""

    name: str
    at: datetime


@attrs.frozen
class _Node:
    account: Account
    response: str
    moves: tuple[Move, ...]


@attrs.frozen
class ProofResult:
    """What :func:`prove` found.

    Attributes:
        holds: the requirements hold of every history up to the bound.
        histories: how many distinct histories the exploration covered (counting each path
            through a merged state once per way of reaching it).
        states: how many (grid point, folded state, move) steps were played.
        merged: how many times a history reached a state another had reached at the same
            grid point, and was not explored further on its own.
        bound: the bound in words.
        counterexample: the moves of the shortest refuting history (``None`` when it holds).
        account: the account that history ends with (its events are the full history).
        violations: what the refuting history broke.
        start, until, grid: the account the exploration started from, where the refuting
            history was cut, and the grid, so :func:`play` replays it.
    """

    holds: bool
    histories: int
    states: int
    bound: str
    policy_id: str
    counterexample: tuple[Move, ...] | None = None
    merged: int = 0
    account: Account | None = None
    violations: tuple[Violation, ...] = ()
    start: Account | None = None
    until: datetime | None = None
    grid: timedelta | None = None

    def __str__(self) -> str:
        if self.holds:
            return (
                f"proved for {self.policy_id}: {self.histories} histories ({self.states} steps "
                f"played, {self.merged} merged) up to {self.bound}"
            )
        moves = ", ".join(f"{m.name} at {m.at.isoformat()}" for m in self.counterexample or ())
        return (
            f"refuted for {self.policy_id} after {self.states} states: {moves or 'no moves'}\n"
            + "\n".join(f"  - {v}" for v in self.violations)
        )

    def regression_test(
        self, policy_source: str = "REFERENCE_POLICY", requirements_source: str = "requirements"
    ) -> str:
        """A pytest test reproducing the counterexample: paste it, fix the policy, keep it.

        The imports come first; ``policy_source`` and ``requirements_source`` are the Python
        expressions that name the policy and the requirements in the test file.
        """
        if self.account is None or self.start is None or self.until is None:
            raise UsageError("the requirements hold: there is no counterexample to paste")
        first = str(self.violations[0]) if self.violations else "a requirement broken"
        doc = first.replace('"', "'")
        head = (
            HEADER
            + "from datetime import timedelta  # noqa: E402\n"
            + "from overdue.testing import Move, check_requirements, play  # noqa: E402\n"
        )
        moves = "".join(f"    Move({m.name!r}, {py(m.at)}),\n" for m in self.counterexample or ())
        body = (
            f"policy = {policy_source}\n"
            + account_source(self.start)
            + "\nmoves = [\n"
            + moves
            + "]\n"
            + f"history = play(policy, account, moves, {py(self.until)}, "
            + f"grid={_delta(self.grid)})\n"
            + f"assert check_requirements({requirements_source}, policy, history) == []\n"
        )
        return (
            head
            + "\n\ndef test_bounded_proof_counterexample() -> None:\n"
            + f'    """Found by prove(): {doc}"""\n'
            + _indent(body)
        )


def _delta(value: timedelta | None) -> str:
    return f"timedelta(seconds={int((value or timedelta(hours=12)).total_seconds())})"


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line else line for line in text.splitlines()) + "\n"


def _outcome(channel: str, response: str) -> str:
    if response == "answers":
        return Outcome.CONVERSATION if channel in ANSWERABLE_CHANNELS else Outcome.DELIVERED
    return Outcome.NO_ANSWER if channel in ANSWERABLE_CHANNELS else Outcome.DELIVERED


def _host(
    policy: Policy, account: Account, now: datetime, response: str
) -> tuple[Account, Decision]:
    """Decide at ``now`` and carry out what is due, until nothing is; the last decision."""
    for _ in range(_MAX_ROUNDS):
        d = decide(policy, account, now)
        new: list[Event] = list(d.record)
        new += [a.outcome_event(_outcome(a.channel, response), now) for a in d.due_actions]
        if not new:
            return account, d
        account = account.with_events(*new)
    raise InternalError(f"decide() keeps producing due actions at {now.isoformat()}")


def _until(
    policy: Policy, account: Account, start: datetime, end: datetime, response: str
) -> Account:
    """The host from ``start`` to just before ``end``: at ``start`` and every ``wake_at``."""
    now = start
    while True:
        account, d = _host(policy, account, now, response)
        wake = d.wake_at
        if wake is None or wake >= end or wake <= now:
            return account
        now = wake


def _event(name: str, at: datetime, snap: Snapshot, tz: ZoneInfo) -> Event | None:
    """The event of a move, or ``None`` where the move makes no sense in this state."""
    bal = snap.balance
    if name == "dispute":
        return None if snap.open_disputes else DisputeOpened(at=at, dispute_id="D1", reason="x")
    if name == "resolve_dispute":
        if not snap.open_disputes:
            return None
        return DisputeResolved(at=at, dispute_id="D1", resolution="rejected")
    if name.startswith("opt_out:"):
        channel = name.partition(":")[2]
        return None if channel in snap.opted_out else OptedOut(at=at, channel=channel)
    if name == "cease":
        return None if snap.cease is not None else CeaseRequested(at=at)
    if name == "promise":
        if bal is None or bal.amount <= 0 or snap.promise is not None:
            return None
        return PromiseToPay(at=at, amount=bal, by=at.astimezone(tz).date() + timedelta(days=1))
    if name == "pay_half":
        if bal is None or bal.amount <= 1:
            return None
        half = (bal.amount / 2).quantize(Decimal("0.01"))
        return PaymentReceived(at=at, amount=Money(half, bal.currency))
    if name == "hold":
        if snap.fact_open("manual_hold", at) is not None:
            return None
        return ManualHold(at=at, reason="operator review")
    if name == "release_hold":
        return HoldReleased(at=at) if snap.fact_open("manual_hold", at) is not None else None
    raise UsageError(f"unknown move {name!r}", expected=" | ".join(MOVES))


def _key(snap: Snapshot, response: str, at: datetime, lookback: timedelta) -> object:
    """What the future of a history depends on, at a grid point ``at``."""
    recent = tuple(
        (c.channel, c.at, c.outcome.value, c.stage, c.step)
        for c in snap.contacts
        if c.at > at - lookback
    )
    return (
        response,
        snap.stage,
        snap.stage_since,
        tuple(sorted((k, v.count, v.last_at) for k, v in snap.steps.items())),
        tuple(sorted((k, v.since, v.until) for k, v in snap.facts.items())),
        snap.fact_intervals,
        snap.open_disputes,
        snap.cease.at if snap.cease is not None else None,
        snap.opted_out,
        snap.promise,
        snap.plan,
        tuple(sorted(snap.authorisations)),
        snap.balance,
        tuple(
            sorted(
                (k, v)
                for k, v in snap.first_seen.items()
                if k.startswith(("contacted:", "stage_entered:", "fact:", "authorised:"))
            )
        ),
        snap.settled_at,
        recent,
    )


def play(
    policy: Policy,
    account: Account,
    moves: Sequence[Move],
    until: datetime,
    *,
    grid: timedelta = timedelta(hours=12),
) -> Account:
    """The history :func:`prove` explores for ``moves``: the account at ``until``.

    The host decides at the account's first due moment, at every grid point and every
    ``wake_at``; each move happens at its grid point before the host decides there.
    """
    tz = ZoneInfo(account.timezone or policy.assumed_zone or "UTC")
    response = "ignores"
    t = _start(account, tz)
    by_time: dict[datetime, list[Move]] = {}
    for m in moves:
        by_time.setdefault(m.at, []).append(m)
    while t < until:
        for m in by_time.get(t, []):
            if m.name in ("answers", "ignores"):
                response = m.name
                continue
            ev = _event(m.name, t, fold(account, None), tz)
            if ev is not None:
                account = account.with_events(ev)
        nxt = min(t + grid, until)
        account = _until(policy, account, t, nxt, response)
        t = nxt
    return account


def _start(account: Account, tz: ZoneInfo) -> datetime:
    dues = [i.due for i in account.invoices]
    first = min(dues) + timedelta(days=1)
    return datetime(first.year, first.month, first.day, tzinfo=tz)


def prove(
    policy: Policy,
    requirements: Requirements,
    account: Account,
    *,
    days: int = 14,
    grid: timedelta = timedelta(hours=12),
    max_moves: int = 2,
    moves: Sequence[str] = ("dispute", "resolve_dispute", "opt_out:phone", "promise", "answers"),
) -> ProofResult:
    """Prove ``requirements`` of every history of ``account`` under ``policy`` up to a bound.

    The history starts at local midnight after the account's earliest due date; the bound is
    ``days`` from there, moves on a ``grid`` (``12h``: at local midnight and noon), at most
    ``max_moves`` of them, drawn from ``moves`` (see :data:`MOVES`).  Exploration is breadth
    first by grid point, so the counterexample returned is the earliest, and among the
    earliest the one with fewest moves.
    """
    for known in moves:
        if known not in MOVES and not known.startswith("opt_out:"):
            raise UsageError(f"unknown move {known!r}", expected=" | ".join(MOVES))
    tz = ZoneInfo(account.timezone or policy.assumed_zone or "UTC")
    t0 = _start(account, tz)
    end = t0 + timedelta(days=days)
    caps = [r for r in requirements.as_rules() if isinstance(r, FrequencyCap)]
    lookback = max((r.per.max_timedelta for r in caps), default=timedelta(days=1))
    lookback += timedelta(days=1)
    bound = f"{days} days, moves every {grid} from {t0.isoformat()}, at most {max_moves} of " + (
        ", ".join(moves)
    )
    # frontier: key -> (node, ways to reach it, moves used)
    frontier: dict[object, tuple[_Node, int]] = {("start",): (_Node(account, "ignores", ()), 1)}
    states = 0
    merged = 0
    explored = 0
    t = t0
    while t < end:
        nxt = min(t + grid, end)
        new: dict[object, tuple[_Node, int]] = {}
        # Fewest moves first, so the first refutation at a grid point is the shortest.
        for node, ways in sorted(frontier.values(), key=lambda nw: len(nw[0].moves)):
            snap = fold(node.account, None)
            options: list[tuple[str | None, Event | None]] = [(None, None)]
            if len(node.moves) < max_moves:
                for move in moves:
                    if move in ("answers", "ignores"):
                        if node.response != move:
                            options.append((move, None))
                        continue
                    event = _event(move, t, snap, tz)
                    if event is not None:
                        options.append((move, event))
            for name, ev in options:
                states += 1
                explored += ways
                acct = node.account if ev is None else node.account.with_events(ev)
                response = node.response
                if name is not None and name in ("answers", "ignores"):
                    response = name
                before = len(acct.events)
                acct = _until(policy, acct, t, nxt, response)
                moved = node.moves if name is None else (*node.moves, Move(name, t))
                # Only a contact or a rung entered can break a requirement: a segment that
                # added neither leaves the verdict on the history as it was.
                acted = any(
                    isinstance(e, ContactAttempted | StageEntered) for e in acct.events[before:]
                )
                found = check_requirements(requirements, policy, acct) if acted else []
                if found:
                    return ProofResult(
                        False,
                        explored,
                        states,
                        bound,
                        policy.id,
                        moved,
                        merged,
                        acct,
                        tuple(found),
                        account,
                        nxt,
                        grid,
                    )
                key = _key(fold(acct, None), response, nxt, lookback)
                if key in new:
                    merged += 1
                    kept, w = new[key]
                    if len(moved) < len(kept.moves):
                        kept = _Node(acct, response, moved)
                    new[key] = (kept, w + ways)
                else:
                    new[key] = (_Node(acct, response, moved), ways)
        frontier = new
        t = nxt
    total = sum(w for _, w in frontier.values())
    return ProofResult(True, total, states, bound, policy.id, merged=merged)
