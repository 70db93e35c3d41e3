"""The pre-pass settles accounts without the engine: each settled row is the engine's row.

Accounts are generated straight as table rows, so the values the reader refuses (a blank id,
an unknown zone, a malformed amount, a lower-case currency, a payment naming no invoice, two
currencies, an invoice issued twice) and the histories the fold reorders (events out of order,
events after ``now``) are drawn too.  Each table is decided twice, with the pre-pass and with
every account through ``decide`` (``prepass=False``), and the rows must be the same but for
``source``.  The golden corpus's accounts and policies are checked the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, Invoice, Money, Policy
from overdue.events import (
    ContactAttempted,
    DisputeOpened,
    DisputeResolved,
    InvoiceIssued,
    ManualHold,
    PaymentReceived,
    PromiseToPay,
    StageEntered,
    WrittenOff,
)
from overdue.portfolio.arrow import ACCOUNTS_SCHEMA, accounts_to_table
from overdue.portfolio.kernel import decide_table, summary
from overdue.portfolio.prepass import (
    DUNNED_KINDS,
    SETTLES_KINDS,
    _by_columns,
    _candidates,
    _decisions,
    _settle_rows,
    _surely_overdue,
    _typed,
    dunned_for,
    enabled_for,
)
from overdue.rules.records import RecordRetention
from overdue.testing import strategies
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts

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
    # The ladder's kinds are left to the engine under these three (and a milestone rule).
    attrs.evolve(REFERENCE_POLICY, step_down="when_conditions_fail"),  # billing side
    attrs.evolve(REFERENCE_POLICY, ladder_per="invoice"),
    with_rule(REFERENCE_POLICY, RecordRetention("keep-rung", years=1, from_event="stage_entered")),
    # A milestone no settled history has: the ladder's kinds are settled, retain_until empty.
    with_rule(REFERENCE_POLICY, RecordRetention("keep-fact", years=1, from_event="fact:x")),
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


def pick_any(draw: st.DrawFn, good: list[Any], bad: list[Any]) -> Any:
    """Mostly a good value; a bad one now and then (hypothesis favours the ends of a range and
    shrinks towards its start: the bad values sit in the middle)."""
    if 45 <= draw(st.integers(0, 99)) < 50:
        return draw(st.sampled_from(bad))
    return draw(st.sampled_from(good))


pick = pick_any


def days(draw: st.DrawFn) -> date:
    if 45 <= draw(st.integers(0, 99)) < 50:
        return date.max
    return NOW.date() + timedelta(days=draw(st.integers(-3, 6)))


LADDER_KINDS = ["stage_entered", "contact", "contact", "promise_to_pay", "dispute_opened",
                "dispute_resolved", "write_off"]  # fmt: skip
# Kinds the pre-pass always leaves to the engine.
OTHER_KINDS = ["manual_hold", "opt_out", "stage_left", "debtor_contacted"]


def event(
    draw: st.DrawFn, currency: list[str], *, ladder: bool = False, dirty: bool = True
) -> dict[str, Any]:
    """One event row: mostly invoices and payments, or (``ladder``) mostly stage entries,
    contacts and promises; with bad values and other kinds now and then (when ``dirty``)."""

    def pick(draw: st.DrawFn, good: list[Any], bad: list[Any]) -> Any:
        return pick_any(draw, good, bad) if dirty else draw(st.sampled_from(good))

    if ladder:
        kind = pick(draw, LADDER_KINDS, OTHER_KINDS)
    else:
        kind = pick(draw, ["invoice_issued", "payment", "payment", *LADDER_KINDS], OTHER_KINDS)
    at = NOW + timedelta(hours=draw(st.integers(-24 * 6, 30)))
    ev: dict[str, Any] = {"kind": kind, "at": at}
    if kind in ("invoice_issued", "payment", "promise_to_pay"):
        ev.update(amount=pick(draw, AMOUNTS, BAD_AMOUNTS),
                  currency=pick(draw, currency, BAD_CURRENCIES))
    if kind == "invoice_issued":
        ev["invoice_id"] = pick(draw, IDS, BAD_IDS)
        ev["due"] = days(draw) if draw(st.integers(0, 11)) else None
    elif kind == "payment":
        ev["invoice_id"] = pick(draw, [None, None, None, "I1"], [" ", "I9"])
    elif kind == "promise_to_pay":
        ev["by"] = pick(draw, [NOW.date() + timedelta(days=3)], [None])
    elif kind == "contact":
        ev.update(
            channel=pick(draw, ["sms", "email"], [" ", None]),
            outcome=pick(draw, ["delivered", "no_answer", "conversation"], ["nope", None]),
            stage=pick(draw, [None, "reminder"], [" "]),
            step=pick(draw, [None, "sms-1"], [""]),
            template=draw(st.sampled_from([None, "t1"])),
            debt_ids=pick(draw, [None, [], ["D1"]], [[" "], [None]]),
            initiated_by=pick(draw, [None, "creditor", "debtor"], ["system"]),
            party=pick(draw, [None, "debtor", "third_party"], ["robot"]),
        )
    elif kind == "stage_entered":
        ev.update(
            stage=pick(draw, ["reminder", "courtesy_call", "formal_notice", "gone"], [" ", None]),
            policy_id=pick(draw, [None, "reference"], [""]),
            policy_version=pick(draw, [None, "1"], [" "]),
        )
    elif kind in ("dispute_opened", "dispute_resolved"):
        ev["dispute_id"] = pick(draw, [None, None, "d2"], [" "])
    elif kind == "manual_hold":
        ev["reason"] = "asked"
    elif kind in ("stage_left",):
        ev["stage"] = "reminder"
    elif kind in ("debtor_contacted", "opt_out"):
        ev["channel"] = "sms"
    return ev


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    currency = [draw(st.sampled_from(CURRENCIES))]
    invoices = [
        {"id": pick(draw, IDS, BAD_IDS), "amount": pick(draw, AMOUNTS, BAD_AMOUNTS),
         "currency": pick(draw, currency, BAD_CURRENCIES), "due": days(draw)}
        for _ in range(draw(st.integers(0, 2)))
    ]  # fmt: skip
    dirty = draw(st.integers(0, 2)) == 0  # a row with bad values and other kinds now and then
    events = []
    for _ in range(draw(st.integers(0, 4))):
        events.append(event(draw, currency, dirty=dirty))
    if draw(st.integers(0, 2)) == 0:
        # Dunned, then paid in full (or not quite): a bill, the ladder's own events, a payment.
        events.append({"kind": "invoice_issued", "at": NOW - timedelta(days=20),
                       "invoice_id": "D1", "amount": "30.00", "currency": currency[0],
                       "due": NOW.date() - timedelta(days=draw(st.integers(-2, 12)))})
        for _ in range(draw(st.integers(1, 4))):
            events.append(event(draw, currency, ladder=True, dirty=dirty))
        paid = draw(st.sampled_from(["30.00", "30", "45.5", "29.99"]))
        events.append({"kind": "payment", "at": NOW - timedelta(hours=draw(st.integers(-30, 60))),
                       "amount": paid, "currency": currency[0]})
        if draw(st.booleans()):
            events = draw(st.permutations(events))
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


DUNNED_DRAWN = ["stage_entered", "contact", "contact", "promise_to_pay", "dispute_opened",
                "dispute_resolved", "write_off"]  # fmt: skip


@st.composite
def dunned(draw: st.DrawFn) -> dict[str, Any]:
    """An account dunned and then paid (in full, or not quite, or more): one bill, the
    ladder's events (a bad value in one of them now and then), a payment, in any order."""
    cur = draw(st.sampled_from(CURRENCIES))
    t0 = NOW - timedelta(days=30)
    flawed = draw(st.integers(0, 3)) == 0  # one account in four may hold a bad value

    def odd(good: list[Any], bad: list[Any]) -> Any:
        return draw(st.sampled_from(bad if flawed and draw(st.integers(0, 5)) == 0 else good))

    events: list[dict[str, Any]] = [
        {"kind": "invoice_issued", "at": t0, "invoice_id": "D1", "amount": "30.00",
         "currency": cur, "due": NOW.date() - timedelta(days=draw(st.integers(-3, 20)))},
    ]  # fmt: skip
    for _ in range(draw(st.integers(1, 6))):
        at = t0 + timedelta(hours=draw(st.integers(1, 24 * 31)))
        kind = draw(st.sampled_from(DUNNED_DRAWN))
        ev: dict[str, Any] = {"kind": kind, "at": at}
        if kind == "stage_entered":
            ev.update(stage=odd(["reminder", "formal_notice", "retired"], [" "]),
                      policy_id=odd([None, "reference"], [" "]),
                      policy_version=odd([None, "2"], [""]),
                      debt_id=odd([None, "D1"], [" "]))  # fmt: skip
        elif kind == "contact":
            ev.update(channel=odd(["sms", "voice"], [""]),
                      outcome=odd(["delivered", "refused", "bounced"], ["lost"]),
                      stage=odd([None, "reminder"], [" "]), step=odd([None, "s1"], [" "]),
                      template=draw(st.sampled_from([None, "t"])),
                      debt_ids=odd([None, ["D1", "D2"]], [["D1", ""]]),
                      initiated_by=odd([None, "creditor", "debtor"], ["bot"]),
                      party=odd([None, "representative", "third_party"], ["x"]))  # fmt: skip
        elif kind in ("dispute_opened", "dispute_resolved"):
            ev["dispute_id"] = odd([None, None, "d2"], [""])
        else:
            ev.update(amount=odd(["30", "5.5"], ["-1"]), currency=odd([cur], ["EUR", "usd"]),
                      by=odd([NOW.date() + timedelta(days=2), NOW.date() - timedelta(days=9)],
                             [None]))  # fmt: skip
        events.append(ev)
    events.append({"kind": "payment", "at": NOW - timedelta(hours=draw(st.integers(-40, 90))),
                   "amount": draw(st.sampled_from(["30.00", "30", "31", "29.99"])),
                   "currency": cur})  # fmt: skip
    if draw(st.booleans()):
        events = draw(st.permutations(events))
    return {"id": "P-1", "timezone": draw(st.sampled_from(ZONES)), "events": events}


