"""Accounts as JSON: one object per account, one account per line in JSONL batches.

The shape (see ``docs/formats.md``) follows the attrs fields of :class:`~overdue.account.Account`,
:class:`~overdue.account.ContactPoint`, :class:`~overdue.account.Invoice` and the event classes,
read generically like policy files: money as ``"1200.50 CNY"``, dates as ``"2026-01-10"``,
timestamps with an offset, events tagged by ``kind``.  Every problem names the account id, the
event index when it is in an event, and the key path.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from overdue.account import Account
from overdue.config._codec import Decoder, Encoder
from overdue.config.registry import Kinds
from overdue.errors import ConfigError, OverdueError, internal_error
from overdue.events import Event
from overdue.limits import MAX_DEPTH, unicode_problem
from overdue.portfolio.records import account_from_json

__all__ = [
    "ACCOUNT_SCHEMA",
    "AccountResult",
    "account_from_dict",
    "account_to_dict",
    "event_from_dict",
    "event_to_dict",
    "load_accounts",
    "loads_accounts",
]

ACCOUNT_SCHEMA = "overdue.account/1"
"""The optional ``schema`` value of an account object."""

_EVENT_PATH = re.compile(r"^\$\.events\[(\d+)\]")


@attrs.frozen
class AccountResult:
    """One account read from a batch: either ``account`` or ``error``, never both.

    ``line`` is the 1-based line in a JSONL file (the index + 1 in a JSON list), so an operator
    can find the record even when its id could not be read.
    """

    line: int
    account: Account | None = None
    error: OverdueError | None = None
    account_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when the account was read."""
        return self.account is not None


def _locate(errors: list[ConfigError], account_id: str | None) -> list[OverdueError]:
    out: list[OverdueError] = []
    for e in errors:
        m = _EVENT_PATH.match(e.key_path or "")
        located = e.located(
            account_id=account_id, event_index=int(m.group(1)) if m is not None else None
        )
        out.append(located)
    return out


@functools.cache
def _default_kinds() -> Kinds:
    """The library's own kinds, built once: account documents name event kinds only, and no
    host code can change this copy (hosts register on registries of their own)."""
    return Kinds.default()


def account_from_dict(data: Mapping[str, Any]) -> Account:
    """Build an :class:`Account` from its JSON object.

    Raises:
        ConfigError: the first problem, located (account id, event index, key path); the others
            are attached as notes, one line each.
    """
    # A plainly valid object is built directly (several times faster); anything unusual is read
    # by the generic decoder below, which builds the same account or explains the problem.
    fast = account_from_json(data)
    if fast is not None:
        return fast
    return _decode(data)


def _decode(data: Mapping[str, Any]) -> Account:
    """The generic reading of :func:`account_from_dict`: every key checked, every problem
    located (and the reference the fast path is tested against)."""
    account_id = data.get("id") if isinstance(data, Mapping) else None
    aid = account_id if isinstance(account_id, str) else None
    dec = Decoder(_default_kinds(), personal=True)
    body: Any = data
    if isinstance(data, Mapping):
        schema = data.get("schema", ACCOUNT_SCHEMA)
        if schema != ACCOUNT_SCHEMA:
            dec.fail(
                "$.schema", "unsupported account schema", expected=repr(ACCOUNT_SCHEMA), got=schema
            )
        body = {k: v for k, v in data.items() if k != "schema"}
    account = dec.attrs_value(Account, body, "$")
    if dec.errors:
        errors = _locate(dec.errors, aid)
        first = errors[0]
        for other in errors[1:]:
            first.add_note(str(other))
        raise first
    return account  # type: ignore[no-any-return]


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """One event from its JSON object (``{"kind": "payment", "at": ..., ...}``)."""
    dec = Decoder(_default_kinds(), personal=True)
    event = dec.value(data, Event, "$")
    if dec.errors:
        first = dec.errors[0]
        for other in dec.errors[1:]:
            first.add_note(str(other))
        raise first
    return event  # type: ignore[no-any-return]


def account_to_dict(account: Account) -> dict[str, Any]:
    """The account as its JSON object (fields at their default left out)."""
    return _encoder().attrs_value(account)


def event_to_dict(event: Event) -> dict[str, Any]:
    """The event as its JSON object, ``kind`` first."""
    return _encoder().value(event, Event)  # type: ignore[no-any-return]


@functools.cache
def _encoder() -> Encoder:
    """One encoder for accounts and events (they name no rule kinds): building the library's
    kinds anew for every event of every decision's ``record`` cost more than the encoding."""
    return Encoder(_default_kinds())


def _results(records: Iterable[tuple[int, bytes | str]]) -> Iterator[AccountResult]:
    for line, raw in records:
        yield _read_line(line, raw)


