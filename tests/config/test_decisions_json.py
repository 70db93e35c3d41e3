"""The decision record: a stable, JSON-serialisable shape."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide
from overdue.config import decision_to_dict
from overdue.config.decisions import error_to_dict
from overdue.errors import EventError

SH = ZoneInfo("Asia/Shanghai")

TOP_KEYS = [
    "schema",
    "account_id",
    "at",
    "policy",
    "status",
    "stage",
    "stage_since",
    "days_overdue",
    "balance",
    "zone",
    "transition",
    "actions",
    "blocked",
    "deadline",
    "wake_at",
    "reasons",
    "record",
    "retain_until",
    "debt_disputed",
]
ACTION_KEYS = [
    "stage",
    "step",
    "channel",
    "template",
    "attempt",
    "max_attempts",
    "not_before",
    "due",
    "idempotency_key",
    "fallback_for",
    "performed_by",
    "party",
    "discloses_debt",
    "is_reply",
    "contact",
    "facts",
    "obligations",
    "evidence",
    "reasons",
]


def test_decision_record_shape_is_stable() -> None:
    acct = Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+86 138 0013 8000"), ContactPoint("in_app", "u-1")],
        invoices=[Invoice("I-1", Money("1200.50", "CNY"), date(2026, 1, 10))],
    )
    d = decide(REFERENCE_POLICY, acct, datetime(2026, 1, 11, 21, 40, tzinfo=SH))
    doc = json.loads(json.dumps(decision_to_dict(d)))
    assert list(doc) == TOP_KEYS
    assert doc["schema"] == "overdue.decision/1"
    assert doc["balance"] == "1200.50 CNY"
    assert doc["transition"] == {"from": None, "to": "reminder", "at": "2026-01-11T21:40:00+08:00"}
    assert doc["record"][0]["kind"] == "stage_entered"
    action = doc["actions"][0]
    assert list(action) == ACTION_KEYS
    sms = next(a for a in doc["actions"] if a["channel"] == "sms")
    assert sms["contact"]["address"] != "+86 138 0013 8000"  # masked
    assert sms["due"] is False
    assert sms["not_before"].startswith("2026-01-12T08:00")
    assert sms["party"] == "debtor"
    assert sms["discloses_debt"] is True
    assert sms["is_reply"] is False
    assert sms["facts"]["amount"] == "1200.50"


def test_error_record() -> None:
    rec = error_to_dict(EventError("out of order", event_index=3, account_id="A-7"), line=4)
    assert rec["status"] == "error"
    assert rec["account_id"] == "A-7"
    assert rec["line"] == 4
    assert rec["error"]["event_index"] == 3
    assert rec["error"]["type"] == "EventError"
