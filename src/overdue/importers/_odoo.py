"""Reading Odoo data XML records (``<record model=... id=...><field name=...>``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from overdue.errors import ConfigError

__all__ = ["fields_of", "int_field", "record_path", "truthy", "value"]


def fields_of(record: ET.Element) -> dict[str, ET.Element]:
    """A record's ``<field>`` elements by name."""
    return {f.get("name", ""): f for f in record.findall("field")}


def value(field: ET.Element | None) -> str | None:
    """A field's ``eval``, ``ref`` or text, stripped (None when the field is absent)."""
    if field is None:
        return None
    for attr in ("eval", "ref"):
        if field.get(attr) is not None:
            return str(field.get(attr)).strip()
    return (field.text or "").strip()


def int_field(field: ET.Element | None, path: str, *, low: int, high: int) -> int:
    """A whole-number field within ``low..high``, or a located error."""
    raw = value(field)
    try:
        n = int(raw or "")
    except ValueError:
        raise ConfigError(
            f"{path}: not a whole number", key_path=path, expected='e.g. eval="10"', got=raw
        ) from None
    if not low <= n <= high:
        raise ConfigError(f"{path}: out of range", key_path=path, expected=f"{low}..{high}", got=n)
    return n


def truthy(field: ET.Element | None) -> bool:
    """Odoo's ``eval="1"`` / ``eval="True"``."""
    return (value(field) or "").lower() in ("1", "true")


def record_path(record: ET.Element) -> str:
    """Where a record is, for error messages and the approximation report."""
    return f"/odoo/record[@id={record.get('id', '')!r}]"
