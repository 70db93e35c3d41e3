"""Simulate a policy over a portfolio, and compare a challenger with the champion.

Analysts ask "what would this ladder collect, how many contacts would it take, what would it
cost?" before a policy reaches a customer.  :func:`simulate` runs the real engine day by day over
a portfolio, with a seeded :class:`Behaviour` model answering each contact (pay, pay part,
promise, dispute, or ignore), and returns per-account results plus recovery curves, contact
counts and cost.  Same portfolio, same policy, same seed: same result, so a challenger can be
compared with the champion on exactly the same debtors (:func:`compare`).

The behaviour model is deliberately simple and explicit; it is a tool to compare policies
against each other, not a forecast.  Pandas, pyarrow and matplotlib are optional
(``overdue-policy[notebook]``): ``to_frame()``, ``to_arrow()`` and ``plot_recovery()`` import
them only when called (through :mod:`overdue.notebook`).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

import attrs

from overdue._time import require_aware, zone
from overdue.account import Account, ContactPoint, Invoice
from overdue.channels import ANSWERABLE_CHANNELS
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

if TYPE_CHECKING:
    from overdue.notebook._differences import Difference
    from overdue.notebook.columns import Column

__all__ = [
    "Behaviour",
    "Comparison",
    "ResponseRates",
    "SimulatedAccount",
    "SimulationResult",
    "compare",
    "generate_portfolio",
    "simulate",
]

def _prob(_i: object, a: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise OverdueError(f"{a.name} must be a probability between 0 and 1", got=value)


@attrs.frozen
class ResponseRates:
    """The chances that one contact on one rung and channel draws each response.

    ``pay``, ``partial``, ``promise`` and ``dispute`` are chances per contact that reached the
    debtor; ``answer`` is the chance a call (or visit) is answered at all.  Used by
    :class:`Behaviour` ``rates`` and learnt from logs by
    :func:`overdue.notebook.behaviour.fit_behaviour`.  Values above 1 in total are clipped by
    the draw order (pay, partial, promise, dispute).
    """

    pay: float = attrs.field(default=0.0)
    partial: float = attrs.field(default=0.0)
    promise: float = attrs.field(default=0.0)
    dispute: float = attrs.field(default=0.0)
    answer: float = attrs.field(default=1.0, validator=_prob)

    def __attrs_post_init__(self) -> None:
        for name in ("pay", "partial", "promise", "dispute"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise OverdueError(f"{name} must be a chance >= 0", got=value)


def _rates(
    value: Mapping[tuple[str, str], ResponseRates],
) -> dict[tuple[str, str], ResponseRates]:
    return dict(value)


@attrs.frozen
class Behaviour:
    """How simulated debtors respond to a contact.

    Each delivered contact draws once: the debtor pays in full (``pay``), pays part
    (``partial``, a ``partial_share`` of the balance), promises to pay within ``promise_days``
    and keeps it with ``keep_promise``, disputes (``dispute``, resolved after
    ``dispute_days``), or ignores it.  ``channel_weight`` scales the response chance per channel
    (a lawyer's letter moves people more than an SMS).  Calls are answered with ``answer``.
    ``rates`` replaces all of this per ``(rung, channel)`` (``'*'`` for any rung) with
    :class:`ResponseRates`, for instance those fitted from a recorded log
    (:func:`overdue.notebook.behaviour.fit_behaviour`).
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
    rates: Mapping[tuple[str, str], ResponseRates] = attrs.field(factory=dict, converter=_rates)

    def __attrs_post_init__(self) -> None:
        if self.pay + self.partial + self.promise + self.dispute > 1:
            raise OverdueError(
                "pay + partial + promise + dispute must not exceed 1",
                got=self.pay + self.partial + self.promise + self.dispute,
            )
        for key, value in self.rates.items():
            if (
                not isinstance(key, tuple)
                or len(key) != 2
                or not all(isinstance(k, str) for k in key)
                or not isinstance(value, ResponseRates)
            ):
                raise OverdueError(
                    "rates map (rung, channel) to ResponseRates ('*' for any rung)",
                    key_path=f"rates[{key!r}]",
                    got=value,
                )

    def rates_for(self, stage: str | None, channel: str) -> ResponseRates:
        """The response chances of one contact on ``channel`` at rung ``stage``.

        A ``rates`` entry for ``(stage, channel)`` wins, then ``('*', channel)``; otherwise the
        hand-set probabilities scaled by ``channel_weight``.
        """
        found = self.rates.get((stage or "*", channel)) or self.rates.get(("*", channel))
        if found is not None:
            return found
        weight = self.channel_weight.get(channel, 1.0)
        return ResponseRates(
            pay=self.pay * weight,
            partial=self.partial * weight,
            promise=self.promise * weight,
            dispute=self.dispute,
            answer=self.answer,
        )


@attrs.frozen
class SimulatedAccount:
    """What happened to one account in a simulation.

    ``contact_log`` holds every contact as ``(local time, channel, rung)``, the time in the
    debtor's zone, so contacts can be counted by local hour and weekday.  ``recorded`` is the
    account with every event the run appended (stages entered, contacts and their outcomes,
    the debtor's payments, promises and disputes), when :func:`simulate` was asked to
    ``record``: a log in the shape a host keeps, for backtests and fitting.
    """

    account_id: str
    owed: Money
    collected: Money
    resolved_on_day: int | None
    final_stage: str | None
    stages: tuple[str, ...]
    contacts: Mapping[str, int]
    cost: Decimal
    error: str | None = None
    contact_log: tuple[tuple[datetime, str, str], ...] = ()
    recorded: Account | None = None

    @property
    def contact_count(self) -> int:
        """Every contact made to this account."""
        return sum(self.contacts.values())


def _share(n: int | Decimal, d: int | Decimal) -> float:
    return round(float(Decimal(n) / Decimal(d)), 4) if d else 0.0


@attrs.frozen
class SimulationResult:
    """A simulation's per-account results and the aggregates analysts look at first.

    Shares and rates are ``float`` (rounded to 4 places, for reading and plotting); money
    (``total_cost``) stays ``Decimal``.  ``ladder`` is the policy's rungs in order, so stage
    counts and frames list rungs as the ladder does.
    """

    policy_id: str
    start: datetime
    days: int
    accounts: tuple[SimulatedAccount, ...]
    ladder: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[SimulatedAccount, ...]:
        """Accounts whose history the engine refused (reported, never silently dropped)."""
        return tuple(a for a in self.accounts if a.error is not None)

    def _ok(self) -> list[SimulatedAccount]:
        return [a for a in self.accounts if a.error is None]

    def recorded_accounts(self) -> list[Account]:
        """The accounts with the histories the run recorded (``simulate(..., record=True)``)."""
        return [a.recorded for a in self.accounts if a.recorded is not None]

    @property
    def decided(self) -> tuple[SimulatedAccount, ...]:
        """The accounts that ran (every account not in :attr:`failed`)."""
        return tuple(self._ok())

    @property
    def recovery_rate(self) -> float:
        """Collected over owed, across the portfolio (currencies summed as numbers)."""
        owed = sum((a.owed.amount for a in self._ok()), Decimal(0))
        got = sum((a.collected.amount for a in self._ok()), Decimal(0))
        return _share(got, owed)

    @property
    def resolved_share(self) -> float:
        """Share of accounts paid in full within the horizon."""
        ok = self._ok()
        return _share(sum(1 for a in ok if a.resolved_on_day is not None), len(ok))

    def contacts_by_channel(self) -> dict[str, int]:
        """Every contact made, by channel."""
        total: Counter[str] = Counter()
        for a in self._ok():
            total.update(a.contacts)
        return dict(sorted(total.items()))

    @property
    def total_contacts(self) -> int:
        """Every contact made, on every channel."""
        return sum(a.contact_count for a in self._ok())

    @property
    def total_cost(self) -> Decimal:
        """What the contacts cost, by the cost table passed to :func:`simulate`."""
        return sum((a.cost for a in self._ok()), Decimal(0))

    @property
    def cost_per_recovered(self) -> float:
        """Contact cost per unit of money collected (``nan`` when nothing was collected)."""
        got = sum((a.collected.amount for a in self._ok()), Decimal(0))
        return float(self.total_cost / got) if got else float("nan")

    def recovery_curve(self) -> list[tuple[int, float]]:
        """(day, share of accounts paid in full by that day) for every day of the run.

        Shares are floats rounded to 4 places (they were ``Decimal`` before 0.2).
        """
        ok = self._ok()
        days = sorted(a.resolved_on_day for a in ok if a.resolved_on_day is not None)
        curve, k = [], 0
        for day in range(self.days + 1):
            while k < len(days) and days[k] <= day:
                k += 1
            curve.append((day, _share(k, len(ok))))
        return curve

    def stage_reach(self, *, include_unreached: bool = False) -> dict[str, int]:
        """How many accounts reached each rung, in ladder order.

        With ``include_unreached`` every rung of the ladder is listed, with 0 where nobody got
        there (what a funnel plot needs).
        """
        reach: Counter[str] = Counter()
        for a in self._ok():
            reach.update(set(a.stages))
        order = list(self.ladder) + sorted(s for s in reach if s not in self.ladder)
        return {
            s: reach.get(s, 0) for s in order if include_unreached or reach.get(s, 0)
        }

    def summary(self) -> dict[str, object]:
        """The headline numbers as numbers: counts ``int``, shares ``float``, cost ``Decimal``."""
        return {
            "policy": self.policy_id,
            "accounts": len(self.accounts),
            "failed": len(self.failed),
            "resolved_share": self.resolved_share,
            "recovery_rate": self.recovery_rate,
            "contacts": self.total_contacts,
            "cost": self.total_cost,
        }

    def to_records(self) -> list[dict[str, object]]:
        """One plain dict per account, for CSV or JSON (amounts as strings, exact)."""
        return [
            {
                "account_id": a.account_id,
                "owed": str(a.owed.amount),
                "collected": str(a.collected.amount),
                "currency": a.owed.currency,
                "resolved_on_day": a.resolved_on_day,
                "final_stage": a.final_stage,
                "contacts": a.contact_count,
                "cost": str(a.cost),
                "error": a.error,
            }
            for a in self.accounts
        ]

    def columns(self, *, arm: str | None = None) -> list[Column]:
        """One row per simulated account, as the typed columns of :mod:`overdue.notebook.frames`.

        Columns: (``arm``,) ``policy``, ``account_id``, ``owed``, ``collected``, ``currency``,
        ``resolved``, ``resolved_on_day``, ``final_stage``, ``highest_stage``, ``contacts``, one
        ``contacts_<channel>`` per channel used, ``cost``, ``error``.
        """
        from overdue.notebook.columns import Column, category

        accs = self.accounts
        ladder = self.ladder
        channels = sorted({c for a in accs for c in a.contacts})
        cols = [
            Column("policy", "str", [self.policy_id] * len(accs)),
            Column("account_id", "str", [a.account_id for a in accs]),
            Column("owed", "money", [a.owed.amount for a in accs]),
            Column("collected", "money", [a.collected.amount for a in accs]),
            Column("currency", "str", [a.owed.currency for a in accs]),
            Column("resolved", "bool", [a.resolved_on_day is not None for a in accs]),
            Column("resolved_on_day", "int", [a.resolved_on_day for a in accs]),
            category("final_stage", [a.final_stage for a in accs], ladder),
            category("highest_stage", [_highest(a.stages, ladder) for a in accs], ladder),
            Column("contacts", "int", [a.contact_count for a in accs]),
            *[
                Column(f"contacts_{c}", "int", [a.contacts.get(c, 0) for a in accs])
                for c in channels
            ],
            Column("cost", "money", [a.cost for a in accs]),
            Column("error", "str", [a.error for a in accs]),
        ]
        if arm is not None:
            cols.insert(0, Column("arm", "category", [arm] * len(accs), ("champion", "challenger")))
        return cols

    def to_frame(self, *, decimal: bool = False) -> Any:
        """One row per account as a typed pandas DataFrame (``overdue-policy[notebook]``).

        See :meth:`columns` for the columns.
        """
        from overdue.notebook.columns import frame_of

        return frame_of(self.columns(), decimal=decimal)

    def to_arrow(self) -> Any:
        """One row per account as a ``pyarrow.Table`` (``overdue-policy[notebook]``)."""
        from overdue.notebook.columns import arrow_of

        return arrow_of(self.columns())

    def plot_recovery(self, ax: Any = None, label: str | None = None) -> Any:
        """Plot the recovery curve with a bootstrap band; returns the matplotlib Axes."""
        from overdue.notebook._curves import plot_runs_recovery

        return plot_runs_recovery([(label or self.policy_id, self)], ax=ax)

    def _repr_html_(self) -> str:
        from overdue.notebook.html import simulation_html

        return simulation_html(self)


def _seed_for(seed: int, account_id: str) -> int:
    digest = hashlib.sha256(f"{seed}:{account_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _respond(
    rng: random.Random,
    behaviour: Behaviour,
    rates: ResponseRates,
    at: datetime,
    balance: Money,
    tz_name: str | None,
) -> list[Event]:
    draw = rng.random()
    lag = timedelta(days=behaviour.pay_lag_days)
    pay = rates.pay
    partial = pay + rates.partial
    promise = partial + rates.promise
    dispute = promise + rates.dispute
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
    record: bool = False,
) -> SimulatedAccount:
    opening = fold(account, start)
    owed = opening.balance or Money(0, policy.currency or "XXX")
    events = list(account.events)
    pending: list[Event] = []  # responses dated in the future, released as time passes
    snap = opening
    contacts: Counter[str] = Counter()
    log: list[tuple[datetime, str, str]] = []
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
            # Common random numbers: the same contact (same account, rung entry, step and
            # attempt: the idempotency key) draws the same luck under any policy.
            rng = random.Random(_seed_for(seed, a.idempotency_key))
            rates = behaviour.rates_for(a.stage, a.channel)
            answerable = a.channel in ANSWERABLE_CHANNELS
            answered = answerable and rng.random() < rates.answer
            outcome = (
                "conversation" if answered else ("no_answer" if answerable else "delivered")
            )
            new.append(a.outcome_event(outcome, t))
            contacts[a.channel] += 1
            log.append((t.astimezone(zone(d.zone)) if d.zone else t, a.channel, a.stage))
            cost += costs.get(a.channel, Decimal(0))
            if (outcome != "no_answer") and d.balance is not None:
                for e in _respond(rng, behaviour, rates, t, d.balance, d.zone):
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
    return SimulatedAccount(
        account_id=account.id,
        owed=owed,
        collected=collected,
        resolved_on_day=resolved_day,
        final_stage=snap.stage,
        stages=tuple(stages),
        contacts=dict(contacts),
        cost=cost,
        contact_log=tuple(log),
        recorded=attrs.evolve(account, events=tuple(events)) if record else None,
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
    record: bool = False,
) -> SimulationResult:
    """Run ``policy`` over ``accounts`` for ``days`` from ``start`` with simulated debtors.

    Each contact's randomness is seeded from ``seed`` and the contact's idempotency key (the
    account, the rung and how often it was entered, the step and the attempt), so the same
    contact meets the same luck under any policy (common random numbers): differences between
    two runs come from the policies alone, and a contact one policy makes and the other does
    not changes only what follows from it.
    An account whose history the engine refuses is reported in ``result.failed`` with the error,
    and the run goes on.  It is a projection under ``policy`` alone, as ``decide`` decides
    (``on_new_version`` is not applied; docs/versions.md, "Where versions are honoured").

    Args:
        costs: cost per contact by channel (``{"sms": "0.05", "letter": "30"}``).
        record: keep each account's full recorded history on its result
            (:meth:`SimulationResult.recorded_accounts`), as a host's event log would hold it.
    """
    require_aware(start, "start")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise OverdueError("days must be a whole number >= 1", got=days)
    beh = behaviour if behaviour is not None else Behaviour()
    table = {k: Decimal(str(v)) for k, v in (costs or {}).items()}
    until = start + timedelta(days=days)
    results: list[SimulatedAccount] = []
    for account in accounts:
        try:
            results.append(_run_one(policy, account, start, until, beh, table, seed, record))
        except OverdueError as exc:
            zero = Money(0, policy.currency or "XXX")
            results.append(
                SimulatedAccount(account.id, zero, zero, None, None, (), {}, Decimal(0), str(exc))
            )
    ladder = tuple(s.id for s in policy.enabled_stages)
    return SimulationResult(policy.id, start, days, tuple(results), ladder)