DUNNED_POLICIES = [POLICIES[0], POLICIES[2], POLICIES[3], POLICIES[5], POLICIES[8],
                   with_rule(POLICIES[3], RecordRetention("keep-5", years=5))]  # fmt: skip


@PROPS
@given(
    st.lists(dunned(), min_size=1, max_size=6),
    st.sampled_from(DUNNED_POLICIES),
    st.integers(-48, 48),
)
def test_dunned_then_paid_rows_are_the_engines(
    accounts: list[dict[str, Any]], policy: Policy, hours: int
) -> None:
    table = pa.Table.from_pylist(accounts, schema=ACCOUNTS_SCHEMA)
    out = same_rows(policy, table, NOW + timedelta(hours=hours))
    if policy.billing_side:  # stepping down may move the rung: the engine's
        assert "prepass" not in out.filter(pc.is_valid(out["stage"]))["source"].to_pylist()


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
        "NEW", "PAID", "DUE-TODAY", "LATER", "LADDER", "CONTACTED"
    }  # a rung on file or a contact does not make a bill due later overdue
    assert by_id["NEW"]["reasons"] == ["no_invoices"]
    assert (by_id["PAID"]["status"], by_id["PAID"]["balance"]) == ("resolved", "0.00")
    assert by_id["DUE-TODAY"]["reasons"] == ["not_overdue"]  # in the policy's assumed zone
    assert by_id["DUE-TODAY"]["zone"] == REFERENCE_POLICY.assumed_zone
    assert by_id["LATER"]["wake_at"] == datetime(2026, 5, 1, 16, tzinfo=UTC)  # midnight CST
    assert by_id["LADDER"]["stage"] == "reminder"
    assert summary(out)["settled"] == 6


