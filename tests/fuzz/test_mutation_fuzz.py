"""Our own hostile corpus, regenerated on every run: mutated policy files and damaged account files.

A seeded mutation fuzzer (the same mutants on every run; ``OVERDUE_FUZZ=long`` makes ten times as
many, ``OVERDUE_FUZZ_SEED`` picks another seed).  The seeds are the shipped example policies, the
reference policy's own dump, and the example accounts.  Each mutant is judged by checks that do
not use the library's own validation:

* **crashes**: anything raised that is not an ``OverdueError`` (a ``PolicyFileError`` for
  policies), and any exception out of ``overdue next`` / ``overdue check``;
* **accepted-invalid**: a mutant that is invalid by construction -- bytes that are not UTF-8, a
  currency that ``pycountry`` does not list, a duration over 100 years, a count over 10,000,
  nesting over 48 levels, a lone surrogate, a calendar country the ``holidays`` package does not
  list, an unknown key -- and that loads anyway; and any accepted mutant whose raw document
  breaks one of those rules anywhere;
* **lost**: a line of a damaged account file that is neither decided nor reported, or an
  undamaged line that is not decided, or counts that do not reconcile;
* **leaks**: a phone number, e-mail or street address of the input, verbatim, in stdout, stderr,
  an error record, a log record or a ledger row.

The counts are printed (``pytest -s``) and recorded as test properties (``--junitxml``).
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pycountry
import pytest
import tomli_w

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, timeline
from overdue.cli import main
from overdue.config import dumps_policy, load_accounts, load_policy
from overdue.dispatch import (
    ChannelRegistry,
    Dispatcher,
    RecordingAdapter,
    Renderer,
    RetryPolicy,
    SqliteLedger,
)
from overdue.errors import OverdueError, PolicyFileError

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted((ROOT / "examples" / "policies").glob("*.toml"))
ACCOUNTS = ROOT / "examples" / "accounts.jsonl"
AT = "2026-04-20T10:00:00+08:00"

LONG = os.environ.get("OVERDUE_FUZZ") == "long"
SEED = int(os.environ.get("OVERDUE_FUZZ_SEED", "20261202"))
POLICY_MUTANTS = 4000 if LONG else 420
ACCOUNT_FILES = 600 if LONG else 60
DISPATCH_CASES = 400 if LONG else 40

ISO = frozenset(c.alpha_3 for c in pycountry.currencies)
COUNTRIES = frozenset(holidays.list_supported_countries())
DURATION = re.compile(r"(\d+)(min|h|d|w|mo|bd)")
MONEY = re.compile(r"(\S+) ([A-Za-z]{3})")
DAYS_PER_UNIT = {"min": 1 / 1440, "h": 1 / 24, "d": 1, "w": 7, "mo": 31, "bd": 1.4}
HUNDRED_YEARS = 36_525

# Personal data the account mutants put where it does not belong, and the punctuation variants
# a provider might quote back.
PHONE = "+86 139 1234 5678"
PII = [
    PHONE,
    "+86.139.1234.5678",
    "(139) 1234-5678",
    "13912345678",
    "debtor.private@example.org",
    "12 High Street, London",
    "12 HIGH STREET, LONDON",
]


def _counts(record: Callable[[str, object], None], name: str, **counts: int) -> None:
    line = ", ".join(f"{k}={v}" for k, v in counts.items())
    print(f"\nfuzz {name}: {line} (seed {SEED}{', long' if LONG else ''})")
    for k, v in counts.items():
        record(f"fuzz_{name}_{k}", v)


# --------------------------------------------------------------------------- independent checks


def _walk(node: Any, path: str = "$", depth: int = 0) -> Iterator[tuple[str, Any, int]]:
    yield path, node, depth
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}", depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]", depth + 1)


def _days(text: str) -> float | None:
    m = DURATION.fullmatch(text)
    return int(m.group(1)) * DAYS_PER_UNIT[m.group(2)] if m else None


def _breaks_a_rule(doc: Any, duration_keys: set[str], money_keys: set[str]) -> str | None:
    """Why a parsed document is invalid by the documented limits, judged without the library."""
    for path, value, depth in _walk(doc):
        key = path.rsplit(".", 1)[-1]
        if depth > 48:
            return f"nested {depth} deep at {path}"
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return f"lone surrogate at {path}"
            if key == "currency" and value not in ISO:
                return f"currency {value!r} at {path}"
            if key in duration_keys and (_days(value) or 0) > HUNDRED_YEARS:
                return f"duration {value!r} at {path}"
            m = MONEY.fullmatch(value)
            if key in money_keys and m and m.group(2) not in ISO:
                return f"money {value!r} at {path}"
            if key == "country" and value not in COUNTRIES:
                return f"country {value!r} at {path}"
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10_000:
            return f"number {value} at {path}"
    return None


# --------------------------------------------------------------------------- policy mutants


def _seeds() -> list[tuple[str, bytes]]:
    seeds = [(p.name, p.read_bytes()) for p in POLICIES]
    seeds.append(("reference.toml", dumps_policy(REFERENCE_POLICY, "toml").encode()))
    seeds.append(("reference.json", dumps_policy(REFERENCE_POLICY, "json").encode()))
    return seeds


def _parse(name: str, data: bytes) -> Any:
    text = data.decode("utf-8")
    return json.loads(text) if name.endswith(".json") else tomllib.loads(text)


def _leaves(doc: Any) -> list[tuple[list[Any], Any]]:
    """(container path as keys, value) of every leaf and table/list in the document."""
    out: list[tuple[list[Any], Any]] = []

    def walk(node: Any, keys: list[Any]) -> None:
        if keys:
            out.append((keys, node))
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*keys, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, [*keys, i])

    walk(doc, [])
    return out


def _set(doc: Any, keys: list[Any], value: Any) -> None:
    node = doc
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value


def _delete(doc: Any, keys: list[Any]) -> None:
    node = doc
    for k in keys[:-1]:
        node = node[k]
    del node[keys[-1]]


DEEP = "\x00DEEP\x00"
BIG = "\x00BIG\x00"

# value swaps: (value, why it must be refused or None, applies to keys of this kind or any)
SWAPS: list[tuple[Any, str]] = [
    (400_000_000, "count"),
    (100_000_000_000, "count"),
    (-20_000, "count"),
    ("9999999999d", "duration"),
    ("36526d", "duration"),
    ("5219w", "duration"),
    ("1201mo", "duration"),
    ("99999999h", "duration"),
    ("cny", "currency"),
    ("€", "currency"),
    ("", "currency"),
    ("QQQ", "currency"),
    ("1.00 QQQ", "money"),
    ("1.00 cny", "money"),
    ("\ud800", "surrogate"),
    ("id\ud800", "surrogate"),
    ("HolidayBase", "country"),
    ("__class__", "country"),
    ("country_holidays", "country"),
    (DEEP, "deep"),
    (BIG, "big"),
    ("\x1b[31mred\x1b[0m", "harmless"),
    ("x" * 3000, "harmless"),
    (True, "harmless"),
    (1.5, "harmless"),
    ([], "harmless"),
    ({}, "harmless"),
    ("7d", "harmless"),
    (3, "harmless"),
]


def _must_refuse(kind: str, seed_value: Any, key: Any) -> bool:
    """Whether putting a value of *kind* where *seed_value* was makes the document invalid."""
    if kind in ("surrogate", "deep", "big"):
        return True
    if kind == "count":
        return isinstance(seed_value, int) and not isinstance(seed_value, bool)
    if kind == "duration":
        return isinstance(seed_value, str) and DURATION.fullmatch(seed_value) is not None
    if kind == "currency":
        return key == "currency"
    if kind == "money":
        return (
            isinstance(seed_value, str)
            and MONEY.fullmatch(seed_value) is not None
            and (_is_decimal(seed_value.split()[0]))
        )
    if kind == "country":
        return key == "country"
    return False


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _serialise(doc: Any, fmt: str) -> bytes:
    if fmt == "toml":
        try:
            text = tomli_w.dumps(doc)
        except (TypeError, ValueError):
            fmt = "json"
        else:
            text = text.replace(
                json.dumps(DEEP), "{not = " * 600 + "{days_overdue_at_least = 1}" + "}" * 600
            )
            text = text.replace(json.dumps(BIG), "9" * 5001)
            return text.encode("utf-8", "surrogatepass")
    text = json.dumps(doc)
    text = text.replace(json.dumps(DEEP), "[" * 5000 + "]" * 5000)
    return text.replace(json.dumps(BIG), "9" * 5001).encode("utf-8", "surrogatepass")


def _mutate_policy(
    rng: random.Random, name: str, data: bytes, doc: Any
) -> tuple[str, bytes, str, bool]:
    """(suffix, bytes, mutation, must_refuse)."""
    fmt = "json" if name.endswith(".json") else "toml"
    op = rng.choice(
        [
            "flip",
            "truncate",
            "latin1",
            "utf16",
            "xff",
            "bom",
            "delete",
            "swap",
            "swap",
            "swap",
            "unknown_key",
            "currency",
            "duration",
            "country",
        ]
    )
    if op == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            b[i] = rng.randrange(256)
        return fmt, bytes(b), op, False
    if op == "truncate":
        return fmt, data[: rng.randrange(len(data))], op, False
    if op == "latin1":
        text = data.decode("utf-8") + "\n# café, 5 €\n"
        return fmt, text.encode("latin-1", "replace"), op, True
    if op == "utf16":
        return fmt, data.decode("utf-8").encode("utf-16"), op, True
    if op == "xff":
        i = rng.randrange(len(data))
        return fmt, data[:i] + b"\xff" + data[i:], op, True
    if op == "bom":
        return fmt, b"\xef\xbb\xbf" + data, op, False
    doc = json.loads(json.dumps(doc))  # a private copy
    leaves = _leaves(doc)
    if op == "delete":
        keys, _ = rng.choice(leaves)
        _delete(doc, keys)
        return fmt, _serialise(doc, fmt), op, False
    if op == "unknown_key":
        tables = [keys for keys, v in leaves if isinstance(v, dict)] + [[]]
        keys = rng.choice(tables)
        node = doc
        for k in keys:
            node = node[k]
        node["zz_not_a_key"] = 1  # tables are closed; a condition table takes one key only
        return fmt, _serialise(doc, fmt), op, True
    if op == "currency":
        doc["currency"] = rng.choice(["cny", "€", "", "QQQ", "EURO", "XYZ"])
        return fmt, _serialise(doc, fmt), op, True
    if op == "duration":
        durs = [(k, v) for k, v in leaves if isinstance(v, str) and DURATION.fullmatch(v)]
        if durs:
            keys, _ = rng.choice(durs)
            _set(doc, keys, rng.choice(["9999999999d", "36526d", "1201mo", "26101bd"]))
            return fmt, _serialise(doc, fmt), op, True
        return fmt, data, "none", False
    if op == "country":
        doc["calendar"] = {
            "kind": "holidays",
            "country": rng.choice(
                ["HolidayBase", "__class__", "country_holidays", "EntityLoader", "XX", "cn"]
            ),
        }
        return fmt, _serialise(doc, fmt), op, True
    # swap a leaf for a hostile value
    keys, seed_value = rng.choice(leaves)
    value, kind = rng.choice(SWAPS)
    _set(doc, keys, value)
    must = _must_refuse(kind, seed_value, keys[-1])
    return fmt, _serialise(doc, fmt), f"swap:{kind}:{keys[-1]}", must


def _keys_of(seeds: list[tuple[str, bytes]]) -> tuple[set[str], set[str]]:
    """Which keys hold durations and which hold money in the seeds (for the acceptance check)."""
    durations: set[str] = set()
    money: set[str] = set()
    for name, data in seeds:
        for path, value, _ in _walk(_parse(name, data)):
            key = path.rsplit(".", 1)[-1]
            if isinstance(value, str) and DURATION.fullmatch(value):
                durations.add(key)
            m = MONEY.fullmatch(value) if isinstance(value, str) else None
            if m and _is_decimal(m.group(1)):
                money.add(key)
    return durations, money


def _sample_accounts() -> list[Account]:
    return [r.account for r in load_accounts(ACCOUNTS) if r.account is not None][:3]


def test_policy_mutants(tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    rng = random.Random(SEED)
    seeds = _seeds()
    docs = {name: _parse(name, data) for name, data in seeds}
    duration_keys, money_keys = _keys_of(seeds)
    accounts = _sample_accounts()
    at = datetime.fromisoformat(AT)
    mutants = crashes = accepted_invalid = refused = accepted = 0
    problems: list[str] = []
    for n in range(POLICY_MUTANTS):
        name, data = seeds[n % len(seeds)]
        fmt, mutant, op, must_refuse = _mutate_policy(rng, name, data, docs[name])
        path = tmp_path / f"m{n}.{fmt}"
        path.write_bytes(mutant)
        mutants += 1
        try:
            policy = load_policy(path)
        except PolicyFileError as exc:
            refused += 1
            text = str(exc)  # rendering must not fail either
            assert text
            continue
        except Exception as exc:
            crashes += 1
            problems.append(f"crash {op} on {name}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        accepted += 1
        why = "a mutation that is invalid by construction" if must_refuse else None
        if why is None:
            try:
                raw = _parse(path.name, mutant.removeprefix(b"\xef\xbb\xbf"))
            except Exception:
                why = "the independent parser refuses it"
            else:
                why = _breaks_a_rule(raw, duration_keys, money_keys)
        if why is not None:
            accepted_invalid += 1
            problems.append(f"accepted-invalid {op} on {name}: {why}")
            continue
        for account in accounts:  # an accepted policy must decide without a non-library error
            try:
                decide(policy, account, at)
            except OverdueError:
                pass
            except Exception as exc:
                crashes += 1
                problems.append(f"decide crash {op} on {name}: {type(exc).__name__}: {exc}")
        try:  # ... and project a schedule
            timeline(policy, accounts[n % len(accounts)], at, at + timedelta(days=60))
        except OverdueError:
            pass
        except Exception as exc:
            crashes += 1
            problems.append(f"timeline crash {op} on {name}: {type(exc).__name__}: {exc}")
        if n % 7 == 0:  # and `overdue check` prints it without raising
            out, err = io.StringIO(), io.StringIO()
            assert main(["check", str(path)], out=out, err=err) in (0, 1)
            assert "\x1b" not in out.getvalue() + err.getvalue()
    _counts(
        record_property,
        "policies",
        mutants=mutants,
        refused=refused,
        accepted=accepted,
        crashes=crashes,
        accepted_invalid=accepted_invalid,
    )
    assert not problems, "\n".join(problems[:20])
    assert refused > mutants // 3  # the corpus is hostile, not a no-op


def test_a_policy_mutant_that_only_adds_a_bom_is_accepted(tmp_path: Path) -> None:
    for name, data in _seeds():
        path = tmp_path / name
        path.write_bytes(b"\xef\xbb\xbf" + data)
        assert load_policy(path).id


# --------------------------------------------------------------------------- account mutants


def _account_seeds() -> list[bytes]:
    return [line for line in ACCOUNTS.read_bytes().split(b"\n") if line.strip()]


def _damage(rng: random.Random, line: bytes) -> tuple[bytes, bool]:
    """(damaged line, still a good account?)."""
    doc = json.loads(line)
    op = rng.choice(
        [
            "flip",
            "truncate",
            "utf8",
            "bigint",
            "deep",
            "due",
            "amount",
            "contacts_phone",
            "contacts_int",
            "contacts_email",
            "address_recased",
            "escape_id",
            "u2028",
            "u0085",
            "address_as_list",
        ]
    )
    if op == "flip":
        b = bytearray(line)
        i = rng.randrange(len(b))
        b[i] = rng.choice(b'{}[]",:\xff\x00')
        return bytes(b), False
    if op == "truncate":
        return line[: rng.randrange(1, len(line) - 1)], False
    if op == "utf8":
        i = rng.randrange(len(line))
        return line[:i] + b"\xff\xfe" + line[i:], False
    if op == "bigint":
        return line[:-1] + b', "n": ' + b"9" * 5001 + b"}", False
    if op == "deep":
        deep = b"[" * 5000 + b"]" * 5000
        return b'{"id": "' + doc["id"].encode() + b'", "x": ' + deep + b"}", False
    if op == "due":
        doc["invoices"][0]["due"] = "9999-12-31"
    elif op == "amount":
        doc["invoices"][0]["amount"] = "1E+1000000 CNY"
    elif op == "contacts_phone":
        doc["contacts"] = PHONE
    elif op == "contacts_int":
        doc["contacts"] = [13912345678]
    elif op == "contacts_email":
        doc["contacts"] = ["debtor.private@example.org"]
    elif op == "address_as_list":
        doc["contacts"][0]["address"] = ["12 High Street, London", PHONE]
    elif op == "address_recased":
        doc["contacts"][0]["address"] = 12
        doc["contacts"][1]["channel"] = "12 HIGH STREET, LONDON"
        doc["contacts"][1]["address"] = None
    elif op == "escape_id":
        doc["id"] = doc["id"] + "\x1b[2J\x07"
        return json.dumps(doc).encode(), True
    elif op in ("u2028", "u0085"):
        doc["id"] = doc["id"] + ("\u2028" if op == "u2028" else "\u0085") + "x"
        return json.dumps(doc, ensure_ascii=False).encode(), True
    return json.dumps(doc).encode(), False


def _physical_lines(data: bytes) -> list[bytes]:
    """Non-blank lines, split as the docs promise: at \\n, \\r\\n or a bare \\r, nowhere else."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    return [p for p in re.split(rb"\r\n|\n|\r", data) if p.strip()]


