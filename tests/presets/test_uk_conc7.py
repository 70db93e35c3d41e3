"""uk_conc7 on the reference ladder: a customer in England (Europe/London), in pounds."""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import ContactPoint, Policy, Step
from overdue.events import AuthorisationGranted, ContactAttempted, DisputeOpened, FactSet
from overdue.obligations import canonical
from overdue.presets import PresetWarning, with_presets
from overdue.rules import Citation, FrequencyCap

LON = ZoneInfo("Europe/London")
DUE = date(2026, 2, 15)


def _uk(kit: Any, **kw: Any) -> Policy:
    return kit.stack(kit.ladder(currency="GBP", **kw), "uk_conc7")


def _courtesy_call(kit: Any, *events: Any, **kw: Any) -> Any:
    return kit.account(
        "Europe/London",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=LON)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=LON)),
        *events,
        due=DUE,
        currency="GBP",
        **kw,
    )


NOW = datetime(2026, 3, 3, 10, tzinfo=LON)


def test_uk_conc7_7_9_4r__no_text_at_0730_in_london(kit: Any) -> None:
    d = kit.decide(_uk(kit), _courtesy_call(kit), datetime(2026, 3, 3, 7, 30, tzinfo=LON))
    reason = kit.by(d, "uk_conc7.7.9.4R")
    assert reason.until == datetime(2026, 3, 3, 8, 0, tzinfo=LON)
    assert "MCOB 13.5.4G" in reason.render()


def test_uk_conc7_7_9_4r__an_unknown_zone_is_assumed_london(kit: Any) -> None:
    policy = _uk(kit)
    assert policy.assumed_zone == "Europe/London"
    acct = attrs.evolve(_courtesy_call(kit), timezone=None)
    d = kit.decide(policy, acct, datetime(2026, 3, 3, 7, 30, tzinfo=LON))
    assert kit.by(d, "uk_conc7.7.9.4R").until == datetime(2026, 3, 3, 8, 0, tzinfo=LON)


def test_uk_conc7_7_14_dispute__recovery_suspended_while_investigated(kit: Any) -> None:
    dispute = DisputeOpened(at=datetime(2026, 3, 2, 9, tzinfo=LON), reason="wrong amount")
    d = kit.decide(_uk(kit), _courtesy_call(kit, dispute), NOW)
    assert kit.by(d, "uk_conc7.7.14.dispute").code == "hold"
    assert d.status == "on_hold"


def test_uk_conc7_breathing_space__sixty_days_without_payment_requests(kit: Any) -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=LON)
    space = FactSet(at=start, name="breathing_space", until=start + timedelta(days=60))
    d = kit.decide(_uk(kit), _courtesy_call(kit, space), NOW)
    reason = kit.by(d, "uk_conc7.breathing_space")
    assert reason.until == datetime(2026, 5, 1, 9, tzinfo=LON)
    assert kit.action(d, "phone").not_before == datetime(2026, 5, 1, 9, tzinfo=LON)


def test_uk_conc7_mental_health_crisis__held_for_the_whole_treatment(kit: Any) -> None:
    crisis = FactSet(at=datetime(2026, 3, 2, 9, tzinfo=LON), name="mental_health_crisis_moratorium")
    d = kit.decide(_uk(kit), _courtesy_call(kit, crisis), NOW)
    assert kit.by(d, "uk_conc7.mental_health_crisis").effect == "block"
    assert not d.actions


def _in_visit(kit: Any, *events: Any) -> Any:
    return kit.account(
        "Europe/London",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=LON)),
        AuthorisationGranted(at=datetime(2026, 3, 1, 9, tzinfo=LON), authorisation="field_visit"),
        kit.entered("field_visit", datetime(2026, 3, 2, 9, tzinfo=LON)),
        *events,
        due=DUE,
        currency="GBP",
    )


def test_uk_conc7_7_9_visits__no_visit_to_a_customer_who_may_be_vulnerable(kit: Any) -> None:
    vulnerable = FactSet(at=datetime(2026, 3, 2, 12, tzinfo=LON), name="vulnerable")
    d = kit.decide(_uk(kit, field_visit=True), _in_visit(kit, vulnerable), NOW)
    assert kit.by(d, "uk_conc7.7.9.visits").effect == "block"
    assert not [a for a in d.actions if a.channel == "field_visit"]


def test_uk_conc7_7_9_visit_conduct__purpose_explained_no_entry_without_consent(kit: Any) -> None:
    d = kit.decide(_uk(kit, field_visit=True), _in_visit(kit), NOW)
    codes = {canonical(o.code) for o in kit.action(d, "field_visit").obligations}
    assert {"enter_only_with_consent", "explain_purpose"} <= codes


