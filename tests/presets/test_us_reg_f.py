"""us_reg_f on the seed's reference ladder: one scenario per rule, named after the rule.

The debtor is in America/New_York unless a test says otherwise; the ladder's templates declare
the mini-Miranda ('debt_collector_notice'), the opt-out notice and the caller's identity, as a
US host's would, so the content rules let the ladder through unless a test takes them away.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import ContactPoint, Policy, Stage, Step
from overdue.events import (
    AuthorisationGranted,
    CeaseRequested,
    ContactAttempted,
    DisputeOpened,
    FactSet,
    OptedOut,
)
from overdue.presets import PresetWarning, with_presets
from overdue.presets.us import reg_f
from overdue.rules import Citation, FrequencyCap

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
US_TAGS = ("debt_collector_notice", "opt_out_notice")
DUE = date(2026, 2, 15)


def _policy(kit: Any, **kw: Any) -> Policy:
    kw.setdefault("tags", US_TAGS)
    kw.setdefault("must_state", ("identity",))
    return kit.stack(kit.ladder(currency="USD", **kw), "us_reg_f")


def _in_courtesy_call(kit: Any, *events: Any, zone: str | None = "America/New_York") -> Any:
    """A debtor who entered the courtesy-call rung on Sunday 2026-03-01."""
    return kit.account(
        zone,
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=NY)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=NY)),
        *events,
        due=DUE,
        currency="USD",
    )


# -- 1006.6(b)(1)(i): inconvenient times ----------------------------------------------------


def test_us_reg_f_1006_6_b_1_i__a_0630_text_in_los_angeles_waits_until_0800(kit: Any) -> None:
    acct = _in_courtesy_call(kit, zone="America/Los_Angeles")
    d = kit.decide(_policy(kit), acct, datetime(2026, 3, 10, 6, 30, tzinfo=LA))
    sms = kit.action(d, "sms")
    assert sms.not_before == datetime(2026, 3, 10, 8, 0, tzinfo=LA)
    assert kit.by(d, "us_reg_f.1006.6(b)(1)(i)").effect == "defer"


def test_us_reg_f_1006_6_b_1_i__unknown_zone_blocks_contact(kit: Any) -> None:
    """The reference assumes Asia/Shanghai; the US preset assumes no zone, so it blocks."""
    policy = _policy(kit)
    assert policy.assumed_zone is None
    d = kit.decide(policy, _in_courtesy_call(kit, zone=None), datetime(2026, 3, 10, 12, tzinfo=NY))
    reason = kit.by(d, "us_reg_f.1006.6(b)(1)(i)")
    assert (reason.effect, reason.code) == ("block", "zone_unknown")
    assert not [a for a in d.actions if a.channel in ("phone", "sms")]


# -- 1006.14(b)(2)(i)(A): 7 calls in 7 consecutive days --------------------------------------


def test_us_reg_f_1006_14_b_2_i_a__seven_calls_over_the_march_2026_dst_week(kit: Any) -> None:
    """One call a day Mon 2 to Sun 8 March 2026 (clocks go forward on Sunday 8 March).

    The 8th call waits for the local date Monday 9 March, not for 7 x 24 hours after the
    first call: the window is 7 local calendar dates, so the change of offset moves nothing.
    """
    calls = [kit.call(datetime(2026, 3, day, 10, tzinfo=NY)) for day in range(2, 9)]
    policy = _policy(kit, house_caps=False)
    d = kit.decide(policy, _in_courtesy_call(kit, *calls), datetime(2026, 3, 8, 12, tzinfo=NY))
    cap = kit.by(d, "us_reg_f.1006.14(b)(2)(i)(A)")
    assert cap.until == datetime(2026, 3, 9, 0, 0, tzinfo=NY)
    assert cap.until.utcoffset() == timedelta(hours=-4)  # EDT from Sunday
    assert "presumption" in str(cap.citation)
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 9, 8, 0, tzinfo=NY)


def test_us_reg_f_1006_14_b_2_i_a__six_calls_leave_room_for_a_seventh(kit: Any) -> None:
    calls = [kit.call(datetime(2026, 3, day, 10, tzinfo=NY)) for day in range(3, 9)]
    policy = _policy(kit, house_caps=False)
    d = kit.decide(policy, _in_courtesy_call(kit, *calls), datetime(2026, 3, 8, 12, tzinfo=NY))
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 8, 12, tzinfo=NY)
    assert kit.silent(d, "us_reg_f.1006.14(b)(2)(i)(A)")


def test_us_reg_f_1006_14_b_2_i_a__the_stricter_house_cap_of_the_reference_still_wins(
    kit: Any,
) -> None:
    """Stacked on the full reference ladder, its 3-a-week house cap is the later deferral."""
    calls = [kit.call(datetime(2026, 3, day, 10, tzinfo=NY)) for day in range(2, 9)]
    d = kit.decide(
        _policy(kit), _in_courtesy_call(kit, *calls), datetime(2026, 3, 8, 12, tzinfo=NY)
    )
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 13, 10, 0, tzinfo=NY)
    assert kit.by(d, "three-contacts-a-week").effect == "defer"


# -- 1006.14(b)(2)(i)(B): 7 days after a conversation ----------------------------------------


def test_us_reg_f_1006_14_b_2_i_b__monday_conversation_next_call_the_following_monday(
    kit: Any,
) -> None:
    talk = kit.call(datetime(2026, 3, 2, 15, tzinfo=NY), "conversation")
    policy = _policy(kit, house_caps=False)
    d = kit.decide(policy, _in_courtesy_call(kit, talk), datetime(2026, 3, 3, 10, tzinfo=NY))
    assert kit.by(d, "us_reg_f.1006.14(b)(2)(i)(B)").until == datetime(2026, 3, 9, 0, tzinfo=NY)
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 9, 8, tzinfo=NY)


# -- 1006.6(b)(2): represented by an attorney ------------------------------------------------


def test_us_reg_f_1006_6_b_2__no_contact_once_an_attorney_represents_the_debtor(kit: Any) -> None:
    lawyer = FactSet(at=datetime(2026, 3, 2, 9, tzinfo=NY), name="represented_by_attorney")
    d = kit.decide(
        _policy(kit), _in_courtesy_call(kit, lawyer), datetime(2026, 3, 3, 10, tzinfo=NY)
    )
    assert kit.by(d, "us_reg_f.1006.6(b)(2)").effect == "block"
    assert not d.actions


# -- 1006.6(c): cease ------------------------------------------------------------------------


def test_us_reg_f_1006_6_c__a_written_cease_request_ends_contact(kit: Any) -> None:
    cease = CeaseRequested(at=datetime(2026, 3, 2, 9, tzinfo=NY))
    d = kit.decide(_policy(kit), _in_courtesy_call(kit, cease), datetime(2026, 3, 3, 10, tzinfo=NY))
    assert kit.by(d, "us_reg_f.1006.6(c)").code == "ceased"
    assert not d.actions


# -- 1006.14(h): media opt-out ---------------------------------------------------------------


def test_us_reg_f_1006_14_h__an_sms_opt_out_blocks_texts_only(kit: Any) -> None:
    opt = OptedOut(at=datetime(2026, 3, 2, 9, tzinfo=NY), channel="sms")
    d = kit.decide(_policy(kit), _in_courtesy_call(kit, opt), datetime(2026, 3, 3, 10, tzinfo=NY))
    reason = kit.by(d, "us_reg_f.1006.14(h)")
    assert (reason.effect, reason.code) == ("block", "opted_out")
    assert kit.action(d, "phone")
    assert all(a.channel != "sms" for a in d.actions)


# -- 1006.38(d)(2): dispute ------------------------------------------------------------------


def test_us_reg_f_1006_38_d_2__a_dispute_holds_collection_until_verification(kit: Any) -> None:
    dispute = DisputeOpened(at=datetime(2026, 3, 2, 9, tzinfo=NY), reason="not my debt")
    policy = _policy(kit)
    d = kit.decide(policy, _in_courtesy_call(kit, dispute), datetime(2026, 3, 3, 10, tzinfo=NY))
    reason = kit.by(d, "us_reg_f.1006.38(d)(2)")
    assert (reason.code, reason.citation.mark) == ("hold", "V")
    assert "within the validation period" in reason.citation.section
    assert d.status == "on_hold"
    assert d.debt_disputed is True
    assert "debt disputed" in d.explain()


def _scoped(kit: Any) -> Policy:
    ladder = kit.ladder(currency="USD", tags=US_TAGS, must_state=("identity",))
    # A host choosing the regulation's scope drops the reference ladder's own stricter hold.
    ladder = attrs.evolve(ladder, rules=tuple(r for r in ladder.rules if r.id != "dispute-hold"))
    ladder = _with_validation_notice(ladder)
    return kit.stack(ladder, reg_f(dispute_hold="validation_period"))


def _with_validation_notice(policy: Policy) -> Policy:
    notice = Step("letter", template="validation.notice", tags=US_TAGS, must_state=("identity",))
    verify = Step(
        "letter", template="dispute.verification", tags=US_TAGS, must_state=("identity",)
    )
    return attrs.evolve(
        policy,
        stages=tuple(
            attrs.evolve(s, steps=(*s.steps, notice, verify)) if s.id == "reminder" else s
            for s in policy.stages
        ),
    )


def _letter(template: str, at: datetime) -> ContactAttempted:
    return ContactAttempted(at=at, channel="letter", outcome="delivered", template=template)


def test_us_reg_f_1006_38_d_2__scoped_a_dispute_after_the_validation_period_holds_nothing(
    kit: Any,
) -> None:
    # Issue 14 item 4: with the regulation's scoping, a dispute made after the validation
    # period does not halt collection, though the decision still reports it as disputed.
    sent = _letter("validation.notice", datetime(2026, 2, 20, 10, tzinfo=NY))
    late = DisputeOpened(at=datetime(2026, 4, 1, 9, tzinfo=NY))
    acct = _in_courtesy_call(kit, sent, late)
    d = kit.decide(_scoped(kit), acct, datetime(2026, 4, 2, 10, tzinfo=NY))
    assert kit.silent(d, "us_reg_f.1006.38(d)(2)")
    assert d.debt_disputed is True
    assert d.actions


def test_us_reg_f_1006_38_d_2__scoped_a_dispute_within_the_period_halts_until_verification(
    kit: Any,
) -> None:
    sent = _letter("validation.notice", datetime(2026, 2, 20, 10, tzinfo=NY))
    early = DisputeOpened(at=datetime(2026, 3, 2, 9, tzinfo=NY))
    now = datetime(2026, 3, 3, 10, tzinfo=NY)
    d = kit.decide(_scoped(kit), _in_courtesy_call(kit, sent, early), now)
    assert kit.by(d, "us_reg_f.1006.38(d)(2)").code == "dispute_hold"
    assert not [a for a in d.actions if a.template != "dispute.verification"]
    verified = _letter("dispute.verification", datetime(2026, 3, 3, 9, tzinfo=NY))
    d = kit.decide(_scoped(kit), _in_courtesy_call(kit, sent, early, verified), now)
    assert kit.silent(d, "us_reg_f.1006.38(d)(2)")
    assert d.debt_disputed is True


# -- 1006.30(a): before furnishing to a credit bureau -----------------------------------------


def _with_credit_report(policy: Policy) -> Policy:
    """The reference ladder plus a furnishing step in the formal-notice rung."""
    stages = tuple(
        attrs.evolve(s, steps=(*s.steps, Step("credit_report", template="bureau.furnish")))
        if s.id == "formal_notice"
        else s
        for s in policy.stages
    )
    return attrs.evolve(policy, stages=stages)


def test_us_reg_f_1006_30_a__no_furnishing_until_14_days_after_the_notice(kit: Any) -> None:
    policy = _with_credit_report(_policy(kit))
    notice = ContactAttempted(
        at=datetime(2026, 3, 2, 10, tzinfo=NY),
        channel="letter",
        outcome="delivered",
        template="validation.notice",
    )
    acct = kit.account(
        "America/New_York",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=NY)),
        notice,
        kit.entered("formal_notice", datetime(2026, 3, 9, 9, tzinfo=NY)),
        due=DUE,
        currency="USD",
        extra=(ContactPoint("credit_report", "bureau"),),
    )
    d = kit.decide(policy, acct, datetime(2026, 3, 10, 10, tzinfo=NY))
    furnish = kit.action(d, "credit_report")
    assert furnish.not_before == datetime(2026, 3, 16, 10, tzinfo=NY)
    assert kit.by(d, "us_reg_f.1006.30(a)").code == "prior_too_recent"


# -- 11 U.S.C. 362(a): the automatic stay ------------------------------------------------------


def test_us_reg_f_11usc362_a__a_bankruptcy_petition_stays_collection(kit: Any) -> None:
    petition = FactSet(at=datetime(2026, 3, 2, 9, tzinfo=NY), name="bankruptcy")
    d = kit.decide(
        _policy(kit), _in_courtesy_call(kit, petition), datetime(2026, 3, 3, 10, tzinfo=NY)
    )
    assert kit.by(d, "us_reg_f.11usc362(a)").effect == "block"
    assert not d.actions


# -- 1006.34(b)(5) and 50 U.S.C. 3931: the litigation rung --------------------------------------


def _litigation(kit: Any, *events: Any) -> Any:
    """In the litigation rung since 2026-07-01, legal review on file, lawyer's letter sent."""
    t = datetime(2026, 6, 1, 10, tzinfo=NY)
    return kit.account(
        "America/New_York",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=NY)),
        ContactAttempted(at=t, channel="letter", outcome="delivered", template="letter.lawyer"),
        AuthorisationGranted(at=t, authorisation="legal_review"),
        kit.entered("litigation", datetime(2026, 7, 1, 9, tzinfo=NY)),
        *events,
        due=DUE,
        currency="USD",
    )


