"""The one family of errors and warnings that `overdue` raises.

Every error is an :class:`OverdueError` and also the builtin a caller would naturally catch
(``ValueError``, ``TypeError``, ``LookupError``), so code that knows nothing of `overdue` still
handles it sensibly.  Each error carries structured attributes as well as text, because hosts
log them, batch runs report them per account, and policy files point at them by key path.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from overdue._masking import describe, scrub

__all__ = [
    "AccountError",
    "BatchError",
    "CalendarRangeError",
    "ConfigError",
    "DispatchError",
    "EventError",
    "FloatMoneyError",
    "HorizonExceededError",
    "InternalError",
    "InvalidDurationError",
    "MissingCalendarDataError",
    "MoneyError",
    "NaiveDatetimeError",
    "OverdueError",
    "OverdueWarning",
    "PolicyError",
    "PolicyFileError",
    "PolicyVersionMissingError",
    "SuspiciousPolicyWarning",
    "UnknownChannelError",
    "UnknownKindError",
    "UnknownTimeZoneError",
    "internal_error",
    "shown",
    "suggest",
]


def suggest(got: str, choices: Iterable[str]) -> str | None:
    """Return the closest of *choices* to *got*, for "did you mean" hints, or ``None``."""
    matches = difflib.get_close_matches(got, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


_SHOWN = 120
"""The longest quoted value an error message carries (a 5,000-digit number is not a message)."""


def shown(value: Any) -> str:
    """``repr(value)`` for an error message, shortened; never raises.

    A huge integer is described (Python refuses to print ints over 4,300 digits), a long text is
    cut with its length said, and an object whose ``repr`` fails is named by its type.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"<{describe(value)}>"
    try:
        text = repr(value)
    except Exception:
        return f"<a {type(value).__name__}>"
    if len(text) > _SHOWN:
        text = f"{text[: _SHOWN - 20]}...<{len(text)} characters>"
    return text


class OverdueError(Exception):
    """Base of every error raised by `overdue`.

    Attributes:
        what: the plain statement of what was wrong.
        key_path: where in a policy document (``$.stages[2].steps[0].fallback``) or object.
        account_id: the account concerned, in facts and batch work.
        event_index: the index of the offending event in the account's history.
        expected: what would have been right.
        got: what was found instead.
        suggestion: a "did you mean" hint, when one exists.
    """

    def __init__(
        self,
        what: str,
        *,
        key_path: str | None = None,
        account_id: str | None = None,
        event_index: int | None = None,
        expected: str | None = None,
        got: Any = None,
        suggestion: str | None = None,
    ) -> None:
        self.what = what
        self.key_path = key_path
        self.account_id = account_id
        self.event_index = event_index
        self.expected = expected
        self.got = got
        self.suggestion = suggestion
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.what]
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.got is not None:
            parts.append(f"got {shown(self.got)}")
        text = "; ".join(parts)
        if self.suggestion is not None:
            text += f" (did you mean {self.suggestion!r}?)"
        where = []
        if self.account_id is not None:
            where.append(f"account {self.account_id!r}")
        if self.event_index is not None:
            where.append(f"event #{self.event_index}")
        if self.key_path is not None:
            where.append(self.key_path)
        if where:
            text += " @ " + ", ".join(where)
        # The one masking function: a phone number, e-mail or street address quoted from the
        # input (a contact given where a list was expected, an adapter's answer) never reaches
        # a log or a terminal in full.
        return scrub(text)

    def located(
        self,
        *,
        key_path: str | None = None,
        account_id: str | None = None,
        event_index: int | None = None,
    ) -> OverdueError:
        """Return a copy of this error with location fields filled in where they were empty.

        Lower layers raise without knowing where they are; the caller that does know (the
        fold knows the event index, the loader knows the key path) adds it on the way out.
        """
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        if key_path is not None:
            clone.key_path = key_path if self.key_path is None else f"{key_path}{self.key_path}"
        if account_id is not None and self.account_id is None:
            clone.account_id = account_id
        if event_index is not None and self.event_index is None:
            clone.event_index = event_index
        Exception.__init__(clone, clone._render())
        return clone


class NaiveDatetimeError(OverdueError, TypeError):
    """A datetime without a time zone reached the library; `overdue` never guesses a zone."""


