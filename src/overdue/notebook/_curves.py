"""The drawing under :mod:`overdue.notebook.plots` that a simulation's own method needs.

``SimulationResult.plot_recovery()`` draws through :func:`plot_runs_recovery` here, which
reads a run through the small structural types below; :mod:`overdue.notebook.plots` (which
recognises simulations, comparisons and experiments) builds on it.  So neither the simulator
nor this module imports the other's layer back.  matplotlib is imported when a plot is drawn.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, Protocol

from overdue.notebook._optional import need

__all__ = ["axes", "percentile", "plot_runs_recovery"]


class _Account(Protocol):
    @property
    def resolved_on_day(self) -> int | None: ...


class _Run(Protocol):
    @property
    def days(self) -> int: ...
    @property
    def decided(self) -> Sequence[_Account]: ...


def axes(ax: Any, size: tuple[float, float] = (7.0, 4.0)) -> Any:
    """``ax`` when the caller gave one (to draw into their figure), else a new figure's."""
    if ax is not None:
        return ax
    _, made = need("matplotlib.pyplot", "plots").subplots(figsize=size, layout="constrained")
    return made


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ``values``, interpolated (a bootstrap band's edge)."""
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def _curve(days: Sequence[int | None], horizon: int) -> list[float]:
    counts = [0] * (horizon + 1)
    for d in days:
        if d is not None and d <= horizon:
            counts[d] += 1
    out, total, n = [], 0, max(len(days), 1)
    for c in counts:
        total += c
        out.append(total / n)
    return out


def plot_runs_recovery(
    runs: Sequence[tuple[str, _Run]],
    ax: Any = None,
    *,
    level: float = 0.9,
    n_boot: int = 200,
    seed: int = 0,
) -> Any:
    """Share of accounts paid in full by day, one labelled curve per run, each with a ``level``
    bootstrap band (:func:`overdue.notebook.plots.plot_recovery` without the dispatch)."""
    ax = axes(ax)
    rng = random.Random(seed)
    alpha = (1 - level) / 2
    for label, r in runs:
        days = [a.resolved_on_day for a in r.decided]
        xs = list(range(r.days + 1))
        line = ax.plot(xs, _curve(days, r.days), label=label)[0]
        if len(days) > 1 and n_boot > 0:
            boots = [
                _curve([days[rng.randrange(len(days))] for _ in days], r.days)
                for _ in range(n_boot)
            ]
            low = [percentile([b[x] for b in boots], alpha) for x in xs]
            high = [percentile([b[x] for b in boots], 1 - alpha) for x in xs]
            ax.fill_between(xs, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel("days since start")
    ax.set_ylabel("share of accounts paid in full")
    ax.set_ylim(0, 1)
    ax.set_title(f"recovery ({round(level * 100)}% bootstrap band)")
    ax.legend(loc="lower right", fontsize=8)
    return ax
