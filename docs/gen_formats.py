"""Regenerate the examples and the event table of ``docs/formats.md`` from the real encoders.

``python docs/gen_formats.py`` rewrites every block between a ``<!-- generated: NAME -->`` marker
and the next ``<!-- end generated -->`` in place; ``--check`` only says whether the page is
stale (exit 1).  ``tests/docs/test_formats.py`` runs the check, so a change to an encoder or an
event kind that is not reflected on the page fails CI instead of leaving the page to drift, as
it once did (``+00:00`` timestamps, missing ``party``/``discloses_debt``/``is_reply`` keys,
``<class 'datetime.datetime'>`` in the table).
"""

from __future__ import annotations

import json
import re
import sys
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from overdue import REFERENCE_POLICY, decide
from overdue.config import account_from_dict, account_to_dict, decision_to_dict, load_accounts
from overdue.config._codec import _key, init_fields
from overdue.config.debtors import debtor_from_dict, debtor_to_dict
from overdue.durations import Duration
from overdue.events import EVENT_KINDS
from overdue.money import Money

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "formats.md"
BLOCK = re.compile(
    r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S
)

# The account the page shows: a contract, a third party, a stage entry, a contact and a payment.
# It goes through account_from_dict and account_to_dict, so the page shows the canonical form.
SAMPLE_ACCOUNT: dict[str, Any] = {
    "id": "A-1002",
    "timezone": "Asia/Shanghai",
    "contract": "CT-1002",
    "contacts": [
        {"channel": "sms", "address": "+86 138 0000 0002"},
        {"channel": "email", "address": "debtor2@example.com", "label": "work"},
        {
            "channel": "phone",
            "address": "+86 139 0000 0099",
            "is_debtor": False,
            "label": "employer",
        },
    ],
    "invoices": [{"id": "INV-1002", "amount": "1200.50 CNY", "due": "2026-02-26"}],
    "events": [
        {"kind": "stage_entered", "at": "2026-02-27T00:00:00+08:00", "stage": "reminder"},
        {
            "kind": "contact",
            "at": "2026-02-27T08:00:00+08:00",
            "channel": "sms",
            "outcome": "delivered",
            "stage": "reminder",
            "step": "reminder.sms",
            "template": "reminder.sms",
        },
        {
            "kind": "payment",
            "at": "2026-02-28T10:15:00+08:00",
            "amount": "200.00 CNY",
            "reference": "PAY-1",
        },
    ],
}
# The debtor the page shows: two loans, two numbers with their class, a conversation about both.
SAMPLE_DEBTOR: dict[str, Any] = {
    "schema": "overdue.debtor/1",
    "id": "P-7",
    "timezone": "America/New_York",
    "contacts": [
        {"channel": "phone", "address": "+1 212 555 0100", "kind": "mobile"},
        {"channel": "phone", "address": "+1 212 555 0111", "kind": "home"},
        {
            "channel": "phone",
            "address": "+1 212 555 0123",
            "is_debtor": False,
            "relationship": "spouse",
        },
    ],
    "debts": [
        {
            "id": "LOAN-1",
            "invoices": [{"id": "INV-1", "amount": "900.00 USD", "due": "2026-02-01"}],
            "events": [
                {
                    "kind": "contact",
                    "at": "2026-03-02T10:00:00-05:00",
                    "channel": "phone",
                    "outcome": "conversation",
                    "contact_point": "+1 212 555 0100",
                    "debt_ids": ["LOAN-1", "LOAN-2"],
                }
            ],
        },
        {
            "id": "LOAN-2",
            "invoices": [{"id": "INV-2", "amount": "250.00 USD", "due": "2026-02-15"}],
        },
    ],
}
# The decision the page shows: the reference policy on examples/accounts.jsonl's A-1003.
DECISION_ACCOUNT = "A-1003"
DECISION_AT = datetime(2026, 3, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _json(obj: object) -> str:
    return "```json\n" + json.dumps(obj, indent=2, ensure_ascii=False) + "\n```\n"


def account_example() -> str:
    """The sample account, as ``account_to_dict`` writes it."""
    return _json(account_to_dict(account_from_dict(SAMPLE_ACCOUNT)))


def debtor_example() -> str:
    """The sample debtor, as ``debtor_to_dict`` writes it."""
    return _json(debtor_to_dict(debtor_from_dict(SAMPLE_DEBTOR)))


def decision_example() -> str:
    """The reference policy's decision for A-1003 by ``decision_to_dict`` (one action kept)."""
    results = load_accounts(ROOT / "examples" / "accounts.jsonl")
    account = next(r.account for r in results if r.account_id == DECISION_ACCOUNT)
    assert account is not None
    record = decision_to_dict(decide(REFERENCE_POLICY, account, DECISION_AT))
    record["actions"] = record["actions"][:1]
    return _json(record)


def _type_text(tp: object) -> str:
    """How a field's type reads in a JSON document."""
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return " or ".join(_type_text(a) for a in args if a is not type(None))
    if typing.get_origin(tp) is typing.Literal:
        return " \\| ".join(f'`"{a}"`' for a in args)
    if typing.get_origin(tp) is frozenset:
        return f"list of {_type_text(args[0])} (a set)"
    if typing.get_origin(tp) is tuple:
        return f"list of {_type_text(args[0])}"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return " \\| ".join(f'`"{m.value}"`' for m in tp)
    names = {
        str: "string",
        int: "integer",
        bool: "boolean",
        datetime: "timestamp",
        date: "date",
        Money: "money",
        Duration: "duration",
    }
    if tp in names:
        return names[tp]  # type: ignore[index]
    raise TypeError(f"no JSON name for {tp!r}: add it to docs/gen_formats.py")


def event_table() -> str:
    """The table of event kinds and their keys, read from the event classes."""
    lines = ["| kind | keys (besides `kind` and `at`) |", "|---|---|"]
    for kind, cls in EVENT_KINDS.items():
        hints = typing.get_type_hints(cls)
        keys = []
        for a in init_fields(cls):
            if a.name == "at":
                continue
            needed = "required" if a.default is attrs.NOTHING else "optional"
            keys.append(f"`{_key(a)}` ({_type_text(hints[a.name])}, {needed})")
        lines.append(f"| `{kind}` | {', '.join(keys) or '-'} |")
    return "\n".join(lines) + "\n"


GENERATORS: dict[str, Callable[[], str]] = {
    "account-example": account_example,
    "debtor-example": debtor_example,
    "event-table": event_table,
    "decision-example": decision_example,
}


def render(text: str) -> str:
    """``text`` with every generated block replaced by what its generator writes today."""

    def fill(match: re.Match[str]) -> str:
        return match.group(1) + GENERATORS[match.group("name")]() + match.group(4)

    return BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    text = PAGE.read_text(encoding="utf-8")
    fresh = render(text)
    if "--check" in argv:
        if fresh != text:
            print(f"{PAGE} is stale: run python docs/gen_formats.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
