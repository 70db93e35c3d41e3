"""One rule for returned datetimes (issue 12, item 5): the debtor's zone when known, else UTC.

Before: a decision mixed zones (``at`` and the transition in whatever zone ``now`` was written
in, rule deferrals in the zone of the event they came from, ``grace_end`` in UTC); the JSON
record normalised most, not all (``facts.deadline``), and nothing when the zone was unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, decide, timeline
from overdue._time import zone
from overdue.config.decisions import decision_to_dict
from overdue.reference import reference_policy
from overdue.testing.strategies import accounts, policies

CALLER_ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Europe/London", "Asia/Shanghai")


def _datetimes(value: object, path: str = "decision") -> list[tuple[str, datetime]]:
    """Every datetime reachable from an attrs value (tuples and mappings included)."""
    if isinstance(value, datetime):
        return [(path, value)]
    if attrs.has(type(value)):
        out = []
        for f in attrs.fields(type(value)):
            out += _datetimes(getattr(value, f.name), f"{path}.{f.name}")
        return out
    if isinstance(value, tuple | list):
        return [x for i, v in enumerate(value) for x in _datetimes(v, f"{path}[{i}]")]
    return []


def _expected(zone_name: str | None) -> tzinfo:
    return zone(zone_name) if zone_name is not None else UTC


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_every_returned_datetime_is_in_the_debtors_zone_or_utc(data: st.DataObject) -> None:
    policy = data.draw(
        st.sampled_from((REFERENCE_POLICY, reference_policy(field_visit=True))) | policies()
    )
    zones = st.sampled_from((None, "Asia/Shanghai", "America/New_York"))
    acct = data.draw(accounts(policy=policy, zones=zones))
    last = max(e.at for e in acct.events)
    caller = ZoneInfo(data.draw(st.sampled_from(CALLER_ZONES)))
    now = (last + timedelta(hours=data.draw(st.integers(0, 24 * 60)))).astimezone(caller)
    d = decide(policy, acct, now)
    want = _expected(d.zone)
    # Event values an evidence bundle carries are the host's own facts, returned as given.
    wrong = [
        (p, v) for p, v in _datetimes(d) if v.tzinfo is not want and ".evidence." not in p
    ]
    assert not wrong, (d.zone, wrong[:5])
    # The JSON record writes the same offsets.
    for text in _timestamps(decision_to_dict(d)):
        parsed = datetime.fromisoformat(text)
        assert parsed.utcoffset() == parsed.astimezone(want).utcoffset(), text


_TIME_KEYS = ("at", "stage_since", "deadline", "wake_at", "until", "not_before", "grace_end")


def _timestamps(doc: object) -> list[str]:
    if isinstance(doc, dict):
        out = [v for k, v in doc.items() if k in _TIME_KEYS and isinstance(v, str)]
        for k, v in doc.items():
            if k != "evidence":
                out += _timestamps(v)
        return out
    if isinstance(doc, list):
        return [x for v in doc for x in _timestamps(v)]
    return []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(policy=REFERENCE_POLICY, zones=st.sampled_from((None, "Asia/Shanghai"))))
def test_timeline_entries_read_in_the_debtors_zone(acct: object) -> None:
    start = datetime(2026, 2, 1, 12, tzinfo=ZoneInfo("America/New_York"))
    entries = timeline(REFERENCE_POLICY, acct, start, start + timedelta(days=40))  # type: ignore[arg-type]
    tz_name = acct.timezone or REFERENCE_POLICY.assumed_zone  # type: ignore[attr-defined]
    want = _expected(tz_name)
    assert all(e.at.tzinfo is want for e in entries)


def test_a_deadline_in_the_message_facts_reads_in_the_debtors_zone() -> None:
    # The example portfolio's A-1004-like case: the JSON facts.deadline was written in UTC
    # while every other time of the record was in +08:00.
    from overdue import Account, ContactPoint, Invoice, Money

    sh = ZoneInfo("Asia/Shanghai")
    acct = Account(
        "Z-1",
        timezone="Asia/Shanghai",
        contacts=[ContactPoint("sms", "+86 13800000000")],
        invoices=[Invoice("I", Money("100.00", "CNY"), datetime(2026, 1, 1).date())],
    )
    d = decide(REFERENCE_POLICY, acct, datetime(2026, 1, 3, 2, tzinfo=UTC))
    assert d.at.tzinfo is sh
    for a in d.actions:
        assert a.not_before.tzinfo is sh
        assert a.facts.deadline is None or a.facts.deadline.tzinfo is sh
    rec = decision_to_dict(d)
    assert all(
        x["facts"]["deadline"] is None or x["facts"]["deadline"].endswith("+08:00")
        for x in rec["actions"]
    )
