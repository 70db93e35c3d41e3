"""Recorded logs for backtests and fitting: accounts with their event histories, on disk.

A log is what a host keeps: every account with the events it recorded.  Two shapes:

* **JSONL** (``.jsonl``, or ``.json``): one account a line, the format ``overdue next`` reads
  (``docs/formats.md``);
* **Parquet** (``.parquet``): one row per account with the *same* fields, nested (``contacts``,
  ``invoices`` and ``events`` as lists of structs); a field an event kind does not have is
  null.  :func:`write_log` writes it, pandas or Spark read it as they read any Parquet.

The portfolio engine's columnar schema (``overdue.portfolio``) is built for deciding at scale;
anything that yields :class:`~overdue.account.Account` values (its readers included) can be
passed where a log is expected.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from overdue.account import Account
from overdue.config.accounts import account_from_dict, account_to_dict, load_accounts
from overdue.errors import OverdueError
from overdue.notebook._optional import need

__all__ = ["LogItem", "read_log", "write_log"]

LogItem = Account | tuple[str, str]
"""An account, or ``(account id or line, error text)`` for a record that could not be read."""


def _no_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


def read_log(log: str | Path | Iterable[Account]) -> Iterator[LogItem]:
    """The accounts of a log, in order; a record that cannot be read comes as ``(id, error)``."""
    if not isinstance(log, str | Path):
        yield from log
        return
    path = Path(log)
    if path.suffix.lower() == ".parquet":
        rows = need("pyarrow.parquet", "Parquet logs").read_table(path).to_pylist()
        for i, row in enumerate(rows):
            where = row.get("id") if isinstance(row.get("id"), str) else f"row {i}"
            try:
                yield account_from_dict(_no_nulls(row))
            except OverdueError as exc:
                yield (where, str(exc))
        return
    for r in load_accounts(path):
        if r.account is not None:
            yield r.account
        else:
            yield (r.account_id or f"line {r.line}", str(r.error))


def write_log(accounts: Iterable[Account], path: str | Path) -> Path:
    """Write accounts with their histories as JSONL or Parquet, by the file's suffix."""
    out = Path(path)
    docs = [account_to_dict(a) for a in accounts]
    if out.suffix.lower() == ".parquet":
        pa = need("pyarrow", "Parquet logs")
        need("pyarrow.parquet", "Parquet logs").write_table(pa.Table.from_pylist(docs), out)
    else:
        out.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return out
