"""A frequency cap's counter (the compiled policy's fast check) says what ``check`` says.

``FrequencyCap.counter`` counts the common shapes (scope debtor or contact point, no consent
exclusion, no point classes) in one pass with its filters fixed once per rule.  For any cap,
any history, any contacts planned earlier in the decision and any moment, it must give the
very verdict of :meth:`FrequencyCap.check` (issue 10).
"""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from overdue import Account, ContactPoint, Invoice, Money, fold
from overdue.calendars import MON_FRI
from overdue.events import ConsentWaiver, ContactAttempted, Event, Outcome
from overdue.rules import FrequencyCap
from overdue.situation import Candidate, Situation
from overdue.snapshot import Snapshot

ZONES = (None, "America/New_York", "Asia/Shanghai", "Europe/London")
POINTS = ("+100", "+200", None)
START = datetime(2026, 2, 20, tzinfo=UTC)
MINUTES = 60 * 24 * 8  # dense enough that most caps are reached


# Weeks with a daylight-saving change (New York's and London's, spring and autumn), where a
# window moved on the wall clock is not moved as far in UTC: the counter's windows are found
# without conversions only away from such changes.
STARTS = (
    START,
    datetime(2026, 3, 1, tzinfo=UTC),
    datetime(2026, 3, 22, tzinfo=UTC),
    datetime(2026, 10, 20, tzinfo=UTC),
    datetime(2026, 10, 26, tzinfo=UTC),
)


def _contact(draw: st.DrawFn, tz: ZoneInfo | None, start: datetime = START) -> ContactAttempted:
    at = start + timedelta(minutes=draw(st.integers(0, MINUTES)))
    return ContactAttempted(
        at=at.astimezone(tz) if tz is not None and draw(st.booleans()) else at,
        channel=draw(st.sampled_from(("phone", "sms", "email"))),
        outcome=draw(st.sampled_from([o.value for o in Outcome])),
        contact_point=draw(st.sampled_from(POINTS)),
        initiated_by=draw(st.sampled_from(("creditor", "creditor", "debtor"))),
        party=draw(st.sampled_from(("debtor", "debtor", "representative"))),
    )


@st.composite
def cases(
    draw: st.DrawFn,
    zones: tuple[str | None, ...] = ZONES,
    windows: tuple[str, ...] = ("rolling", "rolling_days"),
    starts: tuple[datetime, ...] = STARTS,
) -> tuple[FrequencyCap, Candidate, datetime]:
    name = draw(st.sampled_from(zones))
    tz = ZoneInfo(name) if name is not None else None
    window = draw(st.sampled_from(windows))
    units = ("d", "w") if window == "rolling_days" else ("d", "w", "h", "min", "mo")
    per = f"{draw(st.integers(1, 3))}{draw(st.sampled_from(units))}"
    chans = draw(st.sampled_from((None, ("phone",), ("phone", "sms"))))
    rule = FrequencyCap(
        "cap",
        max_contacts=draw(st.integers(1, 3)),
        per=per,
        window=window,
        scope=draw(st.sampled_from(("debtor", "contact_point"))),
        counts=draw(
            st.sampled_from(("attempt", "connected", "conversation", "unanswered", "message"))
        ),
        exclude=draw(
            st.lists(
                st.sampled_from(("inbound", "not_connected", "to_representative")), unique=True
            )
        ),
        channels=chans,
        count_channels=draw(st.sampled_from((None, ("phone", "sms", "email"), ("sms",)))),
    )
    first = draw(st.sampled_from(starts))
    history = sorted(
        (_contact(draw, tz, first) for _ in range(draw(st.integers(0, 20)))), key=lambda c: c.at
    )
    planned = tuple(_contact(draw, tz, first) for _ in range(draw(st.integers(0, 3))))
    acct = Account(
        "ACC-C",
        timezone=name,
        invoices=(Invoice("INV-1", Money("10", "EUR"), date(2026, 1, 1)),),
        contacts=(ContactPoint("phone", "+100"), ContactPoint("phone", "+200")),
        events=tuple(history),
    )
    at = first + timedelta(minutes=draw(st.integers(0, MINUTES + 60 * 24 * 2)))
    if tz is not None and draw(st.booleans()):
        at = at.astimezone(tz)
    now = max(at, history[-1].at if history else at, key=lambda d: d.astimezone(UTC))
    s = Situation(acct, fold(acct, now), now, tz, "account", MON_FRI, now.date(), 0, None)
    contact = draw(st.sampled_from((acct.contacts[0], acct.contacts[1], None)))
    cand = Candidate("s", "step", "phone", "t", 1, contact, s, planned)
    return rule, cand, at


