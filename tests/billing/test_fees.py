"""Fees and interest per rung, as a dunning schedule states them.

A reminder from day 1 (free), a formal notice from day 31 that charges a 5.00 EUR fee and
interest at 8 % a year, stated in the notice.  One invoice of 1,000.00 EUR due 2026-01-01.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
import pytest

from overdue import Account, Invoice, Money, Policy, Stage, Step, days, decide, timeline
from overdue.conditions import days_overdue_at_least
from overdue.config import decision_to_dict, loads_policy
from overdue.dispatch import Renderer
from overdue.errors import EventError, OverdueError, PolicyError
from overdue.events import DisputeOpened
from overdue.fees import Fee, interest_on, simple_interest

if TYPE_CHECKING:
    from conftest import Kit

DUE = date(2026, 1, 1)


def notice_policy(fee: Fee, *, rounding: str = "half_up", currency: str = "EUR") -> Policy:
    return Policy(
        "fees",
        currency=currency,
        rounding=rounding,  # type: ignore[arg-type]
        stages=[
            Stage(
                "reminder",
                enters_when=days_overdue_at_least(1),
                deadline=days(30),
                steps=[Step("email", template="reminder")],
            ),
            Stage(
                "formal",
                enters_when=days_overdue_at_least(31),
                fee=fee,
                steps=[Step("email", template="formal", must_state=["amount", "fee", "interest"])],
            ),
        ],
    )


def test_interest_is_exact_and_rounded_once_with_the_policys_rounding() -> None:
    principal = Money("1000.00", "EUR")
    # 30 days at 8 % a year: 1000 * 8 * 30 / 36500 = 6.5753...
    assert simple_interest(
        principal, Decimal(8), date(2026, 1, 2), date(2026, 1, 31), "half_up"
    ) == Money("6.58", "EUR")
    assert simple_interest(
        principal, Decimal(8), date(2026, 1, 2), date(2026, 1, 31), "down"
    ) == Money("6.57", "EUR")
    # two invoices, each from its own first day, summed before rounding
    items = ((Money("0.01", "EUR"), date(2026, 1, 1)), (Money("0.01", "EUR"), date(2026, 1, 1)))
    assert interest_on(items, Decimal(100), date(2026, 6, 30), "half_up") == Money("0.01", "EUR")
    # a currency without minor units
    assert simple_interest(
        Money("100000", "JPY"), Decimal("14.6"), date(2026, 1, 1), date(2026, 1, 10), "half_even"
    ) == Money("400", "JPY")
    # a period that ends before it starts charges nothing
    assert simple_interest(principal, Decimal(8), date(2026, 2, 1), date(2026, 1, 31), "up").is_zero


def test_entering_the_rung_instructs_the_fee_and_interest_once(kit: Kit) -> None:
    policy = notice_policy(Fee(fixed=Money("5.00", "EUR"), yearly_rate=Decimal(8)))
    host = kit.Host(policy, kit.account(("1000.00", DUE)))
    host.run([kit.at(1, 2)])
    d = host.decide(kit.at(2, 1))  # day 31: the formal notice
    assert d.stage == "formal"
    fee, interest = d.postings
    assert (fee.charge, fee.amount, fee.idempotency_key) == (
        "fee",
        Money("5.00", "EUR"),
        "A1:formal#1:fee",
    )
    assert interest.charge == "interest"
    assert interest.amount == Money("6.79", "EUR")  # 1000 * 8 % * 31/365 = 6.794...
    assert (interest.period_start, interest.period_end) == (date(2026, 1, 2), date(2026, 2, 1))
    assert interest.principal == Money("1000.00", "EUR")
    facts = d.actions[0].facts
    assert (facts.fee, facts.interest, facts.interest_rate) == (
        Money("5.00", "EUR"),
        Money("6.79", "EUR"),
        Decimal(8),
    )
    # the host posted both (the Host helper records them as ChargePosted): owed from now on
    later = host.decide(kit.at(2, 2))
    assert later.postings == ()
    assert later.balance == Money("1011.79", "EUR")
    # the facts still state what this rung entry charged
    assert later.stage == "formal"


def test_the_same_posting_cannot_be_recorded_twice(kit: Kit) -> None:
    policy = notice_policy(Fee(fixed=Money("5.00", "EUR")))
    host = kit.Host(policy, kit.account(("1000.00", DUE)))
    host.run([kit.at(1, 2)])
    d = host.decide(kit.at(2, 1), act=False)
    posting = d.postings[0]
    twice = host.account.with_events(
        posting.event(kit.at(2, 1), date(2026, 2, 1)), posting.event(kit.at(2, 1), date(2026, 2, 1))
    )
    with pytest.raises(EventError, match="issued twice"):
        decide(policy, twice, kit.at(2, 2))


def test_a_formal_email_can_state_the_fee(kit: Kit) -> None:
    policy = notice_policy(Fee(fixed=Money("5.00", "EUR"), yearly_rate=Decimal(8)))
    host = kit.Host(policy, kit.account(("1000.00", DUE)))
    host.run([kit.at(1, 2)])
    action = host.decide(kit.at(2, 1)).actions[0]
    renderer = Renderer(
        templates={
            "en": {
                "formal": "Owed: $amount. Fee: $fee. Interest: $interest ($interest_rate % a year)."
            }
        }
    )
    body = renderer.render(action).body
    assert body == "Owed: 1000.00. Fee: 5.00 EUR. Interest: 6.79 EUR (8 % a year)."


def test_no_charge_while_a_dispute_is_open(kit: Kit) -> None:
    policy = notice_policy(Fee(fixed=Money("5.00", "EUR")))
    host = kit.Host(policy, kit.account(("1000.00", DUE)))
    host.run([kit.at(1, 2)])
    host.add(DisputeOpened(at=kit.at(1, 30)))
    d = host.decide(kit.at(2, 1))
    assert d.postings == ()
    assert any(r.code == "charge_withheld" for r in d.reasons)


def test_postings_and_service_are_in_the_decision_json_only_when_used(kit: Kit) -> None:
    policy = notice_policy(Fee(fixed=Money("5.00", "EUR")))
    host = kit.Host(policy, kit.account(("1000.00", DUE)))
    first = decision_to_dict(host.decide(kit.at(1, 2)))
    assert "postings" not in first
    assert "service" not in first
    d = decision_to_dict(host.decide(kit.at(2, 1)))
    assert d["postings"] == [
        {
            "charge": "fee",
            "stage": "formal",
            "amount": "5.00 EUR",
            "idempotency_key": "A1:formal#1:fee",
            "principal": None,
            "yearly_rate": None,
            "period_start": None,
            "period_end": None,
        }
    ]
    assert d["actions"][0]["facts"]["fee"] == "5.00"


def test_a_timeline_shows_the_postings() -> None:
    policy = notice_policy(Fee(fixed=Money("5.00", "EUR")))
    acct = Account("A1", timezone="UTC", invoices=[Invoice("I1", Money("1000.00", "EUR"), DUE)])
    from datetime import UTC, datetime

    entries = timeline(
        policy, acct, datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)
    )
    posts = [e for e in entries if e.kind == "posting"]
    assert [(e.stage, e.template, e.detail) for e in posts] == [("formal", "fee", "5.00 EUR")]


def test_fees_in_policy_files_are_checked_with_key_paths() -> None:
    base = (
        'schema = "overdue.policy/1"\nid = "p"\ncurrency = "EUR"\n'
        '[[stages]]\nid = "a"\nsteps = [{ channel = "email", template = "t" }]\n'
    )
    ok = loads_policy(base + 'fee = { fixed = "5.00 EUR", yearly_rate = "8.5" }\n', format="toml")
    assert ok.stages[0].fee == Fee(fixed=Money("5.00", "EUR"), yearly_rate=Decimal("8.5"))
    for bad, where, what in [
        ('fee = { fixed = "5.00 USD" }', "$.stages[0].fee.fixed", "in EUR"),
        ("fee = { yearly_rate = 8.5 }", "$.stages[0].fee.yearly_rate", "string"),
        ('fee = { yearly_rate = "120" }', "$.stages[0].fee.yearly_rate", "at most 100"),
        ("fee = {}", "$.stages[0].fee", "charges nothing"),
    ]:
        with pytest.raises(OverdueError) as caught:
            loads_policy(base + bad + "\n", format="toml")
        lines = caught.value.messages()  # type: ignore[attr-defined]
        assert any(m.endswith(f"@ {where}") and what in m for m in lines), lines
    with pytest.raises(PolicyError):
        Fee()


def test_check_warns_about_fees_a_rule_forbids_and_fees_no_notice_states() -> None:
    from overdue.config import policy_warnings
    from overdue.rules import ForbiddenContent

    quiet = notice_policy(Fee(fixed=Money("5.00", "EUR")))
    assert not [w for w in policy_warnings(quiet) if ".fee" in str(w)]
    forbidding = attrs.evolve(quiet, rules=(ForbiddenContent("no-extra-fees", tags=["extra_fee"]),))
    lines = [str(w) for w in policy_warnings(forbidding) if ".fee" in str(w)]
    assert lines == [
        "$.stages[1].fee: rung 'formal' charges a fee or interest, but rule 'no-extra-fees' "
        "forbids extra fees in the name of collection; remove the fee or the rule (see "
        "docs/billing.md, legal limits)"
    ]
    silent = Policy(
        "silent",
        stages=[
            Stage("formal", fee=Fee(yearly_rate=Decimal(5)), steps=[Step("email", template="f")])
        ],
    )
    assert any(
        "none of its steps must state it (add must_state = ['interest']" in str(w)
        for w in policy_warnings(silent)
    )
