"""Account JSON/JSONL: round trips, and errors that name the account, event and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from overdue.config import (
    account_from_dict,
    account_to_dict,
    event_from_dict,
    load_accounts,
    loads_accounts,
)
from overdue.errors import ConfigError
from overdue.events import CeaseRequested, ContactAttempted, Outcome

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "accounts.jsonl"


def test_sample_portfolio_round_trips() -> None:
    results = list(load_accounts(EXAMPLES))
    assert len(results) >= 10
    assert all(r.ok for r in results)
    for r in results:
        assert r.account is not None
        doc = account_to_dict(r.account)
        assert account_from_dict(json.loads(json.dumps(doc))) == r.account


def test_events_are_tagged_by_kind_and_typed() -> None:
    ev = event_from_dict(
        {
            "kind": "contact",
            "at": "2026-02-01T10:00:00+08:00",
            "channel": "phone",
            "outcome": "no_answer",
        }
    )
    assert isinstance(ev, ContactAttempted)
    assert ev.outcome is Outcome.NO_ANSWER
    cease = event_from_dict(
        {"kind": "cease_requested", "at": "2026-02-01T10:00:00Z", "channels": ["sms"]}
    )
    assert cease == CeaseRequested(at=cease.at, channels=frozenset({"sms"}))


BAD = {
    "id": "A-9",
    "timezone": "Asia/Shanghai",
    "invoices": [{"id": "I-1", "amount": "100.00 CNY", "due": "2026-01-10"}],
    "events": [
        {"kind": "payment", "at": "2026-01-12T10:00:00+08:00", "amount": "10.00 CNY"},
        {"kind": "payment", "at": "2026-01-13T10:00:00", "amount": 5.5},
    ],
}


def test_errors_name_account_event_index_and_key() -> None:
    with pytest.raises(ConfigError) as info:
        account_from_dict(BAD)
    err = info.value
    assert err.account_id == "A-9"
    assert err.event_index == 1
    assert err.key_path == "$.events[1].at"
    assert "offset" in str(err)
    notes = getattr(err, "__notes__", [])
    assert any("$.events[1].amount" in n for n in notes)


def test_unknown_event_kind_and_bad_zone() -> None:
    doc = {
        "id": "A-1",
        "timezone": "Asia/Shangai",
        "events": [{"kind": "paymnt", "at": "2026-01-01T00:00:00Z"}],
    }
    with pytest.raises(ConfigError) as info:
        account_from_dict(doc)
    assert info.value.key_path == "$.timezone"
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "did you mean 'payment'" in notes
    assert "event #0" in notes


def test_one_bad_line_does_not_stop_the_batch() -> None:
    good = json.dumps({"id": "A-1"})
    text = "\n".join([good, "{not json", json.dumps(BAD), "", json.dumps({"id": "A-2"})])
    results = list(loads_accounts(text))
    assert [r.ok for r in results] == [True, False, False, True]
    assert [r.line for r in results] == [1, 2, 3, 5]
    assert results[2].account_id == "A-9"


def test_json_list_files(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps([{"id": "A-1"}, {"id": "A-2"}]))
    assert [r.account_id for r in load_accounts(path)] == ["A-1", "A-2"]
