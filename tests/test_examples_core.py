"""The examples that belong to the core run, and print what the docs say they print."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_quickstart_explains_a_decision_and_prints_a_timeline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "deferred by contact-hours" in out
    assert "lawyer_letter" in out
    assert "letter.lawyer" in out


def test_compare_policies_prints_a_side_by_side_table(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "compare_policies.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "seed-reference" in out
    assert "challenger" in out
    assert "recovery_rate" in out
    assert "paired bootstrap" in out


def test_debtor_timeline_shares_two_numbers_between_three_debts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    runpy.run_path(str(EXAMPLES / "debtor_timeline.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "oldest debt first: LOAN-1, CARD-2, LOAN-3" in out
    lines = out.splitlines()
    calls = [ln for ln in lines if " contact " in ln and " phone " in ln]
    assert {ln.split()[3] for ln in calls} == {"LOAN-1", "CARD-2", "LOAN-3"}
    assert any("**00" in ln for ln in calls)
    assert any("**11" in ln for ln in calls)
    assert any("invalid_number" in ln for ln in calls)
    assert any("held_back" in ln and "budget used by LOAN-1, CARD-2" in ln for ln in lines)
    # never more than two calls a day to the person, nor one a day to a number
    per_day: dict[str, list[str]] = {}
    for ln in calls:
        per_day.setdefault(ln.split()[0], []).append(ln.split()[-5])
    for day, numbers in per_day.items():
        assert len(numbers) <= 2, day
        assert len(set(numbers)) == len(numbers), day
