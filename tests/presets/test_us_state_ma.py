"""us_state_ma: the Massachusetts overlay, alone (a creditor) and on us_reg_f (a collector).

The debtor lives in Boston (America/New_York) and owes one debt; the reference ladder's own
house caps are left out where they would hide the overlay's (they are stricter still).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from overdue.account import ContactPoint
from overdue.events import AuthorisationGranted, ContactAttempted

NY = ZoneInfo("America/New_York")
DUE = date(2026, 2, 15)
US_TAGS = ("debt_collector_notice", "opt_out_notice")


def _courtesy_call(kit: Any, *events: Any) -> Any:
    return kit.account(
        "America/New_York",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=NY)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=NY)),
        *events,
        due=DUE,
        currency="USD",
    )


def _ladder(kit: Any, **kw: Any) -> Any:
    return kit.ladder(
        currency="USD", house_caps=False, tags=US_TAGS, must_state=("identity",), **kw
    )


def test_us_state_ma_940cmr7_04_1_f__two_calls_in_seven_days_per_debt(kit: Any) -> None:
    calls = [
        kit.call(datetime(2026, 3, 2, 10, tzinfo=NY)),
        kit.call(datetime(2026, 3, 3, 10, tzinfo=NY)),
    ]
    policy = kit.stack(_ladder(kit), "us_state_ma")
    d = kit.decide(policy, _courtesy_call(kit, *calls), datetime(2026, 3, 4, 10, tzinfo=NY))
    assert kit.by(d, "us_state_ma.940cmr7.04(1)(f)").until == datetime(2026, 3, 9, 0, 0, tzinfo=NY)
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 9, 8, 0, tzinfo=NY)


def test_us_state_ma_940cmr7_04_1_f__the_overlay_is_stricter_than_reg_f_alone(kit: Any) -> None:
    """The same two calls: Reg F alone allows a third on Wednesday, the MA overlay does not."""
    calls = [
        kit.call(datetime(2026, 3, 2, 10, tzinfo=NY)),
        kit.call(datetime(2026, 3, 3, 10, tzinfo=NY)),
    ]
    acct = _courtesy_call(kit, *calls)
    at = datetime(2026, 3, 4, 10, tzinfo=NY)
    federal = kit.stack(_ladder(kit), "us_reg_f")
    both = kit.stack(_ladder(kit), "us_reg_f", "us_state_ma")
    assert both.presets == ("us_reg_f", "us_state_ma")
    assert kit.action(kit.decide(federal, acct, at), "phone").not_before == at
    stacked = kit.decide(both, acct, at)
    assert kit.action(stacked, "phone").not_before == datetime(2026, 3, 9, 8, 0, tzinfo=NY)
    assert kit.silent(stacked, "us_reg_f.1006.14(b)(2)(i)(A)")


def test_us_state_ma_940cmr7_04_1_f__texts_count_with_calls(kit: Any) -> None:
    sms = ContactAttempted(
        at=datetime(2026, 3, 2, 10, tzinfo=NY), channel="sms", outcome="delivered"
    )
    calls = [sms, kit.call(datetime(2026, 3, 3, 10, tzinfo=NY))]
    policy = kit.stack(_ladder(kit), "us_state_ma")
    d = kit.decide(policy, _courtesy_call(kit, *calls), datetime(2026, 3, 4, 10, tzinfo=NY))
    # the call goes out first, on Monday 9 March; it counts too, so the text waits a day more
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 9, 8, 0, tzinfo=NY)
    assert kit.action(d, "sms").not_before == datetime(2026, 3, 10, 8, 0, tzinfo=NY)


def test_us_state_ma_940cmr7_04_hours__no_creditor_call_at_2130_in_boston(kit: Any) -> None:
    policy = kit.stack(_ladder(kit), "us_state_ma")
    d = kit.decide(policy, _courtesy_call(kit), datetime(2026, 3, 4, 21, 30, tzinfo=NY))
    assert kit.by(d, "us_state_ma.940cmr7.04.hours").until == datetime(2026, 3, 5, 8, 0, tzinfo=NY)
    assert "209 CMR 18.16" in d.explain()


def test_us_state_ma_940cmr7_04_hours__cover_every_communication_not_only_calls(kit: Any) -> None:
    # Audit row 15: 209 CMR 18.16(1)(a) speaks of "communicating", so an e-mail at 21:30 waits
    # too (the overlay used to cover phone and SMS only).
    policy = kit.stack(_ladder(kit), "us_state_ma")
    acct = kit.account(
        "America/New_York",
        kit.entered("formal_notice", datetime(2026, 3, 4, 21, 0, tzinfo=NY)),
        due=DUE,
        currency="USD",
    )
    d = kit.decide(policy, acct, datetime(2026, 3, 4, 21, 30, tzinfo=NY))
    email = kit.action(d, "email")
    assert any(r.rule_id == "us_state_ma.940cmr7.04.hours" for r in email.reasons)
    assert email.not_before == datetime(2026, 3, 5, 8, 0, tzinfo=NY)
    rule = next(r for r in policy.rules if r.id == "us_state_ma.940cmr7.04.hours")
    for channel in ("phone", "ai_voice", "sms", "email", "in_app", "field_visit"):
        assert channel in rule.channels, channel  # type: ignore[attr-defined]


def test_us_state_ma_visits__one_field_visit_per_30_days(kit: Any) -> None:
    policy = kit.stack(_ladder(kit, field_visit=True), "us_state_ma")
    visit = ContactAttempted(
        at=datetime(2026, 3, 10, 11, tzinfo=NY), channel="field_visit", outcome="no_answer"
    )
    acct = kit.account(
        "America/New_York",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=NY)),
        AuthorisationGranted(at=datetime(2026, 3, 1, 9, tzinfo=NY), authorisation="field_visit"),
        visit,
        kit.entered("field_visit", datetime(2026, 3, 20, 9, tzinfo=NY)),
        due=DUE,
        currency="USD",
    )
    d = kit.decide(policy, acct, datetime(2026, 3, 20, 10, tzinfo=NY))
    reason = kit.by(d, "us_state_ma.visits")
    assert reason.until == datetime(2026, 4, 9, 0, 0, tzinfo=NY)
    # Audit row 16: the collectors' rule is 209 CMR 18.17(6), read in the text: V.
    assert (reason.citation.instrument, reason.citation.mark) == ("209 CMR 18.17(6)", "V")


def test_us_state_ma_940cmr7_04_1_f__ai_voice_and_debt_tagged_calls_count(kit: Any) -> None:
    # Audit row 14 and cross-cutting findings 1-2: a "recorded audio message" logged as
    # ai_voice, and a call tagged with its debt id, both count toward the 2 in 7.
    calls = [
        ContactAttempted(
            at=datetime(2026, 3, 2, 10, tzinfo=NY),
            channel="ai_voice",
            outcome="no_answer",
            debt_id="LOAN-1",
        ),
        kit.call(datetime(2026, 3, 3, 10, tzinfo=NY), debt_id="LOAN-1"),
    ]
    policy = kit.stack(_ladder(kit), "us_state_ma")
    d = kit.decide(policy, _courtesy_call(kit, *calls), datetime(2026, 3, 4, 10, tzinfo=NY))
    assert kit.by(d, "us_state_ma.940cmr7.04(1)(f)").until == datetime(2026, 3, 9, 0, 0, tzinfo=NY)


def _one_number(kit: Any, kind: str, *events: Any) -> Any:
    """The debtor with one phone number of class ``kind`` (and an e-mail)."""
    return kit.account(
        "America/New_York",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=NY)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=NY)),
        *events,
        due=DUE,
        currency="USD",
        contacts=(
            ContactPoint("phone", WORK_NUMBER, kind=kind),
            ContactPoint("email", "debtor@example.com"),
        ),
    )


WORK_NUMBER = "+1 617 555 0199"


def test_us_state_ma_940cmr7_04_1_f_other__two_calls_in_thirty_days_to_a_work_number(
    kit: Any,
) -> None:
    """209 CMR 18.16(1)(d): two communications in each 30-day period other than at the
    consumer's residence.  Calls on 2 and 12 March to the work number: the next waits until the
    first leaves the 30 local days (1 April), although seven days have long passed."""
    calls = [
        kit.call(datetime(2026, 3, 2, 10, tzinfo=NY), contact_point=WORK_NUMBER),
        kit.call(datetime(2026, 3, 12, 10, tzinfo=NY), contact_point=WORK_NUMBER),
    ]
    policy = kit.stack(_ladder(kit), "us_state_ma")
    d = kit.decide(policy, _one_number(kit, "work", *calls), datetime(2026, 3, 20, 10, tzinfo=NY))
    reason = kit.by(d, "us_state_ma.940cmr7.04(1)(f).other")
    assert reason.until == datetime(2026, 4, 1, 0, 0, tzinfo=NY)
    assert kit.action(d, "phone").not_before == datetime(2026, 4, 1, 8, 0, tzinfo=NY)
    assert kit.silent(d, "us_state_ma.940cmr7.04(1)(f)")  # the 2-in-7 is for home and mobile


def test_us_state_ma_940cmr7_04_1_f_other__a_mobile_number_keeps_the_seven_day_cap(
    kit: Any,
) -> None:
    """The same two calls to a mobile number: the 2-in-7 cap is long satisfied, so the call
    goes now, and the 30-day cap for other numbers does not apply."""
    calls = [
        kit.call(datetime(2026, 3, 2, 10, tzinfo=NY), contact_point=WORK_NUMBER),
        kit.call(datetime(2026, 3, 12, 10, tzinfo=NY), contact_point=WORK_NUMBER),
    ]
    policy = kit.stack(_ladder(kit), "us_state_ma")
    at = datetime(2026, 3, 20, 10, tzinfo=NY)
    d = kit.decide(policy, _one_number(kit, "mobile", *calls), at)
    assert kit.action(d, "phone").not_before == at
    assert kit.silent(d, "us_state_ma.940cmr7.04(1)(f).other")
