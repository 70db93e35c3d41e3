"""HTML for notebooks: a decision, a policy and a timeline as readable tables and small charts.

Jupyter shows an object through its ``_repr_html_``; :class:`~overdue.decision.Decision`,
:class:`~overdue.policy.Policy` and the engine's ``Timeline`` each have a one-line method that
calls a function here.  This module sits with the values: it names neither ``Decision`` nor
``Policy`` (it reads them through the small protocols below, as :mod:`overdue.diagrams` reads a
ladder), so the values may call it without an import circle, and it does no I/O: it returns a
string.

Everything that comes from data (account ids, templates, reason texts, rule ids) is escaped with
:func:`html.escape`, so an id such as ``<script>`` shows as text.  Times are shown in the
debtor's zone when the decision knows it, like :meth:`Decision.explain`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from html import escape
from typing import Any, Protocol

from overdue._time import zone as _zone
from overdue.diagrams import LadderView, StageView, step_text
from overdue.rules.base import Rule, described

# What the views read of a decision and a policy, as structural types (the way
# overdue.diagrams reads a ladder): this module names neither Decision nor Policy, so the values
# can offer ``_repr_html_`` through it without an import circle.


class _Reason(Protocol):
    def render(self, tz_name: str | None = None) -> str: ...


class _Transition(Protocol):
    @property
    def from_stage(self) -> str | None: ...
    @property
    def to_stage(self) -> str: ...
    @property
    def at(self) -> datetime: ...


class _Blocked(Protocol):
    @property
    def stage(self) -> str: ...
    @property
    def step(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def reasons(self) -> Sequence[_Reason]: ...


class _Action(_Blocked, Protocol):
    @property
    def template(self) -> str: ...
    @property
    def attempt(self) -> int: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def not_before(self) -> datetime: ...
    @property
    def fallback_for(self) -> str | None: ...
    @property
    def discloses_debt(self) -> bool: ...
    @property
    def party(self) -> str: ...
    @property
    def facts(self) -> Any: ...  # MessageFacts: its ``must_state``
    @property
    def evidence(self) -> Any: ...  # EvidenceBundle | None: its ``summary()``
    @property
    def obligations(self) -> Sequence[Any]: ...  # Obligation: ``code``, ``text``


class _DecisionView(Protocol):
    @property
    def account_id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def status(self) -> str: ...
    @property
    def zone(self) -> str | None: ...
    @property
    def policy_id(self) -> str: ...
    @property
    def policy_version(self) -> str: ...
    @property
    def balance(self) -> object: ...
    @property
    def days_overdue(self) -> int: ...
    @property
    def stage(self) -> str | None: ...
    @property
    def stage_since(self) -> datetime | None: ...
    @property
    def transition(self) -> _Transition | None: ...
    @property
    def deadline(self) -> datetime | None: ...
    @property
    def wake_at(self) -> datetime | None: ...
    @property
    def retain_until(self) -> date | None: ...
    @property
    def reasons(self) -> Sequence[_Reason]: ...
    @property
    def actions(self) -> Sequence[_Action]: ...
    @property
    def blocked(self) -> Sequence[_Blocked]: ...


class _PolicyView(LadderView, Protocol):
    @property
    def version(self) -> str: ...
    @property
    def presets(self) -> Sequence[str]: ...
    @property
    def rules(self) -> Sequence[Rule]: ...

__all__ = ["decision_html", "policy_html", "table_html", "timeline_html"]

_STYLE = (
    "<style>"
    ".overdue{font-family:system-ui,sans-serif;font-size:13px;line-height:1.35}"
    ".overdue table{border-collapse:collapse;margin:4px 0}"
    ".overdue th,.overdue td{border:1px solid #ddd;padding:2px 6px;text-align:left;"
    "vertical-align:top}"
    ".overdue th{background:#f4f4f4}"
    ".overdue .badge{display:inline-block;padding:0 6px;border-radius:8px;background:#e8eefc}"
    ".overdue .muted{color:#777}"
    ".overdue ul{margin:2px 0 2px 18px;padding:0}"
    "</style>"
)

_STATUS_COLOUR = {
    "active": "#dbeafe",
    "on_hold": "#fde68a",
    "paused": "#fef3c7",
    "waiting": "#e5e7eb",
    "resolved": "#bbf7d0",
    "current": "#d1fae5",
    "written_off": "#fecaca",
    "done": "#e9d5ff",
}

_PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _when(dt: datetime | None, tz_name: str | None) -> str:
    if dt is None:
        return "-"
    if tz_name is not None:
        dt = dt.astimezone(_zone(tz_name))
    return f"{dt:%Y-%m-%d %H:%M} {dt.tzname()}"


def table_html(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, raw: bool = False
) -> str:
    """A plain HTML table; cells are escaped unless ``raw`` (then they are HTML already)."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    thead = f"<thead><tr>{head}</tr></thead>" if any(header) else ""
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else _e(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _reasons(reasons: Iterable[_Reason], tz_name: str | None) -> str:
    items = "".join(f"<li>{_e(r.render(tz_name))}</li>" for r in reasons)
    return f"<ul>{items}</ul>" if items else ""


def decision_html(d: _DecisionView) -> str:
    """A decision as a card: status, rung, money, the next actions with their reasons, blocks,
    deadline and when to ask again (the content of :meth:`Decision.explain`, laid out)."""
    z = d.zone
    owed = _e(d.balance) if d.balance is not None else "nothing invoiced"
    colour = _STATUS_COLOUR.get(d.status, "#eee")
    head = (
        f"<div><b>account {_e(d.account_id)}</b> "
        f"<span class='badge' style='background:{colour}'>{_e(d.status)}</span> "
        f"at {_e(_when(d.at, z))} <span class='muted'>under {_e(d.policy_id)} "
        f"{_e(d.policy_version)}</span></div>"
    )
    facts = [
        ("owes", owed),
        ("days overdue", _e(d.days_overdue)),
        ("rung", f"{_e(d.stage or '-')} since {_e(_when(d.stage_since, z))}"
         if d.stage else "-"),
    ]
    if d.transition is not None:
        t = d.transition
        facts.append((
            "transition",
            f"{_e(t.from_stage or '(none)')} &rarr; {_e(t.to_stage)}; record StageEntered "
            f"at {_e(_when(t.at, z))}",
        ))
    facts.append(("escalates", _e(_when(d.deadline, z))))
    facts.append(("ask again", _e(_when(d.wake_at, z))))
    if d.retain_until is not None:
        facts.append(("keep records until", _e(d.retain_until.isoformat())))
    parts = [head, table_html(["", ""], facts, raw=True)]
    if d.reasons:
        parts.append(f"<div>why</div>{_reasons(d.reasons, z)}")
    if d.actions:
        rows = []
        for a in d.actions:
            due = "<b>due now</b>" if a.not_before <= d.at else _e(_when(a.not_before, z))
            notes = []
            if a.fallback_for:
                notes.append(f"fallback for {_e(a.fallback_for)}")
            if not a.discloses_debt:
                notes.append(f"to a {_e(a.party.replace('_', ' '))}, stating no debt facts")
            if a.facts.must_state:
                notes.append("must state: " + _e(", ".join(a.facts.must_state)))
            if a.evidence is not None:
                notes.append("evidence: " + _e(a.evidence.summary()))
            for o in a.obligations:
                notes.append(f"obligation {_e(o.code)}: {_e(o.text)}")
            detail = "<br>".join(notes) + _reasons(a.reasons, z)
            rows.append([
                _e(a.stage), _e(a.channel), _e(a.template),
                f"{a.attempt}/{a.max_attempts}", due, detail,
            ])
        parts.append(table_html(
            ["rung", "channel", "template", "attempt", "when", "notes and reasons"], rows,
            raw=True,
        ))
    if d.blocked:
        rows = [[_e(b.stage), _e(b.step), _e(b.channel), _reasons(b.reasons, z)]
                for b in d.blocked]
        parts.append("<div>blocked</div>" + table_html(
            ["rung", "step", "channel", "why"], rows, raw=True
        ))
    return f"<div class='overdue'>{_STYLE}{''.join(parts)}</div>"


def _steps_text(stage: StageView) -> str:
    return "<br>".join(_e(step_text(s)) for s in stage.steps)


def _ladder_svg(policy: _PolicyView) -> str:
    """The ladder as boxes left to right; a disabled rung is dashed; arrows say what it takes."""
    stages = policy.stages
    box_w, box_h, gap = 118, 44, 46
    width = len(stages) * (box_w + gap) - gap + 8
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{box_h + 40}' "
        f"role='img' aria-label='ladder of {_e(policy.id)}' style='font-size:11px'>",
        "<defs><marker id='ovd-arrow' markerWidth='8' markerHeight='8' refX='7' refY='4' "
        "orient='auto'><path d='M0,0 L8,4 L0,8 z' fill='#555'/></marker></defs>",
    ]
    for i, s in enumerate(stages):
        x = 4 + i * (box_w + gap)
        dash = "" if s.enabled else " stroke-dasharray='4 3'"
        fill = _PALETTE[i % len(_PALETTE)] if s.enabled else "#ffffff"
        out.append(
            f"<rect x='{x}' y='4' width='{box_w}' height='{box_h}' rx='6' fill='{fill}' "
            f"fill-opacity='0.25' stroke='#555'{dash}/>"
            f"<text x='{x + box_w / 2}' y='22' text-anchor='middle'>{_e(s.id[:20])}</text>"
            f"<text x='{x + box_w / 2}' y='38' text-anchor='middle' fill='#555'>"
            f"{len(s.steps)} step(s){'' if s.enabled else ', off'}</text>"
        )
        if i + 1 < len(stages):
            x1, x2 = x + box_w, x + box_w + gap
            exit_ = s.deadline or s.grace
            out.append(
                f"<line x1='{x1}' y1='{4 + box_h / 2}' x2='{x2 - 2}' y2='{4 + box_h / 2}' "
                "stroke='#555' marker-end='url(#ovd-arrow)'/>"
            )
            if exit_ is not None:
                out.append(
                    f"<text x='{x1 + gap / 2}' y='{box_h + 20}' text-anchor='middle' "
                    f"fill='#555'>{_e(exit_)}</text>"
                )
    out.append("</svg>")
    return "".join(out)