def _read_line(line: int, raw: bytes | str) -> AccountResult:
    """One JSONL record to a result; nothing it meets (bad bytes, a 5,000-digit number, JSON
    nested 5,000 deep) escapes as an exception: it becomes this line's error."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return AccountResult(
                line,
                error=ConfigError(
                    f"line {line} is not UTF-8: byte 0x{raw[exc.start]:02x} at column "
                    f"{exc.start + 1}",
                    key_path="$",
                    expected="UTF-8 text",
                ),
            )
    else:
        text = raw
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return AccountResult(
            line,
            error=ConfigError(
                f"line {line} is not valid JSON: {exc.msg} (column {exc.colno})", key_path="$"
            ),
        )
    except RecursionError:
        return AccountResult(
            line,
            error=ConfigError(
                f"line {line} nests JSON too deeply to read (at most {MAX_DEPTH} levels)",
                key_path="$",
            ),
        )
    except ValueError as exc:  # a number Python refuses to read (over 4,300 digits)
        return AccountResult(
            line, error=ConfigError(f"line {line} is not readable JSON: {exc}", key_path="$")
        )
    return _one(line, data)


def _one(line: int, data: Any) -> AccountResult:
    aid = data.get("id") if isinstance(data, Mapping) else None
    aid = aid if isinstance(aid, str) and unicode_problem(aid) is None else None
    if not isinstance(data, Mapping):
        err = ConfigError("an account is a JSON object", key_path="$", got=type(data).__name__)
        return AccountResult(line, error=err)
    try:
        return AccountResult(line, account=account_from_dict(data), account_id=aid)
    except OverdueError as exc:
        return AccountResult(line, error=exc, account_id=aid)
    except Exception as exc:  # a defect must not lose the line: it is reported as its error
        return AccountResult(line, error=internal_error(exc, account_id=aid), account_id=aid)


def _split(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Numbered non-blank lines of JSONL bytes.

    Lines end at ``\n`` (with or without ``\r``) or at a bare ``\r``, and nowhere else:
    ``str.splitlines`` would also split at U+2028, U+0085 and other characters that are legal,
    unescaped, inside a JSON string.  A UTF-8 byte-order mark before the first line is dropped.
    """
    return _stream(data.split(b"\n"))


def _stream(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """:func:`_split` over a binary stream, line by line (a file is never read whole)."""
    n = 0
    first = True
    for raw in lines:
        if first and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        first = False
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        # Most lines hold no ``\r``: they are not split (nor copied) for nothing.
        pieces: Iterable[bytes] = (raw,)
        if b"\r" in raw:
            pieces = (raw[:-1] if raw.endswith(b"\r") else raw).split(b"\r")
        for piece in pieces:
            n += 1
            if piece and not piece.isspace():  # blank (what ``strip`` empties), without a copy
                yield n, piece


def _encoded(text_lines: Iterable[str]) -> Iterator[bytes]:
    for line in text_lines:
        yield line.encode("utf-8", "surrogatepass")


def loads_accounts(text: str | bytes, *, jsonl: bool = True) -> Iterator[AccountResult]:
    """Accounts from JSONL (one object a line; blank lines skipped) or a JSON list/object.

    *text* may be ``bytes`` (UTF-8, a byte-order mark tolerated); a line that is not UTF-8 is
    that line's error, the others are read.  Lines end at ``\n``, ``\r\n`` or a bare ``\r``
    only, so a raw U+2028 inside a JSON string does not split its record.
    """
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    if jsonl:
        yield from _results(_split(data))
        return
    yield from _json_document(data)


def _json_document(data: bytes) -> Iterator[AccountResult]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except json.JSONDecodeError as exc:
        err = ConfigError(f"not valid JSON: {exc.msg} (line {exc.lineno})", key_path="$")
        yield AccountResult(exc.lineno, error=err)
        return
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        err = ConfigError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at line {line}",
            key_path="$",
            expected="UTF-8 text",
        )
        yield AccountResult(line, error=err)
        return
    except RecursionError:
        err = ConfigError(f"the JSON nests more than {MAX_DEPTH} levels deep", key_path="$")
        yield AccountResult(1, error=err)
        return
    except ValueError as exc:
        yield AccountResult(1, error=ConfigError(f"not readable JSON: {exc}", key_path="$"))
        return
    items = doc if isinstance(doc, list) else [doc]
    for i, item in enumerate(items, start=1):
        yield _one(i, item)


def load_accounts(path: str | Path) -> Iterator[AccountResult]:
    """Read accounts from a ``.jsonl`` file (streamed, one a line) or a ``.json`` file.

    ``"-"`` reads JSONL from standard input, as bytes.  Each result carries either an account
    or a located error, so one bad record never stops the batch.  A path that cannot be opened
    raises ``OSError`` (a NUL byte in it too, as ``FileNotFoundError``).
    """
    if str(path) == "-":
        binary = getattr(sys.stdin, "buffer", None)  # a replaced sys.stdin may be text only
        lines = binary if binary is not None else _encoded(sys.stdin)
        yield from _results(_stream(lines))
        return
    p = Path(path)
    if "\x00" in str(p):
        raise FileNotFoundError(
            2, "a path cannot contain a NUL byte", str(p).replace("\x00", "\\0")
        )
    if p.suffix.lower() == ".json":
        yield from _json_document(p.read_bytes())
        return
    with p.open("rb") as fh:
        yield from _results(_stream(fh))
