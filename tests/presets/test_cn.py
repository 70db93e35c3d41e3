"""cn_nifa_2018, cn_gbt_2025 and cn_cba_2026 on the reference ladder, Asia/Shanghai debtors.

Every Chinese number is secondary (S), so every reason these rules give says
"[secondary source only]".  Templates declare the institution's name, as a host's would.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import ContactPoint, Policy, Step
from overdue.events import (
    AuthorisationGranted,
    AuthorisationRevoked,
    ConsentWaiver,
    ContactAttempted,
)
from overdue.obligations import canonical
from overdue.presets import PresetError, with_presets
from overdue.presets.cn import PRE_AGREED_CONTACT
from overdue.rules import Citation, ContactHours, FrequencyCap

SH = ZoneInfo("Asia/Shanghai")
DUE = date(2026, 1, 10)
CN_TAGS = ("institution_name",)
RELATIVE = "+86 139 0000 0001"


def _ladder(kit: Any, **kw: Any) -> Policy:
    kw.setdefault("tags", CN_TAGS)
    return kit.ladder(**kw)


def _courtesy_call(kit: Any, *events: Any, extra: tuple[ContactPoint, ...] = ()) -> Any:
    return kit.account(
        "Asia/Shanghai",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=SH)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=SH)),
        *events,
        due=DUE,
        extra=extra,
        contacts=(
            ContactPoint("phone", "+86 138 0013 8000"),
            ContactPoint("sms", "+86 138 0013 8000"),
            ContactPoint("email", "debtor@example.cn"),
            ContactPoint("letter", "上海市 1 号"),
            ContactPoint("field_visit", "上海市 1 号"),
        ),
    )


def _with_relative_call(policy: Policy) -> Policy:
    step = Step("phone", template="relay.message", party="third_party", id="relay", tags=CN_TAGS)
    stages = tuple(
        attrs.evolve(s, steps=(*s.steps, step)) if s.id == "courtesy_call" else s
        for s in policy.stages
    )
    return attrs.evolve(policy, stages=stages)


def _failed(day: int, hour: int) -> ContactAttempted:
    return ContactAttempted(
        at=datetime(2026, 3, day, hour, tzinfo=SH),
        channel="phone",
        outcome="no_answer",
        contact_point="+86 138 0013 8000",
    )


def _relative(label: str = "pre-agreed contact") -> tuple[ContactPoint, ...]:
    return (ContactPoint("phone", RELATIVE, is_debtor=False, label=label),)


def _relay_action(d: Any) -> Any:
    return next((a for a in d.actions if a.template == "relay.message"), None)


# -- cn_nifa_2018 ----------------------------------------------------------------------------


def test_cn_nifa_2018_requires__refuses_to_build_without_hours_and_caps(kit: Any) -> None:
    with pytest.raises(PresetError, match=r"cn_nifa_2018\.quiet_hours") as info:
        with_presets(_ladder(kit), "cn_nifa_2018")
    assert "appropriate times" in str(info.value)
    assert "cn_gbt_2025" in str(info.value)


def test_cn_nifa_2018_requires__stacked_with_the_national_standard_it_builds(kit: Any) -> None:
    either = with_presets(_ladder(kit), "cn_nifa_2018", "cn_gbt_2025")
    other = with_presets(_ladder(kit), "cn_gbt_2025", "cn_nifa_2018")
    assert {r.id for r in either.rules} == {r.id for r in other.rules}


def test_cn_nifa_2018_requires__or_given_the_numbers_as_house_rules(kit: Any) -> None:
    house = Citation("house values for the 2018 convention", mark="house")
    base = _ladder(kit)
    given = attrs.evolve(
        base,
        rules=(
            *base.rules,
            ContactHours("cn_nifa_2018.quiet_hours", window=(time(8), time(21)), citation=house),
            FrequencyCap(
                "cn_nifa_2018.call_frequency",
                max_contacts=2,
                per="1d",
                channels=("phone",),
                citation=house,
            ),
        ),
    )
    assert with_presets(given, "cn_nifa_2018").presets == ("cn_nifa_2018",)


def _nifa(kit: Any, **kw: Any) -> Policy:
    return kit.stack(_ladder(kit, **kw), "cn_gbt_2025", "cn_nifa_2018")


def test_cn_nifa_2018_art14__the_pre_agreed_contact_only_when_the_debtor_is_unreachable(
    kit: Any,
) -> None:
    policy = _with_relative_call(_nifa(kit, house_caps=False))
    at = datetime(2026, 3, 3, 10, tzinfo=SH)
    named = _relative(PRE_AGREED_CONTACT)
    d = kit.decide(policy, _courtesy_call(kit, extra=named), at)
    assert kit.by(d, "cn_nifa_2018.art14").code == "debtor_reachable"
    assert _relay_action(d) is None
    failed = [_failed(2, 10), _failed(2, 14), _failed(2, 18)]
    d = kit.decide(policy, _courtesy_call(kit, *failed, extra=named), at)
    relay = _relay_action(d)
    assert relay is not None
    assert relay.discloses_debt is False


def test_cn_nifa_2018_art14__only_the_person_the_debtor_named_in_advance(kit: Any) -> None:
    # Audit row 32: the convention limits contact to "la persona de contacto previamente
    # acordada por el deudor"; a sister the debtor never named is not contacted, unreachable
    # debtor or not.
    policy = _with_relative_call(_nifa(kit, house_caps=False))
    failed = [_failed(2, 10), _failed(2, 14), _failed(2, 18)]
    sister = _relative("sister")
    at = datetime(2026, 3, 3, 10, tzinfo=SH)
    d = kit.decide(policy, _courtesy_call(kit, *failed, extra=sister), at)
    assert kit.by(d, "cn_nifa_2018.art14").code == "third_party_not_named"
    assert _relay_action(d) is None


def test_cn_nifa_2018_art15__every_message_names_the_institution(kit: Any) -> None:
    policy = kit.stack(kit.ladder(), "cn_gbt_2025", "cn_nifa_2018")
    d = kit.decide(policy, _courtesy_call(kit), datetime(2026, 3, 3, 10, tzinfo=SH))
    reason = kit.by(d, "cn_nifa_2018.art15")
    assert (reason.code, reason.citation.mark) == ("missing_disclosure", "S")
    assert not d.actions


def test_cn_nifa_2018_art18_19__no_extra_fee_in_the_name_of_collection(kit: Any) -> None:
    policy = _nifa(kit, tags=(*CN_TAGS, "extra_fee"))
    d = kit.decide(policy, _courtesy_call(kit), datetime(2026, 3, 3, 10, tzinfo=SH))
    assert kit.by(d, "cn_nifa_2018.art18-19").code == "forbidden_content"


def _visit_account(kit: Any, *events: Any) -> Any:
    """Lawyer's letter delivered 2026-03-02, its 15-day grace over by 2026-03-20."""
    return kit.account(
        "Asia/Shanghai",
        kit.entered("reminder", datetime(2026, 1, 20, 9, tzinfo=SH)),
        kit.entered("lawyer_letter", datetime(2026, 3, 2, 9, tzinfo=SH)),
        ContactAttempted(
            at=datetime(2026, 3, 2, 10, tzinfo=SH),
            channel="letter",
            outcome="delivered",
            stage="lawyer_letter",
            step="letter.lawyer",
            template="letter.lawyer",
        ),
        ContactAttempted(
            at=datetime(2026, 3, 2, 10, tzinfo=SH),
            channel="email",
            outcome="delivered",
            stage="lawyer_letter",
            step="letter.lawyer.copy",
            template="letter.lawyer.copy",
        ),
        *events,
        due=DUE,
    )


