"""Masking personal data, in the lowest ring so that facts, events, errors and edges all use it.

Phone numbers, e-mail addresses and street addresses are personal data: they must never reach a
repr, a log line, an error message or a ledger row in full, yet an operator must still be able
to tell two of them apart.  This module is the **one** place that knows what they look like:

* :func:`mask` masks one known address (a contact point's), keeping a few characters;
* :func:`scrub` finds and masks every phone number, e-mail address and street address inside a
  free text (an adapter's error, a provider's answer, an error message); the dispatcher, the
  ledger, :class:`~overdue.errors.OverdueError` and the CLI all call it;
* :func:`describe` says what a bad value *is* ("a phone number (11 digits)", "a string of 13
  characters") without echoing it, for errors about contact data.

What counts as a phone number: an optional ``+``, then 7 to 15 digits (the E.164 maximum)
separated by spaces, dots, dashes, slashes or parentheses -- ``+86 139 1234 5678``,
``+86.139.1234.5678``, ``(139) 1234-5678`` -- or 10 to 15 digits in one run (``13912345678``;
a bare run of fewer digits is a count, ``400000000``, far more often than a phone).  Calendar
dates (``2026-03-01``), year ranges (``2001-2026``) and plain decimals (``1234567.89``) are not.
A street address is a house number followed, within a few words, by a street word (``road``,
``street``, ``ave``...), in any letter case, or a text holding the address the caller already
knows (compared without regard to case and spacing).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["describe", "looks_personal", "mask", "masked_repr", "scrub"]


def mask(address: str) -> str:
    """Mask a phone number or e-mail address for reprs, logs and errors.

    Keeps just enough for an operator to tell two contact points apart.
    """
    if "@" in address:
        local, _, domain = address.partition("@")
        return (local[:1] + "***@" + domain) if local else "***@" + domain
    digits = [i for i, c in enumerate(address) if c.isalnum()]
    if len(digits) <= 4:
        return "*" * len(address)
    keep = set(digits[:3] + digits[-2:])
    return "".join(c if (i in keep or not c.isalnum()) else "*" for i, c in enumerate(address))


def masked_repr(value: object) -> str:
    """An attrs field ``repr`` for an optional address: the masked text, quoted."""
    return repr(mask(value)) if isinstance(value, str) else repr(value)


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\d \t().\-/]*\d)?(?![\w])")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}")
_DECIMAL = re.compile(r"\d+[.,]\d+")
_YEARS = re.compile(r"(?:1[89]|2\d)\d\d(?: ?[-/] ?|\.\.)(?:1[89]|2\d)\d\d")
_STREET_WORDS = (
    "street|st|road|rd|avenue|ave|av|lane|ln|boulevard|blvd|drive|dr|way|court|ct|place|pl|"
    "terrace|close|square|sq|highway|hwy|parkway|pkwy|crescent|cres|alley|row|walk|gardens|"
    "strasse|straße|str|rue|calle|via|weg|gasse|platz|laan|straat"
)
_STREET = re.compile(
    rf"\b\d+[a-z]?\b[ ,]+(?:[^\W\d_][\w'.-]*[ ,]+){{0,4}}(?:{_STREET_WORDS})\b\.?"
    rf"|\b(?:{_STREET_WORDS})\b\.?[ ,]+\d+[a-z]?\b",
    re.IGNORECASE,
)
_CN_ADDRESS = re.compile(r"[\u4e00-\u9fff]{1,12}(?:路|街|道|巷|弄)\s*\d+\s*号")


def _phone_digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _is_phone(text: str) -> bool:
    n = _phone_digits(text)
    if n < 7 or n > 15:
        return False
    if n < 10 and text.isdigit():
        return False  # a bare run of up to 9 digits is a count far more often than a phone
    if _DATE.search(text) is not None:
        return False
    stripped = text.strip()
    if stripped.startswith("+"):
        return True
    return _DECIMAL.fullmatch(stripped) is None and _YEARS.fullmatch(stripped) is None


def _mask_phone(m: re.Match[str]) -> str:
    text = m.group(0)
    if not _is_phone(text):
        return text
    return mask(text)


def _int_digits(value: int) -> int:
    """Decimal digits of *value*, without ``str()`` (which refuses ints over 4,300 digits)."""
    n = abs(value)
    if n < 10**18:
        return len(str(n))
    digits = int(n.bit_length() * 0.30102999566398120) + 1
    return digits if n >= 10 ** (digits - 1) else digits - 1


def scrub(text: str, known: Iterable[str] = ()) -> str:
    """Mask every phone number, e-mail address and street address found in *text*.

    *known* are addresses the caller already holds (the contact point of the action at hand):
    each is masked wherever it appears, in any letter case and spacing, even when it matches
    none of the shapes above.  Use it on any text that may quote input: adapter errors, provider
    answers, error messages, log lines, ledger details.
    """
    if not text:
        return text
    for address in known:
        if not address or not address.strip():
            continue
        pattern = r"\s+".join(re.escape(part) for part in address.split())
        text = re.sub(pattern, lambda m: mask(m.group(0)), text, flags=re.IGNORECASE)
    text = _EMAIL.sub(lambda m: mask(m.group(0)), text)
    text = _STREET.sub(lambda m: mask(m.group(0)), text)
    text = _CN_ADDRESS.sub(lambda m: mask(m.group(0)), text)
    return _PHONE.sub(_mask_phone, text)


def looks_personal(value: object) -> bool:
    """True when *value* (text or a whole number) holds something :func:`scrub` would mask."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 10 <= _int_digits(value) <= 15
    if isinstance(value, str):
        return scrub(value) != value
    return False


def describe(value: object) -> str:
    """What *value* is, without echoing it: for errors about contact data and other input.

    ``"a phone number (11 digits)"``, ``"an e-mail address"``, ``"a street address"``,
    ``"a string of 13 characters"``, ``"a whole number of 11 digits"``, ``"a list of 2 items"``.
    """
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        digits = _int_digits(value)
        if 10 <= digits <= 15:
            return f"a whole number that looks like a phone number ({digits} digits)"
        return f"a whole number of {digits} digit(s)"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        stripped = value.strip()
        if _EMAIL.fullmatch(stripped):
            return "an e-mail address"
        phone = _PHONE.fullmatch(stripped)
        if phone is not None and _is_phone(stripped):
            return f"a phone number ({_phone_digits(stripped)} digits)"
        if _STREET.search(value) or _CN_ADDRESS.search(value):
            return f"a street address of {len(value)} characters"
        return f"a string of {len(value)} characters"
    if isinstance(value, dict):
        return f"a table of {len(value)} key(s)"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item(s)"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"
