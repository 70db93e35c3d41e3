"""The billing page's policy file loads, and says what its Python twin says."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from overdue import Money
from overdue.config import dumps_policy, loads_policy
from overdue.fees import Fee
from overdue.service import ServiceStep

PAGE = Path(__file__).resolve().parents[2] / "docs" / "billing.md"


def test_the_pages_policy_file_loads_and_round_trips() -> None:
    text = PAGE.read_text("utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S)
    assert block is not None
    policy = loads_policy(block.group(1), format="toml")
    assert policy.step_down == "when_conditions_fail"
    blocked, suspended = policy.stage("blocked"), policy.stage("suspended")
    assert blocked.service == (ServiceStep("block_changes", undo="unblock_changes"),)
    assert blocked.fee == Fee(fixed=Money("5.00", "EUR"))
    assert suspended.fee == Fee(yearly_rate=Decimal("8"))
    assert suspended.step_down is False
    assert suspended.service[0].keep_on_escalation
    again = loads_policy(dumps_policy(policy, format="toml"), format="toml")
    assert again == policy
