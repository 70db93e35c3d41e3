"""Decisions, policies and timelines display as HTML in notebooks; plain reprs stay short."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import attrs

from overdue import (
    REFERENCE_POLICY,
    Account,
    ContactPoint,
    Invoice,
    Money,
    Stage,
    Step,
    Timeline,
    decide,
    timeline,
)
from overdue.events import DisputeOpened

SH = ZoneInfo("Asia/Shanghai")
EVIL = "<script>alert('x')</script>"


def _account(account_id: str = "A-1", **kw: object) -> Account:
    return Account(
        account_id,
        timezone="Asia/Shanghai",
        contacts=[
            ContactPoint("sms", "+86 138 0013 8000"),
            ContactPoint("phone", "+86 138 0013 8000"),
        ],
        invoices=[Invoice("INV-1", Money("1200.50", "CNY"), date(2026, 1, 10))],
        **kw,  # type: ignore[arg-type]
    )


class _Text(HTMLParser):
    """The visible text of an HTML fragment, and whether it is well nested."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.stack: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "script":
            self.scripts += 1
        if tag not in {"br", "path", "rect", "line", "circle", "marker"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "path", "rect", "line", "circle", "marker"}:
            return
        assert self.stack, tag
        assert self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Text:
    p = _Text()
    p.feed(html)
    p.close()
    assert p.stack == []
    return p


def test_a_decision_shows_its_explanation_as_html_in_local_time() -> None:
    d = decide(REFERENCE_POLICY, _account(), datetime(2026, 1, 11, 21, 40, tzinfo=SH))
    html = d._repr_html_()
    text = " ".join(_parse(html).text)
    assert "A-1" in text
    assert "active" in text
    assert "reminder" in text
    assert "1200.50 CNY" in text
    assert "reminder.sms" in text
    assert "2026-01-12 08:00 CST" in text  # deferred to local contact hours, shown locally
    assert "contact-hours" in text  # the rule that deferred it, with its reason


def test_a_blocked_decision_shows_why() -> None:
    acct = _account(events=[DisputeOpened(at=datetime(2026, 1, 12, tzinfo=SH), dispute_id="d1")])
    d = decide(REFERENCE_POLICY, acct, datetime(2026, 1, 13, 10, 0, tzinfo=SH))
    text = " ".join(_parse(d._repr_html_()).text)
    assert d.status == "on_hold"
    assert "on_hold" in text
    assert "dispute" in text.lower()


def test_untrusted_ids_are_escaped_everywhere() -> None:
    d = decide(REFERENCE_POLICY, _account(EVIL), datetime(2026, 1, 11, 21, 40, tzinfo=SH))
    stage = Stage(
        EVIL,
        steps=[Step("sms", template=EVIL)],
        deadline="7d",
        description=EVIL,
    )
    policy = attrs.evolve(REFERENCE_POLICY, id=EVIL, stages=(stage, *REFERENCE_POLICY.stages))
    entries = timeline(
        policy, _account(EVIL), datetime(2026, 1, 11, 9, tzinfo=SH), datetime(2026, 2, 1, tzinfo=SH)
    )
    for html in (d._repr_html_(), policy._repr_html_(), entries._repr_html_()):
        parsed = _parse(html)
        assert parsed.scripts == 0
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
        assert EVIL in "".join(parsed.text)  # shown as text, not run


def test_a_policy_shows_its_ladder_as_a_table_and_a_diagram() -> None:
    html = REFERENCE_POLICY._repr_html_()
    parsed = _parse(html)
    text = " ".join(parsed.text)
    for stage in REFERENCE_POLICY.stages:
        assert stage.id in text
    assert "<svg" in html
    assert "<table" in html
    assert "(off)" in text  # the field visit is off by default
    assert "legal_review" in text  # litigation requires it
    rows = re.findall(r"<tr>", html)
    assert len(rows) == len(REFERENCE_POLICY.stages) + 1  # header + one row per rung
    assert f"{len(REFERENCE_POLICY.rules)} rules" in text


def test_a_timeline_shows_a_table_and_a_day_by_day_chart() -> None:
    start = datetime(2026, 1, 11, 9, tzinfo=SH)
    entries = timeline(REFERENCE_POLICY, _account(), start, start + timedelta(days=60))
    assert isinstance(entries, Timeline)
    assert isinstance(entries, tuple)
    html = entries._repr_html_()
    text = " ".join(_parse(html).text)
    contacts = [e for e in entries if e.kind == "contact"]
    assert f"{len(entries)} entries, {len(contacts)} contacts" in text
    assert html.count("<circle") == len(contacts)  # one dot per contact on the chart
    assert "lawyer_letter" in text
    assert "CST" in text
    assert "UTC" not in text


def test_plain_reprs_stay_short() -> None:
    d = decide(REFERENCE_POLICY, _account(), datetime(2026, 1, 11, 21, 40, tzinfo=SH))
    assert len(repr(d)) < 200
    assert repr(d).startswith("Decision(account_id='A-1'")
    # The earliest action: at 21:40 the in-app notice keeps contact hours too (issue 14), so
    # both reminders wait for 08:00 and the SMS, declared first, leads.
    assert "next=sms:reminder.sms" in repr(d)
    assert repr(REFERENCE_POLICY) == (
        f"Policy(id='seed-reference', version='2026.1', stages=7, "
        f"rules={len(REFERENCE_POLICY.rules)})"
    )


def test_the_html_module_imports_nothing_from_the_edges() -> None:
    import ast
    from pathlib import Path

    import overdue._html as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    } | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    ours = {m for m in imported if m.startswith("overdue")}
    # overdue.decision and overdue.policy only under TYPE_CHECKING
    assert ours <= {
        "overdue._time",
        "overdue.decision",
        "overdue.diagrams",
        "overdue.policy",
        "overdue.rules.base",  # described(rule): a rule with the date it is in force from
    }