def _id_of(line: bytes) -> str | None:
    try:
        doc = json.loads(line)
    except Exception:
        return None
    return doc.get("id") if isinstance(doc, dict) else None


def test_damaged_account_files(
    tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    rng = random.Random(SEED + 1)
    seeds = _account_seeds()
    policy = ROOT / "examples" / "policies" / "seed_platform.toml"
    files = lines_total = decided_total = reported = lost = leaks = crashes = 0
    problems: list[str] = []
    raw_pii = set(PII)
    for line in seeds:
        for c in json.loads(line)["contacts"]:
            if c["channel"] != "in_app":
                raw_pii.add(c["address"])
    for n in range(ACCOUNT_FILES):
        lines: list[bytes] = []
        good_ids: list[str] = []
        for line in seeds:
            if rng.random() < 0.3:
                damaged, good = _damage(rng, line)
                lines.append(damaged)
                if good:
                    good_ids.append(json.loads(damaged)["id"])
            else:
                lines.append(line)
                good_ids.append(json.loads(line)["id"])
        end = rng.choice([b"\n", b"\r\n", b"\r"])
        data = (b"\xef\xbb\xbf" if rng.random() < 0.3 else b"") + end.join(lines) + end
        path = tmp_path / f"a{n}.jsonl"
        path.write_bytes(data)
        files += 1
        expected = len(_physical_lines(data))
        lines_total += expected
        out, err = io.StringIO(), io.StringIO()
        try:
            code = main(["next", str(policy), str(path), "--at", AT], out=out, err=err)
        except BaseException as exc:
            crashes += 1
            problems.append(f"crash on file {n}: {type(exc).__name__}: {exc}")
            continue
        records = [json.loads(r) for r in out.getvalue().splitlines()]
        errors = [r for r in records if r["status"] == "error"]
        decided_ids = [r["account_id"] for r in records if r["status"] != "error"]
        decided_total += len(decided_ids)
        reported += len(errors)
        missing = [i for i in good_ids if i not in decided_ids]
        if len(records) != expected or missing:
            lost += max(expected - len(records), 0) + len(missing)
            problems.append(
                f"file {n}: {expected} lines, {len(records)} records, good not decided {missing}"
            )
        if code != (1 if errors else 0):
            problems.append(f"file {n}: exit code {code} with {len(errors)} error record(s)")
        summary = f"{expected} account(s) read, {len(decided_ids)} decided; "
        if errors and summary not in err.getvalue():
            problems.append(f"file {n}: counts not reconciled on stderr: {err.getvalue()[-200:]}")
        if "\x1b" in err.getvalue():
            problems.append(f"file {n}: a terminal escape reached stderr")
        text = out.getvalue() + err.getvalue()
        for pii in raw_pii:
            if pii in text:
                leaks += 1
                problems.append(f"file {n}: {pii!r} leaked")
        # the Python API reads the same file with the same count
        if len(list(load_accounts(path))) != expected:
            lost += 1
            problems.append(f"file {n}: load_accounts count differs from {expected}")
        # explain --id finds a good account past the damaged lines; a failed one exits 1 or 2
        if n % 4 == 0:
            pick = rng.choice(good_ids)
            ids = [pick, *[str(r["account_id"]) for r in errors if r["account_id"]][:1]]
            for account_id in ids:
                out, err = io.StringIO(), io.StringIO()
                argv = ["explain", str(policy), str(path), "--id", account_id, "--at", AT]
                try:
                    code = main(argv, out=out, err=err)
                except BaseException as exc:
                    crashes += 1
                    problems.append(f"explain crash on file {n}: {type(exc).__name__}: {exc}")
                    continue
                if account_id == pick and code != 0:
                    problems.append(
                        f"file {n}: explain --id {account_id!r} failed: {err.getvalue()}"
                    )
                if any(pii in out.getvalue() + err.getvalue() for pii in raw_pii):
                    leaks += 1
                    problems.append(f"file {n}: explain leaked an address")
    _counts(
        record_property,
        "accounts",
        files=files,
        lines=lines_total,
        decided=decided_total,
        reported=reported,
        crashes=crashes,
        lost=lost,
        leaks=leaks,
    )
    assert not problems, "\n".join(problems[:20])
    assert decided_total + reported == lines_total


# --------------------------------------------------------------------------- dispatch leaks


class _Chatty(RecordingAdapter):
    """An adapter whose provider quotes the recipient back, in some punctuation and case."""

    def __init__(self, channel: str, quote: str, how: str) -> None:
        super().__init__(channel)
        self.quote = quote
        self.how = how

    def send(self, action: Any, *, idempotency_key: str, message: Any = None) -> Any:
        from overdue.dispatch import Failed, Unknown

        if self.how == "raise":
            raise RuntimeError(f"gateway refused recipient {self.quote}")
        if self.how == "unknown":
            return Unknown(f"timeout talking about {self.quote}")
        return Failed("bounced", detail=f"no such recipient: {self.quote}")


def _variants(address: str, rng: random.Random) -> str:
    if "@" in address:
        return rng.choice([address, address.upper(), f"<{address}>"])
    if address[0] in "+0123456789(" and "Street" not in address:
        digits = re.sub(r"\D", "", address)
        return rng.choice(
            [
                address,
                "+" + ".".join([digits[:2], digits[2:5], digits[5:9], digits[9:]]),
                "+" + "-".join([digits[:2], digits[2:5], digits[5:9], digits[9:]]),
                f"+{digits[:2]} ({digits[2:5]}) {digits[5:9]} {digits[9:]}",
                digits,
            ]
        )
    return rng.choice([address, address.upper(), address.lower(), address.replace(" ", "  ")])


NO_WAIT = RetryPolicy(max_attempts=2, backoff=0, sleep=lambda _s: None)


def test_dispatch_never_leaks_an_address(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    record_property: Callable[[str, object], None],
) -> None:
    rng = random.Random(SEED + 2)
    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 1, 11, 10, tzinfo=shanghai)
    addresses = {
        "sms": ["+8613912345678", "+86 139 1234 5678", "+86.139.1234.5678"],
        "email": ["debtor.private@example.org"],
    }
    cases = leaks = 0
    problems: list[str] = []
    caplog.set_level(logging.DEBUG, logger="overdue.dispatch")
    for n in range(DISPATCH_CASES):
        channel = rng.choice(sorted(addresses))
        address = rng.choice(addresses[channel])
        quote = _variants(address, rng)
        if rng.random() < 0.3:
            quote += " at 12 high street, london"
        account = Account(
            f"A-{n}",
            timezone="Asia/Shanghai",
            contacts=[ContactPoint(channel, address), ContactPoint("sms", "+8613912345678")],
            invoices=[Invoice("INV-1", Money("1200.50", "CNY"), date(2026, 1, 10))],
        )
        decision = decide(REFERENCE_POLICY, account, now)
        registry = ChannelRegistry()
        how = rng.choice(["raise", "unknown", "failed"])
        for ch in ("sms", "in_app", "phone", "email", "letter", "legal"):
            registry.register(_Chatty(ch, quote, how))
        caplog.clear()
        db = tmp_path / f"l{n}.db"
        with SqliteLedger(db, synchronous="NORMAL") as ledger:
            dispatcher = Dispatcher(
                registry, ledger=ledger, renderer=Renderer(locale="en"), retry=NO_WAIT
            )
            report = dispatcher.dispatch(decision.actions, now=now)
        cases += 1
        with sqlite3.connect(db) as conn:
            rows = repr(conn.execute("SELECT * FROM overdue_ledger").fetchall())
        texts = {
            "report": " ".join(r.describe() for r in report.results),
            "log": " ".join(r.getMessage() for r in caplog.records),
            "ledger": rows,
        }
        for where, text in texts.items():
            for raw in {address, quote, "12 high street, london"}:
                if raw in text:
                    leaks += 1
                    problems.append(f"case {n}: {raw!r} in the {where}")
    _counts(record_property, "dispatch", cases=cases, leaks=leaks)
    assert not problems, "\n".join(problems[:20])
