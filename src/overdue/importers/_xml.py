"""Parsing a foreign configuration's XML with the standard library, safely.

``xml.etree`` expands internal entities, so a document with a DOCTYPE can blow up memory
("billion laughs") or pull in external files.  A billing configuration never needs a DOCTYPE,
so any ``<!DOCTYPE`` or ``<!ENTITY`` declaration is refused before parsing, with its line and
column; `defusedxml` is then not needed as a dependency.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from overdue.errors import ConfigError

__all__ = ["MAX_XML_CHARS", "child_text", "parse_xml"]

MAX_XML_CHARS = 5_000_000
"""Largest document accepted; real overdue/credit-control configurations are a few kB."""

_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {col}"


def parse_xml(text: str, *, source: str) -> ET.Element:
    """The document's root element, or a located :class:`ConfigError`."""
    if not isinstance(text, str):
        raise ConfigError(
            f"{source}: expected the XML document as text",
            key_path="$",
            expected="str (decode the file as UTF-8 first)",
            got=type(text).__name__,
        )
    if len(text) > MAX_XML_CHARS:
        raise ConfigError(
            f"{source}: document too large for a configuration",
            key_path="$",
            expected=f"at most {MAX_XML_CHARS} characters",
            got=len(text),
        )
    found = _DECLARATION.search(text)
    if found is not None:
        raise ConfigError(
            f"{source}: {found.group(1).upper()} declarations are refused at "
            f"{_where(text, found.start())} (entity expansion could exhaust memory or read files)",
            key_path=_where(text, found.start()),
            expected="a plain XML document without <!DOCTYPE> or <!ENTITY>",
            got=found.group(0),
        )
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        line, col = exc.position
        raise ConfigError(
            f"{source}: malformed XML at line {line}, column {col + 1}",
            key_path=f"line {line}, column {col + 1}",
            expected="well-formed XML",
            got=str(exc),
        ) from None
    for elem in root.iter():  # a default namespace (xmlns="...") changes no element's meaning
        if isinstance(elem.tag, str) and elem.tag.startswith("{"):
            elem.tag = elem.tag.split("}", 1)[1]
    return root


def child_text(elem: ET.Element, tag: str) -> str | None:
    """The stripped text of ``elem``'s first ``tag`` child, or None when absent."""
    found = elem.find(tag)
    if found is None:
        return None
    return (found.text or "").strip()
