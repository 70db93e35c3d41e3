"""``decide``: the coordinator of the six phases (see :mod:`overdue.engine`).

Each phase is a function of a :class:`_Work` (the inputs, the situation and what has been
gathered so far) and either finishes the decision or hands on to the next phase.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from operator import attrgetter

import attrs

from overdue._frozen import filler
from overdue._time import (
    _GAP_FREE,
    ALWAYS_AWARE,
    _zone,
    at_local,
    gap_free,
    now_in,
    require_aware,
    zone,
)
from overdue.account import Account
from overdue.compiled import Rung
from overdue.decision import (
    Action,
    BlockedStep,
    Decision,
    DecisionBase,
    Reason,
    Status,
    Transition,
    _blocked_said,
    _decision,
    _make_decided,
    _Pending,
)
from overdue.engine import deadline as clock
from overdue.engine.drafts import ActionDraft, PlanOut, build_all
from overdue.engine.held import held_plan
from overdue.engine.ladder import choose_next, transition
from overdue.engine.pauses import NO_PAUSE, paused_time, promise_end
from overdue.engine.plan import NOTHING, facts_awaited, plan_steps
from overdue.engine.reasons import Note, instant, opt_in_zone, rendered
from overdue.errors import CalendarRangeError, OverdueError, PolicyError
from overdue.events import ContactAttempted
from overdue.money import Money
from overdue.policy import Policy, Stage
from overdue.situation import Situation, resolve_zone
from overdue.snapshot import FactState, Snapshot, StepProgress, _folded, fold

__all__ = ["calendar_range", "decide", "per_invoice_refused", "resolve_zone"]

_SituationInputs = tuple[
    Account,
    tzinfo | None,  # ``tz``
    str,  # ``tz_source``
    date,  # ``local_date``
    Sequence[ContactAttempted],  # ``elsewhere``, made a tuple with the situation
    str | None,  # ``debt_id``
]
"""What a :class:`~overdue.situation.Situation` needs besides the fields ``_Work`` holds."""
_make_situation = filler(Situation, [f.name for f in attrs.fields(Situation)])


def decide(
    policy: Policy,
    account: Account,
    now: datetime,
    *,
    snapshot: Snapshot | None = None,
    as_known_at: datetime | None = None,
    elsewhere: Sequence[ContactAttempted] = (),
    debt_id: str | None = None,
) -> Decision:
    """Decide what happens next for ``account`` under ``policy`` at ``now``.

    Args:
        policy: the ladder and rules.
        account: the account with its history; events after ``now`` are ignored.
        now: an aware datetime; the decision never reads a clock of its own.
        snapshot: a snapshot the host already holds (folded up to ``now``), to skip the fold.
        as_known_at: reproduce the decision as it was made with what was known then: events
            recorded after this moment (``recorded_at``) are left out.  For audits ("why did
            we send that SMS?" once a back-dated payment has arrived).  Not with ``snapshot``.
        elsewhere: contacts already planned in the same run for the debtor's other debts;
            frequency caps count them as planned (:func:`~overdue.engine.debtors.decide_debtor`).
        debt_id: the debt this decision is for when ``account`` is one debt of a debtor's view
            (:meth:`~overdue.debtor.Debtor.debt`): a per-debt cap then counts that debt's own
            contacts only.  ``None`` (an account decided alone): as before.

    Returns:
        A :class:`~overdue.decision.Decision`: deterministic for the same inputs.

    Raises:
        NaiveDatetimeError: ``now`` has no zone.
        EventError: the history is malformed or contradictory (with account id and index).
        CalendarRangeError: a date past the ends of the calendar would be needed.
        PolicyError: the policy runs one ladder per invoice (``ladder_per = "invoice"``) and
            no ``debt_id`` is given: one decision cannot speak for every invoice, so the
            account is refused rather than decided as a whole
            (:func:`~overdue.engine.invoices.decide_invoices` decides it).
    """
    if policy.ladder_per == "invoice" and debt_id is None:
        raise per_invoice_refused(policy, account.id, "decide()")
    # An aware datetime, asked the cheap way first (a subclass of datetime: the full check).
    if now.__class__ is not datetime or now.tzinfo.__class__ not in ALWAYS_AWARE:
        try:
            require_aware(now, "now")
        except OverdueError as exc:
            raise exc.located(account_id=account.id) from None
    if as_known_at is not None and snapshot is not None:
        raise OverdueError(
            "as_known_at leaves events out of the fold; it cannot be combined with a snapshot",
            account_id=account.id,
            expected="snapshot=None with as_known_at",
        )
    # Not ``with calendar_range(...)``: a context manager and the message's isoformat cost
    # more than a plain try on every decision; the message is written only on failure.
    try:
        if snapshot is not None:
            snap = snapshot
        elif as_known_at is None:
            snap = _folded(account, now, None)  # (``now`` is checked above)
        else:
            snap = fold(account, now, as_known_at=as_known_at)
        ahead = (  # facts dated after now on file (an invoice issued ahead, a hold next week)
            next_fact_after(account, now, as_known_at)
            if snap.event_count < len(account.events)
            else None
        )
        if policy.billing_side:  # opt-in: stepping down, service actions, fees (issue 18)
            return _billing(policy, account, now, snap, elsewhere, debt_id, ahead)
        # ``snap.balance``, read from the slot it keeps when it is set (a fold sets it): a
        # property costs a Python call, some three plain reads.
        balance = snap._balance
        if balance is not None and balance.__class__ is not Money:
            balance = snap.balance
        # 2. written off, nothing invoiced, paid in full: closed whatever the moment
        if balance is None or balance.amount <= _ZERO or snap.written_off is not None:
            return _closed(policy, account, now, snap, ahead, balance)
        w = _Work(policy, account, now, snap, balance, ahead, elsewhere, debt_id)  # 1.
        if not w.dov:
            return _not_overdue(w)  # 2. owed, but not overdue yet
        if snap.promise is not None or snap.facts:
            # 3. a promise to pay or a payment plan (neither on file: most accounts)
            return _paused(w) or _on_the_ladder(w)
        return _on_the_ladder(w)  # 4-6. the rung, its steps, deadline and wake time
    except OverdueError:
        raise
    except (OverflowError, ValueError) as exc:
        error = _out_of_calendar(account.id, f"deciding at {now.isoformat()}", exc)
        if error is None:
            raise
        raise error from exc


def _billing(
    policy: Policy,
    account: Account,
    now: datetime,
    snap: Snapshot,
    elsewhere: Sequence[ContactAttempted],
    debt_id: str | None,
    ahead: datetime | None,
) -> Decision:
    """The six phases wrapped by :mod:`overdue.engine.billing` (stepping down before them,
    service actions and postings after)."""
    from overdue.engine.billing import decide_billing

    def work(sn: Snapshot) -> _Work:
        return _Work(policy, account, now, sn, sn.balance, ahead, elsewhere, debt_id)

    def situation(sn: Snapshot) -> tuple[Situation, tzinfo]:
        w = work(sn)
        return w.s, w.z

    def phases(sn: Snapshot) -> Decision:
        w = work(sn)
        return _settled(w) or _paused(w) or _on_the_ladder(w)

    return decide_billing(policy, snap, now, situation, phases)


def per_invoice_refused(policy: Policy, account_id: str, entry: str) -> PolicyError:
    """The error of an entry point that decides an account as a whole under a per-invoice
    policy: deciding it anyway would silently drop the policy's ``ladder_per``."""
    return PolicyError(
        f"policy {policy.id!r} runs one ladder per invoice (ladder_per = 'invoice'), and "
        f"{entry} decides an account as a whole; decide it with "
        "decide_invoices(policy, account, now) (or `overdue next` with JSONL output), "
        "project it with debtor_timeline(policy, invoice_debtor(account), start, until)",
        key_path="ladder_per",
        account_id=account_id,
        expected="ladder_per = 'account' for " + entry,
        got=policy.ladder_per,
    )


@contextlib.contextmanager
def calendar_range(account_id: str, what: str) -> Iterator[None]:
    """Turn Python's date overflow (past 9999-12-31, before year 1) into a located error."""
    try:
        yield
    except OverdueError:
        raise
    except (OverflowError, ValueError) as exc:
        error = _out_of_calendar(account_id, what, exc)
        if error is None:
            raise  # not date arithmetic: a bug, not bad input
        raise error from exc


def _out_of_calendar(
    account_id: str, what: str, exc: OverflowError | ValueError
) -> CalendarRangeError | None:
    """The located error for a date overflow; ``None`` when ``exc`` is not one (a bug)."""
    text = str(exc)
    if "range" not in text and "year" not in text:
        return None
    return CalendarRangeError(
        f"{what}: a date past the ends of the calendar (year 1 to 9999) would be needed ({text})",
        account_id=account_id,
        expected="dates, durations and deadlines that stay within years 1 to 9999",
    )


class _Work:
    """One decision in the making: the inputs, the situation, the reasons and awaited facts
    gathered so far, and the rung phase 4 places the account on.  Every datetime it returns is
    in ``z`` (the debtor's zone, else UTC).

    The rung's fields (``stage`` to ``start_from``) are set by :func:`_place` and moved by
    :func:`_step_on`; an account on the rung on file (most) sets only ``since``, ``entries``
    and ``transition`` (:func:`_on_the_ladder`).  Held here rather than in a value of their
    own, because most decisions stop on the rung on file, and one object less per decision is
    measurable (issue 10).
    """

    __slots__ = (
        "_s",
        "ahead",
        "base",
        "clock",
        "dov",
        "entries",
        "now",
        "policy",
        "progress",
        "reasons",
        "since",
        "snap",
        "stage",
        "start_from",
        "transition",
        "waits",
        "z",
    )

    stage: Stage | None  # the rung (``None``: not on the ladder yet)
    since: datetime | None  # when it was entered
    clock: datetime | None  # when its escalation clock started (entry, or a restart)
    progress: Mapping[str, StepProgress]  # the attempts made per step in it
    entries: int | None  # how often it was entered (``None``: not counted yet, see _entries)
    transition: Transition | None  # the move onto it this decision makes
    start_from: tuple[Stage, ...]  # the rungs to enter from, when not on one

    def __init__(
        self,
        policy: Policy,
        account: Account,
        now: datetime,
        snap: Snapshot,
        balance: Money | None,
        ahead: datetime | None = None,
        elsewhere: Sequence[ContactAttempted] = (),
        debt_id: str | None = None,
    ) -> None:
        """``balance``: the snapshot's (its caller has read it already); ``ahead``: when the
        next event on file dated after ``now`` takes effect (issue 18): every decision but a
        write-off wakes by then."""
        name = account.timezone
        if name is not None:  # the account's own zone (most): resolve_zone's first answer
            try:
                z: tzinfo = _zone(name)  # the cached zone, without a call per decision
            except Exception:  # not a zone: ``zone`` says so with the library's error
                z = zone(name)
            tz: tzinfo | None = z
            source = "account"
            self.reasons: list[Reason | Note] = []  # the rules' and the engine's (``note``)
        else:
            tz, source, name = resolve_zone(policy, account)
            z = tz if tz is not None else UTC
            self.reasons = [] if tz is not None else [_ZONE_UNKNOWN]
        # Calendar days, months and wall clocks count in the debtor's zone, or in UTC when it
        # is unknown: never in whatever zone ``now`` happens to be written in.
        # ``now`` on the debtor's wall clock (the base's ``at`` too) and its date: kept per zone
        # for the last ``now`` (``now_in``; a portfolio is decided at one ``now``).
        held = now_in(now, z)
        local_now, local_date = held[2], held[3]
        # ``days_overdue``, inlined; the due date from the slot the fold keeps when it is set
        # (``earliest_unpaid_due()`` otherwise: a method of the snapshot's costs some three reads).
        due = snap.oldest_unpaid
        if due is not None and due.__class__ is not date:
            due = snap.earliest_unpaid_due()
        dov = (local_date - due).days if due is not None and due < local_date else 0
        # One store a field (a tuple assignment of many costs more).
        self.policy = policy
        self.now = now
        self.snap = snap
        self.z = z
        self.dov = dov
        self.ahead = ahead
        self.waits: list[str] = []  # the new facts that would change the decision
        # What the situation needs besides the fields above: it is built when a phase needs
        # it (not to settle, not on the rung on file with nothing to plan).
        self._s: Situation | _SituationInputs = (
            account,
            tz,
            source,
            local_date,
            elsewhere,
            debt_id,
        )
        retention = policy.compiled.retention_rules
        self.base: DecisionBase = (  # as :func:`_closed` makes it
            (),
            (),
            None,
            account.id,
            local_now,
            dov,
            balance,
            policy.id,
            policy.version,
            name,
            clock.retain_until(retention, snap, z) if retention else None,
            # ``fact_open``, asked only with a dispute on file.
            "dispute_open" in snap.facts and snap.fact_open("dispute_open", now) is not None,
        )

    @property
    def balance(self) -> Money | None:
        """What is owed now (the base's)."""
        return self.base[6]

    @property
    def s(self) -> Situation:
        """The situation, for conditions and rules: built once, and only when asked."""
        s = self._s
        if isinstance(s, tuple):
            # From the values this decision already worked out (``Situation.at`` makes the
            # same value from the inputs, working them out again), without ``__init__``: its
            # eleven fields stored at once (``overdue._frozen.filler``; it has no validators).
            account, tz, source, local_date, elsewhere, debt_id = s
            s = self._s = _make_situation(
                (
                    account,
                    self.snap,
                    self.now,
                    tz,
                    source,
                    self.policy.calendar,
                    local_date,
                    self.dov,
                    self.base[6],  # the balance
                    tuple(elsewhere),
                    debt_id,
                )
            )
        return s

    def note(
        self, code: str, text: str, params: tuple[object, ...] = (), until: datetime | None = None
    ) -> None:
        """Add one of the engine's own reasons: its message is ``text.format(*params)``,
        written when the decision's reasons are read (:data:`~overdue.engine.reasons.Note`)."""
        self.reasons.append((code, text, params, until))

    def done(
        self,
        status: Status,
        *,
        wake_at: datetime | None = None,
        waiting_for: tuple[str, ...] | None = None,
        on: tuple[str | None, datetime | None] | None = None,
    ) -> Decision:
        """A decision that stops before planning steps: on the rung on file, unless ``on``
        says which (its id, ``None`` off the ladder) and since when."""
        z = self.z
        if on is None:
            snap = self.snap
            stage, since = snap.stage, snap.stage_since
        else:
            stage, since = on
        ahead = self.ahead
        if (
            ahead is not None
            and status != "written_off"
            and (wake_at is None or instant(ahead) < instant(wake_at))
        ):
            wake_at = ahead
        waits = self.waits if waiting_for is None else waiting_for
        return _make_decided(
            (
                status,
                stage,
                # ``in_zone``, inlined here and below: every decision that stops early passes here.
                since if since is None or since.tzinfo is z else since.astimezone(z),
                None,
                (),
                (),
                None,
                wake_at if wake_at is None or wake_at.tzinfo is z else wake_at.astimezone(z),
                (),
                self.base,
            ),
            _Pending((_rendered, (self.reasons, z, waits))),
        )


def _closed(
    policy: Policy,
    account: Account,
    now: datetime,
    snap: Snapshot,
    ahead: datetime | None,
    balance: Money | None,
) -> Decision:
    """Phase 2 for an account the snapshot closes whatever the moment: written off, nothing
    invoiced, paid in full.  The answer :func:`_settled` gives, made without a ``_Work``
    (nothing of the situation, the ladder or the awaited facts is needed): paid accounts are
    common, and a decision that states one fact should cost little (issue 10).  Held to the
    general path by ``tests/test_settled_lane.py``."""
    waits: tuple[str, ...] = ()
    if snap.written_off is not None:
        note: Note = ("written_off", "written off on {}", (snap.written_off.at.date(),), None)
        status: Status = "written_off"
        ahead = None  # a write-off wakes for nothing
    elif balance is None:
        note, status, waits = _NO_INVOICES, "current", ("invoice",)
    else:
        payments = snap.payments
        paid = payments[-1].at.date() if payments else "-"
        note, status = ("paid_in_full", "paid in full (last payment {})", (paid,), None), "resolved"
    name = account.timezone
    if name is not None:  # as in ``_Work``
        try:
            z: tzinfo = _zone(name)
        except Exception:
            z = zone(name)
        reasons: list[Reason | Note] = [note]
    else:
        tz, _, name = resolve_zone(policy, account)
        z = tz if tz is not None else UTC
        reasons = [note] if tz is not None else [_ZONE_UNKNOWN, note]
    held = now_in(now, z)  # as in ``_Work``
    at, day = held[2], held[3]
    due = snap.oldest_unpaid  # as in ``_Work``
    if due is not None and due.__class__ is not date:
        due = snap.earliest_unpaid_due()
    retention = policy.compiled.retention_rules
    base: DecisionBase = (  # as ``_Work`` makes it, in the same order (the same first error)
        (),
        (),
        None,
        account.id,
        at,
        (day - due).days if due is not None and due < day else 0,
        balance,
        policy.id,
        policy.version,
        name,
        clock.retain_until(retention, snap, z) if retention else None,
        "dispute_open" in snap.facts and snap.fact_open("dispute_open", now) is not None,
    )
    since = snap.stage_since
    return _make_decided(
        (
            status,
            snap.stage,
            since if since is None or since.tzinfo is z else since.astimezone(z),
            None,
            (),
            (),
            None,
            ahead if ahead is None or ahead.tzinfo is z else ahead.astimezone(z),
            (),
            base,
        ),
        _Pending((_rendered, (reasons, z, waits))),
    )


_NO_INVOICES: Note = ("no_invoices", "nothing has been invoiced", (), None)


_ZONE_UNKNOWN: Note = (
    "zone_unknown",
    "the debtor's time zone is unknown and the policy assumes none",
    (),
    None,
)


def _rendered(
    args: tuple[list[Reason | Note], tzinfo, list[str] | tuple[str, ...]],
) -> tuple[tuple[Reason, ...], tuple[str, ...]]:
    """A decision's reasons and ``waiting_for``, when first read: the reasons with every
    ``until`` in the debtor's zone, the awaited facts each once."""
    reasons, z, waits = args
    return rendered(reasons, z), waits if isinstance(waits, tuple) else tuple(dict.fromkeys(waits))


def next_fact_after(
    account: Account, now: datetime, as_known_at: datetime | None = None
) -> datetime | None:
    """When the earliest event on file dated after ``now`` takes effect (``None``: none).

    Such an event (an invoice issued ahead of time, a hold that starts next week) changes the
    decision when its moment comes with no new fact from the host, so ``wake_at`` is never
    later than it.  With ``as_known_at``, events recorded after that moment do not count.
    """
    best: datetime | None = None
    for event in account.events:
        at = event.at
        if (
            at > now
            and (best is None or at < best)
            and (as_known_at is None or event.known_at(as_known_at))
        ):
            best = at
    return best


def _settled(w: _Work) -> Decision | None:
    """Phase 2: written off, nothing invoiced, paid in full, not overdue yet."""
    snap, balance = w.snap, w.balance
    if snap.written_off is not None:
        w.note("written_off", "written off on {}", (snap.written_off.at.date(),))
        return w.done("written_off")
    if balance is None:
        w.note("no_invoices", "nothing has been invoiced")
        return w.done("current", waiting_for=("invoice",))
    if balance.amount <= 0:
        paid = snap.payments[-1].at.date() if snap.payments else "-"
        # ``w.note``, inlined: a paid account is a common decision, and this is all it states.
        w.reasons.append(("paid_in_full", "paid in full (last payment {})", (paid,), None))
        return w.done("resolved")
    if w.dov > 0:
        return None
    return _not_overdue(w)


def _not_overdue(w: _Work) -> Decision:
    """Phase 2's last case: something is owed, nothing of it is overdue yet."""
    due = w.snap.earliest_unpaid_due()
    # Overdue from the day after the due date; a due date on the calendar's last day (a
    # "never" sentinel) never becomes overdue by time: only a new invoice moves it.
    when = (
        at_local(due + timedelta(days=1), time(0), w.z)
        if due is not None and due < date.max
        else None
    )
    w.note("not_overdue", "nothing is overdue yet (oldest due {})", (due,), when)
    if when is None:
        return w.done("current", waiting_for=("invoice",))
    return w.done("current", wake_at=when)


def _paused(w: _Work) -> Decision | None:
    """Phase 3: an open promise to pay (until its date plus the grace) or a payment plan."""
    promise, snap = w.snap.promise, w.snap
    if promise is not None and not promise.kept:
        ends = _promise_end(w)
        if w.now < ends:
            w.note(
                "promise_open",
                "promise to pay {} by {}; paused until its grace ends",
                (promise.amount, promise.by),
                ends,
            )
            return w.done("paused", wake_at=ends)
    # ``snap.fact_open("payment_plan", w.now)``, inlined: asked of every account with a fact
    # on file (a dispute: most held accounts), and few have a plan.
    plan = snap.facts.get("payment_plan")
    if plan is None or (plan.until is not None and w.now >= plan.until):
        return None
    if promise is not None:
        _promise_span(w)  # its reason comes first, as the ladder would state it
    w.note("payment_plan", "a payment plan runs since {}", (plan.since.date(),))
    return w.done("paused", waiting_for=("cleared:payment_plan",))


def _promise_end(w: _Work) -> datetime:
    promise = w.snap.promise
    assert promise is not None  # only asked with a promise on file
    return promise_end(w.policy, promise.by, w.z)


def _promise_span(w: _Work) -> tuple[tuple[datetime, datetime], ...]:
    """The time a kept or broken promise paused the ladder (stated in the reasons)."""
    promise, snap = w.snap.promise, w.snap
    if promise is None:
        return ()
    ends = _promise_end(w)
    if promise.kept:
        w.note("promise_kept", "promise of {} by {} kept", (promise.amount, promise.by))
        kept_at = snap.payments[-1].at if snap.payments else ends
        return ((promise.made_at, min(kept_at, ends)),)
    w.note(
        "promise_broken",
        "promise to pay {} by {} was broken; the ladder resumes where the promise paused it",
        (promise.amount, promise.by),
    )
    # The ladder stood still while the promise was open: the clock resumes, it does not jump
    # ahead by the time the debtor was given.
    return ((promise.made_at, ends),)


def _on_the_ladder(w: _Work) -> Decision:
    """Phases 4 to 6: the rung (entering or climbing), its steps, the deadline and wake time."""
    snap = w.snap
    # ``snap.memo()``, read from its slot when set (a fold sets it; a method of the snapshot's
    # costs some three reads); unset or ``None`` (unpickled, made by hand): the method.
    try:
        memo = snap._memo
    except AttributeError:
        memo = None
    if memo is None:
        memo = snap.memo()
    # What phase 4 makes of the snapshot under this policy in this zone does not depend on
    # ``now``: a held snapshot keeps it (one entry, naming the policy and zone it is for).
    route = memo.get(_ROUTE)
    if route is None or route[0] is not w.policy or route[1] is not w.z:
        route = memo[_ROUTE] = _route(w)
    _, _, rung, since, local, end, quick, entries, status, note = route
    if rung is None:
        return _placed(w)  # phase 4 in full: a promise, a new debt, a rung to enter, ...
    if status is not None:  # idle
        if w.ahead is None:
            # Nothing to plan, no hold, nothing ahead: only the deadline can come.
            if end is not None and (w.base[4] >= end if quick else w.now >= end):
                return _climb(w, rung, local)
            # :func:`_held`'s decision, its parts kept with the route.
            reasons = w.reasons
            if note is not None:
                reasons.append(note)
            return _decision(
                status,
                rung.id,
                local,
                None,
                (),
                (),
                end,
                end,
                (),
                w.base,
                _rendered,
                (reasons, w.z, w.waits),
            )
        # Something on file ahead: phases 5 and 6 (``end``, the idle deadline, is not the
        # rung's length after entry that _on_rung may be given).
        w.transition = w.entries = None
        return _on_rung(w, rung, since, since, snap.steps, (), False)
    w.transition, w.entries = None, entries
    return _on_rung(w, rung, since, since, snap.steps, (), quick, end)  # ``quick``: pending


_Route = tuple[
    Policy,
    tzinfo,
    "Rung | None",  # the rung on file (``None``: placed by phase 4 in full, :func:`_placed`)
    datetime,  # when it was entered (``_NEVER`` with no rung)
    datetime,  # that in the debtor's zone
    # Idle (:func:`_idle_end`): the deadline; else the rung's length after entry, if fixed.
    datetime | None,
    bool,  # idle: compared within the zone (:func:`_quick`); else: a step is pending
    int | None,  # a step pending: how often the rung was entered (:func:`_entries`)
    # Idle: the status and the deadline's note (:func:`_held`'s; ``None``: no deadline).
    # (Two fields rather than one pair: the route is kept, and a tuple less is collected less.)
    "Status | None",  # ``None``: not idle
    "Note | None",
]
_ROUTE = "engine.route"  # its ``Snapshot.memo`` key
_NEVER = datetime.min.replace(tzinfo=UTC)  # a route's ``since`` with no rung (not read)


def _route(w: _Work) -> _Route:
    """Phase 4 on the snapshot, as far as it does not depend on ``now``: whether the account
    stays on the rung on file (the enabled rung, no promise, no new debt since it was entered,
    its clock running from entry: no move, no notes), and if so whether it is idle (no step
    pending, no hold open: only the deadline can come, :func:`_idle_end`) or whether a step
    is pending (phases 5 and 6 in :func:`_on_rung`)."""
    snap, policy, z = w.snap, w.policy, w.z
    rung = policy.compiled.rungs.get(snap.stage)  # type: ignore[arg-type]  # None: no rung
    since = snap.stage_since
    settled = snap.settled_at
    if (
        rung is None
        or since is None
        or not rung.steady
        or snap.promise is not None
        or (settled is not None and settled >= since)
    ):
        return policy, z, None, _NEVER, _NEVER, None, False, None, None, None
    progress = snap.steps
    # A step with attempts left (:func:`_pending`, inlined).
    pending = len(progress) < rung.distinct or any(
        map(_LT, map(_COUNT, map(progress.get, rung.keys, rung.unmade)), rung.most)
    )
    local = since if since.tzinfo is z else since.astimezone(z)
    # (Holds that closed, ``fact_intervals``, are the idle account's: paused time.)
    facts = snap.facts
    if pending or facts:
        # The rung's length after entry (``end``; unpaused, no grace: :func:`_on_rung`), read
        # only when nothing holds the account: with a fact on file (a dispute, a hold), most
        # often holding it, ``_on_rung`` works it out if it turns out to be needed.
        length = rung.length
        # (From ``local``: ``after`` counts in ``z``, so ``since`` is not converted again.)
        end = length.after(local, z, policy.calendar) if length is not None and not facts else None
        entries = snap.entered(rung.id) if pending else None
        return policy, z, rung, since, local, end, pending, entries, None, None
    end, quick = _idle_end(w, rung, since, local, progress)
    if end is not None and end.tzinfo is not z:  # stated in the debtor's zone (as _held does)
        end = end.astimezone(z)
        quick = _quick(end, z)
    note: Note | None = (
        None if end is None else ("deadline", "{} escalates if unpaid", rung.said, end)
    )
    status: Status = "done" if rung.terminal else "active"
    return policy, z, rung, since, local, end, quick, None, status, note


# The shortcuts below phase 4's (the finished rung's common wait, the deadline of a rung never
# paused, the wake time of one action): ``False`` takes the general forms, as the tests do
# (``tests/test_ladder_paths.py``), to hold the shortcuts to them.
_LANES = True
_LT = operator.lt
_COUNT = attrgetter("count")
_LAST_AT = attrgetter("last_at")
_NOT_BEFORE = attrgetter("not_before")


def _pending(rung: Rung, progress: Mapping[str, StepProgress]) -> bool:
    """:func:`~overdue.engine.plan.has_pending` from the rung's facts, in C: a step with
    attempts left (a key missing from ``progress`` reads as no attempt made)."""
    return len(progress) < rung.distinct or any(
        map(_LT, map(_COUNT, map(progress.get, rung.keys, rung.unmade)), rung.most)
    )


def _idle_end(
    w: _Work,
    rung: Rung,
    since: datetime,
    local: datetime,
    progress: Mapping[str, StepProgress],
) -> tuple[datetime | None, bool]:
    """The deadline of an idle account: on the rung on file (entered at ``since``, ``local``
    in the debtor's zone) with nothing to plan, no hold open and nothing on file ahead (most
    of a held portfolio), so only the deadline can come, from entry (or the grace from the
    last attempt), paused only by holds that closed; and whether it may be compared with
    ``now`` within the debtor's zone (``quick``: it is in that zone, on a day no offset change
    comes near, where a comparison by wall clock is right, and some 30 times cheaper than one
    across two zones).

    It is :func:`~overdue.engine.deadline.deadline`'s answer; for a clock of so many calendar
    days (:attr:`Rung.days`) one addition.  None of it depends on ``now``: a held snapshot
    keeps it (:func:`_on_the_ladder`).
    """
    z = w.z
    end: datetime | None
    if w.snap.fact_intervals:  # holds that closed: the time they paused the clock, if any
        pause = paused_time(w.snap, w.policy.paused_by(), since, w.now)[0]
        if pause:
            end = clock.deadline(
                rung.stage, since, pause, False, NOTHING, z, w.policy.calendar, progress
            )
            return end, end is not None and _quick(end, z)
    days = rung.days
    if days is not None:
        start = local
        if not rung.fixed and progress:  # the grace after the last attempt (else entry)
            start = max(map(_LAST_AT, progress.values()), key=instant)
            if start.tzinfo is not z:
                start = start.astimezone(z)
        if type(start) is datetime:
            end = start + days  # ``Duration.after``'s common case
            day = end.date()
            try:
                if _GAP_FREE[z][day]:
                    return end, True
            except (KeyError, TypeError):
                if gap_free(z, day):
                    return end, True
    length = rung.length
    if length is not None:
        end = length.after(local, z, w.policy.calendar)
    elif rung.fixed:
        return None, False  # the top of the ladder
    else:
        end = clock.deadline(
            rung.stage, since, _NO_TIME, False, NOTHING, z, w.policy.calendar, progress
        )
    return end, end is not None and _quick(end, z)


_NO_TIME = timedelta(0)
_ZERO = Decimal(0)  # (a Decimal compared with an int converts it first)


def _come(w: _Work, end: datetime) -> bool:
    """``w.now >= end``, within the debtor's zone when that is right (:func:`_quick`)."""
    return w.base[4] >= end if _quick(end, w.z) else w.now >= end


def _quick(end: datetime, z: tzinfo) -> bool:
    """Whether ``end`` may be compared with ``now`` in ``z`` by wall clock: it is in ``z``, on a
    day no offset change comes near (so it is neither in a gap nor in a repeated hour)."""
    if end.tzinfo is not z:
        return False
    try:
        return _GAP_FREE[z][end.date()]
    except (KeyError, TypeError):
        return gap_free(z, end.date())


def _placed(w: _Work) -> Decision:
    """Phase 4 in full: the promise's span, the rung on file or the one to enter (or wait for),
    then phases 5 and 6 on it."""
    span = _promise_span(w) if w.snap.promise is not None else ()
    _place(w)
    if w.stage is None:
        waiting = _enter(w)
        if waiting is not None:
            return waiting
    stage, since, clock_start = w.stage, w.since, w.clock
    assert stage is not None  # entered above, or recorded
    assert since is not None  # set with the stage
    assert clock_start is not None  # likewise
    rung = w.policy.compiled.rungs[stage.id]
    progress = w.progress
    return _on_rung(w, rung, since, clock_start, progress, span, _pending(rung, progress))


def _on_rung(
    w: _Work,
    rung: Rung,
    since: datetime,
    clock_start: datetime,
    progress: Mapping[str, StepProgress],
    span: tuple[tuple[datetime, datetime], ...],
    pending: bool,
    length_end: datetime | None = None,
) -> Decision:
    """Phases 5 and 6 on ``rung``, entered at ``since``, its escalation clock started at
    ``clock_start``: its steps, its deadline (climbing on when it has come), the wake time and
    the status.  ``span`` is the time a promise paused the ladder (:func:`_promise_span`);
    ``pending``: a step has attempts left (:func:`_pending`); ``length_end``: the rung's
    length after ``clock_start`` when known (``None``: worked out here).
    """
    snap, stage = w.snap, rung.stage
    pause, holds = (
        paused_time(snap, w.policy.paused_by(), clock_start, w.now, span)
        if span or snap.facts or snap.fact_intervals
        else NO_PAUSE  # nothing ever held the account (most accounts): as paused_time says
    )
    local = _steady_now(w) if pending else None
    plan = (
        (held_plan(w.policy, stage, clock_start, progress, w.s, w.waits) if snap.facts else None)
        or plan_steps(
            w.policy,
            stage,
            clock_start,
            progress,
            w.s,
            w.entries if w.entries is not None else _entries(w),  # (the route counts them)
            w.waits,
            local,
        )
        if pending
        else NOTHING
    )
    if holds or pause or not rung.fixed or not _LANES:
        # ``holds``: the clock stands still (then there is no deadline).
        end = clock.deadline(
            stage, clock_start, pause, holds != (), plan, w.z, w.policy.calendar, progress
        )
    else:  # never paused, no grace (most): ``deadline``'s answer without its frames
        length = rung.length  # ``None``: the top, no deadline
        end = (
            None
            if length is None
            else length_end
            if length_end is not None
            else length.after(clock_start, w.z, w.policy.calendar)
        )
        if end is not None and plan[0]:  # the last attempt planned, if later (the first on a tie)
            end = _last_of(end, plan[0], w.z)
    t = w.transition
    # The rung is over: its deadline has come (``None`` while paused or at the top, so never
    # while paused) and no attempt is planned.  (The comparison last: across zones, it costs.)
    if t is None and not plan[0] and end is not None and _come(w, end):
        return _climb(w, rung, since)
    if plan is NOTHING and not holds and t is None and w.ahead is None:
        return _held(w, rung, since, end)
    return _conclude(w, rung, since, plan, end, holds, local)


def _steady_now(w: _Work) -> datetime | None:
    """``now`` in the debtor's zone when every datetime in that zone may be compared with it
    by wall clock, else ``None`` (the lanes off, or an offset change near today).

    Why: Python compares datetimes of two zones through two ``utcoffset`` calls (about as
    costly as twenty bytecodes), and a decision that plans compares its attempts with ``now``
    several times.  With no offset change within three days of today (``gap_free``: most days
    of a zone with daylight saving, every day of a zone without), a datetime within two days
    of ``now`` has ``now``'s offset, and one further away differs by more than any offset
    change: the wall clocks order them as their instants do, ties included."""
    if not _LANES:
        return None
    local: datetime = w.base[4]  # ``now`` in ``w.z`` (``_Work``)
    z = w.z
    try:
        steady = _GAP_FREE[z][local.date()]
    except (KeyError, TypeError):
        steady = gap_free(z, local.date())
    return local if steady else None


def _last_of(end: datetime, drafts: Sequence[ActionDraft], z: tzinfo) -> datetime:
    """``max(end, *(d.not_before for d in drafts), key=instant)``: the rung's deadline, or the
    last attempt planned when later (``end`` on a tie).  One attempt in ``z`` and ``end`` in
    ``z`` on a day no offset change comes near (most) compare by wall clock (:func:`_quick`),
    without two conversions to UTC."""
    if len(drafts) == 1 and _LANES:
        nb = drafts[0].not_before
        if nb.tzinfo is z and _quick(end, z):
            return nb if nb > end else end
    latest: datetime = max(end, *map(_NOT_BEFORE, drafts), key=instant)
    return latest


def _climb(w: _Work, rung: Rung, since: datetime) -> Decision:
    """Phase 4c: ``rung`` (entered at ``since``) is finished; enter the furthest rung after it
    that can be entered, plan its steps and conclude, or wait on ``rung`` (with the reasons)."""
    stuck = rung.stuck
    if stuck is not None and not w.snap.authorisations and w.ahead is None and _LANES:
        # The common wait (the rungs above need an authorisation, none on file), as
        # ``choose_next`` and ``w.done`` would state it: nothing to wake for.
        ends, said, waits = stuck
        reasons = w.reasons
        reasons.extend(said)
        w.waits.extend(waits)
        z = w.z
        return _decision(
            ends,  # "waiting", or "done" at the top
            rung.id,
            since if since.tzinfo is z else since.astimezone(z),
            None,
            (),
            (),
            None,
            None,
            (),
            w.base,
            _rendered,
            (reasons, z, w.waits),
        )
    chosen, why, wake = choose_next(rung.above, w, w.waits)
    if chosen is None:
        w.note("rung_finished", "{} is finished", (rung.id,))
        w.reasons.extend(why)
        status: Status = "waiting" if rung.above else "done"
        return w.done(status, wake_at=wake, on=(rung.id, since))
    w.reasons.extend(why)
    entered = _step_on(w, chosen, rung.id)
    # What the finished rung's steps waited for is moot.  Nothing else was awaited yet: the
    # account made no move this decision (phases 2 and 3 stop or await nothing).
    w.waits.clear()
    plan = plan_steps(w.policy, chosen, w.now, {}, w.s, _entries(w), w.waits)
    # Not paused: a paused rung has no deadline, so it is never finished by time.
    if entered.fixed and _LANES:  # no grace (most): ``deadline``'s answer, as in _on_rung
        length = entered.length
        # (From ``now`` in the debtor's zone, the base's: ``after`` counts in it.)
        end = None if length is None else length.after(w.base[4], w.z, w.policy.calendar)
        if end is not None and plan[0]:
            end = max(end, *map(_NOT_BEFORE, plan[0]), key=instant)
    else:
        end = clock.deadline(chosen, w.now, _NO_TIME, False, plan, w.z, w.policy.calendar, {})
    return _conclude(w, entered, w.now, plan, end, ())


def _entries(w: _Work) -> int:
    """How often the account entered the rung: counted only for the decisions that plan
    steps (the idempotency keys state it), not for those that stop on the rung on file."""
    entries = w.entries
    if entries is None:
        entries = w.entries = w.snap.entered(w.snap.stage)  # type: ignore[arg-type]  # on file
    return entries


def _place(w: _Work) -> None:
    """Phase 4a in full: the rung on file, unless switched off, unknown, or left by a new debt;
    its clock restarted by a partial payment when the policy says so."""
    snap, policy = w.snap, w.policy
    since = snap.stage_since
    enabled = policy.enabled_stages
    w.stage, w.clock, w.progress, w.entries = None, None, snap.steps, 0
    w.transition, w.start_from = None, enabled
    if snap.stage is not None:
        w.stage = policy.compiled.enabled_by_id.get(snap.stage)
        later = policy.compiled.later_enabled.get(snap.stage, ())
        if w.stage is None and later:
            # A rung switched off after the account entered it: the account does not fall
            # back to the bottom of the ladder, it goes on to the next rung that is on.
            w.note(
                "disabled_stage",
                "recorded stage {!r} is switched off in this policy; "
                "continuing with the rungs after it",
                (snap.stage,),
            )
            w.start_from, since = later, None
        elif w.stage is None:
            w.note(
                "unknown_stage",
                "recorded stage {!r} is not an enabled rung of this policy; "
                "placing the account from the bottom of the ladder",
                (snap.stage,),
            )
            since = None
    w.since = since
    if w.stage is not None and since is not None:
        if snap.settled_at is not None and snap.settled_at >= since:
            w.note(
                "new_debt",
                "the account was paid in full on {}; the debt owed now "
                "climbs the ladder from the bottom",
                (snap.settled_at.date(),),
            )
            w.stage, w.since, w.start_from = None, None, enabled
            return
        w.clock = since
        w.entries = snap.entered(w.stage.id)
        if policy.on_partial_payment == "restart_stage" and snap.payments:
            last_pay = snap.payments[-1].at
            if last_pay > since:
                w.clock = last_pay
                w.note("stage_restarted", "partial payment on {}", (last_pay.date(),))


def _enter(w: _Work) -> Decision | None:
    """Phase 4b: enter the furthest rung that can be entered, or wait (with the reasons)."""
    chosen, why, wake = choose_next(w.start_from, w, w.waits)
    w.reasons.extend(why)
    fresh = w.start_from is w.policy.enabled_stages
    if chosen is None:
        if fresh:
            return w.done("waiting", wake_at=wake, on=(None, None))
        return w.done("waiting", wake_at=wake)
    _step_on(w, chosen, None if fresh else w.snap.stage)
    return None


def _step_on(w: _Work, chosen: Stage, from_stage: str | None) -> Rung:
    """Move the rung to ``chosen`` now: the transition the host must record.  Returns the
    rung's facts (:class:`~overdue.compiled.Rung`)."""
    policy = w.policy
    rung = policy.compiled.rungs[chosen.id]
    w.transition = transition(
        from_stage,
        chosen,
        w.base[4],  # ``now`` in the debtor's zone (``in_zone(w.z, w.now)``, worked out once)
        policy.id,
        policy.version,
        rung.named and _LANES,
    )
    w.stage, w.since, w.clock, w.progress = chosen, w.now, w.now, {}
    w.entries = w.snap.entered(chosen.id) + 1
    return rung


def _held(w: _Work, rung: Rung, since: datetime, end: datetime | None) -> Decision:
    """Phase 6 for an account on ``rung`` (entered at ``since``) with nothing planned, no hold,
    no move and nothing on file ahead (the common case of a held account): only the deadline
    ``end`` can come, and it is later than now (else the rung is over: :func:`_on_rung`)."""
    z = w.z
    if end is not None:
        if end.tzinfo is not z:
            end = end.astimezone(z)
        # ``w.note``, inlined: stated by most decisions.
        w.reasons.append(("deadline", "{} escalates if unpaid", rung.said, end))
    return _decision(
        "done" if rung.terminal else "active",
        rung.id,
        since if since.tzinfo is z else since.astimezone(z),
        None,
        (),
        (),
        end,
        end,
        (),
        w.base,
        _rendered,
        (w.reasons, z, w.waits),
    )


def _conclude(
    w: _Work,
    rung: Rung,
    since: datetime,
    plan: PlanOut,
    end: datetime | None,
    holds: tuple[FactState, ...],
    local: datetime | None = None,
) -> Decision:
    """Phase 6 in full: authorisations lost since entry, the deadline, the wake time, the
    status, on ``rung`` (entered at ``since``).

    ``holds`` are those open now that stop the clock (:func:`~overdue.engine.pauses.paused_time`);
    ``local``: ``now`` in the debtor's zone when datetimes in it compare with ``now`` by wall
    clock (:func:`_steady_now`; ``None``: as instants).
    """
    now, z, t = w.now, w.z, w.transition
    deadline = end if end is None or end.tzinfo is z else end.astimezone(z)
    drafts, blocked = plan
    if t is not None:
        # ``w.note``, inlined.
        if t.from_stage:
            w.reasons.append(
                ("stage_entered", "enters {} after {}", (t.to_stage, t.from_stage), None)
            )
        else:
            w.reasons.append(("stage_entered", "enters {}", (t.to_stage,), None))
    elif drafts and rung.stage.requires:
        drafts, blocked = _authorisation_lost(w, rung.stage, drafts, blocked)
    # Each Action built once, stating the deadline.
    actions = build_all(drafts, deadline) if drafts else ()
    if holds:
        w.reasons.append(_PAUSED)  # ``w.note``, inlined
    if deadline is not None:
        w.reasons.append(("deadline", "{} escalates if unpaid", (rung.id,), deadline))
    if actions or blocked or holds or w.ahead is not None:
        wake_at = _wake_at(w, actions, blocked, deadline, holds, local)
        if actions or blocked:
            w.waits.extend(
                facts_awaited(actions, blocked, now, w.policy.compiled.lifted_codes, local)
            )
        if len(holds) == 1:  # (one hold, the common case: the same, without the generator)
            if holds[0].until is None:
                w.waits.append("cleared:" + holds[0].name)
        elif holds:  # a hold with no end of its own: its clearing is awaited (in name order)
            w.waits.extend(f"cleared:{h.name}" for h in sorted(holds, key=_NAME) if h.until is None)
    else:  # only the deadline can come (already in the debtor's zone)
        wake_at = deadline if deadline is not None and deadline > now else None
    # Nothing to send and the escalation clock standing still: the account is held, even when
    # the rung's steps were all sent before the hold began.
    if actions:
        status: Status = "active"
        if len(actions) > 1:  # sorted as instants: one zone's times compare by wall clock
            actions = tuple(sorted(actions, key=_not_before))
    elif blocked or holds:
        status = "on_hold"
    else:
        status = "done" if rung.terminal else "active"
    return _decision(
        status,
        rung.id,
        since if since.tzinfo is z else _entered_in(w, since),
        t,
        actions,
        blocked,
        deadline,
        wake_at,
        (t.event,) if t is not None else (),
        w.base,
        _rendered,
        (w.reasons, z, w.waits),
    )


def _entered_in(w: _Work, since: datetime) -> datetime:
    """``since.astimezone(w.z)``: the route's own (:func:`_route`, kept in the snapshot's
    memo) when ``since`` is the very entry it worked out for this zone.

    Why: an account on the rung on file (most that plan) states its entry in the debtor's
    zone, which the route converted already: a conversion across zones (some 3,900
    instructions) becomes a look in the memo."""
    z = w.z
    try:
        memo = w.snap._memo
    except AttributeError:
        memo = None
    route = memo.get(_ROUTE) if memo is not None else None
    if route is not None and route[3] is since and route[1] is z:
        return route[4]  # type: ignore[no-any-return]  # the route's: ``since`` in ``z``
    return since.astimezone(z)


_NAME = attrgetter("name")
_PAUSED: Note = ("deadline_paused", "the escalation clock is paused by a hold", (), None)


def _not_before(a: Action) -> datetime:
    return instant(a.not_before)


def _authorisation_lost(
    w: _Work, stage: Stage, actions: tuple[ActionDraft, ...], blocked: tuple[BlockedStep, ...]
) -> PlanOut:
    """``requires`` is checked on entry; an authorisation revoked (or lapsed) since then stops
    the rung's steps too: no claim is filed once legal review is withdrawn."""
    lost = [a for a in stage.requires if not w.snap.has_authorisation(a, w.now)]
    if not lost:
        return actions, blocked
    w.waits.extend(f"authorisation:{x}" for x in lost)
    why = Reason(
        "engine",
        "block",
        "authorisation_lost",
        f"{stage.id} requires {', '.join(repr(x) for x in lost)}, no longer on file "
        "(revoked or lapsed); its steps wait until it is granted again",
    )
    stopped = tuple(BlockedStep(a.stage, a.step, a.channel, (why,)) for a in actions)
    return (), (*blocked, *stopped)


def _wake_at(
    w: _Work,
    actions: tuple[Action, ...],
    blocked: tuple[BlockedStep, ...],
    deadline: datetime | None,
    holds: tuple[FactState, ...],
    local: datetime | None = None,
) -> datetime | None:
    """The earliest moment time alone changes the decision (``None``: only a new fact).

    ``deadline`` is the rung's (:func:`overdue.engine.deadline.deadline`): ``None`` at the top
    of the ladder, so a deadline to wake for is never a terminal rung's.  (With no action, no
    blocked step, no hold and nothing ahead, only the deadline can come: :func:`_conclude`
    answers that common case itself.)
    """
    now = w.now
    if len(actions) == 1 and not blocked and not holds and w.ahead is None and _LANES:
        # One action and nothing else (most decisions that plan): the general answer below
        # without its list and its frames.
        first = actions[0].not_before
        z = w.z
        if local is not None and first.tzinfo is z and (deadline is None or deadline.tzinfo is z):
            # In the debtor's zone, with no offset change near today (``_steady_now``): the
            # same comparisons by wall clock, the last only on a day no offset change comes
            # near (``_quick``), without the ``utcoffset`` calls of comparing across zones.
            if not first > local:
                wake = deadline if deadline is not None and deadline > local else None
            elif deadline is None or not deadline > local:
                wake = first
            elif _quick(deadline, z):
                wake = first if first <= deadline else deadline
            else:
                wake = first if instant(first) <= instant(deadline) else deadline
            return wake
        if not first > now:
            wake = deadline if deadline is not None and deadline > now else None
        elif deadline is None or not deadline > now or instant(first) <= instant(deadline):
            wake = first
        else:
            wake = deadline
        # (``opt_in_zone``, inlined)
        return wake if wake is None or wake.tzinfo is z else wake.astimezone(z)
    candidates = [a.not_before for a in actions if a.not_before > now]
    if deadline is not None and deadline > now:
        candidates.append(deadline)
    for b in blocked:
        for r in _blocked_said(b):  # not ``b.reasons``: it would render them
            if r.until is not None and r.until > now:
                candidates.append(r.until)
    for hold in holds:  # a hold that lapses by itself, open now
        if hold.until is not None:
            candidates.append(hold.until)
    if w.ahead is not None:
        candidates.append(w.ahead)
    return opt_in_zone(w.z, min(candidates, key=instant)) if candidates else None