def _notice(at: datetime) -> ContactAttempted:
    return ContactAttempted(
        at=at, channel="letter", outcome="delivered", template="validation.notice"
    )


def test_us_reg_f_1006_34_b_5__suit_waits_for_the_validation_period_over_july_4th(
    kit: Any,
) -> None:
    """Sent Thursday 2026-07-02: receipt is assumed five business days later, skipping the
    weekend and Friday 3 July (Independence Day observed): Friday 10 July.  The 30-day period
    ends on Sunday 9 August, so the claim may be filed from Monday 10 August."""
    checked = AuthorisationGranted(
        at=datetime(2026, 6, 2, 9, tzinfo=NY), authorisation="military_status_checked"
    )
    acct = _litigation(kit, checked, _notice(datetime(2026, 7, 2, 10, tzinfo=NY)))
    d = kit.decide(_policy(kit), acct, datetime(2026, 7, 20, 10, tzinfo=NY))
    reason = kit.by(d, "us_reg_f.1006.34(b)(5)")
    assert reason.until == datetime(2026, 8, 10, 0, 0, tzinfo=NY)
    assert "2026-08-09" in reason.message
    assert kit.action(d, "legal").not_before == datetime(2026, 8, 10, 0, 0, tzinfo=NY)


def test_us_reg_f_1006_34_b_5__no_validation_notice_no_suit(kit: Any) -> None:
    checked = AuthorisationGranted(
        at=datetime(2026, 6, 2, 9, tzinfo=NY), authorisation="military_status_checked"
    )
    d = kit.decide(_policy(kit), _litigation(kit, checked), datetime(2026, 7, 20, 10, tzinfo=NY))
    assert kit.by(d, "us_reg_f.1006.34(b)(5)").code == "notice_missing"


