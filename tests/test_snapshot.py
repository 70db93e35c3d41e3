"""The fold: what a snapshot says, what it refuses, and that applying equals refolding."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, Invoice, Money, fold
from overdue.errors import EventError, NaiveDatetimeError
from overdue.events import (
    AuthorisationGranted,
    AuthorisationRevoked,
    ContactAttempted,
    DisputeOpened,
    DisputeResolved,
    FactCleared,
    FactSet,
    HoldReleased,
    InvoiceIssued,
    ManualHold,
    PaymentPlanBroken,
    PaymentReceived,
    PromiseToPay,
    StageEntered,
)

SH = ZoneInfo("Asia/Shanghai")


def at(m: int, d: int, h: int = 10) -> datetime:
    return datetime(2026, m, d, h, tzinfo=SH)


def acct(*events: object, invoices: tuple[Invoice, ...] | None = None) -> Account:
    inv = (
        invoices
        if invoices is not None
        else (
            Invoice("A", Money("100.00", "CNY"), date(2026, 1, 5)),
            Invoice("B", Money("200.00", "CNY"), date(2026, 1, 1)),
        )
    )
    return Account("S-1", invoices=inv, events=events)  # type: ignore[arg-type]


def test_events_are_folded_in_effective_order_ties_as_given() -> None:
    # Recorded out of order (a late webhook): folded where it took effect, not refused.
    a = acct(StageEntered(at=at(1, 10), stage="x"), StageEntered(at=at(1, 9), stage="y"))
    snap = fold(a)
    assert snap.stage == "x"
    assert [e.stage for e in snap.stages_entered] == ["y", "x"]
    tie = acct(StageEntered(at=at(1, 9), stage="y"), StageEntered(at=at(1, 9), stage="x"))
    assert fold(tie).stage == "x"  # same moment: the order given breaks the tie


def test_a_contradiction_in_effective_order_is_still_refused_with_its_index() -> None:
    # Resolved (effective 09:00) before it was opened (10:00): no order of recording fixes it.
    a = acct(
        DisputeOpened(at=at(1, 10), dispute_id="D"), DisputeResolved(at=at(1, 9), dispute_id="D")
    )
    with pytest.raises(EventError) as info:
        fold(a)
    assert info.value.account_id == "S-1"
    assert info.value.event_index == 1


@pytest.mark.parametrize(
    "events",
    [
        (DisputeResolved(at=at(1, 10), dispute_id="D"),),
        (DisputeOpened(at=at(1, 10), dispute_id="D"), DisputeOpened(at=at(1, 11), dispute_id="D")),
        (AuthorisationRevoked(at=at(1, 10), authorisation="legal_review"),),
        (PaymentPlanBroken(at=at(1, 10), plan_id="P"),),
        (HoldReleased(at=at(1, 10)),),
        (PaymentReceived(at=at(1, 10), amount=Money("1.00", "USD")),),
        (PaymentReceived(at=at(1, 10), amount=Money("1.00", "CNY"), invoice_id="NOPE"),),
        (
            InvoiceIssued(
                at=at(1, 10), invoice_id="A", amount=Money("1.00", "CNY"), due=date(2026, 2, 1)
            ),
        ),
    ],
)
def test_contradictory_events_are_refused_with_the_event_index(events: tuple[object, ...]) -> None:
    with pytest.raises(EventError) as info:
        fold(acct(*events))
    assert info.value.account_id == "S-1"
    assert info.value.event_index == len(events) - 1


def test_payments_are_allocated_to_the_oldest_due_invoice_first() -> None:
    s = fold(acct(PaymentReceived(at=at(1, 10), amount=Money("250.00", "CNY"))))
    paid = {i.invoice_id: i.paid for i in s.invoices}
    assert paid == {"B": Decimal("200.00"), "A": Decimal("50.00")}
    assert s.balance == Money("50.00", "CNY")
    assert s.earliest_unpaid_due() == date(2026, 1, 5)


def test_a_payment_naming_an_invoice_settles_that_one_first() -> None:
    s = fold(acct(PaymentReceived(at=at(1, 10), amount=Money("100.00", "CNY"), invoice_id="A")))
    assert {i.invoice_id: i.settled for i in s.invoices} == {"A": True, "B": False}


def test_an_overpayment_is_kept_as_credit_for_the_next_invoice() -> None:
    s = fold(
        acct(
            PaymentReceived(at=at(1, 10), amount=Money("350.00", "CNY")),
            InvoiceIssued(
                at=at(1, 11), invoice_id="C", amount=Money("80.00", "CNY"), due=date(2026, 2, 1)
            ),
        )
    )
    assert s.balance == Money("30.00", "CNY")  # 50.00 credit went to the new 80.00 invoice


def test_events_after_the_fold_moment_are_ignored() -> None:
    a = acct(StageEntered(at=at(1, 10), stage="x"), StageEntered(at=at(1, 20), stage="y"))
    assert fold(a, at(1, 15)).stage == "x"
    assert fold(a).stage == "y"


def test_a_history_out_of_order_is_cut_at_the_fold_moment_in_effective_order() -> None:
    # The first event after the moment, as recorded, is followed by one before it: the fold
    # keeps every event up to the moment, whatever the order of recording.
    a = acct(
        StageEntered(at=at(1, 10), stage="x"),
        StageEntered(at=at(1, 20), stage="z"),
        StageEntered(at=at(1, 25), stage="w"),
        StageEntered(at=at(1, 12), stage="y"),
        StageEntered(at=at(1, 30), stage="v"),
    )
    snap = fold(a, at(1, 15))
    assert snap.stage == "y"
    assert snap.event_count == 2
    assert snap.positions == (0, 3)
    in_order = fold(acct(*sorted(a.events, key=lambda e: e.at)), at(1, 15))
    assert (snap.stage_since, snap.entries) == (in_order.stage_since, in_order.entries)


def test_a_naive_fold_moment_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        fold(acct(), datetime(2026, 1, 1))


def test_the_snapshot_tracks_stage_steps_facts_promises_and_milestones() -> None:
    s = fold(
        acct(
            StageEntered(at=at(1, 10), stage="reminder"),
            ContactAttempted(
                at=at(1, 10),
                channel="sms",
                outcome="delivered",
                stage="reminder",
                step="r",
                template="r",
            ),
            ContactAttempted(
                at=at(1, 11),
                channel="sms",
                outcome="failed",
                stage="reminder",
                step="r",
                template="r",
            ),
            ManualHold(at=at(1, 12), reason="check", until=at(1, 14)),
            FactSet(at=at(1, 12), name="bankruptcy"),
            FactCleared(at=at(1, 13), name="bankruptcy"),
            AuthorisationGranted(at=at(1, 13), authorisation="legal_review"),
            PromiseToPay(at=at(1, 13), amount=Money("50.00", "CNY"), by=date(2026, 1, 20)),
            PaymentReceived(at=at(1, 14, 12), amount=Money("60.00", "CNY")),
        )
    )
    assert s.stage == "reminder"
    assert s.stage_since == at(1, 10)
    assert s.steps["r"].count == 2
    assert s.steps["r"].last_at == at(1, 11)
    assert s.fact_open("manual_hold", at(1, 13)) is not None
    assert s.fact_open("manual_hold", at(1, 15)) is None  # lapsed by its own until
    assert s.fact_open("bankruptcy", at(1, 13)) is None
    assert ("bankruptcy", at(1, 12), at(1, 13)) in s.fact_intervals
    assert s.has_authorisation("legal_review", at(1, 14))
    assert s.promise is not None
    assert s.promise.kept
    assert s.first_seen["contacted:r"] == at(1, 10)
    assert s.first_seen["stage_entered:reminder"] == at(1, 10)
    assert s.event_count == 9


def test_applying_one_more_event_equals_folding_everything_again() -> None:
    events = [
        StageEntered(at=at(1, 10), stage="reminder"),
        DisputeOpened(at=at(1, 11), dispute_id="D"),
        PaymentReceived(at=at(1, 12), amount=Money("20.00", "CNY")),
        DisputeResolved(at=at(1, 13), dispute_id="D"),
    ]
    snap = fold(acct())
    for i, e in enumerate(events):
        snap = snap.apply(e)
        assert snap == fold(acct(*events[: i + 1]))


def test_an_incremental_apply_of_a_late_event_refolds_it_into_place() -> None:
    first = StageEntered(at=at(1, 10), stage="x")
    late = StageEntered(at=at(1, 10) - timedelta(hours=1), stage="y")
    snap = fold(acct(first)).apply(late)
    assert snap == fold(acct(first, late))
    assert snap.stage == "x"
    assert snap.event_count == 2


def test_a_late_contradiction_applied_incrementally_names_its_index() -> None:
    snap = fold(acct(DisputeOpened(at=at(1, 10), dispute_id="D")))
    with pytest.raises(EventError) as info:
        snap.apply(DisputeResolved(at=at(1, 9), dispute_id="D"))
    assert info.value.event_index == 1


def _chain() -> list[object]:
    return [
        StageEntered(at=at(1, 10), stage="reminder"),
        ContactAttempted(at=at(1, 11), channel="sms", outcome="delivered", stage="reminder",
                         step="r", template="r"),
        PaymentReceived(at=at(1, 12), amount=Money("120.00", "CNY")),
        DisputeOpened(at=at(1, 13), dispute_id="D"),
        InvoiceIssued(at=at(1, 14), invoice_id="C", amount=Money("50.00", "CNY"),
                      due=date(2026, 2, 1)),
        PaymentReceived(at=at(1, 15), amount=Money("30.00", "CNY"), invoice_id="C"),
    ]  # fmt: skip


def test_an_applied_snapshot_leaves_the_one_it_came_from_unchanged() -> None:
    # ``apply`` extends the fold's lists in place (shared, not copied); the snapshot it came
    # from must still show exactly its own prefix, invoices and paid amounts included.
    events = _chain()
    snaps = [fold(acct())]
    for e in events:
        snaps.append(snaps[-1].apply(e))  # type: ignore[arg-type]
    for k, s in enumerate(snaps):
        assert s == fold(acct(*events[:k]))
        assert s.history == tuple(events[:k])
        assert [i.paid for i in s.invoices] == [i.paid for i in fold(acct(*events[:k])).invoices]


def test_two_applies_on_one_snapshot_are_two_independent_branches() -> None:
    events = _chain()
    base = fold(acct(*events[:2]))
    left = base.apply(events[2])  # type: ignore[arg-type]
    right = base.apply(events[3])  # type: ignore[arg-type]  # a branch: copies, does not share
    left2 = left.apply(events[3])  # type: ignore[arg-type]
    assert right == fold(acct(events[0], events[1], events[3]))
    assert left2 == fold(acct(*events[:4]))
    assert base == fold(acct(*events[:2]))
    assert base.contacts_since(at(1, 1)) == tuple(events[1:2])
    assert left2.contacts_since(at(1, 11, 12)) == ()


def test_a_folded_snapshot_is_a_plain_value_to_attrs() -> None:
    # Fields a fold leaves to first read are there for ``evolve``, ``repr`` and equality.
    import attrs

    s = fold(acct(*_chain()))
    copy = attrs.evolve(s, stage="x")
    assert copy.contacts == s.contacts
    assert copy.stage == "x"
    assert attrs.evolve(copy, stage=s.stage) == s
    assert "contacts=(ContactAttempted(" in repr(s)


def test_payments_on_two_branches_and_the_trunk_each_keep_their_own_amounts() -> None:
    # The trunk's chain changes invoice rows in place (journalled); a branch copies them.
    pay = [PaymentReceived(at=at(2, d), amount=Money("70.00", "CNY")) for d in (1, 2, 3)]
    base = fold(acct())
    trunk = base.apply(pay[0]).apply(pay[1])
    branch = base.apply(pay[2])
    later = trunk.apply(pay[2])
    assert base.balance == Money("300.00", "CNY")
    assert [i.paid for i in base.invoices] == [Decimal(0), Decimal(0)]
    assert trunk == fold(acct(pay[0], pay[1]))
    assert branch == fold(acct(pay[2]))
    assert later == fold(acct(*pay))
    assert [i.paid for i in later.invoices] == [Decimal("10.00"), Decimal("200.00")]