def policy_html(policy: _PolicyView) -> str:
    """A policy as a ladder diagram, a table of its rungs, and its rules."""
    rows = []
    for i, s in enumerate(policy.stages, 1):
        rows.append([
            str(i),
            f"<b>{_e(s.id)}</b>" + ("" if s.enabled else " <span class='muted'>(off)</span>"),
            _e(s.enters_when.describe()) if s.enters_when is not None else "-",
            _e(", ".join(s.requires)) or "-",
            _steps_text(s) or "-",
            _e(s.deadline) if s.deadline is not None else "-",
            _e(s.grace) if s.grace is not None else "-",
            _e(s.performed_by),
        ])
    rules = "".join(f"<li>{_e(described(r))}</li>" for r in policy.rules)
    presets = f" · presets {_e(', '.join(policy.presets))}" if policy.presets else ""
    head = (
        f"<div><b>policy {_e(policy.id)}</b> <span class='muted'>version "
        f"{_e(policy.version)}{presets} · {len(policy.stages)} rungs · "
        f"{len(policy.rules)} rules</span></div>"
    )
    body = table_html(
        ["#", "rung", "enters when", "requires", "steps", "deadline", "grace", "by"],
        rows,
        raw=True,
    )
    rules_html = (
        f"<details><summary>{len(policy.rules)} rules</summary><ul>{rules}</ul></details>"
        if rules else ""
    )
    return f"<div class='overdue'>{_STYLE}{head}{_ladder_svg(policy)}{body}{rules_html}</div>"


