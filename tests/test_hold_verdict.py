"""A hold's verdict reads as the verdict its rule's ``block``/``defer`` would make, field for field.

``HoldWhile.check`` leaves its message to be written when first read (``Verdict.message`` is a
deferred field: ``overdue._frozen._Pending``), and ``schedule._held`` makes the block of a
built-in hold of a fact with no end without asking the check (``rules.holds.held_by``).  Held
here to the verdict built by ``Verdict.__init__`` with the message written at once, through
every way a user reads a value: fields, ``==``, ``hash``, ``repr``, pickling, ``attrs.asdict``,
``attrs.evolve`` and the reason an explanation states.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given
from hypothesis import strategies as st

from overdue.engine.reasons import verdict_reason
from overdue.rules import HoldWhile
from overdue.rules.base import Citation, Verdict
from overdue.rules.holds import HALTING_FACTS, held_by
from overdue.snapshot import FactState

_ZONES = (UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/London"))


def _eager(rule: HoldWhile, state: FactState, at: datetime) -> Verdict | None:
    """What ``HoldWhile.check`` answered before its message was deferred (its text at once)."""
    if state.until is not None and at >= state.until:
        return None
    why = f" ({state.detail})" if state.detail else ""
    if state.until is not None:
        return rule.defer("hold", f"{rule.fact} since {state.since.isoformat()}{why}", state.until)
    return rule.block("hold", f"{rule.fact} since {state.since.isoformat()}{why}, no end set")


def _candidate(state: FactState) -> Any:
    """All ``HoldWhile.check`` reads of a candidate: its snapshot's facts."""
    return SimpleNamespace(
        situation=SimpleNamespace(snapshot=SimpleNamespace(facts={state.name: state}))
    )


@st.composite
def _cases(draw: st.DrawFn) -> tuple[HoldWhile, FactState, datetime]:
    fact = draw(st.sampled_from((*HALTING_FACTS, "host_fact")))
    zone = draw(st.sampled_from(_ZONES))
    since = draw(st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1))).replace(tzinfo=zone)
    until = draw(st.none() | st.timedeltas(timedelta(0), timedelta(days=400)).map(since.__add__))
    detail = draw(st.none() | st.text(max_size=12))
    at = since + draw(st.timedeltas(timedelta(days=-5), timedelta(days=500)))
    citation = draw(st.none() | st.just(Citation("Reg F", "1006.34", mark="S")))
    rule = HoldWhile(id=draw(st.sampled_from(("dispute-hold", "h"))), fact=fact, citation=citation)
    return rule, FactState(fact, since, until, detail), at


@given(_cases(), st.booleans())
def test_a_hold_verdict_reads_as_the_verdict_made_at_once(
    case: tuple[HoldWhile, FactState, datetime], message_first: bool
) -> None:
    rule, state, at = case
    got = rule.check(_candidate(state), at)
    want = _eager(rule, state, at)
    if want is None:
        assert got is None
        return
    assert got is not None
    if message_first:  # rendered by a read of the field itself, or by what reads every field
        assert got.message == want.message
    assert got == want
    assert hash(got) == hash(want)
    assert repr(got) == repr(want)
    assert attrs.astuple(got) == attrs.astuple(want)
    assert (got.effect, got.rule_id, got.code, got.message) == (
        want.effect,
        want.rule_id,
        want.code,
        want.message,
    )
    assert (got.until, got.citation, got.channel_only) == (want.until, want.citation, False)
    assert verdict_reason(got) == verdict_reason(want)


@given(_cases())
def test_a_pending_hold_verdict_pickles_copies_and_evolves_as_its_text(
    case: tuple[HoldWhile, FactState, datetime],
) -> None:
    rule, state, at = case
    want = _eager(rule, state, at)
    for read in (
        lambda v: pickle.loads(pickle.dumps(v)),
        lambda v: attrs.evolve(v),
        lambda v: Verdict(**attrs.asdict(v, recurse=False)),
    ):
        got = rule.check(_candidate(state), at)  # a fresh one each time: its message pending
        assert (read(got) if got is not None else None) == want


@given(_cases())
def test_the_block_of_a_fact_with_no_end_is_the_checks_at_any_moment(
    case: tuple[HoldWhile, FactState, datetime],
) -> None:
    rule, state, at = case
    state = attrs.evolve(state, until=None)
    assert held_by(rule, state) == rule.check(_candidate(state), at) == _eager(rule, state, at)


def test_a_hold_verdict_leaves_its_message_to_its_first_read() -> None:
    rule = HoldWhile(id="dispute-hold", fact="dispute_open")
    state = FactState("dispute_open", datetime(2026, 4, 20, 12, 21, tzinfo=UTC), None, "ABC")
    v = held_by(rule, state)
    slot = Verdict.__dict__["message"].slot  # the field's own slot, under its descriptor
    assert type(slot.__get__(v, Verdict)).__name__ == "_Pending"
    assert v.message == "dispute_open since 2026-04-20T12:21:00+00:00 (ABC), no end set"
    assert slot.__get__(v, Verdict) == v.message  # written once, kept
