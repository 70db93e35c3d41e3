"""Typed columns and their materialisation: the bottom layer of the notebook's tables.

A table is first described as typed :class:`Column` values, then made a pandas DataFrame
(:func:`frame_of`) or an Arrow table (:func:`arrow_of`); the column conventions are those of
:mod:`overdue.notebook.frames`, the public door that recognises each kind of object.  Each
result builds its own columns from these pieces (``BatchReport.columns()``,
``SimulationResult.columns()``, ``BacktestResult.columns()``), so this module names no result
class and the results' ``to_frame()`` methods need no module above them.

pandas and pyarrow are optional and imported only when a table is materialised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeGuard, get_args
from zoneinfo import ZoneInfo

import attrs

from overdue.decision import Decision, Status
from overdue.engine import TimelineEntry
from overdue.notebook._optional import need
from overdue.policy import Policy

__all__ = [
    "STATUS_ORDER",
    "Column",
    "arm_columns",
    "arrow_of",
    "category",
    "common_zone",
    "decision_columns",
    "frame_of",
    "is_columns",
    "stack",
    "timeline_columns",
    "zone_name",
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


def zone_name(dt: datetime | None) -> str | None:
    """The IANA name of ``dt``'s zone, when it is a ``ZoneInfo``."""
    tz = dt.tzinfo if dt is not None else None
    return tz.key if isinstance(tz, ZoneInfo) else None


def common_zone(names: Iterable[str | None]) -> str:
    """The one zone the rows name (rows that name none do not count), else UTC."""
    found = {n for n in names if n is not None}
    return found.pop() if len(found) == 1 else "UTC"


def category(name: str, values: Sequence[object], order: Sequence[str]) -> Column:
    """An ordered category column: ``order`` first (a ladder), then any other value seen."""
    return Column(name, "category", values, _order(values, order))


# --- the core values' columns --------------------------------------------------------------


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
    zone = tz or common_zone(d.zone for d in ds)
    ladder = _ladder(policy)
    nxt = [d.next_action for d in ds]

    def dt(name: str, values: list[datetime | None]) -> Column:
        return Column(name, "datetime", values, tz=zone)

    return [
        Column("account_id", "str", [d.account_id for d in ds]),
        dt("at", [d.at for d in ds]),
        category("status", [d.status for d in ds], STATUS_ORDER),
        category("stage", [d.stage for d in ds], ladder),
        dt("stage_since", [d.stage_since for d in ds]),
        Column("days_overdue", "int", [d.days_overdue for d in ds]),
        Column("amount", "money", [d.balance.amount if d.balance else None for d in ds]),
        Column("currency", "str", [d.balance.currency if d.balance else None for d in ds]),
        category("next_stage", [a.stage if a else None for a in nxt], ladder),
        Column("next_step", "str", [a.step if a else None for a in nxt]),
        Column("next_channel", "str", [a.channel if a else None for a in nxt]),
        dt("next_not_before", [a.not_before if a else None for a in nxt]),
        Column("due_now", "bool", [bool(d.due_actions) for d in ds]),
        Column("actions", "int", [len(d.actions) for d in ds]),
        Column("blocked", "int", [len(d.blocked) for d in ds]),
        category("transition_to", [d.transition.to_stage if d.transition else None for d in ds],
             ladder),
        dt("deadline", [d.deadline for d in ds]),
        dt("wake_at", [d.wake_at for d in ds]),
        Column("reason_codes", "str", [",".join(r.code for r in d.reasons) for d in ds]),
        Column("policy_id", "str", [d.policy_id for d in ds]),
        Column("policy_version", "str", [d.policy_version for d in ds]),
        Column("zone", "str", [d.zone for d in ds]),
    ]


def timeline_columns(
    entries: Sequence[TimelineEntry], *, policy: Policy | None = None, tz: str | None = None
) -> list[Column]:
    """One row per timeline entry: ``at``, ``day`` (days since the first entry), ``kind``,
    ``stage``, ``channel``, ``template``, ``attempt``, ``detail``."""
    zone = tz or common_zone(zone_name(e.at) for e in entries)
    first = entries[0].at if entries else None
    return [
        Column("at", "datetime", [e.at for e in entries], tz=zone),
        Column("day", "int", [(e.at - first).days if first else 0 for e in entries]),
        category("kind", [e.kind for e in entries], ("stage_entered", "contact", "blocked")),
        category("stage", [e.stage for e in entries], _ladder(policy)),
        Column("channel", "str", [e.channel for e in entries]),
        Column("template", "str", [e.template for e in entries]),
        Column("attempt", "int", [e.attempt for e in entries]),
        Column("detail", "str", [e.detail for e in entries]),
    ]


def stack(parts: Sequence[list[Column]]) -> list[Column]:
    """Tables of the same kind one under the other (a column one lacks is empty there; a
    ``contacts_<channel>`` column it lacks is 0)."""
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


class _Run(Protocol):
    def columns(self, *, arm: str | None = None) -> list[Column]: ...


def arm_columns(champion: _Run, challenger: _Run) -> list[Column]:
    """Two runs' columns stacked, each row marked with its ``arm`` (the table of a paired
    comparison and of an A/B experiment)."""
    return stack([champion.columns(arm="champion"), challenger.columns(arm="challenger")])


# --- materialising -------------------------------------------------------------------------


def is_columns(obj: object) -> TypeGuard[list[Column]]:
    """True for a non-empty list of :class:`Column`."""
    return isinstance(obj, list) and bool(obj) and all(isinstance(c, Column) for c in obj)


def frame_of(cols: Sequence[Column], *, decimal: bool = False) -> Any:
    """The columns as a pandas DataFrame (money as ``Decimal`` objects with ``decimal``)."""
    pd = need("pandas", "tables")
    data: dict[str, Any] = {}
    for c in cols:
        data[c.name] = _pandas_series(pd, c, decimal)
    return pd.DataFrame(data)


def arrow_of(cols: Sequence[Column]) -> Any:
    """The columns as a ``pyarrow.Table``."""
    pa = need("pyarrow", "Arrow tables")
    arrays, names = [], []
    for c in cols:
        names.append(c.name)
        arrays.append(_arrow_array(pa, c))
    return pa.table(arrays, names=names)


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
