"""A second night reads the event text fields dictionary-encoded and decodes only the accounts
the wake index does not keep: the decisions must be the very table of a plain read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, Money, Policy
from overdue.events import InvoiceIssued, PaymentReceived
from overdue.portfolio import commands
from overdue.portfolio.arrow import ACCOUNTS_SCHEMA, accounts_from_table, accounts_to_table, conform
from overdue.portfolio.commands import _batches, _group, _plan
from overdue.portfolio.kernel import decide_table
from overdue.testing import strategies

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip


def _read(path: Path, encoded: bool) -> pa.Table:
    return pa.concat_tables(list(_batches(str(path), encoded=encoded)))


def test_encoded_read_keeps_text_encoded_until_conformed(
    tmp_path: Path, rich_account: Account
) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(accounts_to_table([rich_account, rich_account]), path)
    encoded, plain = _read(path, True), _read(path, False)
    kinds = encoded["events"].type.value_type.field("kind").type
    assert pa.types.is_dictionary(kinds)
    assert plain.schema.equals(ACCOUNTS_SCHEMA, check_metadata=False)
    assert conform(encoded).equals(plain)
    assert accounts_from_table(conform(encoded)) == [rich_account, rich_account]


@st.composite
def nights(draw: st.DrawFn) -> tuple[Policy, list[Account], datetime, datetime]:
    policy = draw(st.one_of(st.just(REFERENCE_POLICY), strategies.policies()))
    accounts = draw(st.lists(strategies.accounts(policy=policy), min_size=1, max_size=5))
    t0 = draw(st.datetimes(datetime(2026, 1, 1), datetime(2026, 5, 1), timezones=st.just(UTC)))
    gap = draw(st.sampled_from([timedelta(hours=6), timedelta(days=1), timedelta(days=20)]))
    return policy, accounts, t0, t0 + gap


@PROPS
@given(nights())
def test_second_night_on_encoded_text_equals_plain(
    tmp_path: Path, case: tuple[Policy, list[Account], datetime, datetime]
) -> None:
    policy, accounts, t0, t1 = case
    path = tmp_path / "accounts.parquet"
    pq.write_table(accounts_to_table(accounts), path)
    first = decide_table(policy, _read(path, False), t0)
    plain = decide_table(policy, _read(path, False), t1, previous=first)
    encoded = decide_table(policy, _read(path, True), t1, previous=first)
    assert encoded.equals(plain)


def _events_read(path: Path) -> set[str]:
    """The event fields the reader decodes from ``path``."""
    columns = _plan(str(path), encoded=False).columns
    everything = ACCOUNTS_SCHEMA.field("events").type.value_type.names
    return set(everything if columns is None else [c.split(".")[3] for c in columns
                                                   if c.startswith("events.")])


def test_event_fields_without_a_value_are_not_read_and_come_back_null(tmp_path: Path) -> None:
    # Invoices and payments only: the file's statistics prove the other kinds' columns null
    # (``hold``, ``reason`` ...), so they are not decoded, and conform puts the same nulls in
    # their place.
    t0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
    books = Account(
        "A-1",
        timezone="Europe/Paris",
        events=(
            InvoiceIssued(at=t0, invoice_id="I-1", amount=Money("50.00", "EUR"),
                          due=date(2026, 3, 20)),
            PaymentReceived(at=t0 + timedelta(days=3), amount=Money("20.00", "EUR")),
        ),
    )  # fmt: skip
    path = tmp_path / "a.parquet"
    pq.write_table(accounts_to_table([books, books]), path)
    fields = _events_read(path)
    assert not {"hold", "reason"} & fields
    assert {"kind", "at", "amount", "invoice_id", "due"} <= fields
    for encoded in (False, True):
        assert conform(_read(path, encoded)).equals(conform(pq.read_table(path)))
    assert accounts_from_table(conform(_read(path, True))) == [books, books]


def test_a_field_with_a_value_in_any_row_group_is_read(
    tmp_path: Path, rich_account: Account
) -> None:
    # Two row groups: the field is null in the first and set in the second.
    path = tmp_path / "a.parquet"
    plain = accounts_to_table([rich_account])
    events = plain["events"].combine_chunks()
    flat = events.flatten()
    struct = flat.type
    i = struct.get_field_index("reason")
    children = [flat.field(k) for k in range(struct.num_fields)]
    children[i] = pa.array(["late fee"] * len(flat), pa.string())
    marked = pa.ListArray.from_arrays(
        events.offsets, pa.StructArray.from_arrays(children, fields=list(struct))
    )
    second = plain.set_column(plain.schema.get_field_index("events"), "events", marked)
    with pq.ParquetWriter(path, plain.schema) as writer:
        writer.write_table(plain)
        writer.write_table(second)
    assert pq.ParquetFile(path).metadata.num_row_groups == 2
    assert "reason" in _events_read(path)
    for encoded in (False, True):
        assert conform(_read(path, encoded)).equals(conform(pq.read_table(path)))


@PROPS
@given(st.lists(strategies.accounts(), min_size=1, max_size=5))
def test_reading_by_plan_equals_reading_everything(
    tmp_path: Path, accounts: list[Account]
) -> None:
    path = tmp_path / "accounts.parquet"
    pq.write_table(accounts_to_table(accounts), path)
    whole = conform(pq.read_table(path))
    for encoded in (False, True):
        assert conform(_read(path, encoded)).equals(whole)


def test_a_row_group_that_cannot_be_read_encoded_is_read_again_plainly(
    tmp_path: Path, rich_account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A dictionary that fills up mid-way can make pyarrow refuse the encoded read after some
    # batches: the rest of the row group comes from a plain read, no row twice or lost.
    path = tmp_path / "a.parquet"
    accounts = [attrs.evolve(rich_account, id=f"A-{i}") for i in range(5)]
    pq.write_table(accounts_to_table(accounts), path)
    monkeypatch.setattr(commands, "BATCH_ROWS", 2)
    plan = _plan(str(path), encoded=True)
    encoded = pq.ParquetFile(str(path), read_dictionary=plan.dictionary)

    class Refusing:
        def iter_batches(self, **kw: object) -> Iterator[pa.RecordBatch]:
            batches = encoded.iter_batches(**kw)  # type: ignore[arg-type]
            yield next(batches)
            raise pa.ArrowNotImplementedError("chunked array outputs")

    got = list(_group(Refusing(), 0, plan, str(path)))  # type: ignore[arg-type]
    assert [b.num_rows for b in got] == [2, 2, 1]
    table = conform(pa.Table.from_batches(got[:1]))
    rest = conform(pa.Table.from_batches(got[1:]))
    assert pa.concat_tables([table, rest]).equals(conform(pq.read_table(path)))
