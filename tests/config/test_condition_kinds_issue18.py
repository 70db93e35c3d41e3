"""The condition kinds of issue 18 in policy files: shorthand, round trip, located errors."""

from __future__ import annotations

import pytest

from overdue.conditions import (
    all_of,
    balance_at_least,
    has_fact,
    not_,
    overdue_for,
    unpaid_invoices_at_least,
)
from overdue.config import dumps_policy, loads_policy
from overdue.errors import PolicyFileError

BASE = """
schema = "overdue.policy/1"
id = "p"

[[stages]]
id = "late"
enters_when = %s
steps = [{ channel = "email", template = "late" }]
"""


def _cond(text: str) -> object:
    return loads_policy(BASE % text, "toml").stages[0].enters_when


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{ overdue_for = "1mo" }', overdue_for("1mo")),
        ('{ overdue_for = { age = "1mo" } }', overdue_for("1mo")),
        (
            '{ overdue_for = { age = "45d", anchor = "end_of_month" } }',
            overdue_for("45d", anchor="end_of_month"),
        ),
        ("{ unpaid_invoices_at_least = 3 }", unpaid_invoices_at_least(3)),
        ('{ not = { has_fact = "vip" } }', not_(has_fact("vip"))),
        (
            '{ balance_at_least_per_currency = ["5.00 EUR", "5.00 USD"] }',
            balance_at_least("5.00 EUR", "5.00 USD"),
        ),
    ],
)
def test_each_kind_loads_and_is_written_back_the_same(text: str, expected: object) -> None:
    assert _cond(text) == expected
    policy = loads_policy(BASE % text, "toml")
    assert loads_policy(dumps_policy(policy, "toml"), "toml") == policy
    assert loads_policy(dumps_policy(policy, "json"), "json") == policy


def test_the_shorthand_is_what_is_written_when_the_other_keys_are_defaults() -> None:
    policy = loads_policy(BASE % '{ overdue_for = { age = "2mo" } }', "toml")
    assert 'overdue_for = "2mo"' in dumps_policy(policy, "toml")
    nested = all_of(overdue_for("45d", anchor="end_of_month"), unpaid_invoices_at_least(2))
    assert (
        _cond(
            '{ all = [{ overdue_for = { age = "45d", anchor = "end_of_month" } }, '
            "{ unpaid_invoices_at_least = 2 }] }"
        )
        == nested
    )


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        ('{ overdue_for = "12h" }', "$.stages[0].enters_when.overdue_for", "calendar dates"),
        ('{ overdue_for = "1 month" }', "$.stages[0].enters_when.overdue_for", "1mo"),
        (
            '{ overdue_for = { age = "1mo", anchor = "eom" } }',
            "$.stages[0].enters_when.overdue_for.anchor",
            "due | end_of_month",
        ),
        (
            '{ overdue_for = { age = "1mo", anchr = "end_of_month" } }',
            "$.stages[0].enters_when.overdue_for.anchr",
            "anchor",
        ),
        (
            "{ unpaid_invoices_at_least = 0 }",
            "$.stages[0].enters_when.unpaid_invoices_at_least",
            ">= 1",
        ),
        ('{ has_fact = " " }', "$.stages[0].enters_when.has_fact", "fact's name"),
        (
            '{ balance_at_least_per_currency = ["5 EUR", "6 EUR"] }',
            "$.stages[0].enters_when.balance_at_least_per_currency",
            "EUR twice",
        ),
        (
            '{ balance_at_least = "5.00" }',
            "$.stages[0].enters_when.balance_at_least",
            "needs a currency",
        ),
        ('{ has_fakt = "vip" }', "$.stages[0].enters_when.has_fakt", "has_fact"),
    ],
)
def test_mistakes_are_located_by_key_path(text: str, path: str, words: str) -> None:
    with pytest.raises(PolicyFileError) as info:
        loads_policy(BASE % text, "toml")
    message = str(info.value)
    assert f"@ {path}" in message
    assert words in message
