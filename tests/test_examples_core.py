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