def test_us_reg_f_50usc3931__no_claim_before_the_military_status_check(kit: Any) -> None:
    acct = _litigation(kit, _notice(datetime(2026, 3, 2, 10, tzinfo=NY)))
    d = kit.decide(_policy(kit), acct, datetime(2026, 7, 20, 10, tzinfo=NY))
    assert kit.by(d, "us_reg_f.50usc3931").code == "not_authorised"
    checked = AuthorisationGranted(
        at=datetime(2026, 7, 20, 9, tzinfo=NY), authorisation="military_status_checked"
    )
    acct = _litigation(kit, _notice(datetime(2026, 3, 2, 10, tzinfo=NY)), checked)
    d = kit.decide(_policy(kit), acct, datetime(2026, 7, 20, 10, tzinfo=NY))
    assert kit.action(d, "legal").not_before == datetime(2026, 7, 20, 10, tzinfo=NY)


# -- content: 1006.18(e), 1006.6(e), 1006.22(f) ------------------------------------------------


def test_us_reg_f_1006_18_e__a_text_without_the_mini_miranda_is_blocked(kit: Any) -> None:
    policy = _policy(kit, tags=("opt_out_notice",))
    d = kit.decide(policy, _in_courtesy_call(kit), datetime(2026, 3, 3, 10, tzinfo=NY))
    reason = kit.by(d, "us_reg_f.1006.18(e)")
    assert (reason.effect, reason.code) == ("block", "missing_disclosure")
    assert "debt_collector_notice" in reason.message


