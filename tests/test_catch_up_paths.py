"""``next_attempt``'s reordered paths (a step's first attempt first) say what its former self
said, for either ``catch_up``, any progress and keyed or unkeyed histories (issue 10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from overdue.calendars import MON_FRI
from overdue.durations import Duration
from overdue.engine.catchup import (
    NextAttempt,
    _attempt_of,
    _last_contacts,
    _last_key,
    _replay,
    next_attempt,
)
from overdue.snapshot import StepProgress

START = datetime(2026, 3, 1, tzinfo=UTC)


def _latest_due(step, every, attempt, due, now, tz, calendar):  # type: ignore[no-untyped-def]
    """``latest_only``'s walk as ``catchup`` had it before the planner kept a step's attempts
    with a held snapshot (``attempts_due`` then ``latest``)."""
    if attempt >= step.max_attempts:  # the last attempt never goes stale
        return NextAttempt(attempt, due, ())
    skipped = []
    utc_now = now.astimezone(UTC)
    while attempt < step.max_attempts:
        following = every.after(due, tz, calendar)
        if following.astimezone(UTC) > utc_now:
            break  # the window of ``attempt`` is still open
        skipped.append((attempt, due))
        attempt, due = attempt + 1, following
    return NextAttempt(attempt, due, tuple(skipped))


def _old_next_attempt(mode, step, key, stage, since, progress, s, entries):  # type: ignore[no-untyped-def]
    """``next_attempt`` as it was before issue 10's time work: the reference it is held to."""
    tz, calendar = s.tz or UTC, s.calendar
    done = progress.count if progress is not None else 0
    every = step.repeat_every
    if progress is None:
        first_due = step.at.after(since, tz, calendar)
        if every is None:
            return NextAttempt(1, first_due, ())
    elif every is None or done >= step.max_attempts:
        return None
    contacts = s.snapshot.contacts
    if mode == "replay":
        if progress is None:
            return NextAttempt(1, first_due, ())
        recorded = _last_contacts(contacts, stage, key, progress.count)
        first = step.at.after(since, tz, calendar)
        return _replay(step, first, recorded, done, tz, calendar)
    if progress is not None:
        last = _last_key(contacts, stage, key)
        if last is not None and not last.endswith(f":{done}"):
            prefix = f"{s.account.id}:{stage}#{entries}:{key}:"
            numbered = _attempt_of(last, prefix)
            if numbered is not None and numbered > done:
                done = numbered
                if done >= step.max_attempts:
                    return None
        due = every.after(progress.last_at, tz, calendar)
    else:
        due = first_due
    return _latest_due(step, every, done + 1, due, s.now, tz, calendar)


durations = st.builds(Duration, st.integers(0, 5), st.sampled_from(("d", "w", "h", "mo", "bd")))


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(("latest_only", "replay")),
    durations,
    st.none() | durations,
    st.integers(1, 6),
    st.sampled_from((None, "Europe/London", "America/New_York")),
    st.integers(0, 60 * 24 * 60),
    st.data(),
)
def test_next_attempt_is_as_before(  # type: ignore[no-untyped-def]
    mode, at, every, max_attempts, zone_name, now_minutes, data
) -> None:
    step = SimpleNamespace(at=at, repeat_every=every, max_attempts=max_attempts)
    tz = None if zone_name is None else ZoneInfo(zone_name)
    contacts = []
    for _ in range(data.draw(st.integers(0, 5))):
        when = START + timedelta(hours=data.draw(st.integers(0, 24 * 40)))
        n = data.draw(st.integers(1, 7))
        key = data.draw(st.sampled_from((None, f"acc:s#1:sms:{n}", f"acc:s#2:sms:{n}")))
        step_key = data.draw(st.sampled_from(("sms", "email")))
        contacts.append(SimpleNamespace(step=step_key, stage="s", idempotency_key=key, at=when))
    contacts.sort(key=lambda c: c.at)
    mine = [c for c in contacts if c.step == "sms"]
    # The step's last attempt, or (a snapshot made by hand) a later moment: then none of the
    # contacts from ``last_at`` on is the step's, and ``attempts_due`` searches them all.
    late = timedelta(hours=data.draw(st.sampled_from((0, 0, 1, 24 * 50))))
    progress = (
        StepProgress(len(mine), mine[-1].at + late) if mine and data.draw(st.booleans()) else None
    )
    ordered = tuple(contacts)
    s = SimpleNamespace(
        tz=tz,
        calendar=MON_FRI,
        snapshot=SimpleNamespace(
            contacts=ordered,
            # as ``Snapshot.contacts_since``: the tail of the contacts from ``start`` on
            contacts_since=lambda start: tuple(c for c in ordered if c.at >= start),
        ),
        account=SimpleNamespace(id="acc"),
        now=START + timedelta(minutes=now_minutes),
    )
    args = (mode, step, "sms", "s", START, progress, s, 1)
    assert next_attempt(*args) == _old_next_attempt(*args)  # type: ignore[arg-type]
