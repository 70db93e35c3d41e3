"""A frequency cap's counter (the compiled policy's fast check) says what ``check`` says.

``FrequencyCap.counter`` counts the common shapes (scope debtor or contact point, no consent
exclusion, no point classes) in one pass with its filters fixed once per rule.  For any cap,
any history, any contacts planned earlier in the decision and any moment, it must give the
very verdict of :meth:`FrequencyCap.check` (issue 10).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from overdue import Account, ContactPoint, Invoice, Money, fold
from overdue.calendars import MON_FRI
from overdue.events import ContactAttempted, Outcome
from overdue.rules import FrequencyCap
from overdue.situation import Candidate, Situation

ZONES = (None, "America/New_York", "Asia/Shanghai", "Europe/London")
POINTS = ("+100", "+200", None)
START = datetime(2026, 2, 20, tzinfo=UTC)
MINUTES = 60 * 24 * 8  # dense enough that most caps are reached


def _contact(draw: st.DrawFn, tz: ZoneInfo | None) -> ContactAttempted:
    at = START + timedelta(minutes=draw(st.integers(0, MINUTES)))
    return ContactAttempted(
        at=at.astimezone(tz) if tz is not None and draw(st.booleans()) else at,
        channel=draw(st.sampled_from(("phone", "sms", "email"))),
        outcome=draw(st.sampled_from([o.value for o in Outcome])),
        contact_point=draw(st.sampled_from(POINTS)),
        initiated_by=draw(st.sampled_from(("creditor", "creditor", "debtor"))),
        party=draw(st.sampled_from(("debtor", "debtor", "representative"))),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[FrequencyCap, Candidate, datetime]:
    name = draw(st.sampled_from(ZONES))
    tz = ZoneInfo(name) if name is not None else None
    window = draw(st.sampled_from(("rolling", "rolling_days")))
    units = ("d", "w") if window == "rolling_days" else ("d", "w", "h", "min", "mo")
    per = f"{draw(st.integers(1, 3))}{draw(st.sampled_from(units))}"
    chans = draw(st.sampled_from((None, ("phone",), ("phone", "sms"))))
    rule = FrequencyCap(
        "cap",
        max_contacts=draw(st.integers(1, 3)),
        per=per,
        window=window,
        scope=draw(st.sampled_from(("debtor", "contact_point"))),
        counts=draw(
            st.sampled_from(("attempt", "connected", "conversation", "unanswered", "message"))
        ),
        exclude=draw(
            st.lists(
                st.sampled_from(("inbound", "not_connected", "to_representative")), unique=True
            )
        ),
        channels=chans,
        count_channels=draw(st.sampled_from((None, ("phone", "sms", "email"), ("sms",)))),
    )
    history = sorted(
        (_contact(draw, tz) for _ in range(draw(st.integers(0, 20)))), key=lambda c: c.at
    )
    planned = tuple(_contact(draw, tz) for _ in range(draw(st.integers(0, 3))))
    acct = Account(
        "ACC-C",
        timezone=name,
        invoices=(Invoice("INV-1", Money("10", "EUR"), date(2026, 1, 1)),),
        contacts=(ContactPoint("phone", "+100"), ContactPoint("phone", "+200")),
        events=tuple(history),
    )
    at = START + timedelta(minutes=draw(st.integers(0, MINUTES + 60 * 24 * 2)))
    if tz is not None and draw(st.booleans()):
        at = at.astimezone(tz)
    now = max(at, history[-1].at if history else at, key=lambda d: d.astimezone(UTC))
    s = Situation(acct, fold(acct, now), now, tz, "account", MON_FRI, now.date(), 0, None)
    contact = draw(st.sampled_from((acct.contacts[0], acct.contacts[1], None)))
    cand = Candidate("s", "step", "phone", "t", 1, contact, s, planned)
    return rule, cand, at


@settings(max_examples=500, deadline=None)
@given(cases())
def test_the_counter_gives_the_verdict_of_the_check(
    case: tuple[FrequencyCap, Candidate, datetime],
) -> None:
    rule, cand, at = case
    counter = rule.counter()
    assert counter != rule.check  # these shapes are all counted
    assert counter(cand, at) == rule.check(cand, at)


def test_the_shapes_not_counted_are_checked_in_full() -> None:
    for kw in (
        {"scope": "debt"},
        {"exclude": ("inbound", "consented")},
        {"point_kinds": ("mobile",)},
    ):
        rule = FrequencyCap("cap", max_contacts=1, per="1d", **kw)  # type: ignore[arg-type]
        assert rule.counter() == rule.check