@settings(max_examples=500, deadline=None)
@given(cases())
def test_the_counter_gives_the_verdict_of_the_check(
    case: tuple[FrequencyCap, Candidate, datetime],
) -> None:
    rule, cand, at = case
    counter = rule.counter()
    assert counter != rule.check  # these shapes are all counted
    assert counter(cand, at) == rule.check(cand, at)


@settings(max_examples=500, deadline=None)
@given(cases(("America/New_York", "Europe/London"), ("rolling",), STARTS[1:]))
def test_rolling_windows_across_a_daylight_saving_change_are_the_checks(
    case: tuple[FrequencyCap, Candidate, datetime],
) -> None:
    """A rolling window of days moved on the wall clock (its start, and its end when the cap
    defers) is moved as far in UTC when no offset change comes near, and converted when one
    does: both as the check says."""
    rule, cand, at = case
    assert rule.counter()(cand, at) == rule.check(cand, at)


def test_the_shapes_not_counted_are_checked_in_full() -> None:
    for kw in (
        {"scope": "debt"},
        {"exclude": ("inbound", "consented")},
        {"point_kinds": ("mobile",)},
    ):
        rule = FrequencyCap("cap", max_contacts=1, per="1d", **kw)  # type: ignore[arg-type]
        assert rule.counter() == rule.check


# -- a counter that keeps what it counted with the snapshot (``Snapshot.memo``) ---------------
#
# The counter counts the contacts on file once per snapshot and shape of cap, from the earliest
# window start asked, and keeps them with the snapshot.  Whatever was asked before (other
# moments, earlier or later; other caps, counting alike or not; other contact points), on the
# snapshot itself, on the snapshots ``apply`` makes from it, on a copy through pickle: every
# answer must still be ``check``'s.

SHAPES = ("debtor", "contact_point", "debt")


def _event(draw: st.DrawFn, tz: ZoneInfo | None) -> ContactAttempted:
    c = _contact(draw, tz)
    tagged = draw(st.sampled_from(((), (), ("D1",), ("D2",), ("D1", "D2"))))
    return attrs.evolve(c, debt_ids=tagged) if tagged else c


def _cap(draw: st.DrawFn, name: str, *, any_shape: bool) -> FrequencyCap:
    window = draw(st.sampled_from(("rolling", "rolling_days")))
    units = ("d", "w") if window == "rolling_days" else ("d", "w", "h", "min", "mo")
    exclusions = ("inbound", "not_connected", "to_representative")
    if any_shape:
        exclusions = (*exclusions, "consented")
    return FrequencyCap(
        name,
        max_contacts=draw(st.integers(1, 3)),
        per=f"{draw(st.integers(1, 3))}{draw(st.sampled_from(units))}",
        window=window,
        scope=draw(st.sampled_from(SHAPES if any_shape else SHAPES[:2])),
        # Few choices: caps that count alike (one shape, one memo entry) are common.
        counts=draw(st.sampled_from(("attempt", "connected"))),
        exclude=draw(st.lists(st.sampled_from(exclusions), unique=True, max_size=2)),
        channels=draw(st.sampled_from((None, ("phone",)))),
        count_channels=draw(st.sampled_from((None, ("phone", "sms")))),
        point_kinds=draw(st.sampled_from((None, ("mobile",)))) if any_shape else None,
    )


