"""Verdicts and blocked steps made without their ``__init__`` equal the ``__init__``-built ones.

``RuleBase.block``/``defer`` make a :class:`Verdict`, and the planner a :class:`BlockedStep`
(its reasons rendered when first read), by ``overdue._frozen.filler`` (issue 10): if either
class gains, loses or reorders a field, changes a default or gains a validator, this says so.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import overdue.engine.plan as plan_module
from overdue import decide
from overdue.decision import BlockedStep, Reason, _blocked_said
from overdue.engine.drafts import ActionDraft, make_draft
from overdue.engine.plan import _blocked
from overdue.engine.reasons import localised, verdict_reason
from overdue.rules import HoldWhile
from overdue.rules.base import Citation, Verdict
from overdue.testing.corpus import CORPUS_MOMENTS, corpus_policies, generate_accounts

EXAMPLE_POLICIES = Path(__file__).resolve().parent.parent / "examples" / "policies"

_TEXT = st.text(min_size=1, max_size=8)
_AT = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
_CITATION = st.none() | st.builds(Citation, _TEXT)


def _fields(v: object) -> tuple[object, ...]:
    return tuple(getattr(v, f.name) for f in attrs.fields(type(v)))


@given(_TEXT, _TEXT, _TEXT, _AT, _CITATION, st.booleans())
def test_a_rules_verdicts_equal_those_built_by_init(
    rule_id: str, code: str, message: str, until: datetime, cite: Citation | None, only: bool
) -> None:
    rule = HoldWhile(rule_id.replace(" ", "-") or "r", fact="dispute_open", citation=cite)
    got = rule.defer(code, message, until)
    want = Verdict("defer", rule.id, code, message, until, cite)
    assert type(got) is Verdict
    assert got == want
    assert _fields(got) == _fields(want)
    assert hash(got) == hash(want)
    assert repr(got) == repr(want)
    got = rule.block(code, message, channel_only=only)
    want = Verdict("block", rule.id, code, message, None, cite, only)
    assert type(got) is Verdict
    assert got == want
    assert _fields(got) == _fields(want)
    assert attrs.evolve(got, code="x") == attrs.evolve(want, code="x")


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["block", "defer"]), st.booleans()),
        max_size=4,
    ),
    st.sampled_from([UTC, timezone(timedelta(hours=2))]),
)
def test_a_blocked_step_equals_the_general_path(
    said: list[tuple[str, str, bool]], z: tzinfo
) -> None:
    """``_blocked`` answers what the planner's earlier general path did: every verdict made a
    reason, each reason once in the order first said, ``until`` in ``z``, built by ``__init__``."""
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    found: list[Verdict | Reason] = []
    for rule_id, effect, as_reason in said:
        until = at if effect == "defer" else None
        v = Verdict("defer" if effect == "defer" else "block", rule_id, "c", "m", until)
        found.append(verdict_reason(v) if as_reason else v)
    reasons = tuple(verdict_reason(r) if isinstance(r, Verdict) else r for r in found)
    want = BlockedStep("stage", "step", "sms/email", localised(tuple(dict.fromkeys(reasons)), z))
    # What the engine reads before the reasons are rendered says what they will say.
    said = _blocked_said(_blocked("stage", "step", "sms/email", found, z))
    assert [(r.rule_id, r.effect, r.until) for r in said] == [
        (r.rule_id, r.effect, r.until) for r in want.reasons
    ]
    assert _blocked_said(want) is want.reasons
    got = _blocked("stage", "step", "sms/email", found, z)
    assert pickle.loads(pickle.dumps(got)) == want  # rendered to be pickled
    got = _blocked("stage", "step", "sms/email", found, z)
    assert type(got) is BlockedStep
    assert got == want
    assert _fields(got) == _fields(want)
    assert repr(got) == repr(want)
    assert hash(got) == hash(want)


def test_over_the_corpus_drafts_and_blocked_steps_say_what_they_are_built_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every draft's own ``stage``, ``step``, ``channel`` and ``not_before`` are its head's, and
    what the engine reads of a blocked step before its reasons are rendered is what they say."""
    made: list[ActionDraft] = []

    def spy(fields: tuple[object, ...]) -> ActionDraft:
        made.append(make_draft(fields))
        return made[-1]

    monkeypatch.setattr(plan_module, "make_draft", spy)
    blocked = 0
    for policy in corpus_policies(EXAMPLE_POLICIES).values():
        for now in CORPUS_MOMENTS:
            for acct in generate_accounts(120):
                d = decide(policy, acct, now)
                for b in d.blocked:
                    said = [(r.rule_id, r.effect, r.until) for r in _blocked_said(b)]
                    assert said == [(r.rule_id, r.effect, r.until) for r in b.reasons]
                    blocked += 1
    for draft in made:
        head = draft.head
        fixed = head[0]  # the step's fields on the channel (``decision.ACTION_FIXED``)
        assert (draft.stage, draft.step, draft.channel) == (fixed[0], fixed[1], fixed[2])
        assert draft.not_before is head[3]
    assert len(made) > 100
    assert blocked > 10
