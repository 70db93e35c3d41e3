"""Response rates fitted from a recorded log recover the behaviour that wrote it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import REFERENCE_POLICY, Policy, Stage
from overdue.errors import OverdueError
from overdue.notebook.behaviour import CAVEAT, fit_behaviour
from overdue.simulate import Behaviour, ResponseRates, generate_portfolio, simulate

START = datetime(2026, 2, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _sms_then_calls() -> Policy:
    # No two contacts at the same instant, so each response belongs to one contact.
    def change(stage: Stage) -> Stage:
        keep = [s for s in stage.steps if s.channel not in {"in_app"}]
        if stage.id == "courtesy_call":
            keep = [s for s in keep if s.channel == "phone"]
        return attrs.evolve(stage, steps=keep)

    return attrs.evolve(
        REFERENCE_POLICY, stages=tuple(change(s) for s in REFERENCE_POLICY.stages)
    )


def test_a_fitted_model_recovers_the_rates_that_wrote_the_log() -> None:
    truth = Behaviour(
        pay=0.0, partial=0.0, promise=0.0, dispute=0.0, answer=0.5, pay_lag_days=0,
        rates={
            ("*", "sms"): ResponseRates(pay=0.10, answer=1.0),
            ("*", "phone"): ResponseRates(promise=0.2, answer=0.5),
        },
    )
    run = simulate(
        _sms_then_calls(), generate_portfolio(250, seed=1), START, 40,
        behaviour=truth, seed=4, record=True,
    )
    fitted = fit_behaviour(run.recorded_accounts(), window=timedelta(days=3))
    sms = fitted.behaviour.rates_for("*", "sms")
    phone = fitted.behaviour.rates_for("*", "phone")
    assert sms.pay == pytest.approx(0.10, abs=0.04)
    assert sms.promise == 0
    assert sms.dispute == 0
    assert phone.answer == pytest.approx(0.5, abs=0.08)
    assert phone.promise == pytest.approx(0.2, abs=0.08)
    cells = {(c.stage, c.channel): c for c in fitted.cells}
    assert cells[("reminder", "sms")].contacts > 100
    assert fitted.accounts == 250
    assert fitted.caveat == CAVEAT
    assert "not a forecast" in CAVEAT


def test_thin_cells_are_pulled_towards_their_channel() -> None:
    run = simulate(
        REFERENCE_POLICY, generate_portfolio(60, seed=2), START, 60, seed=1, record=True
    )
    fitted = fit_behaviour(run.recorded_accounts(), prior=1e9)
    pooled = fitted.behaviour.rates_for("*", "sms")
    for c in fitted.cells:
        if c.channel == "sms":
            assert fitted.behaviour.rates_for(c.stage, "sms").pay == pytest.approx(pooled.pay)


def test_a_fitted_behaviour_drives_the_simulator() -> None:
    run = simulate(REFERENCE_POLICY, generate_portfolio(40, seed=3), START, 60, record=True)
    fitted = fit_behaviour(run.recorded_accounts())
    again = simulate(REFERENCE_POLICY, generate_portfolio(40, seed=3), START, 60,
                     behaviour=fitted.behaviour)
    assert again.total_contacts > 0
    assert 0 < again.resolved_share < 1


def test_contacts_at_the_same_instant_share_the_response() -> None:
    truth = Behaviour(pay=0.0, partial=0.0, promise=0.0, dispute=0.0, pay_lag_days=0,
                      rates={("*", "sms"): ResponseRates(pay=0.2)})
    run = simulate(REFERENCE_POLICY, generate_portfolio(150, seed=5), START, 10,
                   behaviour=truth, seed=1, record=True)
    fitted = fit_behaviour(run.recorded_accounts(), window=timedelta(days=3))
    cells = {(c.stage, c.channel): c for c in fitted.cells}
    sms, in_app = cells[("reminder", "sms")], cells[("reminder", "in_app")]
    # the first SMS goes out with the in-app notice: their responses are split between them
    assert in_app.pay > 0
    total = sms.pay + in_app.pay
    paid = sum(1 for a in run.accounts if a.resolved_on_day is not None)
    assert total == pytest.approx(paid, abs=1e-9)


def test_an_empty_log_is_refused() -> None:
    with pytest.raises(OverdueError, match="no account"):
        fit_behaviour([])