def test_us_reg_f_1006_6_e__electronic_messages_state_how_to_opt_out(kit: Any) -> None:
    policy = _policy(kit, tags=("debt_collector_notice",))
    d = kit.decide(policy, _in_courtesy_call(kit), datetime(2026, 3, 3, 10, tzinfo=NY))
    assert kit.by(d, "us_reg_f.1006.6(e)").code == "missing_disclosure"
    assert kit.action(d, "phone")  # a call needs no opt-out notice
    assert all(a.channel != "sms" for a in d.actions)


def test_us_reg_f_1006_22_f__a_postcard_template_is_never_sent(kit: Any) -> None:
    policy = _policy(kit, tags=(*US_TAGS, "postcard"))
    d = kit.decide(policy, _in_courtesy_call(kit), datetime(2026, 3, 3, 10, tzinfo=NY))
    assert kit.by(d, "us_reg_f.1006.22(f)").code == "forbidden_content"
    assert not d.actions


# -- 1006.100: record retention ----------------------------------------------------------------


def test_us_reg_f_1006_100__records_are_kept_three_years_after_the_last_contact(kit: Any) -> None:
    last = kit.call(datetime(2026, 3, 2, 10, tzinfo=NY))
    d = kit.decide(_policy(kit), _in_courtesy_call(kit, last), datetime(2026, 3, 3, 10, tzinfo=NY))
    assert d.retain_until == date(2029, 3, 2)
    assert "keep records until: 2029-03-02" in d.explain()


