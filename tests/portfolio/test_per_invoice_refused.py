"""A per-invoice policy in the portfolio kernel: one row per account cannot hold one decision
per invoice, so every account is an error row naming ``decide_invoices`` (nothing lost, the
counts reconcile), whether the row would have been decided, pre-passed or carried over."""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs

from overdue import Account, Invoice, Money, decide
from overdue.portfolio.arrow import accounts_to_table
from overdue.portfolio.kernel import decide_table, summary
from overdue.reference import REFERENCE_POLICY

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)


def accounts() -> list[Account]:
    """One overdue account, one not due yet and one with nothing owed (the last two are what
    the pre-pass settles without the engine under a per-account policy)."""
    usd = Money("100.00", "USD")
    return [
        Account("OVERDUE", timezone="UTC", invoices=[Invoice("I-1", usd, date(2026, 1, 2))]),
        Account("NOT-DUE", timezone="UTC", invoices=[Invoice("I-2", usd, date(2026, 4, 1))]),
        Account("NOTHING", timezone="UTC"),
    ]


def test_every_account_is_an_error_row_naming_decide_invoices() -> None:
    per_invoice = attrs.evolve(REFERENCE_POLICY, ladder_per="invoice")
    table = decide_table(per_invoice, accounts_to_table(accounts()), NOW)
    rows = table.to_pylist()
    assert [r["account_id"] for r in rows] == ["OVERDUE", "NOT-DUE", "NOTHING"]
    assert {r["status"] for r in rows} == {"error"}
    assert {r["error_type"] for r in rows} == {"PolicyError"}
    assert all("decide_invoices(policy, account, now)" in r["error_message"] for r in rows)
    counts = summary(table)
    assert (counts["accounts"], counts["failed"], counts["decided"]) == (3, 3, 0)


def test_the_previous_run_is_not_carried_over_for_a_per_invoice_policy() -> None:
    table = accounts_to_table(accounts())
    before = decide_table(REFERENCE_POLICY, table, NOW)  # decided per account last night
    assert "error" not in before["status"].to_pylist()
    kept = decide_table(REFERENCE_POLICY, table, NOW, previous=before)["source"].to_pylist()
    assert "carried" in kept  # what a per-account policy keeps
    per_invoice = attrs.evolve(REFERENCE_POLICY, ladder_per="invoice")
    again = decide_table(per_invoice, table, NOW, previous=before)
    assert again["status"].to_pylist() == ["error"] * 3
    assert "carried" not in again["source"].to_pylist()


def test_a_per_account_policy_keeps_its_rows() -> None:
    table = decide_table(REFERENCE_POLICY, accounts_to_table(accounts()), NOW)
    want = [decide(REFERENCE_POLICY, a, NOW).status for a in accounts()]
    assert table["status"].to_pylist() == want
    assert table["source"].to_pylist()[1:] == ["prepass", "prepass"]  # what the guard skips
