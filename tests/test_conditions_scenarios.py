"""Scenario tests for the conditions of issue 18, each read as a clause of a policy.

Tags and flags are facts (``fact_set`` / ``fact_cleared``); rungs are allowed by
``has_fact`` and blocked by ``not has_fact``; the unpaid-invoice count and per-currency
thresholds are policy-file conditions.  The invoice of the default account falls due on
Saturday 2026-01-10; the debtor lives in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from overdue import (
    Account,
    ContactPoint,
    Invoice,
    Money,
    Policy,
    Stage,
    Step,
    days,
    decide,
    timeline,
)
from overdue.cli import main
from overdue.conditions import (
    balance_at_least,
    days_overdue_at_least,
    has_fact,
    not_,
    overdue_for,
    unpaid_invoices_at_least,
)
from overdue.config import account_currencies, currency_warnings, loads_policy
from overdue.errors import PolicyError
from overdue.events import (
    ContactAttempted,
    Event,
    FactCleared,
    FactSet,
    InvoiceIssued,
    StageEntered,
)

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, month: int = 1, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SH)


def ladder(second: object) -> Policy:
    return Policy(
        "p",
        stages=(
            Stage(
                "reminder",
                enters_when=days_overdue_at_least(1),
                deadline=days(5),
                steps=(Step("email", template="reminder"),),
            ),
            Stage("agency", enters_when=second, steps=(Step("letter", template="agency"),)),  # type: ignore[arg-type]
        ),
    )


CONTACTS = (ContactPoint("email", "a@example.com"), ContactPoint("letter", "1 Example Road"))


def reminded(day: datetime) -> tuple[Event, ...]:
    """The reminder rung entered and its e-mail sent on ``day`` (finished five days later)."""
    return (
        StageEntered(at=day, stage="reminder"),
        ContactAttempted(
            at=day, channel="email", outcome="delivered", stage="reminder", step="reminder"
        ),
    )


def account(*events: Event, currency: str = "CNY", due: date = date(2026, 1, 10)) -> Account:
    """One invoice of 500.00 due on ``due``, reminded the day after it fell due."""
    first = datetime(due.year, due.month, due.day, 10, tzinfo=SH) + timedelta(days=1)
    return Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=CONTACTS,
        invoices=(Invoice("I-1", Money("500.00", currency), due),),
        events=(*reminded(first), *events),
    )


def stage_on(policy: Policy, acct: Account, now: datetime) -> str | None:
    return decide(policy, acct, now).stage


# --------------------------------------------------------------------------- tags and flags


def test_an_account_tagged_vip_is_not_passed_to_the_agency_until_the_tag_is_removed() -> None:
    policy = ladder(days_overdue_at_least(10) & not_(has_fact("vip")))
    tagged = account(FactSet(at=at(2), name="vip"))
    d = decide(policy, tagged, at(25))
    assert d.stage == "reminder"
    assert d.status == "waiting"
    assert "conditions:agency" in d.waiting_for  # only a new fact moves it
    assert d.wake_at is None
    # Removing the tag returns the account's eligibility at once: the next decision enters.
    cleared = tagged.with_events(FactCleared(at=at(24), name="vip"))
    assert stage_on(policy, cleared, at(25)) == "agency"


def test_a_tag_that_lapses_by_itself_wakes_the_account_on_that_day() -> None:
    policy = ladder(days_overdue_at_least(10) & not_(has_fact("vip")))
    until = at(28, hour=0)
    tagged = account(FactSet(at=at(2), name="vip", until=until))
    d = decide(policy, tagged, at(25))
    assert d.stage == "reminder"
    assert d.wake_at == until
    entries = timeline(policy, tagged, at(25), at(10, month=2))
    entered = [e for e in entries if e.kind == "stage_entered"]
    assert [(e.stage, e.at) for e in entered] == [("agency", until)]


def test_a_rung_that_needs_a_tag_waits_for_it_and_setting_it_lets_the_account_in() -> None:
    policy = ladder(days_overdue_at_least(10) & has_fact("autopay_off"))
    plain = account()
    assert stage_on(policy, plain, at(25)) == "reminder"
    tagged = plain.with_events(FactSet(at=at(20), name="autopay_off"))
    assert stage_on(policy, tagged, at(25)) == "agency"
    # Set and cleared again before the account got there: it stays out.
    gone = tagged.with_events(FactCleared(at=at(22), name="autopay_off"))
    assert stage_on(policy, gone, at(25)) == "reminder"


def test_once_on_the_rung_the_account_stays_when_the_tag_is_removed() -> None:
    # Entry conditions are read on the way in; leaving a rung downwards is the policy's
    # de-escalation setting, not the condition's (the default: never down).
    policy = ladder(days_overdue_at_least(10) & has_fact("autopay_off"))
    first = account(FactSet(at=at(20), name="autopay_off"))
    d = decide(policy, first, at(25))
    assert d.transition is not None
    recorded = first.with_events(*d.record, FactCleared(at=at(26), name="autopay_off"))
    assert stage_on(policy, recorded, at(27)) == "agency"


def test_holds_and_disputes_are_facts_too() -> None:
    # has_fact reads every fact the fold keeps: a hold by name, an open dispute.
    from overdue.events import DisputeOpened

    policy = ladder(days_overdue_at_least(10) & not_(has_fact("dispute_open")))
    disputed = account(DisputeOpened(at=at(12)))
    assert stage_on(policy, disputed, at(25)) == "reminder"


# --------------------------------------------------------------------------- unpaid invoices


def test_three_unpaid_invoices_send_the_account_to_the_agency_the_day_the_third_is_late() -> None:
    policy = ladder(unpaid_invoices_at_least(3))
    acct = Account(
        "A-2",
        timezone="Asia/Shanghai",
        contacts=CONTACTS,
        invoices=tuple(
            Invoice(f"I-{i}", Money("20.00", "CNY"), date(2026, 1, d))
            for i, d in enumerate((10, 15, 20))
        ),
        events=reminded(at(11)),
    )
    d = decide(policy, acct, at(18))
    assert d.stage == "reminder"
    assert d.wake_at is not None
    assert d.wake_at == datetime(2026, 1, 21, tzinfo=SH)  # the day after the third due date
    assert stage_on(policy, acct, at(21)) == "agency"


def test_a_paid_invoice_stops_counting() -> None:
    from overdue.events import PaymentReceived

    policy = ladder(unpaid_invoices_at_least(2))
    second = InvoiceIssued(
        at=at(1), invoice_id="I-2", amount=Money("5.00", "CNY"), due=date(2026, 1, 12)
    )
    two = account(second)
    assert stage_on(policy, two, at(25)) == "agency"
    paid = two.with_events(
        PaymentReceived(at=at(11), amount=Money("5.00", "CNY"), invoice_id="I-2")
    )
    d = decide(policy, paid, at(25))
    assert d.stage == "reminder"
    assert d.wake_at is None  # one invoice left: only a new invoice can meet the count
    with pytest.raises(PolicyError):
        unpaid_invoices_at_least(0)


# --------------------------------------------------------------------------- months


def test_the_final_notice_goes_one_calendar_month_after_the_due_date() -> None:
    policy = ladder(overdue_for("1mo"))
    acct = account(due=date(2026, 1, 31))
    entries = timeline(policy, acct, at(1, month=2), at(31, month=3))
    entered = {e.stage: e.at for e in entries if e.kind == "stage_entered"}
    assert entered["agency"] == datetime(2026, 2, 28, tzinfo=SH)


def test_forty_five_days_end_of_month() -> None:
    policy = ladder(overdue_for("45d", anchor="end_of_month"))
    acct = account(due=date(2025, 12, 15))
    d = decide(policy, acct, datetime(2026, 1, 29, 12, tzinfo=SH))  # 45 days: 01-29
    assert d.stage == "reminder"
    assert d.wake_at == datetime(2026, 1, 31, tzinfo=SH)


# --------------------------------------------------------------------------- currencies


def test_one_threshold_per_currency() -> None:
    policy = ladder(days_overdue_at_least(10) & balance_at_least("400.00 CNY", "50.00 EUR"))
    assert stage_on(policy, account(), at(25)) == "agency"
    assert stage_on(policy, account(currency="EUR"), at(25)) == "agency"
    # A currency without a threshold never meets it; `check --accounts` says so (below).
    assert stage_on(policy, account(currency="JPY"), at(25)) == "reminder"
    with pytest.raises(PolicyError, match="EUR twice"):
        balance_at_least("1 EUR", "2 EUR")


POLICY_TOML = """
schema = "overdue.policy/1"
id = "usd-only"

