"""Reading policy documents: TOML and JSON text, files, and plain dicts.

Every function here reports **all** the problems of a document at once, as one
:class:`~overdue.errors.PolicyFileError` whose members are :class:`~overdue.errors.ConfigError`
values, each with its key path (``$.stages[2].steps[0].fallback``), what was expected, what was
found and, where one exists, a "did you mean".  Only :func:`load_policy` touches the file system.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from overdue._iso4217 import ISO4217_CODES
from overdue.config._codec import Decoder, key_paths
from overdue.config.registry import Kinds
from overdue.errors import ConfigError, PolicyError, PolicyFileError, suggest
from overdue.limits import MAX_DEPTH, too_deep
from overdue.policy import Policy, check_stacked

__all__ = [
    "SCHEMA",
    "Format",
    "decode_utf8",
    "load_policy",
    "loads_policy",
    "parse_text",
    "policy_from_dict",
]

SCHEMA = "overdue.policy/1"
"""The value of the ``schema`` key every policy document starts with."""

Format = Literal["toml", "json"]


def policy_from_dict(
    data: Mapping[str, Any], *, kinds: Kinds | None = None, source: str | None = None
) -> Policy:
    """Build a :class:`Policy` from a plain document (what ``tomllib``/``json`` return).

    Args:
        data: the document; it must carry ``schema = "overdue.policy/1"``.
        kinds: the rule, condition and calendar kinds the document may name
            (default: ``Kinds.default()``, the library's own).
        source: a name for messages (a file path).

    Raises:
        PolicyFileError: with one located :class:`ConfigError` per problem.
    """
    kinds = kinds if kinds is not None else Kinds.default()
    title = f"{source}: invalid policy" if source else "invalid policy"
    if not isinstance(data, Mapping):
        raise PolicyFileError(
            title,
            [ConfigError("a policy document is a table", key_path="$", got=type(data).__name__)],
        )
    deep_at, data = too_deep(data)
    currency = data.get("currency")
    dec = Decoder(kinds, currency=currency if isinstance(currency, str) else None)
    if deep_at is not None:
        dec.fail(
            deep_at,
            f"the document nests tables and lists more than {MAX_DEPTH} deep",
            expected=f"at most {MAX_DEPTH} levels",
        )
    if isinstance(currency, str) and currency not in ISO4217_CODES:  # a non-string: the decoder
        dec.fail(
            "$.currency",
            "not an ISO 4217 currency code",
            expected="an ISO 4217 code such as 'EUR' or 'CNY'",
            got=currency,
            suggestion=suggest(currency.upper(), ISO4217_CODES),
        )
    schema = data.get("schema")
    if schema is None:
        dec.fail(
            "$.schema",
            "missing the schema key",
            expected=repr(SCHEMA),
            suggestion=f'schema = "{SCHEMA}"',
        )
    elif schema != SCHEMA:
        dec.fail(
            "$.schema",
            "unsupported schema",
            expected=repr(SCHEMA),
            got=schema,
            suggestion=SCHEMA if isinstance(schema, str) and suggest(schema, [SCHEMA]) else None,
        )
    body = {k: v for k, v in data.items() if k not in ("schema", "presets")}
    presets = _preset_names(data.get("presets", []), dec)
    _cross_check(body, dec)
    policy = dec.attrs_value(Policy, body, "$")
    if dec.errors:
        raise PolicyFileError(title, in_document_order(_dedupe(dec.errors), data))
    # Stacked first, then checked: the policy may rely on a preset's third-party rule.
    return _stack(policy, presets, title)


def _preset_names(value: Any, dec: Decoder) -> list[str]:
    """The ``presets = [...]`` key: shipped preset names, checked with the other problems."""
    from overdue.presets import PRESETS

    if not isinstance(value, list):
        dec.fail("$.presets", "presets is a list of preset names", got=value)
        return []
    names: list[str] = []
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in PRESETS:
            dec.fail(
                f"$.presets[{i}]",
                "unknown preset",
                expected=" | ".join(PRESETS),
                got=name,
                suggestion=suggest(name, PRESETS) if isinstance(name, str) else None,
            )
        else:
            names.append(name)
    return names


def _stack(policy: Policy, presets: list[str], title: str) -> Policy:
    """Stack the named presets on the policy the rest of the document describes."""
    from overdue.presets import PresetError, with_presets

    try:
        if presets:
            return with_presets(policy, *presets)
        check_stacked(policy)
        return policy
    except PolicyError as exc:
        raise PolicyFileError(
            title,
            [
                ConfigError(
                    exc.what,
                    key_path="$.presets" if isinstance(exc, PresetError) else exc.key_path,
                    expected=exc.expected,
                    got=exc.got,
                    suggestion=exc.suggestion,
                )
            ],
        ) from None


def loads_policy(
    text: str | bytes,
    format: Format = "toml",
    *,
    kinds: Kinds | None = None,
    source: str | None = None,
) -> Policy:
    """Parse policy text in ``format`` (``"toml"`` or ``"json"``) and build the policy.

    *text* may be ``bytes``: they must be UTF-8 (a byte-order mark is tolerated); anything
    else is a located :class:`PolicyFileError`, never a ``UnicodeDecodeError``.
    """
    if isinstance(text, bytes | bytearray):
        text = decode_utf8(bytes(text), source=source)
    return policy_from_dict(parse_text(text, format, source=source), kinds=kinds, source=source)


def decode_utf8(data: bytes, *, source: str | None = None) -> str:
    """Policy bytes to text: UTF-8 only, a leading byte-order mark dropped.

    A UTF-16 file (it starts with ``FF FE`` or ``FE FF``) or a Latin-1 byte such as ``\xff``
    is refused with the line and column of the first bad byte, so the file can be re-saved.
    """
    title = f"{source}: invalid policy" if source else "invalid policy"
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PolicyFileError(
            title,
            [
                ConfigError(
                    "the file is UTF-16; policy files are UTF-8",
                    key_path="$",
                    expected="UTF-8 text (re-save the file as UTF-8)",
                )
            ],
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PolicyFileError(
            title,
            [
                ConfigError(
                    f"the file is not UTF-8: byte 0x{data[exc.start]:02x} at line {line}, "
                    f"column {column}",
                    key_path="$",
                    expected="UTF-8 text (re-save the file as UTF-8)",
                )
            ],
        ) from None


def load_policy(path: str | Path, *, kinds: Kinds | None = None) -> Policy:
    """Read a policy file (``.toml`` or ``.json``, by its suffix); the I/O is in the name."""
    p = Path(path)
    fmt = _format_of(p)
    try:
        data = p.read_bytes()
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PolicyFileError(
            f"{p}: cannot read policy",
            [ConfigError(f"cannot read the file: {reason}", key_path="$", got=str(p))],
        ) from None
    return loads_policy(data, fmt, kinds=kinds, source=str(p))


def parse_text(text: str, format: str, *, source: str | None = None) -> Any:
    """TOML or JSON text to a plain document; a syntax error becomes a located PolicyFileError."""
    title = f"{source}: invalid policy" if source else "invalid policy"
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark that survived decoding
    try:
        return _parse(text, format, title)
    except RecursionError:
        raise PolicyFileError(
            title,
            [
                ConfigError(
                    f"the document nests tables and lists too deeply to read "
                    f"(at most {MAX_DEPTH} levels)",
                    key_path="$",
                )
            ],
        ) from None
    except ValueError as exc:  # a number Python refuses (over 4,300 digits), and the like
        raise PolicyFileError(
            title,
            [ConfigError(f"not a readable {str(format).upper()} document: {exc}", key_path="$")],
        ) from None


def _parse(text: str, format: str, title: str) -> Any:
    if format == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyFileError(
                title, [ConfigError(f"not valid TOML: {exc}", key_path="$")]
            ) from None
    if format == "json":
        try:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        except json.JSONDecodeError as exc:
            raise PolicyFileError(
                title,
                [
                    ConfigError(
                        f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                        key_path="$",
                    )
                ],
            ) from None
        except _DuplicateKeyError as exc:
            raise PolicyFileError(
                title, [ConfigError("a key appears twice in one object", key_path="$", got=exc.key)]
            ) from None
    raise PolicyFileError(
        title,
        [
            ConfigError(
                "unknown policy format",
                expected="toml | json",
                got=format,
                suggestion=suggest(str(format), ["toml", "json"]),
            )
        ],
    )


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKeyError(k)
        out[k] = v
    return out


def _format_of(p: Path) -> Format:
    suffix = p.suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix == ".json":
        return "json"
    raise PolicyFileError(
        f"{p}: cannot tell the policy format",
        [ConfigError("a policy file ends in .toml or .json", key_path="$", got=p.name)],
    )


def _cross_check(body: Mapping[str, Any], dec: Decoder) -> None:
    """Channel references checked on the raw document, so they are reported with other problems.

    ``Policy`` refuses the same mistakes when built, but it stops at the first, and it is only
    built once every stage and rule decoded; a typo in a fallback should not wait for that.
    """
    stages = body.get("stages")
    if not isinstance(stages, list):
        return
    declared_raw = body.get("channels")
    if isinstance(declared_raw, list) and all(isinstance(c, str) for c in declared_raw):
        declared = set(declared_raw)
        explicit = True
    else:
        declared = {
            step.get("channel")
            for stage in stages
            if isinstance(stage, Mapping) and isinstance(stage.get("steps"), list)
            for step in stage["steps"]
            if isinstance(step, Mapping) and isinstance(step.get("channel"), str)
        }
        explicit = False
    for i, stage in enumerate(stages):
        if not isinstance(stage, Mapping) or not isinstance(stage.get("steps"), list):
            continue
        for j, step in enumerate(stage["steps"]):
            if not isinstance(step, Mapping):
                continue
            path = f"$.stages[{i}].steps[{j}]"
            checks = [("fallback", step.get("fallback"))]
            if explicit:
                checks.append(("channel", step.get("channel")))
            for key, name in checks:
                if isinstance(name, str) and name not in declared:
                    dec.fail(
                        f"{path}.{key}",
                        f"{key} names channel {name!r}, which the policy does not use",
                        expected=" | ".join(sorted(c for c in declared if isinstance(c, str))),
                        got=name,
                        suggestion=suggest(name, [c for c in declared if isinstance(c, str)]),
                    )


def in_document_order(errors: list[ConfigError], doc: Any) -> list[ConfigError]:
    """Sort errors by where their key path appears in the document (stable for ties)."""
    order: dict[str, int] = {}
    for path, _node in key_paths(doc):
        order[path] = len(order)

    def key(e: ConfigError) -> int:
        path = e.key_path or "$"
        while path and path not in order:
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else "$"
        return order.get(path, 0)

    return sorted(errors, key=key)


def _dedupe(errors: list[ConfigError]) -> list[ConfigError]:
    seen: set[str] = set()
    out = []
    for e in errors:
        if str(e) not in seen:
            seen.add(str(e))
            out.append(e)
    return out
