"""The pre-pass settles accounts without the engine: each settled row is the engine's row.

Accounts are generated straight as table rows, so the values the reader refuses (a blank id,
an unknown zone, a malformed amount, a lower-case currency, a payment naming no invoice, two
currencies, an invoice issued twice) and the histories the fold reorders (events out of order,
events after ``now``) are drawn too.  Each table is decided twice, with the pre-pass and with
every account through ``decide`` (``prepass=False``), and the rows must be the same but for
``source``.  The golden corpus's accounts and policies are checked the same way.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, Invoice, Money, Policy
from overdue.events import ContactAttempted, InvoiceIssued, PaymentReceived, StageEntered
from overdue.portfolio.arrow import ACCOUNTS_SCHEMA, accounts_to_table
from overdue.portfolio.kernel import decide_table, summary
from overdue.portfolio.prepass import enabled_for
from overdue.rules.records import RecordRetention
from overdue.testing import strategies

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 4, 1, 2, tzinfo=UTC)


def with_rule(policy: Policy, rule: RecordRetention) -> Policy:
    return attrs.evolve(policy, rules=(*policy.rules, rule))


POLICIES = [
    REFERENCE_POLICY,
    attrs.evolve(REFERENCE_POLICY, assumed_zone="America/New_York"),
    attrs.evolve(REFERENCE_POLICY, assumed_zone=None),  # reason zone_unknown, days in UTC
    with_rule(REFERENCE_POLICY, RecordRetention("keep", years=3)),  # from the last contact
    with_rule(REFERENCE_POLICY, RecordRetention("keep-pay", years=2, from_event="payment")),
]


def same_rows(policy: Policy, table: pa.Table, now: datetime) -> pa.Table:
    fast = decide_table(policy, table, now)
    slow = decide_table(policy, table, now, prepass=False)
    assert fast.drop_columns(["source"]).to_pylist() == slow.drop_columns(["source"]).to_pylist()
    assert set(slow["source"].to_pylist()) <= {"engine"}
    s = summary(fast)
    assert s["accounts"] == s["decided"] + s["carried"] + s["failed"] == table.num_rows
    return fast


ZONES = [None, "Asia/Shanghai", "America/New_York", "UTC", "Pacific/Kiritimati", "Etc/GMT+12"]
AMOUNTS = ["10", "10.00", "0.10", "250.5", "1E+2", "99999999999999999999999.999", " 7.5 "]
CURRENCIES = ["CNY", "USD"]
IDS = ["I1", "I2", "I3", "I4", "I5", "I6", "I7"]
# What the reader refuses, drawn now and then in place of a good value.
BAD_ZONES = ["Not/AZone", ""]
BAD_AMOUNTS = ["0", "-5", "abc", "NaN", "Infinity", None]
BAD_CURRENCIES = ["cny", "XYZ", None, "EUR"]  # EUR: a second currency on the account
BAD_IDS = [" ", "", None]


def pick(draw: st.DrawFn, good: list[Any], bad: list[Any]) -> Any:
    """Mostly a good value; a bad one now and then (hypothesis favours the ends of a range and
    shrinks towards its start: the bad values sit in the middle)."""
    if 45 <= draw(st.integers(0, 99)) < 50:
        return draw(st.sampled_from(bad))
    return draw(st.sampled_from(good))


def days(draw: st.DrawFn) -> date:
    if 45 <= draw(st.integers(0, 99)) < 50:
        return date.max
    return NOW.date() + timedelta(days=draw(st.integers(-3, 6)))


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    currency = [draw(st.sampled_from(CURRENCIES))]
    invoices = [
        {"id": pick(draw, IDS, BAD_IDS), "amount": pick(draw, AMOUNTS, BAD_AMOUNTS),
         "currency": pick(draw, currency, BAD_CURRENCIES), "due": days(draw)}
        for _ in range(draw(st.integers(0, 2)))
    ]  # fmt: skip
    events = []
    for _ in range(draw(st.integers(0, 4))):
        kind = pick(draw, ["invoice_issued", "payment", "payment"], ["contact", "stage_entered"])
        at = NOW + timedelta(hours=draw(st.integers(-24 * 6, 30)))
        ev: dict[str, Any] = {"kind": kind, "at": at,
                              "amount": pick(draw, AMOUNTS, BAD_AMOUNTS),
                              "currency": pick(draw, currency, BAD_CURRENCIES)}  # fmt: skip
        if kind == "invoice_issued":
            ev["invoice_id"] = pick(draw, IDS, BAD_IDS)
            ev["due"] = days(draw) if draw(st.integers(0, 11)) else None
        elif kind == "payment":
            ev["invoice_id"] = pick(draw, [None, None, None, "I1"], [" ", "I9"])
        elif kind == "contact":
            ev.update(channel="sms", outcome="delivered", amount=None, currency=None)
        else:
            ev.update(stage="reminder", amount=None, currency=None)
        events.append(ev)
    contacts = [
        {"channel": pick(draw, ["sms"], [" "]), "address": "+8613800000000"}
        for _ in range(draw(st.integers(0, 1)))
    ]
    return {
        "id": pick(draw, ["A-1", "A-2", "A-3"], BAD_IDS),
        "timezone": pick(draw, ZONES, BAD_ZONES),
        "address_timezone": pick(draw, ZONES, BAD_ZONES),
        "contacts": contacts,
        "invoices": invoices,
        "events": events,
    }


@PROPS
@given(
    st.lists(rows(), min_size=1, max_size=8),
    st.sampled_from(POLICIES),
    st.integers(-48, 48),
)
def test_settled_rows_are_the_engines(
    accounts: list[dict[str, Any]], policy: Policy, hours: int
) -> None:
    table = pa.Table.from_pylist(accounts, schema=ACCOUNTS_SCHEMA)
    same_rows(policy, table, NOW + timedelta(hours=hours))


@PROPS
@given(st.data())
def test_generated_accounts_and_policies(data: st.DataObject) -> None:
    """The library's own account and policy generators (ladder histories: mostly not settled)."""
    policy = data.draw(st.one_of(st.just(REFERENCE_POLICY), strategies.policies()))
    accounts = data.draw(st.lists(strategies.accounts(policy=policy), min_size=1, max_size=5))
    now = data.draw(
        st.datetimes(datetime(2025, 6, 1), datetime(2026, 9, 1), timezones=st.just(UTC))
    )
    same_rows(policy, accounts_to_table(accounts), now)


