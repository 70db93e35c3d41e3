"""Each invariant check finds the violation it is named for, and nothing in a clean history."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, days, timeline
from overdue.events import (
    AuthorisationGranted,
    CeaseRequested,
    ContactAttempted,
    DisputeOpened,
    OptedOut,
    PaymentReceived,
    StageEntered,
)
from overdue.reference import REFERENCE_POLICY
from overdue.rules import (
    ContactHours,
    FrequencyCap,
    HoldWhile,
    MinimumGap,
    RequiresAuthorisation,
    RespectCease,
    RespectOptOut,
)
from overdue.testing import (
    Violation,
    check_all,
    check_attempts,
    check_authorisations,
    check_caps,
    check_cease,
    check_contact_hours,
    check_holds,
    check_idempotency,
    check_ladder_order,
    check_opt_outs,
    check_pauses,
    check_rules,
    history,
)

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai

POLICY = Policy(
    "p",
    stages=(
        Stage(
            "one",
            deadline=days(5),
            steps=(Step("sms", template="a", repeat_every="1d", max_attempts=3),),
        ),
        Stage("two", requires=("review",), steps=(Step("letter", template="b"),)),
    ),
    rules=(
        ContactHours("hours", window=(time(8), time(21)), channels=("sms",)),
        FrequencyCap("cap", max_contacts=1, per="1d", window="rolling_days"),
        HoldWhile("dispute", fact="dispute_open"),
        RespectCease("cease"),
        RespectOptOut("opt-out"),
        RequiresAuthorisation("letters", authorisation="review", channels=("letter",)),
        MinimumGap("gap", gap="2h"),
    ),
    currency="CNY",
)


def acct(*events: object) -> Account:
    return Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+8613800000000"), ContactPoint("letter", "1 Road")],
        invoices=[Invoice("I-1", Money("100.00", "CNY"), date(2026, 1, 1))],
        events=events,
    )


def sms(at: datetime, n: int = 1, **kw: object) -> ContactAttempted:
    return ContactAttempted(
        at=at,
        channel="sms",
        outcome="delivered",
        stage="one",
        step="a",
        template="a",
        idempotency_key=kw.pop("key", f"k{n}"),
        **kw,  # type: ignore[arg-type]
    )


ENTER = StageEntered(at=T0, stage="one")


def test_a_clean_history_has_no_violations() -> None:
    assert check_all(POLICY, acct(ENTER, sms(T0), sms(T0 + timedelta(days=1), 2))) == []


def test_contact_hours_reports_the_local_time() -> None:
    night = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    (v,) = check_contact_hours(POLICY, acct(ENTER, sms(night)))
    assert v.invariant == "contact_hours"
    assert v.rule_id == "hours"
    assert "23:00" in v.message
    assert "08:00-21:00" in v.message
    assert v.event_index == 1


def test_caps_count_the_local_day() -> None:
    (v,) = check_caps(POLICY, acct(ENTER, sms(T0), sms(T0 + timedelta(hours=3), 2)))
    assert v.rule_id == "cap"
    assert "allows 1" in v.message


def test_holds_cease_opt_outs() -> None:
    disputed = acct(ENTER, DisputeOpened(at=T0), sms(T0 + timedelta(hours=1)))
    assert [v.rule_id for v in check_holds(POLICY, disputed)] == ["dispute"]
    ceased = acct(ENTER, CeaseRequested(at=T0, channels="sms"), sms(T0 + timedelta(hours=1)))
    assert [v.rule_id for v in check_cease(POLICY, ceased)] == ["cease"]
    opted = acct(ENTER, OptedOut(at=T0, channel="sms"), sms(T0 + timedelta(hours=1)))
    assert [v.rule_id for v in check_opt_outs(POLICY, opted)] == ["opt-out"]


def test_authorisations_at_entry_and_for_covered_contacts() -> None:
    later = T0 + timedelta(days=6)
    letter = ContactAttempted(
        at=later, channel="letter", outcome="delivered", stage="two", step="b", template="b"
    )
    found = check_authorisations(POLICY, acct(ENTER, StageEntered(at=later, stage="two"), letter))
    assert {v.rule_id for v in found} == {"two", "letters"}
    ok = acct(
        ENTER,
        AuthorisationGranted(at=later, authorisation="review"),
        StageEntered(at=later, stage="two"),
        letter,
    )
    assert check_authorisations(POLICY, ok) == []


def test_ladder_order_early_escalation_skipping_and_going_back() -> None:
    early = acct(
        ENTER,
        AuthorisationGranted(at=T0, authorisation="review"),
        StageEntered(at=T0 + timedelta(days=1), stage="two"),
    )
    (v,) = check_ladder_order(POLICY, early)
    assert "cannot be finished before" in v.message
    skipped = acct(StageEntered(at=T0, stage="two"))
    assert "passing over one" in check_ladder_order(POLICY, skipped)[0].message
    back = acct(
        ENTER,
        StageEntered(at=T0 + timedelta(days=6), stage="two"),
        StageEntered(at=T0 + timedelta(days=7), stage="one"),
    )
    assert any("back to one" in v.message for v in check_ladder_order(POLICY, back))


def test_a_new_debt_after_full_payment_starts_from_the_bottom() -> None:
    paid = acct(
        ENTER,
        sms(T0),
        PaymentReceived(at=T0 + timedelta(days=1), amount=Money("100.00", "CNY")),
        sms(T0 + timedelta(days=3), 2),
    )
    messages = [v.message for v in check_ladder_order(POLICY, paid)]
    assert any("climb the ladder from one" in m for m in messages)
    assert any("paid in full" in v.message for v in check_pauses(POLICY, paid))


def test_attempts_and_idempotency() -> None:
    four = acct(ENTER, *(sms(T0 + timedelta(days=i), i) for i in range(4)))
    assert any("allows 3" in v.message for v in check_attempts(POLICY, four))
    twice = acct(ENTER, sms(T0, key="same"), sms(T0 + timedelta(days=1), key="same"))
    (v,) = check_idempotency(POLICY, twice)
    assert "same" in v.message


def test_other_rules_are_asked_through_their_own_check() -> None:
    close = acct(ENTER, sms(T0), sms(T0 + timedelta(minutes=30), 2))
    assert [v.rule_id for v in check_rules(POLICY, close)] == ["gap"]


def test_violations_read_well() -> None:
    v = Violation("caps", "too many", T0, "cap", 3)
    assert str(v) == "[caps] too many (event #3)"


def test_timeline_entries_and_decisions_are_merged_into_the_history() -> None:
    account = acct()
    entries = timeline(REFERENCE_POLICY, account, T0, T0 + timedelta(days=40))
    merged = history(REFERENCE_POLICY, account, entries)
    assert any(isinstance(e, StageEntered) for e in merged)
    assert check_all(REFERENCE_POLICY, account, entries) == []


@pytest.mark.parametrize("check", [check_all, check_caps, check_holds])
def test_checks_take_an_account_without_events(check: object) -> None:
    assert check(POLICY, acct()) == []  # type: ignore[operator]