def _dunned_history(t: datetime, paid: str = "80.00") -> tuple[Any, ...]:
    due = (t + timedelta(days=10)).date()
    return (
        InvoiceIssued(at=t, invoice_id="B1", amount=Money("80.00", "CNY"), due=due),
        StageEntered(at=t + timedelta(days=12), stage="reminder", policy_id="reference"),
        ContactAttempted(at=t + timedelta(days=12, hours=1), channel="sms",
                         outcome="delivered", stage="reminder", step="sms"),
        PromiseToPay(at=t + timedelta(days=14), amount=Money("80", "CNY"),
                     by=(t + timedelta(days=20)).date()),
        StageEntered(at=t + timedelta(days=15), stage="formal_notice"),
        ContactAttempted(at=t + timedelta(days=15, hours=2), channel="email",
                         outcome="no_answer", stage="formal_notice"),
        ContactAttempted(at=t + timedelta(days=16), channel="voice", outcome="conversation",
                         initiated_by="debtor"),
        PaymentReceived(at=t + timedelta(days=17), amount=Money(paid, "CNY")),
    )  # fmt: skip


def test_paid_after_dunning_is_settled() -> None:
    """Stage entries, contacts and a kept promise, then full payment: ``resolved`` from the
    columns, the rung on file stated, retention dated from the creditor's last contact; a
    write-off is settled too (``written_off``, first in the settled phase); a hold, an open
    dispute, billing-side and per-invoice policies go to the engine."""
    t = NOW - timedelta(days=40)
    history = _dunned_history(t)
    z = "Asia/Shanghai"
    accounts = [
        Account("DUNNED-PAID", timezone=z, events=history),
        Account("DUNNED-OWING", timezone=z, events=_dunned_history(t, paid="79.99")),
        Account("DUNNED-AHEAD", timezone=z, events=(
            *history, StageEntered(at=NOW + timedelta(days=2), stage="reminder"))),
        Account("WRITTEN-OFF", timezone=z, events=(*history, WrittenOff(at=t))),
        Account("HELD", timezone=z, events=(*history, ManualHold(at=t, reason="asked"))),
        Account("DISPUTED", timezone=z, events=(*history, DisputeOpened(at=t))),
        Account("DISPUTE-CLOSED", timezone=z, events=(
            *history, DisputeOpened(at=t), DisputeResolved(at=t + timedelta(days=1)))),
    ]  # fmt: skip
    keep = with_rule(REFERENCE_POLICY, RecordRetention("keep", years=3))
    out = same_rows(keep, accounts_to_table(accounts), NOW)
    rows = {r["account_id"]: r for r in out.to_pylist()}
    assert {k for k, r in rows.items() if r["source"] == "prepass"} == {
        "DUNNED-PAID", "DUNNED-AHEAD", "DISPUTE-CLOSED", "WRITTEN-OFF"
    }  # a dispute still open is stated by the engine's decision
    paid = rows["DUNNED-PAID"]
    assert (paid["status"], paid["reasons"], paid["stage"]) == (
        "resolved", ["paid_in_full"], "formal_notice"
    )
    assert paid["stage_since"] == t + timedelta(days=15)
    assert paid["retain_until"] == (t + timedelta(days=15, hours=2)).date().replace(
        year=t.year + 3
    )  # the creditor's last contact, not the debtor's call after it
    assert rows["DUNNED-AHEAD"]["wake_at"] == NOW + timedelta(days=2)
    assert (rows["WRITTEN-OFF"]["status"], rows["WRITTEN-OFF"]["reasons"]) == (
        "written_off", ["written_off"]
    )
    rung = with_rule(
        REFERENCE_POLICY, RecordRetention("r", years=2, from_event="stage_entered:reminder")
    )
    for policy in (POLICIES[5], POLICIES[6], POLICIES[7], rung):
        assert not dunned_for(policy)
        out = same_rows(policy, accounts_to_table(accounts[:1]), NOW)
        assert out["source"].to_pylist() == ["engine"]
    assert dunned_for(REFERENCE_POLICY)
    assert dunned_for(keep)
    assert dunned_for(POLICIES[8])


