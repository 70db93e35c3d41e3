"""Fuzz your own TOML policy against what it must do: the whole test file is these lines.

The requirements are written here in Python (a team would usually keep them in a
``requirements.toml`` next to the policy, see ``test_meets_requirements.py``): they are what
the policy's behaviour is judged by, whatever its own rules say.
"""

from datetime import time
from pathlib import Path

import pytest

load_policy = pytest.importorskip("overdue.config").load_policy
from overdue.durations import days  # noqa: E402
from overdue.testing import (  # noqa: E402
    CapRequirement,
    CeaseRequirement,
    HoursRequirement,
    PolicyMachine,
    Requirements,
    RungRequirement,
    selected_policy,
    static_violations,
)
from overdue.testing.machine import fuzz_settings  # noqa: E402

POLICY = load_policy(Path(__file__).with_name("my_policy.toml"))
REQUIRED = Requirements(
    id="my team's rules",
    zone="Europe/Berlin",
    hours=(HoursRequirement(window=(time(8), time(20)), channels=("sms",)),),
    caps=(CapRequirement(max=2, per=days(7), channels=("sms", "email")),),
    holds=("dispute_open",),
    cease=CeaseRequirement(),
    rungs=(
        RungRequirement(id="reminder", min_days_overdue=1),
        RungRequirement(id="formal_notice", grace=days(14), must_state=("amount", "deadline")),
        RungRequirement(id="agency", requires=("handover_approved",)),
    ),
)


def test_my_policy_text_meets_my_requirements() -> None:
    assert static_violations(REQUIRED, POLICY) == []


class MyPolicyMachine(PolicyMachine):
    policy = selected_policy(POLICY)
    requirements = REQUIRED


TestMyPolicy = MyPolicyMachine.TestCase
TestMyPolicy.settings = fuzz_settings()
