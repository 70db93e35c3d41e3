"""Weakenings against a golden policy: every loosening a change made, and nothing else."""

from __future__ import annotations

import io
from datetime import time
from pathlib import Path

import attrs
import pytest

from overdue import REFERENCE_POLICY
from overdue.cli import main
from overdue.conditions import days_overdue_at_least
from overdue.durations import days
from overdue.testing import weakenings
from overdue.testing.weakenings import rule_weakenings

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "policies" / "seed_platform.toml"


def _rule(rule_id: str, **changes: object):  # type: ignore[no-untyped-def]
    rules = tuple(
        attrs.evolve(r, **changes) if r.id == rule_id else r for r in REFERENCE_POLICY.rules
    )
    return attrs.evolve(REFERENCE_POLICY, rules=rules)


def _stage(stage_id: str, **changes: object):  # type: ignore[no-untyped-def]
    stages = tuple(
        attrs.evolve(s, **changes) if s.id == stage_id else s for s in REFERENCE_POLICY.stages
    )
    return attrs.evolve(REFERENCE_POLICY, stages=stages)


def _what(policy) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(w.where, w.what) for w in weakenings(REFERENCE_POLICY, policy)]


def test_a_policy_has_no_weakening_against_itself() -> None:
    assert weakenings(REFERENCE_POLICY, REFERENCE_POLICY) == []


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (
            _rule("one-call-a-day", max_contacts=2),
            ("rules['one-call-a-day'].max_contacts", "higher"),
        ),
        (
            _rule("three-contacts-a-week", per=days(1)),
            ("rules['three-contacts-a-week'].per", "shorter"),
        ),
        (
            _rule("contact-hours", window=(time(7), time(21))),
            ("rules['contact-hours'].window", "wider"),
        ),
        (
            _rule("contact-hours", channels=("sms",)),
            ("rules['contact-hours'].channels", "narrowed"),
        ),
        (_rule("dispute-hold", stages=("reminder",)), ("rules['dispute-hold'].stages", "narrowed")),
        (_rule("opt-out", exempt=("letter", "legal", "sms")), ("rules['opt-out'].exempt", "wider")),
        (_rule("manual-hold", waivable=True), ("rules['manual-hold'].waivable", "wider")),
        (
            _rule("three-contacts-a-week", scope="contact_point"),
            ("rules['three-contacts-a-week'].scope", "narrowed"),
        ),
        (_stage("litigation", requires=()), ("stages['litigation'].requires", "removed")),
        (_stage("lawyer_letter", grace=days(5)), ("stages['lawyer_letter'].grace", "shorter")),
        (
            _stage("lawyer_letter", enters_when=days_overdue_at_least(30)),
            ("stages['lawyer_letter'].enters_when", "removed"),
        ),
        (_stage("courtesy_call", skippable=True), ("stages['courtesy_call'].skippable", "wider")),
        (_stage("field_visit", enabled=True), ("stages['field_visit'].enabled", "turned_on")),
        (attrs.evolve(REFERENCE_POLICY, assumed_zone="UTC"), ("$.assumed_zone", "changed")),
    ],
)
def test_each_kind_of_weakening_is_named(candidate, expected) -> None:  # type: ignore[no-untyped-def]
    assert _what(candidate) == [expected]


def test_a_deleted_rule_and_a_deleted_rung_are_named() -> None:
    policy = attrs.evolve(
        REFERENCE_POLICY,
        rules=tuple(r for r in REFERENCE_POLICY.rules if r.id != "letter-before-claim"),
    )
    assert _what(policy) == [("rules['letter-before-claim']", "deleted")]
    stages = tuple(s for s in REFERENCE_POLICY.stages if s.id != "formal_notice")
    assert ("stages['formal_notice']", "deleted") in _what(
        attrs.evolve(REFERENCE_POLICY, stages=stages)
    )


def test_reordered_rungs_are_named() -> None:
    s = list(REFERENCE_POLICY.stages)
    s[1], s[2] = s[2], s[1]
    assert ("stages", "reordered") in _what(attrs.evolve(REFERENCE_POLICY, stages=tuple(s)))


