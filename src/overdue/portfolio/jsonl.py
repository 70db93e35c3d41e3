"""JSONL accounts for ``overdue next``: numbered lines, and each line read into an account.

``json.loads`` is about a fifth of the instructions ``overdue next`` spends on a JSONL line.
When `orjson <https://pypi.org/project/orjson/>`_ is installed (``pip install
"overdue-policy[fast]"``) a line is parsed by it instead; the answers and every error message
stay those of the standard library's path (:func:`overdue.config.accounts.load_accounts`),
because orjson's result is used only when the account it gives is read without a problem.
Where orjson and ``json`` differ, that never happens:

* what orjson refuses (``NaN`` and ``Infinity``, a lone surrogate escaped as ``"\\ud800"``,
  bytes that are not UTF-8, JSON nested over 1,024 deep, a number out of a double's range) is
  read again by ``json``, which gives the line's answer or its error message;
* what orjson reads differently (an integer of more than 64 bits becomes a float; JSON nested
  deeper than ``json`` can read) is a value no account field accepts (no field takes a float,
  none nests that deep), so the account has a problem and the line is read again by ``json``;
* a line whose account has any problem is read again by ``json``, so its error is word for
  word the standard library's.

Duplicate keys (the last one wins, in the first one's place) and everything else valid JSON
holds read the same in both.  ``OVERDUE_JSON=stdlib`` in the environment (or
:func:`use_orjson` ``(False)``) reads with the standard library alone.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from overdue.config.accounts import AccountResult, _one, _read_line, _stream

__all__ = ["jsonl_records", "read_line", "use_orjson"]


def _orjson_loads() -> Callable[[bytes], Any] | None:
    """``orjson.loads`` when installed and not switched off, else ``None``."""
    if os.environ.get("OVERDUE_JSON", "").lower() == "stdlib":
        return None
    try:
        import orjson
    except ImportError:
        return None
    loads: Callable[[bytes], Any] = orjson.loads
    return loads


# The fast parser, or None for the standard library alone (a list: one place to switch).
_FAST: list[Callable[[bytes], Any] | None] = [_orjson_loads()]


def use_orjson(on: bool) -> bool:
    """Read lines with orjson (when installed) or with the standard library alone; returns
    whether orjson is now used.  Worker processes started afterwards (``--workers``) inherit
    the choice under ``fork``; elsewhere set ``OVERDUE_JSON=stdlib`` before they start."""
    _FAST[0] = _orjson_loads() if on else None
    return _FAST[0] is not None


def read_line(line: int, raw: bytes) -> AccountResult:
    """One numbered JSONL line (bytes, without its line break) to an account or its error:
    the same result as the standard library's path, faster when orjson is installed."""
    loads = _FAST[0]
    if loads is None:
        return _read_line(line, raw)
    try:
        data = loads(raw)
    except ValueError:  # orjson.JSONDecodeError: the standard library says what is wrong
        return _read_line(line, raw)
    if type(data) is not dict:
        return _read_line(line, raw)
    result = _one(line, data)
    if result.account is None:  # any problem: the standard library's words for it
        return _read_line(line, raw)
    return result


def jsonl_records(path: str) -> Iterator[tuple[int, bytes]] | None:
    """The numbered non-blank lines of a JSONL file (``"-"``: standard input), streamed, as
    :func:`overdue.config.accounts.load_accounts` reads them; ``None`` for a ``.json`` document
    (read whole by ``load_accounts``).  A file that cannot be opened raises ``OSError`` when
    the first line is asked for, as ``load_accounts`` does."""
    if path != "-" and Path(path).suffix.lower() == ".json":
        return None
    return _records(path)


def _records(path: str) -> Iterator[tuple[int, bytes]]:
    if path == "-":
        binary = getattr(sys.stdin, "buffer", None)  # a replaced sys.stdin may be text only
        if binary is None:
            yield from _stream(line.encode("utf-8", "surrogatepass") for line in sys.stdin)
        else:
            yield from _stream(binary)
        return
    p = Path(path)
    if "\x00" in str(p):
        raise FileNotFoundError(
            2, "a path cannot contain a NUL byte", str(p).replace("\x00", "\\0")
        )
    with p.open("rb") as fh:
        yield from _stream(fh)
