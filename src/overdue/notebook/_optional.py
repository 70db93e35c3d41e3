"""The optional packages of the ``notebook`` extra, imported only when a feature needs them."""

from __future__ import annotations

import importlib
from typing import Any

from overdue.errors import OverdueError


def need(module: str, what: str) -> Any:
    """Import ``module`` or say which extra brings it (an :class:`OverdueError`)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise OverdueError(
            f"{what} need {module.split('.')[0]}",
            expected='pip install "overdue-policy[notebook]"',
        ) from exc
