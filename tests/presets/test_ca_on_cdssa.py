"""ca_on_cdssa on the seed's reference ladder: one scenario per rule, named after it.

The reference ladder gets the written notice Ontario requires first ('collection.notice', a
letter in the reminder rung), as an Ontario host's ladder would.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from overdue import Policy, Step
from overdue.events import ConsentWaiver, ContactAttempted
from overdue.presets.ca import NOTICE_TEMPLATE

TOR = ZoneInfo("America/Toronto")
DUE = date(2026, 2, 15)


def _on(kit: Any, *, notice: bool = True, **kw: Any) -> Policy:
    ladder = kit.ladder(currency="CAD", **kw)
    if notice:
        letter = Step("letter", template=NOTICE_TEMPLATE)
        ladder = attrs.evolve(
            ladder,
            stages=tuple(
                attrs.evolve(s, steps=(letter, *s.steps)) if s.id == "reminder" else s
                for s in ladder.stages
            ),
        )
    return kit.stack(ladder, "ca_on_cdssa")


def _notice(day: int) -> ContactAttempted:
    return _notice_on(date(2026, 2, day))


def _courtesy_call(kit: Any, *events: Any) -> Any:
    return kit.account(
        "America/Toronto",
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=TOR)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=TOR)),
        *events,
        due=DUE,
        currency="CAD",
    )


def test_ca_on_cdssa_21_notice_first__nothing_but_the_notice_before_it_is_sent(kit: Any) -> None:
    acct = kit.account(
        "America/Toronto", kit.entered("reminder", datetime(2026, 3, 2, 9, tzinfo=TOR)), due=DUE
    )
    d = kit.decide(_on(kit), acct, datetime(2026, 3, 2, 10, tzinfo=TOR))
    assert [a.template for a in d.actions] == [NOTICE_TEMPLATE]
    assert kit.by(d, "ca_on_cdssa.21.notice_first").code == "missing_prior"


def test_ca_on_cdssa_21_notice_first__six_days_after_the_notice(kit: Any) -> None:
    d = kit.decide(_on(kit), _courtesy_call(kit, _notice(27)), datetime(2026, 3, 3, 10, tzinfo=TOR))
    reason = kit.by(d, "ca_on_cdssa.21.notice_first")
    assert reason.until == datetime(2026, 3, 5, 10, tzinfo=TOR)
    assert reason.citation.mark == "S"


def _spoken(day: int, hour: int, channel: str = "phone") -> ContactAttempted:
    return ContactAttempted(
        at=datetime(2026, 3, day, hour, tzinfo=TOR), channel=channel, outcome="conversation"
    )


def test_ca_on_cdssa_22_three_in_seven__a_fourth_contact_waits(kit: Any) -> None:
    made = [_spoken(9, 10), _spoken(10, 10, "email"), _spoken(11, 10, "sms")]
    acct = _courtesy_call(kit, _notice(20), *made)
    d = kit.decide(_on(kit, house_caps=False), acct, datetime(2026, 3, 12, 10, tzinfo=TOR))
    assert kit.by(d, "ca_on_cdssa.22.three_in_seven").until == datetime(
        2026, 3, 16, 0, 0, tzinfo=TOR
    )


def test_ca_on_cdssa_22_three_in_seven__letters_and_consented_contact_do_not_count(
    kit: Any,
) -> None:
    letters = [
        ContactAttempted(
            at=datetime(2026, 3, d, 10, tzinfo=TOR), channel="letter", outcome="delivered"
        )
        for d in (9, 10, 11)
    ]
    agreed = ConsentWaiver(
        at=datetime(2026, 3, 9, 9, tzinfo=TOR), rule_id="ca_on_cdssa.22.three_in_seven"
    )
    calls = [_spoken(9, 10), _spoken(10, 10), _spoken(11, 10)]
    acct = _courtesy_call(kit, _notice(20), *letters, agreed, *calls)
    d = kit.decide(_on(kit, house_caps=False), acct, datetime(2026, 3, 12, 10, tzinfo=TOR))
    assert kit.silent(d, "ca_on_cdssa.22.three_in_seven")


def test_ca_on_cdssa_hours_mon_sat__no_call_at_0630_on_a_saturday(kit: Any) -> None:
    d = kit.decide(
        _on(kit), _courtesy_call(kit, _notice(20)), datetime(2026, 3, 7, 6, 30, tzinfo=TOR)
    )
    assert kit.by(d, "ca_on_cdssa.hours_mon_sat").until == datetime(2026, 3, 7, 7, 0, tzinfo=TOR)


def test_ca_on_cdssa_hours_sunday__only_between_1300_and_1700(kit: Any) -> None:
    d = kit.decide(
        _on(kit), _courtesy_call(kit, _notice(20)), datetime(2026, 3, 8, 10, 0, tzinfo=TOR)
    )
    assert kit.by(d, "ca_on_cdssa.hours_sunday").until == datetime(2026, 3, 8, 13, 0, tzinfo=TOR)
    assert kit.silent(d, "ca_on_cdssa.hours_mon_sat")
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 8, 13, 0, tzinfo=TOR)
    # Saturday 21:30: the Sunday window opens at 13:00, not at 07:00.
    d = kit.decide(
        _on(kit), _courtesy_call(kit, _notice(20)), datetime(2026, 3, 7, 21, 30, tzinfo=TOR)
    )
    assert kit.action(d, "phone").not_before == datetime(2026, 3, 8, 13, 0, tzinfo=TOR)


def test_ca_on_cdssa_holidays__no_contact_on_family_day_but_on_an_ordinary_saturday(
    kit: Any,
) -> None:
    # Monday 16 February 2026 is Family Day in Ontario: the call waits for Tuesday 07:00
    # under Reg. 74 (08:00 under the reference ladder's own hours).
    acct = kit.account(
        "America/Toronto",
        kit.entered("reminder", datetime(2026, 2, 2, 9, tzinfo=TOR)),
        kit.entered("courtesy_call", datetime(2026, 2, 15, 9, tzinfo=TOR)),
        _notice_on(date(2026, 2, 2)),
        due=date(2026, 1, 15),
        currency="CAD",
    )
    d = kit.decide(_on(kit), acct, datetime(2026, 2, 16, 10, tzinfo=TOR))
    reason = kit.by(d, "ca_on_cdssa.holidays")
    assert (reason.until, reason.citation.mark) == (datetime(2026, 2, 17, 0, 0, tzinfo=TOR), "U")
    assert kit.action(d, "phone").not_before == datetime(2026, 2, 17, 8, 0, tzinfo=TOR)
    d = kit.decide(_on(kit), acct, datetime(2026, 2, 21, 10, tzinfo=TOR))
    assert kit.silent(d, "ca_on_cdssa.holidays")


def _notice_on(day: date) -> ContactAttempted:
    return ContactAttempted(
        at=datetime(day.year, day.month, day.day, 10, tzinfo=TOR),
        channel="letter",
        outcome="delivered",
        template=NOTICE_TEMPLATE,
    )
