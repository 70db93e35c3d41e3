"""Service actions: what a rung does to the customer's service, and how it is undone.

A billing system's dunning does more than write: it blocks changes to a subscription, suspends
the service, cancels it.  A :class:`ServiceStep` on a :class:`~overdue.policy.Stage` says which
action, when after the rung is entered, and what undoes it.  It is not a contact, so contact
rules (frequency caps, contact hours, cool-downs, opt-outs, consent, content) neither count nor
delay it; holds that legally stop collection (an open dispute, a hold rule of the policy such
as a bankruptcy stay or a breathing space) do hold it, and a paused ladder (a promise to pay, a
payment plan) starts none.  The undo is emitted when the account is paid in full or leaves the
rung (stepping down, or climbing on unless ``keep_on_escalation``); undoing is never held.
See ``docs/billing.md``.
"""

from __future__ import annotations

import attrs

from overdue.durations import Duration, as_duration
from overdue.errors import PolicyError

__all__ = ["SERVICE_ACTIONS", "ServiceStep"]

SERVICE_ACTIONS = ("block_changes", "suspend", "cancel")
"""Well-known action names; any other non-empty name is a host-named action."""


def _name(_i: object, a: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{a.name} must be a non-empty string", got=value)


def _opt_name(_i: object, a: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        _name(_i, a, value)  # type: ignore[arg-type]


def _duration(value: object) -> Duration:
    return as_duration(value)  # type: ignore[arg-type]


@attrs.frozen
class ServiceStep:
    """One action on the customer's service, taken ``at`` after the rung is entered.

    Every step declares its undo: ``undo`` names the action that reverses it (``unblock``,
    ``resume``, ``reinstate``), or ``irreversible=True`` says there is none (the decision then
    emits nothing when the account pays, and says so).  ``keep_on_escalation`` keeps the
    action in force when the account climbs to a later rung (a suspension stays while the
    cancellation is prepared); without it, leaving the rung in either direction undoes it.
    ``id`` defaults to the action name and must be unique among the rung's service steps.
    """

    action: str = attrs.field(validator=_name)
    undo: str | None = attrs.field(default=None, kw_only=True, validator=_opt_name)
    irreversible: bool = attrs.field(default=False, kw_only=True)
    at: Duration = attrs.field(default=Duration(0, "d"), kw_only=True, converter=_duration)
    keep_on_escalation: bool = attrs.field(default=False, kw_only=True)
    id: str | None = attrs.field(default=None, kw_only=True, validator=_opt_name)

    def __attrs_post_init__(self) -> None:
        if self.irreversible and self.undo is not None:
            raise PolicyError(
                f"service step {self.key!r} is irreversible and names an undo",
                key_path="undo",
                expected="either undo = '<action>' or irreversible = true",
                got=self.undo,
            )
        if not self.irreversible and self.undo is None:
            raise PolicyError(
                f"service step {self.key!r} declares no undo",
                key_path="undo",
                expected="undo = '<action that reverses it>' (such as 'unblock' or 'resume'), "
                "or irreversible = true",
            )
        if self.undo == self.action:
            raise PolicyError(f"service step {self.key!r} is undone by itself", got=self.undo)

    @property
    def key(self) -> str:
        """The step's id within its rung (its ``id``, else its action)."""
        return self.id if self.id is not None else self.action
