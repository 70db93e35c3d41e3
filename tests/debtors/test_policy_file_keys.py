"""The new policy keys in a TOML file: rotation on a step, a class on a cap; every mistake is
named with its key path, and a policy writes back to the same file."""

from __future__ import annotations

import pytest

from overdue.config import dumps_policy, loads_policy
from overdue.errors import PolicyFileError
from overdue.rules import FrequencyCap

GOOD = """
schema = "overdue.policy/1"
id = "rotating"

[[stages]]
id = "calls"

[[stages.steps]]
channel = "phone"
template = "call"
repeat_every = "1d"
max_attempts = 5
rotate = ["capped", "unanswered"]
rotate_after = 2

[[rules]]
kind = "frequency_cap"
id = "other-numbers"
max_contacts = 2
per = "30d"
window = "rolling_days"
scope = "debt"
channels = ["phone", "sms"]
point_kinds = ["work", "other"]
"""


def test_rotation_and_class_caps_load_and_write_back() -> None:
    policy = loads_policy(GOOD, format="toml")
    step = policy.stages[0].steps[0]
    assert step.rotate == ("capped", "unanswered")
    assert step.rotate_after == 2
    (cap,) = policy.rules
    assert isinstance(cap, FrequencyCap)
    assert cap.point_kinds == frozenset({"work", "other"})
    assert loads_policy(dumps_policy(policy), format="toml") == policy


def test_every_mistake_is_named_with_its_key_path() -> None:
    bad = (
        GOOD.replace('rotate = ["capped", "unanswered"]', 'rotate = ["capped", "busy"]')
        .replace("rotate_after = 2", "rotate_after = 0")
        .replace('point_kinds = ["work", "other"]', 'point_kinds = ["work", "office"]')
    )
    with pytest.raises(PolicyFileError) as info:
        loads_policy(bad, format="toml")
    found = {e.key_path: str(e) for e in info.value.exceptions}
    assert "capped | unanswered | invalid" in found["$.stages[0].steps[0].rotate"]
    assert "'busy'" in found["$.stages[0].steps[0].rotate"]
    assert ">= 1" in found["$.stages[0].steps[0].rotate_after"]
    assert "mobile | home | work | other | unclassified" in found["$.rules[0].point_kinds"]
