"""Policy versions honoured on every many-account path (decide_many, ``overdue next``, the
portfolio kernel), not only by ``decide_versioned`` and the host runner.

Before, those paths always called ``decide``: a policy that says ``pin`` or ``restart`` was
silently decided as ``continue`` there.  Now a ``pin`` account in flight under a version the
caller did not supply is that account's ``PolicyVersionMissingError``, and the others go on.
"""

from __future__ import annotations

import io
import json
import pickle
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pyarrow.parquet as pq

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide
from overdue.batch import BatchFailure, decide_batch, decide_many
from overdue.cli import main
from overdue.config import load_policy
from overdue.config.accounts import account_to_dict
from overdue.engine import PolicySet, decide_versioned
from overdue.events import StageEntered
from overdue.portfolio.arrow import accounts_to_table
from overdue.portfolio.kernel import decide_table

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
V1 = REFERENCE_POLICY  # seed-reference 2026.1
V2 = load_policy(ROOT / "examples" / "versions" / "seed_platform_v2.toml")
PIN = attrs.evolve(V2, on_new_version="pin")
RESTART = attrs.evolve(V2, on_new_version="restart")
NOW = datetime(2026, 2, 2, 10, tzinfo=SHANGHAI)


def account(aid: str, *, version: str | None = "2026.1") -> Account:
    """Owes 900 CNY since 20 January; in the courtesy call since 1 February under ``version``
    (``None``: no rung entered yet, so not in flight)."""
    entered = StageEntered(
        at=datetime(2026, 2, 1, 10, tzinfo=SHANGHAI),
        stage="courtesy_call",
        policy_id="seed-reference",
        policy_version=version,
    )
    return Account(
        aid,
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", "+8613812345678"), ContactPoint("phone", "+8613812345678")),
        invoices=(Invoice(f"INV-{aid}", Money("900.00", "CNY"), date(2026, 1, 20)),),
        events=(entered,) if version is not None else (),
    )


IN_FLIGHT, FRESH = account("A-1"), account("A-2", version=None)


# -------------------------------------------------------------------- decide_many / batch


def test_decide_many_pins_with_the_old_versions() -> None:
    got = list(decide_many(PIN, [IN_FLIGHT, FRESH], NOW, versions=PolicySet.of(V1)))
    assert got[0] == decide_versioned(PIN, IN_FLIGHT, NOW, versions=PolicySet.of(V1))
    assert isinstance(got[0], BatchFailure) is False
    assert (got[0].policy_version, got[0].reasons[0].code) == ("2026.1", "version_pinned")
    assert got[1] == decide(PIN, FRESH, NOW)


def test_decide_many_without_the_pinned_version_fails_that_account_alone() -> None:
    report = decide_batch(PIN, [IN_FLIGHT, FRESH], NOW)
    (failure,) = report.failures
    assert (failure.account_id, failure.error_type) == ("A-1", "PolicyVersionMissingError")
    assert "'seed-reference' version '2026.1'" in failure.message
    assert [d.account_id for d in report.decisions] == ["A-2"]


def test_decide_many_restarts_without_old_versions() -> None:
    (d,) = decide_many(RESTART, [IN_FLIGHT], NOW)
    assert not isinstance(d, BatchFailure)
    assert d.reasons[0].code == "version_restart"
    assert d == decide_versioned(RESTART, IN_FLIGHT, NOW)


def test_decide_many_under_continue_is_decide_as_before() -> None:
    assert list(decide_many(V2, [IN_FLIGHT, FRESH], NOW)) == [
        decide(V2, IN_FLIGHT, NOW),
        decide(V2, FRESH, NOW),
    ]


def test_decide_many_in_processes_ships_the_versions() -> None:
    held = PolicySet.of(V1)
    assert pickle.loads(pickle.dumps(held)) == held
    got = list(decide_many(PIN, [IN_FLIGHT, FRESH] * 3, NOW, workers=2, chunk_size=2,
                           versions=held))  # fmt: skip
    assert got == list(decide_many(PIN, [IN_FLIGHT, FRESH] * 3, NOW, versions=held))


