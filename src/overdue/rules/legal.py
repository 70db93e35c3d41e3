"""Preconditions of the strong rungs: authorisations, prior steps, limitation periods, amounts."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import ClassVar, Literal

import attrs

from overdue._time import at_local
from overdue._validators import duration as _duration
from overdue._validators import money, non_empty, one_of
from overdue.durations import Duration
from overdue.errors import PolicyError
from overdue.money import Money
from overdue.rules.base import RuleBase, Verdict
from overdue.situation import Candidate

_name = non_empty(PolicyError, noun="name", strip=False)

__all__ = ["MinimumBalance", "RequiresAuthorisation", "RequiresPriorEvent", "TimeBar"]


@attrs.frozen(kw_only=True)
class RequiresAuthorisation(RuleBase):
    """Block until an ``AuthorisationGranted`` with this name is on file (and not revoked)."""

    kind: ClassVar[str] = "requires_authorisation"
    authorisation: str = attrs.field(validator=_name)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        if candidate.situation.snapshot.has_authorisation(self.authorisation, at):
            return None
        return self.block(
            "not_authorised",
            f"needs the authorisation {self.authorisation!r}, which is not on file",
        )

    def describe(self) -> str:
        return f"requires authorisation {self.authorisation!r}{self.scope_text()}"


@attrs.frozen(kw_only=True)
class RequiresPriorEvent(RuleBase):
    """Block until a milestone happened, and defer until ``min_elapsed`` after it.

    Milestones are named ``stage_entered:<stage>``, ``contacted:<template>`` (delivered or
    answered), ``authorised:<name>``, ``fact:<name>`` (a ``FactSet``), or an event kind
    (``dispute_resolved``).  The first time the milestone happened counts.

    This is also the "prior notice" and "forbearance first" gate: 14 days after a default
    notice (``milestone='contacted:default_notice', min_elapsed='14d'``, Consumer Credit Act
    1974 s.88), 30 days after a letter of claim (``'contacted:letter_of_claim'``, ``'30d'``,
    Pre-Action Protocol for Debt Claims), or forbearance offered before litigation
    (``'fact:forbearance_offered'``, CCD2 Art. 35), each scoped with ``stages``.
    """

    kind: ClassVar[str] = "requires_prior_event"
    milestone: str = attrs.field(validator=_name)
    min_elapsed: Duration = attrs.field(default=Duration(0, "d"), converter=_duration)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        s = candidate.situation
        when = s.snapshot.first_seen.get(self.milestone)
        if when is None:
            return self.block(
                "missing_prior", f"needs {self.milestone!r} first, which has not happened"
            )
        opens = self.min_elapsed.add_to(when, tz=s.tz, calendar=s.calendar)
        if at >= opens:
            return None
        return self.defer(
            "prior_too_recent",
            f"{self.milestone!r} happened at {when.isoformat()}; {self.min_elapsed} must pass",
            opens,
        )

    def describe(self) -> str:
        after = f" and {self.min_elapsed} after it" if not self.min_elapsed.is_zero else ""
        return f"only after {self.milestone}{after}{self.scope_text()}"


@attrs.frozen(kw_only=True)
class TimeBar(RuleBase):
    """Block (typically litigation) once the limitation period has run.

    The period runs from the earliest unpaid due date, or, with ``restart_on='payment'``, from
    the last payment when that is later (a payment acknowledges the debt in many jurisdictions).
    """

    kind: ClassVar[str] = "time_bar"
    limitation: Duration = attrs.field(converter=_duration)
    restart_on: Literal["none", "payment"] = attrs.field(
        default="payment", validator=one_of(("none", "payment"))
    )

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        s = candidate.situation
        due = s.snapshot.earliest_unpaid_due()
        if due is None:
            return None
        tz = s.tz or UTC
        start = at_local(due, time(0), tz)
        if self.restart_on == "payment" and s.snapshot.payments:
            start = max(start, s.snapshot.payments[-1].at)
        ends = self.limitation.add_to(start, tz=tz, calendar=s.calendar)
        if at < ends:
            return None
        return self.block(
            "time_barred",
            f"the limitation period of {self.limitation} from {start.date()} "
            f"ended on {ends.date()}",
        )

    def describe(self) -> str:
        return f"limitation period {self.limitation}{self.scope_text()}"


@attrs.frozen(kw_only=True)
class MinimumBalance(RuleBase):
    """Block a step when the balance is below ``minimum`` (no lawsuit over small change)."""

    kind: ClassVar[str] = "minimum_balance"
    minimum: Money = attrs.field(validator=money("Money('500.00', 'CNY')"))

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        bal = candidate.situation.balance
        if bal is not None and bal.reaches(self.minimum):
            return None
        return self.block("below_minimum", f"balance {bal} is below the minimum {self.minimum}")

    def describe(self) -> str:
        return f"only when the balance is at least {self.minimum}{self.scope_text()}"