def test_a_bad_value_in_the_ladders_events_is_the_engines_error() -> None:
    """Each value the reader or the fold refuses in a stage entry, a contact or a promise
    leaves the account to the engine, which makes its error row."""
    t = NOW - timedelta(days=40)
    good = accounts_to_table([Account("GOOD", timezone="UTC", events=_dunned_history(t))])
    row = good.to_pylist()[0]
    flaws: list[tuple[int, str, Any]] = [
        (1, "stage", " "), (1, "policy_id", ""), (1, "policy_version", " "),
        (1, "debt_id", " "), (2, "channel", " "), (2, "outcome", "lost"), (2, "stage", ""),
        (2, "step", " "), (2, "debt_ids", ["D1", " "]), (2, "initiated_by", "bot"),
        (2, "party", "neighbour"), (3, "currency", "EUR"), (3, "amount", "0"),
        (3, "by", None), (3, "currency", "usd"),
    ]  # fmt: skip
    rows = []
    for n, (index, field, value) in enumerate(flaws):
        events = [dict(e) for e in row["events"]]
        events[index][field] = value
        rows.append({**row, "id": f"BAD-{n}", "events": events})
    table = pa.Table.from_pylist([row, *rows], schema=ACCOUNTS_SCHEMA)
    out = same_rows(REFERENCE_POLICY, table, NOW)
    assert out["source"].to_pylist() == ["prepass"] + ["engine"] * len(flaws)
    assert out["status"].to_pylist() == ["resolved"] + ["error"] * len(flaws)


