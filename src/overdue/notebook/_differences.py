"""The bootstrap behind champion-challenger differences (see :mod:`overdue.notebook.experiments`).

It sits below the simulator: ``Comparison.differences()`` (:mod:`overdue.simulate`) and the A/B
split of :mod:`overdue.notebook.experiments` both call it, and it reads a run through the small
structural types below, so it names neither and neither closes an import circle through it.
Standard library only: the same seed gives the same interval everywhere.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

import attrs

from overdue.errors import OverdueError
from overdue.money import Money

__all__ = ["METRICS", "MIN_CHANGED", "Difference", "paired_differences", "split_differences"]


class _Account(Protocol):
    """What the metrics read of one simulated account."""

    @property
    def account_id(self) -> str: ...
    @property
    def error(self) -> str | None: ...
    @property
    def owed(self) -> Money: ...
    @property
    def collected(self) -> Money: ...
    @property
    def resolved_on_day(self) -> int | None: ...
    @property
    def contact_count(self) -> int: ...
    @property
    def cost(self) -> Decimal: ...


class _Run(Protocol):
    @property
    def accounts(self) -> Sequence[_Account]: ...


# --- metrics over per-account rows ---------------------------------------------------------

_Row = tuple[float, float, float, float, float]  # owed, collected, resolved, contacts, cost


def _rows(result: _Run) -> list[_Row]:
    return [_row(a) for a in result.accounts if a.error is None]


def _row(a: _Account) -> _Row:
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
    champion: _Run,
    challenger: _Run,
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
    champion: _Run,
    challenger: _Run,
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
