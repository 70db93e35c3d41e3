"""The test file a QA engineer writes for the reference policy.

Two halves: a state machine that fuzzes the policy against every invariant (contact hours,
caps, holds, cease, opt-outs, ladder order, authorisations, attempts, pauses), and a few
readable tests named after the policy's clauses.  ``OVERDUE_FUZZ=long pytest`` fuzzes harder.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide
from overdue.events import DisputeOpened, DisputeResolved
from overdue.testing import PolicyMachine, assert_timeline, check_all, project
from overdue.testing.machine import fuzz_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 11, 10, 0, tzinfo=SHANGHAI)


class ReferencePolicyMachine(PolicyMachine):
    policy = REFERENCE_POLICY


TestReferencePolicyFuzz = ReferencePolicyMachine.TestCase
TestReferencePolicyFuzz.settings = fuzz_settings()


def debtor(*events: object) -> Account:
    return Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[
            ContactPoint("sms", "+8613812345678"),
            ContactPoint("phone", "+8613812345678"),
            ContactPoint("email", "li@example.com"),
            ContactPoint("letter", "1 Example Road"),
        ],
        invoices=[Invoice("INV-1", Money("1200.50", "CNY"), date(2026, 1, 10))],
        events=events,
    )


def test_the_ladder_climbs_in_order_from_sms_reminder_to_lawyers_letter() -> None:
    assert_timeline(
        REFERENCE_POLICY,
        debtor(),
        START,
        START + timedelta(days=60),
        expected=[
            ("day 1", "in_app", "reminder.in_app"),
            ("day 1", "sms", "reminder.sms"),
            ("day 8", "enters", "courtesy_call"),
            ("day 8", "phone", "call.polite"),
            ("day 30", "letter", "letter.lawyer"),
        ],
    )


def test_no_contact_while_a_dispute_is_open() -> None:
    opened = START + timedelta(days=3)
    account = debtor(DisputeOpened(at=opened, reason="amount contested"))
    happened, _ = project(REFERENCE_POLICY, account, opened, opened + timedelta(days=40))
    assert [h for h in happened if h.kind == "contact"] == []


def test_contact_resumes_after_the_dispute_is_resolved_and_the_clock_was_paused() -> None:
    opened, resolved = START + timedelta(days=3), START + timedelta(days=33)
    account = debtor(
        DisputeOpened(at=opened, reason="amount contested"),
        DisputeResolved(at=resolved, resolution="rejected"),
    )
    d = decide(REFERENCE_POLICY, account, resolved + timedelta(hours=1))
    assert d.stage in (None, "reminder")  # the month in dispute did not push it up the ladder
    assert d.actions


def test_the_projected_schedule_breaks_no_invariant() -> None:
    account = debtor()
    happened, decisions = project(REFERENCE_POLICY, account, START, START + timedelta(days=120))
    assert happened
    assert check_all(REFERENCE_POLICY, account, decisions) == []
