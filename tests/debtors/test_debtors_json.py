"""Debtors as JSON: read, written back unchanged, and every problem located."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from overdue import Account, ContactPoint
from overdue.config import account_from_dict, account_to_dict
from overdue.config.debtors import (
    debtor_from_dict,
    debtor_to_dict,
    debtors_from_accounts,
    load_debtors,
    loads_debtors,
)
from overdue.errors import OverdueError

DOC: dict[str, Any] = {
    "schema": "overdue.debtor/1",
    "id": "P-1",
    "timezone": "America/New_York",
    "contacts": [
        {"channel": "phone", "address": "+12125550100", "kind": "mobile"},
        {"channel": "phone", "address": "+12125550111", "kind": "home"},
    ],
    "debts": [
        {
            "id": "LOAN-1",
            "invoices": [{"id": "I-1", "amount": "100.00 USD", "due": "2026-02-01"}],
            "events": [
                {
                    "kind": "contact",
                    "at": "2026-03-02T10:00:00-05:00",
                    "channel": "phone",
                    "outcome": "conversation",
                    "debt_ids": ["LOAN-2", "LOAN-1"],
                }
            ],
        },
        {"id": "LOAN-2", "invoices": [{"id": "I-2", "amount": "50.00 USD", "due": "2026-02-03"}]},
    ],
}


def test_a_debtor_reads_and_writes_back_the_same() -> None:
    debtor = debtor_from_dict(DOC)
    assert debtor.debt_ids == ("LOAN-1", "LOAN-2")
    assert debtor.contacts[1].kind == "home"
    assert debtor.debts[0].events[0].debt_ids == ("LOAN-1", "LOAN-2")  # type: ignore[attr-defined]
    again = debtor_from_dict(json.loads(json.dumps(debtor_to_dict(debtor))))
    assert again == debtor


def test_a_bad_debt_is_named_with_the_key_path_from_the_debtor() -> None:
    doc = copy.deepcopy(DOC)
    doc["debts"][0]["events"][0]["at"] = "2026-03-02T10:00:00"
    with pytest.raises(OverdueError) as info:
        debtor_from_dict(doc)
    assert info.value.account_id == "LOAN-1"
    assert info.value.key_path == "$.debts[0].events[0].at"


def test_an_unknown_key_an_empty_debt_list_and_a_foreign_tag_are_refused() -> None:
    with pytest.raises(OverdueError, match="unknown key") as info:
        debtor_from_dict({**DOC, "accounts": []})
    assert info.value.key_path == "$.accounts"
    with pytest.raises(OverdueError, match="needs its debts"):
        debtor_from_dict({**DOC, "debts": []})
    doc = copy.deepcopy(DOC)
    doc["debts"][0]["events"][0]["debt_ids"] = ["LOAN-9"]
    with pytest.raises(OverdueError, match="names debt 'LOAN-9'") as info:
        debtor_from_dict(doc)
    assert info.value.key_path == "$.debts[0].events[0].debt_ids"
    doc = copy.deepcopy(DOC)
    doc["contacts"][0]["kind"] = "cell"
    with pytest.raises(OverdueError) as info:
        debtor_from_dict(doc)
    assert info.value.key_path == "$.contacts[0].kind"


def test_one_bad_debtor_in_a_batch_never_stops_the_others(tmp_path: Any) -> None:
    bad = copy.deepcopy(DOC)
    bad["id"] = "P-2"
    bad["debts"][1]["invoices"][0]["amount"] = 50.0
    text = "\n".join([json.dumps(DOC), json.dumps(bad), "{", json.dumps({**DOC, "id": "P-3"})])
    results = list(loads_debtors(text))
    assert [r.ok for r in results] == [True, False, False, True]
    assert results[1].debtor_id == "P-2"
    assert results[1].error is not None
    assert results[1].error.key_path is not None
    assert results[1].error.key_path.startswith("$.debts[1].invoices[0].amount")
    path = tmp_path / "debtors.jsonl"
    path.write_text(text, "utf-8")
    assert [r.line for r in load_debtors(path)] == [1, 2, 3, 4]


def test_accounts_with_a_debtor_id_group_into_debtors() -> None:
    a1 = account_from_dict(
        {"id": "L-1", "debtor_id": "P-1", "contacts": [{"channel": "phone", "address": "+1 1"}]}
    )
    a2 = Account(
        "L-2",
        debtor_id="P-1",
        contacts=[ContactPoint("phone", "+1 1"), ContactPoint("phone", "+1 2", kind="work")],
        timezone="America/Chicago",
    )
    alone = Account("L-3")
    debtors = debtors_from_accounts([a1, alone, a2])
    assert [d.id for d in debtors] == ["P-1", "L-3"]
    assert debtors[0].debt_ids == ("L-1", "L-2")
    assert [c.address for c in debtors[0].contacts] == ["+1 1", "+1 2"]
    assert debtors[0].timezone == "America/Chicago"
    assert account_to_dict(a2)["debtor_id"] == "P-1"
    assert account_from_dict(account_to_dict(a2)) == a2