# -- the preset as a whole ---------------------------------------------------------------------


def test_us_reg_f_sms_cap__the_preset_warns_until_a_house_sms_cap_is_stated(kit: Any) -> None:
    with pytest.warns(PresetWarning, match=r"us_reg_f\.sms_cap"):
        with_presets(kit.ladder(), "us_reg_f")
    house = FrequencyCap(
        "us_reg_f.sms_cap",
        max_contacts=3,
        per="7d",
        channels=("sms",),
        citation=Citation("house SMS cap", mark="house"),
    )
    base = kit.ladder()
    quiet = attrs.evolve(base, rules=(*base.rules, house))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", PresetWarning)
        with_presets(quiet, "us_reg_f")


def test_us_reg_f_calendar__business_days_are_us_federal_ones(kit: Any) -> None:
    policy = _policy(kit)
    assert not policy.calendar.is_business_day(date(2026, 7, 3))  # Independence Day observed
    assert policy.calendar.is_business_day(date(2026, 7, 6))


def test_us_reg_f__stacks_on_the_reference_ladder_without_changing_its_stages(kit: Any) -> None:
    ref = kit.ladder()
    policy = _policy(kit)
    assert [s.id for s in policy.stages] == [s.id for s in ref.stages]
    assert policy.presets == ("us_reg_f",)
    assert isinstance(policy.stages[0], Stage)


