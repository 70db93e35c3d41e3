"""Conduct obligations: what the host must confirm before carrying out an action.

The library cannot enforce how a field visit is conducted (two staff, identification shown, no
entry without consent), so a decision's action *carries* the obligations and the dispatcher
refuses to send an action whose obligations the host did not acknowledge.  They live in their
own module so that stages (``overdue.policy``) and rules (``overdue.rules.conduct``) can both
name them without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from overdue._validators import non_empty
from overdue.errors import PolicyError

_nonempty = non_empty(PolicyError)

__all__ = ["ALIASES", "IDENTITY_DISCLOSURE", "Obligation", "canonical", "merged"]

ALIASES: dict[str, str] = {
    "two_staff": "min_staff",
    "no_entry_without_consent": "enter_only_with_consent",
    "record_visit": "recording",
}
"""Obligation codes that mean the same as a rule's code (the reference policy's field-visit
codes and :class:`~overdue.rules.FieldVisitConduct`'s), so an action carries each duty once."""


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
def canonical(code: str) -> str:
    """The code an obligation is de-duplicated under (``two_staff`` is ``min_staff``)."""
    return ALIASES.get(code, code)


def merged(*groups: Iterable[Obligation]) -> tuple[Obligation, ...]:
    """The obligations of ``groups`` in order, once per (canonical) code.

    The first obligation of a code keeps its code (a host acknowledges the codes its own
    stages name); a later one with the same meaning but other words adds its text, so a
    stricter wording ("at least 3 staff") is never dropped.
    """
    out: dict[str, Obligation] = {}
    for group in groups:
        for o in group:
            key = canonical(o.code)
            first = out.get(key)
            if first is None:
                out[key] = o
            elif o.text not in first.text:
                out[key] = Obligation(first.code, f"{first.text}; {o.text}")
    return tuple(out.values())
