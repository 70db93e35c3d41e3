"""The limits every policy and account document is held to (``docs/policy-files.md``, "Limits").

They live in :mod:`overdue.limits`, in the values ring, so that every reader of documents (the
config decoder here, the fast account path of :mod:`overdue.portfolio`) holds input to the same
numbers; this module is the name the config package has always offered.
"""

from overdue.limits import (
    MAX_COUNT,
    MAX_DEPTH,
    MAX_DURATION,
    MAX_MONEY_DIGITS,
    MAX_MONEY_PLACES,
    MAX_YEAR,
    MIN_YEAR,
    check_count,
    check_date,
    check_decimal,
    check_duration,
    too_deep,
    unicode_problem,
)

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
