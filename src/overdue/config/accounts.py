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
from overdue.errors import ConfigError, OverdueError
from overdue.events import Event
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
    dec = Decoder(_default_kinds())
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
    dec = Decoder(_default_kinds())
    event = dec.value(data, Event, "$")
    if dec.errors:
        first = dec.errors[0]
        for other in dec.errors[1:]:
            first.add_note(str(other))
        raise first
    return event  # type: ignore[no-any-return]


def account_to_dict(account: Account) -> dict[str, Any]:
    """The account as its JSON object (fields at their default left out)."""
    return Encoder(Kinds.default()).attrs_value(account)


def event_to_dict(event: Event) -> dict[str, Any]:
    """The event as its JSON object, ``kind`` first."""
    return Encoder(Kinds.default()).value(event, Event)  # type: ignore[no-any-return]


def _results(records: Iterable[tuple[int, str]]) -> Iterator[AccountResult]:
    for line, text in records:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield AccountResult(
                line,
                error=ConfigError(
                    f"line {line} is not valid JSON: {exc.msg} (column {exc.colno})", key_path="$"
                ),
            )
            continue
        yield _one(line, data)


def _one(line: int, data: Any) -> AccountResult:
    aid = data.get("id") if isinstance(data, Mapping) else None
    aid = aid if isinstance(aid, str) else None
    if not isinstance(data, Mapping):
        err = ConfigError("an account is a JSON object", key_path="$", got=type(data).__name__)
        return AccountResult(line, error=err)
    try:
        return AccountResult(line, account=account_from_dict(data), account_id=aid)
    except OverdueError as exc:
        return AccountResult(line, error=exc, account_id=aid)


def loads_accounts(text: str, *, jsonl: bool = True) -> Iterator[AccountResult]:
    """Accounts from JSONL text (one object a line; blank lines skipped) or a JSON list/object."""
    if jsonl:
        yield from _results((n, t) for n, t in enumerate(text.splitlines(), start=1) if t.strip())
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        err = ConfigError(f"not valid JSON: {exc.msg} (line {exc.lineno})", key_path="$")
        yield AccountResult(exc.lineno, error=err)
        return
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items, start=1):
        yield _one(i, item)


def load_accounts(path: str | Path) -> Iterator[AccountResult]:
    """Read accounts from a ``.jsonl`` file (streamed, one a line) or a ``.json`` file.

    ``"-"`` reads JSONL from standard input.  Each result carries either an account or a
    located error, so one bad record never stops the batch.
    """
    if str(path) == "-":
        yield from _results((n, t) for n, t in enumerate(sys.stdin, start=1) if t.strip())
        return
    p = Path(path)
    if p.suffix.lower() == ".json":
        yield from loads_accounts(p.read_text(encoding="utf-8"), jsonl=False)
        return
    with p.open(encoding="utf-8") as fh:
        yield from _results((n, t) for n, t in enumerate(fh, start=1) if t.strip())
