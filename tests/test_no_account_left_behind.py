"""No account left behind: a decision that is not final says when to ask again or what it waits for.

Before: when an action was due now and the rung's deadline was also now, ``wake_at`` was
``None`` and nothing else said what would move the account, so a host following the README
("ask again at ``wake_at``") never asked again (issue 12, item 1).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, decide
from overdue.cli import main
from overdue.config import load_accounts, load_policy
from overdue.reference import reference_policy
from overdue.testing.strategies import accounts, policies

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "examples" / "policies" / "seed_platform.toml"
ACCOUNTS = ROOT / "examples" / "accounts.jsonl"
AT = "2026-03-06T08:00:00+08:00"
FINAL = {"done", "resolved", "written_off"}


def _next_json(capsys: object) -> dict[str, dict[str, object]]:
    assert main(["next", str(POLICY), str(ACCOUNTS), "--at", AT]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    return {d["account_id"]: d for d in map(json.loads, out.splitlines())}


def test_due_action_at_the_deadline_waits_for_its_outcome(capsys: object) -> None:
    got = _next_json(capsys)
    for acct in ("A-1002", "A-1003"):
        d = got[acct]
        assert d["status"] == "active"
        assert d["wake_at"] is None  # time alone changes nothing: the due action holds the rung
        keys = [a["idempotency_key"] for a in d["actions"] if a["due"]]  # type: ignore[attr-defined]
        assert keys
        assert d["waiting_for"] == [f"outcome:{k}" for k in keys]


def test_every_open_account_of_the_example_says_when_or_on_what(capsys: object) -> None:
    got = _next_json(capsys)
    for d in got.values():
        if d["status"] not in FINAL:
            assert d["wake_at"] is not None or d["waiting_for"], d["account_id"]
    assert got["A-1006"]["waiting_for"] == ["authorisation:legal_review"]
    assert got["A-1009"]["waiting_for"] == ["cleared:dispute_open"]
    assert got["A-1012"]["waiting_for"] == ["conditions:lawyer_letter"]


def test_the_table_says_ask_again_on_the_awaited_fact(capsys: object) -> None:
    assert main(["next", str(POLICY), str(ACCOUNTS), "--at", AT, "--format", "table"]) == 0
    rows = {
        line.split()[0]: line
        for line in capsys.readouterr().out.splitlines()  # type: ignore[attr-defined]
    }
    assert rows["A-1002"].rstrip().endswith("on outcome")
    assert rows["A-1003"].rstrip().endswith("on outcome")
    assert rows["A-1006"].rstrip().endswith("on authorisation:legal_review")


def test_recording_the_awaited_outcome_moves_the_account_on() -> None:
    policy = load_policy(POLICY)
    acct = next(r.account for r in load_accounts(ACCOUNTS) if r.account_id == "A-1002")
    assert acct is not None
    now = datetime.fromisoformat(AT)
    d = decide(policy, acct, now)
    (due,) = d.due_actions
    after = decide(policy, acct.with_events(due.outcome_event("delivered", now)), now)
    assert f"outcome:{due.idempotency_key}" not in after.waiting_for
    assert after.wake_at is not None  # the next attempt is planned: time moves it on now
    assert after.wake_at > now


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_open_decision_without_wake_at_or_waiting_for(data: st.DataObject) -> None:
    policy = data.draw(
        st.sampled_from((REFERENCE_POLICY, reference_policy(field_visit=True))) | policies()
    )
    acct = data.draw(accounts(policy=policy))
    last = max((e.at for e in acct.events), default=None)
    assert last is not None
    now = last + timedelta(hours=data.draw(st.integers(0, 24 * 90)))
    d = decide(policy, acct, now)
    if d.status not in FINAL:
        assert d.wake_at is not None or d.waiting_for, d.explain()
