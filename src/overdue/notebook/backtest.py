"""Backtest a challenger on a recorded log: where would it have acted differently, and so what?

"What would the challenger have done on last quarter's accounts?"  :func:`backtest` replays
each account's recorded history (the events a host appended while running the champion) and
answers three questions:

1. **The first point of difference.**  From the log's first event on, both policies are asked
   at every moment the host recorded something and at every wake time either policy asked
   for.  Up to the first moment their answers differ (a different contact due now, a different
   rung), the challenger's world *is* the recorded world, so this point is exact, not
   modelled.
2. **The change in contacts.**  From that point on, the challenger is run forward on the
   account with the debtor's own recorded acts (payments, promises, disputes, cease requests,
   ...) kept at their recorded times, its own contacts replacing the champion's.  A contact
   the log also holds (same idempotency key) goes as it went then; any other is assumed
   delivered, or unanswered for a call.  This part *is* a model: a debtor contacted
   differently might have acted differently.  It says what the challenger's ladder and rules
   would have done with the same debtor behaviour, not what the debtor would have done.
3. **Compliance-rule objections.**  Every contact the host recorded is put to both policies
   at its recorded moment, with the history as recorded: a contact a policy would not have
   made then because one of its *rules* deferred or blocked that channel counts as one
   objection per rule.  The champion's own objections should be zero (else the host did not
   follow its policy); the challenger's say how many of last quarter's contacts its rules would
   have stopped.

The log is a JSONL or Parquet file of accounts with their events
(:mod:`overdue.notebook.logs`), or any iterable of :class:`~overdue.account.Account`.  An
account that cannot be replayed is reported with its error; the others go on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from overdue.account import Account
from overdue.decision import Decision
from overdue.engine import decide
from overdue.errors import OverdueError
from overdue.events import ContactAttempted, Event, StageEntered
from overdue.notebook.columns import Column, arrow_of, frame_of
from overdue.notebook.logs import read_log
from overdue.policy import Policy

__all__ = ["AccountBacktest", "BacktestResult", "backtest"]

_NO_ANSWER = frozenset({"phone", "call", "voice", "field_visit", "visit"})
_NUDGE = timedelta(minutes=1)


@attrs.frozen
class AccountBacktest:
    """One account replayed under the challenger.

    ``diverged_at`` is the first moment the challenger would have acted differently
    (``None``: never, within the log); ``champion_did`` and ``challenger_would`` say what each
    policy answered there.  ``recorded_contacts`` counts the contacts in the log;
    ``challenger_contacts`` those the challenger would have made over the same period (shared
    until ``diverged_at``, modelled after it).  The objection maps count recorded contacts each
    rule would have deferred or blocked.
    """

    account_id: str
    diverged_at: datetime | None
    champion_did: str
    challenger_would: str
    recorded_contacts: int
    challenger_contacts: int
    champion_objections: Mapping[str, int] = attrs.field(factory=dict)
    challenger_objections: Mapping[str, int] = attrs.field(factory=dict)
    error: str | None = None


@attrs.frozen
class BacktestResult:
    """Every account's replay, and the aggregate change."""

    champion_id: str
    challenger_id: str
    accounts: tuple[AccountBacktest, ...]

    def _ok(self) -> list[AccountBacktest]:
        return [a for a in self.accounts if a.error is None]

    @property
    def failed(self) -> tuple[AccountBacktest, ...]:
        """Accounts whose log could not be replayed, with the error."""
        return tuple(a for a in self.accounts if a.error is not None)

    def objections_by_rule(self) -> dict[str, tuple[int, int]]:
        """``{rule id: (champion's objections, challenger's)}`` over the recorded contacts."""
        a: Counter[str] = Counter()
        b: Counter[str] = Counter()
        for acc in self._ok():
            a.update(acc.champion_objections)
            b.update(acc.challenger_objections)
        return {rule: (a.get(rule, 0), b.get(rule, 0)) for rule in sorted(set(a) | set(b))}

    def summary(self) -> dict[str, object]:
        """Accounts, how many diverged, and the change in contacts and objections."""
        ok = self._ok()
        recorded = sum(a.recorded_contacts for a in ok)
        challenger = sum(a.challenger_contacts for a in ok)
        by_rule = self.objections_by_rule()
        champ_obj = sum(x for x, _ in by_rule.values())
        chall_obj = sum(y for _, y in by_rule.values())
        diverged = sum(1 for a in ok if a.diverged_at is not None)
        return {
            "accounts": len(self.accounts),
            "failed": len(self.failed),
            "diverged": diverged,
            "diverged_share": round(diverged / len(ok), 4) if ok else 0.0,
            "recorded_contacts": recorded,
            "challenger_contacts": challenger,
            "contact_change": challenger - recorded,
            "champion_objections": champ_obj,
            "challenger_objections": chall_obj,
            "objection_change": chall_obj - champ_obj,
        }

    def columns(self) -> list[Column]:
        """One row per account (for :func:`overdue.notebook.frames.to_frame`)."""
        accs = self.accounts
        zone = "UTC"
        return [
            Column("account_id", "str", [a.account_id for a in accs]),
            Column("diverged_at", "datetime", [a.diverged_at for a in accs], tz=zone),
            Column("champion_did", "str", [a.champion_did for a in accs]),
            Column("challenger_would", "str", [a.challenger_would for a in accs]),
            Column("recorded_contacts", "int", [a.recorded_contacts for a in accs]),
            Column("challenger_contacts", "int", [a.challenger_contacts for a in accs]),
            Column("champion_objections", "int",
                   [sum(a.champion_objections.values()) for a in accs]),
            Column("challenger_objections", "int",
                   [sum(a.challenger_objections.values()) for a in accs]),
            Column("error", "str", [a.error for a in accs]),
        ]

    def to_frame(self) -> Any:
        """One row per account as a pandas DataFrame."""
        return frame_of(self.columns())

    def to_arrow(self) -> Any:
        """One row per account as a ``pyarrow.Table``."""
        return arrow_of(self.columns())

    def _repr_html_(self) -> str:
        from overdue.notebook.html import backtest_html

        return backtest_html(self)


