"""Mutants: the standard authoring mistakes, named, valid and deterministic."""

from __future__ import annotations

import warnings

import pytest

from overdue import REFERENCE_POLICY
from overdue.presets import with_presets
from overdue.testing import MUTATION_CLASSES, mutant, mutants, weakenings

ISSUE_CLASSES = {
    "hours_channel_dropped",  # phone left out of contact hours
    "hours_widened",  # 06:00-23:00
    "cap_raised",  # 5 calls a day
    "cap_window_cut",  # the weekly cap's window cut to 1 day
    "hold_removed",  # dispute, bankruptcy, manual hold removed
    "hold_early_rungs_only",  # the dispute hold limited to early rungs
    "cease_removed",
    "cease_exempts_calls",
    "opt_out_removed",
    "opt_out_exempts_calls",
    "requires_dropped",  # litigation without legal_review, enforcement without judgment
    "grace_zero",  # lawyer's grace 0
    "entered_early",  # lawyer's letter at day 10
    "min_balance_dropped",  # ... or without its minimum balance
    "turned_on_unauthorised",  # field visit on without authorisation
    "relative_told",  # a step that tells a relative about the debt
    "rungs_swapped",
    "prior_event_removed",  # no letter before claim
    "zone_utc",
}


def test_every_class_the_issue_names_applies_to_the_reference_policy() -> None:
    found = {m.mistake for m in mutants(REFERENCE_POLICY)}
    assert found >= ISSUE_CLASSES
    assert found <= set(MUTATION_CLASSES)
    holds = {m.name for m in mutants(REFERENCE_POLICY) if m.mistake == "hold_removed"}
    assert holds == {
        "hold_removed:dispute-hold",
        "hold_removed:manual-hold",
        "hold_removed:bankruptcy-hold",
    }
    assert {m.name for m in mutants(REFERENCE_POLICY) if m.mistake == "requires_dropped"} == {
        "requires_dropped:litigation",
        "requires_dropped:enforcement",
    }


def test_mutants_are_deterministic_unique_and_each_a_change() -> None:
    first = list(mutants(REFERENCE_POLICY))
    assert [m.name for m in first] == [m.name for m in mutants(REFERENCE_POLICY)]
    assert len({m.name for m in first}) == len(first) >= 40
    assert all(m.policy != REFERENCE_POLICY for m in first)


def test_every_mutant_is_a_weakening_of_the_original() -> None:
    silent = [
        m.name for m in mutants(REFERENCE_POLICY) if not weakenings(REFERENCE_POLICY, m.policy)
    ]
    assert silent == []


def test_a_preset_policy_gets_its_own_mutants() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stacked = with_presets(REFERENCE_POLICY, "cn_gbt_2025")
    names = {m.name for m in mutants(stacked)}
    assert "preset_dropped:cn_gbt_2025" in names
    assert "cap_raised:cn_gbt_2025.connected_calls_per_day" in names


def test_mutant_looks_one_up_by_name() -> None:
    m = mutant(REFERENCE_POLICY, "grace_zero:lawyer_letter")
    assert str(m.policy.stage("lawyer_letter").grace) == "0d"
    with pytest.raises(LookupError, match="grace_zero:lawyer_letter"):
        mutant(REFERENCE_POLICY, "grace_zero:nowhere")
