"""The ladder as a diagram: Mermaid ``flowchart LR`` or Graphviz ``dot`` text.

Pure text, no I/O and no extra dependency, so a notebook (``f"{policy:mermaid}"``), a docs
page or ``overdue diagram`` can show it.  Each rung is a node listing its steps; each edge
carries what it takes to climb: the rung below's deadline or grace, the entry condition and the
authorisations required.  Disabled rungs are drawn dashed, with a solid edge passing them by.

``Policy.__format__`` calls :func:`render`, so this module must not import ``overdue.policy``
(not even for type checking: that would close a circle).  It reads a ladder through the small
structural protocols below, which ``Policy``, ``Stage`` and ``Step`` satisfy (mypy checks it
where ``Policy`` calls ``render``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from overdue.errors import PolicyError, suggest

__all__ = ["FORMATS", "LadderView", "StageView", "StepView", "render", "step_text"]


class _Duration(Protocol):
    @property
    def is_zero(self) -> bool: ...


class _Condition(Protocol):
    def describe(self) -> str: ...


class StepView(Protocol):
    """What a view reads of a step (``overdue.policy.Step`` satisfies it)."""

    @property
    def channel(self) -> str: ...
    @property
    def template(self) -> str: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def repeat_every(self) -> object: ...
    @property
    def at(self) -> _Duration: ...
    @property
    def fallback(self) -> str | None: ...


class StageView(Protocol):
    """What a view reads of a rung (``overdue.policy.Stage`` satisfies it)."""

    @property
    def id(self) -> str: ...
    @property
    def steps(self) -> Sequence[StepView]: ...
    @property
    def performed_by(self) -> str: ...
    @property
    def deadline(self) -> object | None: ...
    @property
    def grace(self) -> object | None: ...
    @property
    def enters_when(self) -> _Condition | None: ...
    @property
    def requires(self) -> Collection[str]: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def skippable(self) -> bool: ...


class LadderView(Protocol):
    """What a view reads of a ladder (``overdue.policy.Policy`` satisfies it): the diagrams
    here and the notebook HTML name no policy class, so the policy may call them."""

    @property
    def id(self) -> str: ...
    @property
    def stages(self) -> Sequence[StageView]: ...



def step_text(step: StepView) -> str:
    """One step in a few words, ``sms: reminder.sms x3 every 3d (else email)`` (plain text;
    the HTML views use it too)."""
    text = f"{step.channel}: {step.template}"
    if step.max_attempts > 1:
        text += f" x{step.max_attempts} every {step.repeat_every}"
    if not step.at.is_zero:
        text += f" at +{step.at}"
    if step.fallback:
        text += f" (else {step.fallback})"
    return text


FORMATS = ("mermaid", "md", "dot")
"""The diagram formats :func:`render` knows (``md``: Mermaid inside a Markdown fence)."""


def _steps_text(stage: StageView) -> list[str]:
    lines = [step_text(s) for s in stage.steps]
    if stage.performed_by == "third_party":
        lines.append("by a third party")
    return lines


def _exit_text(stage: StageView) -> list[str]:
    parts = []
    if stage.deadline is not None:
        parts.append(f"after {stage.deadline}")
    if stage.grace is not None:
        parts.append(f"grace {stage.grace}")
    return parts


def _entry_text(stage: StageView) -> list[str]:
    parts = []
    if stage.enters_when is not None:
        parts.append(f"if {stage.enters_when.describe()}")
    if stage.requires:
        parts.append("requires " + ", ".join(stage.requires))
    return parts


def _edges(policy: LadderView) -> list[tuple[int | None, int, list[str], bool]]:
    """(from index or None for the start, to index, label parts, dashed) for every edge."""
    stages = policy.stages
    edges: list[tuple[int | None, int, list[str], bool]] = []
    prev: int | None = None
    for i, stage in enumerate(stages):
        exit_ = _exit_text(stages[prev]) if prev is not None else []
        label = exit_ + _entry_text(stage)
        if stage.enabled:
            edges.append((prev, i, label, False))
            if prev is not None and stages[prev].skippable:
                # a later rung may be entered directly when this one's conditions already hold
                before = _last_enabled_before(policy, prev)
                edges.append((before, i, ["skip", *_entry_text(stage)], True))
            prev = i
        else:
            edges.append((prev, i, label, True))
            nxt = _next_enabled_after(policy, i)
            if nxt is not None:
                edges.append((i, nxt, _exit_text(stage) + _entry_text(stages[nxt]), True))
    return edges


def _last_enabled_before(policy: LadderView, i: int) -> int | None:
    for k in range(i - 1, -1, -1):
        if policy.stages[k].enabled:
            return k
    return None


def _next_enabled_after(policy: LadderView, i: int) -> int | None:
    for k in range(i + 1, len(policy.stages)):
        if policy.stages[k].enabled:
            return k
    return None


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _mermaid(policy: LadderView) -> str:
    lines = ["flowchart LR", f'    start(["overdue: {_mermaid_text(policy.id)}"])']
    for i, stage in enumerate(policy.stages):
        body = "<br/>".join(_mermaid_text(t) for t in [stage.id, *_steps_text(stage)])
        lines.append(f'    s{i}["{body}"]')
        if not stage.enabled:
            lines.append(f"    class s{i} disabled")
    for src, dst, label, dashed in _edges(policy):
        a = "start" if src is None else f"s{src}"
        arrow = "-.->" if dashed else "-->"
        text = _mermaid_text("; ".join(label))
        lines.append(f'    {a} {arrow}|"{text}"| s{dst}' if text else f"    {a} {arrow} s{dst}")
    if any(not s.enabled for s in policy.stages):
        lines.append("    classDef disabled stroke-dasharray: 5 5,color:#888")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot(policy: LadderView) -> str:
    lines = [
        f'digraph "{_dot_text(policy.id)}" {{',
        "    rankdir=LR;",
        '    node [shape=box, style="rounded", fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
        f'    start [shape=oval, label="overdue: {_dot_text(policy.id)}"];',
    ]
    for i, stage in enumerate(policy.stages):
        text = "\\n".join(_dot_text(t) for t in [stage.id, *_steps_text(stage)])
        style = ', style="rounded,dashed", fontcolor="gray40"' if not stage.enabled else ""
        lines.append(f'    s{i} [label="{text}"{style}];')
    for src, dst, label, dashed in _edges(policy):
        a = "start" if src is None else f"s{src}"
        attrs_ = [f'label="{_dot_text("; ".join(label))}"'] if label else []
        if dashed:
            attrs_.append("style=dashed")
        suffix = f" [{', '.join(attrs_)}]" if attrs_ else ""
        lines.append(f"    {a} -> s{dst}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(policy: LadderView, format: str) -> str:
    """The policy's ladder as ``"mermaid"``, ``"md"`` (fenced Mermaid) or ``"dot"`` text."""
    spec = format.strip().lower()
    if spec == "mermaid":
        return _mermaid(policy)
    if spec == "md":
        return f"```mermaid\n{_mermaid(policy)}```\n"
    if spec == "dot":
        return _dot(policy)
    raise PolicyError(
        "unknown diagram format",
        expected=" | ".join(FORMATS),
        got=format,
        suggestion=suggest(spec, FORMATS),
    )
