"""The example policy files load, round trip, and the seed ladder equals the Python one."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from overdue import REFERENCE_POLICY
from overdue.config import dumps_policy, load_policy, loads_policy, policy_warnings
from overdue.rules import ContactHours

POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def test_seed_platform_file_equals_the_reference_policy() -> None:
    assert load_policy(POLICIES / "seed_platform.toml") == REFERENCE_POLICY


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.toml")), ids=lambda p: p.name)
def test_examples_load_round_trip_and_have_no_warnings(path: Path) -> None:
    policy = load_policy(path)
    assert loads_policy(dumps_policy(policy)) == policy
    assert policy_warnings(policy) == []


def test_european_ladder_has_three_reminders_and_a_holiday_calendar() -> None:
    p = load_policy(POLICIES / "european_three_reminders.toml")
    assert [s.id for s in p.stages][:3] == ["first_reminder", "second_reminder", "final_reminder"]
    assert p.currency == "EUR"
    assert not p.calendar.is_business_day(__import__("datetime").date(2026, 5, 1))


def test_us_ladder_contacts_between_8am_and_9pm() -> None:
    p = load_policy(POLICIES / "us_creditor_hours.toml")
    hours = [r for r in p.rules if isinstance(r, ContactHours)]
    assert hours
    assert hours[0].window == (time(8), time(21))
