"""Python source for values, so a failing run prints a script that can be pasted into a test.

attrs reprs are almost valid Python, but enums, zone-aware datetimes and masked contact points
are not; :func:`py` writes constructor calls that evaluate back to equal values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, cast
from zoneinfo import ZoneInfo

import attrs

from overdue.account import Account, ContactPoint
from overdue.durations import Duration
from overdue.events import Event
from overdue.money import Money

__all__ = ["account_source", "py", "script"]


def _dt(value: datetime) -> str:
    parts = [value.year, value.month, value.day, value.hour, value.minute]
    if value.second or value.microsecond:
        parts.append(value.second)
    if value.microsecond:
        parts.append(value.microsecond)
    args = ", ".join(str(p) for p in parts)
    if value.fold:
        args += ", fold=1"
    tz = value.tzinfo
    if isinstance(tz, ZoneInfo):
        return f"datetime({args}, tzinfo=ZoneInfo({tz.key!r}))"
    if tz is UTC or tz == UTC:
        return f"datetime({args}, tzinfo=UTC)"
    return f"datetime({args}, tzinfo={tz!r})"


def py(value: object) -> str:
    """A Python expression that evaluates to ``value`` (for the library's own value types)."""
    if isinstance(value, Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, datetime):
        return _dt(value)
    if isinstance(value, date):
        return f"date({value.year}, {value.month}, {value.day})"
    if isinstance(value, time):
        return f"time({value.hour}, {value.minute})"
    if isinstance(value, Decimal):
        return f"Decimal({str(value)!r})"
    if isinstance(value, Money):
        return f"Money({str(value.amount)!r}, {value.currency!r})"
    if isinstance(value, Duration):
        return f"Duration.parse({str(value)!r})"
    if isinstance(value, ContactPoint):
        extra = "" if value.is_debtor else ", is_debtor=False"
        if value.label is not None:
            extra += f", label={value.label!r}"
        return f"ContactPoint({value.channel!r}, {value.address!r}{extra})"
    if isinstance(value, frozenset):
        if not value:
            return "frozenset()"
        return "frozenset({" + ", ".join(sorted(py(v) for v in value)) + "})"
    if isinstance(value, tuple):
        inner = ", ".join(py(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(py(v) for v in value) + "]"
    if attrs.has(type(value)):
        args = []
        for f in attrs.fields(cast(Any, type(value))):
            if not f.init:
                continue
            v = getattr(value, f.name)
            plain_default = f.default is not attrs.NOTHING and not isinstance(
                f.default,
                attrs.Factory,  # type: ignore[arg-type]
            )
            if plain_default and v == f.default:
                continue
            args.append(f"{f.name}={py(v)}")
        return f"{type(value).__name__}({', '.join(args)})"
    return repr(value)


def account_source(account: Account, events: Sequence[Event] | None = None) -> str:
    """``Account(...)`` source with one event a line."""
    evs = account.events if events is None else tuple(events)
    lines = [f"account = Account(\n    {account.id!r},"]
    if account.timezone is not None:
        lines.append(f"    timezone={account.timezone!r},")
    if account.contacts:
        lines.append(f"    contacts={py(account.contacts)},")
    if account.invoices:
        lines.append(f"    invoices={py(account.invoices)},")
    if account.contract is not None:
        lines.append(f"    contract={account.contract!r},")
    lines.append("    events=(")
    lines.extend(f"        {py(e)}," for e in evs)
    lines.append("    ),\n)")
    return "\n".join(lines)


HEADER = """\
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from overdue import (  # noqa: F401
    REFERENCE_POLICY, Account, ContactPoint, Duration, Invoice, Money, Policy, Stage, Step, decide,
)
from overdue.calendars import WeekCalendar  # noqa: F401
from overdue.policy import Obligation  # noqa: F401
from overdue.conditions import *  # noqa: F403
from overdue.events import *  # noqa: F403
from overdue.rules import *  # noqa: F403
from overdue.testing import check_all  # noqa: F401
"""


def script(policy_source: str, account: Account, events: Sequence[Event], body: str) -> str:
    """A standalone reproduction: imports, the policy, the account, and ``body``."""
    return f"{HEADER}\npolicy = {policy_source}\n{account_source(account, events)}\n{body}\n"
