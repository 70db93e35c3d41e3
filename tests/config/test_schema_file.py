"""The shipped JSON Schema: in sync with the loader's vocabulary, and it accepts the examples.

The project has no JSON Schema library as a dependency, so a small validator for the keywords
the generated schema uses stands in for one.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from overdue.config import policy_json_schema, policy_to_dict, shipped_policy_schema
from overdue.reference import reference_policy

POLICIES = sorted((Path(__file__).resolve().parents[2] / "examples" / "policies").glob("*.toml"))


def _errors(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return _errors(value, root["$defs"][name], root, path)
    out: list[str] = []
    if "const" in schema and value != schema["const"]:
        return [f"{path}: expected {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} not in enum"]
    if "anyOf" in schema and all(_errors(value, s, root, path) for s in schema["anyOf"]):
        return [f"{path}: matches no anyOf branch"]
    if "oneOf" in schema:
        ok = [s for s in schema["oneOf"] if not _errors(value, s, root, path)]
        if len(ok) != 1:
            return [f"{path}: matches {len(ok)} oneOf branches"]
    t = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if t is not None and not checks[t](value):
        return [f"{path}: expected {t}"]
    if t == "string" and "pattern" in schema and not re.search(schema["pattern"], value):
        out.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if t == "object":
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in value:
                out.append(f"{path}: missing {k}")
        for k, v in value.items():
            if k in props:
                out.extend(_errors(v, props[k], root, f"{path}.{k}"))
            elif schema.get("additionalProperties") is False:
                out.append(f"{path}: unexpected key {k}")
    if t == "array":
        if "prefixItems" in schema:
            if len(value) != len(schema["prefixItems"]):
                out.append(f"{path}: wrong length")
            for i, (v, s) in enumerate(zip(value, schema["prefixItems"], strict=False)):
                out.extend(_errors(v, s, root, f"{path}[{i}]"))
        elif "items" in schema:
            for i, v in enumerate(value):
                out.extend(_errors(v, schema["items"], root, f"{path}[{i}]"))
    return out


def test_shipped_schema_matches_the_registered_kinds() -> None:
    assert shipped_policy_schema() == policy_json_schema(), (
        "the shipped schema is stale; run: python -m overdue.config > "
        "src/overdue/schemas/policy.schema.json"
    )


def test_schema_is_structurally_sound() -> None:
    schema = shipped_policy_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["required"][:2] == ["schema", "id"]
    assert schema["additionalProperties"] is False
    refs = set(re.findall(r'"\$ref": "#/\$defs/([^"]+)"', str(schema).replace("'", '"')))
    assert refs <= set(schema["$defs"]), refs - set(schema["$defs"])
    rule_kinds = {b["properties"]["kind"]["const"] for b in schema["$defs"]["rule"]["oneOf"]}
    assert {"contact_hours", "frequency_cap", "hold_while"} <= rule_kinds


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_example_policies_validate(path: Path) -> None:
    schema = shipped_policy_schema()
    assert _errors(tomllib.loads(path.read_text("utf-8")), schema, schema) == []


def test_written_policies_validate_and_mistakes_do_not() -> None:
    schema = shipped_policy_schema()
    doc = policy_to_dict(reference_policy(field_visit=True))
    assert _errors(doc, schema, schema) == []
    doc["stages"][0]["deadline"] = "7 days"
    doc["rules"][0]["kind"] = "contact_hour"
    doc["colour"] = "blue"
    assert len(_errors(doc, schema, schema)) == 3
