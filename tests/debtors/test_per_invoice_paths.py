"""Every entry point either honours a per-invoice policy or refuses it by name: never silently.

The same account as ``test_per_invoice.py``: ACC-1 in New York with invoice A (40 days overdue
on Sunday 1 March 2026, already on the reminder rung with its SMS sent) and invoice B (5 days
overdue), one contact a day to the person.  ``decide_invoices`` gives A the formal letter now
and holds B's SMS back for Monday.  The command line's ``next``, ``timeline`` and ``explain``
give the same per-invoice answers; ``decide``, ``timeline``, ``decide_many`` and the portfolio
kernel refuse, each account with a ``PolicyError`` naming what to call instead.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from overdue import decide, timeline
from overdue.batch import BatchFailure, decide_batch, decide_many
from overdue.cli import main
from overdue.config import account_to_dict, decision_to_dict, dump_policy
from overdue.engine.debtors import debtor_timeline
from overdue.engine.invoices import decide_invoices, invoice_debtor
from overdue.errors import OverdueError, PolicyError

from .test_per_invoice import NOW, account, at, per_day, policy, sms_to_a

AT = NOW.isoformat()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    """The per-invoice policy file, and ACC-1 then an account with no invoice (which a
    per-invoice ladder cannot decide) then ACC-1 again as ACC-2."""
    path = tmp_path / "per_invoice.toml"
    dump_policy(policy(per_day(1)), path)
    acc = account(*sms_to_a())
    lines = [
        account_to_dict(acc),
        account_to_dict(account(invoices=())) | {"id": "EMPTY"},
        account_to_dict(acc) | {"id": "ACC-2"},
    ]
    accounts = tmp_path / "accounts.jsonl"
    accounts.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return str(path), str(accounts)


# -- the library refuses to decide the account as a whole ---------------------------------


def test_decide_refuses_a_per_invoice_policy_and_says_what_to_call() -> None:
    with pytest.raises(PolicyError) as info:
        decide(policy(), account(*sms_to_a()), NOW)
    e = info.value
    assert isinstance(e, OverdueError)
    assert (e.account_id, e.key_path, e.got) == ("ACC-1", "ladder_per", "invoice")
    assert "decide_invoices(policy, account, now)" in str(e)
    assert "account 'ACC-1'" in str(e)


def test_timeline_refuses_a_per_invoice_policy_and_names_debtor_timeline() -> None:
    with pytest.raises(PolicyError) as info:
        timeline(policy(), account(), NOW, at(31))
    assert info.value.account_id == "ACC-1"
    assert "debtor_timeline(policy, invoice_debtor(account), start, until)" in str(info.value)
    # ... which works
    entries = debtor_timeline(policy(), invoice_debtor(account()), NOW, at(31))
    kinds = {(e.debt_id, e.kind) for e in entries}
    assert {("A", "contact"), ("B", "contact")} <= kinds


def test_a_per_account_policy_is_decided_as_before() -> None:
    acc = account(*sms_to_a())
    d = decide(policy(ladder_per="account"), acc, NOW)
    assert (d.account_id, d.stage) == ("ACC-1", "formal")
    assert "debt_id" not in decision_to_dict(d)


def test_decide_many_reports_every_account_as_a_policy_failure() -> None:
    accounts = [account(*sms_to_a()), account()]
    items = list(decide_many(policy(), accounts, NOW))
    assert len(items) == 2
    assert all(isinstance(x, BatchFailure) and x.error_type == "PolicyError" for x in items)
    assert "decide_invoices" in str(items[0])
    report = decide_batch(policy(), accounts, NOW)
    assert (report.read, len(report.decisions), len(report.failures)) == (2, 0, 2)


# -- the command line honours it ----------------------------------------------------------


def test_next_writes_one_record_per_unpaid_invoice_with_its_debt_id(
    files: tuple[str, str],
) -> None:
    path, accounts = files
    code, out, err = run("next", path, accounts, "--at", AT)
    assert code == 1  # EMPTY could not be decided; the others were
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["account_id"], r.get("debt_id"), r["status"]) for r in records] == [
        ("ACC-1", "A", "active"),
        ("ACC-1", "B", "active"),
        ("EMPTY", None, "error"),
        ("ACC-2", "A", "active"),
        ("ACC-2", "B", "active"),
    ]
    dd = decide_invoices(policy(per_day(1)), account(*sms_to_a()), NOW)
    for want, got in zip(dd.debts, records, strict=False):
        assert got == json.loads(json.dumps(decision_to_dict(want.decision, debt_id=want.debt_id)))
    assert records[0]["actions"][0]["debt_id"] == "A"
    assert records[2]["error"]["type"] == "AccountError"
    assert "3 account(s) read, 2 decided; 1 account(s) could not be decided" in err


def test_next_as_a_table_has_an_invoice_column(files: tuple[str, str]) -> None:
    path, accounts = files
    code, out, _ = run("next", path, accounts, "--at", AT, "--format", "table")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ACCOUNT", "INVOICE", "STATUS"]
    assert [line.split()[:4] for line in lines[1:3]] == [
        ["ACC-1", "A", "active", "formal"],
        ["ACC-1", "B", "active", "reminder"],
    ]
    assert lines[3].split()[:3] == ["EMPTY", "-", "error"]


def test_next_to_a_jsonl_file_writes_the_same_records(
    files: tuple[str, str], tmp_path: Path
) -> None:
    path, accounts = files  # -o: the portfolio command path (overdue-policy[arrow])
    _, direct, _ = run("next", path, accounts, "--at", AT)
    target = tmp_path / "decisions.jsonl"
    code, _, err = run("next", path, accounts, "--at", AT, "-o", str(target))
    assert code == 1
    written = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    want = [json.loads(line) for line in direct.splitlines()]
    assert [r for r in written if r["status"] != "error"] == want[:2] + want[3:]
    assert [r["account_id"] for r in written if r["status"] == "error"] == ["EMPTY"]
    assert "3 account(s): 2 decided, 0 kept from --previous, 1 failed" in err


def test_timeline_and_explain_go_per_invoice(files: tuple[str, str]) -> None:
    path, accounts = files
    code, out, _ = run(
        "timeline", path, accounts, "--id", "ACC-1", "--from", AT, "--days", "3",
        "--format", "jsonl",
    )  # fmt: skip
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert {(r["debt_id"], r["kind"]) for r in rows} >= {("A", "contact"), ("B", "held_back")}
    code, out, _ = run("explain", path, accounts, "--id", "ACC-1", "--at", AT)
    assert code == 0
    assert ("--- 1. debt A" in out, "--- 2. debt B" in out) == (True, True)
    code, out, _ = run("explain", path, accounts, "--id", "ACC-1", "--at", AT, "--format", "json")
    assert [r["debt_id"] for r in json.loads(out)] == ["A", "B"]


def test_check_says_which_entry_points_honour_it(files: tuple[str, str]) -> None:
    code, out, _ = run("check", files[0])
    assert code == 0
    info = [line for line in out.splitlines() if "info:" in line]
    assert len(info) == 1
    assert ("decide_invoices" in info[0], "refused" in info[0]) == (True, True)

