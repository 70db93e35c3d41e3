"""Contact hours when the debtor's zone comes from several sources (Reg F 1006.6(b)(1)(i)).

The debtor declared America/New_York, but their mobile's area code is in Los Angeles or
Phoenix: a call is convenient only when it is 08:00-21:00 in every one of those places.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.errors import OverdueError, PolicyError
from overdue.events import StageEntered
from overdue.rules import ContactHours

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
PHX = ZoneInfo("America/Phoenix")
CHI = ZoneInfo("America/Chicago")

ALL_SOURCES = ("account", "contact_point", "address")


def _policy(rule: ContactHours, assumed_zone: str | None = None) -> Policy:
    return Policy(
        "us",
        stages=(Stage("collection", steps=(Step("phone", template="call"),)),),
        rules=(rule,),
        assumed_zone=assumed_zone,
    )


def _account(
    timezone: str | None = "America/New_York",
    phone_zone: str | None = "America/Los_Angeles",
    address_timezone: str | None = None,
) -> Account:
    return Account(
        "US-7",
        timezone=timezone,
        address_timezone=address_timezone,
        contacts=[ContactPoint("phone", "+13105550100", timezone=phone_zone)],
        invoices=[Invoice("I-1", Money("500.00", "USD"), date(2026, 2, 1))],
        events=[StageEntered(at=datetime(2026, 2, 20, 12, tzinfo=NY), stage="collection")],
    )


def _next(policy: Policy, account: Account, now: datetime) -> datetime:
    d = decide(policy, account, now)
    assert d.actions, d.explain()
    return d.actions[0].not_before


INTERSECT = ContactHours("reg_f_hours", zone_sources=ALL_SOURCES)


def test_intersect_waits_until_it_is_eight_in_los_angeles() -> None:
    # Monday 2 March 09:00 in New York is 06:00 in Los Angeles: wait for 11:00 New York time.
    d = decide(_policy(INTERSECT), _account(), datetime(2026, 3, 2, 9, tzinfo=NY))
    action = d.actions[0]
    assert action.not_before == datetime(2026, 3, 2, 8, tzinfo=LA)
    assert action.not_before == datetime(2026, 3, 2, 11, tzinfo=NY)
    why = next(r for r in action.reasons if r.rule_id == "reg_f_hours")
    assert "06:00 PST" in why.message
    assert "every one of the debtor's zones" in why.message


def test_intersect_stops_at_nine_in_new_york() -> None:
    # 20:30 in Los Angeles is 23:30 in New York: the next common opening is 11:00 New York time.
    now = datetime(2026, 3, 2, 20, 30, tzinfo=LA)
    assert _next(_policy(INTERSECT), _account(), now) == datetime(2026, 3, 3, 11, tzinfo=NY)


def test_inside_both_windows_is_allowed_at_once() -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=NY)
    assert _next(_policy(INTERSECT), _account(), now) == now


def test_first_mode_uses_the_first_zone_found() -> None:
    rule = ContactHours("hours", zone_sources=ALL_SOURCES, zone_mode="first")
    now = datetime(2026, 3, 2, 9, tzinfo=NY)
    assert _next(_policy(rule), _account(), now) == now
    phone_first = ContactHours(
        "hours", zone_sources=("contact_point", "account"), zone_mode="first"
    )
    assert _next(_policy(phone_first), _account(), now) == datetime(2026, 3, 2, 11, tzinfo=NY)


def test_the_common_window_moves_when_only_one_zone_changes_its_clocks() -> None:
    # Phoenix keeps MST all year.  Friday 6 March (New York on EST): 08:00 Phoenix = 10:00 NY.
    # Monday 9 March (New York on EDT since Sunday): 08:00 Phoenix = 11:00 NY.
    account = _account(phone_zone="America/Phoenix")
    before = _next(_policy(INTERSECT), account, datetime(2026, 3, 6, 7, tzinfo=NY))
    after = _next(_policy(INTERSECT), account, datetime(2026, 3, 9, 7, tzinfo=NY))
    assert before == datetime(2026, 3, 6, 10, tzinfo=NY)
    assert after == datetime(2026, 3, 9, 11, tzinfo=NY)
    assert before.astimezone(PHX).hour == after.astimezone(PHX).hour == 8


def test_the_address_zone_is_a_source_and_the_engines_fallback() -> None:
    account = _account(timezone=None, phone_zone=None, address_timezone="America/Chicago")
    rule = ContactHours("hours", zone_sources=("account", "address"))
    d = decide(_policy(rule), account, datetime(2026, 3, 2, 7, 30, tzinfo=CHI))
    assert d.zone == "America/Chicago"
    assert d.actions[0].not_before == datetime(2026, 3, 2, 8, tzinfo=CHI)
    # The default rule (no zone_sources) follows the engine's zone, which falls back to it too.
    d = decide(_policy(ContactHours("hours")), account, datetime(2026, 3, 2, 7, 30, tzinfo=CHI))
    assert d.actions[0].not_before == datetime(2026, 3, 2, 8, tzinfo=CHI)


def test_an_address_in_another_zone_narrows_the_window() -> None:
    # Declared New York, address in Chicago: 08:00 Chicago is 09:00 New York.
    account = _account(phone_zone=None, address_timezone="America/Chicago")
    assert _next(_policy(INTERSECT), account, datetime(2026, 3, 2, 8, tzinfo=NY)) == datetime(
        2026, 3, 2, 9, tzinfo=NY
    )


def test_no_known_zone_blocks_with_a_clear_reason() -> None:
    account = _account(timezone=None, phone_zone=None)
    d = decide(_policy(INTERSECT), account, datetime(2026, 3, 2, 12, tzinfo=NY))
    assert d.status == "on_hold"
    assert not d.actions
    (reason,) = [r for r in d.blocked[0].reasons if r.effect == "block"]
    assert reason.code == "zone_unknown"
    assert "account, contact point, address" in reason.message


def test_no_known_zone_uses_the_zone_the_rule_assumes() -> None:
    rule = ContactHours("hours", zone_sources=ALL_SOURCES, on_unknown="America/New_York")
    account = _account(timezone=None, phone_zone=None)
    assert _next(_policy(rule), account, datetime(2026, 3, 2, 7, tzinfo=NY)) == datetime(
        2026, 3, 2, 8, tzinfo=NY
    )


def test_no_known_zone_uses_the_policys_assumed_zone_first() -> None:
    rule = ContactHours("hours", zone_sources=ALL_SOURCES, on_unknown="America/Los_Angeles")
    account = _account(timezone=None, phone_zone=None)
    policy = _policy(rule, assumed_zone="America/New_York")
    assert _next(policy, account, datetime(2026, 3, 2, 7, tzinfo=NY)) == datetime(
        2026, 3, 2, 8, tzinfo=NY
    )


def test_thirteen_hours_apart_the_common_window_is_two_hours() -> None:
    # 08:00-21:00 in Shanghai is 00:00-13:00 UTC; in New York (EST) 13:00-02:00 UTC: the
    # common window is 19:00-21:00 New York time.
    account = _account(phone_zone="Asia/Shanghai")
    now = datetime(2026, 3, 2, 12, tzinfo=NY)
    assert _next(_policy(INTERSECT), account, now) == datetime(2026, 3, 2, 19, tzinfo=NY)


def test_windows_that_never_overlap_block() -> None:
    # Office hours 09:00-17:00: 01:00-09:00 UTC in Shanghai, 14:00-22:00 UTC in New York.
    rule = ContactHours("office", window=(time(9), time(17)), zone_sources=ALL_SOURCES)
    account = _account(phone_zone="Asia/Shanghai")
    d = decide(_policy(rule), account, datetime(2026, 3, 2, 12, tzinfo=NY))
    assert [r.code for r in d.blocked[0].reasons if r.effect == "block"] == ["no_common_window"]


def test_refuses_unknown_sources_and_contradicting_assumptions() -> None:
    with pytest.raises(PolicyError, match="time-zone source"):
        ContactHours("h", zone_sources=("phone_area",))
    with pytest.raises(PolicyError, match="different zones"):
        ContactHours("h", assume_zone="Asia/Shanghai", on_unknown="America/New_York")
    with pytest.raises(OverdueError):
        ContactHours("h", on_unknown="Mars/Olympus_Mons")
    assert ContactHours("h", assume_zone="Asia/Shanghai", on_unknown="Asia/Shanghai")


def test_describe_says_how_zones_combine() -> None:
    text = ContactHours("h", window=(time(8), time(21)), zone_sources=ALL_SOURCES).describe()
    assert "in every zone of account, contact point, address" in text
    assert (
        "America/New_York when unknown"
        in ContactHours("h", on_unknown="America/New_York").describe()
    )
