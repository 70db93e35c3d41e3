"""The example notebooks are stored without outputs and run headlessly, top to bottom."""

from __future__ import annotations

import runpy
from pathlib import Path

import nbformat
import pytest

HERE = Path(__file__).resolve().parent.parent.parent / "examples" / "notebooks"
RUNNER = runpy.run_path(str(HERE / "run_notebooks.py"), run_name="run_notebooks")
NOTEBOOKS = RUNNER["NOTEBOOKS"]


def test_both_notebooks_exist_and_are_listed() -> None:
    assert sorted(NOTEBOOKS) == sorted(p.name for p in HERE.glob("*.ipynb"))
    assert len(NOTEBOOKS) == 2


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_stored_without_outputs(name: str) -> None:
    nb = nbformat.read(HERE / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source[:60]
            assert cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_run_headlessly_and_show_html_and_figures(name: str) -> None:
    nb = RUNNER["execute"](name)  # raises CellExecutionError on any failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    figures = RUNNER["figures"](nb)
    assert len(figures) == 2
    assert all(png.startswith(b"\x89PNG") for png in figures.values())
    joined = "\n".join(html)
    if name == "portfolio_triage.ipynb":
        assert "class='overdue'" in joined  # the policy, the batch, the decision, the timeline
        assert "<b>policy seed-reference</b>" in joined
        assert "<b>timeline</b>" in joined
        assert set(figures) == {"stage-funnel", "contact-heatmap"}
    else:
        assert "champion seed-reference vs challenger challenger" in joined
        assert "backtest of challenger" in joined
        assert set(figures) == {"recovery-curves", "cost-per-recovered"}
