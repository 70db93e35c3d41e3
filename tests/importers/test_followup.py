"""Odoo follow-up levels import (directly, and through ``import_oca`` / ``overdue import oca``)."""

from __future__ import annotations

from datetime import date

import pytest

from overdue.config import loads_policy, policy_warnings
from overdue.errors import ConfigError
from overdue.importers import import_oca, import_odoo_followup

from .conftest import DATA, entered, one_invoice

EXPORT = (DATA / "oca" / "odoo-followup-equivalent.xml").read_text("utf-8")


def test_the_demo_follow_up_imports_with_its_dates() -> None:
    # Odoo's demo follow-up: "First letter after 15 net days, 30 net days and 45 days end of
    # month levels."  For an invoice due 2024-12-01: 12-16 and 12-31; the end-of-month level is
    # the last day of the month of 12-01 + 45 days (2025-01-15): 2025-01-31.
    result = import_odoo_followup(EXPORT)
    assert loads_policy(result.toml(), "toml") == result.policy
    assert [str(w).split(":")[0] for w in policy_warnings(result.policy)] == ["$.rules"]
    got = entered(result.policy, one_invoice(date(2024, 12, 1), "80.00", "EUR"), date(2024, 12, 1))
    assert got == {
        "followup_1": date(2024, 12, 16),
        "followup_2": date(2024, 12, 31),
        "followup_3": date(2025, 1, 31),
    }
    stages = result.policy.stages
    assert [s.channel for s in stages[0].steps] == ["email"]
    assert [s.channel for s in stages[2].steps] == ["email", "letter"]
    constructs = {a.construct for a in result.approximations}
    assert "manual_action" in constructs
    assert not any(c.startswith("end_of_month") for c in constructs)  # exact since issue 18


def test_import_oca_hands_a_follow_up_export_over() -> None:
    assert import_oca(EXPORT, policy_id="fu").policy.id == "fu"
    assert import_oca(EXPORT).policy == import_odoo_followup(EXPORT).policy


def test_an_unknown_follow_up_is_located_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as info:
        import_odoo_followup(EXPORT, followup="demo_followup")
    assert info.value.key_path == "/odoo"
    assert info.value.suggestion == "demo_followup1"
