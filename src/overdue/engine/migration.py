"""The migration report: what a new policy version changes for the accounts in flight.

:func:`migration_report` decides every account twice at one moment: under the old policy (what
happens if nothing ships) and under the new one, honouring the new policy's
``on_new_version`` (:func:`~overdue.engine.versions.decide_versioned`), and lists per account
what would change: the rung, the status, the next action (step and channel), when it may go
out, and the deadline.  Accounts whose history records no policy version are taken to be under
the old policy.  One account that cannot be decided is reported as an error row and never
stops the others.  ``overdue check new.toml --against old.toml --accounts accounts.jsonl
--at ...`` prints it (text, or ``--json``) for a compliance officer to sign off.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from overdue.account import Account
from overdue.decision import Decision
from overdue.engine.versions import PolicySet, decide_versioned
from overdue.errors import OverdueError
from overdue.policy import Policy

__all__ = ["FIELDS", "MigrationReport", "MigrationRow", "Outlook", "migration_report"]

FIELDS = ("status", "rung", "next_action", "channel", "not_before", "deadline")
"""What a row compares, in the order the report shows it."""


@attrs.frozen
class Outlook:
    """What one decision says an account faces next: the fields a migration compares."""

    status: str
    rung: str | None
    next_action: str | None  # "stage/step attempt n"
    channel: str | None
    not_before: datetime | None
    deadline: datetime | None
    policy: str  # "id version" the decision was made under

    @classmethod
    def of(cls, d: Decision) -> Outlook:
        """The outlook a decision states."""
        a = d.next_action
        return cls(
            d.status,
            d.stage,
            f"{a.stage}/{a.step} attempt {a.attempt}" if a is not None else None,
            a.channel if a is not None else None,
            a.not_before if a is not None else None,
            d.deadline,
            f"{d.policy_id} {d.policy_version}",
        )

    def value(self, name: str) -> str:
        """One field as text (``-`` for none)."""
        v = getattr(self, name)
        if v is None:
            return "-"
        return v.isoformat() if isinstance(v, datetime) else str(v)


@attrs.frozen
class MigrationRow:
    """One account: its outlook under the old and the new policy, and what differs."""

    account_id: str
    before: Outlook | None
    after: Outlook | None
    changed: tuple[str, ...] = ()
    why: tuple[str, ...] = ()  # the version reason(s) of the new decision
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "account_id": self.account_id,
            "changed": list(self.changed),
            "before": _outlook(self.before),
            "after": _outlook(self.after),
            "why": list(self.why),
            "error": self.error,
        }


def _outlook(o: Outlook | None) -> dict[str, str | None] | None:
    if o is None:
        return None
    out: dict[str, str | None] = {"policy": o.policy}
    for name in FIELDS:
        v = o.value(name)
        out[name] = None if v == "-" else v
    return out


def _same(name: str, a: Outlook, b: Outlook) -> bool:
    x, y = getattr(a, name), getattr(b, name)
    if isinstance(x, datetime) and isinstance(y, datetime):
        return x == y  # instants: the same moment in another offset is no change
    return bool(x == y)


@attrs.frozen
class MigrationReport:
    """Every account's row, with counts per changed field; ``render()`` for people."""

    at: datetime
    old: str
    new: str
    mode: str
    rows: tuple[MigrationRow, ...]

    @property
    def changed(self) -> tuple[MigrationRow, ...]:
        """Rows where something differs."""
        return tuple(r for r in self.rows if r.changed)

    @property
    def errors(self) -> tuple[MigrationRow, ...]:
        """Rows of accounts that could not be decided."""
        return tuple(r for r in self.rows if r.error is not None)

    def counts(self) -> dict[str, int]:
        """``accounts``, ``unchanged``, ``changed``, ``errors`` and one count per field."""
        out = {
            "accounts": len(self.rows),
            "unchanged": sum(1 for r in self.rows if r.error is None and not r.changed),
            "changed": len(self.changed),
            "errors": len(self.errors),
        }
        for name in FIELDS:
            out[name] = sum(1 for r in self.rows if name in r.changed)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the header, the counts and every row."""
        return {
            "schema": "overdue.migration/1",
            "at": self.at.isoformat(),
            "old": self.old,
            "new": self.new,
            "on_new_version": self.mode,
            "counts": self.counts(),
            "accounts": [r.to_dict() for r in self.rows],
        }

    def render(self) -> str:
        """The report as text: header, summary counts, then one block per account."""
        c = self.counts()
        per_field = ", ".join(f"{n.replace('_', ' ')} {c[n]}" for n in FIELDS if c[n])
        lines = [
            f"migration report: {self.old} -> {self.new} (on_new_version = {self.mode}) "
            f"at {self.at.isoformat()}",
            f"accounts: {c['accounts']}; unchanged {c['unchanged']}; changed {c['changed']}"
            + (f" ({per_field})" if per_field else "")
            + f"; errors {c['errors']}",
        ]
        if self.old == self.new:
            lines.append(
                f"note: both policies are {self.new}: no account is in flight between them; "
                "give the new one its own version"
            )
        lines.append("")
        for r in self.rows:
            if r.error is not None:
                lines.append(f"{r.account_id}: ERROR {r.error}")
                continue
            assert r.before is not None
            assert r.after is not None
            if not r.changed:
                where = f"{r.after.status}, rung {r.after.value('rung')}"
                lines.append(f"{r.account_id}: unchanged ({where})")
                continue
            what = ", ".join(n.replace("_", " ") for n in r.changed)
            lines.append(f"{r.account_id}: changed {what}")
            for name in FIELDS:
                a, b = r.before.value(name), r.after.value(name)
                mark = "*" if name in r.changed else " "
                lines.append(f"  {mark} {name.replace('_', ' '):<11} {a} -> {b}")
            for w in r.why:
                lines.append(f"    why: {w}")
        return "\n".join(lines)


def migration_report(
    new: Policy,
    old: Policy,
    accounts: Iterable[Account],
    at: datetime,
    *,
    versions: PolicySet | None = None,
) -> MigrationReport:
    """What shipping ``new`` in place of ``old`` changes for each account at ``at``.

    Args:
        new: the policy to ship; its ``on_new_version`` governs the accounts in flight.
        old: the policy in force; accounts with no recorded version are taken to be under it.
        accounts: the portfolio (any iterable; read once).
        at: the moment compared (aware).
        versions: older versions still pinned by some accounts (``old`` is always included).

    Returns:
        A :class:`MigrationReport`, one row per account in the order given.
    """
    held = (versions if versions is not None else PolicySet()).with_policy(old)
    rows: list[MigrationRow] = []
    for account in accounts:
        try:
            before = decide_versioned(old, account, at, versions=held, unrecorded=old)
            after = decide_versioned(new, account, at, versions=held, unrecorded=old)
        except OverdueError as exc:
            rows.append(MigrationRow(account.id, None, None, error=str(exc)))
            continue
        b, a = Outlook.of(before), Outlook.of(after)
        changed = tuple(n for n in FIELDS if not _same(n, b, a))
        why = tuple(r.message for r in after.reasons if r.code.startswith("version_"))
        rows.append(MigrationRow(account.id, b, a, changed, why))
    return MigrationReport(
        at, f"{old.id} {old.version}", f"{new.id} {new.version}", new.on_new_version, tuple(rows)
    )
