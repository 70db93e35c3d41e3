"""What an importer hands back: the policy it wrote and every construct it could not carry over.

A migration is only safe when the team sees what changed.  Each :class:`Approximation` names
where in the source the construct sits, what it was, what the importer wrote instead (or that
it dropped it) and why, so a reviewer can decide per line whether the policy is acceptable.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from overdue.policy import Policy

__all__ = ["Approximation", "ImportResult"]


@attrs.frozen
class Approximation:
    """One construct of the source configuration that the written policy does not say exactly.

    ``path`` locates it in the source (an XPath-like path such as
    ``/overdueConfig/accountOverdueStates/state[@name='OD3']/condition``); ``construct`` is the
    source's own name for it; ``what_we_did`` is what the policy says instead ("dropped" when
    nothing); ``why`` is the gap in `overdue` that forced it.
    """

    path: str
    construct: str
    what_we_did: str
    why: str

    def line(self) -> str:
        """One line for a terminal or a review comment."""
        return f"{self.path}: {self.construct}: {self.what_we_did} ({self.why})"


def _approximations(items: Iterable[Approximation]) -> tuple[Approximation, ...]:
    return tuple(items)


@attrs.frozen
class ImportResult:
    """The imported policy and the list of what it approximates or drops (empty: exact)."""

    policy: Policy
    approximations: tuple[Approximation, ...] = attrs.field(converter=_approximations, default=())
    source: str = "unknown"

    @property
    def exact(self) -> bool:
        """True when nothing was approximated or dropped."""
        return not self.approximations

    def toml(self) -> str:
        """The policy as a TOML policy file (needs the ``toml`` extra, like every TOML dump)."""
        from overdue.config.dumper import dumps_policy

        return dumps_policy(self.policy, "toml")

    def report(self) -> str:
        """The approximation report as text, one construct per line."""
        head = f"imported {self.source} as policy {self.policy.id!r}: "
        if self.exact:
            return head + "nothing approximated\n"
        lines = [head + f"{len(self.approximations)} construct(s) approximated or dropped"]
        lines.extend(f"  - {a.line()}" for a in self.approximations)
        return "\n".join(lines) + "\n"
