"""Loading policy documents: every problem reported at once, each located."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import attrs
import pytest

from overdue.config import Kinds, load_policy, loads_policy, policy_from_dict, policy_to_dict
from overdue.errors import ConfigError, PolicyError, PolicyFileError
from overdue.reference import REFERENCE_POLICY
from overdue.rules import RuleBase

FIVE_MISTAKES = """
schema = "overdue.policy/1"
id = "broken"
currency = "EUR"
colour = "blue"                                 # 1: unknown key

[[stages]]
id = "reminder"
enters_when = { days_overdue_at_least = 1 }
deadline = "7 days"                             # 2: malformed duration
steps = [ { channel = "sms", template = "reminder.sms" } ]

[[stages]]
id = "call"
deadline = "7d"
steps = [ { channel = "phone", template = "call", fallback = "smss" } ]   # 3: unknown channel

[[rules]]
kind = "contact_hour"                           # 4: unknown rule kind
id = "hours"

[[rules]]
kind = "minimum_balance"
id = "min"
minimum = 100.0                                 # 5: float money
"""


def _problems(text: str, fmt: str = "toml") -> list[ConfigError]:
    with pytest.raises(PolicyFileError) as info:
        loads_policy(text, fmt)  # type: ignore[arg-type]
    return list(info.value.exceptions)


def _minimal(**extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "schema": "overdue.policy/1",
        "id": "p",
        "stages": [{"id": "s", "steps": [{"channel": "sms", "template": "t"}]}],
    }
    doc.update(extra)
    return doc


def test_five_mistakes_give_five_located_messages_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(FIVE_MISTAKES, encoding="utf-8")
    with pytest.raises(PolicyFileError) as info:
        load_policy(path)
    errors = info.value.exceptions
    assert [e.key_path for e in errors] == [
        "$.colour",
        "$.stages[0].deadline",
        "$.stages[1].steps[0].fallback",
        "$.rules[0].kind",
        "$.rules[1].minimum",
    ]
    assert [e.suggestion for e in errors] == [None, "7d", "sms", "contact_hours", "100.00 EUR"]
    assert all(isinstance(e, ConfigError) for e in errors)
    text = str(info.value)
    assert str(path) in text
    assert "5 problem(s)" in text
    assert len(info.value.messages()) == 5


def test_schema_key_is_required_and_checked() -> None:
    doc = _minimal()
    del doc["schema"]
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    assert info.value.exceptions[0].key_path == "$.schema"
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(_minimal(schema="overdue.policy/2"))
    assert info.value.exceptions[0].got == "overdue.policy/2"


def test_unknown_keys_in_nested_tables_suggest_the_right_key() -> None:
    doc = _minimal()
    doc["stages"] = [{"id": "s", "deadlin": "7d", "steps": [{"channel": "sms", "templat": "t"}]}]
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    found = {e.key_path: e.suggestion for e in info.value.exceptions}
    assert found["$.stages[0].deadlin"] == "deadline"
    assert found["$.stages[0].steps[0].templat"] == "template"
    assert "$.stages[0].steps[0].template" in found  # the required key is missing too


@pytest.mark.parametrize(
    ("rule", "path", "fragment"),
    [
        (
            {"kind": "frequency_cap", "id": "c", "max_contacts": 3.5, "per": "7d"},
            "max_contacts",
            "whole number",
        ),
        (
            {"kind": "frequency_cap", "id": "c", "max_contacts": True, "per": "7d"},
            "max_contacts",
            "not a boolean",
        ),
        (
            {"kind": "frequency_cap", "id": "c", "max_contacts": 0, "per": "7d"},
            "max_contacts",
            ">= 1",
        ),
        (
            {
                "kind": "frequency_cap",
                "id": "c",
                "max_contacts": 2,
                "per": "7d",
                "window": "rollin",
            },
            "window",
            "allowed",
        ),
        (
            {"kind": "contact_hours", "id": "h", "window": ["8am", "21:00"]},
            "window[0]",
            "wall-clock",
        ),
        (
            {"kind": "contact_hours", "id": "h", "weekdays": ["mon", "funday"]},
            "weekdays[1]",
            "weekday",
        ),
        (
            {"kind": "contact_hours", "id": "h", "window": ["21:00", "08:00"]},
            "window",
            "before its end",
        ),
        (
            {"kind": "cool_down", "id": "c", "after": "conversatoin", "period": "7d"},
            "after",
            "allowed",
        ),
        ({"kind": "time_bar", "id": "t", "limitation": 36}, "limitation", "duration"),
        ({"kind": "minimum_balance", "id": "m", "minimum": "500 cny"}, "minimum", "money"),
        ({"id": "nokind"}, "kind", "needs a 'kind'"),
    ],
)
def test_rule_field_errors_are_located_on_the_field(
    rule: dict[str, object], path: str, fragment: str
) -> None:
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(_minimal(rules=[rule]))
    errors = info.value.exceptions
    assert len(errors) == 1, info.value
    assert errors[0].key_path == f"$.rules[0].{path}"
    assert fragment in str(errors[0])


def test_condition_errors_name_the_kind_path() -> None:
    doc = _minimal()
    doc["stages"] = [
        {
            "id": "s",
            "enters_when": {"all": [{"days_overdue_at_least": 1}, {"balance_at_lest": "1.00 EUR"}]},
            "steps": [{"channel": "sms", "template": "t"}],
        }
    ]
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    (err,) = info.value.exceptions
    assert err.key_path == "$.stages[0].enters_when.all[1].balance_at_lest"
    assert err.suggestion == "balance_at_least"


def test_policy_constructor_errors_are_relocated_onto_the_document() -> None:
    doc = _minimal()
    doc["stages"] = [
        {"id": "s", "deadline": "7d", "steps": [{"channel": "sms", "template": "t"}]},
        {"id": "s", "steps": [{"channel": "sms", "template": "u"}]},
    ]
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    assert [e.key_path for e in info.value.exceptions] == ["$.stages[1].id"]
    assert isinstance(info.value.exceptions[0].__cause__, PolicyError)


def test_step_constructor_errors_are_located_on_the_step() -> None:
    doc = _minimal()
    doc["stages"] = [{"id": "s", "steps": [{"channel": "sms", "template": "t", "max_attempts": 3}]}]
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    assert [e.key_path for e in info.value.exceptions] == ["$.stages[0].steps[0]"]
    assert "repeat_every" in str(info.value)


def test_syntax_errors_are_policy_file_errors_not_tracebacks() -> None:
    (err,) = _problems("schema = \n")
    assert "not valid TOML" in str(err)
    (err,) = _problems('{"schema": }', "json")
    assert "not valid JSON" in str(err)
    (err,) = _problems('{"schema": "overdue.policy/1", "schema": "x"}', "json")
    assert "twice" in str(err)


def test_json_policies_load_too() -> None:
    import json

    text = json.dumps(policy_to_dict(REFERENCE_POLICY))
    assert loads_policy(text, "json") == REFERENCE_POLICY


def test_bad_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError) as info:
        load_policy(tmp_path / "p.yaml")
    assert "toml or .json" in str(info.value)
    with pytest.raises(PolicyFileError) as info:
        load_policy(tmp_path / "missing.toml")
    assert "cannot read" in str(info.value)


@attrs.frozen(kw_only=True)
class OnlyOnDays(RuleBase):
    """A host's own rule kind (it allows everything; only its fields matter here)."""

    kind: ClassVar[str] = "only_on_days"
    days_of_month: tuple[int, ...] = ()

    def check(self, candidate: object, at: object) -> None:
        return None


