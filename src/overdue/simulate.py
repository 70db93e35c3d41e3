"""Simulate a policy over a portfolio, and compare a challenger with the champion.

Analysts ask "what would this ladder collect, how many contacts would it take, what would it
cost?" before a policy reaches a customer.  :func:`simulate` runs the real engine day by day over
a portfolio, with a seeded :class:`Behaviour` model answering each contact (pay, pay part,
promise, dispute, or ignore), and returns per-account results plus recovery curves, contact
counts and cost.  Same portfolio, same policy, same seed: same result, so a challenger can be
compared with the champion on exactly the same debtors (:func:`compare`).

The behaviour model is deliberately simple and explicit; it is a tool to compare policies
against each other, not a forecast.  Pandas and matplotlib are optional
(``overdue-policy[notebook]``): ``to_frame()`` and ``plot_recovery()`` import them only when
called.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from overdue._time import require_aware, zone
from overdue.account import Account, ContactPoint, Invoice
from overdue.engine import decide
from overdue.errors import OverdueError
from overdue.events import (
    DisputeOpened,
    DisputeResolved,
    Event,
    PaymentReceived,
    PromiseToPay,
)
from overdue.money import Money
from overdue.policy import Policy
from overdue.snapshot import fold

__all__ = [
    "AccountResult",
    "Behaviour",
    "Comparison",
    "SimulationResult",
    "compare",
    "generate_portfolio",
    "simulate",
]

_ANSWERING = {"phone": "conversation", "field_visit": "conversation"}


def _prob(_i: object, a: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise OverdueError(f"{a.name} must be a probability between 0 and 1", got=value)


@attrs.frozen
class Behaviour:
    """How simulated debtors respond to a contact.

    Each delivered contact draws once: the debtor pays in full (``pay``), pays part
    (``partial``, a ``partial_share`` of the balance), promises to pay within ``promise_days``
    and keeps it with ``keep_promise``, disputes (``dispute``, resolved after
    ``dispute_days``), or ignores it.  ``channel_weight`` scales the response chance per channel
    (a lawyer's letter moves people more than an SMS).  Calls are answered with ``answer``.
    """

    pay: float = attrs.field(default=0.06, validator=_prob)
    partial: float = attrs.field(default=0.03, validator=_prob)
    partial_share: float = attrs.field(default=0.4, validator=_prob)
    promise: float = attrs.field(default=0.04, validator=_prob)
    keep_promise: float = attrs.field(default=0.6, validator=_prob)
    promise_days: int = 5
    dispute: float = attrs.field(default=0.01, validator=_prob)
    dispute_days: int = 14
    answer: float = attrs.field(default=0.35, validator=_prob)
    pay_lag_days: int = 2
    channel_weight: Mapping[str, float] = attrs.field(
        factory=lambda: {"letter": 3.0, "legal": 4.0, "field_visit": 3.0, "phone": 1.5},
        converter=dict,
    )

    def __attrs_post_init__(self) -> None:
        if self.pay + self.partial + self.promise + self.dispute > 1:
            raise OverdueError(
                "pay + partial + promise + dispute must not exceed 1",
                got=self.pay + self.partial + self.promise + self.dispute,
            )


@attrs.frozen
class AccountResult:
    """What happened to one account in a simulation."""

    account_id: str
    owed: Money
    collected: Money
    resolved_on_day: int | None
    final_stage: str | None
    stages: tuple[str, ...]
    contacts: Mapping[str, int]
    cost: Decimal
    error: str | None = None


@attrs.frozen
class SimulationResult:
    """A simulation's per-account results and the aggregates analysts look at first."""

    policy_id: str
    start: datetime
    days: int
    accounts: tuple[AccountResult, ...]

    @property
    def failed(self) -> tuple[AccountResult, ...]:
        """Accounts whose history the engine refused (reported, never silently dropped)."""
        return tuple(a for a in self.accounts if a.error is not None)

    def _ok(self) -> list[AccountResult]:
        return [a for a in self.accounts if a.error is None]

    @property
    def recovery_rate(self) -> Decimal:
        """Collected over owed, across the portfolio (currencies summed as numbers)."""
        owed = sum((a.owed.amount for a in self._ok()), Decimal(0))
        got = sum((a.collected.amount for a in self._ok()), Decimal(0))
        return (got / owed).quantize(Decimal("0.0001")) if owed else Decimal(0)

    @property
    def resolved_share(self) -> Decimal:
        """Share of accounts paid in full within the horizon."""
        ok = self._ok()
        if not ok:
            return Decimal(0)
        n = sum(1 for a in ok if a.resolved_on_day is not None)
        return (Decimal(n) / len(ok)).quantize(Decimal("0.0001"))

    def contacts_by_channel(self) -> dict[str, int]:
        """Every contact made, by channel."""
        total: Counter[str] = Counter()
        for a in self._ok():
            total.update(a.contacts)
        return dict(sorted(total.items()))

    @property
    def total_cost(self) -> Decimal:
        """What the contacts cost, by the cost table passed to :func:`simulate`."""
        return sum((a.cost for a in self._ok()), Decimal(0))

    def recovery_curve(self) -> list[tuple[int, Decimal]]:
        """(day, share of accounts resolved by that day) for every day of the run."""
        ok = self._ok()
        days = sorted(a.resolved_on_day for a in ok if a.resolved_on_day is not None)
        curve, k = [], 0
        for day in range(self.days + 1):
            while k < len(days) and days[k] <= day:
                k += 1
            share = Decimal(k) / len(ok) if ok else Decimal(0)
            curve.append((day, share.quantize(Decimal("0.0001"))))
        return curve

    def stage_reach(self) -> dict[str, int]:
        """How many accounts reached each stage."""
        reach: Counter[str] = Counter()
        for a in self._ok():
            reach.update(set(a.stages))
        return dict(reach)

    def summary(self) -> dict[str, object]:
        """The headline numbers as plain values."""
        return {
            "policy": self.policy_id,
            "accounts": len(self.accounts),
            "failed": len(self.failed),
            "resolved_share": str(self.resolved_share),
            "recovery_rate": str(self.recovery_rate),
            "contacts": sum(self.contacts_by_channel().values()),
            "cost": str(self.total_cost),
        }

    def to_records(self) -> list[dict[str, object]]:
        """One plain dict per account, for CSV, JSON or a data frame."""
        return [
            {
                "account_id": a.account_id,
                "owed": str(a.owed.amount),
                "collected": str(a.collected.amount),
                "currency": a.owed.currency,
                "resolved_on_day": a.resolved_on_day,
                "final_stage": a.final_stage,
                "contacts": sum(a.contacts.values()),
                "cost": str(a.cost),
                "error": a.error,
            }
            for a in self.accounts
        ]

    def to_frame(self) -> Any:
        """The per-account records as a pandas DataFrame (needs ``overdue-policy[notebook]``)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise OverdueError(
                "to_frame() needs pandas", expected='pip install "overdue-policy[notebook]"'
            ) from exc
        return pd.DataFrame.from_records(self.to_records())

    def plot_recovery(self, ax: Any = None, label: str | None = None) -> Any:
        """Plot the recovery curve with matplotlib; returns the axes.

        Needs ``overdue-policy[notebook]``.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise OverdueError(
                "plot_recovery() needs matplotlib",
                expected='pip install "overdue-policy[notebook]"',
            ) from exc
        if ax is None:
            _, ax = plt.subplots()
        curve = self.recovery_curve()
        ax.plot([d for d, _ in curve], [float(s) for _, s in curve], label=label or self.policy_id)
        ax.set_xlabel("days since start")
        ax.set_ylabel("share of accounts paid in full")
        ax.legend()
        return ax


def _seed_for(seed: int, account_id: str) -> int:
    digest = hashlib.sha256(f"{seed}:{account_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _respond(
    rng: random.Random,
    behaviour: Behaviour,
    channel: str,
    at: datetime,
    balance: Money,
    tz_name: str | None,
) -> list[Event]:
    weight = behaviour.channel_weight.get(channel, 1.0)
    draw = rng.random()
    lag = timedelta(days=behaviour.pay_lag_days)
    pay = behaviour.pay * weight
    partial = pay + behaviour.partial * weight
    promise = partial + behaviour.promise * weight
    dispute = promise + behaviour.dispute
    if draw < pay:
        return [PaymentReceived(at=at + lag, amount=balance)]
    if draw < partial:
        part = _cents(balance.amount * Decimal(str(behaviour.partial_share)))
        if part <= 0:
            return []
        return [PaymentReceived(at=at + lag, amount=Money(part, balance.currency))]
    if draw < promise:
        local = at.astimezone(zone(tz_name)) if tz_name else at
        by = local.date() + timedelta(days=behaviour.promise_days)
        events: list[Event] = [PromiseToPay(at=at, amount=balance, by=by)]
        if rng.random() < behaviour.keep_promise:
            kept_at = at + timedelta(days=behaviour.promise_days)
            events.append(PaymentReceived(at=kept_at, amount=balance))
        return events
    if draw < dispute:
        return [
            DisputeOpened(at=at, dispute_id=f"d{at:%Y%m%d}"),
            DisputeResolved(
                at=at + timedelta(days=behaviour.dispute_days),
                dispute_id=f"d{at:%Y%m%d}",
                resolution="rejected",
            ),
        ]
    return []


def _run_one(
    policy: Policy,
    account: Account,
    start: datetime,
    until: datetime,
    behaviour: Behaviour,
    costs: Mapping[str, Decimal],
    seed: int,
) -> AccountResult:
    rng = random.Random(_seed_for(seed, account.id))
    opening = fold(account, start)
    owed = opening.balance or Money(0, policy.currency or "XXX")
    events = list(account.events)
    pending: list[Event] = []  # responses dated in the future, released as time passes
    snap = opening
    contacts: Counter[str] = Counter()
    stages: list[str] = [opening.stage] if opening.stage else []
    cost = Decimal(0)
    resolved_day: int | None = None
    t = start
    for _ in range(5000):
        due_now = sorted((e for e in pending if e.at <= t), key=lambda e: e.at)
        if due_now:
            pending = [e for e in pending if e.at > t]
            for e in due_now:
                events.append(e)
                snap = snap.apply(e)
        acct = attrs.evolve(account, events=tuple(events))
        d = decide(policy, acct, t, snapshot=snap)
        if d.status == "resolved":
            resolved_day = (t - start).days
            break
        new: list[Event] = list(d.record)
        if d.transition is not None:
            stages.append(d.transition.to_stage)
        for a in d.due_actions:
            answered = a.channel in _ANSWERING and rng.random() < behaviour.answer
            outcome = _ANSWERING[a.channel] if answered else (
                "no_answer" if a.channel in _ANSWERING else "delivered"
            )
            new.append(a.outcome_event(outcome, t))
            contacts[a.channel] += 1
            cost += costs.get(a.channel, Decimal(0))
            if (outcome != "no_answer") and d.balance is not None:
                for e in _respond(rng, behaviour, a.channel, t, d.balance, d.zone):
                    (new if e.at <= t else pending).append(e)
        if new:
            for e in new:
                events.append(e)
                snap = snap.apply(e)
            continue
        nxt = [e.at for e in pending]
        if d.wake_at is not None:
            nxt.append(d.wake_at)
        if not nxt:
            break
        t = max(min(nxt), t + timedelta(minutes=1))
        if t > until:
            break
    final = snap.balance or owed
    collected = Money(max(owed.amount - final.amount, Decimal(0)), owed.currency)
    return AccountResult(
        account_id=account.id,
        owed=owed,
        collected=collected,
        resolved_on_day=resolved_day,
        final_stage=snap.stage,
        stages=tuple(stages),
        contacts=dict(contacts),
        cost=cost,
    )


def simulate(
    policy: Policy,
    accounts: Iterable[Account],
    start: datetime,
    days: int = 120,
    *,
    behaviour: Behaviour | None = None,
    costs: Mapping[str, Decimal | str] | None = None,
    seed: int = 0,
) -> SimulationResult:
    """Run ``policy`` over ``accounts`` for ``days`` from ``start`` with simulated debtors.

    Each account's randomness is seeded from ``seed`` and its id, so the same account meets the
    same luck under any policy: differences between two runs come from the policies alone.
    An account whose history the engine refuses is reported in ``result.failed`` with the error,
    and the run goes on.

    Args:
        costs: cost per contact by channel (``{"sms": "0.05", "letter": "30"}``).
    """
    require_aware(start, "start")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise OverdueError("days must be a whole number >= 1", got=days)
    beh = behaviour if behaviour is not None else Behaviour()
    table = {k: Decimal(str(v)) for k, v in (costs or {}).items()}
    until = start + timedelta(days=days)
    results: list[AccountResult] = []
    for account in accounts:
        try:
            results.append(_run_one(policy, account, start, until, beh, table, seed))
        except OverdueError as exc:
            zero = Money(0, policy.currency or "XXX")
            results.append(
                AccountResult(account.id, zero, zero, None, None, (), {}, Decimal(0), str(exc))
            )
    return SimulationResult(policy.id, start, days, tuple(results))


@attrs.frozen
class Comparison:
    """A champion and a challenger run on the same portfolio with the same luck."""

    champion: SimulationResult
    challenger: SimulationResult

    def table(self) -> str:
        """A plain-text side-by-side of the headline numbers."""
        a, b = self.champion.summary(), self.challenger.summary()
        rows = ["metric", *[k for k in a if k != "policy"]]
        width = max(len(r) for r in rows) + 2
        lines = [f"{'':<{width}}{a['policy']!s:>18}{b['policy']!s:>18}"]
        for key in rows[1:]:
            lines.append(f"{key:<{width}}{a[key]!s:>18}{b[key]!s:>18}")
        return "\n".join(lines)


def compare(
    champion: Policy,
    challenger: Policy,
    accounts: Sequence[Account],
    start: datetime,
    days: int = 120,
    **kwargs: Any,
) -> Comparison:
    """Simulate both policies over the same accounts, seed and behaviour."""
    return Comparison(
        simulate(champion, accounts, start, days, **kwargs),
        simulate(challenger, accounts, start, days, **kwargs),
    )


def generate_portfolio(
    n: int,
    *,
    currency: str = "CNY",
    timezone: str = "Asia/Shanghai",
    due_between: tuple[date, date] = (date(2026, 1, 1), date(2026, 1, 31)),
    seed: int = 0,
) -> list[Account]:
    """A synthetic portfolio of ``n`` accounts with one overdue invoice each, for trying policies.

    Amounts run from 50 to 20,000; every account has SMS, phone, e-mail and a postal address.
    """
    rng = random.Random(seed)
    span = (due_between[1] - due_between[0]).days
    out = []
    for i in range(n):
        amount = Decimal(rng.randrange(5000, 2_000_000)) / 100
        due = due_between[0] + timedelta(days=rng.randrange(span + 1))
        phone = f"+86 13{rng.randrange(10**8, 10**9)}"
        out.append(
            Account(
                f"SIM-{i:06d}",
                timezone=timezone,
                contacts=(
                    ContactPoint("sms", phone),
                    ContactPoint("phone", phone),
                    ContactPoint("email", f"debtor{i}@example.com"),
                    ContactPoint("letter", f"{i} Example Road"),
                ),
                invoices=(Invoice(f"INV-{i:06d}", Money(amount, currency), due),),
                contract=f"CONTRACT-{i:06d}",
            )
        )
    return out
