"""The field checks and converters that many values share, written once, in the attrs style.

Each validator is a small frozen class behind a factory (as attrs' ``instance_of()`` is): it
reads well in a class body (``validator=non_empty(PolicyError)``), shows what it checks in its
``repr``, pickles by its parameters, and raises an :class:`~overdue.errors.OverdueError` of the
family the value belongs to (a policy's field a ``PolicyError``, an account's an
``AccountError``), naming the field and what was given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from overdue.durations import Duration, as_duration
from overdue.errors import OverdueError, PolicyError, suggest
from overdue.money import Money

__all__ = [
    "as_tuple",
    "duration",
    "money",
    "no_business_days",
    "non_empty",
    "one_of",
    "optional_duration",
    "positive_int",
]


@attrs.frozen(repr=False)
class _NonEmpty:
    error: type[OverdueError]
    noun: str
    strip: bool

    def __call__(self, _inst: object, a: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or not (value.strip() if self.strip else value):
            raise self.error(f"{a.name} must be a non-empty {self.noun}", got=value)

    def __repr__(self) -> str:
        return f"<non_empty {self.noun} validator raising {self.error.__name__}>"


def non_empty(
    error: type[OverdueError] = PolicyError, *, noun: str = "string", strip: bool = True
) -> _NonEmpty:
    """A validator: the field is a string with something in it (not only blanks, unless
    ``strip=False``); else ``error`` saying ``<field> must be a non-empty <noun>``."""
    return _NonEmpty(error, noun, strip)


@attrs.frozen(repr=False)
class _IsMoney:
    example: str
    prefix: str

    def __call__(self, _inst: object, a: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, Money):
            raise PolicyError(
                f"{self.prefix}{a.name} must be Money", expected=self.example, got=value
            )

    def __repr__(self) -> str:
        return f"<Money validator, e.g. {self.example}>"


def money(example: str, *, prefix: str = "") -> _IsMoney:
    """A validator: the field is :class:`~overdue.money.Money` (an amount never goes without
    its currency: a bare number means a different sum in every currency); else ``PolicyError``
    saying ``<prefix><field> must be Money`` with ``example`` as what would be right."""
    return _IsMoney(example, prefix)


@attrs.frozen(repr=False)
class _PositiveInt:
    error: type[OverdueError]

    def __call__(self, _inst: object, a: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(f"{a.name} must be a whole number >= 1", got=value)

    def __repr__(self) -> str:
        return f"<positive_int validator raising {self.error.__name__}>"


@attrs.frozen(repr=False)
class _OneOf:
    options: tuple[object, ...]
    error: type[OverdueError]

    def __call__(self, _inst: object, a: attrs.Attribute[Any], value: object) -> None:
        if value not in self.options:
            names = [str(o) for o in self.options]
            raise self.error(
                f"{a.name} must be one of {', '.join(names)}",
                key_path=a.name,
                expected=" | ".join(repr(o) for o in self.options),
                got=value,
                suggestion=suggest(value, names) if isinstance(value, str) else None,
            )

    def __repr__(self) -> str:
        return f"<one_of {self.options!r} validator raising {self.error.__name__}>"


def one_of(options: Iterable[object], error: type[OverdueError] = PolicyError) -> _OneOf:
    """A validator: the field is one of ``options``; else ``error`` naming them (attrs'
    ``in_()`` raises a bare ``ValueError``, outside the library's error family)."""
    return _OneOf(tuple(options), error)


def positive_int(error: type[OverdueError] = PolicyError) -> _PositiveInt:
    """A validator: the field is a whole number of at least 1 (``True`` is not a number)."""
    return _PositiveInt(error)


@attrs.frozen(repr=False)
class _NoBusinessDays:
    message: str
    expected: str
    nonzero: bool

    def __call__(self, _inst: object, a: attrs.Attribute[Any], value: Duration) -> None:
        if value.unit == "bd" or (self.nonzero and value.is_zero):
            raise PolicyError(
                self.message.format(name=a.name), expected=self.expected, got=str(value)
            )

    def __repr__(self) -> str:
        zero = ", not zero" if self.nonzero else ""
        return f"<no_business_days{zero} validator>"


def no_business_days(
    *,
    message: str = "{name} cannot be in business days for this rule",
    expected: str = "'7d', '24h', '1w' or '1mo'",
    nonzero: bool = False,
) -> _NoBusinessDays:
    """A validator for a time span counted on the clock: business days are refused (and, with
    ``nonzero``, an empty span too) with a ``PolicyError``; ``{name}`` in ``message`` is the
    field's name."""
    return _NoBusinessDays(message, expected, nonzero)


def duration(value: object) -> Duration:
    """A converter: a :class:`~overdue.durations.Duration` as is, or text such as ``'7d'``
    parsed (a wrong value raises ``InvalidDurationError``)."""
    return as_duration(value)  # type: ignore[arg-type]


def optional_duration(value: object) -> Duration | None:
    """A converter: ``None`` kept, anything else as :func:`duration`."""
    return None if value is None else as_duration(value)  # type: ignore[arg-type]


def as_tuple(value: Iterable[str] | str) -> tuple[str, ...]:
    """A converter: one name becomes a tuple of one, any other iterable a tuple."""
    return (value,) if isinstance(value, str) else tuple(value)


def all_known(
    items: Iterable[str], vocabulary: Iterable[str], message: str, *, hint: bool = True
) -> None:
    """Refuse the first of ``items`` outside ``vocabulary`` with a :class:`PolicyError` that
    lists the vocabulary (and, with ``hint``, the nearest name): one check for every field
    that names words from a fixed list."""
    words = tuple(vocabulary)
    for item in items:
        if item not in words:
            raise PolicyError(
                message,
                expected=" | ".join(words),
                got=item,
                suggestion=suggest(item, words) if hint else None,
            )
