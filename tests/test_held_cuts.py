"""Per-rung and per-duration values worked out once for the held decide, held to the general
forms they replace (issue 10): ``has_pending`` on a rung's step limits against a walk of its
steps by ``Step.key``, and a duration's calendar days against its amount and unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from overdue.durations import UNITS, Duration
from overdue.engine.plan import has_pending
from overdue.policy import Stage, Step
from overdue.snapshot import StepProgress

_AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
_KEYS = ("a", "b", "c", "d")


def _pending_by_walk(stage: Stage, progress: dict[str, StepProgress]) -> bool:
    """The general form: every step, its key read from the step."""
    if not progress:
        return bool(stage.steps)
    return any(
        (p := progress.get(step.key)) is None or p.count < step.max_attempts
        for step in stage.steps
    )


@st.composite
def _steps(draw: st.DrawFn) -> tuple[Step, ...]:
    keys = draw(st.lists(st.sampled_from(_KEYS), unique=True, max_size=len(_KEYS)))
    steps = []
    for k in keys:
        most = draw(st.integers(1, 3))
        named = draw(st.booleans())  # keyed by ``id``, or by the template
        steps.append(
            Step(
                "email",
                template=f"t_{k}" if named else k,
                id=k if named else None,
                max_attempts=most,
                repeat_every="1d" if most > 1 else None,
            )
        )
    return tuple(steps)


@given(
    _steps(),
    st.dictionaries(st.sampled_from((*_KEYS, "other")), st.integers(1, 4), max_size=5),
)
def test_has_pending_matches_a_walk_of_the_steps(
    steps: tuple[Step, ...], counts: dict[str, int]
) -> None:
    stage = Stage("r", steps=steps, deadline="10d")
    progress = {k: StepProgress(n, _AT) for k, n in counts.items()}
    assert has_pending(stage, progress) is _pending_by_walk(stage, progress)


@given(st.integers(0, 10_000), st.sampled_from(UNITS))
def test_duration_days_match_the_unit(amount: int, unit: str) -> None:
    d = Duration(amount, unit)
    expected = {"d": amount, "w": 7 * amount}.get(unit)
    assert d._days == (None if expected is None else timedelta(expected))
    if expected is not None:
        assert d.after(_AT, UTC) == _AT + timedelta(days=expected)


def test_situations_and_candidates_built_by_the_engine_match_init() -> None:
    """The engine fills a ``Situation`` and a ``Candidate`` (``overdue._frozen.filler``)
    through their slots: only right while neither class checks or converts a field, and with
    every field named once (a candidate's fixed fields as one tuple)."""
    import attrs

    from overdue.account import Account, ContactPoint
    from overdue.calendars import MON_FRI
    from overdue.engine.decider import _make_situation
    from overdue.engine.plan import CANDIDATE_FIXED, _make_candidate
    from overdue.situation import Candidate, Situation
    from overdue.snapshot import fold

    for cls in (Situation, Candidate):
        fields = attrs.fields(cls)
        assert all(f.validator is None and f.converter is None for f in fields)
        assert not hasattr(cls, "__attrs_post_init__")
    named = [*CANDIDATE_FIXED, "attempt", "contact", "situation", "planned"]
    assert sorted(named) == sorted(f.name for f in attrs.fields(Candidate))
    account = Account("a1", timezone="Europe/Paris")
    snap = fold(account, _AT)
    sit_values = (account, snap, _AT, UTC, "account", MON_FRI, _AT.date(), 3, None, (), "d1")
    sit = _make_situation(sit_values)
    assert sit == Situation(*sit_values)
    point = ContactPoint("email", "a@example.org")
    cand_values = ("r", "s", "email", "t", 2, point, sit, (), True, ("x",), ("y",), False)
    fixed = ("r", "s", "email", "t", True, ("x",), ("y",), False)  # CANDIDATE_FIXED's order
    made = _make_candidate((fixed, 2, point, sit, ()))
    assert type(made) is Candidate
    assert made == Candidate(*cand_values)
    assert [getattr(made, f.name) for f in attrs.fields(Candidate)] == list(cand_values)