def _granted(name: str = "field_visit", staff: int | None = None) -> AuthorisationGranted:
    return AuthorisationGranted(
        at=datetime(2026, 3, 10, 9, tzinfo=SH), authorisation=name, staff=staff
    )


VISIT_DAY = datetime(2026, 3, 20, 10, tzinfo=SH)


def test_cn_nifa_2018_art21_field_visit__an_agency_visit_needs_its_mandate(kit: Any) -> None:
    policy = _nifa(kit, field_visit=True)
    d = kit.decide(policy, _visit_account(kit, _granted()), VISIT_DAY)
    assert kit.by(d, "cn_nifa_2018.art21.field_visit").code == "not_authorised"
    d = kit.decide(policy, _visit_account(kit, _granted(), _granted("agency_mandate")), VISIT_DAY)
    assert kit.action(d, "field_visit").not_before == VISIT_DAY


def test_cn_nifa_2018_art15_field_visit__credentials_shown_and_the_visit_recorded(
    kit: Any,
) -> None:
    policy = _nifa(kit, field_visit=True)
    d = kit.decide(policy, _visit_account(kit, _granted(), _granted("agency_mandate")), VISIT_DAY)
    codes = {canonical(o.code) for o in kit.action(d, "field_visit").obligations}
    assert {"show_identification", "recording"} <= codes


