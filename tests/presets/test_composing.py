"""Issue 14, items 1, 2 and 7: presets compose with real policies, third parties never learn of
the debt, and the reference policy keeps its own promises.

Each test is named after what it proves.
"""

from __future__ import annotations

import io
import warnings
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.cli import main
from overdue.config import loads_policy, policy_warnings
from overdue.errors import PolicyError, PolicyFileError
from overdue.events import ContactAttempted, OptedOut, StageEntered
from overdue.presets import PresetWarning, rule_table, with_presets
from overdue.reference import reference_policy
from overdue.rules import ContactHours, FrequencyCap

NY = ZoneInfo("America/New_York")
LON = ZoneInfo("Europe/London")
SH = ZoneInfo("Asia/Shanghai")
TAGS = ("debt_collector_notice", "opt_out_notice", "identity", "institution_name")


def _bare(*, must_state: tuple[str, ...] = (), tags: tuple[str, ...] = ()) -> Policy:
    """A policy of its own whose third-party step relies on a preset's third_party_contact."""
    return Policy(
        "own",
        stages=(
            Stage(
                "collect",
                steps=(
                    Step("phone", template="call", tags=TAGS, must_state=("identity",)),
                    Step(
                        "phone",
                        template="location.inquiry",
                        id="locate",
                        party="third_party",
                        must_state=must_state,
                        tags=tags,
                    ),
                ),
            ),
        ),
        rules=(
            ContactHours("hours"),
            FrequencyCap("cap", max_contacts=2, per="7d", channels=("phone",)),
        ),
    )


def _account(zone: str, *events: object) -> Account:
    return Account(
        "A-1",
        timezone=zone,
        contacts=(
            ContactPoint("phone", "+1 212 555 0100"),
            ContactPoint("phone", "+1 212 555 0199", is_debtor=False, label="sister"),
        ),
        invoices=(Invoice("I-1", Money("300.00", "USD"), date(2026, 2, 1)),),
        events=(StageEntered(at=datetime(2026, 3, 2, 9, tzinfo=NY), stage="collect"), *events),  # type: ignore[arg-type]
    )


def _stack(policy: Policy, *names: str) -> Policy:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        return with_presets(policy, *names)


@pytest.mark.parametrize("preset", ["us_reg_f", "uk_conc7", "cn_cba_2026"])
def test_a_policy_relying_on_a_presets_third_party_rule_builds_with_presets(preset: str) -> None:
    # Issue 14 item 1: the bare policy used to be refused before the preset was stacked.
    names = ("cn_gbt_2025", preset) if preset == "cn_cba_2026" else (preset,)
    policy = _stack(_bare(), *names)
    assert any(r.kind == "third_party_contact" for r in policy.rules)


POLICY_FILE = """
schema = "overdue.policy/1"
id = "own"
presets = [{presets}]

[[stages]]
id = "collect"

[[stages.steps]]
channel = "phone"
template = "call"
tags = ["debt_collector_notice", "opt_out_notice"]
must_state = ["identity"]

[[stages.steps]]
channel = "phone"
template = "location.inquiry"
id = "locate"
party = "third_party"

[[rules]]
kind = "frequency_cap"
id = "cap"
max_contacts = 2
per = "7d"
"""


def test_a_policy_file_relying_on_a_presets_third_party_rule_loads() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        policy = loads_policy(POLICY_FILE.format(presets='"us_reg_f"'))
    assert policy.presets == ("us_reg_f",)


def test_a_policy_file_with_a_third_party_step_and_no_rule_anywhere_is_refused_with_its_path() -> (
    None
):
    with pytest.raises(PolicyFileError) as info:
        loads_policy(POLICY_FILE.format(presets=""))
    assert "third_party_contact" in str(info.value)
    assert "$.stages[0].steps[1].party" in str(info.value)


def test_stacking_a_preset_without_a_third_party_rule_is_refused_after_stacking() -> None:
    with pytest.raises(PolicyError, match="no third_party_contact rule"):
        _stack(_bare(), "eu_ccd2_art35")


def test_a_bare_policy_never_stacked_contacts_no_third_party() -> None:
    failed = [
        ContactAttempted(
            at=datetime(2026, 3, 2, 10 + h, tzinfo=NY), channel="phone", outcome="no_answer"
        )
        for h in range(3)
    ]
    d = decide(_bare(), _account("America/New_York", *failed), datetime(2026, 3, 3, 10, tzinfo=NY))
    (blocked,) = [b for b in d.blocked if b.step == "locate"]
    assert [r.code for r in blocked.reasons] == ["third_party_ungoverned"]


