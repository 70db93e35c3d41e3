"""The four pictures analysts ask for first, with matplotlib; each returns its Axes.

* :func:`plot_stage_funnel`: share of accounts that reached each rung, in ladder order;
* :func:`plot_recovery`: share of accounts paid in full by day, with a bootstrap band;
* :func:`plot_contact_heatmap`: contacts by the debtor's local hour and weekday;
* :func:`plot_cost_per_recovered`: contact cost per unit collected, with a bootstrap interval.

Each takes one simulation, several (a mapping ``label -> SimulationResult`` or a sequence), or
a :class:`~overdue.simulate.Comparison` / :class:`~overdue.notebook.experiments.Experiment`,
and draws on ``ax`` when given (else a new figure).  Bands and intervals come from a seeded
bootstrap over accounts, so the same call draws the same picture.  matplotlib is optional
(``pip install "overdue-policy[notebook]"``) and imported when a function is called.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from typing import Any

from overdue.errors import OverdueError
from overdue.notebook._curves import axes, percentile, plot_runs_recovery
from overdue.simulate import Comparison, SimulationResult

__all__ = [
    "plot_contact_heatmap",
    "plot_cost_per_recovered",
    "plot_recovery",
    "plot_stage_funnel",
]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _runs(results: object) -> list[tuple[str, SimulationResult]]:
    from overdue.notebook.experiments import Experiment

    if isinstance(results, SimulationResult):
        return [(results.policy_id, results)]
    if isinstance(results, Comparison | Experiment):
        return [
            (_arm_label("champion", results.champion), results.champion),
            (_arm_label("challenger", results.challenger), results.challenger),
        ]
    if isinstance(results, Mapping):
        return [(str(k), v) for k, v in results.items() if isinstance(v, SimulationResult)]
    if isinstance(results, Sequence):
        return [(r.policy_id, r) for r in results if isinstance(r, SimulationResult)]
    raise OverdueError(
        f"cannot plot a {type(results).__name__}",
        expected="a SimulationResult, a mapping or list of them, a Comparison or an Experiment",
    )


def _arm_label(arm: str, run: SimulationResult) -> str:
    return arm if run.policy_id == arm else f"{arm} ({run.policy_id})"


def plot_stage_funnel(results: object, ax: Any = None) -> Any:
    """Bars of the share of accounts that reached each rung, the ladder from top to bottom."""
    runs = _runs(results)
    ax = axes(ax)
    ladder: list[str] = []
    for _, r in runs:
        for stage in r.stage_reach(include_unreached=True):
            if stage not in ladder:
                ladder.append(stage)
    height = 0.8 / max(len(runs), 1)
    for k, (label, r) in enumerate(runs):
        reach = r.stage_reach(include_unreached=True)
        n = max(len(r.decided), 1)
        ys = [i + k * height for i in range(len(ladder))]
        shares = [reach.get(s, 0) / n for s in ladder]
        bars = ax.barh(ys, shares, height=height, label=label)
        for bar, share in zip(bars, shares, strict=True):
            if share > 0:
                ax.text(bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2,
                        f"{share:.0%}", va="center", fontsize=8)
    ax.set_yticks([i + height * (len(runs) - 1) / 2 for i in range(len(ladder))])
    ax.set_yticklabels(ladder)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("share of accounts that reached the rung")
    ax.set_title("stage funnel")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_recovery(
    results: object,
    ax: Any = None,
    *,
    level: float = 0.9,
    n_boot: int = 200,
    seed: int = 0,
) -> Any:
    """Share of accounts paid in full by day, each run with a ``level`` bootstrap band."""
    return plot_runs_recovery(_runs(results), ax, level=level, n_boot=n_boot, seed=seed)


def contact_matrix(result: SimulationResult, channel: str | None = None) -> list[list[int]]:
    """Contacts as a 7 x 24 matrix: rows Monday..Sunday, columns local hour 0..23."""
    grid = [[0] * 24 for _ in range(7)]
    for a in result.decided:
        for at, ch, _stage in a.contact_log:
            if channel is None or ch == channel:
                grid[at.weekday()][at.hour] += 1
    return grid


def plot_contact_heatmap(
    result: SimulationResult | Comparison, ax: Any = None, *, channel: str | None = None
) -> Any:
    """Contacts by the debtor's local hour (x) and weekday (y); ``channel`` narrows to one.

    For a comparison, the challenger's contacts are drawn (the champion's with
    ``result.champion``).
    """
    run = result.challenger if isinstance(result, Comparison) else result
    grid = contact_matrix(run, channel)
    ax = axes(ax, (8.0, 3.4))
    image = ax.imshow(grid, aspect="auto", cmap="Blues", origin="upper")
    ax.set_yticks(range(7))
    ax.set_yticklabels(_WEEKDAYS)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel("debtor's local hour")
    what = f"{channel} contacts" if channel else "contacts"
    ax.set_title(f"{what} by local hour and weekday ({run.policy_id})")
    ax.figure.colorbar(image, ax=ax, label="contacts")
    top = max((max(row) for row in grid), default=0)
    for day, row in enumerate(grid):  # the counts, so a small cell still reads
        for hour, count in enumerate(row):
            if count:
                colour = "white" if count > top / 2 else "black"
                ax.text(hour, day, str(count), ha="center", va="center", fontsize=6, color=colour)
    return ax


def _cost_ratio(rows: Sequence[tuple[float, float]]) -> float:
    got = sum(r[1] for r in rows)
    return sum(r[0] for r in rows) / got if got else float("nan")


def plot_cost_per_recovered(
    results: object,
    ax: Any = None,
    *,
    level: float = 0.95,
    n_boot: int = 500,
    seed: int = 0,
) -> Any:
    """Contact cost per unit of money collected, one bar per run with a bootstrap interval."""
    runs = _runs(results)
    ax = axes(ax, (6.0, 3.6))
    rng = random.Random(seed)
    alpha = (1 - level) / 2
    labels: list[str] = []
    values: list[float] = []
    errs: list[list[float]] = [[], []]
    for label, r in runs:
        rows = [(float(a.cost), float(a.collected.amount)) for a in r.decided]
        value = _cost_ratio(rows)
        boots = [
            x for x in (
                _cost_ratio([rows[rng.randrange(len(rows))] for _ in rows])
                for _ in range(n_boot if rows else 0)
            ) if not math.isnan(x)
        ]
        low = percentile(boots, alpha) if boots else value
        high = percentile(boots, 1 - alpha) if boots else value
        labels.append(label)
        values.append(value)
        errs[0].append(max(value - low, 0.0))
        errs[1].append(max(high - value, 0.0))
    bars = ax.bar(range(len(labels)), values, yerr=errs, capsize=6,
                  color=[f"C{i}" for i in range(len(labels))])
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f" {value:.4f}",
                ha="left", va="bottom", fontsize=8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("cost per unit collected")
    ax.set_title(f"cost per unit recovered ({round(level * 100)}% interval)")
    return ax
