"""OCA credit-control policies import, load, pass ``check`` and give OCA's dates.

The export is an equivalent we wrote of the demonstration policies of OCA's
``account_credit_control`` module (see ``data/oca/SOURCES.md``).  OCA's date boundaries, from
its ``models/credit_control_policy.py``: ``net_days``: ``date_maturity + delay <= run date``;
``end_of_month``: the last day of the month of ``date_maturity + delay`` ``<= run date``;
``previous_date``: ``previous reminder date + delay <= run date``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from overdue import Money
from overdue.config import loads_policy, policy_warnings
from overdue.engine.invoices import decide_invoices
from overdue.errors import ConfigError
from overdue.fees import Fee
from overdue.importers import ImportResult, import_oca

from .conftest import DATA, entered, one_invoice

EXPORT = (DATA / "oca" / "credit-control-equivalent.xml").read_text("utf-8")


def _import(policy: str) -> ImportResult:
    return import_oca(EXPORT, policy=policy)


@pytest.mark.parametrize("policy", ["credit_control_3_time", "credit_control_2_time"])
def test_each_policy_imports_loads_back_and_passes_check(policy: str) -> None:
    result = _import(policy)
    assert loads_policy(result.toml(), "toml") == result.policy
    assert [str(w).split(":")[0] for w in policy_warnings(result.policy)] == ["$.rules"]
    constructs = " ".join(a.construct for a in result.approximations)
    assert "one ladder per invoice" not in constructs  # written exactly since issue 18
    assert result.policy.ladder_per == "invoice"
    assert "end_of_month" not in constructs  # written exactly since issue 18


def test_three_time_policy_dates_match_ocas_own_test() -> None:
    # OCA account_credit_control tests/test_credit_control_run.py,
    # test_generate_credit_lines_with_max_level: an invoice due 2024-12-01; the run of
    # 2024-12-30 gives it a level-1 line, the run of 2025-01-30 a level-2 line.
    # By OCA's boundaries: level 1 = 12-01 + 10 = 2024-12-11; level 2 = end of month of
    # 12-01 + 30 = 2024-12-31; level 3 = level 2 + 10 = 2025-01-10 (with a run every day).
    got = entered(
        _import("credit_control_3_time").policy,
        one_invoice(date(2024, 12, 1), "500.00", "EUR"),
        date(2024, 12, 1),
    )
    assert got == {
        "level_1": date(2024, 12, 11),
        "level_2": date(2024, 12, 31),
        "level_3": date(2025, 1, 10),
    }
    assert got["level_1"] <= date(2024, 12, 30) < got["level_2"] <= date(2025, 1, 30)


def test_two_time_policy_dates() -> None:
    # level 1: end of month of 2024-12-01 + 30 = 2024-12-31; level 2: previous reminder + 60.
    got = entered(
        _import("2 time policy").policy,
        one_invoice(date(2024, 12, 1), "500.00", "EUR"),
        date(2024, 12, 1),
        days=150,
    )
    assert got == {"level_1": date(2024, 12, 31), "level_2": date(2025, 3, 1)}


def test_end_of_month_level_when_due_plus_delay_is_not_a_month_end() -> None:
    # OCA: end of the month of 2024-12-15 + 30 days (2025-01-14) is 2025-01-31.
    got = entered(
        _import("credit_control_3_time").policy,
        one_invoice(date(2024, 12, 15), "500.00", "EUR"),
        date(2024, 12, 15),
    )
    assert got["level_2"] == date(2025, 1, 31)


def test_a_do_nothing_policy_has_nothing_to_import() -> None:
    with pytest.raises(ConfigError) as info:
        _import("credit_control_no_follow")
    assert (
        info.value.key_path
        == "/odoo/record[@id='credit_control_no_follow']/field[@name='do_nothing']"
    )


def test_several_policies_need_a_choice_and_a_typo_gets_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="choose one") as info:
        import_oca(EXPORT)
    assert "credit_control_3_time (3 time policy)" in (info.value.expected or "")
    with pytest.raises(ConfigError) as typo:
        import_oca(EXPORT, policy="credit_control_3_tim")
    assert typo.value.suggestion == "credit_control_3_time"


def _export(*levels: tuple[int, str, int, str]) -> str:
    rows = "".join(
        f'<record model="credit.control.policy.level" id="l{n}"><field name="level" eval="{n}"/>'
        f'<field name="computation_mode">{mode}</field><field name="delay_days" eval="{delay}"/>'
        f'<field name="channel">{channel}</field><field name="policy_id" ref="p"/></record>'
        for n, mode, delay, channel in levels
    )
    head = '<record model="credit.control.policy" id="p"><field name="name">P</field></record>'
    return f"<odoo>{head}{rows}</odoo>"


def test_a_phone_level_imports_and_check_asks_for_contact_hours() -> None:
    result = import_oca(_export((1, "net_days", 5, "email"), (2, "net_days", 20, "phone")))
    warnings = [str(w) for w in policy_warnings(result.policy)]
    assert any(w.startswith("$.stages[1].steps[0]: phone step") for w in warnings)


@pytest.mark.parametrize(
    ("levels", "where"),
    [
        (
            ((1, "previous_date", 5, "email"),),
            "/odoo/record[@id='l1']/field[@name='computation_mode']",
        ),
        (((1, "net_dayz", 5, "email"),), "/odoo/record[@id='l1']/field[@name='computation_mode']"),
        (((1, "net_days", 5, "pigeon"),), "/odoo/record[@id='l1']/field[@name='channel']"),
        (((1, "net_days", -5, "email"),), "/odoo/record[@id='l1']/field[@name='delay_days']"),
        (((1, "net_days", 5, "email"), (1, "net_days", 9, "email")), "/odoo/record[@id='p']"),
    ],
)
def test_bad_levels_are_located(levels: tuple[tuple[int, str, int, str], ...], where: str) -> None:
    with pytest.raises(ConfigError) as info:
        import_oca(_export(*levels))
    assert info.value.key_path == where


def test_an_unknown_mode_gets_a_suggestion() -> None:
    with pytest.raises(ConfigError) as info:
        import_oca(_export((1, "net_dayz", 5, "email")))
    assert info.value.suggestion == "net_days"


def test_doctype_is_refused() -> None:
    with pytest.raises(ConfigError, match="DOCTYPE"):
        import_oca('<!DOCTYPE odoo [<!ENTITY x "y">]><odoo/>')


FEES = (DATA / "oca" / "credit-control-dunning-fees-equivalent.xml").read_text("utf-8")


def test_dunning_fees_become_rung_fees_and_are_posted_once_per_entry() -> None:
    result = import_oca(FEES, currency="EUR")
    assert loads_policy(result.toml(), "toml") == result.policy
    fees = {s.id: s.fee for s in result.policy.stages}
    assert fees["level_1"] is None
    assert fees["level_2"] == Fee(fixed=Money("5.0", "EUR"))  # OCA's own test's 5.0 EUR
    assert fees["level_3"] == Fee(fixed=Money("10.0", "EUR"))  # the company's currency
    assert any("each credit line" in a.why for a in result.approximations)
    # the second level is entered 30 days after the due date, and charges its fee then
    account = one_invoice(date(2024, 12, 1), "500.00", "EUR")
    # A per-invoice policy: decide_invoices decides each invoice (decide() refuses it).
    run = decide_invoices(result.policy, account, datetime(2024, 12, 11, 12, tzinfo=UTC))
    first = run.decision("INV-1")
    assert first.stage == "level_1"
    assert first.postings == ()
    sent = [a.outcome_event("delivered", first.at) for a in first.due_actions]
    account = account.with_events(*first.record, *sent)
    d = decide_invoices(result.policy, account, datetime(2024, 12, 31, 12, tzinfo=UTC)).decision(
        "INV-1"
    )
    assert d.stage == "level_2"
    assert [(p.charge, str(p.amount)) for p in d.postings] == [("fee", "5.00 EUR")]


def test_a_dunning_fee_without_a_currency_needs_the_companys() -> None:
    with pytest.raises(ConfigError) as info:
        import_oca(FEES)
    assert "fees_3" in (info.value.key_path or "")
    assert "dunning_currency_id" in (info.value.key_path or "")


def test_each_invoice_climbs_ocas_levels_from_its_own_due_date() -> None:
    # OCA raises credit-control lines per invoice: the policy imports with ladder_per =
    # "invoice", and an invoice due 2024-12-20 starts at level 1 on its own dates while the
    # one due 2024-12-01 is already at level 2 (12-20 + 10 = 12-30; end of month of 12-20 +
    # 30 = 2025-01-31; + 10 = 2025-02-10).
    from datetime import UTC, datetime

    from overdue import Account, Invoice, Money
    from overdue.engine.debtors import debtor_timeline
    from overdue.engine.invoices import invoice_debtor

    policy = _import("credit_control_3_time").policy
    account = Account(
        "A-1",
        timezone="UTC",
        invoices=[
            Invoice("INV-1", Money("500.00", "EUR"), date(2024, 12, 1)),
            Invoice("INV-2", Money("200.00", "EUR"), date(2024, 12, 20)),
        ],
    )
    start = datetime(2024, 12, 1, tzinfo=UTC)
    got: dict[tuple[str, str], date] = {}
    for e in debtor_timeline(
        policy, invoice_debtor(account), start, datetime(2025, 3, 1, tzinfo=UTC)
    ):
        if e.kind == "stage_entered" and e.stage is not None:
            got.setdefault((e.debt_id, e.stage), e.at.astimezone(UTC).date())
    assert got == {
        ("INV-1", "level_1"): date(2024, 12, 11),
        ("INV-1", "level_2"): date(2024, 12, 31),
        ("INV-1", "level_3"): date(2025, 1, 10),
        ("INV-2", "level_1"): date(2024, 12, 30),
        ("INV-2", "level_2"): date(2025, 1, 31),
        ("INV-2", "level_3"): date(2025, 2, 10),
    }
