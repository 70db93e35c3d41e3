"""UK breathing space and mental-health crisis moratoria as HoldWhile facts.

England and Wales (Europe/London), Debt Respite Scheme: a standard breathing space lasts up to
60 days; a mental-health crisis breathing space lasts while the crisis treatment lasts and 30
days more.  The host records each with a ``FactSet`` (and ``until`` once the end is known).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, days, decide
from overdue.events import Event, FactCleared, FactSet, StageEntered
from overdue.rules import HALTING_FACTS, Citation, HoldWhile

LONDON = ZoneInfo("Europe/London")
GUIDANCE = Citation("Debt Respite Scheme (Breathing Space) guidance for creditors", mark="V")
RULES = (
    HoldWhile("breathing_space", fact="breathing_space", citation=GUIDANCE),
    HoldWhile("mhcbs", fact="mental_health_crisis_moratorium", citation=GUIDANCE),
)
START = datetime(2026, 3, 2, 9, tzinfo=LONDON)


def _policy() -> Policy:
    return Policy(
        "uk",
        stages=(
            Stage("reminder", steps=(Step("sms", template="sms.reminder"),), deadline="14d"),
            Stage("letter", steps=(Step("letter", template="letter.formal"),)),
        ),
        rules=RULES,
    )


def _account(*events: Event) -> Account:
    return Account(
        "UK-1",
        timezone="Europe/London",
        contacts=[ContactPoint("sms", "+447700900123"), ContactPoint("letter", "1 High St")],
        invoices=[Invoice("I", Money("750.00", "GBP"), date(2026, 2, 1))],
        events=[StageEntered(at=datetime(2026, 3, 1, 9, tzinfo=LONDON), stage="reminder"), *events],
    )


def test_moratorium_facts_are_listed() -> None:
    assert {"breathing_space", "mental_health_crisis_moratorium"} <= set(HALTING_FACTS)


def test_standard_breathing_space_holds_contact_for_60_days() -> None:
    until = days(60).add_to(START)  # 2026-05-01 09:00 BST
    acct = _account(FactSet(at=START, name="breathing_space", until=until))
    d = decide(_policy(), acct, datetime(2026, 3, 10, 9, tzinfo=LONDON))
    [sms] = d.actions
    assert sms.not_before == datetime(2026, 5, 1, 9, tzinfo=LONDON)
    assert sms.reasons[-1].rule_id == "breathing_space"
    assert d.deadline is None or d.deadline > until  # the escalation clock is paused
    assert d.stage == "reminder"


def test_contact_resumes_when_the_breathing_space_ends() -> None:
    until = days(60).add_to(START)
    acct = _account(FactSet(at=START, name="breathing_space", until=until))
    now = datetime(2026, 5, 1, 9, tzinfo=LONDON)
    [sms] = decide(_policy(), acct, now).actions
    assert sms.not_before == now


def test_mental_health_crisis_space_holds_while_treatment_lasts() -> None:
    acct = _account(FactSet(at=START, name="mental_health_crisis_moratorium", detail="treatment"))
    d = decide(_policy(), acct, datetime(2026, 6, 1, 9, tzinfo=LONDON))
    assert d.actions == ()
    assert d.status == "on_hold"
    assert d.blocked[0].reasons[-1].code == "hold"
    assert "no end set" in d.blocked[0].reasons[-1].message


def test_mental_health_crisis_space_ends_30_days_after_treatment() -> None:
    treatment_end = datetime(2026, 6, 15, 12, tzinfo=LONDON)
    acct = _account(
        FactSet(at=START, name="mental_health_crisis_moratorium"),
        FactSet(
            at=treatment_end,
            name="mental_health_crisis_moratorium",
            until=days(30).add_to(treatment_end),
            detail="treatment ended; 30 days follow",
        ),
    )
    d = decide(_policy(), acct, datetime(2026, 6, 20, 9, tzinfo=LONDON))
    [sms] = d.actions
    assert sms.not_before == datetime(2026, 7, 15, 12, tzinfo=LONDON)
    assert d.stage == "reminder"


def test_a_cancelled_breathing_space_releases_contact_at_once() -> None:
    acct = _account(
        FactSet(at=START, name="breathing_space", until=days(60).add_to(START)),
        FactCleared(at=datetime(2026, 3, 20, 9, tzinfo=LONDON), name="breathing_space"),
    )
    now = datetime(2026, 3, 20, 10, tzinfo=LONDON)
    [sms] = decide(_policy(), acct, now).actions
    assert sms.not_before == now
