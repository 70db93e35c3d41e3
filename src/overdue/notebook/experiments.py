"""Champion-challenger experiments that hold up: stable arms, intervals, sample sizes.

Three things an analyst needs before believing "the challenger collects more":

* **Stable assignment.** :func:`arm_of` puts an account in an arm by a salted hash of its id,
  so the same account lands in the same arm on every run, on every machine, in a notebook and
  in production.  The rule, for a host that assigns without this library::

      u = int.from_bytes(sha256((salt + ":" + account_id).encode("utf-8")).digest()[:8], "big")
      u = u / 2**64                        # uniform in [0, 1)
      arm = first arm whose cumulative share exceeds u (arms in the order given)

  With ``arms={"champion": 0.9, "challenger": 0.1}`` an account goes to the challenger when
  ``0.9 <= u``.  A new salt draws a fresh, independent split; never reuse a salt across
  experiments that should be independent.
* **Intervals, not point estimates.** :func:`paired_differences` (both policies on the same
  accounts, the simulator's ``compare``) and :func:`split_differences` (each arm on its own
  accounts, a real A/B split) resample accounts with a seeded bootstrap and give each
  difference a percentile interval; an interval that holds zero is reported as *within noise*.
* **Enough accounts.** :func:`sample_size` says how many accounts per arm a difference in a
  share (recovery, resolution) needs to be seen at a given significance and power.

Everything here is standard library only (``random``, ``statistics``), so results do not depend
on whether numpy is installed: the same seed gives the same interval everywhere.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from statistics import NormalDist
from typing import Any

import attrs

from overdue.account import Account
from overdue.errors import OverdueError
from overdue.policy import Policy
from overdue.simulate import SimulatedAccount, SimulationResult, simulate

__all__ = [
    "METRICS",
    "Difference",
    "Experiment",
    "arm_of",
    "assign",
    "paired_differences",
    "run_experiment",
    "sample_size",
    "split_differences",
    "unit_interval",
]


def unit_interval(salt: str, account_id: str) -> float:
    """The account's position in [0, 1): ``sha256(salt + ":" + id)``, first 8 bytes / 2**64."""
    if not isinstance(salt, str) or not salt:
        raise OverdueError("an experiment needs a non-empty salt", got=salt)
    digest = hashlib.sha256(f"{salt}:{account_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _check_arms(arms: Mapping[str, float]) -> list[tuple[str, float]]:
    items = list(arms.items())
    if not items:
        raise OverdueError("an experiment needs at least one arm", got=arms)
    for name, share in items:
        if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
            raise OverdueError(f"arm {name!r} needs a share >= 0", got=share)
    total = sum(s for _, s in items)
    if not math.isclose(total, 1.0, abs_tol=1e-9):
        raise OverdueError("arm shares must add up to 1", got=total, expected="e.g. 0.9 + 0.1")
    return items


def arm_of(
    account_id: str,
    salt: str,
    arms: Mapping[str, float] | None = None,
) -> str:
    """The arm of one account: stable for a salt, independent across salts.

    ``arms`` maps arm names to shares adding up to 1, in order (default: half ``champion``,
    half ``challenger``).  See the module docstring for the rule a host can re-implement.
    """
    items = _check_arms(arms if arms is not None else {"champion": 0.5, "challenger": 0.5})
    u = unit_interval(salt, account_id)
    edge = 0.0
    for name, share in items:
        edge += share
        if u < edge:
            return name
    return items[-1][0]  # only reached through float rounding at the very top


def assign(
    accounts: Iterable[Account],
    salt: str,
    arms: Mapping[str, float] | None = None,
) -> dict[str, list[Account]]:
    """Split accounts into arms by :func:`arm_of`; every arm is listed, maybe empty."""
    chosen = arms if arms is not None else {"champion": 0.5, "challenger": 0.5}
    out: dict[str, list[Account]] = {name: [] for name, _ in _check_arms(chosen)}
    for account in accounts:
        out[arm_of(account.id, salt, chosen)].append(account)
    return out


# --- metrics over per-account rows ---------------------------------------------------------

_Row = tuple[float, float, float, float, float]  # owed, collected, resolved, contacts, cost


def _rows(result: SimulationResult) -> list[_Row]:
    return [_row(a) for a in result.accounts if a.error is None]


def _row(a: SimulatedAccount) -> _Row:
    return (
        float(a.owed.amount),
        float(a.collected.amount),
        1.0 if a.resolved_on_day is not None else 0.0,
        float(a.contact_count),
        float(a.cost),
    )


def _ratio(num: float, den: float) -> float:
    return num / den if den else float("nan")


_Totals = tuple[float, float, float, float, float, float]  # n, then the sums of a _Row


def _totals(rows: Iterable[_Row]) -> _Totals:
    n = owed = got = resolved = contacts = cost = 0.0
    for r in rows:
        n += 1
        owed += r[0]
        got += r[1]
        resolved += r[2]
        contacts += r[3]
        cost += r[4]
    return n, owed, got, resolved, contacts, cost


METRICS: dict[str, tuple[str, Callable[[_Totals], float]]] = {
    "recovery_rate": ("collected / owed", lambda t: _ratio(t[2], t[1])),
    "resolved_share": ("share of accounts paid in full", lambda t: _ratio(t[3], t[0])),
    "contacts_per_account": ("contacts made per account", lambda t: _ratio(t[4], t[0])),
    "cost_per_account": ("contact cost per account", lambda t: _ratio(t[5], t[0])),
    "cost_per_recovered": ("contact cost per unit collected", lambda t: _ratio(t[5], t[2])),
}
"""The metrics compared, by name: (what it measures, how it follows from account totals)."""

_COLUMNS: dict[str, tuple[int, ...]] = {
    "recovery_rate": (1,),
    "resolved_share": (2,),
    "contacts_per_account": (3,),
    "cost_per_account": (4,),
    "cost_per_recovered": (1, 4),
}
"""Which per-account values each metric reads (to count the accounts that differ)."""

MIN_CHANGED = 10
"""Fewer accounts than this differing between paired runs is reported as within noise."""


@attrs.frozen
class Difference:
    """Challenger minus champion on one metric, with its bootstrap interval.

    ``within_noise`` is true when the interval holds zero: the data cannot tell the two
    policies apart on this metric.  ``paired`` says whether both arms ran on the same
    accounts (the simulator's ``compare``) or on disjoint ones (an A/B split).  For paired runs
    ``changed`` counts the accounts whose values differ; a percentile bootstrap is
    over-confident when only a handful do (four accounts that all moved the same way make an
    interval that excludes zero, where a sign test would not), so fewer than
    :data:`MIN_CHANGED` is reported as within noise too.
    """

    metric: str
    champion: float
    challenger: float
    difference: float
    low: float
    high: float
    level: float
    n_boot: int
    paired: bool
    changed: int | None = None

    @property
    def within_noise(self) -> bool:
        """The interval holds zero, could not be computed, or too few paired accounts differ."""
        if math.isnan(self.low) or math.isnan(self.high):
            return True
        if self.changed is not None and self.changed < MIN_CHANGED:
            return True
        return self.low <= 0 <= self.high

    def describe(self) -> str:
        """One line: the difference, its interval, and whether it is within noise."""
        verdict = "within noise" if self.within_noise else "a real difference"
        differ = f"; {self.changed} accounts differ" if self.changed is not None else ""
        return (
            f"{self.difference:+.4f} [{self.low:+.4f}, {self.high:+.4f}] "
            f"({round(self.level * 100)}%{differ}): {verdict}"
        )


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    pos = q * (len(sorted_values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _check_boot(n_boot: int, level: float) -> None:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 10:
        raise OverdueError("n_boot must be a whole number >= 10", got=n_boot)
    if not 0 < level < 1:
        raise OverdueError("level must be between 0 and 1", got=level, expected="e.g. 0.95")


def _interval(samples: list[float], level: float) -> tuple[float, float]:
    clean = sorted(s for s in samples if not math.isnan(s))
    alpha = (1 - level) / 2
    return _percentile(clean, alpha), _percentile(clean, 1 - alpha)


def paired_differences(
    champion: SimulationResult,
    challenger: SimulationResult,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[Difference, ...]:
    """Differences between two runs on the same accounts, by a paired bootstrap.

    Each resample draws accounts with replacement and takes both runs' rows of the same
    accounts, so the luck the two runs share cancels out.  Accounts that failed in either run
    are left out of both.  Same seed, same intervals.
    """
    _check_boot(n_boot, level)
    a_rows = {a.account_id: _row(a) for a in champion.accounts if a.error is None}
    b_rows = {a.account_id: _row(a) for a in challenger.accounts if a.error is None}
    ids = [i for i in a_rows if i in b_rows]
    if not ids:
        raise OverdueError(
            "the two runs share no decided account", expected="the same portfolio in both runs"
        )
    pa = [a_rows[i] for i in ids]
    pb = [b_rows[i] for i in ids]
    n = len(ids)

    def resample(rng: random.Random) -> tuple[_Totals, _Totals]:
        idx = [rng.randrange(n) for _ in range(n)]
        return _totals(pa[k] for k in idx), _totals(pb[k] for k in idx)

    changed = {
        name: sum(1 for ra, rb in zip(pa, pb, strict=True) if any(ra[c] != rb[c] for c in cols))
        for name, cols in _COLUMNS.items()
    }
    return _differences(pa, pb, resample, level, n_boot, seed, changed=changed)


def split_differences(
    champion: SimulationResult,
    challenger: SimulationResult,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[Difference, ...]:
    """Differences between two arms on disjoint accounts, by resampling each arm on its own."""
    _check_boot(n_boot, level)
    pa, pb = _rows(champion), _rows(challenger)
    if not pa or not pb:
        raise OverdueError("both arms need at least one decided account", got=(len(pa), len(pb)))

    def resample(rng: random.Random) -> tuple[_Totals, _Totals]:
        ta = _totals(pa[rng.randrange(len(pa))] for _ in range(len(pa)))
        return ta, _totals(pb[rng.randrange(len(pb))] for _ in range(len(pb)))

    return _differences(pa, pb, resample, level, n_boot, seed, changed=None)


def _differences(
    pa: Sequence[_Row],
    pb: Sequence[_Row],
    resample: Callable[[random.Random], tuple[_Totals, _Totals]],
    level: float,
    n_boot: int,
    seed: int,
    *,
    changed: Mapping[str, int] | None,
) -> tuple[Difference, ...]:
    """Each metric's difference on the whole data and its interval over ``n_boot`` resamples."""
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {m: [] for m in METRICS}
    for _ in range(n_boot):
        ta, tb = resample(rng)
        for name, (_, fn) in METRICS.items():
            samples[name].append(fn(tb) - fn(ta))
    out = []
    whole_a, whole_b = _totals(pa), _totals(pb)
    for name, (_, fn) in METRICS.items():
        a, b = fn(whole_a), fn(whole_b)
        low, high = _interval(samples[name], level)
        out.append(Difference(
            name, a, b, b - a, low, high, level, n_boot,
            paired=changed is not None,
            changed=changed[name] if changed is not None else None,
        ))
    return tuple(out)


def sample_size(
    baseline: float,
    difference: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    share: float = 0.5,
) -> dict[str, int]:
    """Accounts per arm to detect a change in a share (resolution, payment) with a two-sided test.

    ``baseline`` is the champion's share (say 0.60 of accounts paid in full), ``difference``
    the smallest change worth detecting (0.03 for three points); ``share`` is the challenger
    arm's share of the portfolio.  The normal-approximation formula for two proportions with
    unequal arms: ``n_total = (z_a * sqrt(p(1-p)(1/k + 1/(1-k))) + z_b * sqrt(p1(1-p1)/k +
    p2(1-p2)/(1-k)))**2 / d**2``.  Returns the accounts needed in each arm and in total.
    """
    for name, value in (("baseline", baseline), ("alpha", alpha), ("power", power)):
        if not 0 < value < 1:
            raise OverdueError(f"{name} must be between 0 and 1", got=value)
    if not 0 < share < 1:
        raise OverdueError("share must be between 0 and 1", got=share)
    p1, p2 = baseline, baseline + difference
    if difference == 0 or not 0 < p2 < 1:
        raise OverdueError(
            "baseline + difference must be a share between 0 and 1, and differ from baseline",
            got=p2,
        )
    k = share
    pbar = (1 - k) * p1 + k * p2
    z_a = NormalDist().inv_cdf(1 - alpha / 2)
    z_b = NormalDist().inv_cdf(power)
    spread = z_a * math.sqrt(pbar * (1 - pbar) * (1 / (1 - k) + 1 / k)) + z_b * math.sqrt(
        p1 * (1 - p1) / (1 - k) + p2 * (1 - p2) / k
    )
    total = math.ceil(spread**2 / difference**2)
    challenger = math.ceil(total * k)
    champion = math.ceil(total * (1 - k))
    return {"champion": champion, "challenger": challenger, "total": champion + challenger}


@attrs.frozen
class Experiment:
    """An A/B split simulated: each arm's policy run on the accounts :func:`arm_of` gave it."""

    salt: str
    share: float
    champion: SimulationResult
    challenger: SimulationResult

    def differences(
        self, *, n_boot: int = 1000, level: float = 0.95, seed: int = 0
    ) -> tuple[Difference, ...]:
        """Challenger minus champion per metric, with unpaired bootstrap intervals."""
        return split_differences(
            self.champion, self.challenger, n_boot=n_boot, level=level, seed=seed
        )

    def to_frame(self, *, decimal: bool = False) -> Any:
        """Both arms stacked, one row per account, as a pandas DataFrame."""
        from overdue.notebook.frames import to_frame

        return to_frame(self, decimal=decimal)

    def to_arrow(self) -> Any:
        """Both arms stacked, one row per account, as a ``pyarrow.Table``."""
        from overdue.notebook.frames import to_arrow

        return to_arrow(self)

    def _repr_html_(self) -> str:
        from overdue.notebook.html import experiment_html

        return experiment_html(self)


def run_experiment(
    champion: Policy,
    challenger: Policy,
    accounts: Iterable[Account],
    start: datetime,
    days: int = 120,
    *,
    salt: str,
    share: float = 0.5,
    **kwargs: Any,
) -> Experiment:
    """Simulate a production-style split: ``share`` of accounts, by hash, get the challenger.

    Unlike :func:`overdue.simulate.compare` (every account under both policies), each account
    is seen under one policy only, as it would be in production, so the intervals are wider:
    this is what a live experiment of this size could show.  ``kwargs`` go to ``simulate``.
    """
    if not 0 < share < 1:
        raise OverdueError("share must be between 0 and 1", got=share)
    arms = assign(accounts, salt, {"champion": 1 - share, "challenger": share})
    return Experiment(
        salt,
        share,
        simulate(champion, arms["champion"], start, days, **kwargs),
        simulate(challenger, arms["challenger"], start, days, **kwargs),
    )
