"""A challenger replayed on a recorded log: the first difference, contacts and objections."""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import REFERENCE_POLICY, Policy, Stage
from overdue.config import account_to_dict
from overdue.events import ContactAttempted
from overdue.notebook.backtest import backtest
from overdue.simulate import generate_portfolio, simulate

START = datetime(2026, 2, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def log():  # type: ignore[no-untyped-def]
    run = simulate(REFERENCE_POLICY, generate_portfolio(25, seed=3), START, 75, seed=2, record=True)
    return run.recorded_accounts()


def _two_sms(policy: Policy) -> Policy:
    def change(stage: Stage) -> Stage:
        if stage.id != "reminder":
            return stage
        sms, *rest = stage.steps
        return attrs.evolve(stage, steps=(attrs.evolve(sms, max_attempts=2), *rest))

    return attrs.evolve(policy, id="two-sms", stages=tuple(change(s) for s in policy.stages))


def _hours(policy: Policy, start: int, end: int) -> Policy:
    rules = tuple(
        attrs.evolve(r, window=(time(start), time(end))) if r.id == "contact-hours" else r
        for r in policy.rules
    )
    return attrs.evolve(policy, id=f"hours-{start}-{end}", rules=rules)


def test_the_recording_policy_never_differs_from_its_own_log(log) -> None:  # type: ignore[no-untyped-def]
    result = backtest(REFERENCE_POLICY, REFERENCE_POLICY, log)
    s = result.summary()
    assert s["diverged"] == 0
    assert s["failed"] == 0
    assert s["contact_change"] == 0
    assert s["champion_objections"] == 0  # the log followed the policy
    assert s["recorded_contacts"] == sum(
        1 for a in log for e in a.events if isinstance(e, ContactAttempted)
    )


def test_dropping_the_third_sms_diverges_where_the_third_sms_was_sent(log) -> None:  # type: ignore[no-untyped-def]
    result = backtest(REFERENCE_POLICY, _two_sms(REFERENCE_POLICY), log)
    # The third reminder SMS *sent* (counted, not read from the key: under catch_up =
    # latest_only an attempt a rule held past its window is skipped, so the second one sent
    # may be attempt 3, and the two-SMS challenger sends its attempt 2 then too).
    sent = {
        a.id: [
            e.at
            for e in a.events
            if isinstance(e, ContactAttempted) and e.idempotency_key
            and ":reminder.sms:" in e.idempotency_key
        ]
        for a in log
    }
    third = {account_id: times[2] for account_id, times in sent.items() if len(times) >= 3}
    assert third
    for acc in result.accounts:
        if acc.account_id in third:
            assert acc.diverged_at == third[acc.account_id]
            assert "sms reminder.sms" in acc.champion_did
            assert "sms reminder.sms" not in acc.challenger_would
        else:
            assert acc.diverged_at is None
    assert result.summary()["contact_change"] < 0
    assert result.summary()["challenger_objections"] == 0  # same rules, no objection


def test_stricter_contact_hours_object_to_the_early_contacts_by_rule(log) -> None:  # type: ignore[no-untyped-def]
    result = backtest(REFERENCE_POLICY, _hours(REFERENCE_POLICY, 9, 20), log)
    early = sum(
        1
        for a in log
        for e in a.events
        if isinstance(e, ContactAttempted) and e.channel in {"sms", "phone", "email"}
        and not time(9) <= e.at.astimezone(ZoneInfo("Asia/Shanghai")).time() < time(20)
    )
    assert early > 0
    by_rule = result.objections_by_rule()
    assert list(by_rule) == ["contact-hours"]
    champion, challenger = by_rule["contact-hours"]
    # Every objection is one of the early contacts; a few early contacts draw none because
    # the challenger would not be on that rung yet (its ladder differs, not its rule).
    assert champion == 0
    assert early * 0.75 <= challenger <= early
    assert result.summary()["objection_change"] == challenger


def test_a_jsonl_log_is_read_and_a_bad_line_is_reported(tmp_path: Path, log) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "log.jsonl"
    lines = [json.dumps(account_to_dict(a)) for a in log[:3]]
    lines.insert(1, '{"id": "BROKEN", "invoices": "nope"}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = backtest(REFERENCE_POLICY, REFERENCE_POLICY, path)
    assert [a.account_id for a in result.accounts] == [log[0].id, "BROKEN", log[1].id, log[2].id]
    assert [a.account_id for a in result.failed] == ["BROKEN"]
    assert result.summary()["diverged"] == 0


def test_a_backtest_becomes_a_frame_and_html(log) -> None:  # type: ignore[no-untyped-def]
    result = backtest(REFERENCE_POLICY, _two_sms(REFERENCE_POLICY), log[:8])
    df = result.to_frame()
    assert len(df) == 8
    assert str(df["diverged_at"].dtype).startswith("datetime64[ns, UTC")
    html = result._repr_html_()
    assert "two-sms" in html
    assert "first difference" in html


def test_a_log_written_as_parquet_or_jsonl_reads_back_the_same(tmp_path: Path, log) -> None:  # type: ignore[no-untyped-def]
    from overdue.notebook.logs import read_log, write_log

    for name in ("log.parquet", "log.jsonl"):
        path = write_log(log[:6], tmp_path / name)
        assert list(read_log(path)) == log[:6]
    result = backtest(REFERENCE_POLICY, _two_sms(REFERENCE_POLICY), tmp_path / "log.parquet")
    direct = backtest(REFERENCE_POLICY, _two_sms(REFERENCE_POLICY), log[:6])
    assert result == direct