[[stages]]
id = "reminder"
enters_when = { days_overdue_at_least = 1 }
steps = [{ channel = "email", template = "reminder" }]
deadline = "5d"

[[stages]]
id = "suspend"
enters_when = { all = [{ overdue_for = "1mo" }, { balance_at_least = "100.00 USD" }] }
steps = [{ channel = "email", template = "suspend" }]
"""


def test_check_warns_about_a_threshold_in_a_currency_the_accounts_do_not_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = loads_policy(POLICY_TOML, "toml")
    used = account_currencies([account(currency="EUR"), account(currency="EUR")])
    assert used == {"EUR": 2}
    warnings = [str(w) for w in currency_warnings(policy, used)]
    assert warnings[0].startswith("$.stages[1].enters_when: rung 'suspend' has a balance")
    assert "EUR (2 account(s)) never meet it" in warnings[0]
    assert "in USD, a currency none of the accounts use" in warnings[1]
    assert currency_warnings(policy, {"USD": 3}) == []
    path = tmp_path / "p.toml"
    path.write_text(POLICY_TOML, "utf-8")
    accounts = tmp_path / "a.jsonl"
    accounts.write_text(
        '{"id": "A-1", "invoices": [{"id": "I", "amount": "10.00 EUR", "due": "2026-01-10"}]}\n'
        "not json\n",
        "utf-8",
    )
    assert main(["check", str(path), "--accounts", str(accounts), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "EUR (1 account(s)) never meet it" in out
    assert main(["check", str(path)]) == 0  # without accounts: nothing to compare with
    assert "never meet it" not in capsys.readouterr().out