def test_a_retention_rule_dated_from_a_payment_turns_it_off() -> None:
    assert enabled_for(REFERENCE_POLICY)
    assert not enabled_for(POLICIES[4])
    out = same_rows(POLICIES[4], accounts_to_table([Account("NEW")]), NOW)
    assert out["source"].to_pylist() == ["engine"]


def test_golden_corpus() -> None:
    """The golden corpus's accounts (a share of them trimmed to their invoices and payments,
    so that all three classes occur) under every golden policy at every golden moment."""
    accounts = generate_accounts(60)
    books = [
        attrs.evolve(a, id=f"{a.id}-books",
                     events=tuple(e for e in a.events if e.kind in ("invoice_issued", "payment")))
        for a in accounts[::2]
    ]  # fmt: skip
    table = accounts_to_table([*accounts, *books])
    settled = 0
    for policy in corpus_policies(ROOT / "examples" / "policies").values():
        for now in CORPUS_MOMENTS:
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


def test_an_error_row_does_not_depend_on_the_other_rows() -> None:
    """The reader builds events kind by kind in the order the kinds first occur in the whole
    table; the error it reports for an account is still its first bad event (it was the first
    kind met in the table, so the pre-pass, which sends the engine fewer rows, changed it)."""
    t = NOW - timedelta(days=3)
    bad = {"id": "BAD", "events": [
        {"kind": "stage_entered", "at": t, "stage": " "},
        {"kind": "contact", "at": t, "channel": " ", "outcome": "delivered"},
    ]}  # fmt: skip
    first = {"id": "FIRST", "events": [
        {"kind": "contact", "at": t, "channel": "sms", "outcome": "delivered"}]}  # fmt: skip
    for rows in ([bad], [first, bad]):
        table = pa.Table.from_pylist(rows, schema=ACCOUNTS_SCHEMA)
        out = decide_table(REFERENCE_POLICY, table, NOW, prepass=False).to_pylist()[-1]
        assert (out["status"], out["error_event_index"]) == ("error", 0)


@PROPS
@given(
    st.lists(st.one_of(rows(), dunned()), min_size=1, max_size=8),
    st.sampled_from(POLICIES),
    st.integers(-72, 72),
)
def test_rows_proven_overdue_over_the_columns_are_never_settled(
    accounts: list[dict[str, Any]], policy: Policy, hours: int
) -> None:
    # The column check only spares the row-by-row pass work: every row it proves overdue is
    # one that pass would not settle (whatever the zone, the values, the order of events).
    table = pa.Table.from_pylist(accounts, schema=ACCOUNTS_SCHEMA)
    now = NOW + timedelta(hours=hours)
    overdue = _surely_overdue(table, now)
    assert overdue is not None
    chosen, _ = _settle_rows(policy, table, now)
    assert not set(chosen) & set(pc.indices_nonzero(overdue).to_pylist())