class Asked(NamedTuple):
    at: datetime
    contact: ContactPoint | None
    planned: tuple[ContactAttempted, ...]


class Held(NamedTuple):
    tz: ZoneInfo | None
    caps: tuple[FrequencyCap, ...]
    account: Account
    kept: int  # how many events the first fold takes; ``apply`` adds the rest
    asked: tuple[Asked, ...]


@st.composite
def held(draw: st.DrawFn, *, any_shape: bool = False) -> Held:
    name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(name) if name is not None else None
    caps = tuple(_cap(draw, f"cap{i}", any_shape=any_shape) for i in range(draw(st.integers(1, 3))))
    events: list[Event] = sorted(
        (_event(draw, tz) for _ in range(draw(st.integers(0, 16)))), key=lambda c: c.at
    )
    if any_shape and draw(st.booleans()):  # a consent some caps leave out of their count
        at = START + timedelta(minutes=draw(st.integers(0, MINUTES)))
        events.append(ConsentWaiver(at=at, rule_id=draw(st.sampled_from([c.id for c in caps]))))
        events.sort(key=lambda e: e.at)
    acct = Account(
        "ACC-H",
        timezone=name,
        invoices=(Invoice("INV-1", Money("10", "EUR"), date(2026, 1, 1)),),
        contacts=(
            ContactPoint("phone", "+100", kind="mobile"),
            ContactPoint("phone", "+200", kind="home"),
        ),
        events=tuple(events),
    )
    asked = tuple(
        Asked(
            START + timedelta(minutes=draw(st.integers(-60 * 24 * 3, MINUTES + 60 * 24 * 3))),
            draw(st.sampled_from((acct.contacts[0], acct.contacts[1], None))),
            tuple(_contact(draw, tz) for _ in range(draw(st.integers(0, 2)))),
        )
        for _ in range(draw(st.integers(1, 6)))
    )
    return Held(tz, caps, acct, draw(st.integers(0, len(events))), asked)


def _ask(rule: FrequencyCap, snap: Snapshot, case: Held, q: Asked) -> Candidate:
    s = Situation(case.account, snap, q.at, case.tz, "account", MON_FRI, q.at.date(), 0, None)
    return Candidate("s", "step", "phone", "t", 1, q.contact, s, q.planned)


def _agree(case: Held, snap: Snapshot, asked: tuple[Asked, ...] | None = None) -> None:
    """Every cap's counter and check give on ``snap``, at every moment asked (in the order
    drawn: later and earlier moments, so what the snapshot kept is asked forwards and back),
    the verdict ``check`` gives on a copy of ``snap`` that kept nothing yet (pickled copies
    keep nothing: it counts for this one question alone)."""
    for q in case.asked if asked is None else asked:
        for rule in case.caps:
            cand = _ask(rule, snap, case, q)
            fresh = rule.check(_ask(rule, copy.copy(snap), case, q), q.at)
            assert rule.counter()(cand, q.at) == fresh, (rule, q)
            assert rule.check(cand, q.at) == fresh, (rule, q)


@settings(max_examples=300, deadline=None)
@given(held())
def test_a_held_snapshot_answers_alike_whatever_was_asked_before(case: Held) -> None:
    snap = fold(case.account)
    _agree(case, snap)
    _agree(case, snap, case.asked[::-1])  # asked again: from what the first round kept


@settings(max_examples=300, deadline=None)
@given(held())
def test_snapshots_applied_from_a_held_one_count_their_own_contacts(case: Held) -> None:
    events = case.account.events
    first = attrs.evolve(case.account, events=events[: case.kept])
    snap = fold(first)
    _agree(case, snap)  # the memo of the first snapshot is filled before ``apply``
    chain = [snap]
    for e in events[case.kept :]:
        chain.append(chain[-1].apply(e))
        _agree(case, chain[-1], case.asked[:2])
    for s in chain:  # each still answers for its own events: nothing it kept went stale
        _agree(case, s)
    assert chain[-1] == fold(case.account)


