"""Conduct obligations: what the host must confirm before carrying out an action.

The library cannot enforce how a field visit is conducted (two staff, identification shown, no
entry without consent), so a decision's action *carries* the obligations and the dispatcher
refuses to send an action whose obligations the host did not acknowledge.  They live in their
own module so that stages (``overdue.policy``) and rules (``overdue.rules.conduct``) can both
name them without importing each other.
"""

from __future__ import annotations

import attrs

from overdue.errors import PolicyError

__all__ = ["IDENTITY_DISCLOSURE", "Obligation"]


def _nonempty(_i: object, a: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{a.name} must be a non-empty string", got=value)


@attrs.frozen
class Obligation:
    """A conduct obligation the host must confirm before a step is carried out.

    Field visits carry several (identity disclosure, at least two staff, no entry without
    consent); the dispatcher refuses an action whose obligations were not acknowledged.
    """

    code: str = attrs.field(validator=_nonempty)
    text: str = attrs.field(validator=_nonempty)


IDENTITY_DISCLOSURE = Obligation(
    "identity_disclosure",
    "state who you are and on whose behalf you act, and show identification when asked",
)
"""The obligation every rung performed by a third party carries (the engine adds it)."""
