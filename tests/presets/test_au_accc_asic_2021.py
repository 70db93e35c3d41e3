"""au_accc_asic_2021 on the seed's reference ladder: one scenario per rule, named after it.

The debtor is in Australia/Sydney; the reference ladder's house caps are dropped where a test
is about the guideline's own caps.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from overdue import Policy
from overdue.events import ContactAttempted, FactSet

SYD = ZoneInfo("Australia/Sydney")
DUE = date(2026, 2, 15)


def _au(kit: Any, **kw: Any) -> Policy:
    return kit.stack(kit.ladder(currency="AUD", **kw), "au_accc_asic_2021")


def _courtesy_call(kit: Any, *events: Any, zone: str | None = "Australia/Sydney") -> Any:
    return kit.account(
        zone,
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=SYD)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=SYD)),
        *events,
        due=DUE,
        currency="AUD",
    )


def test_au_accc_asic_2021_4_phone_weekdays__no_call_at_0715_on_a_tuesday(kit: Any) -> None:
    d = kit.decide(_au(kit), _courtesy_call(kit), datetime(2026, 3, 3, 7, 15, tzinfo=SYD))
    reason = kit.by(d, "au_accc_asic_2021.4.phone_weekdays")
    assert reason.until == datetime(2026, 3, 3, 7, 30, tzinfo=SYD)
    assert reason.citation.mark == "V"
    # 07:30 on a weekday is inside the guideline's window (the house rule says 08:00).
    own = _au(kit, house_caps=False)
    hours_free = attrs.evolve(own, rules=tuple(r for r in own.rules if r.id != "contact-hours"))
    d = kit.decide(hours_free, _courtesy_call(kit), datetime(2026, 3, 3, 7, 15, tzinfo=SYD))
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 3, 7, 30, tzinfo=SYD)


def test_au_accc_asic_2021_4_phone_weekends__a_saturday_0800_call_waits_until_0900(
    kit: Any,
) -> None:
    d = kit.decide(_au(kit), _courtesy_call(kit), datetime(2026, 3, 7, 8, 0, tzinfo=SYD))
    assert kit.by(d, "au_accc_asic_2021.4.phone_weekends").until == datetime(
        2026, 3, 7, 9, 0, tzinfo=SYD
    )
    assert kit.silent(d, "au_accc_asic_2021.4.phone_weekdays")
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 7, 9, 0, tzinfo=SYD)


def test_au_accc_asic_2021_4_face_to_face__no_visit_before_0900(kit: Any) -> None:
    rule = next(r for r in _au(kit).rules if r.id == "au_accc_asic_2021.4.face_to_face")
    assert rule.channels == frozenset({"field_visit"})  # type: ignore[attr-defined]
    assert rule.window == (  # type: ignore[attr-defined]
        datetime(2026, 3, 3, 9).time(),
        datetime(2026, 3, 3, 21).time(),
    )


def _answered(day: int, hour: int, channel: str = "phone") -> ContactAttempted:
    return ContactAttempted(
        at=datetime(2026, 3, day, hour, tzinfo=SYD), channel=channel, outcome="conversation"
    )


def test_au_accc_asic_2021_5_per_week__three_contacts_made_in_seven_days(kit: Any) -> None:
    made = [_answered(2, 10), _answered(3, 10, "sms"), _answered(4, 10, "email")]
    d = kit.decide(
        _au(kit, house_caps=False), _courtesy_call(kit, *made), datetime(2026, 3, 5, 10, tzinfo=SYD)
    )
    assert kit.by(d, "au_accc_asic_2021.5.per_week").until == datetime(2026, 3, 9, 0, 0, tzinfo=SYD)


def test_au_accc_asic_2021_5_per_week__unanswered_attempts_are_not_contact(kit: Any) -> None:
    tried = [
        ContactAttempted(
            at=datetime(2026, 3, d, 10, tzinfo=SYD), channel="phone", outcome="no_answer"
        )
        for d in (2, 3, 4)
    ]
    d = kit.decide(
        _au(kit, house_caps=False),
        _courtesy_call(kit, *tried),
        datetime(2026, 3, 5, 10, tzinfo=SYD),
    )
    assert kit.silent(d, "au_accc_asic_2021.5.per_week")


def test_au_accc_asic_2021_5_per_month__ten_contacts_in_a_month(kit: Any) -> None:
    made = [_answered(d, 10) for d in (2, 5, 9, 12, 16, 19, 23, 26)] + [
        _answered(30, 10),
        _answered(31, 10),
    ]
    d = kit.decide(
        _au(kit, house_caps=False),
        _courtesy_call(kit, *made),
        datetime(2026, 4, 1, 10, tzinfo=ZoneInfo("Australia/Sydney")),
    )
    cap = kit.by(d, "au_accc_asic_2021.5.per_month")
    assert cap.until == datetime(2026, 4, 2, 10, tzinfo=SYD)


def test_au_accc_asic_2021_9_represented__no_direct_contact_once_represented(kit: Any) -> None:
    rep = FactSet(at=datetime(2026, 3, 2, 9, tzinfo=SYD), name="represented")
    d = kit.decide(_au(kit), _courtesy_call(kit, rep), datetime(2026, 3, 3, 10, tzinfo=SYD))
    assert kit.by(d, "au_accc_asic_2021.9.represented").effect == "block"
    assert not d.actions


def test_au_accc_asic_2021__no_zone_means_no_contact(kit: Any) -> None:
    d = kit.decide(_au(kit), _courtesy_call(kit, zone=None), datetime(2026, 3, 3, 10, tzinfo=SYD))
    assert not [a for a in d.actions if a.channel in ("phone", "sms")]


def test_au_accc_asic_2021_4_public_holidays__no_call_on_australia_day(kit: Any) -> None:
    # Monday 26 January 2026 is Australia Day: "National public holidays: No contact
    # recommended"; the call waits for Tuesday, 07:30 under the guideline (08:00 under the
    # reference ladder's own house hours).
    acct = kit.account(
        "Australia/Sydney",
        kit.entered("courtesy_call", datetime(2026, 1, 25, 9, tzinfo=SYD)),
        due=date(2026, 1, 1),
        currency="AUD",
    )
    d = kit.decide(_au(kit), acct, datetime(2026, 1, 26, 10, tzinfo=SYD))
    reason = kit.by(d, "au_accc_asic_2021.4.public_holidays")
    assert reason.until == datetime(2026, 1, 27, 0, 0, tzinfo=SYD)
    assert kit.action(d, "phone").not_before == datetime(2026, 1, 27, 8, 0, tzinfo=SYD)
    # A Saturday that is no holiday is a calling day (09:00-21:00).
    d = kit.decide(_au(kit), acct, datetime(2026, 1, 31, 10, tzinfo=SYD))
    assert kit.silent(d, "au_accc_asic_2021.4.public_holidays")
