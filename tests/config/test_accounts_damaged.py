"""Damaged account files: every line is read or reported, none is lost, no contact is echoed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from overdue.config import load_accounts, loads_accounts

ROOT = Path(__file__).resolve().parents[2]
LINES = (ROOT / "examples" / "accounts.jsonl").read_bytes().split(b"\n")[:3]
FIRST = json.loads(LINES[0])


def _line(**changes: object) -> bytes:
    doc = dict(FIRST)
    doc.update(changes)
    return json.dumps(doc, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (b'{"id": "Z", "n": ' + b"9" * 5001 + b"}", "not readable JSON"),
        (b"[" * 5000 + b"]" * 5000, "too deeply"),
        (b'{"id": "Z\xff"}', "not UTF-8: byte 0xff"),
        (_line(invoices=[{"id": "I", "amount": "1.00 CNY", "due": "9999-12-31"}]), "1900"),
        (_line(invoices=[{"id": "I", "amount": "1E+1000000 CNY", "due": "2026-01-01"}]), "range"),
    ],
    ids=["bigint", "deep", "utf8", "year9999", "huge-amount"],
)
def test_one_bad_line_is_reported_and_the_others_are_read(bad: bytes, words: str) -> None:
    data = b"\n".join([LINES[0], bad, LINES[1]])
    results = list(loads_accounts(data))
    assert [r.line for r in results] == [1, 2, 3]
    assert results[0].ok
    assert results[2].ok
    assert not results[1].ok
    assert words in str(results[1].error)


def test_u2028_and_u0085_inside_a_string_do_not_split_a_record(tmp_path: Path) -> None:
    odd = _line(id="A-\u2028-\u0085-\u2029")
    data = b"\n".join([odd, LINES[1]])
    for results in (list(loads_accounts(data)), list(loads_accounts(data.decode()))):
        assert [r.account_id for r in results] == ["A-\u2028-\u0085-\u2029", "A-1002"]
        assert all(r.ok for r in results)
    path = tmp_path / "odd.jsonl"
    path.write_bytes(data)
    assert len(list(load_accounts(path))) == 2


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"], ids=["lf", "crlf", "cr"])
def test_line_ends_and_a_bom(tmp_path: Path, end: bytes) -> None:
    data = b"\xef\xbb\xbf" + end.join(LINES) + end
    path = tmp_path / "a.jsonl"
    path.write_bytes(data)
    for results in (list(loads_accounts(data)), list(load_accounts(path))):
        assert [r.line for r in results] == [1, 2, 3]
        assert all(r.ok for r in results), [str(r.error) for r in results]


def test_a_bom_on_a_json_document(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"\xef\xbb\xbf[" + b",".join(LINES) + b"]")
    assert [r.ok for r in load_accounts(path)] == [True, True, True]


@pytest.mark.parametrize(
    ("contacts", "described"),
    [
        ("+86 139 1234 5678", "a phone number (13 digits)"),
        ([13912345678], "looks like a phone number (11 digits)"),
        (["debtor.private@example.org"], "an e-mail address"),
        ([{"channel": "letter", "address": ["12 High Street, London"]}], "a list of 1 item(s)"),
    ],
)
def test_a_bad_contact_value_is_described_not_echoed(contacts: object, described: str) -> None:
    (result,) = loads_accounts(_line(contacts=contacts))
    assert result.error is not None
    text = str(result.error) + " ".join(getattr(result.error, "__notes__", []))
    assert described in text
    for raw in ("1234", "debtor.private", "High Street", "13912345678"):
        assert raw not in text