# -------------------------------------------------------------------- overdue next


def _files(tmp_path: Path) -> tuple[str, str]:
    pin = tmp_path / "v2_pin.toml"
    text = (ROOT / "examples" / "versions" / "seed_platform_v2.toml").read_text("utf-8")
    pin.write_text(text.replace('on_new_version = "continue"', 'on_new_version = "pin"'), "utf-8")
    accounts = tmp_path / "accounts.jsonl"
    accounts.write_text(
        "".join(json.dumps(account_to_dict(a)) + "\n" for a in (IN_FLIGHT, FRESH)), "utf-8"
    )
    return str(pin), str(accounts)


def _next(*args: str) -> tuple[int, list[dict[str, object]], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["next", *args, "--at", NOW.isoformat()], out=out, err=err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_next_pins_with_versions_and_reports_the_account_without(tmp_path: Path) -> None:
    pin, accounts = _files(tmp_path)
    old = str(ROOT / "examples" / "policies" / "seed_platform.toml")
    code, rows, _ = _next(pin, accounts, "--versions", old)
    assert code == 0
    assert [(r["account_id"], r["policy"]["version"]) for r in rows] == [  # type: ignore[index]
        ("A-1", "2026.1"),
        ("A-2", "2026.2"),
    ]
    code, rows, err = _next(pin, accounts)
    assert code == 1
    assert "A-1" in err
    assert "'seed-reference' version '2026.1'" in err
    assert [(r["account_id"], r["status"]) for r in rows] == [("A-1", "error"), ("A-2", "active")]


def test_next_on_the_portfolio_kernel_pins_too(tmp_path: Path) -> None:
    pin, accounts = _files(tmp_path)
    old = str(ROOT / "examples" / "policies" / "seed_platform.toml")
    out = tmp_path / "decisions.jsonl"
    code, _, _ = _next(pin, accounts, "-o", str(out), "--versions", old)
    assert code == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["policy"]["version"] for r in rows] == ["2026.1", "2026.2"]
    code, _, err = _next(pin, accounts, "-o", str(out))
    assert code == 1
    assert "A-1" in err
    # Parquet out: the kernel's table, with an error row for the pinned account
    table = tmp_path / "decisions.parquet"
    assert _next(pin, accounts, "-o", str(table), "--versions", old)[0] == 0
    assert pq.read_table(table)["policy_version"].to_pylist() == ["2026.1", "2026.2"]
    assert _next(pin, accounts, "-o", str(table))[0] == 1
    assert pq.read_table(table)["error_type"].to_pylist() == ["PolicyVersionMissingError", None]
    assert "A-1" in err
    assert "'seed-reference' version '2026.1'" in err


# -------------------------------------------------------------------- the portfolio kernel


def test_decide_table_honours_pin_and_restart() -> None:
    table = accounts_to_table([IN_FLIGHT, FRESH])
    pinned = decide_table(PIN, table, NOW, versions=PolicySet.of(V1)).to_pylist()
    assert [r["policy_version"] for r in pinned] == ["2026.1", "2026.2"]
    assert [r["status"] for r in pinned] != ["error", "error"]
    missing = decide_table(PIN, table, NOW).to_pylist()
    assert missing[0]["status"] == "error"
    assert missing[0]["error_type"] == "PolicyVersionMissingError"
    assert "'seed-reference' version '2026.1'" in missing[0]["error_message"]
    assert missing[1] == pinned[1]
    restarted = decide_table(RESTART, table, NOW).to_pylist()
    assert restarted[0]["status"] != "error"
    assert restarted[0]["policy_version"] == "2026.2"
    assert decide_table(V2, table, NOW) == decide_table(V2, table, NOW, prepass=False)
