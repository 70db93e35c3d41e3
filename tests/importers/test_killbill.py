"""Kill Bill ``overdue.xml`` files import, load, pass ``check`` and give Kill Bill's dates.

The configurations are copies of Kill Bill's own test files (Apache-2.0, see
``data/killbill/SOURCES.md``), plus one equivalent we wrote of the overdue tutorial's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs
import pytest

from overdue import Account, Invoice, Money, decide
from overdue.conditions import (
    all_of,
    balance_at_least,
    days_overdue_at_least,
    has_fact,
    not_,
    overdue_for,
    unpaid_invoices_at_least,
)
from overdue.config import loads_policy, policy_warnings
from overdue.errors import ConfigError
from overdue.events import FactCleared, FactSet, PaymentReceived, StageLeft
from overdue.importers import Approximation, ImportResult, import_killbill

from .conftest import DATA, entered, one_invoice

KB = DATA / "killbill"


def _import(name: str, **kw: str) -> ImportResult:
    return import_killbill((KB / name).read_text("utf-8"), **kw)


@pytest.mark.parametrize(
    "name",
    [
        "issue-2297.xml",
        "OverdueConfig3.xml",
        "TestOverdueIntegration.xml",
        "tutorial-equivalent.xml",
    ],
)
def test_each_configuration_imports_loads_back_and_passes_check(name: str) -> None:
    result = _import(name)
    assert loads_policy(result.toml(), "toml") == result.policy
    # Kill Bill sends no contacts, so the only warning is the missing frequency cap
    assert [str(w).split(":")[0] for w in policy_warnings(result.policy)] == ["$.rules"]
    assert result.approximations
    assert all(
        a.path.startswith("/overdueConfig") and a.construct and a.what_we_did and a.why
        for a in result.approximations
    )


def _constructs(result: ImportResult) -> set[str]:
    return {a.construct.split(" ")[0] for a in result.approximations}


def test_issue_2297_single_invoice_matches_kill_bills_control_test() -> None:
    # Kill Bill beatrix TestOverdueStateSkipWithShiftingEarliestUnpaidInvoice,
    # testControlProgressiveDegradationWithoutPartialPayment: one unpaid invoice of 2012-05-31,
    # "Control scenario should reach WARNING on 2012-06-05." and
    # "Control scenario should reach BLOCKED on 2012-06-07."; CANCELLATION is 11 days (06-11).
    policy = _import("issue-2297.xml").policy
    assert entered(policy, one_invoice(date(2012, 5, 31)), date(2012, 5, 31)) == {
        "WARNING": date(2012, 6, 5),
        "BLOCKED": date(2012, 6, 7),
        "CANCELLATION": date(2012, 6, 11),
    }


def test_issue_2297_shifting_earliest_unpaid_invoice_gives_the_dates_the_issue_calls_correct() -> (
    None
):
    # Same test class, testWarningSkippedWhenEarliestUnpaidInvoiceShiftsForward: invoices of
    # 05-31 (recurring, 500.00 charge), 06-02 (700.00) and 06-03 (200.00); the two oldest are paid
    # on 06-02, so "account should be in WARNING on 2012-06-07 (earliest unpaid 2012-06-02 + 5
    # days)" -- Kill Bill itself goes CLEAR -> BLOCKED on 06-10 and never enters WARNING.
    paid = datetime(2012, 6, 2, 12, tzinfo=UTC)
    account = Account(
        "A-2297",
        timezone="UTC",
        invoices=[
            Invoice("recurring", Money("29.95", "USD"), date(2012, 5, 31)),
            Invoice("charge-a", Money("500.00", "USD"), date(2012, 5, 31)),
            Invoice("charge-b", Money("700.00", "USD"), date(2012, 6, 2)),
            Invoice("charge-c", Money("200.00", "USD"), date(2012, 6, 3)),
        ],
        events=[
            PaymentReceived(at=paid, amount=Money("29.95", "USD"), invoice_id="recurring"),
            PaymentReceived(at=paid, amount=Money("500.00", "USD"), invoice_id="charge-a"),
        ],
    )
    got = entered(_import("issue-2297.xml").policy, account, date(2012, 6, 3))
    assert got["WARNING"] == date(2012, 6, 7)
    assert got["BLOCKED"] == date(2012, 6, 9)  # 06-02 + 7: WARNING comes first
    assert got["CANCELLATION"] == date(2012, 6, 13)


def test_integration_test_configuration_gives_kill_bills_integration_test_dates() -> None:
    # Kill Bill beatrix TestOverdueIntegration.testOverdueStages1: the invoice of 2012-05-31
    # (249.95) fails; "2012-06-24 => Retry P0" checkODState(CLEAR); "2012-06-30 => P1" (a second
    # invoice, also unpaid) checkODState("OD1"); "2012-07-10" checkODState("OD2");
    # "2012-07-20" checkODState("OD3").
    account = Account(
        "A-OD",
        timezone="UTC",
        invoices=[
            Invoice("I0", Money("249.95", "USD"), date(2012, 5, 31)),
            Invoice("I1", Money("249.95", "USD"), date(2012, 6, 30)),
        ],
    )
    got = entered(_import("TestOverdueIntegration.xml").policy, account, date(2012, 5, 31))
    assert got == {"OD1": date(2012, 6, 30), "OD2": date(2012, 7, 10), "OD3": date(2012, 7, 20)}
    assert min(got.values()) > date(2012, 6, 24)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # Kill Bill overdue tutorial, "Flow 4 - Bad Customer": invoice unpaid on 2021-08-06,
        # WARNING on 2021-08-16, BLOCKED on 2021-08-20, CANCELLATION on 2021-08-27.
        (
            date(2021, 8, 6),
            {
                "WARNING": date(2021, 8, 16),
                "BLOCKED": date(2021, 8, 20),
                "CANCELLATION": date(2021, 8, 27),
            },
        ),
        # Same tutorial, "Testing the System": first failed payment 2021-09-06, "WARNING status"
        # on 2021-09-16 and "BLOCKED status" on 2021-09-20 (it pays before CANCELLATION).
        (
            date(2021, 9, 6),
            {
                "WARNING": date(2021, 9, 16),
                "BLOCKED": date(2021, 9, 20),
                "CANCELLATION": date(2021, 9, 27),
            },
        ),
    ],
)
def test_tutorial_thresholds_give_the_tutorials_dates(due: date, expected: dict[str, date]) -> None:
    assert entered(_import("tutorial-equivalent.xml").policy, one_invoice(due), due) == expected


def test_overdue_config3_keeps_what_it_can_and_switches_off_the_rest() -> None:
    result = _import("OverdueConfig3.xml", currency="EUR")
    by_id = {s.id: s for s in result.policy.stages}
    assert [s.id for s in result.policy.stages] == ["OD1", "OD2", "OD3", "OD4"]
    assert by_id["OD3"].enabled is False  # the payment-failure code cannot be written
    # The invoice count and the tag translate (issue 18): OD4 is on the ladder now.
    assert by_id["OD4"].enabled
    assert by_id["OD4"].enters_when == all_of(unpaid_invoices_at_least(5), has_fact("AUTO_PAY_OFF"))
    assert by_id["OD4"].requires == ()
    assert str(by_id["OD2"].enters_when)
    assert by_id["OD2"].enabled
    constructs = _constructs(result)
    assert {
        "responseForLastFailedPaymentIn",
        "numberOfUnpaidInvoicesEqualsOrExceeds",
        "totalUnpaidInvoiceBalanceEqualsOrExceeds",
        "autoReevaluationInterval",
    } <= constructs
    assert "controlTagInclusion" not in constructs
    # blocking flags are service steps with their undo now, not approximations (issue 18)
    assert not {"blockChanges", "disableEntitlementAndChangesBlocked"} & constructs
    service = {s.id: [(a.action, a.undo) for a in s.service] for s in result.policy.stages}
    assert ("block_changes", "unblock_changes") in [x for v in service.values() for x in v]
    assert ("disable_entitlement", "enable_entitlement") in [x for v in service.values() for x in v]


def test_overdue_config3_od4_needs_five_unpaid_invoices_and_the_tag() -> None:
    # Kill Bill: OD4 holds with 5 or more unpaid invoices while the account has AUTO_PAY_OFF.
    policy = _import("OverdueConfig3.xml").policy
    invoices = [Invoice(f"INV-{i}", Money("10.00", "USD"), date(2012, 5, 1 + i)) for i in range(5)]
    start = datetime(2012, 6, 10, tzinfo=UTC)
    untagged = Account("A-1", timezone="UTC", invoices=invoices)
    assert decide(policy, untagged, start).stage == "OD2"
    tag = FactSet(at=datetime(2012, 6, 1, tzinfo=UTC), name="AUTO_PAY_OFF")
    tagged = attrs.evolve(untagged, events=(tag,))
    assert decide(policy, tagged, start).stage == "OD4"  # skips OD2 (skippable): most severe
    # The tag removed before the account got there: OD4 is out of reach again.
    cleared = tagged.with_events(FactCleared(at=datetime(2012, 6, 5, tzinfo=UTC), name=tag.name))
    assert decide(policy, cleared, start).stage == "OD2"
    # One invoice paid: four left, under the count.
    paid = tagged.with_events(
        PaymentReceived(at=datetime(2012, 6, 2, tzinfo=UTC), amount=Money("10.00", "USD"))
    )
    assert decide(policy, paid, start).stage == "OD2"


def test_tag_exclusion_is_a_negated_fact_and_keeps_its_rung_on() -> None:
    xml = _state(
        "<condition><timeSinceEarliestUnpaidInvoiceEqualsOrExceeds><unit>DAYS</unit>"
        "<number>10</number></timeSinceEarliestUnpaidInvoiceEqualsOrExceeds>"
        "<controlTagExclusion>OVERDUE_ENFORCEMENT_OFF</controlTagExclusion></condition>"
        "<externalMessage>late</externalMessage>"
    )
    result = import_killbill(xml)
    stage = result.policy.stages[0]
    assert stage.enabled
    assert stage.enters_when == all_of(
        days_overdue_at_least(10), not_(has_fact("OVERDUE_ENFORCEMENT_OFF"))
    )
    assert not any("controlTag" in a.construct for a in result.approximations)


def test_a_balance_threshold_is_written_per_currency_when_several_are_named() -> None:
    result = _import("OverdueConfig3.xml", currency="EUR,USD")
    od2 = result.policy.stage("OD2")
    assert od2.enters_when == balance_at_least("5.00 EUR", "5.00 USD")
    eur = Account(
        "A-1", timezone="UTC", invoices=[Invoice("I", Money("9", "EUR"), date(2012, 1, 1))]
    )
    assert decide(result.policy, eur, datetime(2012, 1, 3, tzinfo=UTC)).stage == "OD2"
    with pytest.raises(ConfigError):
        import_killbill((KB / "OverdueConfig3.xml").read_text("utf-8"), currency=" , ")


def test_overdue_config3_dates_follow_kill_bills_most_severe_matching_state() -> None:
    # Kill Bill DefaultOverdueStateSet.calculateOverdueState: the first state in file order
    # (most severe first) whose condition holds.  A 10.00 unpaid balance holds OD2 (>= 5.00) at
    # once, so OD1 (30 days) is never shown; a 1.00 balance reaches OD1 after 30 days.
    policy = _import("OverdueConfig3.xml").policy
    # overdue counts an invoice overdue from the day after its due date (reported).
    assert entered(policy, one_invoice(date(2012, 5, 31)), date(2012, 5, 31)) == {
        "OD2": date(2012, 6, 1)
    }
    assert entered(policy, one_invoice(date(2012, 5, 31), "1.00"), date(2012, 5, 31)) == {
        "OD1": date(2012, 6, 30)
    }


def test_a_configuration_with_only_the_clear_state_has_nothing_to_import() -> None:
    with pytest.raises(ConfigError) as info:
        _import("OverdueConfig.xml")
    assert info.value.key_path == "/overdueConfig/accountOverdueStates"


def _state(inner: str, name: str = "S") -> str:
    return (
        f'<overdueConfig><accountOverdueStates><state name="{name}">{inner}</state>'
        "</accountOverdueStates></overdueConfig>"
    )


def test_months_are_calendar_months_with_no_approximation() -> None:
    xml = _state(
        "<condition><timeSinceEarliestUnpaidInvoiceEqualsOrExceeds><unit>MONTHS</unit>"
        "<number>2</number></timeSinceEarliestUnpaidInvoiceEqualsOrExceeds></condition>"
        "<externalMessage>late</externalMessage>"
    )
    result = import_killbill(xml)
    assert result.policy.stages[0].enters_when == overdue_for("2mo")
    assert not any("MONTHS" in a.construct for a in result.approximations)
    # Joda's plusMonths clamps to the month's end, as overdue does: 12-31 + 2 months = 02-28.
    assert entered(result.policy, one_invoice(date(2012, 12, 31)), date(2012, 12, 31)) == {
        "S": date(2013, 2, 28)
    }
    years = import_killbill(xml.replace("MONTHS", "YEARS"))
    assert years.policy.stages[0].enters_when == overdue_for("24mo")


@pytest.mark.parametrize(
    ("xml", "where"),
    [
        ('<!DOCTYPE lolz [<!ENTITY lol "lol">]><overdueConfig/>', "line 1, column 1"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x SYSTEM "file:///etc/passwd">\n<overdueConfig/>',
            "line 2, column 1",
        ),
        ("<overdueConfig><accountOverdueStates>", "line 1, column 38"),
        ("<catalog/>", "/catalog"),
        (_state("<colour>red</colour>"), "/overdueConfig/accountOverdueStates/state[1]"),
        (
            _state(
                "<condition><timeSinceEarliestUnpaidInvoiceEqualsOrExceeds><unit>FORTNIGHTS"
                "</unit><number>2</number></timeSinceEarliestUnpaidInvoiceEqualsOrExceeds>"
                "</condition>"
            ),
            "timeSinceEarliestUnpaidInvoiceEqualsOrExceeds/unit",
        ),
        (
            _state(
                "<condition><totalUnpaidInvoiceBalanceEqualsOrExceeds>lots"
                "</totalUnpaidInvoiceBalanceEqualsOrExceeds></condition>"
            ),
            "totalUnpaidInvoiceBalanceEqualsOrExceeds",
        ),
        (_state("<blockChanges>maybe</blockChanges>"), "blockChanges"),
        (_state("<condition><creditScoreBelow>3</creditScoreBelow></condition>"), "creditScore"),
    ],
)
def test_bad_input_is_a_located_config_error(xml: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        import_killbill(xml)
    assert where in (info.value.key_path or "")


def test_entity_expansion_is_refused_before_parsing() -> None:
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n'
        "<overdueConfig>&lol2;</overdueConfig>"
    )
    with pytest.raises(ConfigError, match="DOCTYPE declarations are refused at line 2"):
        import_killbill(laughs)


def test_the_report_names_every_approximation() -> None:
    result = _import("issue-2297.xml")
    text = result.report()
    assert all(a.path in text and a.construct in text for a in result.approximations)
    assert isinstance(result.approximations[0], Approximation)
    assert not result.exact


def test_a_default_namespace_is_ignored() -> None:
    xml = (KB / "issue-2297.xml").read_text("utf-8")
    spaced = xml.replace("<overdueConfig>", '<overdueConfig xmlns="urn:example:overdue">')
    assert import_killbill(spaced).policy == _import("issue-2297.xml").policy


def test_issue_2297_blocks_unblocks_and_returns_to_clear_as_kill_bill_re_evaluates() -> None:
    # The issue's configuration: WARNING (5 days, blockChanges), BLOCKED (7 days, blockChanges
    # and disableEntitlementAndChangesBlocked), CANCELLATION (11 days).  Two invoices, of 05-31
    # and 06-04; the older one is paid on 06-08, so the earliest unpaid invoice is 4 days old:
    # no state's condition holds and Kill Bill returns the account to CLEAR, unblocking it.
    policy = _import("issue-2297.xml").policy
    account = Account(
        "A-2297",
        timezone="UTC",
        invoices=[
            Invoice("I0", Money("10.00", "USD"), date(2012, 5, 31)),
            Invoice("I1", Money("10.00", "USD"), date(2012, 6, 4)),
        ],
    )
    log = {}
    for day in range(1, 11):
        now = datetime(2012, 6, day, 10, tzinfo=UTC)
        if day == 8:
            account = account.with_events(
                PaymentReceived(
                    at=now.replace(hour=9), amount=Money("10.00", "USD"), invoice_id="I0"
                )
            )
        d = decide(policy, account, now)
        log[day] = d
        account = account.with_events(
            *d.record,
            *(a.outcome_event("delivered", now) for a in d.due_actions),
            *(s.outcome_event("delivered", now) for s in d.due_service),
        )
    assert log[5].stage == "WARNING"
    assert [(s.operation, s.action) for s in log[5].service] == [("perform", "block_changes")]
    assert log[7].stage == "BLOCKED"
    assert [(s.operation, s.action) for s in log[7].service] == [
        ("undo", "unblock_changes"),  # WARNING's block is lifted first ...
        ("perform", "block_changes"),  # ... and BLOCKED's set after it
        ("perform", "disable_entitlement"),
    ]
    cleared = log[8]
    assert cleared.stage is None
    assert cleared.step_down is not None
    assert cleared.step_down.to_stage is None
    assert isinstance(cleared.record[0], StageLeft)
    assert sorted(s.action for s in cleared.service) == ["enable_entitlement", "unblock_changes"]
    assert log[9].stage == "WARNING"  # 06-04 + 5 days: WARNING again, blocked again
    assert [s.action for s in log[9].service] == ["block_changes"]
