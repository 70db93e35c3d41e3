"""The vendored ISO 4217 list against the maintained package it was generated from."""

from __future__ import annotations

import pytest

from overdue import Money
from overdue._iso4217 import ISO4217_CODES, ISO4217_SOURCE
from overdue.errors import MoneyError


def test_the_vendored_list_matches_pycountry() -> None:
    pycountry = pytest.importorskip("pycountry")
    installed = frozenset(c.alpha_3 for c in pycountry.currencies)
    assert installed == ISO4217_CODES, (
        f"the vendored list ({ISO4217_SOURCE}) differs from the installed pycountry: "
        f"new {sorted(installed - ISO4217_CODES)}, withdrawn {sorted(ISO4217_CODES - installed)}; "
        "regenerate src/overdue/_iso4217.py"
    )


@pytest.mark.parametrize("code", ["QQQ", "cny", "€", "", "EURO", "XYZ"])
def test_money_refuses_codes_outside_iso_4217(code: str) -> None:
    with pytest.raises(MoneyError):
        Money("1.00", code)


def test_lower_case_gets_a_suggestion() -> None:
    with pytest.raises(MoneyError) as info:
        Money("1.00", "cny")
    assert info.value.suggestion == "CNY"
