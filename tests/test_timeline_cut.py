"""``timeline()`` says when it was cut (issue 11, item 3).

Before: it stopped silently after 2,000 decisions, so a daily reminder over ten years covered
2,331 of 3,650 days and ``overdue timeline --days`` printed it as complete.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from overdue import (
    REFERENCE_POLICY,
    Account,
    ContactPoint,
    Invoice,
    Money,
    Policy,
    Stage,
    Step,
    Timeline,
    timeline,
)
from overdue.cli import main
from overdue.config.accounts import account_to_dict
from overdue.durations import days
from overdue.errors import OverdueError
from overdue.events import PaymentReceived

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 2, 10, tzinfo=SH)


def _daily() -> tuple[Policy, Account]:
    policy = Policy(
        "daily",
        stages=(
            Stage(
                "remind",
                steps=(Step("sms", template="r", repeat_every=days(1), max_attempts=100_000),),
            ),
        ),
        currency="CNY",
    )
    acct = Account(
        "D-1",
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", "+8613800000000"),),
        invoices=(Invoice("I", Money("10.00", "CNY"), date(2026, 1, 1)),),
    )
    return policy, acct


def test_a_cut_schedule_says_so() -> None:
    policy, acct = _daily()
    got = timeline(policy, acct, START, START + timedelta(days=400), max_decisions=50)
    assert isinstance(got, Timeline)
    assert got.truncated
    assert got.cut_at is not None
    assert got.cut_at < START + timedelta(days=400)
    assert got.cut_reason is not None
    assert "50 decisions" in got.cut_reason


def test_a_complete_schedule_is_not_truncated_and_is_still_a_tuple() -> None:
    policy, acct = _daily()
    got = timeline(policy, acct, START, START + timedelta(days=10), max_decisions=500)
    assert not got.truncated
    assert got.cut_reason is None
    assert got == tuple(got)
    assert sum(1 for e in got if e.kind == "contact") == 11  # the 2nd to the 12th


def test_an_account_with_nothing_more_to_do_is_not_truncated() -> None:
    paid = PaymentReceived(at=START - timedelta(days=1), amount=Money("1.00", "CNY"))
    acct = Account(
        "P", invoices=(Invoice("I", Money("1.00", "CNY"), date(2026, 1, 1)),), events=(paid,)
    )
    got = timeline(REFERENCE_POLICY, acct, START, START + timedelta(days=3650), max_decisions=5)
    assert not got.truncated


def test_max_decisions_must_be_positive() -> None:
    policy, acct = _daily()
    with pytest.raises(OverdueError):
        timeline(policy, acct, START, START + timedelta(days=1), max_decisions=0)


def test_the_cli_prints_a_line_when_the_timeline_is_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, acct = _daily()
    path = tmp_path / "a.json"
    path.write_text(json.dumps(account_to_dict(acct)), encoding="utf-8")
    pol = tmp_path / "p.toml"
    pol.write_text(
        'schema = "overdue.policy/1"\nid = "daily"\nversion = "1"\ncurrency = "CNY"\n'
        '[[stages]]\nid = "remind"\n[[stages.steps]]\nchannel = "sms"\ntemplate = "r"\n'
        'repeat_every = "1d"\nmax_attempts = 10000\n',
        encoding="utf-8",
    )
    args = ["timeline", str(pol), str(path), "--from", START.isoformat(), "--days", "400"]
    assert main([*args, "--max-decisions", "30"]) == 0
    out, err = capsys.readouterr()
    assert "timeline cut short" in out
    assert "timeline cut short" in err
    assert main([*args, "--days", "5"]) == 0
    out, err = capsys.readouterr()
    assert "cut short" not in out + err
