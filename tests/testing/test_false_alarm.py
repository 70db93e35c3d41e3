"""The kit raised a false alarm on the unmutated reference policy (issue 19, item 6).

``check_all(policy, account, record)`` replayed the engine's planned contacts with an unknown
outcome, while the engine had gone on as if the lawyer's letter was delivered; the
letter-before-claim rule counts only a delivered letter, so every debtor with ``legal_review``
who reached litigation was reported as sued before the letter.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from overdue import REFERENCE_POLICY, Account, ContactPoint, Invoice, Money, decide, timeline
from overdue.decision import Decision
from overdue.events import AuthorisationGranted, Outcome
from overdue.testing import check_all, history

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 1, 5, 9, tzinfo=SHANGHAI)


def _reviewed_debtor() -> Account:
    return Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=[
            ContactPoint("sms", "+8613800000000"),
            ContactPoint("phone", "+8613800000001"),
            ContactPoint("email", "debtor@example.com"),
            ContactPoint("letter", "1 Example Road"),
        ],
        invoices=[Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 1, 4))],
        events=(AuthorisationGranted(at=T0, authorisation="legal_review", reference="R-1"),),
    )


def _host_loop(account: Account, days: int) -> tuple[Account, list[Decision]]:
    decisions: list[Decision] = []
    t = T0
    for _ in range(400):
        d = decide(REFERENCE_POLICY, account, t)
        decisions.append(d)
        new = list(d.record) + [
            a.outcome_event("no_answer" if a.channel == "phone" else "delivered", t)
            for a in d.due_actions
        ]
        if new:
            account = account.with_events(*new)
            continue
        if d.wake_at is None or d.wake_at > T0 + timedelta(days=days):
            break
        t = d.wake_at
    return account, decisions


def test_a_timeline_to_litigation_is_not_reported_as_skipping_the_lawyers_letter() -> None:
    account = _reviewed_debtor()
    entries = timeline(REFERENCE_POLICY, account, T0, T0 + timedelta(days=90))
    assert "litigation" in [e.stage for e in entries if e.kind == "stage_entered"]
    assert check_all(REFERENCE_POLICY, account, entries) == []


def test_decisions_to_litigation_are_not_reported_as_skipping_the_lawyers_letter() -> None:
    account = _reviewed_debtor()
    final, decisions = _host_loop(account, 90)
    assert final.events[-1].stage == "litigation"  # type: ignore[attr-defined]
    assert check_all(REFERENCE_POLICY, account, decisions) == []


def test_the_final_account_with_its_decisions_counts_each_contact_once() -> None:
    account = _reviewed_debtor()
    final, decisions = _host_loop(account, 90)
    assert history(REFERENCE_POLICY, final, decisions) == final.events
    assert check_all(REFERENCE_POLICY, final, decisions) == []


def test_replayed_contacts_carry_the_outcome_the_projection_assumes() -> None:
    account = _reviewed_debtor()
    entries = timeline(REFERENCE_POLICY, account, T0, T0 + timedelta(days=20))
    replayed = history(REFERENCE_POLICY, account, entries)
    outcomes = {(getattr(e, "channel", None), getattr(e, "outcome", None)) for e in replayed}
    assert ("phone", Outcome.NO_ANSWER) in outcomes
    assert ("sms", Outcome.DELIVERED) in outcomes
    assert not any(o is Outcome.UNKNOWN for _, o in outcomes)
