"""``PolicyMachine``: fuzz a policy the way a debtor and a back office would exercise it.

Subclass it, set ``policy``, and hand its ``TestCase`` to pytest::

    class ReferenceMachine(PolicyMachine):
        policy = REFERENCE_POLICY

    TestReference = ReferenceMachine.TestCase

Hypothesis then plays sequences of what happens to an account: the clock advances (the host
calls ``decide`` at every ``wake_at``, or polls late), the debtor pays in part or in full,
promises and breaks promises, disputes, opts out, asks to cease, answers or ignores contacts;
the back office grants and revokes authorisations, holds accounts and agrees plans.  After each
step the machine carries out every due action (recording its outcome and any stage entered,
as a host would) and runs :func:`~overdue.testing.check_all`.  A failing run raises
:class:`InvariantError` with the violations and a standalone script reproducing the
offending decision, which can be pasted into a regression test.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from overdue.account import Account, ContactPoint, Invoice
from overdue.channels import ANSWERABLE_CHANNELS
from overdue.decision import Action, Decision
from overdue.engine import decide
from overdue.errors import UsageError
from overdue.events import (
    AuthorisationGranted,
    AuthorisationRevoked,
    CeaseRequested,
    CeaseWithdrawn,
    DisputeOpened,
    DisputeResolved,
    Event,
    FactCleared,
    FactSet,
    HoldReleased,
    InvoiceIssued,
    ManualHold,
    OptedIn,
    OptedOut,
    Outcome,
    PaymentPlanAgreed,
    PaymentPlanBroken,
    PaymentReceived,
    PromiseToPay,
)
from overdue.money import Money
from overdue.policy import Policy
from overdue.reference import REFERENCE_POLICY
from overdue.rules import ContactHours, RequiresAuthorisation
from overdue.snapshot import Snapshot, fold
from overdue.testing._repro import py, script
from overdue.testing.invariants import Violation, check_actions, check_all
from overdue.testing.requirements import (
    Requirements,
    check_requirement_actions,
    check_requirements,
)
from overdue.testing.selection import SelectedPolicy
from overdue.testing.strategies import TIME_ZONES
from overdue.testing.weakenings import balance_floor

__all__ = ["FUZZ_PROFILES", "InvariantError", "PolicyMachine", "default_account", "fuzz_settings"]

FUZZ_PROFILES: dict[str, dict[str, int]] = {
    "ci": {"max_examples": 25, "stateful_step_count": 30},
    "long": {"max_examples": 500, "stateful_step_count": 60},
}
"""How hard :func:`fuzz_settings` fuzzes: ``ci`` stays fast, ``long`` is the nightly run."""

_FINAL = frozenset({"done", "resolved", "written_off"})  # statuses nothing but a new fact moves


def fuzz_settings(profile: str | None = None, *, shrink: bool | None = None) -> settings:
    """Hypothesis settings for a :class:`PolicyMachine` run.

    ``profile`` is ``'ci'`` (the default) or ``'long'``; without it the ``OVERDUE_FUZZ``
    environment variable decides, so CI stays fast and a nightly job can set
    ``OVERDUE_FUZZ=long``.  Deadlines are off: an engine step is fast, a slow CI box is not.

    ``shrink``: whether a failure is shrunk to a minimal history before it is reported.  A
    stateful failure can take minutes to shrink, so the ``ci`` profile reports it as found (in
    seconds, with every step and a reproduction script) and ``long`` shrinks; the
    ``OVERDUE_SHRINK=1`` environment variable shrinks in CI too (a derandomized run finds the
    same failure again, so shrinking it locally is one command).
    """
    import os

    name = profile or os.environ.get("OVERDUE_FUZZ", "ci")
    if name not in FUZZ_PROFILES:
        raise UsageError(
            f"unknown fuzz profile {name!r}", expected=" | ".join(sorted(FUZZ_PROFILES))
        )
    if shrink is None:
        shrink = name != "ci" or os.environ.get("OVERDUE_SHRINK", "") not in ("", "0")
    phases = tuple(p for p in Phase if shrink or p not in (Phase.shrink, Phase.explain))
    return settings(
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        phases=phases,
        **FUZZ_PROFILES[name],  # type: ignore[arg-type]
    )


_ADDRESSES = {
    "sms": "+8613800000000",
    "phone": "+8613800000001",
    "email": "debtor@example.com",
    "letter": "1 Example Road, Example City",
    "field_visit": "1 Example Road, Example City",
}
_MAX_ROUNDS = 25
_NAMED_FACTS = frozenset({"bankruptcy", "moratorium"})
_CENT = Decimal("0.01")


class InvariantError(AssertionError):
    """The engine produced a history that breaks an invariant of the policy.

    ``violations`` holds the :class:`~overdue.testing.Violation` values; the message also
    carries a reproduction script.
    """

    def __init__(self, message: str, violations: list[Violation]) -> None:
        super().__init__(message)
        self.violations = violations


def default_account(
    policy: Policy,
    start: datetime,
    *,
    timezone: str | None = "Asia/Shanghai",
    unreachable: frozenset[str] = frozenset(),
) -> Account:
    """A debtor owing one invoice due on ``start``'s local date.

    Reachable on every channel the policy uses but ``unreachable``; ``timezone=None`` is a
    debtor whose zone is unknown (the policy's assumed zone, if any, applies).  When a step
    of the policy goes to third parties, a relative is reachable on its channel too, so what
    such a step tells them is exercised.
    """
    contacts = tuple(
        ContactPoint(c, _ADDRESSES.get(c, f"{c}-address"))
        for c in policy.declared_channels
        if c not in policy.addressless_channels and c not in unreachable
    )
    third = sorted(
        {step.channel for s in policy.stages for step in s.steps if step.party == "third_party"}
    )
    contacts += tuple(
        ContactPoint(c, f"relative-{c}", label="relative", is_debtor=False)
        for c in third
        if c not in policy.addressless_channels
    )
    currency = policy.currency or "CNY"
    local = ZoneInfo(timezone or policy.assumed_zone or "UTC")
    return Account(
        "A-1",
        timezone=timezone,
        contacts=contacts,
        invoices=(Invoice("INV-1", Money("1200.00", currency), start.astimezone(local).date()),),
        contract="C-1",
    )


def _authorisations(policy: Policy) -> tuple[str, ...]:
    names = {a for s in policy.stages for a in s.requires}
    names |= {r.authorisation for r in policy.rules if isinstance(r, RequiresAuthorisation)}
    return tuple(sorted(names)) or ("legal_review",)


class PolicyMachine(RuleBasedStateMachine):
    """A hypothesis state machine over one account under ``policy``; subclass and set it.

    Class attributes a subclass may set:
        policy: the policy under test (required unless ``policies`` is set);
            ``selected_policy()`` takes it from ``--overdue-policy`` / ``--overdue-mutant`` when
            the machine runs.
        policies: a strategy drawing the policy for each run (fuzz many policies at once).
        policy_source: Python source for the policy in reproduction scripts (default: the
            policy's own constructor call, or ``REFERENCE_POLICY``).
        account_factory: ``(policy, start, zone) -> Account``; default :func:`default_account`.
        start: the earliest moment a run begins (aware); runs start up to
            ``start_spread_days`` later, so daylight-saving changes both ways are crossed.
        zones: the debtor zones drawn at the start of each run.
        vary_account: sometimes leave the zone unknown and some channels without a contact
            point (only for the default account).
        check_incremental: also check that a kept snapshot gives the same decision as a fold.
        requirements: :class:`~overdue.testing.Requirements` the policy's behaviour is also
            judged against, independently of its own rules (``requirements_of("us_reg_f")``,
            ``load_requirements("requirements.toml")``).
    """

    policy: Policy | SelectedPolicy | None = None
    policy_source: ClassVar[str | None] = None
    account_factory: ClassVar[Callable[[Policy, datetime, str], Account] | None] = None
    start: ClassVar[datetime] = datetime(2026, 1, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    zones: ClassVar[tuple[str, ...]] = TIME_ZONES
    start_spread_days: ClassVar[int] = 330
    vary_account: ClassVar[bool] = True
    policies: ClassVar[st.SearchStrategy[Policy] | None] = None
    check_incremental: ClassVar[bool] = True
    requirements: ClassVar[Requirements | None] = None

    def __init__(self) -> None:
        super().__init__()
        if isinstance(self.policy, SelectedPolicy):
            # Resolved now, not when the test file was imported: --overdue-policy and
            # --overdue-mutant reach the machine.
            self.policy = self.policy.resolve()
        if self.policy is None and self.policies is None:
            raise UsageError(f"{type(self).__name__} must set `policy = ...` (a Policy)")
        self.now = self.start
        first = self.policy if isinstance(self.policy, Policy) else REFERENCE_POLICY
        self.account = default_account(first, self.start)
        self.snapshot: Snapshot | None = None
        self.response = "ignores"
        self.decisions: list[Decision] = []
        self.steps_taken: list[str] = []
        self._checked = 0

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def the_policy(self) -> Policy:
        """``policy``, known to be set."""
        if not isinstance(self.policy, Policy):
            raise UsageError(f"{type(self).__name__}: no policy drawn yet")
        return self.policy

    def _note(self, text: str) -> None:
        self.steps_taken.append(f"{self.now.isoformat()}  {text}")

    def _record(self, *events: Event) -> None:
        self.account = self.account.with_events(*events)
        snap = self.snapshot if self.snapshot is not None else fold(self.account, None)
        if self.snapshot is not None:
            for ev in events:
                snap = snap.apply(ev)
        self.snapshot = snap

    def _outcome(self, action: Action) -> Outcome:
        voice = action.channel in ANSWERABLE_CHANNELS
        if self.response == "answers":
            return Outcome.CONVERSATION if voice else Outcome.DELIVERED
        if self.response == "unreachable":
            return Outcome.NO_ANSWER if voice else Outcome.FAILED
        return Outcome.NO_ANSWER if voice else Outcome.DELIVERED

    def decide_now(self) -> Decision:
        """Ask the engine at ``now`` and carry out what it says, until it has nothing due."""
        policy = self.the_policy
        d = decide(policy, self.account, self.now)
        for _ in range(_MAX_ROUNDS):
            if self.check_incremental and self.snapshot is not None:
                kept = decide(policy, self.account, self.now, snapshot=self.snapshot)
                if kept != d:
                    raise InvariantError(
                        "decide() with a kept snapshot differs from decide() on a fresh fold at "
                        f"{self.now.isoformat()}:\n  fold: {d!r}\n  kept: {kept!r}",
                        [],
                    )
            self.decisions.append(d)
            lacking = check_actions(policy, [d])
            if self.requirements is not None:
                lacking += check_requirement_actions(self.requirements, [d])
            if lacking:
                raise InvariantError(self._report(lacking, d.at), lacking)
            new: list[Event] = list(d.record)
            for a in d.due_actions:
                new.append(a.outcome_event(self._outcome(a), self.now))
            if not new:
                self._check_progress(d)
                return d
            for ev in new:
                self._note(
                    f"engine: {type(ev).__name__} {getattr(ev, 'stage', '')} "
                    f"{getattr(ev, 'channel', '')} {getattr(ev, 'template', '') or ''}".rstrip()
                )
            self._record(*new)
            d = decide(policy, self.account, self.now)
        raise InvariantError(
            f"decide() keeps producing due actions at {self.now.isoformat()} after "
            f"{_MAX_ROUNDS} rounds; last decision:\n{d.explain()}",
            [],
        )

    def _check_progress(self, d: Decision) -> None:
        """A decision with work left must say when to ask again, or the account stalls."""
        future = [a for a in d.actions if a.not_before > self.now]
        if future and d.wake_at is None:
            why = "it plans actions but gives no wake_at"
        elif d.status not in _FINAL and d.wake_at is None and not d.waiting_for:
            # No account left behind: time alone can change it (so it says when), or it names
            # the new facts it waits for.
            why = f"it is {d.status} with neither a wake_at nor a waiting_for"
        elif (
            d.status == "active"
            and not d.actions
            and not d.blocked
            and d.wake_at is None
            and not any(r.code == "deadline_paused" for r in d.reasons)  # waits for a release
        ):
            why = "it is active with nothing planned, nothing blocked and no wake_at"
        else:
            return
        raise InvariantError(
            f"decide() at {self.now.isoformat()} stalls: {why}.\n{d.explain()}\n\n"
            + self._report([], d.at),
            [],
        )

    def _advance_to(self, target: datetime, *, follow_wake: bool) -> None:
        while follow_wake:
            d = self.decide_now()
            if d.wake_at is None or d.wake_at > target:
                break
            if d.wake_at <= self.now:
                raise InvariantError(
                    f"decide() at {self.now.isoformat()} has nothing due but asks to be woken at "
                    f"{d.wake_at.isoformat()}, which is not later: a host following wake_at "
                    f"would spin.\n{d.explain()}\n\n" + self._report([], d.at),
                    [],
                )
            self.now = d.wake_at
        self.now = max(self.now, target)
        self.decide_now()

    def _event(self, event: Event) -> None:
        self._note(py(event))
        self._record(event)
        self.decide_now()

    @property
    def _state(self) -> Snapshot:
        if self.snapshot is None:
            self.snapshot = fold(self.account, None)
        return self.snapshot

    def _balance(self) -> Decimal:
        bal = self._state.balance
        return bal.amount if bal is not None else Decimal(0)

    def _local_date(self) -> date:
        tz = ZoneInfo(self.account.timezone or self.the_policy.assumed_zone or "UTC")
        return self.now.astimezone(tz).date()

    # -- start -------------------------------------------------------------------------------

    @initialize(data=st.data())
    def open_account(self, data: st.DataObject) -> None:
        """An account in a drawn zone, overdue from the next local day; the first decision.

        With ``policies`` set, the policy itself is drawn first.
        """
        if self.policies is not None:
            self.policy = data.draw(self.policies, label="policy")
        zone = data.draw(st.sampled_from(self.zones), label="zone")
        known = not self.vary_account or data.draw(st.sampled_from((True,) * 5 + (False,)))
        unreachable: frozenset[str] = frozenset()
        if self.vary_account:
            unreachable = data.draw(
                st.frozensets(st.sampled_from(self.the_policy.declared_channels), max_size=2),
                label="unreachable",
            )
        hour = data.draw(st.integers(0, 23), label="hour")
        day = data.draw(st.integers(0, self.start_spread_days), label="day")
        tz = ZoneInfo(zone)
        local = (self.start + timedelta(days=day)).astimezone(tz)
        self.now = local.replace(hour=hour, minute=0)
        factory = type(self).account_factory
        if factory is not None:
            self.account = factory(self.the_policy, self.now, zone)
        else:
            self.account = default_account(
                self.the_policy,
                self.now,
                timezone=zone if known else None,
                unreachable=unreachable,
            )
        self.snapshot = fold(self.account, None)
        where = zone if known else "an unknown zone"
        gaps = f", unreachable by {', '.join(sorted(unreachable))}" if unreachable else ""
        self._note(f"account {self.account.id} in {where}{gaps}")
        self.decide_now()

    # -- time --------------------------------------------------------------------------------

    @rule(hours=st.integers(1, 23), follow_wake=st.booleans())
    def advance_hours(self, hours: int, follow_wake: bool) -> None:
        """Let time pass; the host wakes at ``wake_at`` (or polls only at the end)."""
        self._note(f"advance {hours}h")
        self._advance_to(self.now + timedelta(hours=hours), follow_wake=follow_wake)

    @rule()
    def skip_to_deadline(self) -> None:
        """Nothing happens until the rung's deadline (or the next wake-up): the ladder climbs."""
        d = self.decide_now()
        target = d.deadline or d.wake_at
        if target is None or target <= self.now:
            return
        self._note(f"skip to {target.isoformat()}")
        self._advance_to(target, follow_wake=True)

    @rule(days=st.integers(1, 30), follow_wake=st.booleans())
    def advance_days(self, days: int, follow_wake: bool) -> None:
        """Let days pass."""
        self._note(f"advance {days}d")
        self._advance_to(self.now + timedelta(days=days), follow_wake=follow_wake)

    # -- the debtor --------------------------------------------------------------------------

    @precondition(lambda self: self._balance() > 0)
    @rule(percent=st.integers(1, 99))
    def pay_part(self, percent: int) -> None:
        """A partial payment."""
        bal = self._balance()
        amount = max((bal * percent / 100).quantize(_CENT, rounding=ROUND_DOWN), _CENT)
        if amount >= bal:
            amount = bal
        self._event(PaymentReceived(at=self.now, amount=Money(amount, self._currency())))

    @precondition(lambda self: self._balance() > 0)
    @rule()
    def pay_in_full(self) -> None:
        """The whole balance arrives."""
        self._event(PaymentReceived(at=self.now, amount=Money(self._balance(), self._currency())))

    def _currency(self) -> str:
        return self._state.currency or self.the_policy.currency or "CNY"

    @rule(amount=st.integers(50, 5000), days_until_due=st.integers(0, 30))
    def new_invoice(self, amount: int, days_until_due: int) -> None:
        """Another invoice is issued."""
        n = sum(1 for e in self.account.events if isinstance(e, InvoiceIssued)) + 2
        self._event(
            InvoiceIssued(
                at=self.now,
                invoice_id=f"INV-{n}",
                amount=Money(amount, self._currency()),
                due=self._local_date() + timedelta(days=days_until_due),
            )
        )

    @precondition(lambda self: self._balance() > 0)
    @rule(in_days=st.integers(0, 10))
    def promise(self, in_days: int) -> None:
        """The debtor promises to pay the balance within ``in_days`` local days."""
        self._event(
            PromiseToPay(
                at=self.now,
                amount=Money(self._balance(), self._currency()),
                by=self._local_date() + timedelta(days=in_days),
            )
        )

    @precondition(lambda self: self._state.promise is not None and not self._state.promise.kept)
    @rule()
    def break_promise(self) -> None:
        """Nothing arrives: the clock runs past the promised date and its grace."""
        state = self._state.promise
        assert state is not None
        tz = ZoneInfo(self.account.timezone or self.the_policy.assumed_zone or "UTC")
        end = datetime.combine(state.by + timedelta(days=2), datetime.min.time(), tz)
        end = self.the_policy.promise_grace.add_to(end, tz=tz)
        self._note(f"promise of {state.by} broken")
        self._advance_to(max(end, self.now), follow_wake=True)

    @precondition(lambda self: not self._state.open_disputes)
    @rule()
    def dispute(self) -> None:
        """The debtor disputes the debt."""
        self._event(DisputeOpened(at=self.now, dispute_id="D1", reason="amount contested"))

    @precondition(lambda self: bool(self._state.open_disputes))
    @rule()
    def resolve_dispute(self) -> None:
        """The dispute is resolved (rejected: the debt stands)."""
        self._event(DisputeResolved(at=self.now, dispute_id="D1", resolution="rejected"))

    @rule(data=st.data())
    def opt_out(self, data: st.DataObject) -> None:
        """The debtor opts out of one channel."""
        channel = data.draw(st.sampled_from(self.the_policy.declared_channels), label="channel")
        self._event(OptedOut(at=self.now, channel=channel))

    @precondition(lambda self: bool(self._state.opted_out))
    @rule(data=st.data())
    def opt_in(self, data: st.DataObject) -> None:
        """The debtor opts back in."""
        channel = data.draw(st.sampled_from(sorted(self._state.opted_out)), label="channel")
        self._event(OptedIn(at=self.now, channel=channel))

    @rule(data=st.data())
    def cease(self, data: st.DataObject) -> None:
        """The debtor asks to stop contact: on every channel, or on one."""
        which = data.draw(
            st.none() | st.sampled_from(self.the_policy.declared_channels), label="channel"
        )
        self._event(CeaseRequested(at=self.now, channels=None if which is None else {which}))

    @precondition(lambda self: self._state.cease is not None)
    @rule()
    def withdraw_cease(self) -> None:
        """The debtor withdraws the cease request."""
        self._event(CeaseWithdrawn(at=self.now))

    @rule(how=st.sampled_from(("answers", "ignores", "unreachable")))
    def respond(self, how: str) -> None:
        """From now on the debtor answers, ignores, or cannot be reached."""
        self._note(f"debtor {how}")
        self.response = how

    # -- the back office ---------------------------------------------------------------------

    @rule(data=st.data())
    def grant(self, data: st.DataObject) -> None:
        """An authorisation the ladder needs is granted."""
        name = data.draw(st.sampled_from(_authorisations(self.the_policy)), label="authorisation")
        self._event(AuthorisationGranted(at=self.now, authorisation=name, reference="REF-1"))

    @rule(data=st.data(), expires_in_days=st.integers(1, 60))
    def grant_for_a_while(self, data: st.DataObject, expires_in_days: int) -> None:
        """An authorisation is granted that expires after some days."""
        name = data.draw(st.sampled_from(_authorisations(self.the_policy)), label="authorisation")
        self._event(
            AuthorisationGranted(
                at=self.now,
                authorisation=name,
                reference="REF-2",
                expires=self.now + timedelta(days=expires_in_days),
            )
        )

    @rule(name=st.sampled_from(sorted(_NAMED_FACTS)), days=st.none() | st.integers(1, 30))
    def set_fact(self, name: str, days: int | None) -> None:
        """A named fact becomes true (bankruptcy, a moratorium), open-ended or for some days."""
        until = None if days is None else self.now + timedelta(days=days)
        self._event(FactSet(at=self.now, name=name, until=until))

    @precondition(lambda self: bool(_NAMED_FACTS & set(self._state.facts)))
    @rule(data=st.data())
    def clear_fact(self, data: st.DataObject) -> None:
        """A named fact stops being true."""
        names = sorted(_NAMED_FACTS & set(self._state.facts))
        name = data.draw(st.sampled_from(names), label="fact")
        self._event(FactCleared(at=self.now, name=name))

    @precondition(lambda self: bool(self._state.authorisations))
    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        """An authorisation is revoked."""
        name = data.draw(st.sampled_from(sorted(self._state.authorisations)), label="authorisation")
        self._event(AuthorisationRevoked(at=self.now, authorisation=name))

    @precondition(lambda self: self._state.fact_open("manual_hold", self.now) is None)
    @rule(days=st.none() | st.integers(1, 10))
    def hold(self, days: int | None) -> None:
        """An operator holds the account, open-ended or for some days."""
        until = None if days is None else self.now + timedelta(days=days)
        self._event(ManualHold(at=self.now, reason="operator review", until=until))

    @precondition(lambda self: self._state.fact_open("manual_hold", self.now) is not None)
    @rule()
    def release_hold(self) -> None:
        """The hold is released."""
        self._event(HoldReleased(at=self.now))

    @precondition(lambda self: self._state.plan is None)
    @rule()
    def agree_plan(self) -> None:
        """A payment plan is agreed."""
        self._event(PaymentPlanAgreed(at=self.now, plan_id="P1"))

    @precondition(lambda self: self._state.plan is not None)
    @rule()
    def break_plan(self) -> None:
        """The payment plan is broken."""
        self._event(PaymentPlanBroken(at=self.now, plan_id="P1"))

    # -- the edges: where authoring mistakes show -------------------------------------------

    def _hour_edges(self) -> list[time]:
        rules: list[object] = list(self.the_policy.rules)
        if self.requirements is not None:
            rules += list(self.requirements.as_rules())
        edges: set[time] = set()
        for r in rules:
            if isinstance(r, ContactHours):
                for t in r.window:
                    moment = datetime.combine(date(2000, 1, 3), t)
                    edges |= {(moment - timedelta(minutes=1)).time(), t}
        return sorted(edges) or [time(7, 59), time(8), time(20, 59), time(21)]

    @rule(data=st.data())
    def to_contact_hour_edge(self, data: st.DataObject) -> None:
        """The host polls a minute before or at the edge of a contact-hour window (either the
        policy's or a required one), in the debtor's zone: where a widened or shifted window, a
        wrong zone or a daylight-saving change shows."""
        edge = data.draw(st.sampled_from(self._hour_edges()), label="edge")
        tz = ZoneInfo(self.account.timezone or self.the_policy.assumed_zone or "UTC")
        local = self.now.astimezone(tz)
        target = datetime.combine(local.date(), edge, tz)
        if target <= self.now:
            target = datetime.combine(local.date() + timedelta(days=1), edge, tz)
        self._note(f"to the contact-hour edge {edge:%H:%M}")
        self._advance_to(target, follow_wake=False)

    @rule(minutes=st.sampled_from((1, 15, 59)), times=st.integers(2, 12))
    def poll_in_quick_succession(self, minutes: int, times: int) -> None:
        """The host asks again and again, minutes apart, without waiting for ``wake_at``:
        contacts bunch up wherever a cap's window or a repeat interval is off by one."""
        self._note(f"poll every {minutes} min, {times} times")
        for _ in range(times):
            self._advance_to(self.now + timedelta(minutes=minutes), follow_wake=False)

    @rule(
        act=st.sampled_from(("dispute", "hold", "bankruptcy", "cease", "opt_out", "pay_half")),
        before=st.sampled_from((None, 1, 60)),
        days=st.integers(1, 14),
    )
    def act_at_the_edge_then_wait(self, act: str, before: int | None, days: int) -> None:
        """Just before the rung's deadline (``before`` minutes; ``None``: now) the debtor
        disputes, an operator holds, a bankruptcy is filed, the debtor ceases, opts out of
        the first voice channel or pays half; then the host follows ``wake_at`` for
        ``days``: a hold, cease or opt-out the policy forgets shows as a contact it should not
        have made."""
        if before is not None:
            d = self.decide_now()
            if d.deadline is not None and d.deadline - timedelta(minutes=before) > self.now:
                self._advance_to(d.deadline - timedelta(minutes=before), follow_wake=True)
        voice = next(
            (c for c in self.the_policy.declared_channels if c in ANSWERABLE_CHANNELS),
            self.the_policy.declared_channels[0],
        )
        event: Event | None = None
        if act == "dispute" and not self._state.open_disputes:
            event = DisputeOpened(at=self.now, dispute_id="D1", reason="amount contested")
        elif act == "hold" and self._state.fact_open("manual_hold", self.now) is None:
            event = ManualHold(at=self.now, reason="operator review")
        elif act == "bankruptcy":
            event = FactSet(at=self.now, name="bankruptcy")
        elif act == "cease":
            event = CeaseRequested(at=self.now)
        elif act == "opt_out":
            event = OptedOut(at=self.now, channel=voice)
        elif act == "pay_half" and self._balance() > 2 * _CENT:
            half = (self._balance() / 2).quantize(_CENT, rounding=ROUND_DOWN)
            event = PaymentReceived(at=self.now, amount=Money(half, self._currency()))
        if event is not None:
            self._event(event)
        self._note(f"wait {days}d following wake_at")
        self._advance_to(self.now + timedelta(days=days), follow_wake=True)

    @rule(skips=st.integers(2, 8))
    def climb_to_the_legal_rungs(self, skips: int) -> None:
        """Every authorisation the ladder names is granted and nothing else happens: the
        account climbs rung after rung, into litigation and enforcement, where a dropped
        ``requires``, a zero grace or a missing letter before claim shows."""
        for name in _authorisations(self.the_policy):
            if not self._state.has_authorisation(name, self.now):
                self._event(AuthorisationGranted(at=self.now, authorisation=name, reference="R"))
        for _ in range(skips):
            self.skip_to_deadline()

    @precondition(lambda self: self._balance() > 0)
    @rule(data=st.data(), below=st.booleans())
    def pay_to_a_threshold(self, data: st.DataObject, below: bool) -> None:
        """The debtor pays down to exactly a rung's balance floor, or a cent under it."""
        floors = sorted(
            {
                f.amount
                for s in self.the_policy.stages
                if (f := balance_floor(s.enters_when)) is not None
            }
            | {
                r.min_balance.amount
                for r in (self.requirements.rungs if self.requirements is not None else ())
                if r.min_balance is not None
            }
        )
        bal = self._balance()
        targets = [t for f in floors if 0 < (t := f - (_CENT if below else 0)) < bal]
        if not targets:
            return
        target = data.draw(st.sampled_from(targets), label="balance after")
        self._event(PaymentReceived(at=self.now, amount=Money(bal - target, self._currency())))

    # -- the check ---------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self) -> None:
        """Every invariant of :func:`~overdue.testing.check_all` holds of the history so far."""
        if not self.account.events and self.account.invoices == ():
            return
        violations = check_all(self.the_policy, self.account)
        if self.requirements is not None:
            violations += check_requirements(self.requirements, self.the_policy, self.account)
        if violations:
            raise InvariantError(self._report(violations), violations)

    def _report(self, violations: list[Violation], at: datetime | None = None) -> str:
        first = violations[0] if violations else None
        idx = len(self.account.events)
        if first is not None and first.event_index is not None:
            idx = first.event_index
        before = self.account.events[:idx]
        at = (first.at if first is not None else None) or at or self.now
        source = self.policy_source
        if source is None:
            source = "REFERENCE_POLICY" if self.policy == REFERENCE_POLICY else py(self.policy)
        body = (
            f"decision = decide(policy, account, {py(at)})\n"
            "print(decision.explain())\n"
            + (
                f"# the engine then did: {py(self.account.events[idx])}\n"
                if idx < len(self.account.events)
                else ""
            )
            + ("# which breaks: " + str(first) if first is not None else "")
        )
        lines = []
        if violations:
            lines += [
                f"{len(violations)} invariant violation(s) under policy {self.the_policy.id!r}:",
                *(f"  - {v}" for v in violations[:10]),
                "",
            ]
        lines += [
            "what happened (most recent last):",
            *(f"  {s}" for s in self.steps_taken[-40:]),
            "",
            "reproduce the offending decision with:",
            "",
            script(source, self.account, before, body),
        ]
        return "\n".join(lines)
