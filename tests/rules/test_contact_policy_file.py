"""The contact-side rule kinds load from a TOML policy file and write back unchanged."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Invoice, Money, decide
from overdue.config import dumps_policy, loads_policy, policy_from_dict, policy_to_dict
from overdue.events import ContactAttempted, StageEntered
from overdue.rules import (
    BUILTIN_RULES,
    ContactHours,
    CoolDown,
    FrequencyCap,
    RespondOnce,
    ThirdPartyContact,
)

NY = ZoneInfo("America/New_York")

POLICY = """
schema = "overdue.policy/1"
id = "us-contact-side"
version = "2026.1"

[[stages]]
id = "collection"
steps = [
  { channel = "phone", template = "call" },
  { channel = "phone", template = "locate", id = "locate", party = "third_party" },
]

[[rules]]
kind = "contact_hours"
id = "reg_f_hours"
window = ["08:00", "21:00"]
zone_sources = ["account", "contact_point", "address"]
zone_mode = "intersect"
on_unknown = "block"
citation = { instrument = "12 CFR 1006.6", section = "(b)(1)(i)", mark = "V" }

[[rules]]
kind = "frequency_cap"
id = "reg_f_7in7"
channels = ["phone"]
max_contacts = 7
per = "7d"
window = "rolling_days"
scope = "debt"
counts = "attempt"
exclude = ["inbound", "not_connected", "consented", "to_representative"]
consent_window = "7d"

[[rules]]
kind = "cool_down"
id = "reg_f_cool"
channels = ["phone"]
after = "conversation"
period = "7d"
day_one = "event_local_date"

[[rules]]
kind = "respond_once"
id = "reg_f_reply"
within = "24h"
overrides = ["contact_hours"]

[[rules]]
kind = "third_party_contact"
id = "reg_f_location"
mode = "location_only"
max_per_person = 1
stop_on_refusal = true
"""


def test_the_contact_side_kinds_are_builtin() -> None:
    for kind in ("respond_once", "third_party_contact"):
        assert kind in BUILTIN_RULES


def test_a_toml_policy_with_every_contact_side_kind_loads() -> None:
    policy = loads_policy(POLICY, format="toml")
    hours, cap, cool, reply, third = policy.rules
    assert isinstance(hours, ContactHours)
    assert hours.zone_sources == ("account", "contact_point", "address")
    assert isinstance(cap, FrequencyCap)
    assert cap.window == "rolling_days"
    assert cap.exclude == ("inbound", "not_connected", "consented", "to_representative")
    assert isinstance(cool, CoolDown)
    assert cool.day_one == "event_local_date"
    assert isinstance(reply, RespondOnce)
    assert reply.overrides == frozenset({"contact_hours"})
    assert isinstance(third, ThirdPartyContact)
    assert third.max_per_person == 1
    assert policy.stages[0].steps[1].party == "third_party"


def test_it_writes_back_unchanged() -> None:
    policy = loads_policy(POLICY, format="toml")
    assert loads_policy(dumps_policy(policy, format="toml"), format="toml") == policy
    assert policy_from_dict(policy_to_dict(policy)) == policy


def test_the_loaded_policy_decides() -> None:
    policy = loads_policy(POLICY, format="toml")
    account = Account(
        "US-1",
        timezone="America/New_York",
        contacts=[
            ContactPoint("phone", "+13105550100", timezone="America/Los_Angeles"),
            ContactPoint("phone", "+12125550177", label="neighbour", is_debtor=False),
        ],
        invoices=[Invoice("I-1", Money("900.00", "USD"), date(2026, 2, 1))],
        events=[
            StageEntered(at=datetime(2026, 2, 20, 9, tzinfo=NY), stage="collection"),
            ContactAttempted(
                at=datetime(2026, 3, 1, 12, tzinfo=NY),
                channel="phone",
                outcome="no_answer",
                contact_point="+12125550177",
                party="third_party",
            ),
        ],
    )
    d = decide(policy, account, datetime(2026, 3, 2, 9, tzinfo=NY))
    (call,) = d.actions
    assert call.not_before == datetime(2026, 3, 2, 11, tzinfo=NY)  # 08:00 in Los Angeles
    (blocked,) = d.blocked
    assert [r.code for r in blocked.reasons if r.effect == "block"] == ["third_party_limit"]
