"""``Snapshot.apply``'s paths against a fresh fold (issue 10).

``apply`` extends the builder that made a snapshot in place the first time (``_Builder.
extended``, one event folded by ``_Builder.step``), and makes a builder from the snapshot's
fields for a second ``apply`` of the same snapshot (a branch) or a snapshot made by hand; an
event earlier than ``as_of`` refolds.  Every path must give what :func:`fold` of the same
history gives, compared on every field (the ones left out of ``==`` too), with snapshots read
or left unread along the way (the extended builder must not take a value its snapshot had not
read yet).
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue import REFERENCE_POLICY, Account, fold
from overdue.errors import OverdueError
from overdue.snapshot import Snapshot
from overdue.testing import strategies as ods

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def every_field(s: Snapshot) -> dict[str, object]:
    """All the fields a host may read, made if the fold left them to first read."""
    out: dict[str, object] = {}
    for f in attrs.fields(Snapshot):
        if f.name.startswith("_") or f.name in ("books", "entries"):
            continue
        value = getattr(s, f.name)
        out[f.name] = dict(value) if hasattr(value, "keys") else value
    out["balance"] = s.balance
    out["earliest_unpaid_due"] = s.earliest_unpaid_due()
    out["contacts_since"] = s.contacts_since(T0 - timedelta(days=3650))
    out["entered"] = {e.stage: s.entered(e.stage) for e in s.stages_entered}
    return out


def folded(account: Account, k: int) -> Snapshot | None:
    try:
        return fold(attrs.evolve(account, events=account.events[:k]))
    except OverdueError:
        return None


@PROPS
@given(
    ods.accounts(policy=REFERENCE_POLICY),
    st.integers(0, 200),
    st.lists(st.sampled_from(["read", "branch", "pickle", "none"]), min_size=1, max_size=60),
)
def test_apply_along_a_chain_with_branches_equals_a_fresh_fold(
    account: Account, cut: int, moves: list[str]
) -> None:
    cut = min(cut, len(account.events))
    snap = folded(account, cut)
    if snap is None:
        return
    kept: list[tuple[Snapshot, dict[str, object]]] = []
    for k, event in enumerate(account.events[cut:], cut + 1):
        move = moves[k % len(moves)]
        if move == "branch":  # a second apply of the same snapshot: made from its fields
            try:
                snap.apply(event)
            except OverdueError:
                return
        elif move == "pickle":  # a snapshot without its fold's builder
            snap = pickle.loads(pickle.dumps(snap))
        try:
            snap = snap.apply(event)
        except OverdueError:
            assert folded(account, k) is None  # the fold refuses it too
            return
        want = folded(account, k)
        assert want is not None
        if move == "read" or move == "branch":
            seen = every_field(snap)
            assert seen == every_field(want)
            assert snap == want
            kept.append((snap, seen))
    for s, seen in kept:  # what a snapshot showed, it still shows after later applies
        assert every_field(s) == seen


@PROPS
@given(
    ods.accounts(policy=REFERENCE_POLICY), st.integers(0, 200), st.randoms(use_true_random=False)
)
def test_apply_of_events_in_any_order_equals_a_fresh_fold(
    account: Account, cut: int, rnd: object
) -> None:
    """Late events (earlier than ``as_of``) refold; the rest extend in place."""
    events = list(account.events)
    rnd.shuffle(events)  # type: ignore[attr-defined]
    cut = min(cut, len(events))
    shuffled = attrs.evolve(account, events=tuple(events))
    snap = folded(shuffled, cut)
    if snap is None:
        return
    for k, event in enumerate(events[cut:], cut + 1):
        try:
            snap = snap.apply(event)
        except OverdueError:
            return
        want = folded(shuffled, k)
        assert want is not None
        assert every_field(snap) == every_field(want)
