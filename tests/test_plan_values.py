"""Values the planner builds without their ``__init__`` equal the ``__init__``-built ones.

``overdue.engine.plan._planned`` fills a ``ContactAttempted``'s slots directly (issue 10): if
the event class gains, loses or reorders a field, or changes a default, this says so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import attrs

from overdue import Account, ContactPoint, Invoice, Money, fold
from overdue.calendars import MON_FRI
from overdue.engine.plan import _CONTACT_SLOTS, _planned
from overdue.events import ContactAttempted, Outcome
from overdue.policy import Step
from overdue.situation import Candidate, Situation


def test_a_planned_contact_equals_the_event_built_by_its_init() -> None:
    assert len(_CONTACT_SLOTS) == len(attrs.fields(ContactAttempted))
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    acct = Account(
        "ACC-P",
        timezone="UTC",
        invoices=(Invoice("INV-1", Money("10", "EUR"), date(2026, 1, 1)),),
        contacts=(ContactPoint("sms", "+100"), ContactPoint("sms", "+200", is_debtor=False)),
    )
    s = Situation(acct, fold(acct, at), at, UTC, "account", MON_FRI, at.date(), 0, None)
    step = Step("sms", template="reminder.sms")
    for contact in (*acct.contacts, None):
        cand = Candidate("reminder", step.key, "sms", step.template, 1, contact, s)
        got = _planned((at, cand, None, False))  # type: ignore[arg-type]  # no channel plan
        want = ContactAttempted(
            at=at,
            channel="sms",
            outcome=Outcome.UNKNOWN,
            stage="reminder",
            step=step.key,
            template=step.template,
            contact_point=contact.address if contact else None,
            party=cand.party,
        )
        assert got == want
        assert attrs.asdict(got) == attrs.asdict(want)
