"""How often a debtor may be contacted: caps, minimum gaps and cool-downs.

What counts is explicit, because regulations differ: ``counts='attempt'`` counts every
creditor-initiated attempt, ``'connected'`` only those that reached the person (delivered,
conversation, refused), ``'conversation'`` only conversations, ``'unanswered'`` only attempts
that did not get through (no answer, failed, bounced, invalid number), ``'message'`` messages
sent (delivered, or sent without a receipt).  What is left out is explicit too (``exclude``):
contacts the debtor initiated (by default), attempts that never reached a line, contacts made
with the debtor's consent, contacts to the debtor's representative.  Contacts planned earlier
in the same decision count as attempts, so two steps due at once cannot together break a cap.
"""

from __future__ import annotations

import functools
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple

import attrs
from dateutil.relativedelta import relativedelta

from overdue._time import _GAP_FREE, at_local, gap_free
from overdue._validators import all_known, no_business_days, one_of, positive_int
from overdue._validators import duration as _duration
from overdue.account import POINT_KINDS
from overdue.durations import Duration, days
from overdue.errors import PolicyError
from overdue.events import ContactAttempted, Outcome
from overdue.rules.base import RuleBase, Verdict, names
from overdue.situation import Candidate

if TYPE_CHECKING:
    from overdue.snapshot import Snapshot

_no_bd = no_business_days()
_positive = positive_int()

__all__ = [
    "COUNTS",
    "EXCLUSIONS",
    "NOT_CONNECTED",
    "UNCLASSIFIED",
    "CoolDown",
    "FrequencyCap",
    "MinimumGap",
    "counted_outcomes",
    "debt_pools",
]

COUNTS: dict[str, frozenset[str]] = {
    "attempt": frozenset(o.value for o in Outcome),
    "connected": frozenset({"delivered", "conversation", "refused"}),
    "conversation": frozenset({"conversation"}),
    "unanswered": frozenset({"no_answer", "failed", "bounced", "invalid_number"}),
    "message": frozenset({"delivered", "unknown"}),
}

NOT_CONNECTED: frozenset[str] = frozenset({"failed", "bounced", "invalid_number"})
"""Outcomes of attempts that never reached a line (busy, not in service, bounced).

A call that rang out unanswered did reach the line and is *not* in this set."""

EXCLUSIONS = ("not_connected", "consented", "inbound", "to_representative")
"""What a :class:`FrequencyCap` may leave out of its count (``exclude``)."""


@functools.lru_cache(maxsize=32)
def _members(values: frozenset[str]) -> frozenset[Outcome]:
    """The ``Outcome`` members named in ``values``.

    An event's ``outcome`` is always an ``Outcome`` (its converter sees to it), and testing
    the member is much cheaper than reading its ``.value`` for every contact of every count.
    """
    return frozenset(o for o in Outcome if o.value in values)


def counted_outcomes(counts: str) -> frozenset[str]:
    """The outcomes a counting mode counts."""
    return COUNTS[counts]


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


def _exclusions(value: Iterable[str] | str) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else tuple(value)
    all_known(items, EXCLUSIONS, "unknown frequency-cap exclusion", hint=False)
    return tuple(dict.fromkeys(items))


UNCLASSIFIED = "unclassified"
"""The ``point_kinds`` name of a contact point of no known class (or no known point)."""