@settings(max_examples=200, deadline=None)
@given(held(), st.data())
def test_a_late_event_or_a_branch_counts_afresh(case: Held, data: st.DataObject) -> None:
    snap = fold(case.account)
    _agree(case, snap)
    late = _contact(data.draw, case.tz)  # often before ``as_of``: a refold
    branch = snap.apply(late)
    _agree(case, branch)
    again = snap.apply(late)  # a second apply on the same snapshot: a branch of its own
    _agree(case, again)
    _agree(case, snap)


@settings(max_examples=200, deadline=None)
@given(held())
def test_a_pickled_or_copied_snapshot_answers_alike(case: Held) -> None:
    snap = fold(case.account)
    _agree(case, snap)
    copied = pickle.loads(pickle.dumps(snap))
    assert copied == snap
    _agree(case, copied)
    _agree(case, copy.deepcopy(snap))
    by_hand = attrs.evolve(snap)  # every field set, none left to first read
    _agree(case, by_hand)
    if case.kept < len(case.account.events):  # ``apply`` on the copy, as on the original
        more = copied.apply(case.account.events[case.kept])
        _agree(case, more)


def test_what_a_snapshot_keeps_for_its_rules_is_not_pickled_nor_compared() -> None:
    acct = Account(
        "ACC-M",
        timezone="Europe/London",
        events=(ContactAttempted(at=START, channel="phone", outcome="no_answer"),),
    )
    snap = fold(acct)
    rule = FrequencyCap("cap", max_contacts=1, per="1d", channels=("phone",))
    tz = ZoneInfo("Europe/London")
    s = Situation(acct, snap, START, tz, "account", MON_FRI, START.date(), 0, None)
    cand = Candidate("s", "step", "phone", "t", 1, None, s, ())
    at = START + timedelta(hours=1)
    assert rule.counter()(cand, at) == rule.check(cand, at) is not None
    assert snap.memo()  # kept
    state = snap.__reduce__()[1][0]
    assert isinstance(state, dict)
    assert "_memo" not in state
    assert not pickle.loads(pickle.dumps(snap)).memo()  # counted afresh
    assert snap == fold(acct)
    assert repr(snap) == repr(fold(acct))


@settings(max_examples=300, deadline=None)
@given(held(any_shape=True))
def test_every_shape_answers_as_check_on_held_and_applied_snapshots(case: Held) -> None:
    """Per-debt caps, consented contacts and classes of contact points (checked in full
    today, or counted by a counter of their own later) on held and applied snapshots."""
    events = case.account.events
    snap = fold(attrs.evolve(case.account, events=events[: case.kept]))
    _agree(case, snap)
    for e in events[case.kept :]:
        snap = snap.apply(e)
        _agree(case, snap, case.asked[:2])
    _agree(case, snap)
    _agree(case, pickle.loads(pickle.dumps(snap)))


def test_local_days_in_a_zone_whose_dates_go_back() -> None:
    """Sitka, 18 October 1867: Alaska left the Russian calendar day for the American one, so a
    later instant fell on an earlier local date.  The counter cannot bisect such dates; it
    must still count as ``check`` does."""
    tz = ZoneInfo("America/Sitka")
    switch = datetime(1867, 10, 19, 1, tzinfo=UTC)
    events = tuple(
        ContactAttempted(at=switch + timedelta(hours=h), channel="phone", outcome="no_answer")
        for h in (-30, -20, -3, -1, 0, 2, 10, 30)
    )
    acct = Account("ACC-S", timezone="America/Sitka", events=events)
    snap = fold(acct)
    for most, per in ((1, "1d"), (2, "1d"), (3, "2d"), (4, "1w")):
        rule = FrequencyCap("cap", max_contacts=most, per=per, window="rolling_days")
        for h in range(-48, 72, 5):
            at = switch + timedelta(hours=h)
            s = Situation(acct, snap, at, tz, "account", MON_FRI, at.date(), 0, None)
            cand = Candidate("s", "step", "phone", "t", 1, None, s, ())
            assert rule.counter()(cand, at) == rule.check(cand, at), (most, per, h)
