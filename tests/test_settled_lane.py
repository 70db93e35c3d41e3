"""``decide``'s lane for an account the snapshot closes (written off, nothing invoiced, paid in
full) held to the general phase 2 (``_Work`` and ``_settled``) it stands in for, on the golden
corpus's accounts and on generated policies and histories (issue 10).

The lane builds the decision without a ``_Work``; everything a reader can see of it (the
dict, the explanation, the repr, the reasons and ``waiting_for`` rendered late, the wake time,
equality and pickling) must be what the general path gives.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import Account, decide, fold
from overdue.config.decisions import decision_to_dict
from overdue.decision import Decision
from overdue.engine import decider
from overdue.events import (
    ContactAttempted,
    DisputeOpened,
    Event,
    InvoiceIssued,
    PaymentReceived,
    WrittenOff,
)
from overdue.money import Money
from overdue.policy import Policy
from overdue.snapshot import Snapshot
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts
from overdue.testing.strategies import accounts, policies, time_zones

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_POLICIES = ROOT / "examples" / "policies"
SOME = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _in_full(
    policy: Policy,
    account: Account,
    now: datetime,
    snap: Snapshot,
    ahead: datetime | None,
    balance: Money | None,
) -> Decision:
    """Phase 2 the general way: a ``_Work``, then ``_settled``."""
    assert balance == snap.balance
    w = decider._Work(policy, account, now, snap, balance, ahead)
    made = decider._settled(w)
    assert made is not None  # the lane is taken only for accounts phase 2 settles
    return made


def _general(policy: Policy, account: Account, now: datetime, snap: Snapshot | None) -> Decision:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(decider, "_closed", _in_full)
        return decide(policy, account, now, snapshot=snap)


def _same(policy: Policy, account: Account, now: datetime) -> None:
    for snap in (None, fold(account, now)):
        fast = decide(policy, account, now, snapshot=snap)
        slow = _general(policy, account, now, snap)
        # Read in a different order on each side: rendering is lazy, and must not depend on it.
        assert fast.waiting_for == slow.waiting_for
        assert fast.reasons == slow.reasons
        assert fast == slow
        assert repr(fast) == repr(slow)
        assert decision_to_dict(fast) == decision_to_dict(slow)
        assert fast.explain() == slow.explain()
        unread = decide(policy, account, now, snapshot=snap)  # pickled before any read
        assert pickle.loads(pickle.dumps(unread)) == slow


def test_the_lane_answers_as_the_general_path_on_the_golden_accounts() -> None:
    pols = corpus_policies(EXAMPLE_POLICIES)
    chosen = [pols[n] for n in ("reference", "reference+field_visit", "reference+us")]
    for policy in chosen:
        for now in CORPUS_MOMENTS:
            for account in generate_accounts(60):
                _same(policy, account, now)


def _closing(draw: st.DrawFn, account: Account, now: datetime) -> Account:
    """``account`` paid in full, written off, or left as it is, at a moment around ``now``."""
    owed = fold(account, now).balance
    last = max((e.at for e in account.events), default=now)
    at = last + timedelta(hours=draw(st.integers(0, 72)))
    how = draw(st.sampled_from(("pay", "write_off", "as_is", "pay_and_dispute")))
    extra: tuple[Event, ...] = ()
    if how in ("pay", "pay_and_dispute") and owed is not None and owed.amount > 0:
        extra = (PaymentReceived(at=at, amount=owed),)
        if how == "pay_and_dispute":
            extra += (DisputeOpened(at=at + timedelta(minutes=5)),)
    elif how == "write_off":
        extra = (WrittenOff(at=at),)
    later = tuple(  # facts dated ahead of the decision (its wake time), sometimes
        InvoiceIssued(
            at=now + timedelta(days=d), invoice_id=f"LATER-{d}", amount=owed, due=now.date()
        )
        for d in draw(st.lists(st.integers(1, 40), max_size=2, unique=True))
        if owed is not None and owed.amount > 0
    )
    return Account(
        account.id,
        timezone=account.timezone,
        address_timezone=draw(st.none() | time_zones()),
        contacts=account.contacts,
        events=(*account.events, *extra, *later),
        contract=account.contract,
    )


@SOME
@given(st.data())
def test_the_lane_answers_as_the_general_path_on_generated_accounts(data: st.DataObject) -> None:
    policy = data.draw(policies())
    base = data.draw(accounts(policy=policy, zones=st.none() | time_zones()))
    now = datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=data.draw(st.integers(0, 400)))
    account = _closing(data.draw, base, now)
    _same(policy, account, now)


@SOME
@given(policies(), st.none() | time_zones(), st.booleans())
def test_an_account_with_nothing_invoiced(policy: Policy, tz: str | None, contact: bool) -> None:
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)
    events: tuple[Event, ...] = ()
    if contact:
        events = (ContactAttempted(at=now - timedelta(days=3), channel="sms", outcome="delivered"),)
    _same(policy, Account("A-0", timezone=tz, events=events), now)


def test_the_generated_decision_maker_fills_what_the_flat_maker_does() -> None:
    """``decision._decision`` (generated by ``_frozen.spread``: the engine's arguments stored
    as they come, the shared base unpacked, one pending render in the deferred fields) names
    every field once and fills what the flat maker (unpickling's) fills from the same values."""
    from overdue.decision import _DECISION_FIELDS, _DECISION_LATER, _decision, _make_decision

    values = tuple(f"v{i}" for i in range(len(_DECISION_FIELDS) - len(_DECISION_LATER)))
    got = _decision(*values[:9], values[9:], "render", "args")  # type: ignore[arg-type]
    slots = [Decision.__dict__[n] for n in _DECISION_FIELDS]
    stored = [getattr(s, "slot", s).__get__(got) for s in slots]
    pending = stored[-1]
    assert pending == ("render", "args")
    assert stored[-2] is pending  # one pending render for both deferred fields
    want = _make_decision((*values, pending, pending))
    assert stored == [getattr(s, "slot", s).__get__(want) for s in slots]
    assert type(got) is Decision


def test_a_maker_whose_names_would_clash_is_refused() -> None:
    import attrs

    from overdue._frozen import spread

    @attrs.frozen(weakref_slot=False)
    class Clash:
        args: int
        b: int

    with pytest.raises(TypeError, match="the generated maker uses"):
        spread(Clash, ("args",), ("b",), tuple)
    made = spread(Clash, ("b",), ("args",), tuple)(2, "r", "a")  # a deferred field: no clash
    assert made == Clash(("r", "a"), 2)
