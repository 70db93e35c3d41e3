"""The decision corpus's account generator: ladder histories, a share with one rarer fact on top.

Why a copy of the benchmark's generator (``benchmarks/bench_decide.py``'s ``make_account``)
lives here: a corpus is only worth comparing if the same seed gives the same accounts in every
release, so the generator has to ship with the library (the benchmarks do not) and must not
move.  ``tests/testing/test_corpus.py`` pins a hash of the accounts it makes; a change to this
file that moves them is a change of the corpus format (:data:`GENERATOR_VERSION`).

The accounts: 80% follow the reference ladder (stage entries, contacts with outcomes, payments,
disputes, inbound contacts), 40% of those with one more seeded fact (a promise, a plan, a hold,
a cease, an opt-out, a waiver, an authorisation, a write-off, a debtor's own contact, a fact, a
full payment); the rest are the simulator's fresh single-invoice accounts
(:func:`overdue.simulate.generate_portfolio`).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from overdue.account import Account, ContactPoint
from overdue.errors import UsageError
from overdue.events import (
    AuthorisationGranted,
    CeaseRequested,
    ConsentWaiver,
    ContactAttempted,
    DebtorContacted,
    DisputeOpened,
    DisputeResolved,
    Event,
    FactSet,
    InvoiceIssued,
    ManualHold,
    OptedOut,
    PaymentPlanAgreed,
    PaymentReceived,
    PromiseToPay,
    StageEntered,
    WrittenOff,
)
from overdue.money import Money
from overdue.simulate import generate_portfolio

__all__ = ["DEFAULT_SEED", "GENERATOR_VERSION", "generate_accounts"]

#: The seed the project's own golden corpus is generated from.
DEFAULT_SEED = 20261202
#: Bumped if the generator ever has to change what a seed gives (it is written in a corpus's
#: header, so a comparison can refuse accounts that are not the recorded ones).
GENERATOR_VERSION = 1

_ZONES = ("Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai", "Asia/Hong_Kong", None)
_NOW = datetime(2026, 4, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

# The reference ladder as (stage, days after the previous rung, contacts made in it).
_LADDER = (
    (
        "reminder",
        0,
        (
            ("sms", "reminder.sms", 0),
            ("in_app", "reminder.in_app", 0),
            ("sms", "reminder.sms", 3),
            ("sms", "reminder.sms", 6),
        ),
    ),
    (
        "courtesy_call",
        7,
        (
            ("phone", "call.polite", 0),
            ("sms", "call.followup", 1),
            ("phone", "call.polite", 2),
            ("phone", "call.polite", 4),
        ),
    ),
    ("formal_notice", 7, (("email", "notice.formal", 0), ("in_app", "notice.popup", 0))),
    ("lawyer_letter", 16, (("letter", "letter.lawyer", 0), ("email", "letter.lawyer.copy", 0))),
)


def _invoices(i: int, rng: random.Random, tz: ZoneInfo) -> tuple[list[Event], date, int]:
    """The first invoice (and, for 30%, a second one ten days later): events, due date, amount."""
    overdue_days = rng.randint(5, 80)
    due = _NOW.date() - timedelta(days=overdue_days)
    amount = rng.randint(80, 20000)
    t = datetime.combine(due - timedelta(days=30), datetime.min.time(), tz) + timedelta(hours=9)
    events: list[Event] = [
        InvoiceIssued(at=t, invoice_id=f"INV-{i}-1", amount=Money(str(amount), "CNY"), due=due)
    ]
    if rng.random() < 0.3:
        t += timedelta(days=1)
        events.append(
            InvoiceIssued(
                at=t,
                invoice_id=f"INV-{i}-2",
                amount=Money(str(rng.randint(20, 500)), "CNY"),
                due=due + timedelta(days=10),
            )
        )
    return events, due, amount


_Steps = tuple[tuple[str, str, int], ...]


def _rung(
    i: int,
    rng: random.Random,
    stage: str,
    entry: datetime,
    steps: _Steps,
    amount: int,
    events: list[Event],
) -> bool:
    """The contacts made in one rung, with a payment or a dispute now and then; True while a
    dispute stays open (the history stops climbing there)."""
    dispute_open = False
    for channel, template, offset in steps:
        ct = entry + timedelta(days=offset, minutes=rng.randint(0, 30))
        if ct >= _NOW:
            break
        outcome = (
            rng.choice(("delivered", "delivered", "no_answer", "failed"))
            if channel == "phone"
            else "delivered"
        )
        events.append(
            ContactAttempted(
                at=ct,
                channel=channel,
                outcome=outcome,
                stage=stage,
                step=template,
                template=template,
            )
        )
        if rng.random() < 0.08 and ct + timedelta(hours=2) < _NOW:
            events.append(
                PaymentReceived(
                    at=ct + timedelta(hours=2),
                    amount=Money(str(rng.randint(1, max(1, amount // 4))), "CNY"),
                )
            )
        if rng.random() < 0.03 and ct + timedelta(hours=3) < _NOW:
            events.append(DisputeOpened(at=ct + timedelta(hours=3), dispute_id=f"D{i}-{stage}"))
            dispute_open = True
            if rng.random() < 0.6 and ct + timedelta(days=2) < _NOW:
                events.append(
                    DisputeResolved(at=ct + timedelta(days=2), dispute_id=f"D{i}-{stage}")
                )
                dispute_open = False
            break
    return dispute_open


def _inbound(rng: random.Random, due: date, tz: ZoneInfo, events: list[Event]) -> None:
    """The debtor calls or writes back now and then (inbound contacts, which caps do not count)."""
    first = datetime.combine(due, datetime.min.time(), tz)
    for _ in range(rng.randint(2, 6)):
        at = first + timedelta(
            minutes=rng.randint(0, max(1, int((_NOW - first).total_seconds() // 60) - 1))
        )
        events.append(
            ContactAttempted(
                at=at,
                channel=rng.choice(("phone", "email")),
                outcome="conversation",
                initiated_by="debtor",
            )
        )


def ladder_account(i: int, rng: random.Random) -> Account:
    """One account whose history follows the reference ladder up to a random rung."""
    tz_name = rng.choice(_ZONES)
    tz = ZoneInfo(tz_name or "Asia/Shanghai")
    events, due, amount = _invoices(i, rng, tz)
    entry = datetime.combine(due + timedelta(days=1), datetime.min.time(), tz) + timedelta(
        hours=rng.randint(8, 20)
    )
    for stage, gap, steps in _LADDER:
        entry += timedelta(days=gap)
        if entry >= _NOW - timedelta(hours=1):
            break
        events.append(StageEntered(at=entry, stage=stage))
        if _rung(i, rng, stage, entry, steps, amount, events):
            break
    _inbound(rng, due, tz, events)
    events.sort(key=lambda e: e.at)
    contacts = (
        ContactPoint("sms", f"+86138{i:08d}"),
        ContactPoint("phone", f"+86138{i:08d}"),
        ContactPoint("email", f"debtor{i}@example.com"),
        ContactPoint("letter", f"{i} Example Road"),
    )
    return Account(
        f"ACC-{i:06d}",
        timezone=tz_name,
        contacts=contacts,
        events=tuple(events),
        contract=f"CTR-{i}",
    )


def _extra_events(i: int, at: datetime, rng: random.Random) -> list[Event]:
    """The one rarer fact, drawn from twelve kinds."""
    choice = rng.randrange(12)
    if choice == 0:
        return [PromiseToPay(at=at, amount=Money("50", "CNY"), by=at.date() + timedelta(days=9))]
    if choice == 1:
        return [PaymentPlanAgreed(at=at, plan_id=f"P{i}")]
    if choice == 2:
        return [ManualHold(at=at, reason="checking", until=at + timedelta(days=rng.randint(1, 30)))]
    if choice == 3:
        return [CeaseRequested(at=at, channels=rng.choice((None, ("phone",))))]
    if choice == 4:
        return [OptedOut(at=at, channel=rng.choice(("sms", "email")))]
    if choice == 5:
        return [ConsentWaiver(at=at, rule_id=rng.choice(("contact_hours", "phone_daily_cap")))]
    if choice == 6:
        names = ("field_visit", "legal_review", "judgment")[: rng.randint(1, 3)]
        return [AuthorisationGranted(at=at, authorisation=name, staff=2) for name in names]
    if choice == 7:
        return [WrittenOff(at=at, reason="uneconomic")]
    if choice == 8:
        return [DebtorContacted(at=at, channel=rng.choice(("sms", "phone")))]
    if choice == 9:
        return [FactSet(at=at, name="bankruptcy", until=at + timedelta(days=20))]
    if choice == 10:
        return [PaymentReceived(at=at, amount=Money("100000", "CNY"))]
    by = at.astimezone(at.tzinfo).date() + timedelta(days=3)
    return [PromiseToPay(at=at, amount=Money("100000", "CNY"), by=by)]


def with_extra(i: int, account: Account, rng: random.Random) -> Account:
    """One more seeded fact on top of a ladder history, so the rarer paths are decided too."""
    if not account.events:
        return account
    last = account.events[-1].at
    first = account.events[0].at
    at = first + (last - first) * rng.random()
    events = sorted((*account.events, *_extra_events(i, at, rng)), key=lambda e: e.at)
    return attrs.evolve(account, events=tuple(events))


def generate_accounts(n: int, seed: int = DEFAULT_SEED) -> list[Account]:
    """``n`` accounts from ``seed``, the same in every release (:data:`GENERATOR_VERSION`).

    80% are ladder histories (``ACC-000000`` on), 40% of those with one rarer fact on top; the
    rest are the simulator's fresh single-invoice accounts (``SIM-000000`` on), due between
    January and May 2026.
    """
    if n < 0:
        raise UsageError(
            f"generate_accounts: n must be 0 or more, not {n}", expected="n >= 0", got=n
        )
    rng = random.Random(seed)
    n_ladder = n * 4 // 5
    out: list[Account] = []
    for i in range(n_ladder):
        acct = ladder_account(i, rng)
        if rng.random() < 0.4:
            acct = with_extra(i, acct, rng)
        out.append(acct)
    out.extend(
        generate_portfolio(
            n - n_ladder, due_between=(date(2026, 1, 1), date(2026, 5, 1)), seed=seed
        )
    )
    return out
