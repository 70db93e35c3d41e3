"""Per-invoice ladders: each unpaid invoice on its own rung, one contact budget for the person.

The account lives in New York and has two invoices: A (120.00 USD, due Tuesday 20 January
2026) and B (80.00 USD, due Tuesday 24 February).  The ladder is the one credit-control
configurations write per invoice line: an SMS reminder from the first day overdue (for ten
days), then a formal letter from day 30.  Contact hours are 08:00-21:00.  "Now" is Sunday
1 March 2026 10:00: invoice A is 40 days overdue, invoice B 5.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide, fold
from overdue.conditions import days_overdue_at_least
from overdue.config import event_from_dict, event_to_dict, loads_policy
from overdue.engine.invoices import decide_invoices, invoice_debtor
from overdue.errors import AccountError, PolicyError, PolicyFileError
from overdue.events import ContactAttempted, Event, InvoiceIssued, PaymentReceived, StageEntered
from overdue.rules import ContactHours, FrequencyCap, Rule

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 1, 10, tzinfo=NY)


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=NY)


def per_day(n: int) -> FrequencyCap:
    return FrequencyCap(
        f"person.{n}_a_day", max_contacts=n, per="1d", window="rolling_days", scope="debtor"
    )


def policy(*rules: Rule, ladder_per: str = "invoice") -> Policy:
    return Policy(
        "per-invoice",
        ladder_per=ladder_per,  # type: ignore[arg-type]
        stages=(
            Stage(
                "reminder",
                enters_when=days_overdue_at_least(1),
                steps=(Step("sms", template="reminder"),),
                deadline="10d",
            ),
            Stage(
                "formal",
                enters_when=days_overdue_at_least(30),
                steps=(Step("letter", template="formal"),),
            ),
        ),
        rules=(ContactHours("hours"), *rules),
    )


def sms_to_a() -> list[Event]:
    """Invoice A entered the reminder rung on 21 January and got its SMS that day."""
    return [
        StageEntered(at=at(21, 9, month=1), stage="reminder", debt_id="A"),
        ContactAttempted(
            at=at(21, month=1),
            channel="sms",
            outcome="delivered",
            stage="reminder",
            step="reminder",
            template="reminder",
            debt_id="A",
        ),
    ]


def account(*events: Event, invoices: tuple[Invoice, ...] | None = None) -> Account:
    return Account(
        "ACC-1",
        timezone="America/New_York",
        contacts=[ContactPoint("sms", "+12125550100"), ContactPoint("letter", "1 Main St")],
        invoices=invoices
        if invoices is not None
        else (
            Invoice("A", Money("120.00", "USD"), date(2026, 1, 20)),
            Invoice("B", Money("80.00", "USD"), date(2026, 2, 24)),
        ),
        events=events,
    )


# -- each invoice on its own rung -------------------------------------------------------------


def test_invoice_a_gets_the_formal_letter_while_invoice_b_gets_the_sms_reminder() -> None:
    dd = decide_invoices(policy(), account(*sms_to_a()), NOW)
    assert [d.debt_id for d in dd.debts] == ["A", "B"]  # oldest due first
    a, b = dd.decision("A"), dd.decision("B")
    assert (a.stage, a.days_overdue, [x.channel for x in a.due_actions]) == (
        "formal",
        40,
        ["letter"],
    )
    assert (b.stage, b.days_overdue, [x.channel for x in b.due_actions]) == ("reminder", 5, ["sms"])
    # Each invoice's message states its own amount, and its rung entry names it.
    assert a.due_actions[0].facts.amount == Money("120.00", "USD")
    assert b.due_actions[0].facts.amount == Money("80.00", "USD")
    entered = StageEntered(at=NOW, stage="formal", debt_id="A", policy_id="per-invoice")
    assert a.record == (attrs.evolve(entered, policy_version="1"),)
    assert b.record == (attrs.evolve(entered, stage="reminder", debt_id="B", policy_version="1"),)


def test_the_debtor_gets_at_most_one_contact_a_day_whichever_invoice_it_is_about() -> None:
    """One contact a day per person: A's letter goes now, B's SMS waits for Monday 08:00 and
    says A used the budget."""
    dd = decide_invoices(policy(per_day(1)), account(*sms_to_a()), NOW)
    assert [x.channel for x in dd.decision("A").due_actions] == ["letter"]
    b = dd.debts[1]
    assert b.held_back_by == ("A",)
    assert dd.debts[0].holds_back == ("B",)
    assert b.decision.due_actions == ()
    assert b.decision.next_action is not None
    assert b.decision.next_action.not_before == at(2, 8)
    assert "budget_used_by" in [r.code for r in b.decision.reasons]


def test_recorded_outcomes_move_only_their_own_invoices_ladder() -> None:
    """The host records what the decisions say, as they say it, on the one account; the next
    day A has nothing left to do on the top rung and B's SMS is due, once."""
    dd = decide_invoices(policy(per_day(1)), account(*sms_to_a()), NOW)
    new: list[Event] = []
    for one in dd.debts:
        new += one.decision.record
        new += [x.outcome_event("delivered", NOW) for x in one.decision.due_actions]
    assert [e.debt_id for e in new if isinstance(e, ContactAttempted)] == ["A"]
    later = account(*sms_to_a(), *new)
    dd2 = decide_invoices(policy(per_day(1)), later, at(2, 9))
    assert dd2.decision("A").actions == ()
    assert dd2.decision("A").stage == "formal"
    b = dd2.decision("B")
    assert [(x.channel, x.attempt) for x in b.due_actions] == [("sms", 1)]
    assert b.due_actions[0].idempotency_key == "ACC-1/B:reminder#1:reminder:1"


