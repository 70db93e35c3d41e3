"""A behaviour model learnt from recorded logs: response rates per rung and channel.

:class:`~overdue.simulate.Behaviour`'s default probabilities are set by hand.  When a host has
a log of what debtors actually did, :func:`fit_behaviour` counts, for every contact that
reached the debtor, what the debtor did next within a ``window`` and before the next contact:
paid in full, paid a part, promised, disputed, or nothing.  Rates are kept per ``(rung,
channel)`` and pooled per channel; a cell with few contacts is pulled towards its channel's
pooled rate (``prior`` pseudo-contacts), so a rung seen ten times does not get a rate of 0 or 1.

**What this is not.**  These are *observational* rates from the champion's own log: who reached
a rung was chosen by the champion's ladder, a payment may have been coming anyway, and each
response is credited to the last contact before it.  The fitted model is a better-grounded tool
to *compare policies with each other* on the same simulated debtors than hand-set numbers; it
is not a forecast of what a new policy will collect, and it says nothing about rungs or
channels the log never used (those keep the hand-set chances of ``base``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from statistics import median
from typing import Any

import attrs

from overdue.account import Account
from overdue.channels import ANSWERABLE_CHANNELS
from overdue.errors import OverdueError
from overdue.events import (
    ContactAttempted,
    DisputeOpened,
    Event,
    PaymentReceived,
    PromiseToPay,
)
from overdue.notebook.columns import Column, frame_of
from overdue.notebook.logs import read_log
from overdue.simulate import Behaviour, ResponseRates
from overdue.snapshot import fold

__all__ = ["CAVEAT", "FittedBehaviour", "FittedCell", "fit_behaviour"]

CAVEAT = (
    "Observational response rates from one policy's own log: a tool to compare policies on "
    "the same simulated debtors, not a forecast of what a new policy will collect."
)

_NOT_REACHED = frozenset({"no_answer", "failed", "bounced", "invalid_number", "unknown"})


@attrs.frozen
class FittedCell:
    """Counts for one ``(rung, channel)``: contacts tried, reached, and each response.

    Responses are credited in shares: when several contacts were made at the same instant (an
    SMS and an in-app notice), each reached one gets an equal part of the response that
    followed, since the log cannot tell which of them moved the debtor.
    """

    stage: str
    channel: str
    contacts: int
    reached: int
    pay: float
    partial: float
    promise: float
    dispute: float

    def add(self, other: FittedCell) -> FittedCell:
        """The two cells' counts summed (used to pool a channel over rungs)."""
        return FittedCell(
            self.stage, self.channel,
            self.contacts + other.contacts, self.reached + other.reached,
            self.pay + other.pay, self.partial + other.partial,
            self.promise + other.promise, self.dispute + other.dispute,
        )


@attrs.frozen
class FittedBehaviour:
    """The fitted :class:`~overdue.simulate.Behaviour` and the counts behind it."""

    behaviour: Behaviour
    cells: tuple[FittedCell, ...]
    window: timedelta
    accounts: int
    caveat: str = CAVEAT

    def columns(self) -> list[Column]:
        """One row per (rung, channel): counts and the fitted rates."""
        rates = [self.behaviour.rates_for(c.stage, c.channel) for c in self.cells]
        return [
            Column("stage", "str", [c.stage for c in self.cells]),
            Column("channel", "str", [c.channel for c in self.cells]),
            Column("contacts", "int", [c.contacts for c in self.cells]),
            Column("reached", "int", [c.reached for c in self.cells]),
            Column("pay", "float", [r.pay for r in rates]),
            Column("partial", "float", [r.partial for r in rates]),
            Column("promise", "float", [r.promise for r in rates]),
            Column("dispute", "float", [r.dispute for r in rates]),
            Column("answer", "float", [r.answer for r in rates]),
        ]

    def to_frame(self) -> Any:
        """The fitted table as a pandas DataFrame."""
        return frame_of(self.columns())


def _accounts(log: str | Path | Iterable[Account]) -> Iterator[Account]:
    # A record that cannot be read holds no usable history; it is left out of the counts.
    for item in read_log(log):
        if isinstance(item, Account):
            yield item


def _rate(hits: float, n: int, pooled: float, prior: float) -> float:
    return (hits + prior * pooled) / (n + prior) if n + prior > 0 else 0.0


