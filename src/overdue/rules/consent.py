"""What the debtor's own choices allow: one reply to a contact the debtor started.

Consent *waivers* need no rule kind of their own: they are events
(:class:`~overdue.events.ConsentWaiver`), and any rule built with ``waivable=True`` is skipped
by the engine while a waiver naming its id is active.  Replying to the debtor is different: it
is a permission tied to one contact, so it is a rule that grants rather than restricts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import ClassVar

import attrs

from overdue._validators import duration as _duration
from overdue._validators import no_business_days
from overdue.durations import Duration, hours
from overdue.errors import PolicyError
from overdue.rules.base import RuleBase, Verdict, names
from overdue.situation import Candidate

_no_bd = no_business_days(
    message="{name} is a positive time span, not business days",
    expected="'24h', '1d'",
    nonzero=True,
)

__all__ = ["RespondOnce"]


def _kinds(value: Iterable[str] | str) -> frozenset[str]:
    out = names(value)
    if not out:
        raise PolicyError(
            "overrides names at least one rule kind",
            expected="('contact_hours', 'quiet_days')",
            got=value,
        )
    return out


@attrs.frozen(kw_only=True)
class RespondOnce(RuleBase):
    """After the debtor contacts the creditor, exactly one reply on the same channel.

    When the debtor starts a contact (a :class:`~overdue.events.DebtorContacted` event, or a
    ``ContactAttempted`` with ``initiated_by='debtor'``), a contact on that channel that is due
    at the moment of the decision, within ``within`` of the debtor's, is *the reply*: the
    engine lets it through the rules whose kind is in ``overrides`` (contact hours and quiet
    days by default), marks the action ``is_reply`` and says so in its reasons.  The reply goes
    out now or not as a reply at all: a step another rule defers (a cap) or one due later is
    scheduled like any other contact, so a reply never lands at a moment nobody chose.
    Reg F 1006.6(b)(4) and the "unless agreed" clause of the Chinese 22:00-08:00 rule are of
    this shape: the debtor chose the moment.

    Exactly one: once a creditor-initiated contact on that channel is recorded after the
    debtor's (or planned earlier in the same decision), no further candidate is a reply until
    the debtor makes contact again.  Every other rule (caps, holds, ceases) still applies.
    The rule itself never defers or blocks.
    """

    kind: ClassVar[str] = "respond_once"
    within: Duration = attrs.field(default=hours(24), converter=_duration, validator=_no_bd)
    overrides: frozenset[str] = attrs.field(
        default=frozenset({"contact_hours", "quiet_days"}), converter=_kinds
    )

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        return None  # a permission: the engine asks reply_to() instead

    def reply_to(self, candidate: Candidate, at: datetime) -> datetime | None:
        """When the debtor's contact this candidate at ``at`` would answer was, or ``None``.

        ``None`` when the candidate is not to the debtor, no debtor-initiated contact on its
        channel happened within ``within`` before ``at``, or a reply already went out.
        """
        if candidate.party != "debtor":
            return None
        s = candidate.situation
        snap = s.snapshot
        utc_at = at.astimezone(UTC)
        channel = candidate.channel
        inbound = [e.at for e in snap.debtor_contacts if e.channel == channel]
        inbound.extend(
            c.at for c in snap.contacts if c.initiated_by == "debtor" and c.channel == channel
        )
        inbound = [t for t in inbound if t.astimezone(UTC) <= utc_at]
        if not inbound:
            return None
        latest = max(inbound, key=lambda t: t.astimezone(UTC))
        if utc_at >= self.within.add_to(latest, tz=s.tz or UTC).astimezone(UTC):
            return None
        since = latest.astimezone(UTC)
        for c in (*snap.contacts, *candidate.planned):
            if (
                c.initiated_by == "creditor"
                and c.channel == channel
                and c.at.astimezone(UTC) >= since
            ):
                return None
        return latest

    def describe(self) -> str:
        kinds = ", ".join(sorted(self.overrides))
        return (
            f"one reply on the same channel within {self.within} of a debtor-initiated contact, "
            f"even where {kinds} would hold it{self.scope_text()}"
        )