def _is_creditor_contact(e: Event) -> bool:
    return isinstance(e, ContactAttempted) and e.initiated_by == "creditor"


def _act(d: Decision) -> str:
    """What a decision does, in a few words, for comparing two policies."""
    due = d.due_actions
    if due:
        return "contact now: " + ", ".join(f"{a.channel} {a.template} ({a.stage})" for a in due)
    parts = [f"{d.status} at {d.stage or '-'}"]
    if d.transition is not None:
        parts.append(f"enter {d.transition.to_stage}")
    if d.next_action is not None:
        a = d.next_action
        parts.append(f"next {a.channel} {a.template} at {a.not_before.isoformat()}")
    return "; ".join(parts)


def _signature(d: Decision) -> tuple[object, ...]:
    """What a decision *does* now: the rung it stands on or enters, and the contacts due.

    Plans (a next step later) are not compared: both policies are asked again at each other's
    wake times, so a plan that differs shows up as an act that differs, at the moment it would
    happen.
    """
    return (
        d.stage,
        d.transition.to_stage if d.transition else None,
        tuple(sorted((a.stage, a.step, a.channel) for a in d.due_actions)),
    )


def _prefix(account: Account, events: list[Event], t: datetime) -> Account:
    return attrs.evolve(account, events=tuple(e for e in events if e.at < t))


def _first_difference(
    champion: Policy, challenger: Policy, account: Account, events: list[Event], end: datetime
) -> tuple[datetime | None, str, str]:
    times = sorted({e.at for e in events})
    if not times:
        return None, "", ""
    t = times[0]  # the log's beginning: before it, nothing was recorded to compare with
    k = 0
    for _ in range(20_000):
        acct = _prefix(account, events, t)
        a = decide(champion, acct, t)
        b = decide(challenger, acct, t)
        if _signature(a) != _signature(b):
            return t, _act(a), _act(b)
        while k < len(times) and times[k] <= t:
            k += 1
        nxt = [times[k]] if k < len(times) else []
        nxt += [w for w in (a.wake_at, b.wake_at) if w is not None and w > t]
        if not nxt:
            return None, "", ""
        t = min(nxt)
        if t > end:
            return None, "", ""
    return None, "", ""


