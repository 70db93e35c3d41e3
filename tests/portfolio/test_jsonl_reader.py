"""The orjson reader of ``overdue next`` against the standard library's, line by line: on
damaged variants of real lines and on random JSON, the same account or the same error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overdue.config.accounts import AccountResult, _read_line
from overdue.portfolio.jsonl import read_line, use_orjson

pytest.importorskip("orjson")

ROOT = Path(__file__).resolve().parents[2]
GOOD = [line for line in (ROOT / "examples" / "accounts.jsonl").read_bytes().split(b"\n") if line]

# What orjson and json may read differently, spliced into real lines.
PIECES = [
    b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400", b"1e-400", b"-0", b"-0.0", b"0.1",
    b"123456789012345678901234567890", b"18446744073709551616", b"9223372036854775808",
    b"-9223372036854775809", b'"\\ud800"', b'"\\udc00"', b'"\\ud800\\udc00"', b"\xff",
    b"\xed\xa0\x80", b"\xc0\xaf", b"\x01", b"\x00", b"\x7f", b'"\x1f"', b"\xe2\x80\xa8", b'"',
    b"{", b"}", b"[", b"]",
    b",", b":", b" ", b"\t", b"\x0c", b'"id"', b'"amount"', b'"due"', b"true", b"null", b"3.0",
    b"[" * 1100, b"]" * 1100, b"\\", b"\\u0000", b"\xef\xbb\xbf",
]  # fmt: skip


def _same(line: int, raw: bytes) -> None:
    fast: AccountResult = read_line(line, raw)
    slow = _read_line(line, raw)
    assert (fast.line, fast.account, fast.account_id) == (slow.line, slow.account, slow.account_id)
    assert type(fast.error) is type(slow.error)
    assert str(fast.error) == str(slow.error)


@pytest.fixture(autouse=True)
def orjson_on() -> None:
    assert use_orjson(True)


def test_every_good_line_is_read_the_same() -> None:
    for n, raw in enumerate(GOOD, 1):
        _same(n, raw)
        assert read_line(n, raw).account is not None


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(GOOD),
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(PIECES), st.booleans()), max_size=3),
)
def test_damaged_lines_read_the_same(raw: bytes, edits: list[tuple[float, bytes, bool]]) -> None:
    for where, piece, replace in edits:
        at = int(where * len(raw))
        raw = raw[:at] + piece + raw[at + (len(piece) if replace else 0) :]
    _same(7, raw)


def _json() -> st.SearchStrategy[object]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "events", "invoices", "timezone", "x"]), _json()))
def test_random_json_reads_the_same(data: dict[str, object]) -> None:
    for ascii_only in (True, False):
        try:
            raw = json.dumps(data, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
        except ValueError:
            continue
        _same(3, raw)
