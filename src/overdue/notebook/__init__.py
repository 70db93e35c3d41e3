"""overdue for analysts in notebooks: tables, rich displays, plots, experiments, backtests.

* :mod:`~overdue.notebook.frames`: decisions, batch reports, timelines, simulations and
  comparisons as typed pandas DataFrames or Arrow tables (:func:`to_frame`, :func:`to_arrow`);
* :mod:`~overdue.notebook.html`: the HTML that Jupyter shows for them;
* :mod:`~overdue.notebook.plots`: stage funnel, recovery with bootstrap bands, contacts by
  local hour and weekday, cost per unit recovered (each returns its matplotlib Axes);
* :mod:`~overdue.notebook.experiments`: stable arm assignment by salted hash, bootstrap
  intervals for differences, sample sizes;
* :mod:`~overdue.notebook.logs`: recorded logs as JSONL or Parquet;
* :mod:`~overdue.notebook.backtest`: a challenger replayed on a recorded log;
* :mod:`~overdue.notebook.behaviour`: response rates fitted from a recorded log.

pandas, pyarrow and matplotlib are optional (``pip install "overdue-policy[notebook]"``);
importing this package imports none of them: each is imported when a table or a plot is made.
"""

from overdue.notebook.backtest import AccountBacktest, BacktestResult, backtest
from overdue.notebook.behaviour import FittedBehaviour, fit_behaviour
from overdue.notebook.experiments import (
    Difference,
    Experiment,
    arm_of,
    assign,
    paired_differences,
    run_experiment,
    sample_size,
    split_differences,
)
from overdue.notebook.frames import to_arrow, to_frame
from overdue.notebook.logs import read_log, write_log
from overdue.notebook.plots import (
    plot_contact_heatmap,
    plot_cost_per_recovered,
    plot_recovery,
    plot_stage_funnel,
)

__all__ = [
    "AccountBacktest",
    "BacktestResult",
    "Difference",
    "Experiment",
    "FittedBehaviour",
    "arm_of",
    "assign",
    "backtest",
    "fit_behaviour",
    "paired_differences",
    "plot_contact_heatmap",
    "plot_cost_per_recovered",
    "plot_recovery",
    "plot_stage_funnel",
    "read_log",
    "run_experiment",
    "sample_size",
    "split_differences",
    "to_arrow",
    "to_frame",
    "write_log",
]
