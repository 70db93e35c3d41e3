"""Contact points with order and class: a step moves on to the next number when it may.

One account (or a debtor) in New York with a mobile number first and a home number second,
on the "calls" rung since Sunday 1 March 2026.  A step without ``rotate`` keeps dialling the
first number, as it always did.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest

from overdue import Account, ContactPoint, decide
from overdue.debtor import Debtor
from overdue.engine.debtors import decide_debtor
from overdue.errors import AccountError, PolicyError
from overdue.rules import FrequencyCap

ONE_A_DAY_PER_NUMBER = FrequencyCap(
    "number.1_a_day", max_contacts=1, per="1d", window="rolling_days", scope="contact_point"
)


def _account(f: Any, *events: Any) -> Account:
    loan = f.loan("LOAN-1", date(2026, 2, 1), *events)
    return attrs.evolve(loan, timezone="America/New_York", contacts=f.two_numbers())


def _dialled(d: Any) -> str:
    (action,) = [a for a in d.actions if a.channel == "phone"]
    return str(action.contact.address)


def test_a_number_found_invalid_is_passed_over_for_the_next_one(f: Any) -> None:
    acct = _account(f, f.call(f.at(2), outcome="invalid_number"))
    d = decide(f.calls_policy(rotate=("invalid",)), acct, f.at(4))
    assert _dialled(d) == f.HOME
    (action,) = d.actions
    assert any(r.code == "point_invalid" for r in action.reasons)


def test_without_rotate_the_step_keeps_dialling_the_first_number(f: Any) -> None:
    acct = _account(f, f.call(f.at(2), outcome="invalid_number"))
    assert _dialled(decide(f.calls_policy(), acct, f.at(4))) == f.MOBILE


def test_a_number_that_answers_again_is_valid_again(f: Any) -> None:
    acct = _account(
        f, f.call(f.at(2), outcome="invalid_number"), f.call(f.at(3), outcome="conversation")
    )
    assert _dialled(decide(f.calls_policy(rotate=("invalid",)), acct, f.at(4))) == f.MOBILE


def test_three_unanswered_calls_in_a_row_move_the_step_to_the_home_number(f: Any) -> None:
    calls = [f.call(f.at(day)) for day in (2, 3, 4)]
    policy = f.calls_policy(rotate=("unanswered",), rotate_after=3)
    d = decide(policy, _account(f, *calls), f.at(5))
    assert _dialled(d) == f.HOME
    assert any(r.code == "point_unanswered" for r in d.actions[0].reasons)
    # two unanswered calls are not yet three
    assert _dialled(decide(policy, _account(f, *calls[:2]), f.at(4))) == f.MOBILE


def test_when_every_number_went_unanswered_the_rotation_starts_again(f: Any) -> None:
    calls = [f.call(f.at(day), number) for day in (2, 3) for number in (f.MOBILE, f.HOME)]
    d = decide(f.calls_policy(rotate=("unanswered",), rotate_after=2), _account(f, *calls), f.at(5))
    assert _dialled(d) == f.MOBILE
    assert any(r.code == "rotation_restarted" for r in d.actions[0].reasons)


def test_a_capped_number_hands_over_to_the_next_one_the_same_day(f: Any) -> None:
    """One call a day per number: the mobile was called at 09:00, so the 10:00 call goes to
    the home number (with ``rotate = ["capped"]``), or waits for tomorrow (without)."""
    acct = _account(f, f.call(f.at(4, 9)))
    rotating = decide(f.calls_policy(ONE_A_DAY_PER_NUMBER, rotate=("capped",)), acct, f.at(4))
    assert _dialled(rotating) == f.HOME
    assert rotating.actions[0].not_before == f.at(4)
    fixed = decide(f.calls_policy(ONE_A_DAY_PER_NUMBER), acct, f.at(4))
    assert _dialled(fixed) == f.MOBILE
    assert fixed.actions[0].not_before == f.at(5, 8)


def test_two_debts_share_two_numbers_one_call_a_day_each(f: Any) -> None:
    """A debtor with two loans and two numbers, one call a day per number: the older loan
    gets the mobile, the other the home number, both now."""
    debtor = Debtor(
        "P-1",
        [f.loan("LOAN-1", date(2026, 2, 1)), f.loan("LOAN-2", date(2026, 2, 5))],
        contacts=f.two_numbers(),
        timezone="America/New_York",
    )
    dd = decide_debtor(f.calls_policy(ONE_A_DAY_PER_NUMBER, rotate=("capped",)), debtor, f.at(4))
    assert _dialled(dd.decision("LOAN-1")) == f.MOBILE
    assert _dialled(dd.decision("LOAN-2")) == f.HOME
    assert dd.decision("LOAN-2").actions[0].not_before == f.at(4)


def test_a_cap_on_work_numbers_leaves_the_mobile_alone(f: Any) -> None:
    """A class cap: at most one call a week to work numbers.  The debtor's work number was
    called on Monday; the mobile may still be called, the work number may not."""
    work = ContactPoint("phone", "+12125550199", kind="work")
    cap = FrequencyCap(
        "work.1_a_week", max_contacts=1, per="7d", window="rolling_days", point_kinds=("work",)
    )
    policy = f.calls_policy(cap, rotate=("capped",))
    acct = attrs.evolve(
        _account(f, f.call(f.at(2), "+12125550199")),
        contacts=(work, ContactPoint("phone", f.MOBILE, kind="mobile")),
    )
    d = decide(policy, acct, f.at(4))
    assert _dialled(d) == f.MOBILE
    assert d.actions[0].not_before == f.at(4)
    only_work = attrs.evolve(acct, contacts=(work,))
    assert decide(policy, only_work, f.at(4)).actions[0].not_before == f.at(9, 8)


def test_contact_point_classes_and_rotation_reasons_are_checked(f: Any) -> None:
    with pytest.raises(AccountError, match="known classes"):
        ContactPoint("phone", "+12125550100", kind="cell")
    with pytest.raises(PolicyError, match="unknown reason"):
        f.calls_policy(rotate=("busy",))
    with pytest.raises(PolicyError, match="rotate_after"):
        f.calls_policy(rotate=("unanswered",), rotate_after=0)
    with pytest.raises(PolicyError, match="unknown class"):
        FrequencyCap("x", max_contacts=1, per="1d", point_kinds=("cell",))
    third = ContactPoint("phone", "+12125550123", is_debtor=False, relationship="spouse")
    assert third.relationship == "spouse"
    assert "spouse" not in repr(third)
