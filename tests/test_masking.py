"""The one masking function: phone numbers in any punctuation, e-mails, street addresses."""

from __future__ import annotations

import pytest

from overdue._masking import describe, looks_personal, scrub
from overdue.errors import AccountError, shown


@pytest.mark.parametrize(
    "phone",
    [
        "+86 139 1234 5678",
        "+86.139.1234.5678",
        "+86-139-1234-5678",
        "+86 (139) 1234-5678",
        "(139) 1234-5678",
        "13912345678",
        "+8613912345678",
        "139/1234/5678",
    ],
)
def test_phone_numbers_in_any_punctuation_are_masked(phone: str) -> None:
    text = scrub(f"gateway refused {phone}: unknown subscriber")
    assert phone not in text
    assert text.startswith("gateway refused ")
    assert text.endswith(": unknown subscriber")


@pytest.mark.parametrize(
    "address",
    [
        "12 High Street, London",
        "12 HIGH STREET, LONDON",
        "12 high street",
        "5 Example Road",
        "Building 1, Example Road, Shanghai",
        "Rue 7",
        "上海市浦东新区世纪大道100号",
    ],
)
def test_street_addresses_are_masked_in_any_case(address: str) -> None:
    assert address not in scrub(f"returned to sender: {address}")


def test_a_known_address_is_masked_in_any_case_and_spacing() -> None:
    text = scrub("no such addressee at FLAT 3,  SOMEWHERE LANE", known=["Flat 3, Somewhere Lane"])
    assert "SOMEWHERE" not in text
    assert "Somewhere" not in text


def test_e_mails_are_masked() -> None:
    assert "debtor.private" not in scrub("bounce: debtor.private@example.org")


@pytest.mark.parametrize(
    "text",
    [
        "not before 2026-03-01T09:00:00+08:00",
        "on 2026-03-01 09:00",
        "covered 2001-2026",
        "years 1900..2999",
        "amount 1234567.89 CNY",
        "at most 10,000",
        "line 3, column 5",
        "key A-1001:reminder:sms:1",
        "$.stages[2].steps[0].max_attempts",
        "got 400000000; steps need 365250000 days",
    ],
)
def test_dates_amounts_and_paths_are_left_alone(text: str) -> None:
    assert scrub(text) == text


def test_describe_never_echoes() -> None:
    assert describe("+86 139 1234 5678") == "a phone number (13 digits)"
    assert describe(13912345678) == "a whole number that looks like a phone number (11 digits)"
    assert describe("debtor@example.org") == "an e-mail address"
    assert describe("12 High Street").startswith("a street address")
    assert describe("hello") == "a string of 5 characters"
    assert describe(10**5000) == "a whole number of 5001 digit(s)"
    assert looks_personal(13912345678)
    assert not looks_personal(30)
    assert not looks_personal("A-1")


def test_every_error_message_is_masked_and_short() -> None:
    err = AccountError("contacts must be a list", got="+86.139.1234.5678")
    assert "1234" not in str(err)
    assert shown(10**5000) == "<a whole number of 5001 digit(s)>"
    assert len(shown("x" * 10_000)) < 200
