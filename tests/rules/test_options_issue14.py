"""Rule options added for issue 14: per-day windows, tag exemptions, call recording, the dispute
hold's scoping, and obligations carried once per duty."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.errors import PolicyError
from overdue.events import DisputeOpened, FactSet, StageEntered
from overdue.obligations import Obligation, canonical, merged
from overdue.rules import ContactHours, DisputeHold, HoldWhile, RequiresRecording

TOR = ZoneInfo("America/Toronto")


def _policy(*rules: object, tags: tuple[str, ...] = ()) -> Policy:
    return Policy(
        "p",
        stages=(Stage("collect", steps=(Step("phone", template="call", tags=tags),)),),
        rules=rules,  # type: ignore[arg-type]
    )


def _account(*events: object) -> Account:
    return Account(
        "A-1",
        timezone="America/Toronto",
        contacts=(ContactPoint("phone", "+1 416 555 0100"),),
        invoices=(Invoice("I-1", Money("100.00", "CAD"), date(2026, 2, 1)),),
        events=(StageEntered(at=datetime(2026, 3, 1, 9, tzinfo=TOR), stage="collect"), *events),  # type: ignore[arg-type]
    )


SUNDAY = ContactHours("sun", window=(time(13), time(17)), weekdays=("sun",), other_days="open")
WEEK = ContactHours(
    "week",
    window=(time(7), time(21)),
    weekdays=("mon", "tue", "wed", "thu", "fri", "sat"),
    other_days="open",
)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 7, 6, 0), datetime(2026, 3, 7, 7, 0)),  # Saturday, before opening
        (datetime(2026, 3, 7, 21, 30), datetime(2026, 3, 8, 13, 0)),  # Sat night -> Sunday 13:00
        (datetime(2026, 3, 8, 17, 30), datetime(2026, 3, 9, 7, 0)),  # Sunday evening -> Monday
        (datetime(2026, 3, 8, 14, 0), datetime(2026, 3, 8, 14, 0)),  # Sunday afternoon: now
    ],
)
def test_two_contact_hours_rules_with_other_days_open_give_two_windows(
    now: datetime, expected: datetime
) -> None:
    d = decide(_policy(WEEK, SUNDAY), _account(), now.replace(tzinfo=TOR))
    assert d.actions[0].not_before == expected.replace(tzinfo=TOR)


def test_other_days_open_needs_weekdays() -> None:
    with pytest.raises(PolicyError, match="weekdays"):
        ContactHours("x", other_days="open")
    assert "(other days: other rules)" in SUNDAY.describe()


def test_exempt_tags_let_a_notice_the_law_requires_through_a_hold() -> None:
    hold = HoldWhile("space", fact="breathing_space", exempt_tags=("required_by_law",))
    space = FactSet(at=datetime(2026, 3, 2, 9, tzinfo=TOR), name="breathing_space")
    now = datetime(2026, 3, 3, 10, tzinfo=TOR)
    assert not decide(_policy(hold), _account(space), now).actions
    assert decide(_policy(hold, tags=("required_by_law",)), _account(space), now).actions
    assert "except templates tagged required_by_law" in hold.describe()


def test_requires_recording_attaches_the_recording_obligation_to_calls() -> None:
    d = decide(_policy(RequiresRecording("rec")), _account(), datetime(2026, 3, 3, 10, tzinfo=TOR))
    assert [o.code for o in d.actions[0].obligations] == ["recording"]
    assert RequiresRecording("rec").channels == frozenset({"phone", "ai_voice"})


def test_dispute_hold_any_time_holds_every_open_dispute() -> None:
    rule = DisputeHold("d")
    dispute = DisputeOpened(at=datetime(2026, 3, 2, 9, tzinfo=TOR))
    d = decide(_policy(rule), _account(dispute), datetime(2026, 3, 3, 10, tzinfo=TOR))
    assert not d.actions
    assert d.debt_disputed is True
    assert d.blocked[0].reasons[0].code == "dispute_hold"
    assert rule.describe() == "no collection while any dispute is open"


def test_obligations_are_merged_once_per_duty_keeping_the_first_code_and_both_texts() -> None:
    stage = (Obligation("two_staff", "visit with two"), Obligation("identity_disclosure", "a"))
    rule = (Obligation("min_staff", "at least 3 staff"), Obligation("identity_disclosure", "a"))
    out = merged(stage, rule)
    assert [o.code for o in out] == ["two_staff", "identity_disclosure"]
    assert out[0].text == "visit with two; at least 3 staff"
    assert canonical("record_visit") == "recording"