def test_a_contact_about_the_whole_account_counts_once_for_the_person() -> None:
    """Two contacts a day per person and one untagged call-back SMS at 09:00 (about the
    account): A's letter is the second contact today, B's SMS would be a third and waits.
    Counted once per invoice, the 09:00 contact would have held A's letter back too."""
    untagged = ContactAttempted(at=at(1, 9), channel="sms", outcome="delivered")
    dd = decide_invoices(policy(per_day(2)), account(*sms_to_a(), untagged), NOW)
    assert [x.channel for x in dd.decision("A").due_actions] == ["letter"]
    assert dd.decision("B").due_actions == ()
    assert dd.decision("B").next_action.not_before == at(2, 8)  # type: ignore[union-attr]


def test_the_budget_can_go_to_the_highest_rung_first() -> None:
    young = (
        Invoice("A", Money("120.00", "USD"), date(2026, 2, 24)),
        Invoice("B", Money("80.00", "USD"), date(2026, 1, 20)),
    )
    history = [
        StageEntered(at=at(21, 9, month=1), stage="reminder", debt_id="B"),
        StageEntered(at=at(25, 9, month=2), stage="reminder", debt_id="A"),
    ]
    first = decide_invoices(policy(), account(*history, invoices=young), NOW)
    assert [d.debt_id for d in first.debts] == ["B", "A"]
    ranked = decide_invoices(
        policy(), account(*history, invoices=young), NOW, order="highest_rung_first"
    )
    assert ranked.order == "highest_rung_first"


# -- payments are allocated as the fold allocates them ----------------------------------------


@pytest.mark.parametrize(
    "payments",
    [
        [PaymentReceived(at=at(1, 8), amount=Money("50.00", "USD"))],
        [PaymentReceived(at=at(1, 8), amount=Money("50.00", "USD"), invoice_id="B")],
        [
            PaymentReceived(at=at(10, 8, month=2), amount=Money("150.00", "USD")),
            PaymentReceived(at=at(1, 8), amount=Money("30.00", "USD"), invoice_id="B"),
        ],
    ],
    ids=["oldest-first", "named-invoice", "named-then-oldest"],
)
def test_each_invoice_owes_what_the_fold_says_it_owes(payments: list[Event]) -> None:
    acct = account(*payments)
    folded = {s.invoice_id: s.outstanding for s in fold(acct, NOW).invoices}
    debtor = invoice_debtor(acct)
    mine = {d.id: fold(d, NOW).balance for d in debtor.debts}
    assert {k: v.amount for k, v in mine.items() if v is not None} == folded