def test_an_unpaid_bill_due_two_days_ago_is_proven_overdue_over_the_columns() -> None:
    bill = {"kind": "invoice_issued", "at": NOW - timedelta(days=20), "invoice_id": "D1",
            "amount": "30.00", "currency": "CNY", "due": NOW.date() - timedelta(days=2)}
    contact = {"kind": "contact", "at": NOW - timedelta(days=1), "channel": "sms",
               "outcome": "delivered"}
    paid = {"kind": "payment", "at": NOW - timedelta(days=1), "amount": "1", "currency": "CNY"}
    later = {**bill, "at": NOW + timedelta(hours=1)}  # issued after now: not folded yet
    recent = {**bill, "due": NOW.date() - timedelta(days=1)}  # may be today somewhere
    table = pa.Table.from_pylist(
        [{"id": f"A-{i}", "events": ev} for i, ev in enumerate(
            [[bill, contact], [bill, paid], [later], [recent], [contact],
             [bill, {**contact, "kind": "write_off"}]])],
        schema=ACCOUNTS_SCHEMA,
    )  # fmt: skip
    overdue = _surely_overdue(table, NOW)
    assert overdue is not None
    assert overdue.to_pylist() == [True, False, False, False, False, False]
    assert _surely_overdue(table, datetime(1, 1, 1, 12, tzinfo=UTC)) is None


# --------------------------------------------------------------------------- over the columns

PLACES = {0: ["10", "3", "250"], 1: ["0.5", "12.5", "7.0"], 2: ["10.00", "0.10", "7.05", "250.50"]}
# Amounts the columns leave to the row pass (other decimal places, blanks, exponents) or that
# the reader refuses.
ODD_AMOUNTS = ["10.000", " 7.50", "1E+2", "+5", "0.00", "-1.00", "1_0"]


@st.composite
def books_row(draw: st.DrawFn) -> dict[str, Any]:
    """An account of invoices and payments only, mostly clean (one currency, one number of
    decimal places): bills issued in and out of due order, credits, named payments, events
    after ``now``, in any order; an odd amount or name now and then."""
    cur = draw(st.sampled_from(CURRENCIES))
    places = PLACES[draw(st.integers(0, 2))]

    def amount() -> Any:
        return pick_any(draw, places, ODD_AMOUNTS)

    def due() -> date:
        return NOW.date() + timedelta(days=draw(st.integers(-40, 40)))

    def at() -> datetime:
        return NOW + timedelta(hours=draw(st.integers(-24 * 60, 48)))

    invoices = [
        {"id": pick_any(draw, IDS, BAD_IDS), "amount": amount(), "currency": cur, "due": due()}
        for _ in range(draw(st.integers(0, 2)))
    ]
    events: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            events.append({"kind": "invoice_issued", "at": at(), "invoice_id":
                           pick_any(draw, IDS, BAD_IDS), "amount": amount(),
                           "currency": cur, "due": due()})  # fmt: skip
        else:
            events.append({"kind": "payment", "at": at(), "amount": amount(), "currency":
                           pick_any(draw, [cur], BAD_CURRENCIES), "invoice_id":
                           pick_any(draw, [None], ["I1", " "])})  # fmt: skip
    if draw(st.booleans()):
        events.sort(key=lambda e: e["at"])
    return {
        "id": pick_any(draw, ["B-1", "账户-2"], BAD_IDS),
        "timezone": pick_any(draw, ZONES, BAD_ZONES),
        "address_timezone": draw(st.sampled_from([None, None, "Europe/Berlin"])),
        "contacts": [
            {"channel": "sms", "address": pick_any(draw, ["+86138"], [" "])}
            for _ in range(draw(st.integers(0, 1)))
        ],
        "invoices": invoices,
        "events": events,
    }