class _TwoArms:
    """The tables of a two-arm result, a paired :class:`Comparison` or an A/B
    ``overdue.notebook.experiments.Experiment``: both runs stacked, one row per account and
    arm (``arm``: champion or challenger)."""

    __slots__ = ()
    champion: SimulationResult
    challenger: SimulationResult

    def columns(self) -> list[Column]:
        """Both runs stacked, one row per account and arm (``arm``: champion or challenger)."""
        from overdue.notebook.columns import arm_columns

        return arm_columns(self.champion, self.challenger)

    def to_frame(self, *, decimal: bool = False) -> Any:
        """Both runs stacked, one row per account and arm, as a pandas DataFrame."""
        from overdue.notebook.columns import frame_of

        return frame_of(self.columns(), decimal=decimal)

    def to_arrow(self) -> Any:
        """Both runs stacked, one row per account and arm, as a ``pyarrow.Table``."""
        from overdue.notebook.columns import arrow_of

        return arrow_of(self.columns())


@attrs.frozen
class Comparison(_TwoArms):
    """A champion and a challenger run on the same portfolio with the same luck.

    The two runs are *paired*: account by account, the same debtor met the same random draws,
    so :meth:`differences` resamples accounts (a paired bootstrap) and says, for each metric,
    whether the challenger's difference is within noise.
    """

    champion: SimulationResult
    challenger: SimulationResult

    def differences(
        self, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0
    ) -> tuple[Difference, ...]:
        """Challenger minus champion for each metric, with a seeded bootstrap interval.

        See :func:`overdue.notebook.experiments.paired_differences`.
        """
        from overdue.notebook._differences import paired_differences

        return paired_differences(
            self.champion, self.challenger, n_boot=n_boot, level=level, seed=seed
        )

    def table(self, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> str:
        """A plain-text side-by-side: both runs, the difference and its interval.

        A difference whose interval holds zero is marked ``within noise``: on this portfolio and
        this luck, the policies cannot be told apart on that metric.
        """
        a, b = self.champion.summary(), self.challenger.summary()
        diffs = self.differences(n_boot=n_boot, level=level, seed=seed)
        rows = [k for k in a if k != "policy"]
        width = max(len(r) for r in [*rows, *(d.metric for d in diffs)]) + 2
        col = max(18, len(str(a["policy"])) + 2, len(str(b["policy"])) + 2)
        lines = [f"{'':<{width}}{'champion':>{col}}{'challenger':>{col}}"]
        lines.append(f"{'policy':<{width}}{a['policy']!s:>{col}}{b['policy']!s:>{col}}")
        for key in rows:
            lines.append(f"{key:<{width}}{_cell(a[key]):>{col}}{_cell(b[key]):>{col}}")
        for d in diffs:
            if d.metric not in a:
                lines.append(
                    f"{d.metric:<{width}}{_cell(d.champion):>{col}}{_cell(d.challenger):>{col}}"
                )
        lines += ["", "challenger - champion (paired bootstrap over accounts):"]
        for d in diffs:
            lines.append(f"  {d.metric:<{width}}{d.describe()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from overdue.notebook.html import comparison_html

        return comparison_html(self)


def _highest(stages: Sequence[str], ladder: Sequence[str]) -> str | None:
    if not stages:
        return None
    return max(stages, key=lambda s: ladder.index(s) if s in ladder else -1)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


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
