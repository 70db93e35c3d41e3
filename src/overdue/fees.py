"""Fees and interest per rung: what the rung charges, computed exactly, posted by the host.

A :class:`Fee` on a :class:`~overdue.policy.Stage` says the rung charges a fixed fee, a yearly
interest rate, or both.  The engine computes the amounts with ``Decimal`` and the policy's
``rounding`` (to the currency's minor unit, :meth:`overdue.money.Money.rounded`), states them in
the message facts of the rung's actions (a formal notice must say what is charged), and hands
them to the host as :class:`~overdue.decision.Posting` instructions: the library posts nothing.
See ``docs/billing.md`` for the interest period and what keeps a fee from being charged twice.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from overdue.errors import PolicyError
from overdue.money import Money

__all__ = ["DAYS_PER_YEAR", "Fee", "interest_on", "simple_interest"]

DAYS_PER_YEAR = 365
"""Interest counts actual days over a 365-day year (actual/365)."""


def _opt_money(value: object) -> Money | None:
    if value is None or isinstance(value, Money):
        return value
    if isinstance(value, str):
        return Money.parse(value)
    raise PolicyError("fee.fixed must be money such as '5.00 EUR'", got=value)


def _opt_rate(value: object) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip().removesuffix("%").strip())
        except ArithmeticError:
            pass
    raise PolicyError(
        "fee.yearly_rate must be a percentage such as '8.5' (a string, not a float)", got=value
    )


@attrs.frozen
class Fee:
    """What entering a rung charges: ``fixed`` once per entry, and/or interest at
    ``yearly_rate`` percent a year on the principal (the balance without earlier charges)."""

    fixed: Money | None = attrs.field(default=None, kw_only=True, converter=_opt_money)
    yearly_rate: Decimal | None = attrs.field(default=None, kw_only=True, converter=_opt_rate)

    def __attrs_post_init__(self) -> None:
        if self.fixed is None and self.yearly_rate is None:
            raise PolicyError(
                "a fee charges nothing", expected="fixed = '5.00 EUR' and/or yearly_rate = '8'"
            )
        if self.fixed is not None and not self.fixed.is_positive:
            raise PolicyError(
                "fee.fixed must be above zero", key_path="fixed", got=str(self.fixed)
            )
        rate = self.yearly_rate
        if rate is not None and (not rate.is_finite() or rate <= 0 or rate > 100):
            raise PolicyError(
                "fee.yearly_rate is a percentage above 0 and at most 100",
                key_path="yearly_rate",
                expected="a percentage such as '8.5' (for 8.5 % a year)",
                got=str(rate),
            )


def simple_interest(
    principal: Money, yearly_rate: Decimal, start: date, end: date, rounding: str
) -> Money:
    """Interest on ``principal`` at ``yearly_rate`` percent for the days ``start`` to ``end``,
    both counted (none when ``end`` is before ``start``), actual/365, rounded once at the end."""
    return interest_on(((principal, start),), yearly_rate, end, rounding)


def interest_on(
    items: tuple[tuple[Money, date], ...], yearly_rate: Decimal, end: date, rounding: str
) -> Money:
    """Interest on several amounts, each from its own first day to ``end`` (both counted),
    summed exactly and rounded once: one posting, no rounding error per invoice."""
    if not items:
        raise ValueError("interest_on needs at least one amount")
    currency = items[0][0].currency
    raw = Decimal(0)
    for amount, start in items:
        days = max((end - start).days + 1, 0)
        raw += amount.amount * yearly_rate * days / (100 * DAYS_PER_YEAR)
    return Money(raw, currency).rounded(rounding)
