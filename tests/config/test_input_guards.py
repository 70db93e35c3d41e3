"""Policy files from outside: encoding, nesting, ranges, currencies, calendar countries.

Every bad file must end in a located ``PolicyFileError`` (never ``UnicodeDecodeError``,
``RecursionError`` or ``OverflowError``), and every problem of one file is reported at once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from overdue.config import load_policy, loads_policy
from overdue.config.limits import MAX_COUNT, MAX_DEPTH, MAX_DURATION
from overdue.errors import PolicyFileError

GOOD = """
schema = "overdue.policy/1"
id = "guarded"
currency = "EUR"

[[stages]]
id = "reminder"
enters_when = { days_overdue_at_least = 1 }
deadline = "7d"
steps = [ { channel = "sms", template = "reminder.sms", max_attempts = 3, repeat_every = "2d" } ]

[[stages]]
id = "notice"
deadline = "14d"
steps = [ { channel = "email", template = "notice.formal", at = "1d" } ]
"""


def _problems(text: str | bytes, fmt: str = "toml") -> list[tuple[str | None, str]]:
    with pytest.raises(PolicyFileError) as info:
        loads_policy(text, fmt)  # type: ignore[arg-type]
    return [(e.key_path, str(e)) for e in info.value.exceptions]


def test_the_good_file_loads() -> None:
    assert loads_policy(GOOD).id == "guarded"


# --------------------------------------------------------------------------- encoding


def test_a_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_policy(path).id == "guarded"
    assert loads_policy("\ufeff" + GOOD).id == "guarded"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (GOOD.encode("utf-16"), "UTF-16"),
        (GOOD.replace('"guarded"', '"gu\u00e9rded"').encode("latin-1"), "byte 0xe9 at line 3"),
        (b"\xff" + GOOD.encode(), "byte 0xff at line 1, column 1"),
    ],
    ids=["utf16", "latin1", "xff"],
)
def test_a_file_that_is_not_utf8_is_a_located_problem(
    tmp_path: Path, data: bytes, words: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_bytes(data)
    with pytest.raises(PolicyFileError) as info:
        load_policy(path)
    (problem,) = info.value.exceptions
    assert problem.key_path == "$"
    assert words in str(problem)
    assert "UTF-8" in str(problem)


def test_a_lone_surrogate_is_refused_where_it_is() -> None:
    doc = GOOD.replace('id = "guarded"', 'id = "guarded"').replace(
        'template = "notice.formal"', 'template = "notice\\ud800"'
    )
    # TOML itself refuses a surrogate escape; JSON reads it, and the loader refuses it
    assert _problems(doc)
    problems = _problems('{"schema": "overdue.policy/1", "id": "\\ud800", "stages": []}', "json")
    assert ("$.id", problems[0][1]) in problems
    assert "lone surrogate" in problems[0][1]


# --------------------------------------------------------------------------- nesting


def test_a_600_deep_condition_is_a_located_problem() -> None:
    deep = "{not = " * 600 + "{days_overdue_at_least = 1}" + "}" * 600
    text = GOOD.replace("enters_when = { days_overdue_at_least = 1 }", f"enters_when = {deep}")
    ((path, message),) = _problems(text)
    assert path == "$"
    assert "nests" in message


def test_nesting_past_the_limit_that_parses_is_refused_with_its_path() -> None:
    deep = "{not = " * MAX_DEPTH + "{days_overdue_at_least = 1}" + "}" * MAX_DEPTH
    text = GOOD.replace("enters_when = { days_overdue_at_least = 1 }", f"enters_when = {deep}")
    text = text.replace('currency = "EUR"', 'currency = "QQQ"')
    problems = _problems(text)
    paths = [p for p, _ in problems]
    assert "$.currency" in paths  # reported with the others, not instead of them
    deep_path = next(p for p, m in problems if "more than" in m)
    assert deep_path is not None
    assert deep_path.startswith("$.stages[0].enters_when.not.not")


def test_deeply_nested_json_arrays_are_a_located_problem() -> None:
    text = '{"schema": "overdue.policy/1", "id": "x", "stages": ' + "[" * 5000 + "]" * 5000 + "}"
    ((path, message),) = _problems(text, "json")
    assert path == "$"
    assert "nests" in message


def test_a_5001_digit_number_is_a_located_problem() -> None:
    text = GOOD.replace("max_attempts = 3", "max_attempts = " + "9" * 5001)
    ((path, message),) = _problems(text)
    assert path == "$"
    assert "not a readable TOML document" in message


# --------------------------------------------------------------------------- ranges


def test_out_of_range_numbers_and_durations_are_all_reported_at_once() -> None:
    text = (
        GOOD.replace("max_attempts = 3", "max_attempts = 400000000")
        .replace("days_overdue_at_least = 1", "days_overdue_at_least = 100000000000")
        .replace('deadline = "7d"', 'deadline = "9999999999d"')
        .replace('repeat_every = "2d"', 'repeat_every = "9999999999d"')
        .replace('at = "1d"', 'at = "1201mo"')
    )
    problems = dict(_problems(text))
    assert set(problems) == {
        "$.stages[0].enters_when.days_overdue_at_least",
        "$.stages[0].deadline",
        "$.stages[0].steps[0].max_attempts",
        "$.stages[0].steps[0].repeat_every",
        "$.stages[1].steps[0].at",
    }
    assert "100 years" in problems["$.stages[0].deadline"]
    assert f"{MAX_COUNT:,}" in problems["$.stages[0].steps[0].max_attempts"]


@pytest.mark.parametrize("unit", sorted(MAX_DURATION))
def test_each_unit_is_allowed_up_to_100_years_and_no_further(unit: str) -> None:
    cap = MAX_DURATION[unit]
    ok = GOOD.replace('deadline = "14d"', f'deadline = "{cap}{unit}"')
    if unit != "bd":
        assert loads_policy(ok).stages[1].deadline is not None
    (problem,) = _problems(GOOD.replace('deadline = "14d"', f'deadline = "{cap + 1}{unit}"'))
    assert problem[0] == "$.stages[1].deadline"


def test_money_out_of_range_is_refused() -> None:
    text = GOOD.replace(
        "enters_when = { days_overdue_at_least = 1 }",
        'enters_when = { balance_at_least = "1E+1000000 EUR" }',
    )
    ((path, message),) = _problems(text)
    assert path == "$.stages[0].enters_when.balance_at_least"
    assert "out of range" in message


# --------------------------------------------------------------------------- currencies


@pytest.mark.parametrize("code", ["cny", "€", "", "QQQ", "EURO", 12])
def test_the_policy_currency_must_be_iso_4217(code: object) -> None:
    value = f'"{code}"' if isinstance(code, str) else str(code)
    problems = dict(_problems(GOOD.replace('currency = "EUR"', f"currency = {value}")))
    assert "$.currency" in problems
    assert ("ISO 4217" if isinstance(code, str) else "expected a string") in problems["$.currency"]
    if code == "cny":
        assert "did you mean 'CNY'" in problems["$.currency"]


@pytest.mark.parametrize("money", ["10.00 QQQ", "10.00 cny", "10.00 €"])
def test_money_currencies_must_be_iso_4217(money: str) -> None:
    text = GOOD.replace(
        "enters_when = { days_overdue_at_least = 1 }",
        f'enters_when = {{ balance_at_least = "{money}" }}',
    )
    ((path, _),) = _problems(text)
    assert path == "$.stages[0].enters_when.balance_at_least"


# --------------------------------------------------------------------------- calendar countries


@pytest.mark.parametrize(
    "country", ["HolidayBase", "country_holidays", "EntityLoader", "__class__", "XX"]
)
def test_only_countries_the_holidays_package_lists_are_looked_up(country: str) -> None:
    pytest.importorskip("holidays")
    text = GOOD + f'\n[calendar]\nkind = "holidays"\ncountry = "{country}"\n'
    problems = dict(_problems(text))
    assert any(p and p.startswith("$.calendar") for p in problems)
    assert "no such country" in " ".join(problems.values())


def test_a_listed_country_still_loads() -> None:
    pytest.importorskip("holidays")
    text = GOOD + '\n[calendar]\nkind = "holidays"\ncountry = "CN"\n'
    assert loads_policy(text).calendar.name == "holidays:CN"


def test_the_documented_limits_are_the_enforced_ones() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "policy-files.md").read_text("utf-8")
    for unit, cap in MAX_DURATION.items():
        assert f"`{cap}{unit}`" in text, unit
    assert f"at most {MAX_DEPTH} deep" in text
    assert f"-{MAX_COUNT:,}..{MAX_COUNT:,}" in text