def _day_chart(entries: Sequence[Any]) -> str:
    """One lane per channel, one dot per contact on its day; rung entries as labelled ticks."""
    if not entries:
        return ""
    first = entries[0].at
    last_day = max((e.at - first).days for e in entries)
    channels: list[str] = []
    for e in entries:
        if e.kind == "contact" and e.channel and e.channel not in channels:
            channels.append(e.channel)
    stages: list[str] = []
    for e in entries:
        if e.stage and e.stage not in stages:
            stages.append(e.stage)
    colour = {s: _PALETTE[i % len(_PALETTE)] for i, s in enumerate(stages)}
    scale = max(2.0, min(8.0, 600 / max(last_day, 1)))
    left, lane = 70, 16
    width = int(left + (last_day + 1) * scale + 20)
    height = 24 + lane * max(len(channels), 1) + 16
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img' "
        "aria-label='contacts day by day' style='font-size:10px'>"
    ]
    for i, ch in enumerate(channels):
        y = 24 + i * lane
        out.append(f"<text x='2' y='{y + 4}'>{_e(ch)}</text>"
                   f"<line x1='{left}' y1='{y}' x2='{width - 10}' y2='{y}' stroke='#eee'/>")
    for e in entries:
        x = left + (e.at - first).days * scale
        if e.kind == "stage_entered":
            out.append(
                f"<line x1='{x}' y1='12' x2='{x}' y2='{height - 14}' stroke='{colour[e.stage]}'"
                " stroke-dasharray='2 2'/>"
                f"<text x='{x + 2}' y='10' fill='{colour[e.stage]}'>{_e(e.stage)}</text>"
            )
        elif e.kind == "contact" and e.channel in channels:
            y = 24 + channels.index(e.channel) * lane
            fill = colour.get(e.stage, "#333")
            out.append(
                f"<circle cx='{x}' cy='{y}' r='3.5' fill='{fill}'>"
                f"<title>{_e(e.at.date())} {_e(e.channel)} {_e(e.template)}</title></circle>"
            )
    out.append(
        f"<text x='{left}' y='{height - 2}' fill='#777'>day 0</text>"
        f"<text x='{width - 10}' y='{height - 2}' fill='#777' text-anchor='end'>"
        f"day {last_day}</text></svg>"
    )
    return "".join(out)


