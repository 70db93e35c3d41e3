"""HTML for the edge objects: simulations, comparisons, experiments, batch reports, backtests.

The inner objects (decision, policy, timeline) render through :mod:`overdue._html`, which this
module re-exports; these renderers add the objects an analyst builds in a notebook.  Pure
functions returning strings, standard library only, every data value escaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Sized
from datetime import datetime
from typing import Protocol

from overdue._html import _STYLE, decision_html, policy_html, table_html, timeline_html
from overdue._html import _e as _esc
from overdue.decision import Decision

# What these views read of each result, as structural types: the result classes offer
# ``_repr_html_`` through this module, so it names none of them (no import circle).


class _Summarised(Protocol):
    def summary(self) -> Mapping[str, object]: ...


class _SimulationView(_Summarised, Protocol):
    @property
    def policy_id(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def days(self) -> int: ...
    @property
    def accounts(self) -> Sized: ...
    def stage_reach(self, *, include_unreached: bool = False) -> Mapping[str, int]: ...
    def contacts_by_channel(self) -> Mapping[str, int]: ...


class _DifferenceView(Protocol):
    @property
    def metric(self) -> str: ...
    @property
    def champion(self) -> float: ...
    @property
    def challenger(self) -> float: ...
    @property
    def difference(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...
    @property
    def level(self) -> float: ...
    @property
    def within_noise(self) -> bool: ...


class _ComparisonView(Protocol):
    """A paired comparison or an A/B experiment: two runs and their differences."""

    @property
    def champion(self) -> _SimulationView: ...
    @property
    def challenger(self) -> _SimulationView: ...
    def differences(self) -> Sequence[_DifferenceView]: ...


class _ExperimentView(_ComparisonView, Protocol):
    @property
    def salt(self) -> str: ...


class _FailureView(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def account_id(self) -> str: ...
    @property
    def error_type(self) -> str: ...
    @property
    def message(self) -> str: ...


class _BatchView(Protocol):
    @property
    def decisions(self) -> Sequence[Decision]: ...
    @property
    def failures(self) -> Sequence[_FailureView]: ...


class _AccountBacktestView(Protocol):
    @property
    def account_id(self) -> str: ...
    @property
    def diverged_at(self) -> datetime | None: ...
    @property
    def champion_did(self) -> str: ...
    @property
    def challenger_would(self) -> str: ...


class _BacktestView(_Summarised, Protocol):
    @property
    def champion_id(self) -> str: ...
    @property
    def challenger_id(self) -> str: ...
    @property
    def accounts(self) -> Sequence[_AccountBacktestView]: ...
    def objections_by_rule(self) -> Mapping[str, tuple[int, int]]: ...

__all__ = [
    "batch_report_html",
    "comparison_html",
    "decision_html",
    "differences_html",
    "experiment_html",
    "policy_html",
    "simulation_html",
    "timeline_html",
]


def _wrap(*parts: str) -> str:
    return f"<div class='overdue'>{_STYLE}{''.join(parts)}</div>"


def _num(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else _esc(value)


def simulation_html(result: _SimulationView) -> str:
    """Headline numbers, how far up the ladder accounts went, and contacts by channel."""
    s = result.summary()
    head = f"<div><b>simulation of {_esc(result.policy_id)}</b> <span class='muted'>" \
           f"{result.days} days from {_esc(result.start.date())}</span></div>"
    summary = table_html(["metric", "value"], [(k, _num(v)) for k, v in s.items()])
    reach = table_html(
        ["rung", "accounts reached"], result.stage_reach(include_unreached=True).items()
    )
    channels = table_html(["channel", "contacts"], result.contacts_by_channel().items())
    return _wrap(head, summary, reach, channels)


def differences_html(diffs: Sequence[_DifferenceView]) -> str:
    """Each metric's difference with its interval; real differences in bold."""
    rows = []
    for d in diffs:
        verdict = "within noise" if d.within_noise else "<b>a real difference</b>"
        rows.append([
            _esc(d.metric), f"{d.champion:.4f}", f"{d.challenger:.4f}",
            f"{d.difference:+.4f}", f"[{d.low:+.4f}, {d.high:+.4f}]", verdict,
        ])
    level = round(diffs[0].level * 100) if diffs else 95
    return table_html(
        ["metric", "champion", "challenger", "difference", f"{level}% interval", "verdict"],
        rows,
        raw=True,
    )


def comparison_html(comparison: _ComparisonView) -> str:
    """Both runs side by side, then the paired differences with their intervals."""
    a, b = comparison.champion.summary(), comparison.challenger.summary()
    rows = [(k, _num(a[k]), _num(b[k])) for k in a if k != "policy"]
    head = f"<div><b>champion {_esc(a['policy'])} vs challenger {_esc(b['policy'])}</b> " \
           "<span class='muted'>same accounts, same luck (paired)</span></div>"
    return _wrap(
        head,
        table_html(["metric", "champion", "challenger"], rows),
        differences_html(comparison.differences()),
    )


def experiment_html(experiment: _ExperimentView) -> str:
    """An A/B split: arm sizes and the unpaired differences with their intervals."""
    head = (
        f"<div><b>experiment, salt {_esc(experiment.salt)}</b> <span class='muted'>"
        f"{len(experiment.champion.accounts)} champion / "
        f"{len(experiment.challenger.accounts)} challenger accounts</span></div>"
    )
    return _wrap(head, differences_html(experiment.differences()))


def batch_report_html(report: _BatchView, *, limit: int = 50) -> str:
    """How many decided and failed; decisions by status, rung and next channel; the failures."""
    ds = report.decisions
    status = Counter(d.status for d in ds)
    stage = Counter(d.stage or "-" for d in ds)
    channel = Counter(d.next_action.channel for d in ds if d.next_action is not None)
    due = sum(1 for d in ds if d.due_actions)
    head = (
        f"<div><b>batch</b> <span class='muted'>{len(ds)} decided, {len(report.failures)} "
        f"failed, {due} with a contact due now</span></div>"
    )
    parts = [
        head,
        "<div style='display:flex;gap:16px'>",
        table_html(["status", "accounts"], status.most_common()),
        table_html(["rung", "accounts"], stage.most_common()),
        table_html(["next channel", "accounts"], channel.most_common()),
        "</div>",
    ]
    if report.failures:
        rows = [
            (f.index, f.account_id, f.error_type, f.message)
            for f in report.failures[:limit]
        ]
        parts.append(table_html(["input #", "account", "error", "message"], rows))
    return _wrap(*parts)


def backtest_html(result: _BacktestView, *, limit: int = 30) -> str:
    """The backtest's aggregate change and the first accounts where the challenger differs."""
    s = result.summary()
    summary = table_html(["measure", "value"], [(k, _num(v)) for k, v in s.items()])
    objections = table_html(
        ["rule", "champion", "challenger", "change"],
        [(rule, a, b, f"{b - a:+d}") for rule, (a, b) in result.objections_by_rule().items()],
    )
    rows = [
        (a.account_id, a.diverged_at.isoformat() if a.diverged_at else "-", a.champion_did,
         a.challenger_would)
        for a in result.accounts if a.diverged_at is not None
    ][:limit]
    first = table_html(["account", "first difference", "recorded / champion", "challenger"],
                       rows)
    return _wrap(
        f"<div><b>backtest of {_esc(result.challenger_id)} on the log of "
        f"{_esc(result.champion_id)}</b></div>",
        summary, objections, first,
    )
