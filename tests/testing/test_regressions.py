"""Regressions found by the testing kit's PolicyMachine, one test per finding.

Each test is the minimal history the machine shrank to, rewritten by hand.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from overdue import (
    REFERENCE_POLICY,
    Account,
    ContactPoint,
    Invoice,
    Money,
    Policy,
    Stage,
    Step,
    decide,
)
from overdue.events import (
    AuthorisationGranted,
    ContactAttempted,
    InvoiceIssued,
    PaymentReceived,
    StageEntered,
)
from overdue.rules import FrequencyCap
from overdue.testing import check_all, project

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def test_a_new_debt_after_full_payment_climbs_the_ladder_from_the_bottom() -> None:
    """Found on the reference policy: paid in full while in ``reminder`` (or any later rung),
    then a new invoice fell due.  The engine kept the old rung: it skipped the reminders for the
    new debt and went straight to ``courtesy_call`` (from ``lawyer_letter``, straight to
    ``litigation`` once ``legal_review`` was on file, for a debt one day overdue)."""
    t0 = datetime(2026, 1, 6, 0, 0, tzinfo=SHANGHAI)
    account = Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+8613800000000"), ContactPoint("phone", "+8613800000001")],
        invoices=[Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 1, 5))],
        events=(
            StageEntered(at=t0, stage="reminder"),
            PaymentReceived(at=t0, amount=Money("1200.00", "CNY")),
            InvoiceIssued(
                at=t0 + timedelta(days=6),
                invoice_id="INV-2",
                amount=Money("50", "CNY"),
                due=date(2026, 1, 12),
            ),
        ),
    )
    d = decide(REFERENCE_POLICY, account, datetime(2026, 1, 13, 0, 0, tzinfo=SHANGHAI))
    assert d.transition is not None
    assert d.transition.to_stage == "reminder"
    assert any(r.code == "new_debt" for r in d.reasons)


def test_a_paid_lawyer_letter_account_is_not_sued_for_a_new_one_day_debt() -> None:
    t0 = datetime(2026, 2, 3, 9, 0, tzinfo=SHANGHAI)
    account = Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("letter", "1 Road"), ContactPoint("email", "a@example.com")],
        invoices=[Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 1, 4))],
        events=(
            StageEntered(at=t0, stage="lawyer_letter"),
            ContactAttempted(
                at=t0,
                channel="letter",
                outcome="delivered",
                stage="lawyer_letter",
                step="letter.lawyer",
                template="letter.lawyer",
            ),
            PaymentReceived(at=t0 + timedelta(days=16), amount=Money("1200.00", "CNY")),
            AuthorisationGranted(at=t0 + timedelta(days=17), authorisation="legal_review"),
            InvoiceIssued(
                at=t0 + timedelta(days=18),
                invoice_id="INV-2",
                amount=Money("900.00", "CNY"),
                due=date(2026, 2, 22),
            ),
        ),
    )
    start = datetime(2026, 2, 23, 9, 0, tzinfo=SHANGHAI)
    happened, _decisions = project(REFERENCE_POLICY, account, start, start + timedelta(days=3))
    assert happened[0].kind == "enters"
    assert happened[0].template == "reminder"
    assert "litigation" not in {h.stage for h in happened}


def test_a_rolling_cap_does_not_depend_on_the_zone_now_is_written_in() -> None:
    """Found on the reference policy in Europe/Berlin across the March DST change: the rolling
    window of a ``FrequencyCap`` was computed on the wall clock of whatever zone the candidate
    time carried, and compared by wall clock with contacts stored in the same zone.  The same
    instant given in UTC and in local time got different decisions (allowed now vs deferred
    an hour), and the three-a-week cap let a fourth SMS through 6 days 23 hours after the
    first."""
    policy = Policy(
        "p",
        stages=(Stage("s", steps=(Step("sms", template="t", repeat_every="1d", max_attempts=9),)),),
        rules=(FrequencyCap("cap", max_contacts=3, per="7d"),),
    )
    contacts = [datetime(2026, 3, d, 8, 0, tzinfo=BERLIN) for d in (22, 25, 28)]
    account = Account(
        "A-1",
        timezone="Europe/Berlin",
        contacts=[ContactPoint("sms", "+4915100000000")],
        invoices=[Invoice("I-1", Money("100.00", "EUR"), date(2026, 3, 1))],
        events=(
            StageEntered(at=datetime(2026, 3, 21, 8, 0, tzinfo=BERLIN), stage="s"),
            *(
                ContactAttempted(at=t, channel="sms", outcome="delivered", stage="s", step="t")
                for t in contacts
            ),
        ),
    )
    now = datetime(2026, 3, 29, 8, 30, tzinfo=BERLIN)
    local, utc = decide(policy, account, now), decide(policy, account, now.astimezone(UTC))
    assert [a.not_before.astimezone(UTC) for a in local.actions] == [
        a.not_before.astimezone(UTC) for a in utc.actions
    ]
    sent = account.with_events(
        local.actions[0].outcome_event("delivered", local.actions[0].not_before)
    )
    assert check_all(policy, sent) == []


def test_overlapping_holds_pause_the_escalation_clock_once() -> None:
    """Found probing the pause arithmetic the ladder-order check bounds: a dispute opened
    during a manual hold (both released together) pushed the rung's deadline back by the sum
    of the two holds, not by the time the account was actually held."""
    from overdue.events import DisputeOpened, DisputeResolved, HoldReleased, ManualHold

    t0 = datetime(2026, 1, 6, 9, 0, tzinfo=SHANGHAI)
    base = Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+8613800000000")],
        invoices=[Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 1, 5))],
        events=(StageEntered(at=t0, stage="reminder"),),
    )
    one, three = t0 + timedelta(days=1), t0 + timedelta(days=3)
    dispute_only = base.with_events(DisputeOpened(at=one), DisputeResolved(at=three))
    both = base.with_events(
        DisputeOpened(at=one),
        ManualHold(at=one, reason="review"),
        DisputeResolved(at=three),
        HoldReleased(at=three),
    )
    later = t0 + timedelta(days=4)
    expected = t0 + timedelta(days=7 + 2)  # a 7-day rung, held for 2 days
    assert decide(REFERENCE_POLICY, dispute_only, later).deadline == expected
    assert decide(REFERENCE_POLICY, both, later).deadline == expected


def test_an_unknown_zone_never_makes_a_host_spin() -> None:
    """Found on generated policies: with neither the account nor the policy naming a zone,
    ``decide`` counted days overdue in UTC while ``DaysOverdueAtLeast.holds_from`` used the zone
    ``now`` happened to be written in.  Asked at 00:00 in Shanghai (16:00 UTC the day before),
    the decision said "wait until now": a host following ``wake_at`` asked again at once, for
    eight hours.  Calendar-window caps, cool-downs and time bars had the same fallback."""
    from overdue.conditions import days_overdue_at_least

    policy = Policy(
        "p",
        stages=(
            Stage("s0", enters_when=days_overdue_at_least(3), steps=(Step("email", template="t"),)),
        ),
    )
    account = Account(
        "A-1",
        contacts=[ContactPoint("email", "a@example.com")],
        invoices=[Invoice("I-1", Money("100.00", "CNY"), date(2026, 1, 5))],
    )
    now = datetime(2026, 1, 7, 0, 0, tzinfo=SHANGHAI)
    d = decide(policy, account, now)
    assert d.status == "waiting"
    assert d.wake_at is not None
    assert d.wake_at > now
    assert decide(policy, account, now.astimezone(UTC)).wake_at == d.wake_at


def test_grace_runs_from_the_last_attempt_after_a_partial_payment_restarts_the_rung() -> None:
    """Found on generated policies with ``on_partial_payment='restart_stage'``: after a partial
    payment moved the rung's clock, the grace period ran from the payment instead of from the
    rung's last attempt, so the account escalated the moment that attempt was made.  (Fixed
    in the engine while the kit was being written; kept as a regression.)"""
    policy = Policy(
        "generated",
        stages=(
            Stage(
                "s0",
                steps=(Step("sms", template="a", at="1d", repeat_every="1d", max_attempts=2),),
                grace="1d",
            ),
            Stage("s1", steps=(Step("sms", template="b"),), deadline="2d"),
        ),
        currency="CNY",
        on_partial_payment="restart_stage",
    )
    at = [datetime(2026, 1, d, 0, 0, tzinfo=SHANGHAI) for d in (7, 8, 9)]
    attempt = {
        "channel": "sms",
        "outcome": "delivered",
        "stage": "s0",
        "step": "a",
        "template": "a",
    }
    account = Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+8613800000000")],
        invoices=[Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 1, 5))],
        events=(
            StageEntered(at=at[0], stage="s0"),
            ContactAttempted(at=at[1], **attempt),  # type: ignore[arg-type]
            PaymentReceived(at=at[1], amount=Money("100.00", "CNY")),
            ContactAttempted(at=at[2], **attempt),  # type: ignore[arg-type]
        ),
    )
    d = decide(policy, account, at[2])
    assert d.transition is None
    assert d.deadline == at[2] + timedelta(days=1)
    assert check_all(policy, account) == []
