"""The importers' last step: their policy document through the library's own loader.

Going through :func:`~overdue.config.policy_from_dict` (rather than building ``Policy``
values by hand) guarantees that what an importer returns is exactly what its TOML loads as.
"""

from __future__ import annotations

from typing import Any

from overdue.config.loader import policy_from_dict
from overdue.errors import ConfigError, PolicyFileError
from overdue.policy import Policy

__all__ = ["policy_of"]


def policy_of(doc: dict[str, Any]) -> Policy:
    """The policy the document describes, or the first of its problems as a ConfigError."""
    try:
        return policy_from_dict(doc)
    except PolicyFileError as exc:
        first = next(e for e in exc.exceptions if isinstance(e, ConfigError))
        raise ConfigError(
            f"the imported policy is not valid: {first.what}",
            key_path=first.key_path,
            expected=first.expected,
            got=first.got,
        ) from exc
