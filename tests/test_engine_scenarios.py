"""Scenario tests: each one reads like a clause of a collection policy.

Dates are concrete.  The invoice of the default account falls due on Saturday 2026-01-10, so
2026-01-11 is day 1 overdue; the debtor lives in Asia/Shanghai (UTC+8, no daylight saving)
unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import (
    REFERENCE_POLICY,
    Account,
    ContactPoint,
    Decision,
    Invoice,
    Money,
    Policy,
    Stage,
    Step,
    days,
    decide,
    hours,
    timeline,
)
from overdue.calendars import WeekCalendar
from overdue.conditions import days_overdue_at_least
from overdue.durations import Duration, months
from overdue.events import (
    AuthorisationGranted,
    AuthorisationRevoked,
    CeaseRequested,
    ContactAttempted,
    DisputeOpened,
    DisputeResolved,
    Event,
    FactSet,
    HoldReleased,
    ManualHold,
    OptedOut,
    PaymentPlanAgreed,
    PaymentReceived,
    PromiseToPay,
    StageEntered,
)
from overdue.reference import reference_policy
from overdue.rules import (
    ContactHours,
    CoolDown,
    FrequencyCap,
    MinimumBalance,
    MinimumGap,
    QuietDays,
    RequiresAuthorisation,
    RequiresPriorEvent,
    TimeBar,
)

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
DUE = date(2026, 1, 10)

FULL_CONTACTS = (
    ContactPoint("sms", "+8613812345678"),
    ContactPoint("phone", "+8613812345678"),
    ContactPoint("email", "debtor@example.com"),
    ContactPoint("letter", "1 Example Road, Example City"),
    ContactPoint("field_visit", "1 Example Road, Example City"),
)


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0, tz: ZoneInfo = SH) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=tz)


def account(
    *events: Event,
    amount: str = "1200.00",
    due: date = DUE,
    tz: str | None = "Asia/Shanghai",
    contacts: Sequence[ContactPoint] = FULL_CONTACTS,
    account_id: str = "A-1",
) -> Account:
    return Account(
        account_id,
        timezone=tz,
        contacts=contacts,
        invoices=(Invoice("INV-1", Money(amount, "CNY"), due),),
        events=events,
        contract="CTR-1",
    )


def _answer(a: object) -> str:
    return "no_answer" if getattr(a, "channel", "") in ("phone", "field_visit") else "delivered"


def advance(
    policy: Policy,
    acct: Account,
    start: datetime,
    until: datetime,
    answer: Callable[[object], str] = _answer,
) -> Account:
    """Play the host: record every transition and carry out every due action until ``until``."""
    t = start
    for _ in range(1000):
        if t > until:
            break
        d = decide(policy, acct, t)
        new: list[Event] = list(d.record)
        new.extend(a.outcome_event(answer(a), t) for a in d.due_actions)
        if new:
            acct = acct.with_events(*new)
            continue
        if d.wake_at is None or d.wake_at > until:
            break
        t = max(d.wake_at, t + timedelta(minutes=1))
    return acct


def one_rung(
    *rules: object,
    steps: Sequence[Step] = (Step("sms", template="t.sms"),),
    deadline: object = days(30),
    **kw: object,
) -> Policy:
    """A two-rung policy: a contact rung from day 1, then a letter at the top."""
    return Policy(
        "test",
        stages=(
            Stage("contact", enters_when=days_overdue_at_least(1), steps=steps, deadline=deadline),
            Stage("top", steps=(Step("letter", template="t.letter"),)),
        ),
        rules=rules,  # type: ignore[arg-type]
        channels=("sms", "phone", "email", "letter", "in_app"),
        **kw,  # type: ignore[arg-type]
    )


def channels_of(d: Decision) -> list[str]:
    return [a.channel for a in d.actions]


def reasons(d: Decision) -> str:
    return d.explain()


# --------------------------------------------------------------------------------------------
# the reference ladder, rung by rung


def test_an_account_one_day_overdue_enters_the_reminder_rung_with_sms_and_in_app_notice() -> None:
    d = decide(REFERENCE_POLICY, account(), at(2026, 1, 11))
    assert d.status == "active"
    assert d.transition is not None
    assert d.transition.to_stage == "reminder"
    # The rung is entered under the policy's id and version (issue 13), recorded with it.
    entered = StageEntered(
        at=at(2026, 1, 11),
        stage="reminder",
        policy_id=REFERENCE_POLICY.id,
        policy_version=REFERENCE_POLICY.version,
    )
    assert d.record == (entered,)
    assert sorted(channels_of(d)) == ["in_app", "sms"]
    assert all(a.not_before == at(2026, 1, 11) for a in d.actions)
    assert d.deadline == at(2026, 1, 18)


def test_an_account_not_yet_overdue_is_current_and_wakes_at_local_midnight_after_due() -> None:
    d = decide(REFERENCE_POLICY, account(), at(2026, 1, 10, 23))
    assert d.status == "current"
    assert d.wake_at == at(2026, 1, 11, 0)


def test_a_reminder_sms_after_nine_pm_waits_for_eight_the_next_morning() -> None:
    d = decide(REFERENCE_POLICY, account(), at(2026, 1, 11, 21, 40))
    sms = next(a for a in d.actions if a.channel == "sms")
    in_app = next(a for a in d.actions if a.channel == "in_app")
    assert sms.not_before == at(2026, 1, 12, 8)
    # Issue 14 item 7: an in-app notice is contact too; it used to go out at any hour.
    assert in_app.not_before == at(2026, 1, 12, 8)
    assert any(r.rule_id == "contact-hours" and r.effect == "defer" for r in sms.reasons)
    assert d.wake_at == at(2026, 1, 12, 8)


def test_reminder_sms_repeats_every_three_days_three_times() -> None:
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 1, 17, 23))
    sms = [e.at for e in acct.events if isinstance(e, ContactAttempted) and e.channel == "sms"]
    assert sms == [at(2026, 1, 11), at(2026, 1, 14), at(2026, 1, 17)]


def test_after_seven_days_of_reminders_the_account_moves_to_a_courtesy_call() -> None:
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 1, 17, 23))
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 18))
    assert d.transition is not None
    assert (d.transition.from_stage, d.transition.to_stage) == ("reminder", "courtesy_call")
    assert [a.template for a in d.actions] == ["call.polite", "call.followup"]
    call, followup = d.actions
    assert call.not_before == at(2026, 1, 18)
    # the follow-up SMS is due a day later, but the house cap of three contacts a week
    # (SMS on the 14th and 17th, the call on the 18th) moves it to when the 14th leaves
    assert followup.not_before == at(2026, 1, 21)
    assert [r.rule_id for r in followup.reasons] == ["three-contacts-a-week"]


def test_an_unanswered_courtesy_call_is_retried_two_days_later_and_not_twice_a_day() -> None:
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 1, 18, 12))
    calls = [e.at for e in acct.events if isinstance(e, ContactAttempted) and e.channel == "phone"]
    assert calls == [at(2026, 1, 18)]
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 18, 12))
    call = next(a for a in d.actions if a.channel == "phone")
    assert call.attempt == 2
    assert call.not_before >= at(2026, 1, 20)


def test_the_formal_notice_states_amount_days_overdue_deadline_and_legal_terms() -> None:
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 1, 31))
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 31))
    assert d.stage == "formal_notice"
    notice = next(
        a for a in acct.events if isinstance(a, ContactAttempted) and a.template == "notice.formal"
    )
    assert notice.channel == "email"
    entered = next(
        e for e in acct.events if isinstance(e, StageEntered) and e.stage == "formal_notice"
    )
    # just before the notice went out, the decision planned it with its facts filled in
    pre = attrs.evolve(acct, events=acct.events[: acct.events.index(entered)])
    d_entry = decide(REFERENCE_POLICY, pre, entered.at)
    assert d_entry.transition is not None
    assert d_entry.transition.to_stage == "formal_notice"
    formal = next(a for a in d_entry.actions if a.template == "notice.formal")
    assert formal.facts.must_state == ("amount", "days_overdue", "deadline", "legal_terms")
    assert formal.facts.amount == Money("1200.00", "CNY")
    assert formal.facts.currency == "CNY"
    assert formal.facts.days_overdue == (entered.at.date() - DUE).days
    assert formal.facts.deadline == d_entry.deadline == entered.at + timedelta(days=14)
    assert formal.facts.legal_terms is not None
    assert "Art. 577" in formal.facts.legal_terms


def test_the_lawyer_letter_waits_until_thirty_days_overdue() -> None:
    acct = account(StageEntered(at=at(2026, 1, 12), stage="formal_notice"))
    acct = advance(REFERENCE_POLICY, acct, at(2026, 1, 12), at(2026, 1, 12, 23))
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 27))
    assert d.status == "waiting"
    assert d.stage == "formal_notice"
    assert d.wake_at == at(2026, 2, 9, 0)  # 2026-01-10 + 30 days, local midnight
    assert "30+ days overdue" in d.explain()
    d2 = decide(REFERENCE_POLICY, acct, at(2026, 2, 9, 9))
    assert d2.transition is not None
    assert d2.transition.to_stage == "lawyer_letter"


def test_no_lawyer_letter_is_sent_over_a_balance_under_one_hundred() -> None:
    acct = advance(REFERENCE_POLICY, account(amount="99.00"), at(2026, 1, 11), at(2026, 2, 20))
    d = decide(REFERENCE_POLICY, acct, at(2026, 2, 20))
    assert d.status == "waiting"
    assert d.stage == "formal_notice"
    assert d.wake_at is None  # only a new event (a new invoice) can change this
    assert not any(isinstance(e, StageEntered) and e.stage == "lawyer_letter" for e in acct.events)


def test_the_lawyer_letter_carries_the_end_of_its_fifteen_day_grace_period() -> None:
    acct = account(StageEntered(at=at(2026, 2, 9, 9), stage="lawyer_letter"))
    d = decide(REFERENCE_POLICY, acct, at(2026, 2, 9, 9))
    assert d.stage == "lawyer_letter"
    letter = next(a for a in d.actions if a.template == "letter.lawyer")
    assert letter.facts.grace_end == letter.not_before + timedelta(days=15)
    assert "grace_end" in letter.facts.must_state
    assert d.deadline == max(a.not_before for a in d.actions) + timedelta(days=15)


def test_litigation_waits_for_legal_review_after_the_lawyer_letter_grace() -> None:
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 3, 1))
    d = decide(REFERENCE_POLICY, acct, at(2026, 3, 1))
    assert d.status == "waiting"
    assert d.stage == "lawyer_letter"
    assert any(
        r.code == "awaiting_authorisation" and "legal_review" in r.message for r in d.reasons
    )


def _to_litigation(acct: Account, *extra: Event) -> Account:
    acct = advance(REFERENCE_POLICY, acct, at(2026, 1, 11), at(2026, 3, 1))
    return acct.with_events(
        AuthorisationGranted(at=at(2026, 3, 2), authorisation="legal_review"), *extra
    )


def test_litigation_files_a_claim_with_an_evidence_bundle_of_invoices_payments_and_contacts() -> (
    None
):
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 1, 19, 23))
    acct = acct.with_events(PaymentReceived(at=at(2026, 1, 20), amount=Money("200.00", "CNY")))
    acct = advance(REFERENCE_POLICY, acct, at(2026, 1, 20), at(2026, 3, 1))
    acct = acct.with_events(AuthorisationGranted(at=at(2026, 3, 2), authorisation="legal_review"))
    d = decide(REFERENCE_POLICY, acct, at(2026, 3, 2, 11))
    assert d.transition is not None
    assert d.transition.to_stage == "litigation"
    claim = d.actions[0]
    assert claim.channel == "legal"
    assert claim.template == "claim.file"
    ev = claim.evidence
    assert ev is not None
    assert [i.invoice_id for i in ev.invoices] == ["INV-1"]
    assert [p.amount for p in ev.payments] == [Money("200.00", "CNY")]
    assert len(ev.contacts) == sum(1 for e in acct.events if isinstance(e, ContactAttempted))
    assert ev.contract == "CTR-1"
    assert "1 invoice(s), 1 payment(s)" in ev.summary()
    assert "evidence:" in d.explain()


def test_no_claim_is_filed_once_legal_review_is_revoked_after_litigation_began() -> None:
    acct = _to_litigation(account())
    entered = decide(REFERENCE_POLICY, acct, at(2026, 3, 2, 11))
    assert entered.transition is not None
    acct = acct.with_events(
        *entered.record,
        AuthorisationRevoked(at=at(2026, 3, 2, 12), authorisation="legal_review"),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 3, 2, 13))
    assert d.stage == "litigation"
    assert d.actions == ()
    assert d.status == "on_hold"
    [blocked] = d.blocked
    assert blocked.channel == "legal"
    assert blocked.reasons[0].code == "authorisation_lost"
    assert "'legal_review', no longer on file" in d.explain()
    regranted = acct.with_events(
        AuthorisationGranted(at=at(2026, 3, 3), authorisation="legal_review")
    )
    assert decide(REFERENCE_POLICY, regranted, at(2026, 3, 3, 11)).actions[0].template == (
        "claim.file"
    )


def test_litigation_needs_the_lawyer_letter_delivered_first() -> None:
    # the letter bounced: the milestone "contacted:letter.lawyer" never happened
    acct = advance(
        REFERENCE_POLICY,
        account(),
        at(2026, 1, 11),
        at(2026, 3, 1),
        answer=lambda a: "bounced" if getattr(a, "template", "") == "letter.lawyer" else _answer(a),
    )
    acct = acct.with_events(AuthorisationGranted(at=at(2026, 3, 2), authorisation="legal_review"))
    d = decide(REFERENCE_POLICY, acct, at(2026, 3, 2, 11))
    assert d.stage == "litigation"
    assert d.status == "on_hold"
    [blocked] = d.blocked
    assert blocked.reasons[0].rule_id == "letter-before-claim"


def test_no_lawsuit_over_a_balance_below_the_litigation_minimum() -> None:
    acct = _to_litigation(account(amount="450.00"))
    d = decide(REFERENCE_POLICY, acct, at(2026, 3, 2, 11))
    assert d.stage == "litigation"
    assert not d.actions
    assert d.blocked[0].reasons[-1].rule_id == "litigation-minimum"


def test_no_lawsuit_once_the_three_year_limitation_period_has_run() -> None:
    old = account(due=date(2022, 1, 10))
    events = [
        StageEntered(at=at(2022, 2, 1), stage="lawyer_letter"),
        ContactAttempted(
            at=at(2022, 2, 1),
            channel="letter",
            outcome="delivered",
            stage="lawyer_letter",
            step="letter.lawyer",
            template="letter.lawyer",
        ),
        AuthorisationGranted(at=at(2025, 2, 1), authorisation="legal_review"),
        StageEntered(at=at(2025, 2, 1), stage="litigation"),
    ]
    d = decide(REFERENCE_POLICY, old.with_events(*events), at(2025, 3, 1))
    assert d.stage == "litigation"
    assert any(
        r.rule_id == "limitation" and r.code == "time_barred" for b in d.blocked for r in b.reasons
    )


def test_enforcement_needs_a_judgment_and_is_the_top_of_the_ladder() -> None:
    acct = _to_litigation(account())
    acct = advance(REFERENCE_POLICY, acct, at(2026, 3, 2, 11), at(2026, 9, 10))
    d = decide(REFERENCE_POLICY, acct, at(2026, 9, 10))
    assert d.status == "waiting"
    assert d.stage == "litigation"
    assert "judgment" in d.explain()
    acct = acct.with_events(AuthorisationGranted(at=at(2026, 9, 11), authorisation="judgment"))
    acct = advance(REFERENCE_POLICY, acct, at(2026, 9, 11), at(2026, 9, 12))
    d = decide(REFERENCE_POLICY, acct, at(2026, 9, 12))
    assert d.stage == "enforcement"
    assert d.status == "done"
    assert d.deadline is None
    assert d.wake_at is None


# --------------------------------------------------------------------------------------------
# the field visit rung


def test_the_field_visit_rung_is_off_by_default() -> None:
    assert "field_visit" not in [s.id for s in REFERENCE_POLICY.enabled_stages]


def test_an_enabled_but_unauthorised_field_visit_is_skipped_for_litigation_under_legal_review() -> (
    None
):
    fv = reference_policy(field_visit=True)
    acct = advance(fv, account(), at(2026, 1, 11), at(2026, 3, 1))
    acct = acct.with_events(AuthorisationGranted(at=at(2026, 3, 2), authorisation="legal_review"))
    d = decide(fv, acct, at(2026, 3, 2, 11))
    assert d.transition is not None
    assert d.transition.to_stage == "litigation"
    assert any(r.code == "skipped" and "field_visit" in r.message for r in d.reasons)


def test_an_enabled_but_unauthorised_field_visit_without_legal_review_waits() -> None:
    fv = reference_policy(field_visit=True)
    acct = advance(fv, account(), at(2026, 1, 11), at(2026, 3, 1))
    d = decide(fv, acct, at(2026, 3, 1))
    assert d.status == "waiting"
    assert d.stage == "lawyer_letter"
    assert d.transition is None


def test_an_authorised_field_visit_goes_through_a_third_party_that_discloses_identity() -> None:
    fv = reference_policy(field_visit=True)
    acct = advance(fv, account(), at(2026, 1, 11), at(2026, 3, 1))
    acct = acct.with_events(AuthorisationGranted(at=at(2026, 3, 2), authorisation="field_visit"))
    d = decide(fv, acct, at(2026, 3, 2, 11))
    assert d.transition is not None
    assert d.transition.to_stage == "field_visit"
    [visit] = d.actions
    assert visit.performed_by == "third_party"
    codes = [o.code for o in visit.obligations]
    assert "identity_disclosure" in codes
    assert "two_staff" in codes
    assert "obligation identity_disclosure" in d.explain()
    # contact hours apply to visits too
    late = decide(fv, acct, at(2026, 3, 2, 22))
    assert late.actions[0].not_before == at(2026, 3, 3, 8)


# --------------------------------------------------------------------------------------------
# contact hours and quiet days


def test_with_no_zone_known_anywhere_contact_hours_block_rather_than_guess() -> None:
    p = one_rung(ContactHours("hours", channels=("sms",)))
    d = decide(p, account(tz=None), at(2026, 1, 12))
    assert d.status == "on_hold"
    assert d.blocked[0].reasons[-1].code == "zone_unknown"
    assert any(r.code == "zone_unknown" for r in d.reasons)


def test_an_unknown_zone_uses_the_policy_assumption_then_the_rule_assumption() -> None:
    p = one_rung(ContactHours("hours", channels=("sms",)), assumed_zone="Asia/Shanghai")
    d = decide(p, account(tz=None), at(2026, 1, 12, 7))
    assert d.actions[0].not_before == at(2026, 1, 12, 8)
    p2 = one_rung(ContactHours("hours", channels=("sms",), assume_zone="America/New_York"))
    d2 = decide(p2, account(tz=None), at(2026, 1, 12, 7, tz=NY))
    assert d2.actions[0].not_before == at(2026, 1, 12, 8, tz=NY)


def test_contact_hours_may_be_limited_to_weekdays() -> None:
    p = one_rung(
        ContactHours(
            "hours", window=(time(9), time(17)), weekdays=("mon", "tue", "wed", "thu", "fri")
        )
    )
    d = decide(p, account(), at(2026, 1, 11, 12))  # Sunday noon
    assert d.actions[0].not_before == at(2026, 1, 12, 9)


def test_no_contact_on_a_public_holiday_but_on_a_make_up_saturday() -> None:
    cal = WeekCalendar(
        "test-cn",
        holidays=(date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18)),
        workdays=(date(2026, 2, 14),),
    )
    p = one_rung(QuietDays("quiet"), ContactHours("hours"), calendar=cal)
    # Saturday 2026-02-14 is a make-up working day: contact allowed
    sat = decide(p, account(due=date(2026, 2, 10)), at(2026, 2, 14, 10))
    assert sat.actions[0].not_before == at(2026, 2, 14, 10)
    # Monday 2026-02-16 is a holiday: the contact moves to Thursday 08:00
    mon = decide(p, account(due=date(2026, 2, 15)), at(2026, 2, 16, 10))
    assert mon.actions[0].not_before == at(2026, 2, 19, 8)
    assert {r.rule_id for r in mon.actions[0].reasons} == {"quiet", "hours"}


# --------------------------------------------------------------------------------------------
# frequency caps, cool-downs, gaps


def _sms(t: datetime, outcome: str = "delivered", **kw: object) -> ContactAttempted:
    return ContactAttempted(at=t, channel="sms", outcome=outcome, **kw)  # type: ignore[arg-type]


def test_a_rolling_cap_of_two_sms_a_week_defers_to_when_the_oldest_leaves_the_window() -> None:
    p = one_rung(FrequencyCap("cap", max_contacts=2, per=days(7), channels=("sms",)))
    acct = account(_sms(at(2026, 1, 11, 9)), _sms(at(2026, 1, 13, 9)))
    d = decide(p, acct, at(2026, 1, 14))
    assert d.actions[0].not_before == at(2026, 1, 18, 9)
    assert d.actions[0].reasons[0].code == "cap_reached"


def test_a_calendar_day_cap_frees_at_local_midnight() -> None:
    p = one_rung(FrequencyCap("daily", max_contacts=1, per=days(1), window="rolling_days"))
    acct = account(_sms(at(2026, 1, 12, 23, 30)))
    d = decide(p, acct, at(2026, 1, 12, 23, 45))
    assert d.actions[0].not_before == at(2026, 1, 13, 0)


def test_a_per_contact_point_cap_ignores_contacts_to_other_addresses() -> None:
    p = one_rung(FrequencyCap("cp", max_contacts=1, per=days(7), scope="contact_point"))
    other = account(_sms(at(2026, 1, 11), contact_point="+8613900000000"))
    assert decide(p, other, at(2026, 1, 12)).actions[0].not_before == at(2026, 1, 12)
    same = account(_sms(at(2026, 1, 11), contact_point="+8613812345678"))
    assert decide(p, same, at(2026, 1, 12)).actions[0].not_before == at(2026, 1, 18)


def test_a_per_debt_cap_counts_contacts_tagged_with_a_debt_id_and_untagged_ones_alike() -> None:
    # Issue 14: a contact tagged with the account's debt id counts toward that debt's cap, as
    # an untagged (account-level) one does; it used to be left out, silently lifting the cap.
    p = one_rung(FrequencyCap("debt", max_contacts=1, per=days(7), scope="debt"))
    tagged = account(_sms(at(2026, 1, 11), debt_id="LOAN-9"))
    assert decide(p, tagged, at(2026, 1, 12)).actions[0].not_before == at(2026, 1, 18)
    account_level = account(_sms(at(2026, 1, 11)))
    assert decide(p, account_level, at(2026, 1, 12)).actions[0].not_before == at(2026, 1, 18)


@pytest.mark.parametrize(
    ("counts", "outcome", "capped"),
    [
        ("attempt", "failed", True),
        ("connected", "failed", False),
        ("connected", "delivered", True),
        ("conversation", "delivered", False),
        ("conversation", "conversation", True),
        ("unanswered", "no_answer", True),
        ("unanswered", "conversation", False),
    ],
)
def test_a_cap_counts_only_the_outcomes_it_is_told_to(
    counts: str, outcome: str, capped: bool
) -> None:
    p = one_rung(FrequencyCap("cap", max_contacts=1, per=days(7), counts=counts))  # type: ignore[arg-type]
    d = decide(p, account(_sms(at(2026, 1, 11), outcome)), at(2026, 1, 12))
    assert (d.actions[0].not_before > at(2026, 1, 12)) is capped


def test_no_call_within_seven_days_after_a_conversation() -> None:
    p = one_rung(
        CoolDown("cool", after="conversation", period=days(7), channels=("phone",)),
        steps=(Step("phone", template="t.call"),),
    )
    acct = account(
        ContactAttempted(at=at(2026, 1, 12, 15), channel="phone", outcome="conversation")
    )
    d = decide(p, acct, at(2026, 1, 13))
    assert d.actions[0].not_before == at(2026, 1, 19, 15)
    p_local = one_rung(
        CoolDown(
            "cool",
            after="conversation",
            period=days(7),
            channels=("phone",),
            day_one="event_local_date",
        ),
        steps=(Step("phone", template="t.call"),),
    )
    assert decide(p_local, acct, at(2026, 1, 13)).actions[0].not_before == at(2026, 1, 19, 0)


def test_at_least_four_hours_between_two_contacts() -> None:
    p = one_rung(MinimumGap("gap", gap=hours(4)))
    acct = account(ContactAttempted(at=at(2026, 1, 12, 9), channel="email", outcome="delivered"))
    d = decide(p, acct, at(2026, 1, 12, 10))
    assert d.actions[0].not_before == at(2026, 1, 12, 13)


def test_contacts_planned_in_the_same_decision_count_against_the_cap() -> None:
    p = one_rung(
        FrequencyCap("one-a-day", max_contacts=1, per=days(1), window="rolling_days"),
        steps=(Step("sms", template="t.sms"), Step("email", template="t.email")),
    )
    d = decide(p, account(), at(2026, 1, 12, 10))
    assert [a.not_before for a in d.actions] == [at(2026, 1, 12, 10), at(2026, 1, 13, 0)]


def test_a_deferral_out_of_quiet_hours_onto_a_capped_day_moves_on_again() -> None:
    # Monday 21:30: hours defer to Tuesday 08:00; Tuesday already had its one call booked
    # in the history (a promised call-back at 07:00), so the cap moves it to Wednesday
    # midnight, and the hours move it again to Wednesday 08:00.
    p = one_rung(
        ContactHours("hours", window=(time(8), time(21))),
        FrequencyCap("daily", max_contacts=1, per=days(1), window="rolling_days"),
    )
    acct = account(_sms(at(2026, 1, 13, 7)))
    d = decide(p, acct, at(2026, 1, 12, 21, 30).replace(tzinfo=SH))
    # history after now is ignored, so put the capped contact before now instead:
    acct = account(_sms(at(2026, 1, 13, 0, 30)))
    d = decide(p, acct, at(2026, 1, 13, 0, 45))
    action = d.actions[0]
    assert action.not_before == at(2026, 1, 14, 8)
    codes = [r.code for r in action.reasons]
    assert "outside_hours" in codes
    assert "cap_reached" in codes


# --------------------------------------------------------------------------------------------
# holds, cease, opt-out


def test_an_account_disputed_on_day_10_gets_no_contact_until_resolved() -> None:
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 1, 19, 23))
    acct = acct.with_events(DisputeOpened(at=at(2026, 1, 20), reason="amount wrong"))
    d = decide(REFERENCE_POLICY, acct, at(2026, 2, 15))
    assert d.status == "on_hold"
    assert not d.actions
    assert d.deadline is None
    assert all(
        r.rule_id == "dispute-hold" for b in d.blocked for r in b.reasons if r.effect == "block"
    )
    assert any(r.code == "deadline_paused" for r in d.reasons)
    later = advance(REFERENCE_POLICY, acct, at(2026, 1, 20, 1), at(2026, 3, 1))
    assert not [
        e for e in later.events if isinstance(e, ContactAttempted) and e.at > at(2026, 1, 20)
    ]


def test_a_dispute_opened_mid_stage_pauses_the_escalation_deadline() -> None:
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 1, 19, 12))
    before = decide(REFERENCE_POLICY, acct, at(2026, 1, 19, 12))
    assert before.stage == "courtesy_call"
    assert before.deadline == at(2026, 1, 25)  # 7 days after entry on 2026-01-18 10:00
    acct = acct.with_events(
        DisputeOpened(at=at(2026, 1, 20), dispute_id="D1"),
        DisputeResolved(at=at(2026, 1, 30), dispute_id="D1"),
    )
    after = decide(REFERENCE_POLICY, acct, at(2026, 1, 30, 12))
    assert after.stage == "courtesy_call"
    assert after.transition is None
    assert after.deadline == at(2026, 2, 4)  # ten days later


def test_a_dispute_after_every_step_was_sent_puts_the_account_on_hold() -> None:
    acct = advance(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 1, 27, 12))
    before = decide(REFERENCE_POLICY, acct, at(2026, 1, 27, 12))
    assert before.stage == "formal_notice"
    assert before.actions == ()
    assert before.status == "active"  # steps sent, the deadline running
    held = acct.with_events(DisputeOpened(at=at(2026, 1, 27, 13), dispute_id="D2"))
    d = decide(REFERENCE_POLICY, held, at(2026, 1, 28, 12))
    assert d.status == "on_hold"
    assert d.deadline is None
    assert any(r.code == "deadline_paused" for r in d.reasons)


def test_a_manual_hold_with_an_end_defers_contact_until_then_and_pauses_the_clock() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        ManualHold(at=at(2026, 1, 11, 11), reason="hospital", until=at(2026, 1, 16, 9)),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 12))
    assert d.status == "active"
    assert all(a.not_before >= at(2026, 1, 16, 9) for a in d.actions)
    assert d.deadline is None
    assert d.wake_at == at(2026, 1, 16, 9)
    after = decide(REFERENCE_POLICY, acct, at(2026, 1, 16, 10))
    assert after.deadline == at(2026, 1, 18) + (at(2026, 1, 16, 9) - at(2026, 1, 11, 11))


def test_a_manual_hold_released_early_resumes_contact() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        ManualHold(at=at(2026, 1, 11, 11), reason="check", until=at(2026, 1, 30)),
        HoldReleased(at=at(2026, 1, 12, 9)),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 12, 10))
    assert d.due_actions


def test_bankruptcy_recorded_as_a_fact_halts_all_contact() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        FactSet(at=at(2026, 1, 11, 11), name="bankruptcy", detail="case 1"),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 20))
    assert d.status == "on_hold"
    assert {r.rule_id for b in d.blocked for r in b.reasons} == {"bankruptcy-hold"}


def test_a_cease_of_all_contact_blocks_everything_but_the_exempt_claim() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        CeaseRequested(at=at(2026, 1, 11, 11)),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 12))
    assert d.status == "on_hold"
    assert {r.code for b in d.blocked for r in b.reasons if r.effect == "block"} == {"ceased"}
    lit = account(
        AuthorisationGranted(at=at(2026, 1, 11), authorisation="legal_review"),
        ContactAttempted(
            at=at(2026, 1, 11), channel="letter", outcome="delivered", template="letter.lawyer"
        ),
        StageEntered(at=at(2026, 1, 11), stage="litigation"),
        CeaseRequested(at=at(2026, 1, 11, 11)),
    )
    d2 = decide(REFERENCE_POLICY, lit, at(2026, 1, 12))
    assert [a.template for a in d2.actions] == ["claim.file"]


def test_a_cease_of_phone_calls_only_falls_back_to_sms() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 18, 9), stage="courtesy_call"),
        CeaseRequested(at=at(2026, 1, 18, 9, 30), channels=("phone",)),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 18, 10))
    call = next(a for a in d.actions if a.template == "call.polite")
    assert call.channel == "sms"
    assert call.fallback_for == "phone"


def test_an_opt_out_of_calls_falls_back_to_sms_and_of_both_blocks_the_step() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 18, 9), stage="courtesy_call"),
        OptedOut(at=at(2026, 1, 18, 9, 10), channel="phone"),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 18, 10))
    call = next(a for a in d.actions if a.template == "call.polite")
    assert call.channel == "sms"
    assert call.fallback_for == "phone"
    assert [r.rule_id for r in call.reasons if r.effect == "block"] == ["opt-out"]
    both = acct.with_events(OptedOut(at=at(2026, 1, 18, 9, 30), channel="sms"))
    d2 = decide(REFERENCE_POLICY, both, at(2026, 1, 18, 10))
    assert {b.step for b in d2.blocked} == {"call.polite"}
    assert d2.blocked[0].channel == "phone/sms"
    # Issue 14 item 7: the follow-up text falls back to e-mail, as the policy promises.
    followup = next(a for a in d2.actions if a.template == "call.followup")
    assert (followup.channel, followup.fallback_for) == ("email", "sms")


# --------------------------------------------------------------------------------------------
# authorisation and prior events as rules


def test_a_requires_authorisation_rule_blocks_a_step_until_granted() -> None:
    p = one_rung(RequiresAuthorisation("auth", authorisation="sms_consent"))
    assert decide(p, account(), at(2026, 1, 12)).status == "on_hold"
    ok = account(AuthorisationGranted(at=at(2026, 1, 11), authorisation="sms_consent"))
    assert decide(p, ok, at(2026, 1, 12)).due_actions


def test_a_stage_requiring_an_authorisation_is_not_entered_without_it() -> None:
    p = Policy(
        "auth",
        stages=(
            Stage(
                "first",
                enters_when=days_overdue_at_least(1),
                steps=(Step("sms", template="a"),),
                deadline=days(1),
            ),
            Stage("second", requires=("approval",), steps=(Step("letter", template="b"),)),
        ),
    )
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="first"),
        ContactAttempted(
            at=at(2026, 1, 11), channel="sms", outcome="delivered", stage="first", step="a"
        ),
    )
    d = decide(p, acct, at(2026, 1, 13))
    assert d.status == "waiting"
    assert d.stage == "first"
    granted = acct.with_events(AuthorisationGranted(at=at(2026, 1, 13), authorisation="approval"))
    assert decide(p, granted, at(2026, 1, 13, 11)).transition is not None


def test_a_step_may_wait_a_minimum_time_after_a_prior_event() -> None:
    p = one_rung(
        RequiresPriorEvent("after-dispute", milestone="dispute_resolved", min_elapsed=days(3))
    )
    assert decide(p, account(), at(2026, 1, 12)).blocked[0].reasons[0].code == "missing_prior"
    acct = account(DisputeOpened(at=at(2026, 1, 11)), DisputeResolved(at=at(2026, 1, 11, 12)))
    d = decide(p, acct, at(2026, 1, 12))
    assert d.actions[0].not_before == at(2026, 1, 14, 12)


def test_a_time_bar_and_a_minimum_balance_rule_block_a_step() -> None:
    p = one_rung(
        TimeBar("bar", limitation=months(1)), MinimumBalance("min", minimum=Money("2000.00", "CNY"))
    )
    d = decide(p, account(), at(2026, 3, 1))
    codes = {r.code for b in d.blocked for r in b.reasons}
    assert codes & {"time_barred", "below_minimum"}


# --------------------------------------------------------------------------------------------
# the calendar: daylight saving and month ends


def test_a_daily_sms_across_the_new_york_spring_forward_keeps_nine_am_local() -> None:
    p = one_rung(
        ContactHours("hours", window=(time(9), time(20))),
        steps=(Step("sms", template="t.sms", repeat_every=days(1), max_attempts=5),),
    )
    acct = account(tz="America/New_York", due=date(2026, 3, 5))
    acct = advance(p, acct, at(2026, 3, 6, 9, tz=NY), at(2026, 3, 10, 12, tz=NY))
    sms = [e.at.astimezone(NY) for e in acct.events if isinstance(e, ContactAttempted)]
    assert [(s.day, s.hour) for s in sms] == [(6, 9), (7, 9), (8, 9), (9, 9), (10, 9)]
    assert sms[2].utcoffset() == timedelta(hours=-4)
    assert sms[1].utcoffset() == timedelta(hours=-5)


def test_contact_hours_hold_in_local_time_in_the_week_clocks_go_back() -> None:
    p = one_rung(ContactHours("hours", window=(time(8), time(21))))
    acct = account(tz="America/New_York", due=date(2026, 10, 30))
    # 2026-11-01 is the fall-back day; 07:30 EST is 12:30 UTC
    d = decide(p, acct, datetime(2026, 11, 1, 12, 30, tzinfo=UTC))
    assert d.actions[0].not_before == datetime(2026, 11, 1, 8, tzinfo=NY)
    assert d.actions[0].not_before.utcoffset() == timedelta(hours=-5)


def test_a_one_month_deadline_from_january_31_ends_on_february_28() -> None:
    p = one_rung(deadline=months(1))
    acct = account(due=date(2026, 1, 30))
    d = decide(p, acct, at(2026, 1, 31, 10))
    assert d.deadline == at(2026, 2, 28, 10)


# --------------------------------------------------------------------------------------------
# climbing the ladder


def test_an_account_imported_ninety_days_overdue_is_still_reminded_first() -> None:
    acct = account(due=date(2025, 10, 10))
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 8))
    assert d.days_overdue == 90
    assert d.transition is not None
    assert d.transition.to_stage == "reminder"
    acct = advance(REFERENCE_POLICY, acct, at(2026, 1, 8), at(2026, 2, 20))
    entered = [e.stage for e in acct.events if isinstance(e, StageEntered)]
    assert entered == ["reminder", "courtesy_call", "formal_notice", "lawyer_letter"]


def _remind(deadline: Duration) -> Stage:
    """The first rung of the skippable-rung scenarios: an SMS from the first day overdue."""
    return Stage(
        "remind",
        enters_when=days_overdue_at_least(1),
        steps=(Step("sms", template="r"),),
        deadline=deadline,
    )


def _agency(*requires: str) -> Stage:
    """A skippable agency rung that needs ``requires`` on file."""
    return Stage(
        "agency",
        skippable=True,
        requires=requires,
        steps=(Step("phone", template="a"),),
        deadline=days(3),
    )


def test_a_skippable_rung_is_passed_over_when_the_next_can_be_entered() -> None:
    p = Policy(
        "skip",
        stages=(
            _remind(days(3)),
            _agency("agency_contract"),
            Stage("letter", steps=(Step("letter", template="l"),)),
        ),
    )
    acct = advance(p, account(), at(2026, 1, 11), at(2026, 1, 15))
    entered = [e.stage for e in acct.events if isinstance(e, StageEntered)]
    assert entered == ["remind", "letter"]


def test_a_partial_payment_continues_the_stage_clock_by_default() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        PaymentReceived(at=at(2026, 1, 14), amount=Money("200.00", "CNY")),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 15))
    assert d.balance == Money("1000.00", "CNY")
    assert d.deadline == at(2026, 1, 18)


def test_a_partial_payment_restarts_the_stage_when_the_policy_says_so() -> None:
    p = attrs.evolve(REFERENCE_POLICY, on_partial_payment="restart_stage")
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        PaymentReceived(at=at(2026, 1, 14), amount=Money("200.00", "CNY")),
    )
    d = decide(p, acct, at(2026, 1, 15))
    assert d.deadline == at(2026, 1, 21)
    assert any(r.code == "stage_restarted" for r in d.reasons)


def test_paying_in_full_resolves_the_account() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        PaymentReceived(at=at(2026, 1, 14), amount=Money("1200.00", "CNY")),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 15))
    assert d.status == "resolved"
    assert not d.actions
    assert d.wake_at is None


def test_a_promise_to_pay_pauses_until_its_date_plus_grace_and_a_kept_one_resolves() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        PromiseToPay(at=at(2026, 1, 12), amount=Money("1200.00", "CNY"), by=date(2026, 1, 20)),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 13))
    assert d.status == "paused"
    assert not d.actions
    assert d.wake_at == at(2026, 1, 22, 0)  # end of the 20th, plus one day of grace
    kept = acct.with_events(PaymentReceived(at=at(2026, 1, 19), amount=Money("1200.00", "CNY")))
    assert decide(REFERENCE_POLICY, kept, at(2026, 1, 22)).status == "resolved"


def test_a_broken_promise_resumes_the_ladder_where_it_paused() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        PromiseToPay(at=at(2026, 1, 12), amount=Money("1200.00", "CNY"), by=date(2026, 1, 20)),
    )
    d = decide(REFERENCE_POLICY, acct, at(2026, 1, 22, 1))
    assert d.status == "active"
    assert any(r.code == "promise_broken" for r in d.reasons)
    assert d.stage == "reminder"
    assert d.transition is None
    # six days of the seven were left when the promise paused the clock
    assert d.deadline == at(2026, 1, 18) + (at(2026, 1, 22, 0) - at(2026, 1, 12))


def test_a_payment_plan_pauses_the_ladder_until_it_is_broken() -> None:
    from overdue.events import PaymentPlanBroken

    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        PaymentPlanAgreed(at=at(2026, 1, 12), plan_id="P1"),
    )
    assert decide(REFERENCE_POLICY, acct, at(2026, 2, 1)).status == "paused"
    broken = acct.with_events(PaymentPlanBroken(at=at(2026, 2, 1), plan_id="P1"))
    d = decide(REFERENCE_POLICY, broken, at(2026, 2, 1, 10))
    assert d.status == "active"
    assert d.stage == "reminder"


# --------------------------------------------------------------------------------------------
# what the decision carries


def test_idempotency_keys_are_stable_across_repeated_decisions() -> None:
    acct = account(StageEntered(at=at(2026, 1, 11), stage="reminder"))
    keys1 = [a.idempotency_key for a in decide(REFERENCE_POLICY, acct, at(2026, 1, 12)).actions]
    keys2 = [a.idempotency_key for a in decide(REFERENCE_POLICY, acct, at(2026, 1, 12, 15)).actions]
    assert keys1 == keys2
    assert "A-1:reminder#1:reminder.sms:1" in keys1


def test_explain_names_the_rules_and_the_times_for_a_compliance_officer() -> None:
    d = decide(REFERENCE_POLICY, account(), at(2026, 1, 11, 21, 40))
    text = d.explain()
    assert "contact-hours" in text
    assert "2026-01-12 08:00 CST" in text
    assert "escalates: 2026-01-18 21:40 CST" in text
    assert "[overdue reference policy" in text


def test_the_timeline_from_day_1_to_day_120_climbs_to_the_lawyer_letter_and_waits() -> None:
    entries = timeline(REFERENCE_POLICY, account(), at(2026, 1, 11), at(2026, 5, 10))
    stages = [e.stage for e in entries if e.kind == "stage_entered"]
    assert stages == ["reminder", "courtesy_call", "formal_notice", "lawyer_letter"]
    contacts = [e for e in entries if e.kind == "contact"]
    assert all(
        time(8) <= e.at.astimezone(SH).time() < time(21)
        for e in contacts
        if e.channel in ("sms", "phone")
    )
    assert entries[-1].kind == "waiting"
    assert [e.at for e in entries] == sorted(e.at for e in entries)


# --------------------------------------------------------------------------------------------
# odd but legal histories


def test_a_rung_switched_off_after_the_account_entered_it_goes_on_to_the_next_rung() -> None:
    fv = reference_policy(field_visit=True)
    acct = account(
        AuthorisationGranted(at=at(2026, 2, 1), authorisation="field_visit"),
        AuthorisationGranted(at=at(2026, 2, 1), authorisation="legal_review"),
        ContactAttempted(
            at=at(2026, 2, 1), channel="letter", outcome="delivered", template="letter.lawyer"
        ),
        StageEntered(at=at(2026, 2, 2), stage="field_visit"),
    )
    assert decide(fv, acct, at(2026, 2, 3)).stage == "field_visit"
    d = decide(REFERENCE_POLICY, acct, at(2026, 2, 3))
    assert d.transition is not None
    assert (d.transition.from_stage, d.transition.to_stage) == ("field_visit", "litigation")
    assert any(r.code == "disabled_stage" for r in d.reasons)


def test_the_same_moment_written_in_another_zone_gives_the_same_decision() -> None:
    p = one_rung(FrequencyCap("cap", max_contacts=1, per=days(1), window="rolling_days"))
    acct = account(_sms(at(2026, 1, 12, 7)), tz=None)
    local = decide(p, acct, at(2026, 1, 12, 9))
    utc = decide(p, acct, at(2026, 1, 12, 9).astimezone(UTC))
    assert [a.not_before for a in local.actions] == [a.not_before for a in utc.actions]
    assert local.deadline == utc.deadline
    assert local.wake_at == utc.wake_at


def test_a_step_deferred_beyond_the_horizon_is_blocked_and_asked_about_again_later() -> None:
    p = one_rung(
        CoolDown("long", after="conversation", period=days(200)),
        horizon=days(30),
        deadline=days(300),
    )
    acct = account(ContactAttempted(at=at(2026, 1, 11), channel="sms", outcome="conversation"))
    d = decide(p, acct, at(2026, 1, 12))
    assert d.status == "on_hold"
    assert d.blocked[0].reasons[-1].code == "horizon"
    assert d.wake_at is not None
    assert d.wake_at <= d.deadline


def test_a_waiting_account_wakes_when_a_skippable_rung_becomes_enterable() -> None:
    p = Policy(
        "wake",
        stages=(
            _remind(days(1)),
            Stage(
                "late",
                enters_when=days_overdue_at_least(20),
                skippable=True,
                steps=(Step("email", template="e"),),
                deadline=days(3),
            ),
            Stage("court", requires=("legal_review",), steps=(Step("letter", template="l"),)),
        ),
    )
    acct = advance(p, account(), at(2026, 1, 11), at(2026, 1, 13))
    d = decide(p, acct, at(2026, 1, 13))
    assert d.status == "waiting"
    assert d.wake_at == at(2026, 1, 30, 0)


def test_missing_authorisations_are_stated_as_before() -> None:
    """A rung waiting for an authorisation states it, also inside a skipped rung's reason
    (recorded as a note and written when read, issue 10)."""
    p = Policy(
        "auth",
        stages=(
            _remind(days(1)),
            _agency("agency_contract", "budget"),
            Stage("court", requires=("legal_review",), steps=(Step("letter", template="l"),)),
        ),
    )
    acct = advance(p, account(), at(2026, 1, 11), at(2026, 1, 13))
    d = decide(p, acct, at(2026, 1, 13))
    assert d.status == "waiting"
    assert [(r.code, r.message) for r in d.reasons if r.code != "rung_finished"] == [
        (
            "skipped",
            "agency is skippable and cannot be entered: "
            "agency requires 'agency_contract', 'budget', not on file",
        ),
        ("awaiting_authorisation", "court requires 'legal_review', not on file"),
    ]
    assert all(r.rule_id == "engine" and r.effect == "info" for r in d.reasons)
    assert d.waiting_for == (
        "authorisation:agency_contract",
        "authorisation:budget",
        "authorisation:legal_review",
    )


def test_decide_accepts_contacts_naming_stages_and_steps_the_policy_does_not_know() -> None:
    acct = account(
        StageEntered(at=at(2026, 1, 11), stage="reminder"),
        ContactAttempted(
            at=at(2026, 1, 11), channel="fax", outcome="unknown", stage="old", step="x"
        ),
        PaymentReceived(at=at(2026, 1, 12), amount=Money("5000.00", "CNY")),
    )
    assert decide(REFERENCE_POLICY, acct, at(2026, 1, 13)).status == "resolved"
