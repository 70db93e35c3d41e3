"""Notice periods: collection waits until a period has run from the assumed receipt of a notice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import ClassVar, Literal

import attrs

from overdue._time import at_local
from overdue._validators import duration as _duration
from overdue._validators import one_of
from overdue.calendars import BusinessCalendar
from overdue.durations import Duration
from overdue.errors import PolicyError
from overdue.rules.base import RuleBase, Verdict
from overdue.situation import Candidate
from overdue.snapshot import Snapshot

__all__ = ["DisputeHold", "ValidationPeriod"]


def _milestone(_i: object, _a: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise PolicyError(
            "validation_period needs the notice's milestone",
            expected="'contacted:<template>', 'stage_entered:<stage>', 'fact:<name>' or an "
            "event kind",
            got=value,
        )


@attrs.frozen(kw_only=True)
class ValidationPeriod(RuleBase):
    """Hold collection steps until ``period`` has run from the assumed receipt of a notice.

    The notice is a milestone, named as for ``requires_prior_event``: usually
    ``'contacted:<template>'`` (the notice was delivered), or ``'fact:<name>'`` for a notice the
    host records as a fact.  Its first occurrence counts.  Receipt is assumed ``receipt_after``
    after sending (``'5bd'``: five business days of the policy's calendar, so a US policy uses
    :func:`~overdue.calendars.us_federal_calendar`); the period runs ``period`` from the local
    date of receipt, and its last day is the end date the notice prints.  Steps the rule applies
    to are deferred to local midnight after that last day.

    Before the notice was sent the rule blocks (code ``notice_missing``), unless
    ``require_notice=False``.  The notice's own template (for ``contacted:<template>``) is
    always let through, so the rule may be scoped to a whole stage.

    Example (Regulation F, 12 CFR 1006.34): 30 days from receipt assumed 5 business days
    (Saturdays, Sundays and federal holidays excluded) after sending.
    """

    kind: ClassVar[str] = "validation_period"
    notice: str = attrs.field(validator=_milestone)
    period: Duration = attrs.field(default=Duration(30, "d"), converter=_duration)
    receipt_after: Duration = attrs.field(default=Duration(5, "bd"), converter=_duration)
    require_notice: bool = True

    @property
    def notice_template(self) -> str | None:
        """The template of a ``contacted:<template>`` notice, which the rule never holds."""
        prefix, _, rest = self.notice.partition(":")
        return rest if prefix == "contacted" and rest else None

    def applies_to(self, candidate: Candidate) -> bool:
        if candidate.template == self.notice_template:
            return False
        return super().applies_to(candidate)

    def period_end(
        self, snapshot: Snapshot, tz: tzinfo | None, calendar: BusinessCalendar
    ) -> date | None:
        """The last day of the period (debtor's local date), or ``None`` before the notice."""
        sent = snapshot.first_seen.get(self.notice)
        if sent is None:
            return None
        zone = tz or UTC
        receipt = self.receipt_after.add_to(sent, tz=zone, calendar=calendar)
        start = at_local(receipt.astimezone(zone).date(), time(0), zone)
        return self.period.add_to(start, tz=zone, calendar=calendar).astimezone(zone).date()

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        s = candidate.situation
        last = self.period_end(s.snapshot, s.tz, s.calendar)
        if last is None:
            if not self.require_notice:
                return None
            return self.block("notice_missing", f"the notice {self.notice!r} has not been sent yet")
        zone = s.tz or UTC
        opens = at_local(last + timedelta(days=1), time(0), zone)
        if at >= opens:
            return None
        return self.defer(
            "validation_period",
            f"the period after {self.notice!r} (receipt assumed {self.receipt_after} after "
            f"sending, then {self.period}) runs until {last.isoformat()}",
            opens,
        )

    def describe(self) -> str:
        return (
            f"no collection until {self.period} after receipt of {self.notice} "
            f"(assumed {self.receipt_after} after sending){self.scope_text()}"
        )


@attrs.frozen(kw_only=True)
class DisputeHold(RuleBase):
    """No collection while a dispute is open, everywhere or only as Regulation F scopes it.

    ``within='any_time'`` (the default, the stricter reading): every open dispute stops every
    contact the rule applies to, like ``hold_while`` on ``dispute_open``.

    ``within='validation_period'``: 12 CFR 1006.38(d)(2): "upon receipt of a dispute submitted
    by the consumer in writing within the validation period, a debt collector must cease
    collection ... until" it sends the verification.  A dispute opened on or before the last
    day of the validation period (``notice``, ``period`` and ``receipt_after`` as for
    ``validation_period``; a dispute before the notice was sent counts too) holds collection
    until the ``verification`` template was sent after it; a later dispute does not hold.  The
    dispute's form is not recorded on its event, so every dispute within the period is treated
    as written (stricter for oral ones).  The verification template itself always goes out.

    Either way the decision's ``debt_disputed`` says the debt is disputed while a dispute is
    open, for credit reporting; this rule never pauses the escalation clock (a
    ``hold_while`` does).
    """

    kind: ClassVar[str] = "dispute_hold"
    within: Literal["any_time", "validation_period"] = attrs.field(
        default="any_time", validator=one_of(("any_time", "validation_period"))
    )
    notice: str = attrs.field(default="contacted:validation.notice", validator=_milestone)
    period: Duration = attrs.field(default=Duration(30, "d"), converter=_duration)
    receipt_after: Duration = attrs.field(default=Duration(5, "bd"), converter=_duration)
    verification: str = attrs.field(default="dispute.verification")

    def applies_to(self, candidate: Candidate) -> bool:
        if candidate.template == self.verification:
            return False
        return super().applies_to(candidate)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        s = candidate.situation
        state = s.snapshot.fact_open("dispute_open", at)
        if state is None:
            return None
        why = f"a dispute is open since {state.since.isoformat()}"
        if self.within == "validation_period":
            period = ValidationPeriod(
                "dispute_hold.period",
                notice=self.notice,
                period=self.period,
                receipt_after=self.receipt_after,
            )
            last = period.period_end(s.snapshot, s.tz, s.calendar)
            opened = state.since.astimezone(s.tz or UTC).date()
            if last is not None and opened > last:
                return None  # after the validation period: 1006.38(d)(2) does not apply
            sent = [
                c
                for c in s.snapshot.contacts
                if c.template == self.verification
                and c.outcome.value in ("delivered", "unknown")
                and state.since <= c.at <= at
            ]
            if sent:
                return None  # verification mailed: collection may resume
            why += f" (within the validation period), until {self.verification!r} is sent"
        if state.until is not None and self.within == "any_time":
            return self.defer("dispute_hold", why, state.until)
        return self.block("dispute_hold", why)

    def describe(self) -> str:
        if self.within == "any_time":
            return f"no collection while any dispute is open{self.scope_text()}"
        return (
            "no collection while a dispute made within the validation period is open, until "
            f"{self.verification} is sent{self.scope_text()}"
        )