def test_a_stricter_change_is_not_a_weakening() -> None:
    stricter = _rule("one-call-a-day", max_contacts=1)
    stricter = attrs.evolve(
        stricter,
        rules=tuple(
            attrs.evolve(r, window=(time(9), time(20))) if r.id == "contact-hours" else r
            for r in stricter.rules
        ),
    )
    assert weakenings(REFERENCE_POLICY, stricter) == []


def test_a_renamed_rule_is_matched_by_what_it_is_about() -> None:
    rules = tuple(
        attrs.evolve(r, id="hold-on-dispute") if r.id == "dispute-hold" else r
        for r in REFERENCE_POLICY.rules
    )
    assert weakenings(REFERENCE_POLICY, attrs.evolve(REFERENCE_POLICY, rules=rules)) == []


def test_rule_weakenings_compares_one_pair() -> None:
    hours = next(r for r in REFERENCE_POLICY.rules if r.id == "contact-hours")
    wider = attrs.evolve(hours, window=(time(6), time(23)))
    assert [w.what for w in rule_weakenings(hours, wider)] == ["wider"]
    assert rule_weakenings(wider, hours) == []


def test_overdue_diff_lists_weakenings_and_exits_1(tmp_path: Path) -> None:
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(
        SEED.read_text(encoding="utf-8").replace('grace       = "15d"', 'grace       = "0d"'),
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    assert main(["diff", "--weakenings", str(SEED), str(candidate)], out=out, err=err) == 1
    assert "stages['lawyer_letter'].grace: 0d, golden 15d" in out.getvalue()
    out = io.StringIO()
    assert main(["diff", "--weakenings", str(SEED), str(SEED)], out=out, err=err) == 0
    assert "0 weakening(s)" in out.getvalue()


def test_overdue_check_requirements_reports_static_violations(tmp_path: Path) -> None:
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(
        SEED.read_text(encoding="utf-8").replace("max_contacts = 1\n", "max_contacts = 5\n"),
        encoding="utf-8",
    )
    req = REPO / "examples" / "policy_tests" / "requirements.toml"
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--requirements", str(req), str(SEED), str(candidate)], out=out, err=err)
    assert code == 1
    text = out.getvalue()
    assert "ok   " in text
    assert "FAIL " in text
    assert "max_contacts: 5, required 1" in text
    out = io.StringIO()
    assert main(["check", "--requirements", "us_state_ma", str(SEED)], out=out, err=err) == 1
    assert "us_state_ma" in out.getvalue()


def test_overdue_check_strict_flags_a_step_that_tells_a_third_party_the_debt(
    tmp_path: Path,
) -> None:
    text = SEED.read_text(encoding="utf-8").replace(
        '{ channel = "sms",   template = "call.followup", at = "1d", fallback = "email" },',
        '{ channel = "sms",   template = "call.followup", at = "1d", fallback = "email" },\n'
        '  { channel = "sms", template = "relative.sms", party = "third_party", '
        'must_state = ["amount"] },',
    )
    text += '\n[[rules]]\nkind = "third_party_contact"\nid = "relatives"\nmode = "forbid"\n'
    path = tmp_path / "relative.toml"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", "--strict", str(path)], out=out, err=err) == 1
    assert "goes to third parties but must state amount" in out.getvalue()


def test_an_age_in_months_is_floored_at_its_fewest_days() -> None:
    # overdue_for = "2mo" is never fewer than 56 days: 60 days overdue is stricter, 30 weaker.
    from overdue.conditions import overdue_for
    from overdue.testing.weakenings import days_floor

    assert days_floor(overdue_for("2mo")) == 56
    assert days_floor(overdue_for("45d", anchor="end_of_month")) == 45
    golden = _stage("litigation", enters_when=overdue_for("2mo"))
    assert weakenings(golden, _stage("litigation", enters_when=days_overdue_at_least(60))) == []
    weaker = _stage("litigation", enters_when=days_overdue_at_least(30))
    found = [(w.where, w.what) for w in weakenings(golden, weaker)]
    assert found == [("stages['litigation'].enters_when", "lower")]