def test_the_three_classes_are_settled() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    due = NOW.astimezone(shanghai).date()
    bill = InvoiceIssued(at=NOW - timedelta(days=9), invoice_id="B1",
                         amount=Money("80.00", "CNY"), due=due)  # fmt: skip
    accounts = [
        Account("NEW", timezone="Asia/Shanghai"),  # nothing invoiced
        Account("PAID", timezone="Asia/Shanghai", events=(
            bill, PaymentReceived(at=NOW - timedelta(days=1), amount=Money("80", "CNY")))),
        Account("DUE-TODAY", events=(bill,)),  # no zone, the policy assumes none
        Account("LATER", timezone="Asia/Shanghai",
                invoices=(Invoice("I", Money("5.00", "CNY"), due + timedelta(days=30)),)),
        Account("OVERDUE", timezone="Asia/Shanghai",
                invoices=(Invoice("I", Money("5.00", "CNY"), due - timedelta(days=1)),)),
        Account("LADDER", timezone="Asia/Shanghai", events=(
            bill, StageEntered(at=NOW - timedelta(days=1), stage="reminder"))),
        Account("CONTACTED", timezone="Asia/Shanghai", events=(
            bill, ContactAttempted(at=NOW - timedelta(days=1), channel="sms",
                                   outcome="delivered"))),
    ]  # fmt: skip
    out = same_rows(REFERENCE_POLICY, accounts_to_table(accounts), NOW)
    by_id = {r["account_id"]: r for r in out.to_pylist()}
    assert {k for k, r in by_id.items() if r["source"] == "prepass"} == {
        "NEW", "PAID", "DUE-TODAY", "LATER"
    }
    assert by_id["NEW"]["reasons"] == ["no_invoices"]
    assert (by_id["PAID"]["status"], by_id["PAID"]["balance"]) == ("resolved", "0.00")
    assert by_id["DUE-TODAY"]["reasons"] == ["not_overdue"]  # in the policy's assumed zone
    assert by_id["DUE-TODAY"]["zone"] == REFERENCE_POLICY.assumed_zone
    assert by_id["LATER"]["wake_at"] == datetime(2026, 5, 1, 16, tzinfo=UTC)  # midnight CST
    assert summary(out)["settled"] == 4