def _point_kinds(_i: object, _a: object, value: frozenset[str] | None) -> None:
    allowed = (*POINT_KINDS, UNCLASSIFIED)
    for kind in value or ():
        if kind not in allowed:
            raise PolicyError(
                "point_kinds names an unknown class of contact point",
                expected=" | ".join(allowed),
                got=kind,
            )


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
    ``window='rolling_days'``: ``per`` consecutive calendar
    days in the debtor's zone ending with the candidate's local day (``per='1d'`` is "per local
    day", ``per='7d'`` the local day and the six before it: Reg F's "7 consecutive days"); a
    daylight-saving change inside the days does not move their edges.  ``scope``: ``'debtor'``
    counts every contact on the account, ``'contact_point'`` only those to the same address,
    ``'debt'`` per particular debt: a candidate concerns the account's own debt (or debts), so
    the cap must hold for each of them; contacts recorded without a ``debt_id`` concern every
    debt of the account and count for each, and contacts tagged with a ``debt_id`` count for
    that debt (Reg F: a call about several debts counts for each).  An account whose contacts
    all carry one ``debt_id`` is capped exactly like one whose contacts carry none.
    ``count_channels`` widens what is counted beyond the channels the rule applies to (cap
    calls, but count calls and SMS together).

    ``exclude`` leaves contacts out of the count: ``'inbound'`` (debtor-initiated; the
    default), ``'not_connected'`` (attempts that never reached a line: failed, bounced, invalid
    number), ``'to_representative'`` (contacts recorded with ``party='representative'``) and
    ``'consented'``: contacts within ``consent_window`` of a
    :class:`~overdue.events.ConsentWaiver` naming this rule (the consent's local date is day
    one), and the candidate itself when it falls in such a window.  Giving ``exclude`` replaces
    the default, so name ``'inbound'`` too unless debtor-initiated contacts should count.

    ``point_kinds`` limits the cap to a class of contact points (``'mobile'``, ``'home'``,
    ``'work'``, ``'other'``, and ``'unclassified'`` for a point of no known class): it applies
    only to a candidate going to such a point, and counts only contacts made to such points
    (a contact recorded without a known point counts as ``'unclassified'``).  When the
    candidate carries its debt (one debt of a debtor decided by
    :func:`~overdue.engine.debtors.decide_debtor`), a per-debt cap counts that debt's contacts
    only: those tagged with it (``debt_id`` or ``debt_ids``) and those tagged with none.
    """

    kind: ClassVar[str] = "frequency_cap"
    max_contacts: int = attrs.field(validator=_positive)
    per: Duration = attrs.field(converter=_duration, validator=_no_bd)
    window: Literal["rolling", "rolling_days"] = attrs.field(
        default="rolling", validator=one_of(("rolling", "rolling_days"))
    )
    scope: Literal["debtor", "debt", "contact_point"] = attrs.field(
        default="debtor", validator=one_of(("debtor", "debt", "contact_point"))
    )
    counts: Literal["attempt", "connected", "conversation", "unanswered", "message"] = (
        attrs.field(default="attempt", validator=one_of(tuple(COUNTS)))
    )
    count_channels: frozenset[str] | None = attrs.field(default=None, converter=names)
    exclude: tuple[str, ...] = attrs.field(default=("inbound",), converter=_exclusions)
    consent_window: Duration = attrs.field(
        default=days(7), converter=_duration, validator=_no_bd
    )
    point_kinds: frozenset[str] | None = attrs.field(
        default=None, converter=names, validator=_point_kinds
    )

    def __attrs_post_init__(self) -> None:
        if self.window != "rolling" and self.per.unit not in ("d", "w"):
            raise PolicyError(
                f"rule {self.id!r}: a {self.window} window is counted in local calendar days",
                expected="per = '1d' or '7d'",
                got=str(self.per),
            )

    def consent_spans(self, candidate: Candidate) -> list[tuple[datetime, datetime | None]]:
        """The ``[start, end)`` spans in which contacts count as consented (``end`` ``None``:
        open), from the consent waivers naming this rule.

        A span starts at the consent and ends with ``consent_window`` counted in local calendar
        days with the consent's date as day one (``'7d'`` after a Monday consent ends at local
        midnight before the next Monday), or earlier when the waiver itself ends earlier.
        """
        s = candidate.situation
        tz = s.tz or UTC
        spans: list[tuple[datetime, datetime | None]] = []
        for w in s.snapshot.waivers:
            if w.rule_id != self.id:
                continue
            if self.consent_window.unit in ("d", "w"):
                n = self.consent_window.amount * (7 if self.consent_window.unit == "w" else 1)
                end = at_local(w.since.astimezone(tz).date() + timedelta(days=n), time(0), tz)
            else:
                end = _add(w.since, self.consent_window, tz)
            own = w.ends(tz, s.calendar)
            if own is not None and _utc(own) < _utc(end):
                end = own
            spans.append((_utc(w.since), _utc(end)))
        return spans

    def _counted(
        self, candidate: Candidate, since: datetime | None = None
    ) -> list[ContactAttempted]:
        """The contacts the cap counts; with ``since``, only those from then on (a window).

        Empty when fewer contacts than the cap are on file and planned in the window at all:
        then no count can reach the cap, whatever is left out.
        """
        chans = self.count_channels if self.count_channels is not None else self.channels
        ex = self.exclude
        need = self.max_contacts - len(candidate.planned)
        pool = _on_file(
            candidate.situation.snapshot,
            _START_OF_TIME if since is None else since,
            (chans, _outcomes(self.counts, "not_connected" in ex), "inbound" in ex),
            "to_representative" in ex,
            need,
        )
        if len(pool) < need:
            # Every scope counts a part of these: fewer than the cap cannot reach it (the
            # common case, decided without a pass over the contacts).
            return []
        pool.extend(_matching(candidate.planned, chans))
        if "consented" in ex:
            spans = self.consent_spans(candidate)
            pool = [c for c in pool if not _within(_utc(c.at), spans)]
        if self.scope == "contact_point":
            addr = candidate.contact.address if candidate.contact is not None else None
            pool = [c for c in pool if c.contact_point == addr]
        if self.point_kinds is not None:
            kinds, account = self.point_kinds, candidate.situation.account
            pool = [c for c in pool if (account.kind_of(c.contact_point) or UNCLASSIFIED) in kinds]
        return pool

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        if self.point_kinds is not None and (
            (candidate.point_kind or UNCLASSIFIED) not in self.point_kinds
        ):
            return None  # a cap on another class of contact point
        if "consented" in self.exclude and _within(_utc(at), self.consent_spans(candidate)):
            return None  # a contact the debtor consented to is not counted, nor capped
        tz_ = candidate.situation.tz
        # Only the window's contacts can count: look no further back than its start (a day
        # earlier for local-day windows, whatever the zone's offset), so the check does not
        # grow with the history.
        if self.window == "rolling":
            since = _subtract(at, self.per, tz_)
        else:
            span = self.per.amount * (7 if self.per.unit == "w" else 1)
            since = _utc(at) - timedelta(days=span + 1)
        pool = self._counted(candidate, since)
        if self.scope != "debt":
            return self._judge(pool, candidate, at, since)
        debt = candidate.debt_id
        if debt is not None:  # one debt of a debtor: its own contacts and untagged ones
            own = [c for c in pool if not c.debts or debt in c.debts]
            return self._judge(own, candidate, at, since)
        # Per debt: the candidate concerns each of the account's debts, so the cap must hold
        # for every one of them; the latest deferral wins.
        found: Verdict | None = None
        for one in debt_pools(pool):
            v = self._judge(one, candidate, at, since)
            if v is not None and (found is None or _later(v, found)):
                found = v
        return found

    def _judge(
        self, pool: list[ContactAttempted], candidate: Candidate, at: datetime, since: datetime
    ) -> Verdict | None:
        """The cap's verdict on ``pool``, the contacts counted for one scope.

        ``since`` is the start of the window ``check`` worked out (for a rolling window, the
        exclusive start of the period ending at ``at``).
        """
        if len(pool) < self.max_contacts:
            return None
        if self.window == "rolling":
            tz = candidate.situation.tz
            start = since
            end = _utc(at)
            times = sorted([u for c in pool if start < (u := c.at.astimezone(UTC)) <= end])
            if len(times) < self.max_contacts:
                return None
            oldest = times[len(times) - self.max_contacts]
            return self.defer(
                "cap_reached",
                f"{len(times)} contact(s) in the last {self.per} (cap {self.max_contacts})",
                _add(oldest, self.per, tz),
            )
        tz = candidate.situation.tz or UTC  # unknown zone: UTC days, as decide counts them
        # rolling_days: n consecutive local calendar dates ending on today's.
        span = self.per.amount * (7 if self.per.unit == "w" else 1)
        today = at.astimezone(tz).date()
        first = today - timedelta(days=span - 1)
        dates = sorted([d for c in pool if first <= (d := c.at.astimezone(tz).date()) <= today])
        if len(dates) < self.max_contacts:
            return None
        frees = dates[len(dates) - self.max_contacts] + timedelta(days=span)
        label = "today" if span == 1 else f"in the last {span} local days"
        return self.defer(
            "cap_reached",
            f"{len(dates)} contact(s) {label} (cap {self.max_contacts})",
            at_local(frees, time(0), tz),
        )

    def counter(self) -> Callable[[Candidate, datetime], Verdict | None]:
        """A ``check`` that answers exactly as :meth:`check` does, worked out once per rule
        for the compiled policy (:mod:`overdue.compiled`), or ``check`` itself.

        Why: a cap is asked at every moment the engine tries, and the general check passes
        over the window's contacts up to five times (channels and outcomes, exclusions,
        planned contacts, scope, then the window's edges) through three calls.  The common
        shapes (scope debtor or contact point; no consent exclusion, no point classes) are
        counted once per snapshot instead (``_Counted``, kept in
        :meth:`Snapshot.memo <overdue.snapshot.Snapshot.memo>`), and a check is then a
        bisection or two.  Property-tested against :meth:`check`
        (``tests/rules/test_frequency_counter.py``).
        """
        if self.point_kinds is not None or "consented" in self.exclude or self.scope == "debt":
            return self.check
        if self.window == "rolling":
            return _rolling(self)
        return _local_days(self)

    def lane_terms(self) -> tuple[str, Hashable, int, timedelta] | None:
        """What the scheduler's lane (:func:`overdue.engine.schedule.lane_of`) needs to see,
        inline, that :meth:`counter`'s check allows a moment: the window's kind
        (``'rolling'`` or ``'local_days'``), the key of what the cap counts in a snapshot's
        memo (:data:`_Counted`), the cap, and how far back the check's window starts.

        Why: in a round where the cap allows (most), the check's answer is its first lines:
        its window's start, a look in the memo and a bisection.  From what the cap counted
        the lane works out once per snapshot the earliest window start at which those lines
        allow (its bar), so a round compares the window's start with it, and asks the check
        itself only below it.  ``None`` for the caps the lane always asks (per point, per
        debt, consent-aware, of point classes, rolling hours or months, or a window of more
        than 5,000 days or weeks).
        """
        if self.point_kinds is not None or "consented" in self.exclude or self.scope != "debtor":
            return None
        most = self.max_contacts
        if self.per.unit not in ("d", "w") or self.per.amount > 5000:
            return None  # hours, months, or a window beyond the lane's arithmetic: asked
        if self.window == "rolling":
            return ("rolling", _counting(self).shape, most, self.per.min_timedelta)
        span = self.per.amount * (7 if self.per.unit == "w" else 1)
        return ("local_days", _counting(self).shape, most, timedelta(span + 1))

    def describe(self) -> str:
        if self.window == "rolling":
            win = f"rolling {self.per}"
        else:
            n = self.per.amount * (7 if self.per.unit == "w" else 1)
            win = "local calendar day" if n == 1 else f"{n} consecutive local days"
        what = "" if self.counts == "attempt" else f" counting {self.counts} contacts"
        left_out = [e.replace("_", " ") for e in self.exclude]
        if "consented" in self.exclude:
            left_out[self.exclude.index("consented")] = (
                f"consented (within {self.consent_window} of consent)"
            )
        if "inbound" not in self.exclude:
            left_out.append("but counting debtor-initiated contacts")
        excl = f", excluding {', '.join(left_out)}" if left_out else ""
        kinds = (
            f" to {' / '.join(sorted(self.point_kinds))} points" if self.point_kinds else ""
        )
        return (
            f"at most {self.max_contacts} per {win} per {self.scope}{kinds}{what}{excl}"
            f"{self.scope_text()}"
        )


_END_OF_TIME = datetime.max.replace(tzinfo=UTC)
_START_OF_TIME = datetime.min.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=32)
def _outcomes(counts: str, not_connected: bool) -> frozenset[Outcome]:
    """The outcomes a cap counting ``counts`` counts, less those of attempts that never
    reached a line when it leaves them out (``exclude`` names ``'not_connected'``)."""
    outcomes = _members(COUNTS[counts])
    if not_connected:
        outcomes = frozenset(o for o in outcomes if o.value not in NOT_CONNECTED)
    return outcomes


def _on_file(
    snap: Snapshot,
    since: datetime,
    what: tuple[frozenset[str] | None, frozenset[Outcome], bool],
    representative: bool,
    need: int,
) -> list[ContactAttempted]:
    """The contacts on file from ``since`` on, in order, that a cap counting ``what``
    (channels, outcomes, and whether it leaves inbound contacts out) counts, leaving out
    those to a representative when it says so: the first pass of
    :meth:`FrequencyCap._counted`, a new list.  Empty, at once, when fewer than ``need``
    contacts are on file from ``since`` on at all (none of them can reach the cap).

    Kept with the snapshot (:meth:`~overdue.snapshot.Snapshot.memo`), from the earliest
    ``since`` asked, so later checks of caps that count alike find their window by bisection
    (the scopes, consent and classes of contact points are then applied to the window, per
    check, as before).  Not kept when it is empty at once: that costs no more to find again.
    """
    key = ("frequency_cap.on_file", what, representative)
    recent = snap.contacts_since(since)
    if len(recent) < need:
        return []
    memo = snap.memo()
    kept: tuple[datetime, list[ContactAttempted]] | None = memo.get(key)
    if kept is None or since < kept[0]:
        chans, outcomes, inbound = what
        found = [
            c
            for c in recent
            if (chans is None or c.channel in chans)
            and c.outcome in outcomes
            and (not inbound or c.initiated_by == "creditor")
            and (not representative or c.party != "representative")
        ]
        kept = memo[key] = (since, found)
    contacts = kept[1]
    return contacts[bisect_left(contacts, since, key=_at) :]


_at: Callable[[ContactAttempted], datetime] = attrgetter("at")



_Counted = tuple[
    datetime,
    tuple[ContactAttempted, ...],
    list[datetime] | None,
    dict[tzinfo, tuple[list[date], bool]],
]
"""What a cap of one counted shape counts on one snapshot: ``(start, recent, times, dates)``.