def test_cn_nifa_2018_art21_records__kept_five_years_after_the_last_contact(kit: Any) -> None:
    last = kit.call(datetime(2026, 3, 2, 10, tzinfo=SH))
    d = kit.decide(_nifa(kit), _courtesy_call(kit, last), datetime(2026, 3, 3, 10, tzinfo=SH))
    assert d.retain_until == date(2031, 3, 2)


# -- cn_gbt_2025 -----------------------------------------------------------------------------


def _gbt(kit: Any, **kw: Any) -> Policy:
    return kit.stack(_ladder(kit, **kw), "cn_gbt_2025")


def test_cn_gbt_2025_quiet_hours__no_collection_at_2230_shanghai(kit: Any) -> None:
    d = kit.decide(_gbt(kit), _courtesy_call(kit), datetime(2026, 3, 3, 22, 30, tzinfo=SH))
    reason = kit.by(d, "cn_gbt_2025.quiet_hours")
    assert reason.until == datetime(2026, 3, 4, 8, 0, tzinfo=SH)
    assert "[secondary source only]" in reason.render()


def test_cn_gbt_2025_quiet_hours__an_agreed_evening_waives_the_standard_not_the_house(
    kit: Any,
) -> None:
    agreed = ConsentWaiver(
        at=datetime(2026, 3, 2, 12, tzinfo=SH), rule_id="cn_gbt_2025.quiet_hours"
    )
    d = kit.decide(_gbt(kit), _courtesy_call(kit, agreed), datetime(2026, 3, 3, 22, 30, tzinfo=SH))
    assert all(
        r.effect != "defer" for r in kit.reasons(d) if r.rule_id == "cn_gbt_2025.quiet_hours"
    )
    assert kit.by(d, "contact-hours").effect == "defer"  # the reference's 08:00-21:00 stands


def test_cn_gbt_2025_quiet_hours__an_unknown_zone_is_assumed_shanghai(kit: Any) -> None:
    policy = _gbt(kit)
    assert policy.assumed_zone == "Asia/Shanghai"
    acct = attrs.evolve(_courtesy_call(kit), timezone=None)
    d = kit.decide(policy, acct, datetime(2026, 3, 3, 22, 30, tzinfo=SH))
    assert kit.by(d, "cn_gbt_2025.quiet_hours").until == datetime(2026, 3, 4, 8, 0, tzinfo=SH)


def test_cn_gbt_2025_conversations_per_day__three_conversations_then_tomorrow(kit: Any) -> None:
    talks = [kit.call(datetime(2026, 3, 3, h, tzinfo=SH), "conversation") for h in (9, 11, 13)]
    policy = _gbt(kit, house_caps=False)
    d = kit.decide(policy, _courtesy_call(kit, *talks), datetime(2026, 3, 3, 15, tzinfo=SH))
    assert kit.by(d, "cn_gbt_2025.conversations_per_day").until == datetime(
        2026, 3, 4, 0, 0, tzinfo=SH
    )
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 4, 8, 0, tzinfo=SH)


def test_cn_gbt_2025_connected_calls_per_day__three_voicemails_count_as_connected(
    kit: Any,
) -> None:
    calls = [kit.call(datetime(2026, 3, 3, h, tzinfo=SH), "delivered") for h in (9, 11, 13)]
    policy = _gbt(kit, house_caps=False)
    d = kit.decide(policy, _courtesy_call(kit, *calls), datetime(2026, 3, 3, 15, tzinfo=SH))
    assert kit.by(d, "cn_gbt_2025.connected_calls_per_day").effect == "defer"
    assert kit.silent(d, "cn_gbt_2025.conversations_per_day")


def test_cn_gbt_2025_third_parties__stop_when_the_contact_refuses(kit: Any) -> None:
    policy = _with_relative_call(_gbt(kit, house_caps=False))
    refused = ContactAttempted(
        at=datetime(2026, 3, 2, 19, tzinfo=SH),
        channel="phone",
        outcome="refused",
        contact_point=RELATIVE,
        party="third_party",
        template="relay.message",
    )
    failed = [_failed(2, 10), _failed(2, 14), _failed(2, 18)]
    d = kit.decide(
        policy,
        _courtesy_call(kit, *failed, refused, extra=_relative()),
        datetime(2026, 3, 3, 10, tzinfo=SH),
    )
    assert kit.by(d, "cn_gbt_2025.third_parties").code == "third_party_refused"
    assert _relay_action(d) is None


