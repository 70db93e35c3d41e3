"""One source per idea: the zone, the channel traits, the message facts, the field checks and
the registries are each declared once, and the places that used to copy them read them."""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, fold, timeline
from overdue._validators import duration, no_business_days, non_empty, positive_int
from overdue.channels import ANSWERABLE_CHANNELS, CALL_CHANNELS, VISIT_CHANNELS
from overdue.config.registry import BUILTIN_CALENDARS
from overdue.decision import MessageFacts
from overdue.dispatch.messages import FACT_NAMES
from overdue.errors import AccountError, PolicyError
from overdue.events import EVENT_KINDS
from overdue.policy import MESSAGE_FACTS
from overdue.rules import BUILTIN_RULES
from overdue.situation import Situation, local_zone, resolve_zone


def _address_only() -> Account:
    """A debtor whose zone is known only from the postal address."""
    return Account(
        "A-addr",
        address_timezone="America/New_York",
        contacts=(ContactPoint("sms", "+15550100"),),
        invoices=(Invoice("I-1", Money("100.00", "CNY"), date(2026, 3, 1)),),
    )


def test_the_address_zone_counts_everywhere_the_engine_counts_it() -> None:
    account = _address_only()
    tz, source, name = resolve_zone(REFERENCE_POLICY, account)
    assert (source, name) == ("address", "America/New_York")
    now = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # still 9 March in New York
    s = Situation.at(REFERENCE_POLICY, account, fold(account, now), now)
    assert s.tz is tz
    assert s.tz_source == "address"
    assert s.local_date == date(2026, 3, 9)
    assert local_zone(REFERENCE_POLICY, account) is tz


def test_the_cli_and_the_testing_kit_read_the_address_zone() -> None:
    from overdue.cli import _zone_of
    from overdue.testing.assertions import _day

    account = _address_only()
    assert _zone_of(REFERENCE_POLICY, account) == "America/New_York"  # was the policy's zone
    at = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    assert _day(account, REFERENCE_POLICY, at, date(2026, 3, 1)) == 8  # New York's 9 March


def test_channel_traits_agree_and_ai_voice_is_a_call() -> None:
    assert "ai_voice" in CALL_CHANNELS
    assert ANSWERABLE_CHANNELS == CALL_CHANNELS | VISIT_CHANNELS
    assert {"sms", "email", "letter", "in_app"}.isdisjoint(ANSWERABLE_CHANNELS)


def _robot_calls(policy_rules: tuple[object, ...]) -> list[datetime]:
    from overdue.policy import Stage, Step

    policy = attrs.evolve(
        REFERENCE_POLICY,
        stages=(
            Stage(
                "calls",
                steps=(Step("ai_voice", template="robot.call", max_attempts=3, repeat_every="1h"),),
            ),
        ),
        rules=policy_rules,
    )
    account = Account(
        "A-voice",
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("ai_voice", "+8613800000000"),),
        invoices=(Invoice("I-1", Money("100.00", "CNY"), date(2026, 3, 1)),),
    )
    start = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    entries = timeline(policy, account, start, start + timedelta(hours=5))
    return [e.at for e in entries if e.kind == "contact"]


def test_the_projection_counts_an_unanswered_ai_voice_call_as_unanswered() -> None:
    """Named fix: ``timeline`` recorded an ``ai_voice`` contact as ``delivered`` (the channel
    was in none of the five channel sets), so a cap on connected calls counted robot calls
    nobody answered and the projection spread the retries over days."""
    from overdue.rules import FrequencyCap

    cap = FrequencyCap("connected", max_contacts=1, per="1d", counts="connected")
    calls = _robot_calls((cap,))
    assert len(calls) == 3  # none answered: the cap on connected calls does not hold them
    assert calls[-1] - calls[0] == timedelta(hours=2)


def test_one_message_fact_vocabulary() -> None:
    assert set(MESSAGE_FACTS) <= FACT_NAMES
    facts = MessageFacts(Money("1.00", "CNY"), 3, None)
    # identity is stated by the sender; fee and interest only where a rung charges them
    assert set(facts.as_dict()) | {"identity", "fee", "interest"} == set(MESSAGE_FACTS)


def test_validators_are_values_that_say_what_they_check() -> None:
    check = non_empty(AccountError)
    assert "AccountError" in repr(check)
    assert non_empty(AccountError) == check
    assert pickle.loads(pickle.dumps(check)) == check
    field = attrs.fields(attrs.make_class("X", {"name": attrs.field()}))[0]
    with pytest.raises(AccountError, match="name must be a non-empty string"):
        check(None, field, "  ")
    non_empty(PolicyError, noun="name", strip=False)(None, field, "  ")  # blanks are a name
    with pytest.raises(PolicyError, match="whole number >= 1"):
        positive_int()(None, field, True)
    with pytest.raises(PolicyError, match="business days"):
        no_business_days()(None, field, duration("2bd"))
    with pytest.raises(PolicyError, match="positive time span"):
        no_business_days(message="{name} is a positive time span", nonzero=True)(
            None, field, duration("0h")
        )


@pytest.mark.parametrize("table", [BUILTIN_RULES, EVENT_KINDS, BUILTIN_CALENDARS])
def test_the_registries_are_read_only(table: object) -> None:
    with pytest.raises(TypeError):
        table["mine"] = object  # type: ignore[index]
