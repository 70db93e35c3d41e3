"""The readers' positional constructor gives what the keyword call gives: the same value, or
the same error (type and message), whatever the values, good or bad."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overdue.account import Account, ContactPoint, Invoice
from overdue.durations import Duration
from overdue.errors import OverdueError
from overdue.events import EVENT_KINDS, ContactAttempted, Outcome
from overdue.money import Money
from overdue.portfolio._construct import ColumnKind, constructor, many

AT = datetime(2026, 3, 9, 9, 1, tzinfo=timezone(timedelta(hours=8)))

# Values of every shape the readers hand over, and many they never should.
POOL: list[Any] = [
    None, "", " ", " x", "x", "sms", "delivered", "debtor", "creditor", "third_party",
    "perform", "undo", "fee", "interest", "mobile", "Asia/Shanghai", "Mars/Base", 0, 1, 2, -1,
    True, False, 1.5, AT, AT.replace(tzinfo=None), datetime(2026, 3, 10, tzinfo=UTC),
    datetime(2026, 3, 1, tzinfo=ZoneInfo("Europe/Berlin")), date(2026, 3, 1),
    Money("10.00", "CNY"), Money("0", "CNY"), Money("-1", "CNY"), Outcome.DELIVERED,
    Duration.parse("3d"), "3d", frozenset(), frozenset({"b", "a"}), frozenset({"", "a"}),
    ("a",), ["x"], (), object(),
]  # fmt: skip

CLASSES = [*EVENT_KINDS.values(), ContactPoint, Invoice]


def _keyword(cls: type[Any], values: list[Any]) -> Any:
    names = [a.alias or a.name for a in attrs.fields(cls)]
    return cls(**{n: v for n, v in zip(names, values, strict=True) if v is not None})


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except Exception as exc:  # the comparison is the point: any error, same type and text
        return type(exc).__name__, str(exc)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CLASSES), st.data())
def test_positional_constructor_equals_keyword_call(cls: type[Any], data: st.DataObject) -> None:
    fields = attrs.fields(cls)
    values = data.draw(st.lists(st.sampled_from(POOL), min_size=len(fields),
                                max_size=len(fields)))  # fmt: skip
    fast = _outcome(lambda: constructor(cls)(*values))
    slow = _outcome(lambda: _keyword(cls, values))
    assert fast == slow


@pytest.mark.parametrize("cls", CLASSES)
def test_plainly_valid_values_build_equal_values(cls: type[Any]) -> None:
    plain = {
        "at": AT, "channel": "sms", "outcome": Outcome.DELIVERED, "amount": Money("5", "CNY"),
        "due": date(2026, 3, 1), "by": date(2026, 3, 2), "invoice_id": "I-1", "rule_id": "r",
        "authorisation": "legal_review", "reason": "why", "name": "fact", "stage": "s",
        "action": "a", "step": "s.x", "idempotency_key": "k", "charge": "fee", "address": "a@b",
        "id": "I-1",
    }  # fmt: skip
    names = [a.alias or a.name for a in attrs.fields(cls)]
    values = [plain.get(n) for n in names]
    assert constructor(cls)(*values) == _keyword(cls, values)


def test_accounts_are_built_alike() -> None:
    events = (ContactAttempted(at=AT, channel="sms", outcome=Outcome.DELIVERED),)
    make = constructor(Account)
    assert make("A-1", "Asia/Shanghai", (), (), events) == Account(
        "A-1", timezone="Asia/Shanghai", events=events
    )
    for zone in ("Mars/Base", ""):
        with pytest.raises(OverdueError) as fast:
            make("A-1", zone)
        with pytest.raises(OverdueError) as slow:
            Account("A-1", timezone=zone)
        assert (type(fast.value), str(fast.value)) == (type(slow.value), str(slow.value))


# --------------------------------------------------------------------------- column by column

INSTANTS = [None, datetime(2026, 3, 10, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)]
DATES = [None, date(2026, 3, 1), date(9999, 12, 31)]


def _column_kind(a: attrs.Attribute[Any]) -> tuple[ColumnKind, list[Any]]:
    """The kind a reader would vouch for in this field's column, and the values it may hold."""
    if a.type in ("datetime", "datetime | None"):
        return "instant", INSTANTS
    if a.type in ("date", "date | None"):
        return "date", DATES
    return "other", POOL


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(CLASSES), st.data())
def test_column_by_column_equals_row_by_row(cls: type[Any], data: st.DataObject) -> None:
    """Built column by column, each value is what the row's own constructor makes; where a
    row would fail, nothing is built column by column (the caller then goes row by row)."""
    fields = attrs.fields(cls)
    rows = data.draw(st.integers(1, 4))
    kinds: list[ColumnKind] = []
    columns: list[list[Any] | None] = []
    for a in fields:
        kind, pool = _column_kind(a)
        if kind == "other" and data.draw(st.booleans()):
            kind = "text"  # the same values, checked once per distinct value
        kinds.append(kind)
        column = data.draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows))
        columns.append(None if all(v is None for v in column) and data.draw(st.booleans())
                       else column)  # fmt: skip
    one = [_outcome(lambda r=r: constructor(cls)(*[None if c is None else c[r] for c in columns]))
           for r in range(rows)]  # fmt: skip
    made = many(cls, rows, columns, kinds)
    if made is None:
        return  # allowed whenever in doubt; the row by row path then decides
    assert all(status == "ok" for status, _ in one)
    assert [(type(v), v) for v in made] == [(type(v), v) for _, v in one]


def test_plainly_valid_columns_are_built_column_by_column() -> None:
    columns: list[list[Any] | None] = [
        [AT.astimezone(UTC)] * 3, None, ["sms", "email", "sms"], [Outcome.DELIVERED] * 3,
        ["s1", None, "s2"], None, ["t"] * 3, None, None, [None, frozenset({"b", "a"}), None],
        ["creditor", "debtor", None], None, None,
    ]  # fmt: skip
    kinds: list[ColumnKind] = ["instant", "instant", *["text"] * 11]
    made = many(ContactAttempted, 3, columns, kinds)
    assert made is not None
    assert made[1] == ContactAttempted(at=AT, channel="email", outcome="delivered", template="t",
                                       debt_ids=["a", "b"], initiated_by="debtor")  # fmt: skip
    assert made[1].debt_ids == ("a", "b")
    columns[2] = ["sms", " ", "sms"]  # a blank name: refused, so not built column by column
    assert many(ContactAttempted, 3, columns, kinds) is None
