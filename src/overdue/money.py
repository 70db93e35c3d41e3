"""Money: an exact ``Decimal`` amount with an ISO 4217 currency code.

Floats are refused everywhere (``0.1 + 0.2 != 0.3``; a balance must reconcile to the cent), and
currencies never mix silently: adding or comparing EUR with CNY is an error, not a conversion.
"""

from __future__ import annotations

import functools
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import Any

import attrs

from overdue._iso4217 import ISO4217_CODES
from overdue.errors import FloatMoneyError, MoneyError, suggest

__all__ = ["ROUNDINGS", "Money", "minor_units"]

ROUNDINGS: dict[str, str] = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}
"""The rounding modes a policy may name (``Policy.rounding``), by their ``decimal`` constants."""

# ISO 4217 minor units where they are not 2 (the standard's table, currencies in use only).
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        [
            *("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"),
            *("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"),
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def minor_units(currency: str) -> int:
    """How many decimal places ``currency`` is counted in (ISO 4217; 2 unless listed)."""
    return _MINOR_UNITS.get(currency, 2)


_PARSE_EXPECTED = "'<amount> <CUR>' such as '1200.50 CNY'"


def _to_decimal(value: object) -> Decimal:
    """Convert an amount to ``Decimal``, refusing floats, bools, NaN and infinities."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, bool):
        raise MoneyError(
            "a money amount cannot be a bool", expected="a string such as '12.50'", got=value
        )
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        raise FloatMoneyError(
            "money amounts cannot be floats (they cannot hold cents exactly); "
            f"pass a string like '{value!r}' or a Decimal",
            expected="a string such as '12.50', an int or a Decimal",
            got=value,
        )
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(
                "malformed money amount", expected="a decimal number such as '12.50'", got=value
            ) from None
    else:
        raise MoneyError(
            f"a money amount cannot be a {type(value).__name__}",
            expected="a string such as '12.50', an int or a Decimal",
            got=value,
        )
    if not amount.is_finite():
        raise MoneyError("a money amount must be a finite number", expected="'12.50'", got=value)
    return amount


def _currency(_inst: object, _a: object, value: str) -> None:
    if isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha():
        if value in ISO4217_CODES:
            return
        if value.upper() in ISO4217_CODES:
            raise MoneyError(
                "currency codes are upper case",
                expected="an ISO 4217 code such as 'EUR'",
                got=value,
                suggestion=value.upper(),
            )
        raise MoneyError(
            "not an ISO 4217 currency code",
            expected="an ISO 4217 code such as 'EUR' or 'CNY'",
            got=value,
            suggestion=suggest(value.upper(), ISO4217_CODES),
        )
    raise MoneyError(
        "a currency must be a three-letter ISO 4217 code",
        expected="an ISO 4217 code such as 'EUR' or 'CNY'",
        got=value,
    )


@attrs.frozen(eq=True, order=False)
class Money:
    """An exact amount in one currency.

    Equality and hashing compare the decimal *value*, so ``Money("1.0", "EUR") ==
    Money("1.00", "EUR")``; ``str`` keeps the amount exactly as given (``"1.00 EUR"``).
    """

    amount: Decimal = attrs.field(converter=_to_decimal)
    currency: str = attrs.field(validator=_currency)

    @classmethod
    def of_checked(cls, amount: Decimal, currency: str) -> Money:
        """A ``Money`` from parts already checked (a finite ``Decimal``, a currency taken from
        another ``Money``), without running the converter and validator again.

        For hot paths that recombine checked parts (a snapshot's running balance, read once
        per decision); anything else goes through ``Money(...)``.
        """
        if cls is not Money:  # a subclass: its own layout, so the slow way
            money = object.__new__(cls)
            object.__setattr__(money, "amount", amount)
            object.__setattr__(money, "currency", currency)
            return money
        made: Any = object.__new__(_Unchecked)
        made.amount, made.currency = amount, currency
        made.__class__ = Money
        return made  # type: ignore[no-any-return]

    @classmethod
    def parse(cls, text: str) -> Money:
        """``Money.parse("1200.50 CNY")``; cached, since configs repeat the same amounts."""
        if not isinstance(text, str):
            raise MoneyError("money text must be a string", expected=_PARSE_EXPECTED, got=text)
        return _parse(text)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in *currency*: the start of a sum."""
        return cls(_ZERO, currency)

    def rounded(self, rounding: str = "half_up") -> Money:
        """This amount rounded to its currency's minor unit with ``rounding`` (a key of
        :data:`ROUNDINGS`): what a computed fee or interest is before it is posted."""
        mode = ROUNDINGS.get(rounding)
        if mode is None:
            raise MoneyError(
                "unknown rounding",
                expected=" | ".join(ROUNDINGS),
                got=rounding,
                suggestion=suggest(rounding, ROUNDINGS),
            )
        step = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(step, rounding=mode), self.currency)

    @property
    def is_zero(self) -> bool:
        """True if the amount is zero."""
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        """True if the amount is more than zero."""
        return self.amount > 0

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"

    def _same(self, other: Money, op: str) -> None:
        if other.currency != self.currency:
            raise MoneyError(
                f"cannot {op} {self.currency} and {other.currency}",
                expected=f"two amounts in {self.currency}",
                got=f"{self} {op} {other}",
            )

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "add")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "subtract")
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, float):
            raise FloatMoneyError(
                "money cannot be multiplied by a float",
                expected="an int or a Decimal such as Decimal('1.05')",
                got=factor,
            )
        if isinstance(factor, bool) or not isinstance(factor, (int, Decimal)):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other, "compare")
        return self.amount >= other.amount

    def reaches(self, threshold: Money) -> bool:
        """True when this amount is at least ``threshold`` in the same currency.

        A threshold in another currency is never reached (not an error, as ``>=`` gives): a
        balance threshold written in euros says nothing about a debt in dollars, and the
        conditions and rules that test balances (``balance_at_least``, ``minimum_balance``)
        must treat such an account alike: it does not qualify.
        """
        return self.currency == threshold.currency and self.amount >= threshold.amount


_ZERO = Decimal(0)


class _Unchecked(Money):
    """A :class:`Money` while it is filled from parts already checked, made a ``Money`` at once
    (``money.__class__ = Money``).

    Why: a frozen class's slots can only be set through a descriptor call (``object.
    __setattr__``), about six bytecodes and a call each; on this subclass, with the plain
    attribute protocol back, each is one store, and changing the class of the finished value
    (the same layout: no slots of its own) costs about one more.  For :meth:`Money.of_checked`
    and a fold's running balance (``overdue.snapshot``); no ``_Unchecked`` is ever seen
    outside them.
    """

    __slots__ = ()
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__  # both, or the class keeps the slow attribute protocol


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> Money:
    parts = text.split()
    if len(parts) != 2:
        raise MoneyError("malformed money", expected=_PARSE_EXPECTED, got=text)
    amount, currency = parts
    try:
        return Money(amount, currency)
    except MoneyError as exc:
        raise MoneyError(
            f"malformed money ({exc.what})",
            expected=_PARSE_EXPECTED,
            got=text,
            suggestion=f"{amount} {exc.suggestion}" if exc.suggestion else None,
        ) from None