def test_an_overpayment_is_credit_for_the_next_invoice_as_in_the_fold() -> None:
    """250.00 paid in February settles A and B and leaves 50.00 of credit; invoice C, issued
    on 1 March for 70.00, is issued with 50.00 already paid and owes 20.00."""
    c = InvoiceIssued(
        at=at(1, 9), invoice_id="C", amount=Money("70.00", "USD"), due=date(2026, 3, 31)
    )
    acct = account(PaymentReceived(at=at(26, 8, month=2), amount=Money("250.00", "USD")), c)
    assert [s.outstanding for s in fold(acct, NOW).invoices] == [0, 0, Decimal("20.00")]
    debts = {d.id: fold(d, NOW) for d in invoice_debtor(acct).debts}
    assert debts["C"].balance == Money("20.00", "USD")
    assert debts["C"].payments[0].at == at(1, 9)  # allocated when C was issued, as the fold does
    dd = decide_invoices(policy(), acct, NOW)
    assert [d.debt_id for d in dd.debts] == ["C"]  # A and B are paid: they left their ladders


def test_a_paid_invoice_leaves_its_ladder_but_its_contacts_still_count() -> None:
    """A is paid in full at 10:30, after its letter went out at 10:00: at 11:00 only B is
    decided, and with one contact a day B's SMS still waits for the letter's day to pass."""
    letter = ContactAttempted(
        at=NOW, channel="letter", outcome="delivered", stage="formal", step="formal", debt_id="A"
    )
    paid = PaymentReceived(at=at(1, 10).replace(minute=30), amount=Money("120.00", "USD"))
    acct = account(*sms_to_a(), StageEntered(at=NOW, stage="formal", debt_id="A"), letter, paid)
    dd = decide_invoices(policy(per_day(1)), acct, at(1, 11))
    assert [d.debt_id for d in dd.debts] == ["B"]
    assert dd.debts[0].held_back_by == ("A",)
    assert dd.decision("B").next_action.not_before == at(2, 8)  # type: ignore[union-attr]


# -- the policy option and its errors ---------------------------------------------------------

TOML = """
schema = "overdue.policy/1"
id = "per-invoice"
ladder_per = "{}"

[[stages]]
id = "reminder"
steps = [{{channel = "sms", template = "reminder"}}]
"""


def test_the_option_is_a_policy_file_key() -> None:
    assert loads_policy(TOML.format("invoice")).ladder_per == "invoice"
    assert loads_policy(TOML.format("account")).ladder_per == "account"
    assert (
        Policy("p", stages=(Stage("s", steps=(Step("sms", template="t"),)),)).ladder_per
        == "account"
    )  # the default


def test_a_wrong_value_names_the_key_and_the_right_values() -> None:
    with pytest.raises(PolicyFileError) as file_error:
        loads_policy(TOML.format("line"))
    assert "$.ladder_per" in str(file_error.value)
    assert "invoice" in str(file_error.value)
    with pytest.raises(PolicyError) as python_error:
        policy(ladder_per="line")
    assert python_error.value.key_path == "ladder_per"
    assert "'account' | 'invoice'" in str(python_error.value)


def test_a_per_account_policy_is_not_decided_per_invoice() -> None:
    with pytest.raises(PolicyError, match="one ladder per account"):
        decide_invoices(policy(ladder_per="account"), account(*sms_to_a()), NOW)


def test_a_contact_naming_an_invoice_the_account_lacks_is_refused_where_it_is() -> None:
    stray = ContactAttempted(at=at(1, 9), channel="sms", outcome="delivered", debt_id="INV-9")
    with pytest.raises(AccountError) as error:
        decide_invoices(policy(), account(*sms_to_a(), stray), NOW)
    assert error.value.account_id == "ACC-1"
    assert error.value.event_index == 2
    assert error.value.key_path == "events[2].debt_id"


def test_an_account_without_invoices_is_refused() -> None:
    with pytest.raises(AccountError, match="needs invoices"):
        decide_invoices(policy(), account(invoices=()), NOW)


# -- moving an account's ladder to per-invoice, and the record format -------------------------


def test_switching_keeps_each_invoice_on_the_rung_the_account_had_reached() -> None:
    """An untagged ``StageEntered`` (the account's ladder before the switch) puts every
    invoice on file then on that rung; B, issued later, starts from the bottom."""
    history = [StageEntered(at=at(21, 9, month=1), stage="reminder")]
    only_a = (Invoice("A", Money("120.00", "USD"), date(2026, 1, 20)),)
    b = InvoiceIssued(
        at=at(20, 9, month=2), invoice_id="B", amount=Money("80.00", "USD"), due=date(2026, 2, 24)
    )
    dd = decide_invoices(policy(), account(*history, b, invoices=only_a), NOW)
    a = dd.decision("A")
    assert (a.stage, a.stage_since, a.transition) == ("reminder", at(21, 9, month=1), None)
    assert dd.decision("B").transition.from_stage is None  # type: ignore[union-attr]


