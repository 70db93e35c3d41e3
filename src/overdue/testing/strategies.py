"""Hypothesis strategies for ``overdue``'s values, accounts, event histories and policies.

Every strategy draws only what the library accepts: money is exact, datetimes are aware,
histories are consistent (time-ordered; no payment before the first invoice; an outcome only
on a contact attempt; a dispute resolved only after it was opened; an authorisation revoked
only after it was granted) and policies are valid (a generated ``Policy`` never raises).  That
way a failing example is always a finding about the engine or the policy, never about the test.

The strategies are also registered with ``st.from_type`` through the ``hypothesis`` entry
point (see :mod:`overdue.testing._hypothesis_hook`), so ``st.from_type(Money)`` just works.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from overdue.account import Account, ContactPoint, Invoice
from overdue.conditions import (
    All,
    AnyOf,
    BalanceAtLeast,
    Condition,
    DaysOverdueAtLeast,
    OverdueFor,
    UnpaidInvoicesAtLeast,
)
from overdue.durations import Duration
from overdue.events import (
    AuthorisationGranted,
    AuthorisationRevoked,
    CeaseRequested,
    CeaseWithdrawn,
    ConsentWaiver,
    ContactAttempted,
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
    StageEntered,
)
from overdue.money import Money
from overdue.policy import Policy, Stage, Step
from overdue.rules import (
    ContactHours,
    FrequencyCap,
    HoldWhile,
    MinimumGap,
    RequiresAuthorisation,
    RespectCease,
    RespectOptOut,
    Rule,
)

__all__ = [
    "CHANNELS",
    "CURRENCIES",
    "TIME_ZONES",
    "accounts",
    "aware_datetimes",
    "conditions",
    "contact_points",
    "contact_restrictions",
    "currencies",
    "durations",
    "event_histories",
    "invoices",
    "money",
    "outcomes",
    "policies",
    "rules",
    "stages",
    "steps",
    "time_zones",
]

CURRENCIES = ("CNY", "EUR", "USD", "GBP", "JPY")
"""Currencies drawn by default (a small set keeps shrinking readable)."""

TIME_ZONES = (
    "Asia/Shanghai",
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "Pacific/Kiritimati",
)
"""Zones with the awkward cases: DST both ways, half-hour and 45-minute offsets, +14h."""

CHANNELS = ("sms", "email", "phone", "letter", "in_app")
"""Channels generated policies and accounts use; ``in_app`` needs no contact point."""

_ADDRESSES = {
    "sms": "+8613800000000",
    "phone": "+8613800000001",
    "email": "debtor@example.com",
    "letter": "1 Example Road",
    "in_app": "user-1",
}

_START = datetime(2026, 1, 1, tzinfo=UTC)


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes from :data:`CURRENCIES`."""
    return st.sampled_from(CURRENCIES)


def money(
    currency: str | None = None,
    *,
    min_value: Decimal | str = "0.01",
    max_value: Decimal | str = "100000.00",
) -> st.SearchStrategy[Money]:
    """Exact amounts with two decimals (never floats), in ``currency`` or a drawn one."""
    lo, hi = Decimal(min_value), Decimal(max_value)
    cents = st.integers(int(lo * 100), int(hi * 100)).map(lambda c: Decimal(c).scaleb(-2))
    cur = st.just(currency) if currency is not None else currencies()
    return st.builds(Money, cents, cur)


def durations(
    units: Sequence[str] = ("h", "d", "w", "mo", "bd"), *, max_amount: int = 30
) -> st.SearchStrategy[Duration]:
    """Durations such as ``7d`` or ``3bd`` in the given units."""
    return st.builds(Duration, st.integers(0, max_amount), st.sampled_from(tuple(units)))


def time_zones() -> st.SearchStrategy[str]:
    """IANA zone names from :data:`TIME_ZONES`."""
    return st.sampled_from(TIME_ZONES)


