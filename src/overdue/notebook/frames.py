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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, get_args
from zoneinfo import ZoneInfo

import attrs

from overdue.batch import BatchReport
from overdue.decision import Decision, Status
from overdue.engine import TimelineEntry
from overdue.errors import OverdueError
from overdue.notebook._optional import need
from overdue.policy import Policy
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

Kind = Literal["str", "int", "float", "bool", "money", "datetime", "category"]

STATUS_ORDER: tuple[str, ...] = get_args(Status)
"""Decision statuses in the order :data:`overdue.decision.Status` lists them."""


@attrs.frozen
class Column:
    """One typed column: its name, kind and values (``None`` is a missing value).

    ``categories`` orders a ``category`` column; ``tz`` is the zone of a ``datetime`` column.
    ``money`` columns hold ``Decimal`` values and become ``float64`` or ``Decimal`` objects.
    """

    name: str
    kind: Kind
    values: Sequence[object]
    categories: tuple[str, ...] = ()
    tz: str = "UTC"


def _order(values: Iterable[object], ladder: Sequence[str]) -> tuple[str, ...]:
    seen = list(ladder)
    for v in values:
        if isinstance(v, str) and v not in seen:
            seen.append(v)
    return tuple(seen)


def _ladder(policy: Policy | None) -> tuple[str, ...]:
    return tuple(s.id for s in policy.stages) if policy is not None else ()


def _zone_name(dt: datetime | None) -> str | None:
    tz = dt.tzinfo if dt is not None else None
    return tz.key if isinstance(tz, ZoneInfo) else None


def _common_zone(names: Iterable[str | None]) -> str:
    """The one zone the rows name (rows that name none do not count), else UTC."""
    found = {n for n in names if n is not None}
    return found.pop() if len(found) == 1 else "UTC"


def _cat(name: str, values: Sequence[object], order: Sequence[str]) -> Column:
    return Column(name, "category", values, _order(values, order))


# --- column builders ------------------------------------------------------------------------


def decision_columns(
    decisions: Iterable[Decision], *, policy: Policy | None = None, tz: str | None = None
) -> list[Column]:
    """One row per decision: status, rung, money owed, the next action and the times.

    Columns: ``account_id``, ``at``, ``status``, ``stage``, ``stage_since``, ``days_overdue``,
    ``amount``, ``currency``, ``next_stage``, ``next_step``, ``next_channel``,
    ``next_not_before``, ``due_now``, ``actions``, ``blocked``, ``transition_to``,
    ``deadline``, ``wake_at``, ``reason_codes`` (comma-separated), ``policy_id``,
    ``policy_version``, ``zone``.
    """
    ds = list(decisions)
    zone = tz or _common_zone(d.zone for d in ds)
    ladder = _ladder(policy)
    nxt = [d.next_action for d in ds]

    def dt(name: str, values: list[datetime | None]) -> Column:
        return Column(name, "datetime", values, tz=zone)

    return [
        Column("account_id", "str", [d.account_id for d in ds]),
        dt("at", [d.at for d in ds]),
        _cat("status", [d.status for d in ds], STATUS_ORDER),
        _cat("stage", [d.stage for d in ds], ladder),
        dt("stage_since", [d.stage_since for d in ds]),
        Column("days_overdue", "int", [d.days_overdue for d in ds]),
        Column("amount", "money", [d.balance.amount if d.balance else None for d in ds]),
        Column("currency", "str", [d.balance.currency if d.balance else None for d in ds]),
        _cat("next_stage", [a.stage if a else None for a in nxt], ladder),
        Column("next_step", "str", [a.step if a else None for a in nxt]),
        Column("next_channel", "str", [a.channel if a else None for a in nxt]),
        dt("next_not_before", [a.not_before if a else None for a in nxt]),
        Column("due_now", "bool", [bool(d.due_actions) for d in ds]),
        Column("actions", "int", [len(d.actions) for d in ds]),
        Column("blocked", "int", [len(d.blocked) for d in ds]),
        _cat("transition_to", [d.transition.to_stage if d.transition else None for d in ds],
             ladder),
        dt("deadline", [d.deadline for d in ds]),
        dt("wake_at", [d.wake_at for d in ds]),
        Column("reason_codes", "str", [",".join(r.code for r in d.reasons) for d in ds]),
        Column("policy_id", "str", [d.policy_id for d in ds]),
        Column("policy_version", "str", [d.policy_version for d in ds]),
        Column("zone", "str", [d.zone for d in ds]),
    ]


