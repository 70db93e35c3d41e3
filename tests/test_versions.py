"""Policy versions in flight (issue 13, item 3), as the policy document would state them.

Version 2026.1 of the seed ladder is in force; accounts entered their rungs under it.  Version
2026.2 (examples/versions/seed_platform_v2.toml) calls every day instead of every other day
and gives the formal notice 10 days instead of 14.  What happens to the accounts in flight is
what 2026.2 says: continue on the same rung, restart the ladder, or stay pinned to 2026.1.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import (
    REFERENCE_POLICY,
    Account,
    ContactPoint,
    Invoice,
    Money,
    PolicySet,
    decide,
    decide_versioned,
    migration_report,
)
from overdue.cli import main
from overdue.config import load_policy
from overdue.engine.versions import entered_under
from overdue.errors import PolicyError, PolicyVersionMissingError
from overdue.events import ContactAttempted, StageEntered
from overdue.snapshot import fold
from overdue.testing.policy_pairs import in_flight_accounts, policy_pairs
from overdue.testing.versions import check_pinned, without_version_reasons

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
V1 = REFERENCE_POLICY  # seed-reference 2026.1
V2 = load_policy(ROOT / "examples" / "versions" / "seed_platform_v2.toml")


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def in_courtesy_call(
    *, version: str | None = "2026.1", policy_id: str = "seed-reference"
) -> Account:
    """Entered the courtesy call on 1 February under ``version``, called once that day."""
    return Account(
        "A-7",
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", "+8613812345678"), ContactPoint("phone", "+8613812345678")),
        invoices=(Invoice("INV-7", Money("900.00", "CNY"), date(2026, 1, 20)),),
        events=(
            StageEntered(
                at=at(2, 1),
                stage="courtesy_call",
                policy_id=policy_id if version is not None else None,
                policy_version=version,
            ),
            ContactAttempted(
                at=at(2, 1),
                channel="phone",
                outcome="no_answer",
                stage="courtesy_call",
                step="call.polite",
                template="call.polite",
                idempotency_key="A-7:courtesy_call#1:call.polite:1",
            ),
        ),
    )


# -------------------------------------------------------------------- recorded on decisions


def test_a_rung_is_entered_under_the_policy_id_and_version_and_recorded_so() -> None:
    account = attrs.evolve(in_courtesy_call(), events=())
    d = decide(V1, account, at(1, 25))
    assert (d.policy_id, d.policy_version) == ("seed-reference", "2026.1")
    (entered,) = d.record
    assert isinstance(entered, StageEntered)
    assert (entered.policy_id, entered.policy_version) == ("seed-reference", "2026.1")


def test_an_account_not_in_flight_is_decided_exactly_as_decide_does() -> None:
    account = in_courtesy_call(version="2026.2")
    assert decide_versioned(V2, account, at(2, 2)) == decide(V2, account, at(2, 2))
    # a history from before versions were recorded is taken to be under the current policy
    legacy = in_courtesy_call(version=None)
    assert decide_versioned(V2, legacy, at(2, 2)) == decide(V2, legacy, at(2, 2))


# -------------------------------------------------------------------- continue


def test_continue_keeps_the_rung_and_applies_the_new_spacing_from_now_on() -> None:
    account = in_courtesy_call()
    old = decide(V1, account, at(2, 2))
    new = decide_versioned(V2, account, at(2, 2))
    assert new.stage == old.stage == "courtesy_call"
    assert old.next_action is not None
    assert new.next_action is not None
    call_v1 = next(a for a in old.actions if a.step == "call.polite")
    call_v2 = next(a for a in new.actions if a.step == "call.polite")
    assert call_v1.not_before == at(2, 3)  # every other day under 2026.1
    assert call_v2.not_before == at(2, 2)  # every day under 2026.2
    assert new.reasons[0].code == "version_continue"
    assert "entered under seed-reference 2026.1" in new.reasons[0].message


def test_continue_on_a_rung_the_new_version_removed_places_the_account_from_the_bottom() -> None:
    renamed = attrs.evolve(
        V2,
        stages=tuple(
            attrs.evolve(s, id="phone_reminder") if s.id == "courtesy_call" else s
            for s in V2.stages
        ),
    )
    d = decide_versioned(renamed, in_courtesy_call(), at(2, 2))
    codes = [r.code for r in d.reasons]
    assert codes[0] == "version_continue"
    assert "unknown_stage" in codes  # the engine's rule, stated on the decision
    assert d.stage == "reminder"


def test_continue_on_a_rung_the_new_version_switched_off_goes_on_to_the_next_rung() -> None:
    off = attrs.evolve(
        V2,
        stages=tuple(
            attrs.evolve(s, enabled=False) if s.id == "courtesy_call" else s for s in V2.stages
        ),
    )
    d = decide_versioned(off, in_courtesy_call(), at(2, 2))
    assert "disabled_stage" in [r.code for r in d.reasons]
    assert d.stage == "formal_notice"


# -------------------------------------------------------------------- restart


def test_restart_re_enters_the_new_ladder_from_the_bottom_once() -> None:
    restart = attrs.evolve(V2, on_new_version="restart")
    account = in_courtesy_call()
    d = decide_versioned(restart, account, at(2, 2))
    assert d.reasons[0].code == "version_restart"
    assert d.transition is not None
    assert (d.transition.from_stage, d.transition.to_stage) == ("courtesy_call", "reminder")
    (entered,) = d.record
    assert isinstance(entered, StageEntered)
    assert entered.policy_version == "2026.2"
    # once the host records the entry, the account is no longer in flight: no second restart
    later = attrs.evolve(account, events=(*account.events, *d.record))
    again = decide_versioned(restart, later, at(2, 2, 11))
    assert again.transition is None
    assert again.stage == "reminder"
    assert "version_restart" not in [r.code for r in again.reasons]


# -------------------------------------------------------------------- pin


def test_pin_keeps_deciding_under_the_version_the_account_started_with() -> None:
    pinned = attrs.evolve(V2, on_new_version="pin")
    account = in_courtesy_call()
    d = decide_versioned(pinned, account, at(2, 2), versions=PolicySet.of(V1))
    assert (d.policy_id, d.policy_version) == ("seed-reference", "2026.1")
    assert d.reasons[0].code == "version_pinned"
    assert without_version_reasons(d) == decide(V1, account, at(2, 2))
    assert check_pinned(pinned, PolicySet.of(V1), account, at(2, 2)) == []


def test_pin_without_the_old_version_is_a_clear_error_naming_the_account() -> None:
    pinned = attrs.evolve(V2, on_new_version="pin")
    with pytest.raises(PolicyVersionMissingError) as caught:
        decide_versioned(pinned, in_courtesy_call(), at(2, 2), versions=PolicySet.of(V2))
    text = str(caught.value)
    assert "'seed-reference' version '2026.1'" in text
    assert "A-7" in text
    assert "held: '2026.2'" in text


def test_a_policy_set_refuses_two_different_policies_under_one_version() -> None:
    with pytest.raises(PolicyError, match="one policy per"):
        PolicySet.of(V1, attrs.evolve(V2, version="2026.1"))
    assert PolicySet.of(V1, V2).versions("seed-reference") == ("2026.1", "2026.2")
    assert ("seed-reference", "2026.2") in PolicySet.of(V1, V2)


def test_on_new_version_is_a_policy_file_key() -> None:
    assert V2.on_new_version == "continue"
    with pytest.raises(PolicyError):
        attrs.evolve(V2, on_new_version="drift")


# -------------------------------------------------------------------- the migration report


def test_the_migration_report_lists_what_changes_per_account_with_counts() -> None:
    accounts = [in_courtesy_call(), attrs.evolve(in_courtesy_call(), id="A-8", events=())]
    report = migration_report(V2, V1, accounts, at(2, 2))
    first, second = report.rows
    # 2026.1 calls again on 3 February, so the SMS follow-up is next; 2026.2 calls today
    assert first.changed == ("next_action", "channel")
    assert first.before is not None
    assert first.after is not None
    assert first.before.next_action == "courtesy_call/call.followup attempt 1"
    assert first.after.next_action == "courtesy_call/call.polite attempt 2"
    assert (first.before.channel, first.after.channel) == ("sms", "phone")
    assert first.why
    assert "continues on rung courtesy_call" in first.why[0]
    assert second.changed == ()  # nothing in flight: both versions enter the reminder alike
    counts = report.counts()
    assert counts["changed"] == 1
    assert counts["unchanged"] == 1
    assert counts["next_action"] == 1
    text = report.render()
    assert "A-7: changed next action, channel" in text
    assert "A-8: unchanged" in text


def test_the_migration_report_notes_two_policies_under_one_version_label() -> None:
    same = attrs.evolve(V2, version=V1.version)
    report = migration_report(same, V1, [in_courtesy_call()], at(2, 2))
    assert "note: both policies are seed-reference 2026.1" in report.render()
    assert report.rows[0].why == ()  # not in flight: decided under the new rules directly


def test_the_migration_report_under_pin_changes_nothing_for_accounts_in_flight() -> None:
    pinned = attrs.evolve(V2, on_new_version="pin")
    report = migration_report(pinned, V1, [in_courtesy_call()], at(2, 2))
    assert report.counts()["changed"] == 0
    assert "pins accounts in flight" in report.rows[0].why[0]


def test_one_account_that_cannot_be_decided_is_an_error_row_and_the_others_go_on() -> None:
    pinned = attrs.evolve(V2, on_new_version="pin")
    stranger = in_courtesy_call(version="2025.9")  # entered under a version nobody kept
    report = migration_report(pinned, V1, [stranger, in_courtesy_call()], at(2, 2))
    assert report.rows[0].error is not None
    assert "2025.9" in report.rows[0].error
    assert report.rows[1].error is None
    assert report.counts()["errors"] == 1


def test_overdue_check_against_prints_the_report_and_its_json(tmp_path: Path) -> None:
    path = tmp_path / "accounts.jsonl"
    from overdue.config import account_to_dict

    path.write_text(json.dumps(account_to_dict(in_courtesy_call())) + "\nnot json\n")
    new = str(ROOT / "examples" / "versions" / "seed_platform_v2.toml")
    old = str(ROOT / "examples" / "policies" / "seed_platform.toml")
    args = ["check", new, "--against", old, "--accounts", str(path), "--at", at(2, 2).isoformat()]
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err)
    text = out.getvalue()
    assert code == 1  # the unreadable line is an error row
    assert text.startswith("migration report: seed-reference 2026.1 -> seed-reference 2026.2")
    assert "A-7: changed next action, channel" in text
    assert "line 2: ERROR" in text
    out = io.StringIO()
    main([*args, "--json"], out=out, err=io.StringIO())
    doc = json.loads(out.getvalue())
    assert doc["schema"] == "overdue.migration/1"
    assert doc["counts"]["changed"] == 1
    assert doc["counts"]["errors"] == 1
    assert doc["accounts"][0]["after"]["channel"] == "phone"


# -------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_pairs(mode="pin"), st.data())
def test_a_pinned_account_is_always_decided_as_the_old_version_decides(
    pair: tuple[object, object], data: st.DataObject
) -> None:
    old, new = pair
    account, now = data.draw(in_flight_accounts(old))  # type: ignore[arg-type]
    assert check_pinned(new, PolicySet.of(old), account, now) == []  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_pairs(), st.data())
def test_every_decision_of_an_account_in_flight_names_the_version_change_first(
    pair: tuple[object, object], data: st.DataObject
) -> None:
    old, new = pair
    account, now = data.draw(in_flight_accounts(old))  # type: ignore[arg-type]
    d = decide_versioned(new, account, now, versions=PolicySet.of(old))  # type: ignore[arg-type]
    in_flight = entered_under(fold(account, now)) is not None
    assert in_flight == d.reasons[0].code.startswith("version_") if d.reasons else not in_flight
    if in_flight:
        assert d.reasons[0].code == f"version_{new.on_new_version}".replace("pin", "pinned")  # type: ignore[attr-defined]


# -------------------------------------------------------------------- in a host


def test_a_runner_keeps_a_pinned_account_on_its_version_and_new_accounts_on_the_new_one() -> None:
    from overdue.dispatch import ChannelRegistry, RecordingAdapter
    from overdue.host import Runner, SqliteStore

    pinned = attrs.evolve(V2, on_new_version="pin")
    fresh = attrs.evolve(in_courtesy_call(), id="A-9", events=())
    with SqliteStore(":memory:") as store:
        store.create(in_courtesy_call())
        store.create(fresh)
        registry = ChannelRegistry(RecordingAdapter(c) for c in ("sms", "phone", "in_app"))
        runner = Runner(pinned, store, registry, versions=PolicySet.of(V1))
        report = runner.run_once(at(2, 2))
        assert report.errors == ()
        # 2026.1 calls every other day: the pinned account gets its SMS follow-up, no call
        assert "A-7:courtesy_call#1:call.followup:1" in report.sent
        assert not any(k.startswith("A-7:courtesy_call#1:call.polite") for k in report.sent)
        entered = [
            e for e in store.load("A-9").account.events if isinstance(e, StageEntered)
        ]
        assert [(e.stage, e.policy_version) for e in entered] == [("reminder", "2026.2")]
        # without the old version the pinned account is reported, the other still runs
        lost = Runner(pinned, store, registry).run_once(at(2, 3))
        assert [a for a, _ in lost.errors] == ["A-7"]
        assert isinstance(lost.errors[0][1], PolicyVersionMissingError)
