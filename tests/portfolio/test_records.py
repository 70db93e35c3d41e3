"""The fast JSON path builds exactly what the generic decoder builds, and defers to it."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from overdue import REFERENCE_POLICY, Account
from overdue.config import account_from_dict, account_to_dict
from overdue.config.accounts import _decode
from overdue.errors import ConfigError
from overdue.events import EVENT_KINDS
from overdue.portfolio.records import account_from_json, event_columns, event_fields
from overdue.testing import strategies

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _json(account: Account) -> dict[str, object]:
    return json.loads(json.dumps(account_to_dict(account)))  # type: ignore[no-any-return]


def test_every_event_kind_is_read_fast_and_equal(rich_account: Account) -> None:
    data = _json(rich_account)
    fast = account_from_json(data)
    assert fast is not None
    assert fast == _decode(data) == rich_account
    kinds = {e.kind for e in rich_account.events}
    assert kinds == set(EVENT_KINDS)


@PROPS
@given(strategies.accounts(policy=REFERENCE_POLICY))
def test_fast_path_equals_generic_decoder(account: Account) -> None:
    data = _json(account)
    fast = account_from_json(data)
    assert fast is not None
    assert fast == _decode(data)


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"colour": "red"}, "$.colour"),
        ({"events": [{"kind": "payment", "at": "2026-01-01T00:00:00", "amount": "1 CNY"}]},
         "$.events[0].at"),
        ({"events": [{"kind": "contact", "at": "2026-01-01T00:00:00Z", "channel": "sms",
                      "outcome": "delivered", "initiated_by": None}]},
         "$.events[0].initiated_by"),
        ({"events": [{"kind": "payment", "at": "2026-01-01T00:00:00Z", "amount": 5}]},
         "$.events[0].amount"),
        ({"invoices": [{"id": "I", "amount": "-1 CNY", "due": "2026-01-01"}]}, "$.invoices[0]"),
        # A lone surrogate in an event's text: the fast path once built the account.
        ({"events": [{"kind": "contact", "at": "2026-01-01T00:00:00Z", "channel": "sms",
                      "outcome": "delivered", "template": "\ud800"}]},
         "$.events[0].template"),
    ],
)  # fmt: skip
def test_anything_unusual_goes_to_the_generic_decoder(
    patch: dict[str, object], where: str
) -> None:
    data = {"id": "A-1", "timezone": "Asia/Shanghai", **patch}
    assert account_from_json(data) is None
    with pytest.raises(ConfigError) as info:
        account_from_dict(data)
    assert info.value.account_id == "A-1"
    assert (info.value.key_path or "").startswith(where)


def test_every_event_field_has_a_column() -> None:
    columns = dict(event_columns())
    for cls in EVENT_KINDS.values():
        for f in event_fields(cls):
            assert f.column in columns, (cls.kind, f.name)
            if f.currency_column:
                assert f.currency_column in columns
    assert columns["until"] == "datetime"
    assert columns["until_date"] == "date"


def test_past_the_shapes_one_decoder_reads_every_shape(
    rich_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from overdue.portfolio import records

    monkeypatch.setattr(records, "_MAX_SHAPES", 0)
    tables = [*records._EVENTS.values(), records._CONTACTS, records._INVOICES, records._ACCOUNTS]
    for table in tables:
        monkeypatch.setattr(table, "decoders", {})
        monkeypatch.setattr(table, "general", None)
    data = _json(rich_account)
    assert account_from_json(data) == _decode(data) == rich_account
    assert all(not table.decoders for table in tables)
    assert records._ACCOUNTS.general is not None
    data["schema"] = "overdue.account/2"
    assert account_from_json(data) is None


def test_keys_in_another_order_or_a_null_read_alike(rich_account: Account) -> None:
    data = _json(rich_account)
    for event in data["events"]:  # type: ignore[union-attr]
        items = list(event.items())
        event.clear()
        event.update(reversed(items))
    assert account_from_json(data) == rich_account
    data["events"][0]["recorded_at"] = None  # type: ignore[index]
    assert account_from_json(data) is None  # the generic decoder judges nulls
    assert _decode(data) == rich_account


def test_every_record_shape_reads_alike(rich_account: Account) -> None:
    """Accounts, contact points and invoices are read by a decoder per shape too: the keys in
    any order, with or without ``schema``, build what the generic decoder builds, and the
    values are of the classes themselves (no twin of a class ever escapes)."""
    data = _json(rich_account)
    data["contacts"] = [
        {"channel": "phone", "address": "+86139", "is_debtor": False, "relationship": "spouse",
         "label": "wife", "kind": "mobile", "timezone": "Asia/Shanghai"},
        {"address": "a@example.com", "channel": "email"},
    ]  # fmt: skip
    data["invoices"] = [
        {"id": "I-1", "amount": "100 CNY", "due": "2026-02-01"},
        {"issued": "2026-01-01T00:00:00+08:00", "due": "2026-02-01", "amount": "5 CNY",
         "id": "I-2"},
    ]  # fmt: skip
    for doc in (data, {"schema": "overdue.account/1", **data}, dict(reversed(data.items()))):
        fast = account_from_json(doc)
        assert fast is not None
        assert fast == _decode(doc)
        assert type(fast) is Account
        assert {type(x).__name__ for x in (*fast.contacts, *fast.invoices)} == {
            "ContactPoint", "Invoice"
        }
        assert all(type(e) is EVENT_KINDS[e.kind] for e in fast.events)


@pytest.mark.parametrize(
    "patch",
    [
        {"schema": "overdue.account/2"},
        {"contacts": [{"channel": "sms", "address": "+86", "is_debtor": 1}]},
        {"contacts": [{"channel": "", "address": "+86"}]},
        {"invoices": [{"id": "I", "amount": "1 CNY", "due": "2026-01-01", "issued": "x"}]},
        {"events": [{"kind": ["contact"], "at": "2026-01-01T00:00:00Z"}]},
        {"events": [{"kind": "contact", "at": "2026-01-01T00:00:00Z", "channel": "sms",
                     "outcome": "exploded"}]},
        {"events": [{"kind": "payment", "at": "0001-01-01T00:00:00+14:00",
                     "amount": "1 CNY"}]},
        {"events": [{"kind": "payment", "at": 20260101, "amount": "1 CNY"}]},
        {"id": "   "},
    ],
)  # fmt: skip
def test_a_shape_decoder_defers_what_is_not_plainly_valid(patch: dict[str, object]) -> None:
    data = {"id": "A-1", "timezone": "Asia/Shanghai", **patch}
    assert account_from_json(data) is None
    with pytest.raises(ConfigError):
        account_from_dict(data)


def test_a_tuple_not_from_json_is_left_to_the_generic_decoder() -> None:
    data = {"id": "A-1", "contacts": ({"channel": "sms", "address": "+86"},)}
    assert account_from_json(data) is None
    assert account_from_dict(data).contacts[0].channel == "sms"