# -- 1006.6(b)(1)(i), conflicting locations ------------------------------------------------------


def test_us_reg_f_1006_6_b_1_i_all_locations__new_york_account_los_angeles_address(
    kit: Any,
) -> None:
    """Declared New York, address in Los Angeles: 08:00-21:00 in both is 11:00-21:00 New York."""
    acct = attrs.evolve(_in_courtesy_call(kit), address_timezone="America/Los_Angeles")
    d = kit.decide(_policy(kit), acct, datetime(2026, 3, 10, 9, 30, tzinfo=NY))
    assert kit.action(d, "sms").not_before == datetime(2026, 3, 10, 11, 0, tzinfo=NY)
    reason = kit.by(d, "us_reg_f.1006.6(b)(1)(i).all_locations")
    assert "[unverified]" in reason.render()


def test_us_reg_f_1006_6_b_1_i__the_debtors_consent_lifts_the_hours_but_not_the_house_rule(
    kit: Any,
) -> None:
    from overdue.events import ConsentWaiver

    consent = ConsentWaiver(
        at=datetime(2026, 3, 9, 12, tzinfo=NY), rule_id="us_reg_f.1006.6(b)(1)(i)"
    )
    at = datetime(2026, 3, 10, 7, 0, tzinfo=NY)
    d = kit.decide(_policy(kit), _in_courtesy_call(kit, consent), at)
    # the preset's rule is lifted, the reference's own (house) contact hours are not
    assert kit.action(d, "sms").not_before == datetime(2026, 3, 10, 8, 0, tzinfo=NY)
    assert kit.by(d, "contact-hours").effect == "defer"
    assert all(
        r.effect != "defer" for r in kit.reasons(d) if r.rule_id == "us_reg_f.1006.6(b)(1)(i)"
    )


def test_us_reg_f_1006_14_b_2_i_a__calls_within_7_days_of_consent_do_not_count(kit: Any) -> None:
    from overdue.events import ConsentWaiver

    consent = ConsentWaiver(
        at=datetime(2026, 3, 2, 9, tzinfo=NY), rule_id="us_reg_f.1006.14(b)(2)(i)(A)"
    )
    calls = [kit.call(datetime(2026, 3, day, 10, tzinfo=NY)) for day in range(2, 9)]
    policy = _policy(kit, house_caps=False)
    acct = _in_courtesy_call(kit, consent, *calls)
    d = kit.decide(policy, acct, datetime(2026, 3, 8, 12, tzinfo=NY))
    assert kit.silent(d, "us_reg_f.1006.14(b)(2)(i)(A)")


def test_us_reg_f_1006_14_b_2_i_a__calls_that_never_connected_do_not_count(kit: Any) -> None:
    calls = [kit.call(datetime(2026, 3, day, 10, tzinfo=NY), "failed") for day in range(2, 9)]
    policy = _policy(kit, house_caps=False)
    d = kit.decide(policy, _in_courtesy_call(kit, *calls), datetime(2026, 3, 8, 12, tzinfo=NY))
    assert kit.silent(d, "us_reg_f.1006.14(b)(2)(i)(A)")


# -- 1006.10: location information from third parties --------------------------------------------