``recent`` are the contacts on file from ``start`` on (:meth:`Snapshot.contacts_since
<overdue.snapshot.Snapshot.contacts_since>`), so a check whose window holds fewer contacts
than the cap at all answers at once; ``times`` the UTC instants, sorted, of those of them
that pass the cap's filters (channels, outcomes, exclusions, and for a per-point cap its
contact point), made on first need (``None`` until then) and never changed once made;
``dates`` their local dates per zone, made by :func:`_local` on first need.

Why: worked out once per snapshot and shape and kept in the snapshot's
:meth:`~overdue.snapshot.Snapshot.memo`, every check of a decision (one per moment tried,
per step and channel) and every later decision from the same held snapshot finds its window
by bisection instead of filtering the contacts again.  ``start`` is the earliest window
start asked so far (a check reaching further back counts again from there), so the work
stays within the windows asked, not the whole history.  A plain tuple: made on every first
decision of a snapshot, it costs no constructor call.
"""


def _local(counted: _Counted, tz: tzinfo) -> tuple[list[date], bool]:
    """The local dates in ``tz`` of what ``counted`` counts (its ``times``, made), and
    whether they never go back.

    A zone that turns its clocks back across midnight makes a later instant fall on an
    earlier date: such dates are searched, not bisected.
    """
    dates = counted[3]
    found = dates.get(tz)
    if found is None:
        days = [u.astimezone(tz).date() for u in counted[2] or ()]
        found = dates[tz] = (days, days == sorted(days))
    return found


Times = Callable[[dict[Hashable, Any], Hashable, _Counted, "str | None"], list[datetime]]
InPlan = Callable[[Sequence[ContactAttempted], "str | None", datetime, datetime], list[datetime]]


class _Counting(NamedTuple):
    """How a cap of a counted shape (scope debtor or contact point, no consent exclusion, no
    point classes) finds what :meth:`FrequencyCap._counted` would, with its filters fixed.

    ``shape`` names what it counts: the key of its :data:`_Counted` in a snapshot's memo
    (with the address, for a per-point cap), so two caps that count alike share one.  A
    check looks there first (inline: it is asked at every moment tried), keeps the contacts
    on file from its window's start on when nothing is kept from far enough back, and calls
    ``times(memo, key, counted, address)`` only when its window holds at least as many
    contacts as the cap: it filters them once and keeps what it found.  ``in_plan`` gives
    the contacts planned earlier in the decision that count, after ``since`` and up to
    ``end``.
    """

    shape: Hashable
    per_point: bool
    times: Times
    in_plan: InPlan


def _counting(cap: FrequencyCap) -> _Counting:
    """The :class:`_Counting` of ``cap`` (of a counted shape)."""
    chans = cap.count_channels if cap.count_channels is not None else cap.channels
    outcomes = _outcomes(cap.counts, "not_connected" in cap.exclude)
    inbound = "inbound" in cap.exclude
    representative = "to_representative" in cap.exclude
    per_point = cap.scope == "contact_point"
    shape = ("frequency_cap", chans, outcomes, inbound, representative, per_point)

    def times(
        memo: dict[Hashable, Any], key: Hashable, counted: _Counted, addr: str | None
    ) -> list[datetime]:
        found = [
            u if (u := c.at).tzinfo is UTC else u.astimezone(UTC)  # (most are recorded in UTC)
            for c in counted[1]
            if (chans is None or c.channel in chans)
            and c.outcome in outcomes
            and (not inbound or c.initiated_by == "creditor")
            and (not representative or c.party != "representative")
            and (not per_point or c.contact_point == addr)
        ]
        found.sort()  # in effective order already, as a rule: one pass
        memo[key] = (counted[0], counted[1], found, {})
        return found

    if chans is not None and inbound and not representative and not per_point:
        # The common shape (a cap on some channels, debtor-initiated contacts left out): the
        # filter without the tests that cannot fail (nor the outcome's, when the cap counts
        # every outcome: a contact's is always an ``Outcome``), the likeliest to fail first.
        every = outcomes == _members(COUNTS["attempt"])

        def times_common(
            memo: dict[Hashable, Any], key: Hashable, counted: _Counted, addr: str | None
        ) -> list[datetime]:
            found = [
                u if (u := c.at).tzinfo is UTC else u.astimezone(UTC)  # (as ``times``)
                for c in counted[1]
                if c.initiated_by == "creditor"
                and c.channel in chans
                and (every or c.outcome in outcomes)
            ]
            found.sort()
            memo[key] = (counted[0], counted[1], found, {})
            return found

        times = times_common

    def in_plan(
        planned: Sequence[ContactAttempted], addr: str | None, since: datetime, end: datetime
    ) -> list[datetime]:
        """The contacts planned earlier in the decision that the cap counts (attempts)."""
        return [
            u
            for c in planned
            if c.initiated_by == "creditor"
            and (chans is None or c.channel in chans)
            and (not per_point or c.contact_point == addr)
            and since < (u := c.at.astimezone(UTC)) <= end
        ]

    return _Counting(shape, per_point, times, in_plan)


def _address(candidate: Candidate) -> str | None:
    """The address a candidate goes to (``None``: none known), for a per-point cap."""
    return candidate.contact.address if candidate.contact is not None else None


def _rolling(cap: FrequencyCap) -> Callable[[Candidate, datetime], Verdict | None]:
    """:meth:`FrequencyCap.check` for a rolling window of a counted shape."""
    shape, per_point, counting, in_plan = _counting(cap)
    most, per, defer = cap.max_contacts, cap.per, cap.defer
    back = per.min_timedelta
    wall = per.unit in ("d", "w")  # else hours and minutes (exact), or months
    short = wall and back <= _SHORT  # a window :func:`_steady` can see whole
    said = f" contact(s) in the last {per} (cap {most})"  # the deferral's, after the count

    def rolling(candidate: Candidate, at: datetime) -> Verdict | None:
        global _IN_UTC
        s = candidate.situation
        tz = s.tz
        # ``at.astimezone(UTC)``, once per moment asked (``_IN_UTC``)
        if at.tzinfo is UTC:
            end = at
        elif (held := _IN_UTC)[0] is at:
            end = held[1]
        else:
            end = at.astimezone(UTC)
            _IN_UTC = (at, end)
        # ``_subtract``, without its calls for the units of a fixed length.
        if wall:
            since = end - back
            # With no offset change near its days (most), the window's start on the debtor's
            # wall clock is as far before ``at`` in UTC: no conversion; else the long way.
            z = tz or UTC
            if not (short and _steady(z, since.date(), end.date())):
                since = (at.astimezone(z) - back).astimezone(UTC)
        elif per.unit == "mo":
            since = _subtract(at, per, tz)
        else:
            since = end - back
        addr, key = (a := _address(candidate), (shape, a)) if per_point else (None, shape)
        memo = (snap := s.snapshot).memo()
        counted: _Counted | None = memo.get(key)
        if counted is None or since < counted[0]:
            counted = memo[key] = (since, snap.contacts_since(since), None, {})
        planned = candidate.planned
        times = counted[2]
        if times is None:  # not counted yet
            if len(counted[1]) + len(planned) < most:
                return None  # fewer than the cap on file and planned: none can reach it
            times = counting(memo, key, counted, addr)
        lo = bisect_right(times, since)
        hi = bisect_right(times, end, lo)
        if planned:
            rows = times[lo:hi]
            rows += in_plan(planned, addr, since, end)
            n = len(rows)
            if n < most:
                return None
            rows.sort()
            oldest = rows[n - most]
        else:
            n = hi - lo
            if n < most:
                return None
            oldest = times[hi - most]
        if wall:  # ``_add``, without its calls (nor its conversions, as above, when steady)
            z = tz or UTC
            if short and oldest.year < 9998 and _steady(z, oldest.date(), (oldest + back).date()):
                until = oldest + back  # (``oldest`` is in UTC: its date is its UTC date)
            else:
                until = (oldest.astimezone(z) + back).astimezone(UTC)
        else:
            until = _add(oldest, per, tz)
        return defer("cap_reached", f"{n}{said}", until)

    return rolling


def _local_days(cap: FrequencyCap) -> Callable[[Candidate, datetime], Verdict | None]:
    """:meth:`FrequencyCap.check` for a window of local days of a counted shape."""
    shape, per_point, counting, in_plan = _counting(cap)
    most, per, defer = cap.max_contacts, cap.per, cap.defer
    span = per.amount * (7 if per.unit == "w" else 1)
    back, ahead, first_day = timedelta(span + 1), timedelta(span), timedelta(span - 1)
    label = "today" if span == 1 else f"in the last {span} local days"

    def local_days(candidate: Candidate, at: datetime) -> Verdict | None:
        global _IN_UTC
        # Every contact from a day before the first local day on (whatever the zone's
        # offset), later ones too: a contact later today counts today.
        # ``at.astimezone(UTC)``, once per moment asked (``_IN_UTC``)
        if at.tzinfo is UTC:
            since = at - back
        elif (held := _IN_UTC)[0] is at:
            since = held[1] - back
        else:
            end = at.astimezone(UTC)
            _IN_UTC = (at, end)
            since = end - back
        addr, key = (a := _address(candidate), (shape, a)) if per_point else (None, shape)
        memo = (snap := (s := candidate.situation).snapshot).memo()
        counted: _Counted | None = memo.get(key)
        if counted is None or since < counted[0]:
            counted = memo[key] = (since, snap.contacts_since(since), None, {})
        planned = candidate.planned
        times = counted[2]
        if times is None:  # not counted yet
            if len(counted[1]) + len(planned) < most:
                return None  # fewer than the cap on file and planned: none can reach it
            times = counting(memo, key, counted, addr)
            counted = memo[key]
        lo = bisect_right(times, since)
        if len(times) - lo + len(planned) < most:
            return None  # fewer than the cap in the window at all: none can reach it
        tz = s.tz or UTC  # unknown zone: UTC days, as decide counts them
        today = at.astimezone(tz).date()
        first = today - first_day
        days, ordered = _local(counted, tz)
        if ordered:
            found = days[bisect_left(days, first, lo) : bisect_right(days, today, lo)]
        else:
            found = sorted([d for d in days[lo:] if first <= d <= today])
        if planned:
            found += [
                d
                for u in in_plan(planned, addr, since, _END_OF_TIME)
                if first <= (d := u.astimezone(tz).date()) <= today
            ]
            found.sort()
        if len(found) < most:
            return None
        return defer(
            "cap_reached",
            f"{len(found)} contact(s) {label} (cap {most})",
            at_local(found[len(found) - most] + ahead, time(0), tz),
        )

    return local_days


_IN_UTC: tuple[object, datetime] = (None, datetime.min.replace(tzinfo=UTC))
"""The last moment a cap's compiled check was asked about, and that moment in UTC.