@pytest.mark.parametrize(
    ("must_state", "tags"),
    [(("amount", "days_overdue"), ()), ((), ("discloses_debt",))],
)
def test_a_third_party_step_stating_debt_facts_is_never_planned(
    must_state: tuple[str, ...], tags: tuple[str, ...]
) -> None:
    # Issue 14 item 2: only the dispatcher's neutral text used to stop the disclosure.
    policy = _stack(_bare(must_state=must_state, tags=tags), "us_reg_f")
    d = decide(policy, _account("America/New_York"), datetime(2026, 3, 3, 10, tzinfo=NY))
    assert not [a for a in d.actions if a.party == "third_party"]
    (blocked,) = [b for b in d.blocked if b.step == "locate"]
    assert [r.code for r in blocked.reasons] == ["third_party_disclosure"]
    found = [str(w) for w in policy_warnings(policy)]
    assert any("$.stages[0].steps[1]" in w and "third parties" in w for w in found), found


def test_overdue_check_prints_the_stacked_rule_table_with_sources_and_marks(
    tmp_path: Path,
) -> None:
    path = tmp_path / "own.toml"
    path.write_text(POLICY_FILE.format(presets='"us_reg_f", "us_state_ma"'), "utf-8")
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        code = main(["check", str(path)], out=out, err=err)
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "rule | limit | source | mark" in text
    assert "us_reg_f.1006.14(b)(2)(i)(A) | at most 7 per 7 consecutive local days" in text
    assert "us_state_ma.visits" in text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        rows = rule_table(loads_policy(path.read_text("utf-8")))
    assert ("cap", "at most 2 per rolling 7d per debtor, excluding inbound", "-", "-") in rows
    for rule_id, _limit, _source, mark in rows:
        assert f"{rule_id} |" in text
        assert mark in ("V", "S", "U", "house", "-")


# -- item 7: the reference policy --------------------------------------------------------------


def _seed_account(*events: object) -> Account:
    return Account(
        "S-1",
        timezone="Asia/Shanghai",
        contacts=(
            ContactPoint("sms", "+8613812345678"),
            ContactPoint("email", "debtor@example.cn"),
            ContactPoint("letter", "上海市 1 号"),
        ),
        invoices=(Invoice("I-1", Money("1200.00", "CNY"), date(2026, 1, 10)),),
        events=events,  # type: ignore[arg-type]
    )


def test_reference_an_sms_opt_out_falls_back_to_email_instead_of_dropping_the_reminder() -> None:
    opted = OptedOut(at=datetime(2026, 1, 11, 9, tzinfo=SH), channel="sms")
    d = decide(reference_policy(), _seed_account(opted), datetime(2026, 1, 11, 10, tzinfo=SH))
    reminder = next(a for a in d.actions if a.template == "reminder.sms")
    assert (reminder.channel, reminder.fallback_for) == ("email", "sms")


def test_reference_the_in_app_notice_keeps_contact_hours_like_every_preset() -> None:
    d = decide(reference_policy(), _seed_account(), datetime(2026, 1, 11, 0, 0, tzinfo=SH))
    in_app = next(a for a in d.actions if a.channel == "in_app")
    assert in_app.not_before == datetime(2026, 1, 11, 8, 0, tzinfo=SH)


def test_reference_the_lawyers_letter_and_its_email_copy_state_one_grace_end() -> None:
    # Entered at local midnight: the letter has no hours, the e-mail copy waits for 08:00; the
    # rung's grace runs from the last of them, and both messages state that end.
    entered = StageEntered(at=datetime(2026, 2, 20, 0, 0, tzinfo=SH), stage="lawyer_letter")
    d = decide(reference_policy(), _seed_account(entered), datetime(2026, 2, 20, 0, 0, tzinfo=SH))
    letter = next(a for a in d.actions if a.template == "letter.lawyer")
    copy = next(a for a in d.actions if a.template == "letter.lawyer.copy")
    assert letter.not_before != copy.not_before
    assert letter.facts.grace_end == copy.facts.grace_end == datetime(2026, 3, 7, 8, 0, tzinfo=SH)


def test_check_does_not_warn_that_a_presets_rule_names_channels_the_policy_does_not_use() -> None:
    # A preset names every channel its instrument covers (ai_voice, email...); a policy using
    # only calls should hear about its own rules' names, not the preset's.
    policy = _stack(_bare(), "us_reg_f", "us_state_ma")
    found = [str(w) for w in policy_warnings(policy)]
    assert not [w for w in found if "which the policy does not use" in w], found


def test_a_policy_relying_on_a_presets_third_party_rule_round_trips_through_a_file() -> None:
    from overdue.config import dumps_policy

    policy = _stack(_bare(), "uk_conc7")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        assert loads_policy(dumps_policy(policy)) == policy