# -- cn_cba_2026 -----------------------------------------------------------------------------


def _cba(kit: Any, **kw: Any) -> Policy:
    return kit.stack(_ladder(kit, **kw), "cn_gbt_2025", "cn_cba_2026")


def test_cn_cba_2026_quiet_hours__no_text_at_0730_without_consent(kit: Any) -> None:
    d = kit.decide(_cba(kit), _courtesy_call(kit), datetime(2026, 3, 3, 7, 30, tzinfo=SH))
    assert kit.by(d, "cn_cba_2026.quiet_hours").until == datetime(2026, 3, 3, 8, 0, tzinfo=SH)


def test_cn_cba_2026_unanswered_per_contact_point__six_unanswered_calls_a_day(kit: Any) -> None:
    calls = [_failed(3, h) for h in (8, 9, 10, 11, 12, 13)]
    policy = _cba(kit, house_caps=False)
    at = datetime(2026, 3, 3, 15, tzinfo=SH)
    d = kit.decide(policy, _courtesy_call(kit, *calls), at)
    assert kit.by(d, "cn_cba_2026.unanswered_per_contact_point").until == datetime(
        2026, 3, 4, 0, 0, tzinfo=SH
    )
    agreed = ConsentWaiver(
        at=datetime(2026, 3, 3, 14, tzinfo=SH), rule_id="cn_cba_2026.unanswered_per_contact_point"
    )
    d = kit.decide(policy, _courtesy_call(kit, *calls, agreed), at)
    assert all(
        r.effect != "defer"
        for r in kit.reasons(d)
        if r.rule_id == "cn_cba_2026.unanswered_per_contact_point"
    )


def test_cn_cba_2026_third_parties__three_failed_attempts_make_the_debtor_unreachable(
    kit: Any,
) -> None:
    policy = _with_relative_call(_cba(kit, house_caps=False))
    at = datetime(2026, 3, 3, 10, tzinfo=SH)
    two = [_failed(2, 10), _failed(2, 14)]
    d = kit.decide(policy, _courtesy_call(kit, *two, extra=_relative()), at)
    assert kit.by(d, "cn_cba_2026.third_parties").code == "debtor_reachable"
    three = [*two, _failed(2, 18)]
    d = kit.decide(policy, _courtesy_call(kit, *three, extra=_relative()), at)
    assert _relay_action(d) is not None


def test_cn_cba_2026_red_lines__no_inducing_new_borrowing(kit: Any) -> None:
    policy = _cba(kit, tags=(*CN_TAGS, "induce_new_borrowing"))
    d = kit.decide(policy, _courtesy_call(kit), datetime(2026, 3, 3, 10, tzinfo=SH))
    assert kit.by(d, "cn_cba_2026.red_lines").code == "forbidden_content"
    assert not d.actions


def test_cn_cba_2026_art22_conduct__field_visit_disabled(kit: Any) -> None:
    """The reference's field visit is off: authorised or not, no visit is ever planned."""
    d = kit.decide(_cba(kit), _visit_account(kit, _granted(staff=2)), VISIT_DAY)
    assert d.stage == "lawyer_letter"
    assert not [a for a in d.actions if a.channel == "field_visit"]


def test_cn_cba_2026_art22_conduct__field_visit_not_authorised(kit: Any) -> None:
    d = kit.decide(_cba(kit, field_visit=True), _visit_account(kit), VISIT_DAY)
    assert d.status == "waiting"
    assert any("requires 'field_visit', not on file" in r.message for r in d.reasons)
    assert not [a for a in d.actions if a.channel == "field_visit"]


def test_cn_cba_2026_art22_conduct__field_visit_authorised_with_one_agent(kit: Any) -> None:
    d = kit.decide(_cba(kit, field_visit=True), _visit_account(kit, _granted(staff=1)), VISIT_DAY)
    assert d.stage == "field_visit"
    reason = kit.by(d, "cn_cba_2026.art22.conduct")
    assert (reason.effect, reason.code) == ("block", "too_few_staff")
    assert not d.actions


def test_cn_cba_2026_art22_conduct__field_visit_authorised_with_two_agents(kit: Any) -> None:
    d = kit.decide(_cba(kit, field_visit=True), _visit_account(kit, _granted(staff=2)), VISIT_DAY)
    visit = kit.action(d, "field_visit")
    assert visit.not_before == VISIT_DAY
    codes = {canonical(o.code) for o in visit.obligations}
    assert {"min_staff", "show_identification", "enter_only_with_consent", "recording"} <= codes