def aware_datetimes(
    *,
    min_value: datetime = datetime(2025, 1, 1),
    max_value: datetime = datetime(2027, 12, 31),
    zones: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[datetime]:
    """Aware datetimes (whole minutes) in drawn zones, including DST gaps and folds."""
    tzs = (zones if zones is not None else time_zones()).map(ZoneInfo)
    return st.datetimes(min_value, max_value, timezones=tzs).map(
        lambda d: d.replace(second=0, microsecond=0)
    )


def outcomes() -> st.SearchStrategy[Outcome]:
    """Every contact outcome."""
    return st.sampled_from(tuple(Outcome))


def contact_points(channels: Sequence[str] = CHANNELS) -> st.SearchStrategy[ContactPoint]:
    """A debtor contact point on one of ``channels``."""
    return st.sampled_from(tuple(channels)).map(lambda c: ContactPoint(c, _ADDRESSES.get(c, c)))


@st.composite
def invoices(
    draw: st.DrawFn, currency: str | None = None, *, due_from: date = date(2026, 1, 1)
) -> Invoice:
    """An invoice due within 90 days of ``due_from``."""
    n = draw(st.integers(1, 999))
    return Invoice(
        f"INV-{n}",
        draw(money(currency, min_value="10.00", max_value="20000.00")),
        due_from + timedelta(days=draw(st.integers(0, 90))),
    )


@st.composite
def contact_restrictions(
    draw: st.DrawFn,
    at: datetime,
    *,
    facts: Sequence[str] = ("dispute_open", "manual_hold", "bankruptcy"),
    set_facts: Sequence[str] | None = None,
    waived_rules: Sequence[str] = ("contact-hours", "dispute-hold"),
    channels: Sequence[str] = ("sms", "email", "phone"),
    min_size: int = 1,
    max_size: int = 4,
    held_at_start: bool = False,
) -> list[Event]:
    """Events that restrict contact, around ``at`` (from 20 days before to 2 days after):
    facts set (open-ended, or with an end) and cleared, cease requests (all channels or some),
    opt-outs and consent waivers, in no particular order.

    Why: whether a shortcut for held accounts answers as the general path does depends on the
    mix of what holds them and what else limits contact; a compliance test draws the mix
    here.  ``facts`` are the ones cleared; ``set_facts`` (default ``facts``) the ones set,
    which may include facts no rule halts on; ``held_at_start`` first sets one of ``facts``
    at ``at`` with no end, so the account is held.
    """
    out: list[Event] = []
    if held_at_start:
        out.append(FactSet(at=at, name=draw(st.sampled_from(tuple(facts)))))
    chosen = tuple(facts if set_facts is None else set_facts)
    for _ in range(draw(st.integers(min_size, max_size))):
        when = at + timedelta(minutes=draw(st.integers(-60 * 24 * 20, 60 * 24 * 2)))
        kind = draw(st.integers(0, 5))
        if kind == 0:
            until = draw(st.none() | st.integers(1, 60 * 24 * 40))
            out.append(
                FactSet(
                    at=when,
                    name=draw(st.sampled_from(chosen)),
                    until=None if until is None else when + timedelta(minutes=until),
                    detail=draw(st.none() | st.just("checking")),
                )
            )
        elif kind == 1:
            out.append(FactCleared(at=when, name=draw(st.sampled_from(tuple(facts)))))
        elif kind == 2:
            some = draw(
                st.none()
                | st.lists(st.sampled_from(tuple(channels)), min_size=1, max_size=2, unique=True)
            )
            out.append(CeaseRequested(at=when, channels=None if some is None else tuple(some)))
        elif kind == 3:
            out.append(OptedOut(at=when, channel=draw(st.sampled_from(tuple(channels)))))
        else:
            rule = draw(st.sampled_from(tuple(waived_rules)))
            out.append(ConsentWaiver(at=when, rule_id=rule))
    return out


@st.composite
def event_histories(
    draw: st.DrawFn,
    *,
    currency: str = "CNY",
    start: datetime = _START,
    stages: Sequence[str] = ("reminder",),
    channels: Sequence[str] = CHANNELS,
    authorisations: Sequence[str] = ("legal_review", "field_visit"),
    max_events: int = 25,
) -> tuple[Event, ...]:
    """A consistent, time-ordered history starting with an invoice issued at ``start``.

    Payments come after an invoice; contact outcomes only appear on contact attempts, tied to
    the stage entered last; disputes, holds, plans and authorisations close only once opened.
    """
    at = start
    events: list[Event] = []
    due = start.date() + timedelta(days=draw(st.integers(0, 30)))
    events.append(
        InvoiceIssued(
            at=at, invoice_id="INV-1", amount=draw(money(currency, min_value="50.00")), due=due
        )
    )
    invoice_count = 1
    stage: str | None = None
    disputes: list[str] = []
    dispute_count = 0
    granted: set[str] = set()
    hold = plan = False
    n = draw(st.integers(0, max_events))
    for _ in range(n):
        at = at + timedelta(minutes=draw(st.integers(0, 60 * 24 * 5)))
        options = [
            "pay",
            "contact",
            "promise",
            "dispute",
            "invoice",
            "cease",
            "opt",
            "stage",
            "auth",
        ]
        if disputes:
            options.append("resolve")
        options.append("release" if hold else "hold")
        options.append("break_plan" if plan else "plan")
        kind = draw(st.sampled_from(options))
        if kind == "pay":
            events.append(PaymentReceived(at=at, amount=draw(money(currency, max_value="5000.00"))))
        elif kind == "invoice":
            invoice_count += 1
            events.append(
                InvoiceIssued(
                    at=at,
                    invoice_id=f"INV-{invoice_count}",
                    amount=draw(money(currency, min_value="10.00")),
                    due=at.date() + timedelta(days=draw(st.integers(0, 30))),
                )
            )
        elif kind == "contact":
            events.append(
                ContactAttempted(
                    at=at,
                    channel=draw(st.sampled_from(tuple(channels))),
                    outcome=draw(outcomes()),
                    stage=stage,
                    step=None if stage is None else draw(st.sampled_from(("s1", "s2"))),
                    initiated_by=draw(st.sampled_from(("creditor", "creditor", "debtor"))),
                )
            )
        elif kind == "promise":
            events.append(
                PromiseToPay(
                    at=at,
                    amount=draw(money(currency, max_value="5000.00")),
                    by=at.date() + timedelta(days=draw(st.integers(0, 14))),
                )
            )
        elif kind == "dispute":
            dispute_count += 1
            disputes.append(f"D{dispute_count}")
            events.append(DisputeOpened(at=at, dispute_id=disputes[-1]))
        elif kind == "resolve":
            which = draw(st.sampled_from(disputes))
            disputes.remove(which)
            events.append(DisputeResolved(at=at, dispute_id=which, resolution="rejected"))
        elif kind == "cease":
            if draw(st.booleans()):
                chans = draw(st.none() | st.sets(st.sampled_from(tuple(channels)), min_size=1))
                events.append(CeaseRequested(at=at, channels=chans))
            else:
                events.append(CeaseWithdrawn(at=at))
        elif kind == "opt":
            chan = draw(st.sampled_from(tuple(channels)))
            events.append(
                OptedOut(at=at, channel=chan)
                if draw(st.booleans())
                else OptedIn(at=at, channel=chan)
            )
        elif kind == "stage":
            stage = draw(st.sampled_from(tuple(stages)))
            events.append(StageEntered(at=at, stage=stage))
        elif kind == "auth":
            name = draw(st.sampled_from(tuple(authorisations)))
            if name in granted and draw(st.booleans()):
                granted.discard(name)
                events.append(AuthorisationRevoked(at=at, authorisation=name))
            else:
                granted.add(name)
                events.append(AuthorisationGranted(at=at, authorisation=name))
        elif kind == "hold":
            hold = True
            events.append(ManualHold(at=at, reason="operator review"))
        elif kind == "release":
            hold = False
            events.append(HoldReleased(at=at))
        elif kind == "plan":
            plan = True
            events.append(PaymentPlanAgreed(at=at))
        else:
            plan = False
            events.append(PaymentPlanBroken(at=at))
    return tuple(events)


@st.composite
def accounts(
    draw: st.DrawFn,
    *,
    policy: Policy | None = None,
    currency: str | None = None,
    zones: st.SearchStrategy[str | None] | None = None,
    with_history: bool = True,
    start: datetime = _START,
) -> Account:
    """An account with contact points, an invoice and (optionally) a consistent history.

    With ``policy`` the currency, channels, stage names and authorisations come from it, so
    the account fits the ladder.
    """
    if policy is not None:
        cur = currency or policy.currency or "CNY"
        chans: Sequence[str] = policy.declared_channels or CHANNELS
        stage_ids: Sequence[str] = [s.id for s in policy.enabled_stages]
        auths = sorted({a for s in policy.stages for a in s.requires}) or ["legal_review"]
    else:
        cur = currency or draw(currencies())
        chans, stage_ids, auths = CHANNELS, ("reminder",), ["legal_review", "field_visit"]
    tz = draw(zones if zones is not None else time_zones())
    reachable = draw(st.sets(st.sampled_from(tuple(chans)), min_size=0))
    contacts = tuple(ContactPoint(c, _ADDRESSES.get(c, c)) for c in sorted(reachable))
    history: tuple[Event, ...] = ()
    if with_history:
        history = draw(
            event_histories(
                currency=cur, start=start, stages=stage_ids, channels=chans, authorisations=auths
            )
        )
    else:
        history = (
            InvoiceIssued(
                at=start,
                invoice_id="INV-1",
                amount=draw(money(cur, min_value="50.00")),
                due=start.date() + timedelta(days=draw(st.integers(0, 30))),
            ),
        )
    n = draw(st.integers(1, 9999))
    return Account(f"A-{n}", timezone=tz, contacts=contacts, events=history, contract="C-1")


# -- policies --------------------------------------------------------------------------------


def conditions(currency: str = "CNY") -> st.SearchStrategy[Condition]:
    """Entry conditions: days overdue, an age in days, weeks or months (to the month's end or
    not), a count of unpaid invoices, a balance floor, and their ``&`` / ``|`` compositions."""
    ages = st.builds(
        OverdueFor,
        st.builds(Duration, st.integers(0, 3), st.sampled_from(["d", "w", "mo"])),
        anchor=st.sampled_from(["due", "end_of_month"]),
    )
    leaf: st.SearchStrategy[Condition] = st.one_of(
        st.integers(0, 60).map(DaysOverdueAtLeast),
        money(currency, min_value="1.00", max_value="1000.00").map(BalanceAtLeast),
        ages,
        st.integers(1, 2).map(UnpaidInvoicesAtLeast),
    )
    return st.one_of(
        leaf,
        st.tuples(leaf, leaf).map(All),
        st.tuples(leaf, leaf).map(AnyOf),
    )


@st.composite
def steps(
    draw: st.DrawFn, channels: Sequence[str] = CHANNELS, *, prefix: str = "t"
) -> tuple[Step, ...]:
    """One to three steps with distinct templates on ``channels`` (fallbacks among them)."""
    n = draw(st.integers(1, 3))
    out: list[Step] = []
    for i in range(n):
        channel = draw(st.sampled_from(tuple(channels)))
        others = [c for c in channels if c != channel]
        fallback = draw(st.none() | st.sampled_from(others)) if others else None
        attempts = draw(st.integers(1, 3))
        repeat = (
            Duration(draw(st.integers(1, 4)), draw(st.sampled_from(("d", "bd"))))
            if attempts > 1
            else None
        )
        out.append(
            Step(
                channel,
                template=f"{prefix}.{channel}.{i}",
                at=Duration(draw(st.integers(0, 3)), "d"),
                repeat_every=repeat,
                max_attempts=attempts,
                fallback=fallback,
            )
        )
    return tuple(out)


@st.composite
def stages(
    draw: st.DrawFn,
    stage_id: str = "s0",
    *,
    channels: Sequence[str] = CHANNELS,
    currency: str = "CNY",
    terminal: bool = False,
) -> Stage:
    """A stage whose deadline always covers what its steps need (so ``Policy`` accepts it)."""
    chans = draw(st.lists(st.sampled_from(tuple(channels)), min_size=1, max_size=3, unique=True))
    stage_steps = draw(steps(chans, prefix=stage_id))
    enters = draw(st.none() | conditions(currency))
    deadline = grace = None
    if not terminal:
        need = max(s.needs() for s in stage_steps).days
        if draw(st.booleans()) or need == 0:
            deadline = Duration(need + 2 + draw(st.integers(0, 14)), "d")
        else:
            deadline = None
        if deadline is None or draw(st.booleans()):
            grace = Duration(draw(st.integers(1, 15)), "d")
    requires = draw(st.sampled_from(((), (), ("legal_review",), ("field_visit",))))
    return Stage(
        stage_id,
        enters_when=enters,
        steps=stage_steps,
        deadline=deadline,
        grace=grace,
        requires=requires,
        skippable=bool(requires) and draw(st.booleans()),
    )


_OPT_OUT = RespectOptOut("opt-out", exempt=("letter",))


def rules(channels: Sequence[str] = CHANNELS) -> st.SearchStrategy[tuple[Rule, ...]]:
    """A set of compliance rules (unique ids), drawn from the built-in kinds."""
    chans = tuple(channels)
    voice = tuple(c for c in chans if c in ("sms", "phone")) or None
    hours = st.builds(
        lambda a, b, days: ContactHours(
            "hours", window=(time(a), time(b)), weekdays=days, channels=voice
        ),
        st.integers(6, 10),
        st.integers(17, 22),
        st.none() | st.just(("mon", "tue", "wed", "thu", "fri", "sat")),
    )
    cap = st.builds(
        lambda n, per, window: FrequencyCap(
            "cap", max_contacts=n, per=per, window=window, channels=voice
        ),
        st.integers(1, 3),
        st.sampled_from((Duration(1, "d"), Duration(7, "d"))),
        st.sampled_from(("rolling", "rolling_days")),
    )
    gap = st.builds(lambda h: MinimumGap("gap", gap=Duration(h, "h")), st.integers(1, 48))
    fixed: list[st.SearchStrategy[Rule | None]] = [
        st.none() | hours,
        st.none() | cap,
        st.none() | gap,
        st.none() | st.just(HoldWhile("dispute-hold", fact="dispute_open")),
        st.none() | st.just(HoldWhile("manual-hold", fact="manual_hold")),
        st.none() | st.just(RespectCease("cease")),
        st.none() | st.just(_OPT_OUT),
        st.none()
        | st.just(
            RequiresAuthorisation(
                "letters-need-review", authorisation="legal_review", channels=("letter",)
            )
        ),
    ]
    return st.tuples(*fixed).map(lambda rs: tuple(r for r in rs if r is not None))


@st.composite
def policies(
    draw: st.DrawFn,
    *,
    currency: str = "CNY",
    channels: Sequence[str] = CHANNELS,
    max_stages: int = 4,
) -> Policy:
    """A valid policy: a ladder of one to ``max_stages`` rungs and a drawn set of rules.

    Every rung but the last has a deadline or a grace period (so every rung is reachable) and
    every deadline covers its steps; the first rung needs no authorisation.
    """
    n = draw(st.integers(1, max_stages))
    ladder: list[Stage] = []
    for i in range(n):
        stage = draw(stages(f"s{i}", channels=channels, currency=currency, terminal=i == n - 1))
        if i == 0 and stage.requires:
            stage = Stage(
                stage.id,
                enters_when=stage.enters_when,
                steps=stage.steps,
                deadline=stage.deadline,
                grace=stage.grace,
            )
        ladder.append(stage)
    used: set[str] = set()
    for rung in ladder:
        for step in rung.steps:
            used.add(step.channel)
            if step.fallback is not None:
                used.add(step.fallback)
    declared = tuple(c for c in channels if c in used)
    return Policy(
        "generated",
        stages=tuple(ladder),
        rules=draw(rules(declared)),
        currency=currency,
        channels=declared,
        assumed_zone=draw(st.none() | time_zones()),
        on_partial_payment=draw(st.sampled_from(("continue", "restart_stage"))),
    )
