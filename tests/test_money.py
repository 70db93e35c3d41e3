"""Money: exact decimals, no floats, no currency mixing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overdue.errors import FloatMoneyError, MoneyError
from overdue.money import Money

amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False)


def test_construct_from_str_int_decimal() -> None:
    assert Money("12.50", "EUR").amount == Decimal("12.50")
    assert Money(12, "EUR").amount == Decimal(12)
    assert Money(Decimal("0.01"), "EUR").amount == Decimal("0.01")


def test_float_refused() -> None:
    with pytest.raises(FloatMoneyError, match=r"'12\.5'") as info:
        Money(12.5, "EUR")  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, MoneyError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [True, "NaN", "inf", Decimal("Infinity"), "12,50", "", None])
def test_bad_amounts(value: object) -> None:
    with pytest.raises(MoneyError) as info:
        Money(value, "EUR")  # type: ignore[arg-type]
    assert not isinstance(info.value, FloatMoneyError)


def test_lowercase_currency_suggests() -> None:
    with pytest.raises(MoneyError) as info:
        Money("1", "eur")
    assert info.value.suggestion == "EUR"


@pytest.mark.parametrize("code", ["EURO", "EU", "E1R", "ÄUR", 978])
def test_bad_currency(code: object) -> None:
    with pytest.raises(MoneyError):
        Money("1", code)  # type: ignore[arg-type]


def test_parse_and_str() -> None:
    m = Money.parse("1200.50 CNY")
    assert m == Money("1200.50", "CNY")
    assert str(m) == "1200.50 CNY"
    assert str(Money("1E+3", "EUR")) == "1000 EUR"
    assert Money.parse(str(m)) == m


@pytest.mark.parametrize("text", ["1200.50", "CNY 1200.50", "1200.50 cny", "12 EUR extra", ""])
def test_parse_refuses(text: str) -> None:
    with pytest.raises(MoneyError) as info:
        Money.parse(text)
    assert info.value.expected == "'<amount> <CUR>' such as '1200.50 CNY'"


def test_parse_lowercase_suggests_whole_text() -> None:
    with pytest.raises(MoneyError) as info:
        Money.parse("12.50 eur")
    assert info.value.suggestion == "12.50 EUR"


def test_equality_and_hash_by_value() -> None:
    assert Money("1.0", "EUR") == Money("1.00", "EUR")
    assert hash(Money("1.0", "EUR")) == hash(Money("1.00", "EUR"))
    assert Money("1", "EUR") != Money("1", "USD")
    assert len({Money("1.0", "EUR"), Money("1.00", "EUR")}) == 1


def test_arithmetic() -> None:
    a, b = Money("10.50", "EUR"), Money("0.75", "EUR")
    assert a + b == Money("11.25", "EUR")
    assert a - b == Money("9.75", "EUR")
    assert -a == Money("-10.50", "EUR")
    assert a * 2 == Money("21.00", "EUR")
    assert 2 * a == Money("21.00", "EUR")
    assert a * Decimal("0.1") == Money("1.050", "EUR")
    assert Money.zero("EUR").is_zero
    assert a.is_positive
    assert not (-a).is_positive


def test_currency_mix_refused() -> None:
    eur, cny = Money("1", "EUR"), Money("1", "CNY")
    for op in (
        lambda: eur + cny,
        lambda: eur - cny,
        lambda: eur < cny,
        lambda: eur <= cny,
        lambda: eur > cny,
        lambda: eur >= cny,
    ):
        with pytest.raises(MoneyError, match="EUR and CNY"):
            op()


def test_multiply_by_float_refused() -> None:
    with pytest.raises(FloatMoneyError):
        Money("1", "EUR") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money("1", "EUR") * "2"  # type: ignore[operator]


def test_comparisons() -> None:
    assert Money("1", "EUR") < Money("2", "EUR")
    assert Money("2", "EUR") >= Money("2.00", "EUR")
    with pytest.raises(TypeError):
        _ = Money("1", "EUR") < 2  # type: ignore[operator]


@given(amounts, amounts)
def test_add_sub_round_trip(x: Decimal, y: Decimal) -> None:
    a, b = Money(x, "EUR"), Money(y, "EUR")
    assert (a + b) - b == a
    assert a + (-a) == Money.zero("EUR")
    assert (a < b) == (x < y)


@given(amounts)
def test_str_parse_round_trip(x: Decimal) -> None:
    m = Money(x, "JPY")
    assert Money.parse(str(m)) == m
    assert str(Money.parse(str(m))) == str(m)