def timeline_html(entries: Sequence[Any], *, limit: int = 200) -> str:
    """A timeline as a day-by-day chart and a table (the first ``limit`` rows)."""
    if not entries:
        return f"<div class='overdue'>{_STYLE}<i>empty timeline</i></div>"
    first = entries[0].at
    keys = [getattr(e.at.tzinfo, "key", None) for e in entries]
    z = next((k for k in keys if isinstance(k, str)), None)
    rows = [
        [
            _when(e.at, z),
            str((e.at - first).days),
            e.kind,
            e.stage or "",
            e.channel or "",
            e.template or "",
            "" if e.attempt is None else str(e.attempt),
            e.detail,
        ]
        for e in entries[:limit]
    ]
    more = (
        f"<div class='muted'>… {len(entries) - limit} more rows</div>"
        if len(entries) > limit else ""
    )
    contacts = sum(1 for e in entries if e.kind == "contact")
    head = (
        f"<div><b>timeline</b> <span class='muted'>{len(entries)} entries, {contacts} contacts, "
        f"{_e(_when(first, z))} to {_e(_when(entries[-1].at, z))}</span></div>"
    )
    table = table_html(
        ["at", "day", "kind", "rung", "channel", "template", "attempt", "detail"], rows
    )
    return f"<div class='overdue'>{_STYLE}{head}{_day_chart(entries)}{table}{more}</div>"