def _batch_columns(
    report: BatchReport, *, policy: Policy | None = None, tz: str | None = None
) -> list[Column]:
    """Decisions, then failures (with ``error_type`` and ``error``; other columns empty)."""
    cols = decision_columns(report.decisions, policy=policy, tz=tz)
    n_ok, n_bad = len(report.decisions), len(report.failures)
    out = []
    for c in cols:
        if c.name == "account_id":
            extra: list[object] = [f.account_id for f in report.failures]
        elif c.kind == "bool":
            extra = [False] * n_bad
        else:
            extra = [None] * n_bad
        out.append(attrs.evolve(c, values=[*c.values, *extra]))
    out.append(Column("error_type", "str", [None] * n_ok + [f.error_type for f in report.failures]))
    out.append(Column("error", "str", [None] * n_ok + [f.message for f in report.failures]))
    return out


def timeline_columns(
    entries: Sequence[TimelineEntry], *, policy: Policy | None = None, tz: str | None = None
) -> list[Column]:
    """One row per timeline entry: ``at``, ``day`` (days since the first entry), ``kind``,
    ``stage``, ``channel``, ``template``, ``attempt``, ``detail``."""
    zone = tz or _common_zone(_zone_name(e.at) for e in entries)
    first = entries[0].at if entries else None
    return [
        Column("at", "datetime", [e.at for e in entries], tz=zone),
        Column("day", "int", [(e.at - first).days if first else 0 for e in entries]),
        _cat("kind", [e.kind for e in entries], ("stage_entered", "contact", "blocked")),
        _cat("stage", [e.stage for e in entries], _ladder(policy)),
        Column("channel", "str", [e.channel for e in entries]),
        Column("template", "str", [e.template for e in entries]),
        Column("attempt", "int", [e.attempt for e in entries]),
        Column("detail", "str", [e.detail for e in entries]),
    ]


def _highest(stages: Sequence[str], ladder: Sequence[str]) -> str | None:
    if not stages:
        return None
    return max(stages, key=lambda s: ladder.index(s) if s in ladder else -1)