def test_uk_conc7_7_9_6r__third_parties_only_traced_never_told_of_the_debt(kit: Any) -> None:
    step = Step("phone", template="relay.message", party="third_party", id="relay")
    ladder = _uk(kit)
    policy = attrs.evolve(
        ladder,
        stages=tuple(
            attrs.evolve(s, steps=(*s.steps, step)) if s.id == "courtesy_call" else s
            for s in ladder.stages
        ),
    )
    extra = (ContactPoint("phone", "+44 20 7946 0999", is_debtor=False, label="employer"),)
    d = kit.decide(policy, _courtesy_call(kit, extra=extra), NOW)
    # Audit row 22: CONC 7.9.6R forbids unfair disclosure, not contact: a tracing call that
    # states nothing of the debt may go out, once per person...
    relay = next(a for a in d.actions if a.template == "relay.message")
    assert (relay.party, relay.discloses_debt) == ("third_party", False)
    # ...but a step that would state the amount to the employer is never planned.
    telling = attrs.evolve(step, must_state=("amount",), id="tell")
    policy = attrs.evolve(
        ladder,
        stages=tuple(
            attrs.evolve(s, steps=(*s.steps, telling)) if s.id == "courtesy_call" else s
            for s in ladder.stages
        ),
    )
    d = kit.decide(policy, _courtesy_call(kit, extra=extra), NOW)
    (blocked,) = [b for b in d.blocked if b.step == "tell"]
    assert [r.code for r in blocked.reasons] == ["third_party_disclosure"]


def test_uk_conc7_7_3_10r__no_suggestion_to_borrow_to_pay(kit: Any) -> None:
    d = kit.decide(_uk(kit, tags=("suggest_borrowing",)), _courtesy_call(kit), NOW)
    assert kit.by(d, "uk_conc7.7.3.10R").code == "forbidden_content"
    assert not d.actions


def test_uk_conc7_7_9_2r__no_missed_delivery_pretext(kit: Any) -> None:
    d = kit.decide(_uk(kit, tags=("pretext",)), _courtesy_call(kit), NOW)
    assert kit.by(d, "uk_conc7.7.9.2R").code == "forbidden_content"


# -- the litigation rung ------------------------------------------------------------------------


def _delivered(template: str, at: datetime) -> ContactAttempted:
    return ContactAttempted(at=at, channel="letter", outcome="delivered", template=template)


def _litigation(kit: Any, *events: Any, due: date = DUE) -> Any:
    """In litigation since 2026-06-01, legal review on file, the lawyer's letter delivered."""
    return kit.account(
        "Europe/London",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=LON)),
        _delivered("letter.lawyer", datetime(2026, 4, 1, 10, tzinfo=LON)),
        AuthorisationGranted(at=datetime(2026, 4, 1, 10, tzinfo=LON), authorisation="legal_review"),
        kit.entered("litigation", datetime(2026, 6, 1, 9, tzinfo=LON)),
        *events,
        due=due,
        currency="GBP",
    )


FORBEARANCE = FactSet(at=datetime(2026, 4, 2, 9, tzinfo=LON), name="forbearance_offered")
DEFAULT_NOTICE = _delivered("default_notice", datetime(2026, 4, 6, 10, tzinfo=LON))
LETTER_OF_CLAIM = _delivered("letter_of_claim", datetime(2026, 5, 1, 10, tzinfo=LON))
CLAIM_DAY = datetime(2026, 6, 2, 10, tzinfo=LON)


def test_uk_conc7_7_3_4r_forbearance__no_claim_before_forbearance(kit: Any) -> None:
    acct = _litigation(kit, DEFAULT_NOTICE, LETTER_OF_CLAIM)
    d = kit.decide(_uk(kit), acct, CLAIM_DAY)
    assert kit.by(d, "uk_conc7.7.3.4R.forbearance").code == "missing_prior"
    acct = _litigation(kit, FORBEARANCE, DEFAULT_NOTICE, LETTER_OF_CLAIM)
    assert kit.action(kit.decide(_uk(kit), acct, CLAIM_DAY), "legal").not_before == CLAIM_DAY


def test_uk_conc7_cca_s87_default_notice__fourteen_days_after_service(kit: Any) -> None:
    served = _delivered("default_notice", datetime(2026, 5, 25, 10, tzinfo=LON))
    acct = _litigation(kit, FORBEARANCE, LETTER_OF_CLAIM, served)
    d = kit.decide(_uk(kit), acct, CLAIM_DAY)
    assert kit.by(d, "uk_conc7.cca_s87.default_notice").until == datetime(
        2026, 6, 8, 10, tzinfo=LON
    )


def test_uk_conc7_pap_debt_letter_of_claim__thirty_days_to_reply(kit: Any) -> None:
    sent = _delivered("letter_of_claim", datetime(2026, 5, 20, 10, tzinfo=LON))
    acct = _litigation(kit, FORBEARANCE, DEFAULT_NOTICE, sent)
    d = kit.decide(_uk(kit), acct, CLAIM_DAY)
    reason = kit.by(d, "uk_conc7.pap_debt.letter_of_claim")
    assert reason.until == datetime(2026, 6, 19, 10, tzinfo=LON)
    assert "[secondary source only]" in reason.render()


def test_uk_conc7_7_15_fos_complaint__no_proceedings_while_the_ombudsman_looks(kit: Any) -> None:
    complaint = FactSet(at=datetime(2026, 5, 30, 9, tzinfo=LON), name="fos_complaint_open")
    acct = _litigation(kit, FORBEARANCE, DEFAULT_NOTICE, LETTER_OF_CLAIM, complaint)
    d = kit.decide(_uk(kit), acct, CLAIM_DAY)
    assert kit.by(d, "uk_conc7.7.15.fos_complaint").effect == "block"
    assert not d.actions


