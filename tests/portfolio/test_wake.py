"""The wake index: keeping previous decisions gives the same table as deciding everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, ContactPoint, Money, Policy
from overdue.events import ContactAttempted, Event, PaymentReceived, StageEntered
from overdue.portfolio.arrow import DECISIONS_SCHEMA, accounts_to_table
from overdue.portfolio.kernel import decide_table, summary
from overdue.portfolio.wake import Previous, carry_over
from overdue.testing import strategies

PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ``at`` and ``days_overdue`` say when a kept row was decided; ``source`` says it was kept.
WHEN = ["at", "days_overdue", "source"]


def same_rows(policy: Policy, accounts: list[Account], t0: datetime, t1: datetime,
              later: list[Account] | None = None) -> tuple[int, int]:
    before = decide_table(policy, accounts_to_table(accounts), t0)
    now_table = accounts_to_table(later if later is not None else accounts)
    kept = decide_table(policy, now_table, t1, previous=before)
    full = decide_table(policy, now_table, t1)
    assert kept.drop_columns(WHEN).to_pylist() == full.drop_columns(WHEN).to_pylist()
    assert kept["at"].to_pylist() != [] or not accounts
    s = summary(kept)
    assert s["accounts"] == s["decided"] + s["carried"] + s["failed"]
    return s["carried"], s["accounts"]


@st.composite
def nights(draw: st.DrawFn) -> tuple[Policy, list[Account], datetime, datetime]:
    policy = draw(st.one_of(st.just(REFERENCE_POLICY), strategies.policies()))
    accounts = draw(st.lists(strategies.accounts(policy=policy), min_size=1, max_size=5))
    t0 = draw(st.datetimes(datetime(2026, 1, 1), datetime(2026, 5, 1), timezones=st.just(UTC)))
    gap = draw(st.sampled_from([timedelta(minutes=5), timedelta(hours=6), timedelta(days=1),
                                timedelta(days=3), timedelta(days=20)]))  # fmt: skip
    return policy, accounts, t0, t0 + gap


@PROPS
@given(nights())
def test_keeping_decisions_equals_deciding_everything(
    case: tuple[Policy, list[Account], datetime, datetime],
) -> None:
    same_rows(*case)


@st.composite
def news(draw: st.DrawFn, account: Account, t0: datetime, t1: datetime) -> Account:
    """The host records something between the two runs (or dated before the first)."""
    at = draw(st.sampled_from([t0 - timedelta(days=1), t0, t1 - timedelta(minutes=1), t1]))
    currency = next((e.amount.currency for e in account.events if hasattr(e, "amount")), "CNY")
    event: Event = draw(
        st.sampled_from(
            [
                PaymentReceived(at=at, amount=Money("10.00", currency)),
                ContactAttempted(at=at, channel="sms", outcome="delivered"),
                StageEntered(at=at, stage="reminder"),
            ]
        )
    )
    return account.with_events(event)


@PROPS
@given(nights(), st.data())
def test_news_between_runs_is_never_missed(
    case: tuple[Policy, list[Account], datetime, datetime], data: st.DataObject
) -> None:
    policy, accounts, t0, t1 = case
    later = [data.draw(news(a, t0, t1)) if data.draw(st.booleans()) else a for a in accounts]
    same_rows(policy, accounts, t0, t1, later)


def test_repeated_ids_are_decided_again() -> None:
    from overdue.simulate import generate_portfolio

    a, b = generate_portfolio(2, seed=3)
    twin = Account(a.id, timezone=a.timezone, invoices=b.invoices, contacts=a.contacts)
    t0 = datetime(2025, 12, 1, tzinfo=UTC)
    carried, _ = same_rows(REFERENCE_POLICY, [a, twin], t0, t0 + timedelta(days=1))
    assert carried == 0


def test_a_held_account_keeps_its_row() -> None:
    """A step blocked by an open-ended hold waits for the fact that lifts it: the decision is
    the same at every hour (the held-wake fix of issue 15), so the row is kept.  Before the fix
    its blocked steps' reasons (and so its wake time) followed the contact hours; the property
    test found that, and this account is the example."""
    from overdue.events import DisputeOpened, InvoiceIssued

    start = datetime(2026, 1, 1, tzinfo=UTC)
    held = Account(
        "A-HELD",
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", "+8613800000000"),),
        events=(
            InvoiceIssued(at=start, invoice_id="I", amount=Money("50.00", "CNY"),
                          due=start.date()),
            StageEntered(at=start, stage="reminder"),
            DisputeOpened(at=start, dispute_id="D1"),
        ),
    )  # fmt: skip
    t0 = datetime(2026, 1, 2, 7, tzinfo=UTC)  # 15:00 in Shanghai, inside contact hours
    for gap in (timedelta(hours=6), timedelta(hours=14), timedelta(days=2)):
        carried, _ = same_rows(REFERENCE_POLICY, [held], t0, t0 + gap)
        assert carried == 1


def test_a_quiet_night_keeps_most_rows() -> None:
    from overdue.simulate import generate_portfolio

    accounts = generate_portfolio(40, seed=3)
    t0 = datetime(2025, 12, 1, tzinfo=UTC)  # nothing is due yet: every account waits
    carried, total = same_rows(REFERENCE_POLICY, accounts, t0, t0 + timedelta(days=1))
    assert carried == total == 40



IDS = st.one_of(st.none(), st.sampled_from(["A", "B", "C", "D", "E", "F", "G"]))


def _decisions_with_ids(ids: list[str | None]) -> pa.Table:
    columns = [pa.array(ids, pa.string()) if f.name == "account_id" else pa.nulls(len(ids), f.type)
               for f in DECISIONS_SCHEMA]  # fmt: skip
    return pa.table(columns, schema=DECISIONS_SCHEMA)


@PROPS
@given(st.lists(IDS, max_size=12), st.lists(IDS, max_size=60))
def test_a_previous_made_ready_finds_the_rows_index_in_finds(
    batch: list[str | None], previous: list[str | None]
) -> None:
    # Whichever way round the lookup goes (many previous rows per batch row: the batch's ids
    # are hashed), each id gets the row ``index_in`` gives: the first with that id, or null.
    ids = pa.array(batch, pa.string())
    ready = Previous(_decisions_with_ids(previous))
    counts = pc.value_counts(ids)
    repeated = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    got = ready.rows_of(ids, repeated)
    assert got.type == pa.int32()
    assert got.to_pylist() == pc.index_in(ids, value_set=ready.ids).to_pylist()


def test_a_previous_made_ready_once_keeps_what_a_table_keeps() -> None:
    # One previous table for several batches (the CLI's way) against each batch on its own.
    from overdue.simulate import generate_portfolio

    accounts = generate_portfolio(40, seed=11)
    t0 = datetime(2025, 12, 1, tzinfo=UTC)
    t1 = t0 + timedelta(days=1)
    before = decide_table(REFERENCE_POLICY, accounts_to_table(accounts), t0)
    ready = Previous(before)
    for part in (accounts[:5], accounts[5:6], accounts[6:]):  # 35 and 40 previous rows per row
        table = accounts_to_table(part)
        once = decide_table(REFERENCE_POLICY, table, t1, previous=ready)
        assert once.equals(decide_table(REFERENCE_POLICY, table, t1, previous=before))
        keep, where = carry_over(REFERENCE_POLICY, table, ready, t1)
        assert (keep, where) == carry_over(REFERENCE_POLICY, table, before, t1)
    assert summary(decide_table(REFERENCE_POLICY, accounts_to_table(accounts[:5]), t1,
                                previous=ready))["carried"] > 0  # fmt: skip
