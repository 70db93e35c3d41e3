"""The JSON Schema of policy files, generated from the same field types the loader reads.

The schema shipped as ``overdue/schemas/policy.schema.json`` is for editors (completion, inline
errors); the loader does not use it, and its own checks are stricter (channel references, the
policy's consistency).  Regenerate the shipped file after adding a rule kind::

    python -m overdue.config > src/overdue/schemas/policy.schema.json
"""

from __future__ import annotations

import enum
import json
import typing
from datetime import date, datetime, time
from decimal import Decimal
from importlib import resources
from typing import Any, Literal

import attrs

from overdue.calendars import BusinessCalendar
from overdue.conditions import Condition
from overdue.config._codec import (
    WEEKDAY_FIELDS,
    _key,
    _one_required,
    default_of,
    field_type,
    init_fields,
    split_optional,
)
from overdue.config.loader import SCHEMA
from overdue.config.registry import Kinds
from overdue.durations import UNITS, Duration
from overdue.money import Money
from overdue.policy import Policy
from overdue.rules.base import Rule
from overdue.rules.hours import WEEKDAY_NAMES

__all__ = ["policy_json_schema", "schema_text", "shipped_policy_schema"]

_DURATION = {
    "type": "string",
    "pattern": r"^\s*\d+(" + "|".join(UNITS) + r")\s*$",
    "description": "a duration: 30min, 12h, 7d, 2w, 1mo, 3bd",
}
_MONEY = {
    "type": "string",
    "pattern": r"^\s*-?\d+(\.\d+)?\s+[A-Z]{3}\s*$",
    "description": "money as '<amount> <ISO 4217 code>', e.g. '100.00 EUR'",
}
_TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2})?$", "description": "HH:MM"}



_PLAIN: tuple[tuple[object, dict[str, str]], ...] = (
    (bool, {"type": "boolean"}),
    (int, {"type": "integer"}),
    (str, {"type": "string"}),
    (date, {"type": "string", "format": "date"}),
    (datetime, {"type": "string", "format": "date-time"}),
    (Decimal, {"type": "string"}),
)
"""The schema of each plain annotation (matched by identity; a fresh copy is returned)."""

_REFS: tuple[tuple[object, str], ...] = (
    (Duration, "duration"),
    (Money, "money"),
    (time, "time"),
    (Condition, "condition"),
    (BusinessCalendar, "calendar"),
    (Rule, "rule"),
)
"""The annotations described once under ``$defs``, by the name they are referred to by."""


class _Gen:
    def __init__(self, kinds: Kinds) -> None:
        self.kinds = kinds
        self.defs: dict[str, Any] = {
            "duration": _DURATION,
            "money": _MONEY,
            "time": _TIME,
        }

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": f"#/$defs/{name}"}

    def of(self, tp: Any, name: str = "") -> dict[str, Any]:
        tp, optional = split_optional(tp)
        out = self._of(tp, name)
        if optional:
            return {"anyOf": [out, {"type": "null"}]}
        return out

    def _of(self, tp: Any, name: str) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        if origin is Literal:
            return {"enum": list(typing.get_args(tp))}
        for plain, schema in _PLAIN:
            if tp is plain:
                return dict(schema)
        for plain, ref in _REFS:
            if tp is plain:
                return self.ref(ref)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [m.value for m in tp]}
        if origin in (tuple, frozenset, set, list):
            args = typing.get_args(tp)
            if origin is tuple and args and args[-1] is not Ellipsis:
                return {
                    "type": "array",
                    "prefixItems": [self.of(a) for a in args],
                    "minItems": len(args),
                    "maxItems": len(args),
                }
            if name in WEEKDAY_FIELDS:
                return {"type": "array", "items": {"enum": list(WEEKDAY_NAMES)}}
            return {"type": "array", "items": self.of(args[0] if args else Any)}
        if attrs.has(tp):
            key = tp.__name__
            if key not in self.defs:
                self.defs[key] = {}
                self.defs[key] = self.table(tp)
            return self.ref(key)
        return {}

    def table(self, cls: type[Any], *, tag: tuple[str, str] | None = None) -> dict[str, Any]:
        props: dict[str, Any] = {}
        required: list[str] = []
        if tag is not None:
            props[tag[0]] = {"const": tag[1]}
            required.append(tag[0])
        for a in init_fields(cls):
            s = dict(self.of(field_type(cls, a), a.name))
            d = default_of(a)
            if a.default is attrs.NOTHING:
                required.append(_key(a))
            elif d is not None and isinstance(d, bool | int | str):
                s["default"] = d
            props[_key(a)] = s
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
        if required:
            out["required"] = required
        if doc:
            out["description"] = doc
        return out

    def build(self) -> dict[str, Any]:
        conditions = []
        for kind, cls in sorted(self.kinds.conditions.items()):
            fields = init_fields(cls)
            if len(fields) == 1:
                body = self.of(field_type(cls, fields[0]), fields[0].name)
            elif _one_required(fields):  # ``{overdue_for = "1mo"}`` or the full table
                first = self.of(field_type(cls, fields[0]), fields[0].name)
                body = {"anyOf": [first, self.table(cls)]}
            else:
                body = self.table(cls)
            conditions.append(
                {
                    "type": "object",
                    "properties": {kind: body},
                    "required": [kind],
                    "additionalProperties": False,
                }
            )
        self.defs["condition"] = {"oneOf": conditions}
        self.defs["rule"] = {
            "oneOf": [
                self.table(cls, tag=("kind", k)) for k, cls in sorted(self.kinds.rules.items())
            ]
        }
        self.defs["calendar"] = {
            "oneOf": [
                self.table(cls, tag=("kind", k)) for k, cls in sorted(self.kinds.calendars.items())
            ]
        }
        top = self.table(Policy)
        top["properties"] = {"schema": {"const": SCHEMA}, **top["properties"]}
        top["properties"]["presets"] = _presets()
        top["required"] = ["schema", *top.get("required", [])]
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:overdue:schema:policy:1",
            "title": "overdue policy file",
            **top,
            "$defs": dict(sorted(self.defs.items())),
        }


def _presets() -> dict[str, Any]:
    """``presets = [...]``: the shipped presets' names, each at most once."""
    from overdue.presets import PRESETS

    return {
        "type": "array",
        "items": {"enum": list(PRESETS)},
        "uniqueItems": True,
        "description": "presets stacked on the policy, in order (their rules are added last)",
    }


def policy_json_schema(kinds: Kinds | None = None) -> dict[str, Any]:
    """The JSON Schema of policy files naming ``kinds`` (default: the library's kinds)."""
    return _Gen(kinds if kinds is not None else Kinds.default()).build()


def shipped_policy_schema() -> dict[str, Any]:
    """The schema shipped with the package (``overdue/schemas/policy.schema.json``)."""
    text = resources.files("overdue").joinpath("schemas/policy.schema.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def schema_text() -> str:
    """The generated schema as the text of the shipped file."""
    return json.dumps(policy_json_schema(), indent=2, ensure_ascii=False) + "\n"
