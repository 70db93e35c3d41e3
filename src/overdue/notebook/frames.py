"""Decisions, timelines and simulations as typed tables: pandas DataFrames and Arrow tables.

An analyst should not rebuild a table from ``decision_to_dict``, split ``"1200.50 CNY"`` or
parse ISO strings.  Every table here is first described once as typed columns
(:class:`Column`), then materialised by :func:`to_frame` (pandas) or :func:`to_arrow`
(pyarrow), so the two agree column for column:

* money is a **number column plus a currency column** (``amount`` + ``currency``): ``float64`` by
  default, or exact ``Decimal`` objects with ``decimal=True`` (Arrow: ``decimal128``);
* datetimes are **time-zone aware**, in one zone per column: the debtors' zone when every row
  shares one, else UTC (pass ``tz=`` to choose);
* rungs are **ordered categoricals in ladder order** (pass ``policy=`` for decisions and
  timelines; simulations know their ladder), so ``sort_values("stage")`` sorts by the ladder
  and a ``groupby`` lists every rung, reached or not; ``status`` is ordered as
  :data:`overdue.decision.Status` lists it;
* counts with gaps are nullable integers (pandas ``Int64``).

pandas and pyarrow are optional (``pip install "overdue-policy[notebook]"``) and imported only
when a table is materialised.

This module is the door: it recognises each kind of object.  The columns themselves are built
below it, in :mod:`overdue.notebook.columns` and by each result (``BatchReport.columns()``,
``SimulationResult.columns()``, ``Comparison.columns()``, ``Experiment.columns()``,
``BacktestResult.columns()``), so a result's ``to_frame()`` never reaches back up here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from overdue.batch import BatchReport
from overdue.decision import Decision
from overdue.engine import TimelineEntry
from overdue.errors import OverdueError
from overdue.notebook._optional import need
from overdue.notebook.columns import (
    STATUS_ORDER,
    Column,
    arrow_of,
    category,
    common_zone,
    decision_columns,
    frame_of,
    is_columns,
    timeline_columns,
    zone_name,
)
from overdue.simulate import Comparison, SimulationResult

if TYPE_CHECKING:
    from overdue.notebook.experiments import Experiment

__all__ = [
    "STATUS_ORDER",
    "Column",
    "columns_of",
    "comparison_columns",
    "contact_columns",
    "decision_columns",
    "simulation_columns",
    "timeline_columns",
    "to_arrow",
    "to_frame",
]


# --- column builders ------------------------------------------------------------------------


def simulation_columns(result: SimulationResult, *, arm: str | None = None) -> list[Column]:
    """One row per simulated account (:meth:`SimulationResult.columns
    <overdue.simulate.SimulationResult.columns>` lists the columns)."""
    return result.columns(arm=arm)


def comparison_columns(comparison: Comparison | Experiment) -> list[Column]:
    """Both runs stacked, one row per account and arm (``arm`` is champion or challenger)."""
    return comparison.columns()


def contact_columns(result: SimulationResult, *, tz: str | None = None) -> list[Column]:
    """One row per simulated contact: ``account_id``, ``at``, ``local_hour``, ``weekday``
    (0 = Monday, both in the debtor's zone), ``channel``, ``stage``."""
    rows = [(a.account_id, *c) for a in result.accounts for c in a.contact_log]
    zone = tz or common_zone(zone_name(r[1]) for r in rows)
    return [
        Column("account_id", "str", [r[0] for r in rows]),
        Column("at", "datetime", [r[1] for r in rows], tz=zone),
        Column("local_hour", "int", [r[1].hour for r in rows]),
        Column("weekday", "int", [r[1].weekday() for r in rows]),
        Column("channel", "str", [r[2] for r in rows]),
        category("stage", [r[3] for r in rows], result.ladder),
    ]


def columns_of(obj: object, **options: Any) -> list[Column]:
    """The typed columns of any object this module knows how to tabulate."""
    from overdue.notebook.backtest import BacktestResult
    from overdue.notebook.experiments import Experiment

    if isinstance(obj, SimulationResult):
        return obj.columns()
    if isinstance(obj, Comparison | Experiment):
        return obj.columns()
    if isinstance(obj, BatchReport):
        return obj.columns(**options)
    if isinstance(obj, BacktestResult):
        return obj.columns()
    if isinstance(obj, Decision):
        return decision_columns([obj], **options)
    if isinstance(obj, Sequence | Iterable) and not isinstance(obj, str | bytes):
        items = list(obj)
        if all(isinstance(i, Decision) for i in items):
            return decision_columns(items, **options)
        if all(isinstance(i, TimelineEntry) for i in items):
            return timeline_columns(items, **options)
    raise OverdueError(
        f"no table for a {type(obj).__name__}",
        expected="decisions, a BatchReport, a timeline, a simulation, a comparison or a backtest",
    )


# --- materialising --------------------------------------------------------------------------


def to_frame(
    obj: object, *, decimal: bool = False, **options: Any
) -> Any:
    """A pandas DataFrame of ``obj`` with typed columns (see the module docstring).

    Args:
        obj: decisions (one, a list, any iterable), a ``BatchReport``, a timeline, a
            ``SimulationResult``, a ``Comparison`` or ``Experiment``, a ``BacktestResult``, or
            a list of :class:`Column`.
        decimal: money as exact ``Decimal`` objects instead of ``float64``.
        options: ``policy=`` (rungs in its ladder order) and ``tz=`` for decisions, batch
            reports and timelines.
    """
    need("pandas", "tables")
    return frame_of(obj if is_columns(obj) else columns_of(obj, **options), decimal=decimal)


def to_arrow(obj: object, **options: Any) -> Any:
    """A ``pyarrow.Table`` of ``obj``: the same columns as :func:`to_frame`.

    Money is ``decimal128`` (exact; scale from the data), datetimes ``timestamp[us, tz]``,
    rungs and statuses ordered dictionaries, counts ``int64``.
    """
    need("pyarrow", "Arrow tables")
    return arrow_of(obj if is_columns(obj) else columns_of(obj, **options))