Why: the scheduler asks every rule of a candidate at the same moment (the very object), and
two caps on a channel (a day's and a week's) each want it in UTC: a conversion (about 3,800
instructions across zones) becomes an identity test.  One tuple, replaced whole (a thread
reads a pair that belongs together); the moment it holds is kept alive with it, so no other
object can take its address."""

_SHORT = timedelta(days=8)  # the longest window :func:`_steady` sees whole
_FOUR = timedelta(days=4)


def _steady(z: tzinfo, first: date, last: date) -> bool:
    """Whether no offset change of ``z`` comes near the days ``first`` to ``last`` (at most
    eight days later), read as local or as UTC dates: then every wall time on them exists
    once, with one offset, and a wall clock moved by whole days moves the instant as much.

    ``gap_free`` of a day rules out a change within two days of it (in UTC, whatever the
    zone's offset); the three days asked (``first``, four days on, ``last``) leave no gap.
    """
    if last.year > 9998:  # (four days on may pass the calendar's end: the long way)
        return False
    try:
        free = _GAP_FREE[z]
        return free[first] and free[last] and free[first + _FOUR]
    except (KeyError, TypeError):
        return gap_free(z, first) and gap_free(z, last) and gap_free(z, first + _FOUR)


def _gap_times(snap: Snapshot, chans: frozenset[str] | None) -> list[datetime]:
    """The UTC instants, sorted, of the creditor's contacts on file on ``chans`` (``None``:
    every channel): what :class:`MinimumGap` looks back over, kept in the snapshot's memo.

    Why: the rule is asked at every moment a decision tries, and the latest contact before
    a moment may be any old one; worked out once per snapshot (and channels), a check is a
    bisection, and a decision from a held snapshot does not grow with its history."""
    key = ("minimum_gap", chans)
    memo = snap.memo()
    found: list[datetime] | None = memo.get(key)
    if found is None:
        found = memo[key] = sorted(_utc(c.at) for c in _matching(snap.contacts, chans))
    return found


def _outcome_times(
    snap: Snapshot, outcome: Outcome, chans: frozenset[str] | None
) -> tuple[list[datetime], list[datetime], bool]:
    """The contacts on file with ``outcome`` on ``chans`` (``None``: every channel), in the
    snapshot's order: their UTC instants, their own ``at``, and whether the instants never
    go back (then the last up to a moment is found by bisection); kept in the snapshot's
    memo, as for :func:`_gap_times`, for :class:`CoolDown`."""
    key = ("cool_down", outcome, chans)
    memo = snap.memo()
    found: tuple[list[datetime], list[datetime], bool] | None = memo.get(key)
    if found is None:
        ats = [
            c.at
            for c in snap.contacts
            if c.outcome is outcome and (chans is None or c.channel in chans)
        ]
        times = [_utc(a) for a in ats]
        found = memo[key] = (times, ats, times == sorted(times))
    return found


def debt_pools(pool: list[ContactAttempted]) -> list[list[ContactAttempted]]:
    """``pool`` split per particular debt, as a per-debt cap counts it.

    Contacts without a ``debt_id`` are about the account as a whole, so about each of its
    debts: they count in every debt's pool.  With no tagged contact there is one pool, the
    whole of ``pool``.  A contact about several debts (``debt_ids``) counts for each.
    """
    debts = list(dict.fromkeys(d for c in pool for d in c.debts))
    if not debts:
        return [pool]
    return [[c for c in pool if not c.debts or debt in c.debts] for debt in debts]


def _later(v: Verdict, than: Verdict) -> bool:
    return v.until is not None and (than.until is None or _utc(v.until) > _utc(than.until))


def _within(at: datetime, spans: list[tuple[datetime, datetime | None]]) -> bool:
    return any(a <= at and (b is None or at < b) for a, b in spans)


@attrs.frozen(kw_only=True)
class MinimumGap(RuleBase):
    """At least ``gap`` between two contacts (on the counted channels)."""

    kind: ClassVar[str] = "minimum_gap"
    gap: Duration = attrs.field(converter=_duration, validator=_no_bd)
    count_channels: frozenset[str] | None = attrs.field(default=None, converter=names)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        chans = self.count_channels if self.count_channels is not None else self.channels
        end = _utc(at)
        times = _gap_times(candidate.situation.snapshot, chans)
        i = bisect_right(times, end)
        last = times[i - 1] if i else None  # the latest on file up to ``at``
        for c in _matching(candidate.planned, chans):
            u = _utc(c.at)
            if u <= end and (last is None or u > last):
                last = u
        if last is None:
            return None
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

    ``day_one='event_local_date'`` counts the local date of that outcome in the debtor's zone as
    day one (Reg F: a 7-day cool-down after a Monday conversation ends at local midnight before
    the next Monday, whatever the hour of the conversation); ``'event_time'`` counts from the
    moment itself (the default).
    Debtor-initiated contacts count too: a conversation on the debtor's own call starts the
    cool-down like any other.
    """

    kind: ClassVar[str] = "cool_down"
    after: Outcome = attrs.field(converter=Outcome)
    period: Duration = attrs.field(converter=_duration, validator=_no_bd)
    count_channels: frozenset[str] | None = attrs.field(default=None, converter=names)
    day_one: Literal["event_local_date", "event_time"] = attrs.field(
        default="event_time", validator=one_of(("event_local_date", "event_time"))
    )

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        chans = self.count_channels if self.count_channels is not None else self.channels
        end = _utc(at)
        times, ats, ordered = _outcome_times(candidate.situation.snapshot, self.after, chans)
        last = None  # the last contact on file, in order, with the outcome, up to ``at``
        if ordered:
            i = bisect_right(times, end)
            if i:
                last = ats[i - 1]
        else:
            for u, a in zip(times, ats, strict=True):
                if u <= end:
                    last = a
        if last is None:
            return None
        if self.day_one == "event_local_date":
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
        day1 = " (its local date is day one)" if self.day_one == "event_local_date" else ""
        return self.defer(
            "cool_down",
            f"cool-down of {self.period} after a {self.after.value} at {last.isoformat()}{day1}",
            ends,
        )

    def describe(self) -> str:
        local = self.day_one == "event_local_date"
        day1 = ", its local date counting as day one" if local else ""
        return (
            f"no contact for {self.period} after a {self.after.value}{day1}{self.scope_text()}"
        )