def _with_locate_call(policy: Policy) -> Policy:
    """The reference ladder plus a location call to a third party in the courtesy-call rung."""
    step = Step("phone", template="location.inquiry", party="third_party", id="locate")
    stages = tuple(
        attrs.evolve(s, steps=(*s.steps, step)) if s.id == "courtesy_call" else s
        for s in policy.stages
    )
    return attrs.evolve(policy, stages=stages)


NEIGHBOUR = "+1 617 555 0199"


def test_us_reg_f_1006_10__one_location_call_per_person_never_saying_debt(kit: Any) -> None:
    policy = _with_locate_call(_policy(kit, house_caps=False))
    extra = (ContactPoint("phone", NEIGHBOUR, is_debtor=False, label="neighbour"),)
    acct = kit.account(
        "America/New_York",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=NY)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=NY)),
        due=DUE,
        currency="USD",
        extra=extra,
    )
    d = kit.decide(policy, acct, datetime(2026, 3, 3, 10, tzinfo=NY))
    locate = next(a for a in d.actions if a.template == "location.inquiry")
    assert locate.party == "third_party"
    assert locate.discloses_debt is False
    asked = ContactAttempted(
        at=datetime(2026, 3, 3, 10, tzinfo=NY),
        channel="phone",
        outcome="conversation",
        template="location.inquiry",
        contact_point=NEIGHBOUR,
        party="third_party",
    )
    acct = attrs.evolve(acct, events=(*acct.events, asked))
    d = kit.decide(policy, acct, datetime(2026, 3, 5, 10, tzinfo=NY))
    assert kit.by(d, "us_reg_f.1006.10").code == "third_party_limit"
    assert all(a.template != "location.inquiry" for a in d.actions)


# -- issue 14, the citation audit's findings --------------------------------------------------


def test_us_reg_f_1006_14_b_2_i_a__calls_tagged_with_their_debt_id_still_count(kit: Any) -> None:
    # Audit cross-cutting finding 1: seven calls recorded with debt_id="LOAN-1" deferred
    # nothing; "a particular debt" is the account's own, tagged or not.
    calls = [
        kit.call(datetime(2026, 3, day, 10, tzinfo=NY), debt_id="LOAN-1") for day in range(2, 9)
    ]
    policy = _policy(kit, house_caps=False)
    d = kit.decide(policy, _in_courtesy_call(kit, *calls), datetime(2026, 3, 8, 12, tzinfo=NY))
    cap = kit.by(d, "us_reg_f.1006.14(b)(2)(i)(A)")
    assert (cap.until, cap.citation.mark) == (datetime(2026, 3, 9, tzinfo=NY), "V")
    assert "seven times within seven consecutive days" in cap.citation.section


def test_us_reg_f_1006_14_b_2_i_a__ai_voice_calls_count_as_calls(kit: Any) -> None:
    # Audit cross-cutting finding 2: an AI or prerecorded call logged as ai_voice escaped.
    calls = [
        ContactAttempted(
            at=datetime(2026, 3, day, 10, tzinfo=NY), channel="ai_voice", outcome="no_answer"
        )
        for day in range(2, 9)
    ]
    policy = _policy(kit, house_caps=False)
    d = kit.decide(policy, _in_courtesy_call(kit, *calls), datetime(2026, 3, 8, 12, tzinfo=NY))
    assert kit.by(d, "us_reg_f.1006.14(b)(2)(i)(A)").until == datetime(2026, 3, 9, tzinfo=NY)


def _ai_voice(policy: Policy) -> Policy:
    """``policy`` whose courtesy call is placed by an AI voice."""
    return attrs.evolve(
        policy,
        stages=tuple(
            attrs.evolve(
                s,
                steps=tuple(
                    attrs.evolve(x, channel="ai_voice", fallback=None)
                    if x.channel == "phone"
                    else x
                    for x in s.steps
                ),
            )
            for s in policy.stages
        ),
    )


