"""A minimum gap and a cool-down, looking back through what they keep per snapshot, say what
a pass over every contact on file says.

``MinimumGap`` and ``CoolDown`` keep in the snapshot's memo the instants of the contacts they
look back over (``frequency._gap_times``, ``_outcome_times``), so a check is a bisection and a
decision from a held snapshot does not grow with its history.  For any history (instants in
several zones, equal instants, debtor-initiated contacts), contacts planned earlier in the
decision, zone and moment, and whatever was asked of the snapshot before, every verdict must
be the one the pass over the contacts gives (issue 10).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from overdue import Account, ContactPoint, Invoice, Money, fold
from overdue._time import at_local
from overdue.calendars import MON_FRI
from overdue.events import ContactAttempted, Outcome
from overdue.rules import CoolDown, MinimumGap
from overdue.rules.base import Verdict
from overdue.rules.frequency import _add, _matching, _utc
from overdue.situation import Candidate, Situation

ZONES = (None, "America/New_York", "Asia/Shanghai", "Europe/London")
START = datetime(2026, 3, 1, tzinfo=UTC)
MINUTES = 60 * 24 * 30
DURATIONS = ("30min", "4h", "1d", "2d", "1w", "1mo")


def _scan_gap(rule: MinimumGap, candidate: Candidate, at: datetime) -> Verdict | None:
    """``MinimumGap.check`` as a pass over every contact on file (before the memo)."""
    chans = rule.count_channels if rule.count_channels is not None else rule.channels
    pool = _matching(candidate.situation.snapshot.contacts, chans)
    pool.extend(_matching(candidate.planned, chans))
    past = [_utc(c.at) for c in pool if _utc(c.at) <= _utc(at)]
    if not past:
        return None
    last = max(past)
    opens = _add(last, rule.gap, candidate.situation.tz)
    if _utc(at) >= opens:
        return None
    return rule.defer(
        "too_soon", f"the last contact was at {last.isoformat()}, minimum gap {rule.gap}", opens
    )


def _scan_cool(rule: CoolDown, candidate: Candidate, at: datetime) -> Verdict | None:
    """``CoolDown.check`` as a pass over every contact on file (before the memo)."""
    chans = rule.count_channels if rule.count_channels is not None else rule.channels
    last = None
    for c in candidate.situation.snapshot.contacts:
        if (
            c.outcome is rule.after
            and (chans is None or c.channel in chans)
            and _utc(c.at) <= _utc(at)
        ):
            last = c.at
    if last is None:
        return None
    if rule.day_one == "event_local_date":
        tz = candidate.situation.tz or UTC
        first = last.astimezone(tz).date()
        days = rule.period.amount * (7 if rule.period.unit == "w" else 1)
        if rule.period.unit in ("d", "w"):
            ends = at_local(first + timedelta(days=days), time(0), tz)
        else:
            ends = _add(last, rule.period, candidate.situation.tz)
    else:
        ends = _add(last, rule.period, candidate.situation.tz)
    if _utc(at) >= _utc(ends):
        return None
    day1 = " (its local date is day one)" if rule.day_one == "event_local_date" else ""
    return rule.defer(
        "cool_down",
        f"cool-down of {rule.period} after a {rule.after.value} at {last.isoformat()}{day1}",
        ends,
    )


def _contact(draw: st.DrawFn, tz: ZoneInfo | None) -> ContactAttempted:
    at = START + timedelta(minutes=draw(st.integers(0, MINUTES // 60)) * 60)  # equal instants
    return ContactAttempted(
        at=at.astimezone(tz) if tz is not None and draw(st.booleans()) else at,
        channel=draw(st.sampled_from(("phone", "sms", "email"))),
        outcome=draw(st.sampled_from(["conversation"] * 4 + [o.value for o in Outcome])),
        initiated_by=draw(st.sampled_from(("creditor", "creditor", "debtor"))),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[Candidate, list[datetime], MinimumGap, CoolDown]:
    name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(name) if name is not None else None
    chans = draw(st.sampled_from((None, ("phone",), ("phone", "sms"))))
    counted = draw(st.sampled_from((None, ("phone", "sms", "email"), ("sms",))))
    gap = MinimumGap(
        "gap", gap=draw(st.sampled_from(DURATIONS)), channels=chans, count_channels=counted
    )
    cool = CoolDown(
        "cool",
        after=draw(st.sampled_from(["conversation"] * 4 + [o.value for o in Outcome])),
        period=draw(st.sampled_from(DURATIONS)),
        day_one=draw(st.sampled_from(("event_local_date", "event_time"))),
        channels=chans,
        count_channels=counted,
    )
    history = sorted(
        (_contact(draw, tz) for _ in range(draw(st.integers(0, 25)))), key=lambda c: c.at
    )
    planned = tuple(_contact(draw, tz) for _ in range(draw(st.integers(0, 2))))
    acct = Account(
        "ACC-G",
        timezone=name,
        invoices=(Invoice("INV-1", Money("10", "EUR"), date(2026, 1, 1)),),
        contacts=(ContactPoint("phone", "+100"),),
        events=tuple(history),
    )
    moments = []
    for _ in range(draw(st.integers(1, 6))):
        at = START + timedelta(minutes=draw(st.integers(-60 * 24, MINUTES + 60 * 24 * 10)))
        moments.append(at.astimezone(tz) if tz is not None and draw(st.booleans()) else at)
    now = START + timedelta(minutes=MINUTES)
    s = Situation(acct, fold(acct, now), now, tz, "account", MON_FRI, now.date(), 0, None)
    cand = Candidate("s", "step", "phone", "t", 1, acct.contacts[0], s, planned)
    return cand, moments, gap, cool


@settings(max_examples=400, deadline=None)
@given(cases())
def test_the_kept_instants_give_the_verdicts_of_the_pass_over_the_contacts(
    case: tuple[Candidate, list[datetime], MinimumGap, CoolDown],
) -> None:
    cand, moments, gap, cool = case
    for at in moments:  # one snapshot, its memo kept from one moment to the next
        assert gap.check(cand, at) == _scan_gap(gap, cand, at)
        assert cool.check(cand, at) == _scan_cool(cool, cand, at)
