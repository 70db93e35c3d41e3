"""Debtors as JSON: one object per debtor (its contact points and its debts, each an account).

The shape (``docs/formats.md``)::

    {"schema": "overdue.debtor/1", "id": "P-1", "timezone": "America/New_York",
     "contacts": [{"channel": "phone", "address": "+12125550100", "kind": "mobile"}],
     "debts": [{"id": "LOAN-1", "invoices": [...], "events": [...]}, ...]}

Each debt is read exactly like an account (:func:`~overdue.config.account_from_dict`); a
problem names the debtor, the debt and the key path from the debtor's object
(``$.debts[1].events[0].at``).  In a JSONL batch one bad debtor never stops the others.
Hosts that already keep one account per line with a ``debtor_id`` group them with
:func:`debtors_from_accounts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from overdue.account import Account, ContactPoint
from overdue.config._codec import Decoder, Encoder
from overdue.config.accounts import _default_kinds, _split, account_from_dict, account_to_dict
from overdue.config.registry import Kinds
from overdue.debtor import Debtor
from overdue.errors import ConfigError, OverdueError, internal_error

__all__ = [
    "DEBTOR_SCHEMA",
    "DebtorResult",
    "debtor_from_dict",
    "debtor_to_dict",
    "debtors_from_accounts",
    "load_debtors",
    "loads_debtors",
]

DEBTOR_SCHEMA = "overdue.debtor/1"
"""The optional ``schema`` value of a debtor object."""

_KEYS = ("schema", "id", "timezone", "address_timezone", "contacts", "debts")


@attrs.frozen
class DebtorResult:
    """One debtor read from a batch: either ``debtor`` or ``error``, never both.

    ``line`` is the 1-based line in a JSONL file.
    """

    line: int
    debtor: Debtor | None = None
    error: OverdueError | None = None
    debtor_id: str | None = None

    @property
    def ok(self) -> bool:
        """True when the debtor was read."""
        return self.debtor is not None


def _under(exc: OverdueError, prefix: str) -> OverdueError:
    """``exc`` with its key path read from the debtor's object (``$.debts[1]`` + its own)."""
    own = exc.key_path or ""
    if own.startswith("$"):
        own = own[1:]
    elif own and not own.startswith((".", "[")):
        own = "." + own
    clone = exc.located()
    clone.key_path = None
    return clone.located(key_path=prefix + own)


def debtor_from_dict(data: Mapping[str, Any]) -> Debtor:
    """Build a :class:`~overdue.debtor.Debtor` from its JSON object.

    Raises:
        ConfigError / AccountError: the first problem, with the key path from the debtor's
            object and the debt's id as the account.
    """
    if not isinstance(data, Mapping):
        raise ConfigError("a debtor is a JSON object", key_path="$", got=type(data).__name__)
    for key in data:
        if key not in _KEYS:
            raise ConfigError(
                "unknown key in a debtor", key_path=f"$.{key}", expected=" | ".join(_KEYS)
            )
    if data.get("schema", DEBTOR_SCHEMA) != DEBTOR_SCHEMA:
        raise ConfigError(
            "unsupported debtor schema",
            key_path="$.schema",
            expected=repr(DEBTOR_SCHEMA),
            got=data.get("schema"),
        )
    debts_raw = data.get("debts")
    if not isinstance(debts_raw, list) or not debts_raw:
        raise ConfigError(
            "a debtor needs its debts", key_path="$.debts", expected="a non-empty list of accounts"
        )
    contacts_raw = data.get("contacts", [])
    if not isinstance(contacts_raw, list):
        raise ConfigError("contacts is a list", key_path="$.contacts", got=type(contacts_raw))
    dec = Decoder(_default_kinds(), personal=True)
    contacts = [
        dec.attrs_value(ContactPoint, c, f"$.contacts[{i}]") for i, c in enumerate(contacts_raw)
    ]
    if dec.errors:
        raise dec.errors[0]
    debts: list[Account] = []
    for i, raw in enumerate(debts_raw):
        if not isinstance(raw, Mapping):
            raise ConfigError("a debt is an account object", key_path=f"$.debts[{i}]")
        try:
            debts.append(account_from_dict(raw))
        except OverdueError as exc:
            raise _under(exc, f"$.debts[{i}]") from None
    try:
        return Debtor(
            data.get("id"),  # type: ignore[arg-type]
            debts,
            contacts=contacts,
            timezone=data.get("timezone"),
            address_timezone=data.get("address_timezone"),
        )
    except OverdueError as exc:
        raise _under(exc, "$") from None


def debtor_to_dict(debtor: Debtor) -> dict[str, Any]:
    """The debtor as its JSON object (empty and unset fields left out)."""
    enc = Encoder(Kinds.default())
    out: dict[str, Any] = {"schema": DEBTOR_SCHEMA, "id": debtor.id}
    if debtor.timezone is not None:
        out["timezone"] = debtor.timezone
    if debtor.address_timezone is not None:
        out["address_timezone"] = debtor.address_timezone
    if debtor.contacts:
        out["contacts"] = [enc.attrs_value(c) for c in debtor.contacts]
    out["debts"] = [account_to_dict(d) for d in debtor.debts]
    return out


def _one(line: int, raw: bytes) -> DebtorResult:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        err = ConfigError(f"line {line} is not readable JSON: {exc}", key_path="$")
        return DebtorResult(line, error=err)
    did = data.get("id") if isinstance(data, dict) else None
    did = did if isinstance(did, str) else None
    try:
        return DebtorResult(line, debtor=debtor_from_dict(data), debtor_id=did)
    except OverdueError as exc:
        return DebtorResult(line, error=exc, debtor_id=did)
    except Exception as exc:  # a defect must not lose the line: it is reported as its error
        return DebtorResult(line, error=internal_error(exc, account_id=did), debtor_id=did)


def loads_debtors(text: str | bytes) -> Iterator[DebtorResult]:
    """Debtors from JSONL text, one object a line (blank lines skipped)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    for line, raw in _split(data):
        yield _one(line, raw)


def load_debtors(path: str | Path) -> Iterator[DebtorResult]:
    """Debtors from a JSONL file, one a line; each result a debtor or a located error."""
    yield from loads_debtors(Path(path).read_bytes())


def debtors_from_accounts(accounts: Iterable[Account]) -> tuple[Debtor, ...]:
    """Accounts grouped into debtors by ``debtor_id`` (in order of first appearance).

    An account without a ``debtor_id`` is a debtor of its own (the debtor's id is the
    account's).  The debts' contact points become the debtor's, each once, in order of first
    appearance (one person's numbers, tried on every debt); the first zone given is the
    debtor's.
    """
    groups: dict[str, list[Account]] = {}
    for a in accounts:
        groups.setdefault(a.debtor_id if a.debtor_id is not None else a.id, []).append(a)
    out = []
    for debtor_id, debts in groups.items():
        points: dict[tuple[str, str], ContactPoint] = {}
        for d in debts:
            for cp in d.contacts:
                points.setdefault((cp.channel, cp.address), cp)
        zones = [d.timezone for d in debts if d.timezone is not None]
        addresses = [d.address_timezone for d in debts if d.address_timezone is not None]
        out.append(
            Debtor(
                debtor_id,
                [attrs.evolve(d, contacts=()) for d in debts],
                contacts=tuple(points.values()),
                timezone=zones[0] if zones else None,
                address_timezone=addresses[0] if addresses else None,
            )
        )
    return tuple(out)
