"""ContactHours decides the common case (the debtor's one zone, inside the window) at once.

The shortcut must say exactly what the full check over the zones says, for any moment, any
window, any weekdays and either ``other_days``: both allow, or the full check objects.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from overdue import Account, ContactPoint, Invoice, Money, fold
from overdue.calendars import MON_FRI
from overdue.rules import ContactHours
from overdue.situation import Candidate, Situation

ZONES = ("America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe", "UTC")


@st.composite
def cases(draw: st.DrawFn) -> tuple[ContactHours, Candidate, datetime]:
    name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(name)
    start = draw(st.integers(0, 22))
    end = draw(st.integers(start + 1, 23))
    minute = draw(st.sampled_from((0, 30)))
    days = draw(st.none() | st.frozensets(st.integers(0, 6), min_size=1))
    other = draw(st.sampled_from(("closed", "open"))) if days is not None else "closed"
    rule = ContactHours(
        "hours",
        window=(time(start, minute), time(end)),
        weekdays=days,
        other_days=other,
    )
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 400)))
    acct = Account(
        "ACC-H",
        timezone=name,
        invoices=(Invoice("INV-1", Money("10", "EUR"), date(2025, 12, 1)),),
        contacts=(ContactPoint("sms", "+100"),),
    )
    s = Situation(acct, fold(acct, at), at, tz, "account", MON_FRI, at.date(), 0, None)
    cand = Candidate("s", "step", "sms", "t", 1, acct.contacts[0], s)
    return rule, cand, at


@settings(max_examples=300, deadline=None)
@given(cases())
def test_the_shortcut_agrees_with_the_full_check(
    case: tuple[ContactHours, Candidate, datetime],
) -> None:
    rule, cand, at = case
    full = rule._in_zones(cand, at, rule.zones_for(cand))
    assert rule.check(cand, at) == full


# Daylight-saving nights of the zones above (2026), where a window's start may not exist or
# may happen twice: the deferral's shortcut must still name the full check's opening.
_DST_NIGHTS = (
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 15, tzinfo=UTC),
    datetime(2026, 10, 3, 15, tzinfo=UTC),
)


@settings(max_examples=300, deadline=None)
@given(
    cases(),
    st.sampled_from(_DST_NIGHTS),
    st.integers(-60 * 48, 60 * 48),
    st.integers(0, 3),
    st.sampled_from((0, 30)),
)
def test_the_deferral_shortcut_agrees_on_daylight_saving_nights(
    case: tuple[ContactHours, Candidate, datetime],
    night: datetime,
    minutes: int,
    hour: int,
    minute: int,
) -> None:
    rule, cand, _ = case
    # A window opening in the small hours, where the gaps and folds are.
    rule = ContactHours(
        "hours",
        window=(time(hour, minute), time(max(hour + 1, rule.window[1].hour))),
        weekdays=rule.weekdays,
        other_days=rule.other_days,
    )
    at = night + timedelta(minutes=minutes)
    full = rule._in_zones(cand, at, rule.zones_for(cand))
    assert rule.check(cand, at) == full


@settings(max_examples=300, deadline=None)
@given(cases(), st.sampled_from(_DST_NIGHTS), st.integers(-60 * 48, 60 * 48), st.booleans())
def test_the_compiled_check_agrees_with_check(
    case: tuple[ContactHours, Candidate, datetime],
    night: datetime,
    minutes: int,
    near_a_night: bool,
) -> None:
    """``ContactHours.one_zone`` (what the compiled policy asks) says what ``check`` says, in
    the debtor's zone, with no zone known (assumed or not), and with its own zone sources."""
    rule, cand, at = case
    if near_a_night:
        at = night + timedelta(minutes=minutes)
    assert rule.one_zone()(cand, at) == rule.check(cand, at)
    unknown = attrs.evolve(cand, situation=attrs.evolve(cand.situation, tz=None))
    assert rule.one_zone()(unknown, at) == rule.check(unknown, at)
    for other in (
        attrs.evolve(rule, on_unknown="Europe/London"),
        attrs.evolve(rule, zone_sources=("contact_point", "account")),
    ):
        assert other.one_zone()(cand, at) == other.check(cand, at)
        assert other.one_zone()(unknown, at) == other.check(unknown, at)
