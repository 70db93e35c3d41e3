"""RecordRetention: the decision says until when the account's records must be kept."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.config import dumps_policy, loads_policy
from overdue.config.decisions import decision_to_dict
from overdue.errors import PolicyError
from overdue.events import ContactAttempted, Event, FactSet
from overdue.rules import BUILTIN_RULES, Citation, RecordRetention

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")

REG_F = RecordRetention(
    "reg_f_records", years=3, citation=Citation("12 CFR 1006.100", "(a)", mark="S")
)
NIFA = RecordRetention(
    "nifa_records",
    years=5,
    from_event="fact:account_closed",
    citation=Citation("NIFA collection convention 2018", "Art. 21", mark="S"),
)


def _policy(*rules: RecordRetention) -> Policy:
    return Policy("r", stages=(Stage("s", steps=(Step("sms", template="t"),)),), rules=rules)


def _account(tz: str, *events: Event) -> Account:
    return Account(
        "A",
        timezone=tz,
        contacts=[ContactPoint("sms", "+8613800138000")],
        invoices=[Invoice("I", Money("100.00", "CNY"), date(2026, 1, 10))],
        events=list(events),
    )


def _sms(at: datetime, initiated_by: str = "creditor") -> ContactAttempted:
    return ContactAttempted(at=at, channel="sms", outcome="delivered", initiated_by=initiated_by)


def test_records_kept_three_years_after_the_last_contact() -> None:
    # 2026-01-12 23:30 in New York is already 2026-01-13 in UTC: the debtor's date counts.
    acct = _account("America/New_York", _sms(datetime(2026, 1, 12, 23, 30, tzinfo=NY)))
    d = decide(_policy(REG_F), acct, datetime(2026, 1, 14, 10, tzinfo=NY))
    assert d.retain_until == date(2029, 1, 12)
    assert "keep records until: 2029-01-12" in d.explain()
    assert json.loads(json.dumps(decision_to_dict(d)))["retain_until"] == "2029-01-12"


def test_inbound_contacts_do_not_move_the_retention() -> None:
    acct = _account(
        "Asia/Shanghai",
        _sms(datetime(2026, 1, 12, 10, tzinfo=SH)),
        _sms(datetime(2026, 2, 1, 10, tzinfo=SH), initiated_by="debtor"),
    )
    assert decide(_policy(REG_F), acct, datetime(2026, 2, 2, tzinfo=SH)).retain_until == date(
        2029, 1, 12
    )


def test_no_contact_yet_means_no_retention_date() -> None:
    d = decide(_policy(REG_F), _account("Asia/Shanghai"), datetime(2026, 1, 12, tzinfo=SH))
    assert d.retain_until is None
    assert decision_to_dict(d)["retain_until"] is None


def test_the_longest_retention_wins_and_a_milestone_can_start_it() -> None:
    acct = _account(
        "Asia/Shanghai",
        _sms(datetime(2026, 1, 12, 10, tzinfo=SH)),
        FactSet(at=datetime(2026, 1, 20, 10, tzinfo=SH), name="account_closed"),
    )
    d = decide(_policy(REG_F, NIFA), acct, datetime(2026, 1, 21, tzinfo=SH))
    assert d.retain_until == date(2031, 1, 20)


def test_a_leap_day_start_ends_on_28_february() -> None:
    acct = _account("Asia/Shanghai", _sms(datetime(2028, 2, 29, 10, tzinfo=SH)))
    assert decide(_policy(REG_F), acct, datetime(2028, 3, 1, tzinfo=SH)).retain_until == date(
        2031, 2, 28
    )


def test_retention_never_defers_or_blocks_a_contact() -> None:
    acct = _account("Asia/Shanghai")
    now = datetime(2026, 1, 12, 10, tzinfo=SH)
    assert decide(_policy(REG_F), acct, now).actions == decide(_policy(), acct, now).actions


def test_record_retention_validates_loads_and_describes() -> None:
    with pytest.raises(PolicyError):
        RecordRetention("r", years=0)
    assert BUILTIN_RULES["record_retention"] is RecordRetention
    policy = _policy(REG_F, NIFA)
    assert loads_policy(dumps_policy(policy)) == policy
    assert REG_F.describe() == "keep collection_records 3 year(s) after the last contact"
    assert NIFA.describe() == "keep collection_records 5 year(s) after fact:account_closed"