def test_uk_conc7_7_15_statute_barred__six_years_after_the_due_date(kit: Any) -> None:
    acct = _litigation(kit, FORBEARANCE, DEFAULT_NOTICE, LETTER_OF_CLAIM, due=date(2020, 1, 10))
    d = kit.decide(_uk(kit), acct, CLAIM_DAY)
    reason = kit.by(d, "uk_conc7.7.15.statute_barred")
    assert reason.code == "time_barred"
    assert "2026-01-10" in reason.message


def test_uk_conc7_frequency_cap__no_regulatory_default_so_the_preset_warns(kit: Any) -> None:
    with pytest.warns(PresetWarning, match=r"must not be excessive.*uk_conc7\.frequency_cap"):
        with_presets(kit.ladder(), "uk_conc7")
    base = kit.ladder()
    house = FrequencyCap(
        "uk_conc7.frequency_cap",
        max_contacts=2,
        per="7d",
        channels=("phone",),
        citation=Citation("house cap under CONC 7.9", mark="house"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", PresetWarning)
        with_presets(attrs.evolve(base, rules=(*base.rules, house)), "uk_conc7")


# -- issue 14, the citation audit's findings --------------------------------------------------


def test_uk_conc7_7_9_4r__hours_cite_conc_and_are_marked_an_inference_not_verified(
    kit: Any,
) -> None:
    # Audit row 17: CONC states no hours; the number is MCOB's (mortgages), by analogy.
    d = kit.decide(_uk(kit), _courtesy_call(kit), datetime(2026, 3, 3, 7, 30, tzinfo=LON))
    reason = kit.by(d, "uk_conc7.7.9.4R")
    assert reason.citation.mark == "U"
    assert "must not contact customers at unreasonable times" in reason.citation.section
    assert "[unverified]" in reason.render()


def test_uk_conc7_breathing_space__notices_the_law_requires_still_go_out(kit: Any) -> None:
    # Audit row 19: reg. 11(2) allows contact the CCA 1974 or FCA rules require.
    start = datetime(2026, 3, 2, 9, tzinfo=LON)
    space = FactSet(at=start, name="breathing_space", until=start + timedelta(days=60))
    policy = _uk(kit, tags=("required_by_law",))
    d = kit.decide(policy, _courtesy_call(kit, space), NOW)
    assert kit.silent(d, "uk_conc7.breathing_space")
    rule = next(r for r in policy.rules if r.id == "uk_conc7.breathing_space")
    assert "SI 2020/1311" in rule.citation.instrument  # type: ignore[attr-defined]
    assert "reg. 11(1)" in rule.citation.section  # type: ignore[attr-defined]


def test_uk_conc7_mental_health_crisis__notices_the_law_requires_still_go_out(kit: Any) -> None:
    crisis = FactSet(at=datetime(2026, 3, 2, 9, tzinfo=LON), name="mental_health_crisis_moratorium")
    d = kit.decide(_uk(kit, tags=("required_by_law",)), _courtesy_call(kit, crisis), NOW)
    assert kit.silent(d, "uk_conc7.mental_health_crisis")


def test_uk_conc7_7_10_mental_capacity__recovery_suspended_when_capacity_is_in_doubt(
    kit: Any,
) -> None:
    concern = FactSet(at=datetime(2026, 3, 2, 9, tzinfo=LON), name="mental_capacity_concern")
    d = kit.decide(_uk(kit), _courtesy_call(kit, concern), NOW)
    reason = kit.by(d, "uk_conc7.7.10.mental_capacity")
    assert (reason.effect, reason.citation.mark) == ("block", "V")
    assert "must suspend the pursuit of recovery" in reason.citation.section
    assert not d.actions


def test_uk_conc7_7_15_8_statute_barred__no_demand_once_the_customer_says_it_is_barred(
    kit: Any,
) -> None:
    said = FactSet(at=datetime(2026, 3, 2, 9, tzinfo=LON), name="statute_barred_asserted")
    d = kit.decide(_uk(kit), _courtesy_call(kit, said), NOW)
    reason = kit.by(d, "uk_conc7.7.15.8.statute_barred")
    assert (reason.effect, reason.citation.mark) == ("block", "S")
    assert not d.actions


def test_uk_conc7_7_9_visit_conduct__cites_7_9_14r_4_for_entry_consent(kit: Any) -> None:
    rule = next(r for r in _uk(kit).rules if r.id == "uk_conc7.7.9.visit_conduct")
    assert "7.9.14R(4)" in rule.citation.section  # type: ignore[attr-defined]


def test_uk_conc7_7_9_4r__ai_voice_calls_keep_the_hours_too(kit: Any) -> None:
    rule = next(r for r in _uk(kit).rules if r.id == "uk_conc7.7.9.4R")
    assert "ai_voice" in rule.channels  # type: ignore[attr-defined]
