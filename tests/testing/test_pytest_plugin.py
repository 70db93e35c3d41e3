"""The pytest plugin: light at import, fixtures work, --overdue-policy loads a file."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]


def test_importing_the_plugin_does_not_import_hypothesis() -> None:
    code = "import sys, overdue._pytest_plugin; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


FIXTURE_TEST = """
from datetime import timedelta

def test_fixtures(overdue_clock, overdue_recording_adapter, overdue_policy):
    start = overdue_clock.now()
    assert overdue_clock.advance(days=2) - start == timedelta(days=2)
    assert hasattr(overdue_recording_adapter, "send")
    print("POLICY", overdue_policy.id)
"""


def test_fixtures_default_to_the_reference_policy(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(FIXTURE_TEST)
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*POLICY seed-reference*"])


def test_the_option_points_the_fixture_at_a_policy_file(pytester: pytest.Pytester) -> None:
    pytest.importorskip("overdue.config")
    pytester.makepyfile(FIXTURE_TEST)
    policy = REPO / "examples" / "policy_tests" / "my_policy.toml"
    result = pytester.runpytest("-s", "-p", "no:cacheprovider", f"--overdue-policy={policy}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*POLICY my-policy*"])


def test_the_ini_value_works_too(pytester: pytest.Pytester) -> None:
    pytest.importorskip("overdue.config")
    policy = REPO / "examples" / "policy_tests" / "my_policy.toml"
    pytester.makeini(f"[pytest]\noverdue_policy = {policy}\n")
    pytester.makepyfile(FIXTURE_TEST)
    result = pytester.runpytest("-s", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*POLICY my-policy*"])


def test_the_clock_refuses_to_go_back() -> None:
    from datetime import UTC, datetime, timedelta

    from overdue.testing import FixedClock

    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(timedelta(days=-1))
    with pytest.raises(ValueError, match="only moves forward"):
        clock.set(datetime(2025, 1, 1, tzinfo=UTC))


def test_the_fallback_recorder_records() -> None:
    from overdue.testing import Recorder

    rec = Recorder()
    rec.send(object(), idempotency_key="k1")  # type: ignore[arg-type]
    assert [s.idempotency_key for s in rec.sent] == ["k1"]


MACHINE_TEST = """
from overdue.testing import PolicyMachine, selected_policy


class Machine(PolicyMachine):
    policy = selected_policy()


def test_the_machine_follows_the_option():
    print("MACHINE", Machine().the_policy.id)
"""


def test_the_option_drives_a_policy_machine_resolved_at_run_time(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(MACHINE_TEST)
    policy = REPO / "examples" / "policy_tests" / "my_policy.toml"
    result = pytester.runpytest("-s", "-p", "no:cacheprovider", f"--overdue-policy={policy}")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*MACHINE my-policy*"])


def test_a_named_mutant_reaches_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        "def test_grace(overdue_policy):\n"
        "    print('GRACE', overdue_policy.stage('lawyer_letter').grace)\n"
    )
    result = pytester.runpytest(
        "-s", "-p", "no:cacheprovider", "--overdue-mutant=grace_zero:lawyer_letter"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*GRACE 0d*"])


SCORED_SUITE = """
from overdue import REFERENCE_POLICY
from overdue.testing import current_policy, weakenings


def test_no_weakening_against_the_reviewed_policy():
    assert weakenings(REFERENCE_POLICY, current_policy()) == []
"""


def test_the_mutation_score_counts_killed_mutants(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SCORED_SUITE)
    result = pytester.runpytest_subprocess("--overdue-mutants=grace_zero*")
    result.stdout.fnmatch_lines(["*killed   grace_zero:lawyer_letter*", "*mutation score: 1/1*"])
    assert result.ret == 0


def test_a_suite_that_checks_nothing_lets_mutants_survive(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    assert True\n")
    result = pytester.runpytest_subprocess("--overdue-mutants=grace_zero*")
    result.stdout.fnmatch_lines(["*SURVIVED grace_zero:lawyer_letter*", "*mutation score: 0/1*"])
    assert result.ret == 1
