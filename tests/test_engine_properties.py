"""Invariants of the engine, checked against generated histories (local strategies only)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, fold, timeline
from overdue.events import (
    AuthorisationGranted,
    CeaseRequested,
    ContactAttempted,
    DisputeOpened,
    DisputeResolved,
    Event,
    FactSet,
    ManualHold,
    OptedOut,
    PaymentReceived,
    PromiseToPay,
    StageEntered,
)
from overdue.reference import reference_policy

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ZONES = ("Asia/Shanghai", "America/New_York", "Europe/London", None)
START = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC"))
STAGES = [s.id for s in reference_policy(field_visit=True).stages]
CONTACTS = (
    ContactPoint("sms", "+8613812345678"),
    ContactPoint("phone", "+8613812345678"),
    ContactPoint("email", "debtor@example.com"),
    ContactPoint("letter", "1 Example Road"),
    ContactPoint("field_visit", "1 Example Road"),
)


@st.composite
def histories(draw: st.DrawFn, *, holds: bool = True) -> Account:
    """An account with a plausible history: events in time order, never contradictory."""
    tz = draw(st.sampled_from(ZONES))
    due = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 20)))
    amount = draw(st.integers(50, 5000))
    t = START
    events: list[Event] = []
    dispute_open = False
    for _ in range(draw(st.integers(0, 20))):
        t = t + timedelta(minutes=draw(st.integers(0, 60 * 24 * 4)))
        kind = draw(
            st.sampled_from(
                [
                    "contact",
                    "contact",
                    "contact",
                    "stage",
                    "pay",
                    "dispute",
                    "hold",
                    "auth",
                    "opt",
                    "cease",
                    "promise",
                    "fact",
                ]
                if holds
                else ["contact", "contact", "stage", "pay", "auth", "opt", "promise"]
            )
        )
        if kind == "contact":
            events.append(
                ContactAttempted(
                    at=t,
                    channel=draw(st.sampled_from(["sms", "phone", "email", "in_app", "letter"])),
                    outcome=draw(
                        st.sampled_from(["delivered", "failed", "no_answer", "conversation"])
                    ),
                    stage=draw(st.sampled_from([None, *STAGES])),
                    step=draw(
                        st.sampled_from([None, "reminder.sms", "call.polite", "letter.lawyer"])
                    ),
                    template=draw(st.sampled_from([None, "reminder.sms", "letter.lawyer"])),
                )
            )
        elif kind == "stage":
            events.append(StageEntered(at=t, stage=draw(st.sampled_from(STAGES))))
        elif kind == "pay":
            events.append(
                PaymentReceived(at=t, amount=Money(str(draw(st.integers(1, amount))), "CNY"))
            )
        elif kind == "dispute":
            events.append(DisputeResolved(at=t) if dispute_open else DisputeOpened(at=t))
            dispute_open = not dispute_open
        elif kind == "hold":
            until = draw(st.sampled_from([None, t + timedelta(days=draw(st.integers(1, 20)))]))
            events.append(ManualHold(at=t, reason="check", until=until))
        elif kind == "auth":
            name = draw(st.sampled_from(["legal_review", "field_visit", "judgment"]))
            events.append(AuthorisationGranted(at=t, authorisation=name))
        elif kind == "opt":
            events.append(OptedOut(at=t, channel=draw(st.sampled_from(["sms", "phone", "email"]))))
        elif kind == "cease":
            events.append(CeaseRequested(at=t, channels=draw(st.sampled_from([None, ("phone",)]))))
        elif kind == "promise":
            by = t.date() + timedelta(days=draw(st.integers(0, 10)))
            events.append(PromiseToPay(at=t, amount=Money("10", "CNY"), by=by))
        else:
            events.append(FactSet(at=t, name="bankruptcy"))
    return Account(
        "P-1",
        timezone=tz,
        contacts=CONTACTS,
        invoices=(Invoice("I", Money(str(amount), "CNY"), due),),
        events=events,
    )


def nows() -> st.SearchStrategy[datetime]:
    return st.integers(0, 60 * 24 * 150).map(lambda m: START + timedelta(minutes=m))


def _zone(acct: Account) -> ZoneInfo:
    return ZoneInfo(acct.timezone or "Asia/Shanghai")  # the reference policy's assumption


@FAST
@given(histories(), nows())
def test_never_scheduled_outside_contact_hours(acct: Account, now: datetime) -> None:
    d = decide(REFERENCE_POLICY, acct, now)
    for a in d.actions:
        if a.channel in ("sms", "phone", "email", "field_visit"):
            local = a.not_before.astimezone(_zone(acct)).time()
            assert time(8) <= local < time(21), a


@FAST
@given(histories(), nows())
def test_no_contact_while_a_halting_hold_is_open(acct: Account, now: datetime) -> None:
    d = decide(REFERENCE_POLICY, acct, now)
    snap = fold(acct, now)
    for name in ("dispute_open", "manual_hold", "bankruptcy"):
        state = snap.fact_open(name, now)
        if state is None:
            continue
        for a in d.actions:
            assert state.until is not None, (name, a)
            assert a.not_before >= state.until, (name, a)


@FAST
@given(histories(), nows())
def test_same_inputs_same_decision_and_a_held_snapshot_changes_nothing(
    acct: Account, now: datetime
) -> None:
    first = decide(REFERENCE_POLICY, acct, now)
    assert decide(REFERENCE_POLICY, acct, now) == first
    assert decide(REFERENCE_POLICY, acct, now, snapshot=fold(acct, now)) == first
    other = decide(REFERENCE_POLICY, acct, now.astimezone(ZoneInfo("Pacific/Auckland")))
    assert [a.not_before for a in other.actions] == [a.not_before for a in first.actions]
    assert (other.status, other.stage, other.deadline, other.wake_at) == (
        first.status,
        first.stage,
        first.deadline,
        first.wake_at,
    )


@FAST
@given(histories(), nows())
def test_incremental_fold_equals_full_fold(acct: Account, now: datetime) -> None:
    snap = fold(Account(acct.id, invoices=acct.invoices))
    for e in acct.events:
        snap = snap.apply(e)
    assert snap == fold(acct)
    kept = [e for e in acct.events if e.at <= now]
    snap_now = fold(Account(acct.id, invoices=acct.invoices))
    for e in kept:
        snap_now = snap_now.apply(e)
    assert snap_now == fold(acct, now)


def _contacts(acct: Account) -> list[ContactAttempted]:
    return [e for e in acct.events if isinstance(e, ContactAttempted)]


@SLOW
@given(histories(holds=False), st.integers(0, 60 * 24 * 30))
def test_a_projected_schedule_never_breaks_a_cap(acct: Account, offset: int) -> None:
    start = START + timedelta(days=30, minutes=offset)
    entries = timeline(REFERENCE_POLICY, acct, start, start + timedelta(days=40))
    planned = [(e.at, e.channel) for e in entries if e.kind == "contact"]
    past = [(c.at, c.channel) for c in _contacts(acct) if c.at <= start]
    allc = sorted(past + planned)
    tz = _zone(acct)
    for when, channel in planned:
        week = [
            c for c in allc if when - timedelta(days=7) < c[0] <= when and c[1] in ("sms", "phone")
        ]
        if channel in ("sms", "phone"):
            assert len(week) <= 3, (when, week)
        if channel == "phone":
            day = when.astimezone(tz).date()
            calls = [c for c in allc if c[1] == "phone" and c[0].astimezone(tz).date() == day]
            assert len(calls) <= 1, (when, calls)


@SLOW
@given(
    st.sampled_from(ZONES),
    st.integers(1, 200),
    st.sets(st.sampled_from(["legal_review", "field_visit", "judgment"])),
    st.booleans(),
)
def test_no_unskippable_rung_is_ever_skipped(
    tz: str | None, overdue_days: int, auths: set[str], field_visit: bool
) -> None:
    policy = reference_policy(field_visit=field_visit)
    now = datetime(2026, 6, 1, 12, tzinfo=ZoneInfo("UTC"))
    acct = Account(
        "L-1",
        timezone=tz,
        contacts=CONTACTS,
        invoices=(Invoice("I", Money("900", "CNY"), now.date() - timedelta(days=overdue_days)),),
        events=[
            AuthorisationGranted(at=now - timedelta(days=1), authorisation=a) for a in sorted(auths)
        ],
    )
    entries = timeline(policy, acct, now, now + timedelta(days=400))
    entered = [e.stage for e in entries if e.kind == "stage_entered"]
    ladder = [s.id for s in policy.enabled_stages]
    positions = [ladder.index(s) for s in entered]
    assert positions == sorted(positions)  # climbs, never back
    if positions:
        assert positions[0] == 0  # starts at the bottom
        for k in range(positions[-1] + 1):
            stage = policy.enabled_stages[k]
            assert k in positions or stage.skippable, (stage.id, entered)
