"""The limits every policy and account document is held to, so that bad input is refused at load.

A file is input from outside: it may be damaged, hand-edited or hostile.  Python would accept a
``max_attempts`` of 400,000,000, a deadline of ``"9999999999d"``, a condition nested 600 deep or a
5,000-digit number, and then fail far from the file (``OverflowError`` in date arithmetic,
``RecursionError`` in the decoder).  These limits are generous for any real policy or account and
are checked while decoding, so each breach is one located problem among the others
(``docs/policy-files.md``, "Limits").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from overdue.durations import Duration

__all__ = [
    "MAX_COUNT",
    "MAX_DEPTH",
    "MAX_DURATION",
    "MAX_MONEY_DIGITS",
    "MAX_MONEY_PLACES",
    "MAX_YEAR",
    "MIN_YEAR",
    "check_count",
    "check_date",
    "check_decimal",
    "check_duration",
    "too_deep",
    "unicode_problem",
]

MAX_DEPTH: Final = 48
"""Tables and lists nest at most this deep in a document (a real policy needs under 15)."""

MAX_COUNT: Final = 10_000
"""Whole numbers in documents (attempts, days, contacts, staff, years) lie in -10,000..10,000."""

MAX_DURATION: Final = {
    "min": 100 * 525_960,
    "h": 100 * 8_766,
    "d": 36_525,
    "w": 5_218,
    "mo": 1_200,
    "bd": 26_100,
}
"""The largest amount per duration unit: 100 years (365.25 days a year, 261 business days)."""

MAX_MONEY_DIGITS: Final = 15
"""Money amounts have at most 15 digits before the decimal point (under a quadrillion)."""

MAX_MONEY_PLACES: Final = 6
"""... and at most 6 after it."""

MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2999
"""Dates and timestamps in documents lie in the years 1900..2999, so adding any duration up to
:data:`MAX_DURATION` stays inside what Python's ``datetime`` can hold (year 9999)."""


def check_count(value: int) -> str | None:
    """Why the whole number *value* is refused, or ``None``."""
    if -MAX_COUNT <= value <= MAX_COUNT:
        return None
    return f"the number is out of range (whole numbers in documents lie in ±{MAX_COUNT:,})"


def check_duration(value: Duration) -> str | None:
    """Why duration *value* is refused, or ``None``."""
    cap = MAX_DURATION.get(value.unit)
    if cap is None or value.amount <= cap:
        return None
    return f"the duration is longer than 100 years (at most {cap:,}{value.unit})"


def check_decimal(value: Decimal) -> str | None:
    """Why the money amount *value* is refused, or ``None``."""
    if not value.is_finite():
        return "a money amount must be a finite number"
    if value != 0 and value.adjusted() >= MAX_MONEY_DIGITS:
        return f"the amount is out of range (at most {MAX_MONEY_DIGITS} digits before the point)"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_MONEY_PLACES:
        return f"the amount has more than {MAX_MONEY_PLACES} decimal places"
    return None


def check_date(value: date | datetime) -> str | None:
    """Why the date or timestamp *value* is refused, or ``None``."""
    if MIN_YEAR <= value.year <= MAX_YEAR:
        return None
    return f"the date is out of range (years {MIN_YEAR}..{MAX_YEAR})"


def unicode_problem(text: str) -> str | None:
    """Why *text* is refused as Unicode (a lone surrogate from ``\\ud800``), or ``None``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "the text is not valid Unicode (a lone surrogate such as \\ud800)"
    return None


def too_deep(doc: Any, base: str = "$") -> tuple[str | None, Any]:
    """``(path, pruned)``: the first key path nested deeper than :data:`MAX_DEPTH`, or ``None``.

    Walks without recursion (the point is to survive a 5,000-deep document).  When something
    is too deep, ``pruned`` is a copy in which every too-deep subtree is replaced by ``None``'s
    stand-in so the decoder can still report the document's other problems; otherwise it is
    *doc* itself, untouched.
    """
    first: str | None = None
    stack: list[tuple[Any, str, int]] = [(doc, base, 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, Mapping):
            children = [(v, f"{path}.{k}") for k, v in node.items()]
        elif isinstance(node, list | tuple):
            children = [(v, f"{path}[{i}]") for i, v in enumerate(node)]
        else:
            continue
        if depth >= MAX_DEPTH:
            first = path if first is None else first
            continue
        stack.extend((v, p, depth + 1) for v, p in children)
    if first is None:
        return None, doc
    return first, _prune(doc, 0)


def _prune(node: Any, depth: int) -> Any:
    # Recursion is safe here: it never goes deeper than MAX_DEPTH.
    if depth >= MAX_DEPTH and isinstance(node, Mapping | list | tuple):
        return TOO_DEEP
    if isinstance(node, Mapping):
        return {k: _prune(v, depth + 1) for k, v in node.items()}
    if isinstance(node, list | tuple):
        return [_prune(v, depth + 1) for v in node]
    return node


class _TooDeep:
    """Stands in for a subtree nested beyond :data:`MAX_DEPTH`, already reported."""

    def __repr__(self) -> str:
        return "<nested too deep>"


TOO_DEEP: Final = _TooDeep()