def columns_agree(policy: Policy, table: pa.Table, now: datetime) -> tuple[set[int], set[int]]:
    """The pass over the columns against the row pass, row by row: each row the columns
    settle, the row pass settles with the same decision; each candidate they send to the
    engine, the row pass does not settle.  Returns (settled by the columns, left to the row
    pass)."""
    if not enabled_for(policy):
        return set(), set()
    kinds = SETTLES_KINDS + DUNNED_KINDS if dunned_for(policy) else SETTLES_KINDS
    candidates = _candidates(table, kinds).to_numpy(zero_copy_only=False)
    rows, rest, done = _by_columns(policy, table, now, candidates)
    chosen, cols = _settle_rows(policy, table, now)
    expected = _decisions(policy, now, _typed(cols), len(chosen))
    where = {r: i for i, r in enumerate(chosen)}
    assert set(rows.tolist()) <= set(chosen)
    picked = pa.array([where[r] for r in rows.tolist()], pa.int64())
    assert done.to_pylist() == expected.take(picked).to_pylist()
    engine = set(np.flatnonzero(candidates).tolist()) - set(rows.tolist()) - set(rest.tolist())
    assert not engine & set(chosen)
    assert not set(rest.tolist()) - set(np.flatnonzero(candidates).tolist())
    return set(rows.tolist()), set(rest.tolist())


@PROPS
@given(
    st.lists(st.one_of(books_row(), rows(), dunned()), min_size=1, max_size=8),
    st.sampled_from(POLICIES),
    st.integers(-48, 48),
)
def test_the_columns_settle_as_the_row_pass(
    accounts: list[dict[str, Any]], policy: Policy, hours: int
) -> None:
    table = pa.Table.from_pylist(accounts, schema=ACCOUNTS_SCHEMA)
    columns_agree(policy, table, NOW + timedelta(hours=hours))


@PROPS
@given(
    st.lists(books_row(), min_size=1, max_size=8),
    st.sampled_from(POLICIES),
    st.integers(-48, 48),
)
def test_books_rows_are_the_engines(
    accounts: list[dict[str, Any]], policy: Policy, hours: int
) -> None:
    table = pa.Table.from_pylist(accounts, schema=ACCOUNTS_SCHEMA)
    same_rows(policy, table, NOW + timedelta(hours=hours))


def test_what_the_columns_prove() -> None:
    """Clean books are settled over the columns (a credit carried to a later bill, a bill not
    due yet after paid ones, a payment before any bill); bills issued out of due order with
    something owed, and odd amounts, go to the row pass; a partly paid overdue account on the
    ladder goes to the engine."""
    t = NOW - timedelta(days=20)
    soon, past = NOW.date() + timedelta(days=5), NOW.date() - timedelta(days=10)

    def bill(name: str, at: datetime, due: date, amount: str = "50.00") -> dict[str, Any]:
        return {"kind": "invoice_issued", "at": at, "invoice_id": name, "amount": amount,
                "currency": "CNY", "due": due}  # fmt: skip

    def pay(at: datetime, amount: str) -> dict[str, Any]:
        return {"kind": "payment", "at": at, "amount": amount, "currency": "CNY"}

    stage = {"kind": "stage_entered", "at": t + timedelta(days=11), "stage": "reminder"}
    histories = [
        [bill("A", t, past), pay(t, "80.00"), bill("B", t + timedelta(days=1), soon)],
        [bill("A", t, past), pay(t, "50.00"), bill("B", t + timedelta(days=1), soon)],
        [pay(t, "5.00")],
        [bill("A", t, soon), pay(t, "50.00"),  # B is due first, issued after A was paid
         bill("B", t + timedelta(days=1), soon - timedelta(days=2))],
        [bill("A", t, soon, " 50.00")],  # blanks around: the row pass reads them
        [bill("A", t, past), stage, pay(t + timedelta(days=12), "20.00")],  # overdue
    ]
    table = pa.Table.from_pylist(
        [{"id": f"A-{i}", "timezone": "Asia/Shanghai", "events": ev}
         for i, ev in enumerate(histories)], schema=ACCOUNTS_SCHEMA)  # fmt: skip
    settled, rest = columns_agree(REFERENCE_POLICY, table, NOW)
    assert (settled, rest) == ({0, 1, 2}, {3, 4})
    out = same_rows(REFERENCE_POLICY, table, NOW).to_pylist()
    assert [r["balance"] for r in out[:3]] == ["20.00", "50.00", "0.00"]
    assert [r["source"] for r in out] == ["prepass"] * 5 + ["engine"]
