"""How often a debtor may be contacted: caps, minimum gaps and cool-downs.

What counts is explicit, because regulations differ: ``counts='attempt'`` counts every
creditor-initiated attempt, ``'connected'`` only those that reached the person (delivered,
conversation, refused), ``'conversation'`` only conversations, ``'unanswered'`` only attempts
that did not get through (no answer, failed, bounced).  Contacts the debtor initiated never
count.  Contacts planned earlier in the same decision count as attempts, so two steps due at
once cannot together break a cap.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import ClassVar, Literal

import attrs
from dateutil.relativedelta import relativedelta

from overdue._time import at_local
from overdue.durations import Duration, as_duration
from overdue.errors import PolicyError
from overdue.events import ContactAttempted, Outcome
from overdue.rules.base import RuleBase, Verdict, names
from overdue.situation import Candidate

__all__ = ["COUNTS", "CoolDown", "FrequencyCap", "MinimumGap", "counted_outcomes"]

COUNTS: dict[str, frozenset[str]] = {
    "attempt": frozenset(o.value for o in Outcome),
    "connected": frozenset({"delivered", "conversation", "refused"}),
    "conversation": frozenset({"conversation"}),
    "unanswered": frozenset({"no_answer", "failed", "bounced"}),
}


def counted_outcomes(counts: str) -> frozenset[str]:
    """The outcomes a counting mode counts."""
    return COUNTS[counts]


def _duration(value: object) -> Duration:
    return as_duration(value)  # type: ignore[arg-type]


def _no_bd(_i: object, a: attrs.Attribute[Duration], value: Duration) -> None:
    if value.unit == "bd":
        raise PolicyError(
            f"{a.name} cannot be in business days for this rule",
            expected="'7d', '24h', '1w' or '1mo'",
            got=str(value),
        )


def _positive(_i: object, a: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError(f"{a.name} must be a whole number >= 1", got=value)


def _shift(at: datetime, d: Duration, tz: tzinfo | None, sign: int) -> datetime:
    """``at`` plus or minus ``d``: hours and minutes exactly, days, weeks and months on the
    wall clock of the debtor's zone ``tz`` (UTC when unknown).

    Never on the wall clock of whatever zone ``at`` happens to be expressed in: Python adds
    to and compares datetimes that share a ``tzinfo`` by wall clock, so the same instant given
    in UTC or in local time would otherwise open a rolling window an hour apart across a
    daylight-saving change, and ``decide`` would answer differently for the same moment.
    """
    if d.unit in ("h", "min"):
        return at.astimezone(UTC) + sign * d.min_timedelta
    local = at.astimezone(tz or UTC)
    if d.unit == "mo":
        shifted: datetime = local + sign * relativedelta(months=d.amount)
        return shifted.astimezone(UTC)
    return (local + sign * d.min_timedelta).astimezone(UTC)


def _subtract(at: datetime, d: Duration, tz: tzinfo | None = None) -> datetime:
    return _shift(at, d, tz, -1)


def _add(at: datetime, d: Duration, tz: tzinfo | None = None) -> datetime:
    return _shift(at, d, tz, 1)


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _matching(
    contacts: Iterable[ContactAttempted], channels: frozenset[str] | None
) -> list[ContactAttempted]:
    return [
        c
        for c in contacts
        if c.initiated_by == "creditor" and (channels is None or c.channel in channels)
    ]


@attrs.frozen(kw_only=True)
class FrequencyCap(RuleBase):
    """At most ``max_contacts`` contacts per window.

    ``window='rolling'``: any period of length ``per`` ending at the candidate time.
    ``window='calendar'``: calendar days in the debtor's zone (``per='1d'`` is "per local day",
    ``per='7d'`` the local day and the six before it).  ``scope``: ``'debtor'`` counts every
    contact on the account, ``'debt'`` only those recorded with the same ``debt_id`` as the
    candidate (account-level contacts have none), ``'contact_point'`` only those to the same
    address.  ``count_channels`` widens what is counted beyond the channels the rule applies to
    (cap calls, but count calls and SMS together).
    """

    kind: ClassVar[str] = "frequency_cap"
    max_contacts: int = attrs.field(validator=_positive)
    per: Duration = attrs.field(converter=_duration, validator=_no_bd)
    window: Literal["rolling", "calendar"] = attrs.field(
        default="rolling", validator=attrs.validators.in_(("rolling", "calendar"))
    )
    scope: Literal["debtor", "debt", "contact_point"] = attrs.field(
        default="debtor", validator=attrs.validators.in_(("debtor", "debt", "contact_point"))
    )
    counts: Literal["attempt", "connected", "conversation", "unanswered"] = attrs.field(
        default="attempt", validator=attrs.validators.in_(tuple(COUNTS))
    )
    count_channels: frozenset[str] | None = attrs.field(default=None, converter=names)

    def __attrs_post_init__(self) -> None:
        if self.window == "calendar" and self.per.unit not in ("d", "w"):
            raise PolicyError(
                f"rule {self.id!r}: a calendar window is counted in days",
                expected="per = '1d' or '7d'",
                got=str(self.per),
            )

    def _counted(self, candidate: Candidate) -> list[ContactAttempted]:
        chans = self.count_channels if self.count_channels is not None else self.channels
        outcomes = COUNTS[self.counts]
        pool = _matching(candidate.situation.snapshot.contacts, chans)
        pool = [c for c in pool if c.outcome.value in outcomes]
        pool.extend(_matching(candidate.planned, chans))
        if self.scope == "contact_point":
            addr = candidate.contact.address if candidate.contact is not None else None
            pool = [c for c in pool if c.contact_point == addr]
        elif self.scope == "debt":
            pool = [c for c in pool if c.debt_id is None]
        return pool

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        pool = self._counted(candidate)
        if len(pool) < self.max_contacts:
            return None
        if self.window == "rolling":
            tz = candidate.situation.tz
            start = _subtract(at, self.per, tz)
            times = sorted(_utc(c.at) for c in pool if start < _utc(c.at) <= _utc(at))
            if len(times) < self.max_contacts:
                return None
            oldest = times[len(times) - self.max_contacts]
            return self.defer(
                "cap_reached",
                f"{len(times)} contact(s) in the last {self.per} (cap {self.max_contacts})",
                _add(oldest, self.per, tz),
            )
        tz = candidate.situation.tz or UTC  # unknown zone: UTC days, as decide counts them
        span = self.per.amount * (7 if self.per.unit == "w" else 1)
        today = at.astimezone(tz).date()
        first = today - timedelta(days=span - 1)
        dates = sorted(
            d for d in (c.at.astimezone(tz).date() for c in pool) if first <= d <= today
        )
        if len(dates) < self.max_contacts:
            return None
        frees = dates[len(dates) - self.max_contacts] + timedelta(days=span)
        label = "today" if span == 1 else f"in the last {span} local days"
        return self.defer(
            "cap_reached",
            f"{len(dates)} contact(s) {label} (cap {self.max_contacts})",
            at_local(frees, time(0), tz),
        )

    def describe(self) -> str:
        win = "local calendar " if self.window == "calendar" else "rolling "
        what = "" if self.counts == "attempt" else f" counting {self.counts} contacts"
        return (
            f"at most {self.max_contacts} per {win}{self.per} per {self.scope}{what}"
            f"{self.scope_text()}"
        )


@attrs.frozen(kw_only=True)
class MinimumGap(RuleBase):
    """At least ``gap`` between two contacts (on the counted channels)."""

    kind: ClassVar[str] = "minimum_gap"
    gap: Duration = attrs.field(converter=_duration, validator=_no_bd)
    count_channels: frozenset[str] | None = attrs.field(default=None, converter=names)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        chans = self.count_channels if self.count_channels is not None else self.channels
        pool = _matching(candidate.situation.snapshot.contacts, chans)
        pool.extend(_matching(candidate.planned, chans))
        past = [_utc(c.at) for c in pool if _utc(c.at) <= _utc(at)]
        if not past:
            return None
        last = max(past)
        opens = _add(last, self.gap, candidate.situation.tz)
        if _utc(at) >= opens:
            return None
        return self.defer(
            "too_soon", f"the last contact was at {last.isoformat()}, minimum gap {self.gap}", opens
        )

    def describe(self) -> str:
        return f"at least {self.gap} between contacts{self.scope_text()}"


@attrs.frozen(kw_only=True)
class CoolDown(RuleBase):
    """No contact for ``period`` after a contact with outcome ``after``.

    ``first_day='local_date'`` counts the day of that outcome as day one in the debtor's zone
    (a 7-day cool-down after a Monday conversation ends at local midnight before the next
    Monday); ``'event'`` counts from the moment itself.
    """

    kind: ClassVar[str] = "cool_down"
    after: Outcome = attrs.field(converter=Outcome)
    period: Duration = attrs.field(converter=_duration, validator=_no_bd)
    first_day: Literal["event", "local_date"] = attrs.field(
        default="event", validator=attrs.validators.in_(("event", "local_date"))
    )
    count_channels: frozenset[str] | None = attrs.field(default=None, converter=names)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        chans = self.count_channels if self.count_channels is not None else self.channels
        last = None
        for c in candidate.situation.snapshot.contacts:
            if (
                c.outcome is self.after
                and (chans is None or c.channel in chans)
                and _utc(c.at) <= _utc(at)
            ):
                last = c.at
        if last is None:
            return None
        if self.first_day == "local_date":
            tz = candidate.situation.tz or UTC
            first = last.astimezone(tz).date()
            days = self.period.amount * (7 if self.period.unit == "w" else 1)
            if self.period.unit in ("d", "w"):
                ends = at_local(first + timedelta(days=days), time(0), tz)
            else:
                ends = _add(last, self.period, candidate.situation.tz)
        else:
            ends = _add(last, self.period, candidate.situation.tz)
        if _utc(at) >= _utc(ends):
            return None
        return self.defer(
            "cool_down",
            f"cool-down of {self.period} after a {self.after.value} at {last.isoformat()}",
            ends,
        )

    def describe(self) -> str:
        return f"no contact for {self.period} after a {self.after.value}{self.scope_text()}"
