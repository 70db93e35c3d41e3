"""A debtor with several debts: what each cap counts, and who gets the shared budget.

The debtor lives in New York and owes loans that have all been on the "calls" rung (a daily
call) since Sunday 1 March 2026; contact hours are 08:00-21:00.  Calls are at 10:00 unless a
test says otherwise.  The caps are written as the rules they stand for.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from overdue import Account, decide
from overdue.debtor import Debtor
from overdue.engine.debtors import decide_debtor
from overdue.errors import AccountError, OverdueError
from overdue.rules import FrequencyCap

REG_F_7_IN_7 = FrequencyCap(
    "reg_f.7in7",
    max_contacts=7,
    per="7d",
    window="rolling_days",
    scope="debt",
    channels=("phone",),
)
TWO_A_DAY_PER_PERSON = FrequencyCap(
    "person.2_a_day", max_contacts=2, per="1d", window="rolling_days", scope="debtor"
)
ONE_A_WEEK_PER_DEBT = FrequencyCap(
    "debt.1_a_week", max_contacts=1, per="7d", window="rolling_days", scope="debt"
)
ONE_A_DAY_PER_NUMBER = FrequencyCap(
    "number.1_a_day", max_contacts=1, per="1d", window="rolling_days", scope="contact_point"
)


def _phone(d: Any) -> Any:
    (action,) = [a for a in d.actions if a.channel == "phone"]
    return action


# -- Reg F 1006.14(b)(2)(i)(A): seven calls in seven days, per particular debt -----------------


def test_seven_calls_tagged_with_the_debts_own_id_still_count_and_the_eighth_waits(f: Any) -> None:
    """Issue 13's bug: a host tagging a debt's own calls with its debt id must not switch the
    7-in-7 cap off.  Seven calls on LOAN-1 from Monday 2 to Sunday 8 March, each tagged
    ``debt_id='LOAN-1'``: the eighth waits for Monday 9 March 08:00."""
    calls = [f.call(f.at(day), debt_id="LOAN-1") for day in range(2, 9)]
    debtor = Debtor(
        "P-1",
        [f.loan("LOAN-1", date(2026, 2, 1), *calls), f.loan("LOAN-2", date(2026, 2, 5))],
        contacts=f.two_numbers(),
        timezone="America/New_York",
    )
    dd = decide_debtor(f.calls_policy(REG_F_7_IN_7), debtor, f.at(8, 15))
    assert _phone(dd.decision("LOAN-1")).not_before == f.at(9, 8)
    # per particular debt: LOAN-1's seven calls do not count for LOAN-2
    assert _phone(dd.decision("LOAN-2")).not_before == f.at(8, 15)


def test_the_same_seven_calls_untagged_are_the_debts_own_and_count_alike(f: Any) -> None:
    calls = [f.call(f.at(day)) for day in range(2, 9)]
    debtor = Debtor(
        "P-1",
        [f.loan("LOAN-1", date(2026, 2, 1), *calls), f.loan("LOAN-2", date(2026, 2, 5))],
        contacts=f.two_numbers(),
        timezone="America/New_York",
    )
    dd = decide_debtor(f.calls_policy(REG_F_7_IN_7), debtor, f.at(8, 15))
    assert _phone(dd.decision("LOAN-1")).not_before == f.at(9, 8)
    assert _phone(dd.decision("LOAN-2")).not_before == f.at(8, 15)


def test_a_single_account_tagging_its_calls_with_its_own_debt_id_is_capped_too(f: Any) -> None:
    """The same rule on one account decided alone (no debtor): unchanged, still capped."""
    calls = [f.call(f.at(day), debt_id="LOAN-1") for day in range(2, 9)]
    account = f.loan("LOAN-1", date(2026, 2, 1), *calls)
    account = Account(
        account.id,
        timezone="America/New_York",
        contacts=f.two_numbers(),
        invoices=account.invoices,
        events=account.events,
    )
    d = decide(f.calls_policy(REG_F_7_IN_7), account, f.at(8, 15))
    assert _phone(d).not_before == f.at(9, 8)


# -- one conversation about several debts --------------------------------------------------------


def test_one_conversation_about_two_debts_counts_for_each_debt(f: Any) -> None:
    """One call on Monday 2 March about LOAN-1 and LOAN-2 (recorded once, on LOAN-1): under a
    one-call-a-week-per-debt cap both wait until the following Monday; LOAN-3 was not
    discussed and is called now."""
    talk = f.call(f.at(2), outcome="conversation", debt_ids=("LOAN-1", "LOAN-2"))
    debtor = Debtor(
        "P-1",
        [
            f.loan("LOAN-1", date(2026, 2, 1), talk),
            f.loan("LOAN-2", date(2026, 2, 5)),
            f.loan("LOAN-3", date(2026, 2, 9)),
        ],
        contacts=f.two_numbers(),
        timezone="America/New_York",
    )
    dd = decide_debtor(f.calls_policy(ONE_A_WEEK_PER_DEBT), debtor, f.at(4))
    assert _phone(dd.decision("LOAN-1")).not_before == f.at(9, 8)
    assert _phone(dd.decision("LOAN-2")).not_before == f.at(9, 8)
    assert _phone(dd.decision("LOAN-3")).not_before == f.at(4)


def test_one_conversation_about_two_debts_counts_once_for_the_person(f: Any) -> None:
    """Two calls a day per person: the 09:00 conversation about LOAN-1 and LOAN-2 is one call,
    so one more call is allowed today (the oldest debt's), and the other waits for tomorrow."""
    talk = f.call(f.at(4, 9), outcome="conversation", debt_ids=("LOAN-1", "LOAN-2"))
    debtor = Debtor(
        "P-1",
        [f.loan("LOAN-1", date(2026, 2, 1), talk), f.loan("LOAN-2", date(2026, 2, 5))],
        contacts=f.two_numbers(),
        timezone="America/New_York",
    )
    dd = decide_debtor(f.calls_policy(TWO_A_DAY_PER_PERSON), debtor, f.at(4))
    assert _phone(dd.decision("LOAN-1")).not_before == f.at(4)
    assert _phone(dd.decision("LOAN-2")).not_before == f.at(5, 8)


# -- the shared budget: who gets it, and who says so ---------------------------------------------


def _three_loans(f: Any, *extra: Any) -> Debtor:
    return Debtor(
        "P-1",
        [
            f.loan("LOAN-A", date(2026, 2, 10)),
            f.loan("LOAN-B", date(2026, 1, 15)),
            f.loan("LOAN-C", date(2026, 2, 20)),
        ],
        contacts=f.two_numbers(),
        timezone="America/New_York",
    )


def test_two_calls_a_day_per_person_go_to_the_two_oldest_debts_and_the_third_says_why(
    f: Any,
) -> None:
    dd = decide_debtor(f.calls_policy(TWO_A_DAY_PER_PERSON), _three_loans(f), f.at(4))
    assert [d.debt_id for d in dd.debts] == ["LOAN-B", "LOAN-A", "LOAN-C"]  # oldest first
    assert _phone(dd.decision("LOAN-B")).not_before == f.at(4)
    assert _phone(dd.decision("LOAN-A")).not_before == f.at(4)
    c = dd.debts[2]
    assert _phone(c.decision).not_before == f.at(5, 8)
    assert c.held_back_by == ("LOAN-B", "LOAN-A")
    used = [r for r in c.decision.reasons if r.code == "budget_used_by"]
    assert used
    assert "LOAN-B, LOAN-A" in used[0].message
    assert dd.debts[0].holds_back == ("LOAN-C",)
    assert any(r.code == "budget_shared" for r in dd.debts[0].decision.reasons)
    assert "budget_used_by" not in {r.code for r in dd.debts[0].decision.reasons}


def test_the_order_is_stable_and_decided_by_due_date_then_id(f: Any) -> None:
    debtor = Debtor(
        "P-1",
        [f.loan("LOAN-Z", date(2026, 2, 1)), f.loan("LOAN-Y", date(2026, 2, 1))],
        contacts=f.two_numbers(),
        timezone="America/New_York",
    )
    dd = decide_debtor(f.calls_policy(TWO_A_DAY_PER_PERSON), debtor, f.at(4))
    assert [d.debt_id for d in dd.debts] == ["LOAN-Y", "LOAN-Z"]
    assert dd == decide_debtor(f.calls_policy(TWO_A_DAY_PER_PERSON), debtor, f.at(4))


def test_highest_rung_first_gives_the_budget_to_the_debt_furthest_up_the_ladder(f: Any) -> None:
    from overdue import Policy, Stage, Step
    from overdue.events import StageEntered
    from overdue.rules import ContactHours

    one_a_day = FrequencyCap("person.1_a_day", max_contacts=1, per="1d", window="rolling_days")
    policy = Policy(
        "two-rungs",
        stages=(
            Stage("reminder", steps=(Step("phone", template="reminder"),), deadline="30d"),
            Stage("calls", steps=(Step("phone", template="call"),)),
        ),
        rules=(ContactHours("hours"), one_a_day),
    )
    young = Account(
        "LOAN-NEW",
        invoices=f.loan("LOAN-NEW", date(2026, 2, 25)).invoices,
        events=[StageEntered(at=f.at(1, 9), stage="calls")],
    )
    old = Account(
        "LOAN-OLD",
        invoices=f.loan("LOAN-OLD", date(2026, 1, 5)).invoices,
        events=[StageEntered(at=f.at(1, 9), stage="reminder")],
    )
    debtor = Debtor("P-1", [young, old], contacts=f.two_numbers(), timezone="America/New_York")
    oldest = decide_debtor(policy, debtor, f.at(4))
    assert _phone(oldest.decision("LOAN-OLD")).not_before == f.at(4)
    assert _phone(oldest.decision("LOAN-NEW")).not_before == f.at(5, 8)
    rung = decide_debtor(policy, debtor, f.at(4), order="highest_rung_first")
    assert [d.debt_id for d in rung.debts] == ["LOAN-NEW", "LOAN-OLD"]
    assert _phone(rung.decision("LOAN-NEW")).not_before == f.at(4)
    assert _phone(rung.decision("LOAN-OLD")).not_before == f.at(5, 8)
    with pytest.raises(OverdueError, match="unknown order"):
        decide_debtor(policy, debtor, f.at(4), order="largest_first")  # type: ignore[arg-type]


def test_calls_recorded_on_another_debt_spend_the_persons_budget(f: Any) -> None:
    """Two calls today were about LOAN-B (recorded on it): every debt waits for tomorrow, and
    LOAN-A and LOAN-C say LOAN-B used the budget.  Tomorrow's two calls go to the two oldest
    debts (LOAN-B, LOAN-A), so LOAN-C's waits one day more."""
    debtor = Debtor(
        "P-1",
        [
            f.loan("LOAN-A", date(2026, 2, 10)),
            f.loan("LOAN-B", date(2026, 1, 15), f.call(f.at(4, 8)), f.call(f.at(4, 9), f.HOME)),
            f.loan("LOAN-C", date(2026, 2, 20)),
        ],
        contacts=f.two_numbers(),
        timezone="America/New_York",
    )
    dd = decide_debtor(f.calls_policy(TWO_A_DAY_PER_PERSON), debtor, f.at(4))
    for debt in ("LOAN-A", "LOAN-B"):
        assert _phone(dd.decision(debt)).not_before == f.at(5, 8), debt
    assert _phone(dd.decision("LOAN-C")).not_before == f.at(6, 8)
    by_id = {d.debt_id: d for d in dd.debts}
    assert by_id["LOAN-A"].held_back_by == ("LOAN-B",)
    assert by_id["LOAN-C"].held_back_by == ("LOAN-B",)
    assert by_id["LOAN-B"].held_back_by == ()  # its own calls, not another debt's


# -- the debtor refuses what would make a cap count nothing -------------------------------------


def test_a_contact_naming_a_debt_the_debtor_does_not_hold_is_refused_with_its_place(
    f: Any,
) -> None:
    bad = f.call(f.at(2), debt_id="ACC-77")
    with pytest.raises(AccountError, match="names debt 'ACC-77'") as info:
        Debtor("P-1", [f.loan("LOAN-1", date(2026, 2, 1), f.call(f.at(2)), bad)])
    assert info.value.account_id == "LOAN-1"
    assert info.value.event_index == 2
    assert info.value.key_path == "debts[0].events[2].debt_id"


def test_a_debtor_needs_debts_with_unique_ids(f: Any) -> None:
    with pytest.raises(AccountError, match="no debts"):
        Debtor("P-1", [])
    with pytest.raises(AccountError, match="twice"):
        Debtor("P-1", [f.loan("L", date(2026, 2, 1)), f.loan("L", date(2026, 2, 2))])
    with pytest.raises(AccountError, match="belongs to debtor"):
        Debtor("P-1", [Account("L", debtor_id="P-2")])
    with pytest.raises(AccountError, match="holds no debt"):
        Debtor("P-1", [f.loan("L", date(2026, 2, 1))]).debt("M")


def test_an_account_with_a_debtor_id_decided_alone_counts_as_before(f: Any) -> None:
    """``debtor_id`` is a grouping label: decided alone, an account whose seven calls carry an
    id of another system ('ACC-77') is still capped (only ``decide_debtor`` decides one debt
    of a debtor, and a ``Debtor`` refuses such a tag)."""
    calls = [f.call(f.at(day), debt_id="ACC-77") for day in range(2, 9)]
    loan = f.loan("LOAN-1", date(2026, 2, 1), *calls)
    account = Account(
        loan.id,
        debtor_id="P-1",
        timezone="America/New_York",
        contacts=f.two_numbers(),
        invoices=loan.invoices,
        events=loan.events,
    )
    d = decide(f.calls_policy(REG_F_7_IN_7), account, f.at(8, 15))
    assert _phone(d).not_before == f.at(9, 8)
