"""Side finding of issue 18, in the engine (left to the engine's owner): ``timeline`` never
wakes for an invoice that is already in the account's history but issued after the start.

Expected: the projection wakes when the invoice is issued and enters the first rung the day
after it falls due, as it does when the same invoice is known from the start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from overdue import REFERENCE_POLICY, Account, Money, timeline
from overdue.events import InvoiceIssued


@pytest.mark.xfail(
    strict=True,
    reason="engine bug (issue 18 side finding): with nothing invoiced yet at the start, the "
    "decision has no wake_at, so timeline stops at 'nothing has been invoiced' and never sees "
    "the InvoiceIssued event dated later; fix in the engine (wake at the next future event)",
)
def test_timeline_wakes_for_an_invoice_issued_after_the_start() -> None:
    issued = InvoiceIssued(
        at=datetime(2026, 2, 1, tzinfo=UTC),
        invoice_id="INV-2",
        amount=Money("50.00", "CNY"),
        due=date(2026, 3, 1),
    )
    account = Account("A-future", timezone="Asia/Shanghai", events=[issued])
    entries = timeline(
        REFERENCE_POLICY,
        account,
        datetime(2026, 1, 16, tzinfo=UTC),
        datetime(2026, 4, 1, tzinfo=UTC),
    )
    entered = [e for e in entries if e.kind == "stage_entered"]
    assert entered, [(e.at, e.kind, e.detail) for e in entries]
    assert entered[0].stage == "reminder"
    assert entered[0].at.date() == date(2026, 3, 2)