def test_a_retention_rule_dated_from_a_payment_turns_it_off() -> None:
    assert enabled_for(REFERENCE_POLICY)
    assert not enabled_for(POLICIES[4])
    out = same_rows(POLICIES[4], accounts_to_table([Account("NEW")]), NOW)
    assert out["source"].to_pylist() == ["engine"]


def _golden() -> Any:
    path = ROOT / "benchmarks" / "golden.py"
    spec = importlib.util.spec_from_file_location("overdue_golden", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["overdue_golden"] = module
    spec.loader.exec_module(module)
    return module


def test_golden_corpus() -> None:
    """The golden corpus's accounts (a share of them trimmed to their invoices and payments,
    so that all three classes occur) under every golden policy at every golden moment."""
    golden = _golden()
    accounts = golden.accounts(60)
    books = [
        attrs.evolve(a, id=f"{a.id}-books",
                     events=tuple(e for e in a.events if e.kind in ("invoice_issued", "payment")))
        for a in accounts[::2]
    ]  # fmt: skip
    table = accounts_to_table([*accounts, *books])
    settled = 0
    for policy in golden.policies().values():
        for now in golden.NOWS:
            out = same_rows(policy, table, now)
            settled += pc.sum(pc.equal(out["source"], "prepass")).as_py() or 0
    assert settled > 0


def test_the_fold_order_and_its_credit_are_the_engines() -> None:
    """Two histories where the books depend on the fold's own rules: events recorded out of
    order are folded by their time, and a credit left by an overpayment settles the next
    invoice and what is left of it settles the one after."""
    t = NOW - timedelta(days=5)
    due = NOW.date() + timedelta(days=3)

    def bill(name: str, at: datetime) -> InvoiceIssued:
        return InvoiceIssued(at=at, invoice_id=name, amount=Money("50.00", "CNY"), due=due)

    late = Account("LATE-ENTRY", timezone="Asia/Shanghai", events=(
        PaymentReceived(at=t + timedelta(hours=2), amount=Money("100.00", "CNY")),
        bill("A", t), bill("B", t + timedelta(hours=3))))  # fmt: skip
    credit = Account("CREDIT", timezone="Asia/Shanghai", events=(
        bill("A", t), PaymentReceived(at=t + timedelta(hours=1), amount=Money("150.00", "CNY")),
        bill("B", t + timedelta(hours=2)), bill("C", t + timedelta(hours=3))))  # fmt: skip
    out = same_rows(REFERENCE_POLICY, accounts_to_table([late, credit]), NOW)
    rows = {r["account_id"]: r for r in out.to_pylist()}
    assert rows["LATE-ENTRY"]["source"] == rows["CREDIT"]["source"] == "prepass"
    assert (rows["LATE-ENTRY"]["status"], rows["LATE-ENTRY"]["balance"]) == ("resolved", "0.00")
    assert (rows["CREDIT"]["status"], rows["CREDIT"]["balance"]) == ("resolved", "0.00")
