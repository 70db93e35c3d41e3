"""The preset machinery: the registry, stacking, slots, the effective-from guard, citations."""

from __future__ import annotations

import ast
import pickle
import re
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from overdue.presets import (
    PRESETS,
    AppliesTo,
    Preset,
    PresetError,
    PresetWarning,
    in_force_from,
    preset,
    preset_rules,
    with_presets,
)
from overdue.reference import reference_policy
from overdue.rules import Citation, HoldWhile, RespectCease, described

HERE = Path(__file__).resolve().parent


def test_registry_holds_the_presets_of_issues_4_and_14() -> None:
    assert list(PRESETS) == [
        "us_reg_f",
        "us_state_ma",
        "cn_nifa_2018",
        "cn_gbt_2025",
        "cn_cba_2026",
        "uk_conc7",
        "eu_ccd2_art35",
        "au_accc_asic_2021",
        "in_rbi_recovery_2022",
        "ca_on_cdssa",
    ]
    assert preset("us_reg_f") is PRESETS["us_reg_f"]


def test_an_unknown_name_is_refused_with_a_suggestion() -> None:
    with pytest.raises(PresetError) as info:
        preset("us_regf")
    assert info.value.suggestion == "us_reg_f"
    with pytest.raises(PresetError, match="no preset called 'cn_gbt_2052'"):
        with_presets(reference_policy(), "cn_gbt_2052")


def test_every_rule_of_every_preset_carries_a_citation_with_a_mark() -> None:
    for p in PRESETS.values():
        assert p.rules, p.name
        for rule in p.rules:
            citation = rule.citation  # type: ignore[attr-defined]
            assert isinstance(citation, Citation), rule.id
            assert citation.mark in ("V", "S", "U"), rule.id
            assert citation.section, rule.id
            assert citation.link, rule.id
            assert rule.id.startswith(p.name + "."), rule.id


def test_explain_shows_every_rule_with_its_source_and_mark() -> None:
    for p in PRESETS.values():
        text = p.explain()
        for rule in p.rules:
            citation = rule.citation  # type: ignore[attr-defined]
            line = next(ln for ln in text.splitlines() if ln.strip().startswith(rule.id + ":"))
            assert str(citation) in line
            if citation.mark == "S":
                assert "[secondary source only]" in line
            if citation.mark == "U":
                assert "[unverified]" in line


def test_every_rule_has_a_scenario_test_named_after_it() -> None:
    """Traceability: each rule id, made a Python name, starts some test's name."""
    names: set[str] = set()
    for path in HERE.glob("test_*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for p in PRESETS.values():
        for rule in p.rules:
            stem = "test_" + re.sub(r"[^0-9a-z]+", "_", rule.id.lower()).strip("_")
            assert any(n == stem or n.startswith(stem + "__") for n in names), rule.id


def test_a_preset_refuses_uncited_or_unnamespaced_rules() -> None:
    applies = AppliesTo(roles=("creditor",))
    bare = HoldWhile("x.hold", fact="manual_hold")
    with pytest.raises(PresetError, match="no citation"):
        Preset("x", "1", "test", applies, None, (bare,))
    cited = HoldWhile("y.hold", fact="manual_hold", citation=Citation("law", "s.1", "l", "V"))
    with pytest.raises(PresetError, match="not namespaced"):
        Preset("x", "1", "test", applies, None, (cited,))


def test_stacking_the_same_preset_twice_names_both() -> None:
    with pytest.raises(PresetError, match="stacked twice") as info:
        with_presets(reference_policy(), "eu_ccd2_art35", "eu_ccd2_art35")
    assert "eu_ccd2_art35, eu_ccd2_art35" in str(info.value)
    once = with_presets(reference_policy(), "eu_ccd2_art35")
    with pytest.raises(PresetError, match="stacked twice"):
        with_presets(once, "eu_ccd2_art35")


def test_a_clashing_rule_id_names_both_owners() -> None:
    ref = reference_policy()
    mine = RespectCease("us_reg_f.1006.6(c)", citation=Citation("house", mark="house"))
    policy = attrs.evolve(ref, rules=(*ref.rules, mine))
    with pytest.raises(PresetError) as info:
        with_presets(policy, "us_reg_f")
    assert "us_reg_f.1006.6(c)" in str(info.value)
    assert "preset 'us_reg_f'" in str(info.value)
    assert "the policy's own rules" in str(info.value)


def test_presets_assuming_different_zones_do_not_stack() -> None:
    with pytest.raises(PresetError, match="'us_reg_f' and 'cn_gbt_2025'"):
        with_presets(reference_policy(), "us_reg_f", "cn_gbt_2025")


def test_stacking_appends_the_rules_after_the_policys_own() -> None:
    ref = reference_policy()
    policy = with_presets(ref, "cn_gbt_2025", "cn_cba_2026")
    assert policy.rules[: len(ref.rules)] == ref.rules
    assert policy.rules[len(ref.rules) :] == preset_rules(policy)
    assert policy.stages == ref.stages
    assert policy == with_presets(with_presets(ref, "cn_gbt_2025"), "cn_cba_2026")


def test_the_guard_keeps_the_rule_class_and_its_equality() -> None:
    rule = HoldWhile("t.hold", fact="breathing_space", citation=Citation("law", mark="V"))
    guarded = in_force_from(rule, date(2026, 11, 20))
    assert isinstance(guarded, HoldWhile)
    assert guarded == in_force_from(rule, date(2026, 11, 20))
    assert guarded != in_force_from(rule, date(2026, 11, 21))
    assert guarded != rule
    assert type(guarded) is HoldWhile  # no class made at run time
    assert guarded.in_force_from == date(2026, 11, 20)
    assert "(in force from 2026-11-20)" in described(guarded)
    assert pickle.loads(pickle.dumps(guarded)) == guarded
    assert described(in_force_from(guarded, date(2027, 1, 1))).count("in force from") == 1


def test_a_guarded_hold_still_pauses_the_ladder() -> None:
    policy = with_presets(reference_policy(), "uk_conc7") if False else None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        policy = with_presets(reference_policy(), "uk_conc7")
    assert {"breathing_space", "mental_health_crisis_moratorium"} <= policy.paused_by()


def test_preset_values_describe_what_they_apply_to() -> None:
    ma = preset("us_state_ma")
    assert ma.overlays == ("us_reg_f",)
    assert "US-MA" in str(ma.applies_to)
    assert preset("eu_ccd2_art35").effective_from == date(2026, 11, 20)
    assert preset("cn_gbt_2025").provides == {
        "cn_nifa_2018.quiet_hours",
        "cn_nifa_2018.call_frequency",
    }


def test_explain_of_a_decision_carries_the_citation(kit: Any) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    policy = kit.stack(kit.ladder(), "cn_gbt_2025", "cn_cba_2026")
    acct = kit.account(
        "Asia/Shanghai",
        kit.entered("reminder", datetime(2026, 3, 2, 9, tzinfo=sh)),
        due=date(2026, 3, 1),
    )
    text = kit.decide(policy, acct, datetime(2026, 3, 3, 23, 0, tzinfo=sh)).explain()
    assert "deferred by cn_cba_2026.quiet_hours" in text
    assert "(CBA, 2026) no phone, field visit" in text
    assert "[secondary source only]" in text