def fit_behaviour(
    log: str | Path | Iterable[Account],
    *,
    window: timedelta = timedelta(days=7),
    prior: float = 20.0,
    base: Behaviour | None = None,
) -> FittedBehaviour:
    """Learn response rates per rung and channel from a recorded log (see the module caveat).

    Args:
        log: a JSONL or Parquet file of accounts with their events
            (:mod:`overdue.notebook.logs`), or any iterable of accounts.
        window: how long after a contact a response is credited to it (and never past the
            next contact).
        prior: pseudo-contacts pulling a thin cell towards its channel's pooled rate.
        base: the behaviour whose other settings (lags, promise keeping, unseen channels)
            are kept; ``Behaviour()`` by default.

    Also estimated from the log, when it shows them: ``keep_promise`` (a full payment by the
    promised date), ``partial_share`` (a partial payment's share of the balance) and
    ``pay_lag_days`` (median days from contact to payment).
    """
    start = base if base is not None else Behaviour()
    counts: dict[tuple[str, str], list[float]] = {}
    answered: dict[str, list[int]] = {}
    promises = kept = 0
    shares: list[float] = []
    lags: list[float] = []
    n_accounts = 0
    for account in _accounts(log):
        n_accounts += 1
        events = sorted(account.events, key=lambda e: e.at)
        contacts = [
            (i, e) for i, e in enumerate(events)
            if isinstance(e, ContactAttempted) and e.initiated_by == "creditor"
        ]
        groups: list[list[tuple[int, ContactAttempted]]] = []
        for i, c in contacts:  # contacts made at the same instant share any response
            if groups and groups[-1][0][1].at == c.at:
                groups[-1].append((i, c))
            else:
                groups.append([(i, c)])
        for k, group in enumerate(groups):
            reached: list[list[float]] = []
            for _i, c in group:
                cell = counts.setdefault((c.stage or "*", c.channel), [0.0] * 6)
                cell[0] += 1
                outcome = c.outcome.value
                if c.channel in ANSWERABLE_CHANNELS:
                    calls = answered.setdefault(c.channel, [0, 0])
                    calls[0] += 1
                    calls[1] += outcome == "conversation"
                if outcome not in _NOT_REACHED:
                    cell[1] += 1
                    reached.append(cell)
            if not reached:
                continue
            at = group[0][1].at
            nxt = groups[k + 1][0][1].at if k + 1 < len(groups) else None
            response = _first_response(events[group[0][0] + 1 :], at + window, nxt)
            if response is None:
                continue
            if isinstance(response, PaymentReceived):
                before = fold(account, response.at - timedelta(microseconds=1)).balance
                owed = before.amount if before is not None else Decimal(0)
                lags.append((response.at - at).total_seconds() / 86400)
                column = 2
                if owed > 0 and response.amount.amount < owed:
                    column = 3
                    shares.append(float(response.amount.amount / owed))
            elif isinstance(response, PromiseToPay):
                column = 4
                promises += 1
                kept += _kept(events, response)
            else:
                column = 5
            for cell in reached:
                cell[column] += 1 / len(reached)
    if n_accounts == 0:
        raise OverdueError("the log holds no account to fit", expected="a non-empty log")
    cells = tuple(
        FittedCell(stage, channel, int(v[0]), int(v[1]), v[2], v[3], v[4], v[5])
        for (stage, channel), v in sorted(counts.items())
    )
    pooled: dict[str, FittedCell] = {}
    for cell_ in cells:
        zero = FittedCell("*", cell_.channel, 0, 0, 0, 0, 0, 0)
        pooled[cell_.channel] = pooled.get(cell_.channel, zero).add(cell_)
    rates: dict[tuple[str, str], ResponseRates] = {}

    def answer_of(channel: str) -> float:
        a = answered.get(channel)
        if a and a[0]:
            return a[1] / a[0]
        return start.answer if channel in ANSWERABLE_CHANNELS else 1.0

    for channel, p in pooled.items():
        n = p.reached
        rates[("*", channel)] = ResponseRates(
            pay=p.pay / n if n else 0.0,
            partial=p.partial / n if n else 0.0,
            promise=p.promise / n if n else 0.0,
            dispute=p.dispute / n if n else 0.0,
            answer=answer_of(channel),
        )
    for f in cells:
        pool = rates[("*", f.channel)]
        rates[(f.stage, f.channel)] = ResponseRates(
            pay=_rate(f.pay, f.reached, pool.pay, prior),
            partial=_rate(f.partial, f.reached, pool.partial, prior),
            promise=_rate(f.promise, f.reached, pool.promise, prior),
            dispute=_rate(f.dispute, f.reached, pool.dispute, prior),
            answer=pool.answer,
        )
    fitted = attrs.evolve(
        start,
        rates=rates,
        keep_promise=kept / promises if promises else start.keep_promise,
        partial_share=round(median(shares), 4) if shares else start.partial_share,
        pay_lag_days=round(median(lags)) if lags else start.pay_lag_days,
    )
    return FittedBehaviour(fitted, cells, window, n_accounts)


def _first_response(
    after: list[Event], until: datetime, next_contact: datetime | None
) -> PaymentReceived | PromiseToPay | DisputeOpened | None:
    """The debtor's first act within the window and before the next contact (which owns it)."""
    for e in after:
        if e.at > until or (next_contact is not None and e.at >= next_contact):
            return None
        if isinstance(e, PaymentReceived | PromiseToPay | DisputeOpened):
            return e
    return None


def _kept(events: list[Event], promise: PromiseToPay) -> int:
    for e in events:
        if isinstance(e, PaymentReceived) and e.at >= promise.at and e.at.date() <= promise.by:
            return 1
    return 0
