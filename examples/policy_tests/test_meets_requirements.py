"""The documented way to test a policy: requirements, weakenings, then the state machine.

Three layers, cheapest first:

1. the policy text against the team's requirements (``requirements.toml``), and against a
   preset's (``requirements_of("us_reg_f")``) where one applies: instant, and it sees what no
   history shows (a raised daily call cap on a ladder that never calls twice a day);
2. the policy against the reviewed ("golden") version: every weakening a change made;
3. the state machine, judging the policy's *behaviour* by the requirements rather than by its
   own rules (which a deleted or weakened rule would weaken with it).

``pytest --overdue-policy candidate.toml`` runs all three against another policy file, and
``pytest --overdue-mutants`` reports which standard authoring mistakes the file would miss.
"""

from pathlib import Path

from overdue import REFERENCE_POLICY
from overdue.testing import (
    PolicyMachine,
    current_policy,
    load_requirements,
    selected_policy,
    static_violations,
    weakenings,
)
from overdue.testing.machine import fuzz_settings

HERE = Path(__file__).parent
REQUIRED = load_requirements(HERE / "requirements.toml")
GOLDEN = REFERENCE_POLICY  # in a team's repository: load_policy("policies/reviewed.toml")


def test_the_policy_text_meets_the_requirements() -> None:
    assert static_violations(REQUIRED, current_policy(GOLDEN)) == []


def test_no_weakening_against_the_reviewed_policy() -> None:
    assert weakenings(GOLDEN, current_policy(GOLDEN)) == []


class RequiredBehaviour(PolicyMachine):
    policy = selected_policy(GOLDEN)  # resolved when the run starts: --overdue-policy works
    requirements = REQUIRED


TestRequiredBehaviour = RequiredBehaviour.TestCase
TestRequiredBehaviour.settings = fuzz_settings()
