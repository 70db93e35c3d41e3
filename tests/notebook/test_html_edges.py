"""Batch reports, simulations and comparisons display as HTML, escaping what comes from data."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from overdue import REFERENCE_POLICY, Account, Invoice, Money
from overdue.batch import decide_batch
from overdue.events import PaymentReceived
from overdue.simulate import compare, generate_portfolio

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 2, 1, 9, 0, tzinfo=SH)
EVIL = "<img src=x onerror=alert(1)>"


def test_a_batch_report_shows_counts_and_its_failures_escaped() -> None:
    bad = Account(
        EVIL,
        timezone="Asia/Shanghai",
        invoices=[Invoice("I", Money("10.00", "CNY"), date(2026, 1, 5))],
        events=[PaymentReceived(at=datetime(2026, 1, 20, tzinfo=SH), amount=Money("5.00", "EUR"))],
    )
    report = decide_batch(REFERENCE_POLICY, [*generate_portfolio(5, seed=1), bad], START)
    html = report._repr_html_()
    assert "5 decided, 1 failed" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "EventError" in html


def test_a_comparison_shows_both_runs_and_the_verdicts() -> None:
    c = compare(REFERENCE_POLICY, REFERENCE_POLICY, generate_portfolio(12, seed=2), START, 30)
    html = c._repr_html_()
    assert "champion seed-reference vs challenger seed-reference" in html
    assert html.count("within noise") == 5
    sim = c.champion._repr_html_()
    assert "simulation of seed-reference" in sim
    assert "lawyer_letter" in sim  # every rung listed, reached or not