def test_field_visit_obligations__each_duty_once_whatever_stage_and_presets_name_it(
    kit: Any,
) -> None:
    # Issue 14 item 3: the visit carried identity_disclosure twice (engine and stage) and
    # two_staff/min_staff, no_entry_without_consent/enter_only_with_consent and
    # record_visit/recording side by side.  Each duty is now carried once, under the stage's
    # own code (the one the host acknowledges), with the presets' wording kept.
    policy = kit.stack(_ladder(kit, field_visit=True), "cn_gbt_2025", "cn_nifa_2018", "cn_cba_2026")
    account = _visit_account(kit, _granted(staff=2), _granted("agency_mandate"))
    visit = kit.action(kit.decide(policy, account, VISIT_DAY), "field_visit")
    codes = [o.code for o in visit.obligations]
    assert len(codes) == len({canonical(c) for c in codes}), codes
    assert codes.count("identity_disclosure") == 1
    assert {"two_staff", "no_entry_without_consent", "record_visit"} <= set(codes)
    assert not {"min_staff", "enter_only_with_consent", "recording"} & set(codes)
    staff = next(o for o in visit.obligations if o.code == "two_staff")
    assert "at least 2 staff attend the visit together" in staff.text


def test_cn_cba_2026_art22_field_visit__a_revoked_authorisation_stops_the_visit(kit: Any) -> None:
    revoked = AuthorisationRevoked(
        at=datetime(2026, 3, 20, 9, 30, tzinfo=SH), authorisation="field_visit"
    )
    acct = _visit_account(
        kit,
        _granted(staff=2),
        kit.entered("field_visit", datetime(2026, 3, 20, 9, tzinfo=SH)),
        revoked,
    )
    d = kit.decide(_cba(kit, field_visit=True), acct, VISIT_DAY)
    assert kit.by(d, "cn_cba_2026.art22.field_visit").code == "not_authorised"


def test_cn_cba_2026__silent_before_the_guideline_was_issued(kit: Any) -> None:
    """The CBA guideline is dated 2026-01-30: a 07:30 text on 2026-01-29 is not its business."""
    acct = kit.account(
        "Asia/Shanghai",
        kit.entered("reminder", datetime(2026, 1, 20, 9, tzinfo=SH)),
        kit.entered("courtesy_call", datetime(2026, 1, 27, 9, tzinfo=SH)),
        due=DUE,
    )
    d = kit.decide(_cba(kit), acct, datetime(2026, 1, 29, 7, 30, tzinfo=SH))
    assert kit.silent(d, "cn_cba_2026.quiet_hours")
    assert kit.by(d, "cn_gbt_2025.quiet_hours").effect == "defer"


# -- issue 14: the next-day rule and call recording --------------------------------------------


def test_cn_cba_2026_third_parties__relayed_only_from_the_day_after_the_debtor_is_unreachable(
    kit: Any,
) -> None:
    # Issue 14 item 5: "连续三次拨打无法联系次日": the third failed call on 3 March at 18:00
    # opens third-party contact at local midnight, 4 March, not the same evening.
    policy = _with_relative_call(_cba(kit, house_caps=False))
    three = [_failed(3, 10), _failed(3, 14), _failed(3, 18)]
    evening = datetime(2026, 3, 3, 19, tzinfo=SH)
    d = kit.decide(policy, _courtesy_call(kit, *three, extra=_relative()), evening)
    reason = kit.by(d, "cn_cba_2026.third_parties")
    assert (reason.code, reason.until) == ("third_party_next_day", datetime(2026, 3, 4, tzinfo=SH))
    relay = _relay_action(d)
    assert relay is not None
    assert relay.not_before >= datetime(2026, 3, 4, 8, tzinfo=SH)


def test_cn_cba_2026_call_recording__every_call_carries_the_recording_obligation(
    kit: Any,
) -> None:
    # Issue 14 item 6: CN call recording, as an obligation the dispatcher enforces.
    d = kit.decide(_cba(kit), _courtesy_call(kit), datetime(2026, 3, 3, 10, tzinfo=SH))
    call = kit.action(d, "phone")
    recording = [o for o in call.obligations if o.code == "recording"]
    assert len(recording) == 1
    assert "record the whole phone contact" in recording[0].text
    assert not [o for o in kit.action(d, "sms").obligations if o.code == "recording"]
