"""Per-invoice ladders: every unpaid invoice of an account climbs the ladder on its own.

Some billing teams dun per invoice, not per account: invoice A, 40 days overdue, gets the
formal letter while invoice B, 5 days overdue, gets its first reminder.  A policy says so with
``ladder_per = "invoice"``, and :func:`decide_invoices` decides such an account.

It does not decide anything itself.  It splits the account into a
:class:`~overdue.debtor.Debtor` with one debt per invoice (:func:`invoice_debtor`) and hands
that to :func:`~overdue.engine.debtors.decide_debtor`, so every invoice has its own rung,
deadlines and reasons while the contacts to the person are one budget: a cap per debtor counts
every contact once, whichever invoice it was about.

How the history is split (each event goes where the fold would count it):

- an invoice (given with the account or issued by an event) is its own debt, its id the
  invoice id;
- a payment is allocated by the fold's own rule (the invoice it names, then oldest due first,
  a surplus kept as credit for the next invoice): the split replays the account's invoices and
  payments through :meth:`~overdue.snapshot.Snapshot.apply` and gives each invoice a payment
  of what the fold allocated to it, at the payment's time;
- a contact tagged with an invoice (``debt_id`` / ``debt_ids``, as :meth:`Action.outcome_event
  <overdue.decision.Action.outcome_event>` writes it) is that invoice's, and moves its ladder; a
  contact tagged with nothing is about the account, so it counts for every cap once and moves
  no invoice's ladder;
- a ``StageEntered`` tagged with an invoice is that invoice's rung; an untagged one (the
  account's ladder before it ran per invoice) is copied to every invoice on file then, so a
  host that switches keeps each invoice on the rung the account had reached;
- every other fact (a promise, a dispute, a cease, an opt-out, a hold, a write-off) concerns
  the whole account, so every invoice sees it.

A paid invoice leaves its ladder: its decision is not returned (its past contacts still count
against the shared budget).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from overdue._time import require_aware
from overdue.account import Account, Invoice
from overdue.debtor import Debtor
from overdue.decision import Action, Decision
from overdue.engine.debtors import DebtorDecision, Order, decide_debtor
from overdue.errors import AccountError, PolicyError
from overdue.events import ContactAttempted, Event, InvoiceIssued, PaymentReceived, StageEntered
from overdue.money import Money
from overdue.policy import Policy
from overdue.snapshot import fold

__all__ = ["decide_invoices", "invoice_debtor"]


def invoice_debtor(account: Account) -> Debtor:
    """``account`` as a debtor with one debt per invoice (see the module text for the rules).

    The debtor has the account's id, contact points and zones; each debt has the invoice's id.

    Raises:
        AccountError: the account has no invoice; a contact names a debt that is not one of the
            account's invoices (with the event index and key path).
        EventError: the history is contradictory (as the fold says, located in the account).
    """
    fold(account)  # the fold's own errors, located at the account and its event index
    ids = [inv.id for inv in account.invoices]
    ids += [e.invoice_id for e in account.events if isinstance(e, InvoiceIssued)]
    if not ids:
        raise AccountError(
            "a per-invoice ladder needs invoices, and the account has none",
            account_id=account.id,
            expected="at least one invoice (Account.invoices or an InvoiceIssued event)",
        )
    known = frozenset(ids)
    opening: dict[str, Invoice] = {inv.id: inv for inv in account.invoices}
    events: dict[str, list[Event]] = {i: [] for i in ids}
    issued: list[str] = list(opening)  # invoices on file so far, in effective order
    snap = fold(attrs.evolve(account, events=()))
    ordered = sorted(enumerate(account.events), key=lambda ie: ie[1].at)  # the fold's order
    for index, event in ordered:
        if isinstance(event, (InvoiceIssued, PaymentReceived)):
            before = {s.invoice_id: s.paid for s in snap.invoices}
            snap = snap.apply(event)
            if isinstance(event, InvoiceIssued):
                events[event.invoice_id].append(event)
                issued.append(event.invoice_id)
            for state in snap.invoices:
                paid = state.paid - before.get(state.invoice_id, Decimal(0))
                if paid > 0:
                    share = _allocated(event, state.invoice_id, paid, state.amount)
                    events[state.invoice_id].append(share)
        elif isinstance(event, ContactAttempted):
            _check_tags(account, event, index, known)
            if event.debts:
                events[event.debts[0]].append(event)
            else:
                # About the account: one contact, counted once per person and for each
                # invoice's own cap (of those on file then), moving no invoice's ladder.
                about = tuple(issued) or (ids[0],)
                tagged = attrs.evolve(event, stage=None, step=None, debt_ids=about)
                events[about[0]].append(tagged)
        elif isinstance(event, StageEntered):
            if event.debt_id is not None:
                _check_tag(account, event.debt_id, index, "debt_id", known)
                events[event.debt_id].append(event)
            else:
                for invoice_id in issued:
                    events[invoice_id].append(event)
        else:
            for invoice_id in ids:
                events[invoice_id].append(event)
    debts = [
        Account(
            i,
            timezone=account.timezone,
            address_timezone=account.address_timezone,
            invoices=(opening[i],) if i in opening else (),
            events=events[i],
            contract=account.contract,
        )
        for i in ids
    ]
    return Debtor(
        account.id,
        debts,
        contacts=account.contacts,
        timezone=account.timezone,
        address_timezone=account.address_timezone,
    )


def _allocated(event: Event, invoice_id: str, paid: Decimal, amount: Money) -> PaymentReceived:
    """What the fold allocated to ``invoice_id`` when ``event`` was applied, as a payment."""
    reference = event.reference if isinstance(event, PaymentReceived) else None
    return PaymentReceived(
        at=event.at,
        recorded_at=event.recorded_at,
        amount=Money(paid, amount.currency),
        invoice_id=invoice_id,
        reference=reference,
    )


def _check_tags(
    account: Account, event: ContactAttempted, index: int, known: frozenset[str]
) -> None:
    for name in event.debts:
        where = "debt_ids" if name in event.debt_ids else "debt_id"
        _check_tag(account, name, index, where, known)


def _check_tag(account: Account, name: str, index: int, where: str, known: frozenset[str]) -> None:
    if name not in known:
        raise AccountError(
            f"an event names invoice {name!r}, which account {account.id!r} does not hold "
            "(under a per-invoice ladder a debt is an invoice)",
            account_id=account.id,
            event_index=index,
            key_path=f"events[{index}].{where}",
            expected=" | ".join(sorted(known)) + " (or none: the whole account)",
            got=name,
        )


def decide_invoices(
    policy: Policy, account: Account, now: datetime, *, order: Order = "oldest_first"
) -> DebtorDecision:
    """Decide every unpaid invoice of ``account`` at ``now`` on its own ladder.

    The invoices share the account's contact budget through
    :func:`~overdue.engine.debtors.decide_debtor` (``order`` says which invoice the budget goes
    to first: by default the oldest due).  The result has one :class:`DebtDecision` per
    invoice not paid in full at ``now`` (invoices issued later included: they wake the host
    when they are issued), its ``debt_id`` the invoice id.  Each decision's actions carry the
    invoice as ``debt_id`` and an idempotency key prefixed with the account id, and its
    ``StageEntered`` names the invoice: record them on the account as they are.

    Raises:
        PolicyError: the policy's ladder runs per account (``ladder_per = "account"``).
        NaiveDatetimeError: ``now`` has no zone.
        AccountError / EventError: see :func:`invoice_debtor`.
    """
    require_aware(now, "now")
    if policy.ladder_per != "invoice":
        raise PolicyError(
            f"policy {policy.id!r} runs one ladder per account; decide it with decide()",
            key_path="ladder_per",
            expected="'invoice' for decide_invoices",
            got=policy.ladder_per,
        )
    debtor = invoice_debtor(account)
    open_ids = _unpaid(debtor, now)
    # A paid invoice no contact was about has nothing to share: it is left out of the run.
    named = {
        name
        for d in debtor.debts
        for e in d.events
        if isinstance(e, ContactAttempted)
        for name in (e.debts or (d.id,))
    }
    debtor = attrs.evolve(
        debtor, debts=[d for d in debtor.debts if d.id in open_ids or d.id in named]
    )
    dd = decide_debtor(policy, debtor, now, order=order)
    kept = tuple(
        attrs.evolve(d, decision=_tagged(d.decision, account.id, d.debt_id))
        for d in dd.debts
        if d.debt_id in open_ids
    )
    return DebtorDecision(account.id, dd.at, dd.order, kept)


def _unpaid(debtor: Debtor, now: datetime) -> frozenset[str]:
    """The invoices not paid in full at ``now`` (and those issued after it)."""
    out = set()
    for debt in debtor.debts:
        states = fold(debt, now).invoices
        if not states or not all(s.settled for s in states):
            out.add(debt.id)
    return frozenset(out)


def _tagged(d: Decision, account_id: str, invoice_id: str) -> Decision:
    """``d`` with its actions and rung entries naming the invoice, for the account's history."""

    def entry(event: Event) -> Event:
        if isinstance(event, StageEntered):
            return attrs.evolve(event, debt_id=invoice_id)
        return event

    keys: dict[str, str] = {}

    def keyed(a: Action) -> Action:
        key = keys[a.idempotency_key] = f"{account_id}/{a.idempotency_key}"
        return attrs.evolve(a, account_id=account_id, idempotency_key=key, debt_id=invoice_id)

    def waiting(code: str) -> str:
        kind, _, key = code.partition(":")
        return f"outcome:{keys[key]}" if kind == "outcome" and key in keys else code

    transition = d.transition
    if transition is not None:
        transition = attrs.evolve(
            transition, event=attrs.evolve(transition.event, debt_id=invoice_id)
        )
    return attrs.evolve(
        d,
        account_id=account_id,
        actions=tuple(keyed(a) for a in d.actions),
        transition=transition,
        record=tuple(entry(e) for e in d.record),
        waiting_for=tuple(waiting(c) for c in d.waiting_for),
    )