class UnknownTimeZoneError(OverdueError, LookupError):
    """A time-zone name is not in the zone database."""


class InvalidDurationError(OverdueError, ValueError):
    """A duration string or value is malformed (``'7 days'`` instead of ``'7d'``)."""


class MoneyError(OverdueError, ValueError):
    """An amount of money is malformed, or two currencies were mixed."""


class FloatMoneyError(MoneyError, TypeError):
    """A float was given as money; floats cannot hold cents exactly."""


class MissingCalendarDataError(OverdueError, LookupError):
    """A business calendar was asked about a year its data does not cover."""


class AccountError(OverdueError, ValueError):
    """An account is malformed (bad id, bad time zone, bad contact point)."""


class EventError(AccountError):
    """An event is malformed, out of order, or contradicts the history before it."""


class PolicyError(OverdueError, ValueError):
    """A policy, stage, step, condition or rule is malformed or inconsistent."""


class UnknownChannelError(PolicyError, LookupError):
    """A step, fallback or adapter names a channel the policy does not declare."""


class UnknownKindError(PolicyError, LookupError):
    """A policy document names a rule or condition kind that is not registered."""


class CalendarRangeError(OverdueError, ValueError):
    """A date or time past the ends of the calendar (year 1 to 9999) would be needed.

    For example a deadline of ``"99999999d"`` after entry, or a contact dated in year 1 whose
    UTC time falls before the calendar starts.  Raised instead of Python's ``OverflowError``,
    with the account and what was being worked out.
    """


class HorizonExceededError(OverdueError, RuntimeError):
    """Rules kept deferring a step past the policy's search horizon."""


class DispatchError(OverdueError, RuntimeError):
    """A dispatch failed and the caller asked for strictness."""


class PolicyVersionMissingError(PolicyError, LookupError):
    """An account is pinned to a policy version the caller did not supply (``PolicySet``)."""


class ConfigError(OverdueError, ValueError):
    """One problem in a policy or account document, located by its key path."""


class BatchError(OverdueError, ValueError):
    """A batch was asked for something it cannot do (``workers`` or ``chunk_size`` below 1)."""


class InternalError(OverdueError, RuntimeError):
    """An exception that is not `overdue`'s own, met while working on one record of a batch.

    It is a defect (in `overdue` or in a host's rule), not a fault of the record's data; it is
    carried as this record's error so that the other records are still decided.  ``error_type``
    names the original exception class; the message is masked like every other error.
    """

    error_type: str = "Exception"


def internal_error(exc: BaseException, *, account_id: str | None = None) -> InternalError:
    """Wrap a non-library exception as the :class:`InternalError` of one batch record."""
    text = shown(str(exc)) if str(exc) else type(exc).__name__
    err = InternalError(f"internal error ({type(exc).__name__}): {text}", account_id=account_id)
    err.error_type = type(exc).__name__
    err.__cause__ = exc
    return err


class PolicyFileError(ExceptionGroup[ConfigError], OverdueError):
    """Every problem found in one policy document, reported at once.

    ``messages()`` flattens the group into one line per problem, each with its key path.
    """

    def __new__(cls, message: str, errors: list[ConfigError]) -> PolicyFileError:
        return super().__new__(cls, message, errors)

    def __init__(self, message: str, errors: list[ConfigError]) -> None:
        ExceptionGroup.__init__(self, message, errors)
        self.what = message
        self.key_path = None
        self.account_id = None
        self.event_index = None
        self.expected = None
        self.got = None
        self.suggestion = None

    def derive(self, excs: Any) -> PolicyFileError:  # type: ignore[override]
        return PolicyFileError(self.message, list(excs))

    def messages(self) -> list[str]:
        """One readable line per problem, in document order."""
        return [str(e) for e in self.exceptions]

    def __str__(self) -> str:
        lines = [f"{self.message} ({len(self.exceptions)} problem(s))"]
        lines.extend(f"  - {m}" for m in self.messages())
        return "\n".join(lines)


class OverdueWarning(UserWarning):
    """Base of the warnings `overdue` emits: legal but suspicious choices."""


class SuspiciousPolicyWarning(OverdueWarning):
    """A policy is valid but probably not what a compliance team meant."""
