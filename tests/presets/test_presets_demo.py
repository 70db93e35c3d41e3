"""examples/presets_demo.py runs and prints the presets' limits and a cited decision."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_presets_demo_stacks_gbt_and_cba_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "presets_demo.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "cn_gbt_2025 2025-03-13" in out
    assert "cn_cba_2026 2026-01-30" in out
    assert "deferred by cn_cba_2026.quiet_hours" in out
    assert "deferred by cn_gbt_2025.conversations_per_day" in out
    assert "[secondary source only]" in out