def test_the_invoice_tag_on_a_rung_entry_survives_the_account_file() -> None:
    event = StageEntered(at=NOW, stage="formal", debt_id="A")
    assert event_to_dict(event)["debt_id"] == "A"
    assert event_from_dict(event_to_dict(event)) == event
    assert "debt_id" not in event_to_dict(StageEntered(at=NOW, stage="formal"))


def test_a_tagged_rung_entry_changes_nothing_for_an_account_decided_as_a_whole() -> None:
    plain = account(StageEntered(at=at(21, 9, month=1), stage="reminder"))
    tagged = account(StageEntered(at=at(21, 9, month=1), stage="reminder", debt_id="A"))
    acct_policy = policy(ladder_per="account")
    assert decide(acct_policy, plain, NOW) == decide(acct_policy, tagged, NOW)


def test_the_decision_record_names_the_invoice_of_each_action() -> None:
    from overdue.config import decision_to_dict

    dd = decide_invoices(policy(), account(*sms_to_a()), NOW)
    record = decision_to_dict(dd.decision("B"))
    assert [a["debt_id"] for a in record["actions"]] == ["B"]
    assert record["record"][0]["debt_id"] == "B"
    alone = decision_to_dict(decide(policy(ladder_per="account"), account(), NOW))
    assert all("debt_id" not in a for a in alone["actions"])


def test_a_contact_before_any_invoice_still_counts_for_the_person() -> None:
    """An SMS at 08:30 about the account, then an invoice recorded at 09:00 that fell due in
    February: with one contact a day, its reminder waits for Monday."""
    early = ContactAttempted(at=at(1, 8).replace(minute=30), channel="sms", outcome="delivered")
    late = InvoiceIssued(
        at=at(1, 9), invoice_id="C", amount=Money("70.00", "USD"), due=date(2026, 2, 1)
    )
    dd = decide_invoices(policy(per_day(1)), account(early, late, invoices=()), NOW)
    c = dd.decision("C")
    assert c.due_actions == ()
    assert c.next_action is not None
    assert c.next_action.not_before == at(2, 8)


def test_a_host_loop_on_the_account_follows_the_projected_schedule() -> None:
    """A host that decides the account per invoice and records what the decisions say, on the
    account, sees the rungs entered and the contacts made on the days the projection of the
    split debtor gives (so the tags it records are read back as the ladder they came from)."""
    from overdue.engine.debtors import debtor_timeline

    cap = policy(per_day(1))
    start, until = at(1, 9, month=2), at(28, 9, month=2)
    # B falls due the day before A reaches the formal rung: one contact a day to the person
    acct = account(
        invoices=(
            Invoice("A", Money("120.00", "USD"), date(2026, 1, 20)),
            Invoice("B", Money("80.00", "USD"), date(2026, 2, 18)),
        )
    )
    projected = {
        (e.debt_id, e.kind, e.stage, e.at)
        for e in debtor_timeline(cap, invoice_debtor(acct), start, until)
        if e.kind in ("stage_entered", "contact")
    }
    seen: set[tuple[str, str, str | None, datetime]] = set()
    t = start
    for _ in range(200):
        dd = decide_invoices(cap, acct, t)
        new: list[Event] = []
        for one in dd.debts:
            d = one.decision
            if d.transition is not None:
                seen.add((one.debt_id, "stage_entered", d.transition.to_stage, d.at))
            new += d.record
            for action in d.due_actions:
                seen.add((one.debt_id, "contact", action.stage, d.at))
                new.append(action.outcome_event("delivered", t))
        if new:
            acct = acct.with_events(*new)
            continue
        wake = dd.wake_at
        if wake is None or wake > until:
            break
        t = wake
    assert seen == projected
    assert {(i, k, s) for i, k, s, _ in seen} == {
        ("A", "stage_entered", "reminder"),
        ("A", "contact", "reminder"),
        ("A", "stage_entered", "formal"),
        ("A", "contact", "formal"),
        ("B", "stage_entered", "reminder"),
        ("B", "contact", "reminder"),
    }
    assert ("A", "contact", "formal", at(19, 8, month=2)) in seen
    assert ("B", "contact", "reminder", at(20, 8, month=2)) in seen  # the day after A's letter
