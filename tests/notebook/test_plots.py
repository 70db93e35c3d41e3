"""Each plot draws what the numbers say and returns its Axes (Agg backend, no display)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import matplotlib
import matplotlib.pyplot as plt
import pytest

from overdue import REFERENCE_POLICY
from overdue.notebook.plots import (
    contact_matrix,
    plot_contact_heatmap,
    plot_cost_per_recovered,
    plot_recovery,
    plot_stage_funnel,
)
from overdue.simulate import compare, generate_portfolio, simulate

matplotlib.use("Agg")

START = datetime(2026, 2, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
COSTS = {"sms": "0.05", "phone": "2.00", "letter": "30.00"}


@pytest.fixture(scope="module")
def comparison():  # type: ignore[no-untyped-def]
    accounts = generate_portfolio(40, seed=3)
    return compare(REFERENCE_POLICY, REFERENCE_POLICY, accounts, START, 60, costs=COSTS, seed=2)


@pytest.fixture(autouse=True)
def _close():  # type: ignore[no-untyped-def]
    yield
    plt.close("all")


def test_the_funnel_lists_rungs_in_ladder_order_with_the_reached_shares(comparison) -> None:  # type: ignore[no-untyped-def]
    ax = plot_stage_funnel(comparison.champion)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [s.id for s in REFERENCE_POLICY.enabled_stages]
    reach = comparison.champion.stage_reach(include_unreached=True)
    widths = [p.get_width() for p in ax.patches]
    assert widths == [reach[s] / 40 for s in labels]


def test_recovery_curves_have_a_band_that_holds_the_curve(comparison) -> None:  # type: ignore[no-untyped-def]
    ax = plot_recovery(comparison, n_boot=50)
    assert len(ax.lines) == 2
    assert len(ax.collections) == 2  # one band per run
    ys = list(ax.lines[0].get_ydata())
    assert ys == pytest.approx([s for _, s in comparison.champion.recovery_curve()], abs=1e-4)
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() >= 0
    assert band[:, 1].max() <= 1


def test_the_heatmap_counts_contacts_by_local_hour_and_weekday(comparison) -> None:  # type: ignore[no-untyped-def]
    grid = contact_matrix(comparison.champion)
    assert sum(map(sum, grid)) == comparison.champion.total_contacts
    # the reference policy contacts only between 08:00 and 21:00 local time (in-app aside)
    sms = contact_matrix(comparison.champion, "sms")
    assert all(sms[d][h] == 0 for d in range(7) for h in [*range(8), *range(21, 24)])
    ax = plot_contact_heatmap(comparison.champion)
    image = ax.get_images()[0].get_array()
    assert image.shape == (7, 24)
    assert image.sum() == comparison.champion.total_contacts


def test_cost_per_recovered_bars_carry_intervals(comparison) -> None:  # type: ignore[no-untyped-def]
    ax = plot_cost_per_recovered({"a": comparison.champion, "b": comparison.challenger}, n_boot=50)
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([comparison.champion.cost_per_recovered] * 2)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_plots_draw_on_a_given_axes_and_save(tmp_path, comparison) -> None:  # type: ignore[no-untyped-def]
    fig, axes = plt.subplots(2, 2)
    assert plot_stage_funnel(comparison, ax=axes[0][0]) is axes[0][0]
    assert plot_recovery(comparison.champion, ax=axes[0][1], n_boot=20) is axes[0][1]
    assert plot_contact_heatmap(comparison, ax=axes[1][0]) is axes[1][0]
    assert plot_cost_per_recovered(comparison, ax=axes[1][1], n_boot=20) is axes[1][1]
    fig.savefig(tmp_path / "all.png")
    assert (tmp_path / "all.png").stat().st_size > 1000


def test_a_simulation_still_plots_its_recovery() -> None:
    result = simulate(REFERENCE_POLICY, generate_portfolio(10, seed=1), START, 30)
    ax = result.plot_recovery()
    assert ax.get_lines()[0].get_label() == "seed-reference"
