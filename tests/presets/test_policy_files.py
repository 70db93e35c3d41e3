"""``presets = [...]`` in policy files: loaded by name, written by name, checked with the rest."""

from __future__ import annotations

import warnings
from typing import Any

import attrs
import pytest

from overdue.config import (
    dumps_policy,
    loads_policy,
    policy_from_dict,
    policy_json_schema,
    policy_to_dict,
    shipped_policy_schema,
)
from overdue.errors import PolicyFileError
from overdue.presets import PRESETS, PresetError, PresetWarning, with_presets
from overdue.reference import reference_policy

STACKS = [
    ("us_reg_f", "us_state_ma"),
    ("us_state_ma",),
    ("cn_gbt_2025", "cn_cba_2026"),
    ("cn_gbt_2025", "cn_nifa_2018"),
    ("cn_cba_2026", "cn_gbt_2025", "cn_nifa_2018"),
    ("uk_conc7",),
    ("eu_ccd2_art35",),
    ("uk_conc7", "eu_ccd2_art35"),
]


def _stacked(*names: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        return with_presets(reference_policy(field_visit=True), *names)


@pytest.mark.parametrize("names", STACKS, ids="+".join)
def test_a_policy_with_presets_round_trips_by_name(names: tuple[str, ...]) -> None:
    policy = _stacked(*names)
    doc = policy_to_dict(policy)
    assert doc["presets"] == list(names)
    assert len(doc["rules"]) == len(reference_policy().rules)  # the names, not the rules
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        assert policy_from_dict(doc) == policy
        assert loads_policy(dumps_policy(policy, "toml")) == policy
        assert loads_policy(dumps_policy(policy, "json"), "json") == policy


def test_a_policy_file_names_its_presets() -> None:
    text = dumps_policy(reference_policy(), "toml").replace(
        'id = "seed-reference"\n',
        'id = "seed-reference"\npresets = ["cn_gbt_2025", "cn_cba_2026"]\n',
    )
    policy = loads_policy(text)
    assert policy.presets == ("cn_gbt_2025", "cn_cba_2026")
    assert "cn_cba_2026.quiet_hours" in {r.id for r in policy.rules}


def test_an_unknown_preset_in_a_file_is_located_with_a_suggestion() -> None:
    doc = policy_to_dict(reference_policy())
    doc["presets"] = ["cn_gbt_2025", "uk_conc"]
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    (err,) = info.value.exceptions
    assert err.key_path == "$.presets[1]"
    assert err.suggestion == "uk_conc7"


def test_a_preset_that_cannot_build_is_reported_at_presets() -> None:
    doc = policy_to_dict(reference_policy())
    doc["presets"] = ["cn_nifa_2018"]
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    (err,) = info.value.exceptions
    assert err.key_path == "$.presets"
    assert "cn_nifa_2018.quiet_hours" in str(err)


def test_presets_must_be_a_list_of_names() -> None:
    doc = policy_to_dict(reference_policy())
    doc["presets"] = "us_reg_f"
    with pytest.raises(PolicyFileError) as info:
        policy_from_dict(doc)
    assert info.value.exceptions[0].key_path == "$.presets"


def test_a_changed_preset_rule_cannot_be_written_as_the_presets_name() -> None:
    policy = _stacked("eu_ccd2_art35")
    changed = attrs.evolve(policy.rules[-1], stages=frozenset({"litigation"}))
    policy = attrs.evolve(policy, rules=(*policy.rules[:-1], changed))
    with pytest.raises(PresetError, match="changed or removed"):
        policy_to_dict(policy)


def test_the_schema_lists_the_preset_names() -> None:
    prop = policy_json_schema()["properties"]["presets"]
    assert prop["items"]["enum"] == list(PRESETS)
    assert prop["uniqueItems"] is True
    assert shipped_policy_schema()["properties"]["presets"] == prop


def test_overdue_check_reports_what_a_preset_recommends() -> None:
    from overdue.config import policy_warnings

    found = [str(w) for w in policy_warnings(_stacked("uk_conc7"))]
    assert any(
        w.startswith("$.presets: preset 'uk_conc7'") and "must not be excessive" in w for w in found
    )
    assert not any(w.startswith("$.presets") for w in policy_warnings(_stacked("eu_ccd2_art35")))
