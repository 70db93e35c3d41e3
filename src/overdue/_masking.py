"""Masking contact addresses, in the lowest ring so that facts, events and edges can all use it.

Phone numbers and e-mail addresses are personal data: they must never reach a repr, a log line
or an error message in full, yet an operator must still be able to tell two of them apart.
"""

from __future__ import annotations

__all__ = ["mask", "masked_repr"]


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
