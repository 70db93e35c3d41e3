"""Accounts and contact points: addresses stay out of reprs and logs."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money, fold
from overdue.errors import AccountError, OverdueError
from overdue.events import StageEntered


def test_a_contact_point_masks_its_address_in_repr() -> None:
    phone = ContactPoint("sms", "+8613812345678")
    assert "13812345678" not in repr(phone)
    assert repr(phone).startswith("ContactPoint('sms', '+861")
    mail = ContactPoint("email", "debtor@example.com")
    assert "debtor" not in repr(mail)
    assert "example.com" in repr(mail)
    acct = Account("A", contacts=(phone, mail))
    assert "13812345678" not in repr(acct)


def test_contact_for_returns_the_debtors_own_contact_point() -> None:
    third = ContactPoint("phone", "+8613900000000", is_debtor=False)
    own = ContactPoint("phone", "+8613812345678")
    acct = Account("A", contacts=(third, own))
    assert acct.contact_for("phone") is own
    assert acct.contact_for("email") is None


def test_accounts_refuse_unknown_zones_and_non_events() -> None:
    with pytest.raises(OverdueError) as info:
        Account("A", timezone="Mars/Olympus")
    assert info.value.account_id == "A"
    with pytest.raises(AccountError) as info2:
        Account("A", events=("payment",))  # type: ignore[arg-type]
    assert info2.value.event_index == 0


def test_invoices_need_positive_money_and_a_date() -> None:
    with pytest.raises(AccountError):
        Invoice("I", Money("0.00", "CNY"), date(2026, 1, 1))
    with pytest.raises(AccountError):
        Invoice("I", Money("1.00", "CNY"), datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")))  # type: ignore[arg-type]


def test_with_events_appends_and_snapshot_folds() -> None:
    acct = Account("A", invoices=(Invoice("I", Money("1.00", "CNY"), date(2026, 1, 1)),))
    e = StageEntered(at=datetime(2026, 1, 2, tzinfo=ZoneInfo("UTC")), stage="reminder")
    assert fold(acct.with_events(e)).stage == "reminder"
    assert acct.events == ()


def test_events_mask_the_contact_address_in_their_repr() -> None:
    from datetime import UTC, datetime

    from overdue.events import ContactAttempted, DebtorContacted

    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    attempt = ContactAttempted(
        at=at, channel="sms", outcome="delivered", contact_point="+86 138 0013 8000"
    )
    inbound = DebtorContacted(at=at, channel="email", contact_point="debtor@example.com")
    assert "+86 138 0013 8000" not in repr(attempt)
    assert "+86 1** **** **00" in repr(attempt)
    assert "debtor@example.com" not in repr(inbound)
    assert "d***@example.com" in repr(inbound)
    assert attempt.contact_point == "+86 138 0013 8000"  # the value itself is kept for the host
