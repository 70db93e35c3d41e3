"""``overdue import killbill|oca FILE``: the policy to a file or stdout, the report printed."""

from __future__ import annotations

import io
from pathlib import Path

from overdue.cli import main
from overdue.config import load_policy

from .conftest import DATA


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_killbill_to_a_file_then_check(tmp_path: Path) -> None:
    target = tmp_path / "policy.toml"
    code, out, err = _run(
        "import", "killbill", str(DATA / "killbill" / "issue-2297.xml"), "-o", str(target)
    )
    assert code == 0, err
    assert out.startswith(f"wrote {target}\n")
    assert "blockChanges" not in out  # a service step now, not an approximation
    imported = load_policy(target)
    assert [s.id for s in imported.stages] == ["WARNING", "BLOCKED", "CANCELLATION"]
    assert [a.action for a in imported.stage("BLOCKED").service] == [
        "block_changes",
        "disable_entitlement",
    ]
    assert imported.step_down == "when_conditions_fail"
    code, out, _ = _run("check", str(target))
    assert code == 0
    assert out.startswith(f"ok  {target}")


def test_oca_to_stdout_with_the_report_on_stderr() -> None:
    code, out, err = _run(
        "import",
        "oca",
        str(DATA / "oca" / "credit-control-equivalent.xml"),
        "--policy",
        "credit_control_3_time",
        "--policy-id",
        "oca-three",
    )
    assert code == 0, err
    assert out.startswith('schema = "overdue.policy/1"\nid = "oca-three"')
    assert 'ladder_per = "invoice"' in out  # OCA dunning runs per invoice line
    assert "one ladder per invoice" not in err
    assert "anchor = \"end_of_month\"" in out  # written exactly since issue 18


def test_bad_input_exits_2_with_the_location(tmp_path: Path) -> None:
    bad = tmp_path / "overdue.xml"
    bad.write_text('<!DOCTYPE x [<!ENTITY a "b">]>\n<overdueConfig/>', "utf-8")
    code, out, err = _run("import", "killbill", str(bad))
    assert code == 2
    assert out == ""
    assert err.startswith("overdue import: Kill Bill overdue.xml: DOCTYPE declarations are refused")
    code, _, err = _run("import", "oca", str(tmp_path / "missing.xml"))
    assert code == 2
    assert "cannot read" in err