def test_us_reg_f_1006_6_b_1_i__an_ai_voice_call_waits_for_0800_too(kit: Any) -> None:
    ladder = _ai_voice(kit.ladder(currency="USD", tags=US_TAGS, must_state=("identity",)))
    policy = kit.stack(ladder, "us_reg_f")
    acct = attrs.evolve(
        _in_courtesy_call(kit),
        contacts=(
            *_in_courtesy_call(kit).contacts,
            ContactPoint("ai_voice", "+1 617 555 0100"),
        ),
    )
    d = kit.decide(policy, acct, datetime(2026, 3, 3, 7, 0, tzinfo=NY))
    assert kit.by(d, "us_reg_f.1006.6(b)(1)(i)").until == datetime(2026, 3, 3, 8, 0, tzinfo=NY)
    assert kit.action(d, "ai_voice").not_before == datetime(2026, 3, 3, 8, 0, tzinfo=NY)


def test_us_reg_f_1006_14_h__a_letter_opt_out_stops_letters_but_those_the_law_requires(
    kit: Any,
) -> None:
    # Audit row 7: every letter used to be exempt; only (h)(2)(iii) "if otherwise required by
    # applicable law" is.  The formal notice falls back to a letter when e-mail is opted out.
    opts = (
        OptedOut(at=datetime(2026, 3, 2, 9, tzinfo=NY), channel="email"),
        OptedOut(at=datetime(2026, 3, 2, 9, tzinfo=NY), channel="letter"),
    )
    acct = kit.account(
        "America/New_York",
        kit.entered("formal_notice", datetime(2026, 3, 3, 9, tzinfo=NY)),
        *opts,
        due=DUE,
        currency="USD",
    )
    now = datetime(2026, 3, 3, 10, tzinfo=NY)
    d = kit.decide(_policy(kit), acct, now)
    (blocked,) = [b for b in d.blocked if b.step == "notice.formal"]
    assert {r.rule_id for r in blocked.reasons} == {"us_reg_f.1006.14(h)", "opt-out"}
    rule = next(r for r in _policy(kit).rules if r.id == "us_reg_f.1006.14(h)")
    assert "letter" not in rule.exempt  # type: ignore[attr-defined]
    assert "required_by_law" in rule.exempt_tags  # type: ignore[attr-defined]
    required = _policy(kit, tags=(*US_TAGS, "required_by_law"))
    reg_f_only = attrs.evolve(required, rules=tuple(r for r in required.rules if r.id != "opt-out"))
    d = kit.decide(reg_f_only, acct, now)
    assert kit.silent(d, "us_reg_f.1006.14(h)")
    assert kit.action(d, "email")


def test_us_reg_f_1006_6_e__in_app_messages_carry_the_opt_out_line_too(kit: Any) -> None:
    # Audit row 11: "any other electronic medium that uses a specific electronic address".
    policy = _policy(kit, tags=("debt_collector_notice",))
    acct = kit.account(
        "America/New_York",
        kit.entered("reminder", datetime(2026, 3, 3, 9, tzinfo=NY)),
        due=DUE,
        currency="USD",
    )
    d = kit.decide(policy, acct, datetime(2026, 3, 3, 10, tzinfo=NY))
    (blocked,) = [b for b in d.blocked if b.step == "reminder.in_app"]
    assert any(r.rule_id == "us_reg_f.1006.6(e)" for r in blocked.reasons)


def test_us_reg_f_1006_100__records_kept_three_years_read_in_the_text(kit: Any) -> None:
    last = kit.call(datetime(2026, 3, 2, 10, tzinfo=NY))
    d = kit.decide(_policy(kit), _in_courtesy_call(kit, last), datetime(2026, 3, 3, 10, tzinfo=NY))
    assert d.retain_until == date(2029, 3, 2)
    rule = next(r for r in _policy(kit).rules if r.id == "us_reg_f.1006.100")
    assert rule.citation.mark == "V"  # type: ignore[attr-defined]
    assert "last collection activity" in rule.citation.section  # type: ignore[attr-defined]
