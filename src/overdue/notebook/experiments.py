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
from collections.abc import Iterable, Mapping
from datetime import datetime
from statistics import NormalDist
from typing import Any

import attrs

from overdue.account import Account
from overdue.errors import OverdueError
from overdue.notebook._differences import (
    METRICS,
    Difference,
    paired_differences,
    split_differences,
)
from overdue.policy import Policy
from overdue.simulate import SimulationResult, _TwoArms, simulate

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
class Experiment(_TwoArms):
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
