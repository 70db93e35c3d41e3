"""Consent waivers and the one reply to a debtor-initiated contact.

Chinese scenarios (CN-6): no collection between 22:00 and 08:00 Asia/Shanghai "unless the two
parties agreed otherwise"; US scenario (Reg F 1006.6(b)(4)): a debtor who contacts the
collector at an inconvenient time may get one reply through the same medium.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.config import account_from_dict, account_to_dict, loads_policy
from overdue.durations import days
from overdue.errors import EventError, PolicyError
from overdue.events import (
    ConsentWaiver,
    ConsentWithdrawn,
    ContactAttempted,
    DebtorContacted,
    StageEntered,
)
from overdue.rules import Citation, ContactHours, FrequencyCap, RespondOnce, Rule
from overdue.snapshot import fold

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")

CN_QUIET = ContactHours(
    "cn_quiet_hours",
    window=(time(8), time(22)),
    waivable=True,
    citation=Citation("NIFA 2024 guideline", mark="S"),
)


def _policy(*rules: Rule, steps: tuple[Step, ...] | None = None) -> Policy:
    steps = steps or (Step("sms", template="reminder"), Step("phone", template="call"))
    return Policy("cn", stages=(Stage("collection", steps=steps),), rules=rules)


def _account(*events: object) -> Account:
    return Account(
        "CN-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+8613812345678"), ContactPoint("phone", "+8613812345678")],
        invoices=[Invoice("I-1", Money("1200.00", "CNY"), date(2026, 2, 1))],
        events=[StageEntered(at=datetime(2026, 2, 20, 9, tzinfo=SH), stage="collection"), *events],  # type: ignore[list-item]
    )


def _by_channel(policy: Policy, account: Account, now: datetime) -> dict[str, object]:
    d = decide(policy, account, now)
    return {a.channel: a for a in d.actions}


# -- the event and the snapshot ------------------------------------------------------------------


def test_a_waiver_runs_for_local_days_and_ends_when_withdrawn() -> None:
    agreed = ConsentWaiver(
        at=datetime(2026, 3, 4, 21, tzinfo=SH),
        rule_id="cn_quiet_hours",
        duration="7d",
        detail="agreed to calls until 23:00",
    )
    snap = fold(_account(agreed))
    assert snap.waiver_for("cn_quiet_hours", datetime(2026, 3, 11, 20, 59, tzinfo=SH), SH)
    assert snap.waiver_for("cn_quiet_hours", datetime(2026, 3, 11, 21, tzinfo=SH), SH) is None
    assert snap.waiver_for("cn_quiet_hours", datetime(2026, 3, 4, 20, tzinfo=SH), SH) is None
    assert snap.waiver_for("other", datetime(2026, 3, 5, tzinfo=SH), SH) is None
    withdrawn = ConsentWithdrawn(at=datetime(2026, 3, 6, 9, tzinfo=SH), rule_id="cn_quiet_hours")
    snap = fold(_account(agreed, withdrawn))
    assert snap.waiver_for("cn_quiet_hours", datetime(2026, 3, 6, 8, tzinfo=SH), SH)
    assert snap.waiver_for("cn_quiet_hours", datetime(2026, 3, 6, 9, tzinfo=SH), SH) is None


def test_waiver_events_are_checked() -> None:
    at = datetime(2026, 3, 4, 21, tzinfo=SH)
    with pytest.raises(EventError, match="both until and duration"):
        ConsentWaiver(at=at, rule_id="r", until=at + timedelta(days=1), duration=days(1))
    with pytest.raises(EventError, match="ends before it starts"):
        ConsentWaiver(at=at, rule_id="r", until=at)
    with pytest.raises(EventError, match="never given"):
        fold(_account(ConsentWithdrawn(at=at, rule_id="r")))


def test_new_events_round_trip_through_account_json() -> None:
    account = _account(
        ConsentWaiver(
            at=datetime(2026, 3, 4, 21, tzinfo=SH), rule_id="cn_quiet_hours", duration="7d"
        ),
        ConsentWithdrawn(at=datetime(2026, 3, 5, 21, tzinfo=SH), rule_id="cn_quiet_hours"),
        DebtorContacted(
            at=datetime(2026, 3, 5, 23, tzinfo=SH), channel="sms", detail="asked for a call"
        ),
        ContactAttempted(
            at=datetime(2026, 3, 6, 9, tzinfo=SH),
            channel="phone",
            outcome="invalid_number",
            party="third_party",
        ),
    )
    data = account_to_dict(account)
    kinds = [e["kind"] for e in data["events"]]
    assert kinds[1:4] == ["consent_waiver", "consent_withdrawn", "debtor_contacted"]
    assert account_from_dict(data) == account


# -- waivable rules -------------------------------------------------------------------------------


def test_a_waivable_rule_is_lifted_while_the_waiver_runs_and_says_so() -> None:
    # The debtor agreed on Wednesday 4 March at 21:00 to calls after 22:00 for 7 days.
    agreed = ConsentWaiver(
        at=datetime(2026, 3, 4, 21, tzinfo=SH),
        rule_id="cn_quiet_hours",
        duration="7d",
        detail="debtor works nights",
    )
    now = datetime(2026, 3, 5, 23, 30, tzinfo=SH)
    actions = _by_channel(_policy(CN_QUIET), _account(agreed), now)
    call = actions["phone"]
    assert call.not_before == now  # type: ignore[attr-defined]
    (note,) = [r for r in call.reasons if r.code == "waived"]  # type: ignore[attr-defined]
    assert note.rule_id == "cn_quiet_hours"
    assert note.effect == "info"
    assert "debtor works nights" in note.message
    assert "until 2026-03-11 21:00" in note.message
    assert note.citation == CN_QUIET.citation


def test_after_the_waiver_the_rule_applies_again() -> None:
    agreed = ConsentWaiver(
        at=datetime(2026, 3, 4, 21, tzinfo=SH), rule_id="cn_quiet_hours", duration="7d"
    )
    now = datetime(2026, 3, 11, 23, 30, tzinfo=SH)
    actions = _by_channel(_policy(CN_QUIET), _account(agreed), now)
    assert actions["phone"].not_before == datetime(2026, 3, 12, 8, tzinfo=SH)  # type: ignore[attr-defined]


def test_a_rule_that_is_not_waivable_ignores_the_waiver() -> None:
    hard = ContactHours("cn_quiet_hours", window=(time(8), time(22)))
    agreed = ConsentWaiver(at=datetime(2026, 3, 4, 21, tzinfo=SH), rule_id="cn_quiet_hours")
    now = datetime(2026, 3, 5, 23, 30, tzinfo=SH)
    actions = _by_channel(_policy(hard), _account(agreed), now)
    assert actions["phone"].not_before == datetime(2026, 3, 6, 8, tzinfo=SH)  # type: ignore[attr-defined]


def test_a_waived_cap_is_lifted_for_more_calls() -> None:
    # CN-9: six unanswered attempts a day "unless agreed otherwise with the debtor".
    cap = FrequencyCap(
        "cn9",
        channels=("phone",),
        max_contacts=6,
        per="1d",
        window="rolling_days",
        scope="contact_point",
        counts="unanswered",
        waivable=True,
    )
    calls = [
        ContactAttempted(
            at=datetime(2026, 3, 5, 9 + i, tzinfo=SH),
            channel="phone",
            outcome="no_answer",
            contact_point="+8613812345678",
        )
        for i in range(6)
    ]
    now = datetime(2026, 3, 5, 16, tzinfo=SH)
    assert _by_channel(_policy(cap), _account(*calls), now)["phone"].not_before > now  # type: ignore[attr-defined]
    agreed = ConsentWaiver(
        at=datetime(2026, 3, 5, 15, tzinfo=SH), rule_id="cn9", until=datetime(2026, 3, 6, tzinfo=SH)
    )
    assert _by_channel(_policy(cap), _account(*calls, agreed), now)["phone"].not_before == now  # type: ignore[attr-defined]


def test_waivable_is_read_from_a_policy_file() -> None:
    policy = loads_policy(
        """
        schema = "overdue.policy/1"
        id = "cn"
        [[stages]]
        id = "collection"
        steps = [{ channel = "sms", template = "reminder" }]
        [[rules]]
        kind = "contact_hours"
        id = "cn_quiet_hours"
        window = ["08:00", "22:00"]
        waivable = true
        """,
        format="toml",
    )
    assert policy.rules[0].waivable is True  # type: ignore[attr-defined]


# -- one reply to the debtor's own contact --------------------------------------------------------

REPLY = RespondOnce("reply_once", channels=("sms",))


def test_one_reply_goes_out_at_once_after_the_debtor_texts_at_night() -> None:
    # The debtor texts at 23:10 (quiet hours): one SMS reply may go out now; the call waits.
    texted = DebtorContacted(at=datetime(2026, 3, 5, 23, 10, tzinfo=SH), channel="sms")
    now = datetime(2026, 3, 5, 23, 15, tzinfo=SH)
    actions = _by_channel(_policy(CN_QUIET, REPLY), _account(texted), now)
    sms, call = actions["sms"], actions["phone"]
    assert sms.not_before == now
    assert sms.is_reply
    (note,) = [r for r in sms.reasons if r.code == "reply"]  # type: ignore[attr-defined]
    assert note.rule_id == "reply_once"
    assert "2026-03-05 23:10" in note.message
    assert "cn_quiet_hours let through" in note.message
    assert call.not_before == datetime(2026, 3, 6, 8, tzinfo=SH)
    assert not call.is_reply
    assert "the one reply" in decide(_policy(CN_QUIET, REPLY), _account(texted), now).explain()


def test_only_one_reply_once_it_is_recorded() -> None:
    texted = DebtorContacted(at=datetime(2026, 3, 5, 23, 10, tzinfo=SH), channel="sms")
    replied = ContactAttempted(
        at=datetime(2026, 3, 5, 23, 15, tzinfo=SH), channel="sms", outcome="delivered"
    )
    steps = (
        Step("sms", template="reply", id="reply"),
        Step("sms", template="reminder", id="reminder"),
    )
    now = datetime(2026, 3, 5, 23, 20, tzinfo=SH)
    d = decide(_policy(CN_QUIET, REPLY, steps=steps), _account(texted, replied), now)
    assert all(a.not_before == datetime(2026, 3, 6, 8, tzinfo=SH) for a in d.actions)
    assert not any(a.is_reply for a in d.actions)


def test_only_one_reply_within_one_decision() -> None:
    texted = DebtorContacted(at=datetime(2026, 3, 5, 23, 10, tzinfo=SH), channel="sms")
    steps = (
        Step("sms", template="reply", id="reply"),
        Step("sms", template="reminder", id="reminder"),
    )
    now = datetime(2026, 3, 5, 23, 15, tzinfo=SH)
    d = decide(_policy(CN_QUIET, REPLY, steps=steps), _account(texted), now)
    first, second = d.actions
    assert (first.step, first.not_before, first.is_reply) == ("reply", now, True)
    assert (second.not_before, second.is_reply) == (datetime(2026, 3, 6, 8, tzinfo=SH), False)


def test_no_reply_after_the_window_or_on_another_channel() -> None:
    texted = DebtorContacted(at=datetime(2026, 3, 5, 23, 10, tzinfo=SH), channel="sms")
    late = datetime(2026, 3, 6, 23, 15, tzinfo=SH)  # 24h 5min later
    actions = _by_channel(_policy(CN_QUIET, REPLY), _account(texted), late)
    assert actions["sms"].not_before == datetime(2026, 3, 7, 8, tzinfo=SH)  # type: ignore[attr-defined]
    called = DebtorContacted(at=datetime(2026, 3, 5, 23, 10, tzinfo=SH), channel="phone")
    now = datetime(2026, 3, 5, 23, 15, tzinfo=SH)
    actions = _by_channel(_policy(CN_QUIET, REPLY), _account(called), now)
    assert actions["sms"].not_before == datetime(2026, 3, 6, 8, tzinfo=SH)  # type: ignore[attr-defined]


def test_an_inbound_contact_record_also_opens_the_reply() -> None:
    inbound = ContactAttempted(
        at=datetime(2026, 3, 5, 23, 10, tzinfo=SH),
        channel="sms",
        outcome="delivered",
        initiated_by="debtor",
    )
    now = datetime(2026, 3, 5, 23, 15, tzinfo=SH)
    assert _by_channel(_policy(CN_QUIET, REPLY), _account(inbound), now)["sms"].is_reply  # type: ignore[attr-defined]


def test_the_reply_does_not_override_rules_of_other_kinds() -> None:
    # A daily SMS cap still holds: respond_once overrides contact hours and quiet days only.
    cap = FrequencyCap(
        "one_sms_a_day", channels=("sms",), max_contacts=1, per="1d", window="rolling_days"
    )
    earlier = ContactAttempted(
        at=datetime(2026, 3, 5, 10, tzinfo=SH), channel="sms", outcome="delivered"
    )
    texted = DebtorContacted(at=datetime(2026, 3, 5, 23, 10, tzinfo=SH), channel="sms")
    now = datetime(2026, 3, 5, 23, 15, tzinfo=SH)
    sms = _by_channel(_policy(CN_QUIET, REPLY, cap), _account(earlier, texted), now)["sms"]
    assert sms.not_before == datetime(2026, 3, 6, 8, tzinfo=SH)  # type: ignore[attr-defined]


def test_reg_f_reply_through_the_same_medium() -> None:
    # A New York debtor e-mails at 22:40 (after 21:00): one e-mail reply may go out now.
    policy = Policy(
        "us",
        stages=(Stage("collection", steps=(Step("email", template="reply"),)),),
        rules=(ContactHours("reg_f_hours"), RespondOnce("reg_f_reply", within="24h")),
    )
    account = Account(
        "US-3",
        timezone="America/New_York",
        contacts=[ContactPoint("email", "debtor@example.org")],
        invoices=[Invoice("I-1", Money("300.00", "USD"), date(2026, 2, 1))],
        events=[
            StageEntered(at=datetime(2026, 2, 20, 9, tzinfo=NY), stage="collection"),
            DebtorContacted(at=datetime(2026, 3, 5, 22, 40, tzinfo=NY), channel="email"),
        ],
    )
    now = datetime(2026, 3, 5, 22, 45, tzinfo=NY)
    (action,) = decide(policy, account, now).actions
    assert action.not_before == now
    assert action.is_reply


def test_respond_once_checks_its_fields() -> None:
    with pytest.raises(PolicyError):
        RespondOnce("r", within="2bd")
    with pytest.raises(PolicyError, match="overrides"):
        RespondOnce("r", overrides=())
    assert "within 24h" in REPLY.describe()
    assert "contact_hours" in REPLY.describe()


def test_the_testing_kit_accepts_waived_and_replied_contacts() -> None:
    from overdue.testing import check_all

    texted = DebtorContacted(at=datetime(2026, 3, 5, 23, 10, tzinfo=SH), channel="sms")
    reply = ContactAttempted(
        at=datetime(2026, 3, 5, 23, 15, tzinfo=SH),
        channel="sms",
        outcome="delivered",
        stage="collection",
        step="reminder",
        template="reminder",
    )
    second = ContactAttempted(
        at=datetime(2026, 3, 5, 23, 20, tzinfo=SH),
        channel="sms",
        outcome="delivered",
        stage="collection",
        step="reminder",
        template="reminder",
    )
    policy = _policy(CN_QUIET, REPLY)
    codes = [v.invariant for v in check_all(policy, _account(texted, reply))]
    assert "contact_hours" not in codes
    # a second message that night is a violation
    assert "contact_hours" in [
        v.invariant for v in check_all(policy, _account(texted, reply, second))
    ]
    agreed = ConsentWaiver(
        at=datetime(2026, 3, 4, 21, tzinfo=SH), rule_id="cn_quiet_hours", duration="7d"
    )
    call = ContactAttempted(
        at=datetime(2026, 3, 5, 23, 30, tzinfo=SH),
        channel="phone",
        outcome="conversation",
        stage="collection",
        step="call",
        template="call",
    )
    assert "contact_hours" not in [v.invariant for v in check_all(policy, _account(agreed, call))]
