"""Fuzz your own TOML policy against every invariant: the whole test file is these lines."""

from pathlib import Path

import pytest

load_policy = pytest.importorskip("overdue.config").load_policy
from overdue.testing import PolicyMachine  # noqa: E402
from overdue.testing.machine import fuzz_settings  # noqa: E402


class MyPolicyMachine(PolicyMachine):
    policy = load_policy(Path(__file__).with_name("my_policy.toml"))


TestMyPolicy = MyPolicyMachine.TestCase
TestMyPolicy.settings = fuzz_settings()