def simulation_columns(result: SimulationResult, *, arm: str | None = None) -> list[Column]:
    """One row per simulated account.

    Columns: (``arm``,) ``policy``, ``account_id``, ``owed``, ``collected``, ``currency``,
    ``resolved``, ``resolved_on_day``, ``final_stage``, ``highest_stage``, ``contacts``, one
    ``contacts_<channel>`` per channel used, ``cost``, ``error``.
    """
    accs = result.accounts
    ladder = result.ladder
    channels = sorted({c for a in accs for c in a.contacts})
    cols = [
        Column("policy", "str", [result.policy_id] * len(accs)),
        Column("account_id", "str", [a.account_id for a in accs]),
        Column("owed", "money", [a.owed.amount for a in accs]),
        Column("collected", "money", [a.collected.amount for a in accs]),
        Column("currency", "str", [a.owed.currency for a in accs]),
        Column("resolved", "bool", [a.resolved_on_day is not None for a in accs]),
        Column("resolved_on_day", "int", [a.resolved_on_day for a in accs]),
        _cat("final_stage", [a.final_stage for a in accs], ladder),
        _cat("highest_stage", [_highest(a.stages, ladder) for a in accs], ladder),
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


def _stack(parts: Sequence[list[Column]]) -> list[Column]:
    names: list[str] = []
    for part in parts:
        names.extend(c.name for c in part if c.name not in names)
    out = []
    for name in names:
        values: list[object] = []
        proto: Column | None = None
        cats: list[str] = []
        for part in parts:
            found = next((c for c in part if c.name == name), None)
            n = len(part[0].values) if part else 0
            if found is None:
                values.extend([0 if name.startswith("contacts_") else None] * n)
                continue
            proto = proto or found
            values.extend(found.values)
            cats.extend(x for x in found.categories if x not in cats)
        assert proto is not None
        out.append(attrs.evolve(proto, values=values, categories=tuple(cats)))
    return out


def comparison_columns(comparison: Comparison | Experiment) -> list[Column]:
    """Both runs stacked, one row per account and arm (``arm`` is champion or challenger)."""
    return _stack(
        [
            simulation_columns(comparison.champion, arm="champion"),
            simulation_columns(comparison.challenger, arm="challenger"),
        ]
    )


def contact_columns(result: SimulationResult, *, tz: str | None = None) -> list[Column]:
    """One row per simulated contact: ``account_id``, ``at``, ``local_hour``, ``weekday``
    (0 = Monday, both in the debtor's zone), ``channel``, ``stage``."""
    rows = [(a.account_id, *c) for a in result.accounts for c in a.contact_log]
    zone = tz or _common_zone(_zone_name(r[1]) for r in rows)
    return [
        Column("account_id", "str", [r[0] for r in rows]),
        Column("at", "datetime", [r[1] for r in rows], tz=zone),
        Column("local_hour", "int", [r[1].hour for r in rows]),
        Column("weekday", "int", [r[1].weekday() for r in rows]),
        Column("channel", "str", [r[2] for r in rows]),
        _cat("stage", [r[3] for r in rows], result.ladder),
    ]


def columns_of(obj: object, **options: Any) -> list[Column]:
    """The typed columns of any object this module knows how to tabulate."""
    from overdue.notebook.backtest import BacktestResult
    from overdue.notebook.experiments import Experiment

    if isinstance(obj, SimulationResult):
        return simulation_columns(obj)
    if isinstance(obj, Comparison | Experiment):
        return comparison_columns(obj)
    if isinstance(obj, BatchReport):
        return _batch_columns(obj, **options)
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
    pd = need("pandas", "tables")
    cols = obj if _is_columns(obj) else columns_of(obj, **options)
    data: dict[str, Any] = {}
    for c in cols:
        data[c.name] = _pandas_series(pd, c, decimal)
    return pd.DataFrame(data)


def _is_columns(obj: object) -> TypeGuard[list[Column]]:
    return isinstance(obj, list) and bool(obj) and all(isinstance(c, Column) for c in obj)


def _pandas_series(pd: Any, c: Column, decimal: bool) -> Any:
    vals = list(c.values)
    if c.kind == "datetime":
        return pd.Series(pd.to_datetime(vals, utc=True), dtype="datetime64[ns, UTC]").dt.tz_convert(
            c.tz
        )
    if c.kind == "category":
        return pd.Series(pd.Categorical(vals, categories=list(c.categories), ordered=True))
    if c.kind == "money":
        if decimal:
            return pd.Series(vals, dtype=object)
        return pd.Series(
            [float(v) if isinstance(v, Decimal | int | float) else float("nan") for v in vals],
            dtype="float64",
        )
    if c.kind == "int":
        return pd.Series(vals, dtype="Int64")
    if c.kind == "bool":
        return pd.Series(vals, dtype="boolean")
    if c.kind == "float":
        return pd.Series(vals, dtype="float64")
    return pd.Series(vals, dtype=object)


def to_arrow(obj: object, **options: Any) -> Any:
    """A ``pyarrow.Table`` of ``obj``: the same columns as :func:`to_frame`.

    Money is ``decimal128`` (exact; scale from the data), datetimes ``timestamp[us, tz]``,
    rungs and statuses ordered dictionaries, counts ``int64``.
    """
    pa = need("pyarrow", "Arrow tables")
    cols = obj if _is_columns(obj) else columns_of(obj, **options)
    arrays, names = [], []
    for c in cols:
        names.append(c.name)
        arrays.append(_arrow_array(pa, c))
    return pa.table(arrays, names=names)


def _arrow_array(pa: Any, c: Column) -> Any:
    vals = list(c.values)
    if c.kind == "datetime":
        return pa.array(vals, type=pa.timestamp("us", tz=c.tz))
    if c.kind == "category":
        index = {name: i for i, name in enumerate(c.categories)}
        codes = pa.array([index.get(v) if isinstance(v, str) else None for v in vals],
                         type=pa.int32())
        return pa.DictionaryArray.from_arrays(
            codes, pa.array(list(c.categories), type=pa.string()), ordered=True
        )
    if c.kind == "money":
        decs = [v if isinstance(v, Decimal) else None for v in vals]
        exps = [d.as_tuple().exponent for d in decs if d is not None]
        scale = max([0, *(-e for e in exps if isinstance(e, int))]) if exps else 2
        q = Decimal(1).scaleb(-scale)
        return pa.array([d.quantize(q) if d is not None else None for d in decs],
                        type=pa.decimal128(38, scale))
    if c.kind == "int":
        return pa.array(vals, type=pa.int64())
    if c.kind == "bool":
        return pa.array(vals, type=pa.bool_())
    if c.kind == "float":
        return pa.array(vals, type=pa.float64())
    return pa.array(vals, type=pa.string())
