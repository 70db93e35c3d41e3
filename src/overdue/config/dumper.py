"""Writing policies back to documents: dicts, TOML (with the ``toml`` extra) and JSON.

``policy_from_dict(policy_to_dict(p)) == p`` for every policy whose kinds are registered; fields
equal to their default are left out, so a written file says only what the policy chose.  A
policy with presets is written as ``presets = [...]`` plus its own rules, not the expanded
preset rules (which are stacked last, as :func:`overdue.presets.with_presets` does).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from overdue.config._codec import Encoder, key_paths
from overdue.config.loader import SCHEMA, Format, _format_of
from overdue.config.registry import Kinds
from overdue.errors import ConfigError, OverdueError, suggest
from overdue.policy import Policy

__all__ = ["dump_policy", "dumps_policy", "policy_to_dict"]


def policy_to_dict(policy: Policy, *, kinds: Kinds | None = None) -> dict[str, Any]:
    """The policy as a plain document: ``schema`` first, scalars next, stages and rules last."""
    kinds = kinds if kinds is not None else Kinds.default()
    presets = list(policy.presets)
    if presets:
        # A file names its presets; their rules come back from the names when it is read.
        from overdue.presets import base_policy

        policy = base_policy(policy)
    body = Encoder(kinds).attrs_value(policy)
    body.setdefault("id", policy.id)
    if presets:
        body["presets"] = presets
    simple = {k: v for k, v in body.items() if not _is_tables(v)}
    nested = {k: v for k, v in body.items() if _is_tables(v)}
    return {"schema": SCHEMA, **simple, **nested}


def dumps_policy(
    policy: Policy,
    format: Format = "toml",
    *,
    kinds: Kinds | None = None,
) -> str:
    """The policy as TOML or JSON text.

    TOML needs ``tomli-w``: ``pip install "overdue-policy[toml]"``.
    """
    doc = policy_to_dict(policy, kinds=kinds)
    if format == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if format != "toml":
        raise OverdueError(
            "unknown policy format",
            expected="toml | json",
            got=format,
            suggestion=suggest(str(format), ["toml", "json"]),
        )
    try:
        import tomli_w
    except ImportError:
        raise OverdueError(
            "writing TOML needs the optional 'tomli-w' package",
            expected='pip install "overdue-policy[toml]"',
        ) from None
    _refuse_nulls(doc, "$")
    return str(tomli_w.dumps(doc))


def dump_policy(policy: Policy, path: str | Path, *, kinds: Kinds | None = None) -> None:
    """Write the policy to ``path``, as TOML or JSON by its suffix."""
    p = Path(path)
    p.write_text(dumps_policy(policy, _format_of(p), kinds=kinds), encoding="utf-8")


def _is_tables(v: object) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and bool(v) and isinstance(v[0], dict))


def _refuse_nulls(doc: object, path: str) -> None:
    for where, value in key_paths(doc, path):
        if value is None:
            raise ConfigError(
                "TOML has no null; this field differs from its default only by being empty",
                key_path=where,
                expected="write the policy as JSON instead",
            )