def _counterfactual(
    challenger: Policy,
    account: Account,
    events: list[Event],
    diverged: datetime,
    end: datetime,
) -> int:
    """Contacts the challenger makes from ``diverged`` to ``end``, debtor acts as recorded."""
    shared = [e for e in events if e.at < diverged]
    debtor = sorted(
        (e for e in events if e.at >= diverged and not _is_creditor_contact(e)
         and not isinstance(e, StageEntered)),
        key=lambda e: e.at,
    )
    outcomes = {
        e.idempotency_key: e.outcome.value
        for e in events
        if isinstance(e, ContactAttempted) and e.idempotency_key is not None
    }
    own: list[Event] = []
    released: list[Event] = []
    k = 0
    t = diverged
    contacts = 0
    for _ in range(20_000):
        while k < len(debtor) and debtor[k].at <= t:
            released.append(debtor[k])
            k += 1
        ordered = sorted(shared + released + own, key=lambda e: e.at)  # stable: ties keep order
        acct = attrs.evolve(account, events=tuple(ordered))
        d = decide(challenger, acct, t)
        new: list[Event] = list(d.record)
        for a in d.due_actions:
            # the same contact as one recorded (same idempotency key) went as it went then;
            # a contact the champion never made is assumed delivered, or unanswered for calls
            default = "no_answer" if a.channel in _NO_ANSWER else "delivered"
            new.append(a.outcome_event(outcomes.get(a.idempotency_key, default), t))
            contacts += 1
        if new:
            own.extend(new)
            continue
        nxt = [debtor[k].at] if k < len(debtor) else []
        if d.wake_at is not None:
            nxt.append(d.wake_at)
        if not nxt:
            break
        t = max(min(nxt), t + _NUDGE)
        if t > end:
            break
    return contacts


def _objections(policy: Policy, account: Account, events: list[Event]) -> Counter[str]:
    """Per rule id, how many recorded contacts ``policy``'s rules would have deferred/blocked."""
    found: Counter[str] = Counter()
    for c in events:
        if not isinstance(c, ContactAttempted) or not _is_creditor_contact(c):
            continue
        d = decide(policy, _prefix(account, events, c.at), c.at)
        if any(a.channel == c.channel for a in d.due_actions):
            continue
        rules: set[str] = set()
        for a in d.actions:
            if a.channel == c.channel:
                rules.update(r.rule_id for r in a.reasons if r.effect != "info")
        for b in d.blocked:
            if b.channel == c.channel:
                rules.update(r.rule_id for r in b.reasons if r.effect != "info")
        rules.discard("engine")
        found.update(rules)
    return found


def _replay(
    champion: Policy, challenger: Policy, account: Account, until: datetime | None
) -> AccountBacktest:
    events = sorted(account.events, key=lambda e: e.at)
    recorded = [e for e in events if _is_creditor_contact(e)]
    if not events:
        return AccountBacktest(account.id, None, "", "", 0, 0)
    end = until or events[-1].at
    window = [e for e in events if e.at <= end]
    diverged, did, would = _first_difference(champion, challenger, account, window, end)
    n_recorded = sum(1 for e in recorded if e.at <= end)
    if diverged is None:
        n_challenger = n_recorded
    else:
        before = sum(1 for e in recorded if e.at < diverged)
        n_challenger = before + _counterfactual(challenger, account, window, diverged, end)
    return AccountBacktest(
        account.id,
        diverged,
        did,
        would,
        n_recorded,
        n_challenger,
        dict(_objections(champion, account, window)),
        dict(_objections(challenger, account, window)),
    )


def backtest(
    champion: Policy,
    challenger: Policy,
    log: str | Path | Iterable[Account],
    *,
    until: datetime | None = None,
) -> BacktestResult:
    """Replay a recorded log under ``challenger`` and compare with ``champion`` (the recorder).

    Args:
        champion: the policy the log was recorded under.
        challenger: the policy to try.
        log: a JSONL or Parquet file of accounts with their events
            (:mod:`overdue.notebook.logs`), or any iterable of accounts.
        until: the end of the replay window (default: each account's last recorded event).
    """
    out: list[AccountBacktest] = []
    for item in read_log(log):
        if isinstance(item, tuple):
            out.append(AccountBacktest(item[0], None, "", "", 0, 0, error=item[1]))
            continue
        try:
            out.append(_replay(champion, challenger, item, until))
        except OverdueError as exc:
            out.append(AccountBacktest(item.id, None, "", "", 0, 0, error=str(exc)))
    return BacktestResult(champion.id, challenger.id, tuple(out))