def test_hosts_register_their_own_rule_kinds_on_a_registry_they_pass_in() -> None:
    doc = _minimal(rules=[{"kind": "only_on_days", "id": "x", "days_of_month": [1, 15]}])
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    assert "unknown rule kind" in str(info.value)
    kinds = Kinds.default()
    kinds.register_rule(OnlyOnDays)
    policy = policy_from_dict(doc, kinds=kinds)
    assert policy.rules == (OnlyOnDays(id="x", days_of_month=(1, 15)),)
    assert policy_from_dict(policy_to_dict(policy, kinds=kinds), kinds=kinds) == policy
    # the default registry was not touched: no global state
    assert "only_on_days" not in Kinds.default().rules
    with pytest.raises(PolicyError, match="not registered"):
        policy_to_dict(policy)


def test_registry_refuses_shadowing_and_non_attrs_classes() -> None:
    kinds = Kinds.default()

    @attrs.frozen(kw_only=True)
    class Imposter(RuleBase):
        kind: ClassVar[str] = "contact_hours"

    with pytest.raises(PolicyError, match="already registered"):
        kinds.register_rule(Imposter)
    kinds.register_rule(Imposter, replace=True)
    assert kinds.rule("contact_hours") is Imposter

    class Plain:
        kind = "plain"

    with pytest.raises(PolicyError, match="attrs class"):
        kinds.register_rule(Plain)
