"""Shared builders for the portfolio tests: an account with every event kind and field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from overdue import Account, ContactPoint, Invoice, Money
from overdue.durations import Duration
from overdue.events import (
    AuthorisationGranted,
    AuthorisationRevoked,
    CeaseRequested,
    CeaseWithdrawn,
    ChargePosted,
    ConsentWaiver,
    ConsentWithdrawn,
    ContactAttempted,
    DebtorContacted,
    DisputeOpened,
    DisputeResolved,
    Event,
    FactCleared,
    FactSet,
    HoldReleased,
    InvoiceIssued,
    ManualHold,
    OptedIn,
    OptedOut,
    PaymentPlanAgreed,
    PaymentPlanBroken,
    PaymentReceived,
    PromiseToPay,
    ServiceRecorded,
    StageEntered,
    StageLeft,
    WrittenOff,
)

CST = timezone(timedelta(hours=8))


def every_event(start: datetime) -> tuple[Event, ...]:
    """One event of every kind, optional fields filled, an hour apart."""
    t = [start + timedelta(hours=i) for i in range(30)]
    cny = Money("1200.50", "CNY")
    return (
        InvoiceIssued(at=t[0], invoice_id="INV-2", amount=cny, due=date(2026, 1, 20)),
        StageEntered(at=t[1], stage="reminder"),
        ContactAttempted(
            at=t[2], channel="sms", outcome="delivered", stage="reminder", step="reminder.sms",
            template="reminder.sms", contact_point="+86 138", debt_id="D1",
            initiated_by="creditor", idempotency_key="k1", party="third_party",
        ),
        DebtorContacted(at=t[3], channel="sms", contact_point="+86 138", detail="called back"),
        ConsentWaiver(at=t[4], rule_id="contact-hours", duration=Duration.parse("3bd"),
                      detail="ok"),
        ConsentWaiver(at=t[4], rule_id="caps", until=t[20]),
        ConsentWithdrawn(at=t[5], rule_id="caps"),
        PromiseToPay(at=t[6], amount=Money("100.00", "CNY"), by=date(2026, 2, 1)),
        PaymentReceived(at=t[7], amount=Money("100.00", "CNY"), invoice_id="INV-2",
                        reference="P1"),
        DisputeOpened(at=t[8], dispute_id="d1", reason="wrong amount"),
        DisputeResolved(at=t[9], dispute_id="d1", resolution="rejected"),
        CeaseRequested(at=t[10], channels=frozenset({"sms", "phone"})),
        CeaseWithdrawn(at=t[11]),
        OptedOut(at=t[12], channel="email"),
        OptedIn(at=t[13], channel="email"),
        AuthorisationGranted(at=t[14], authorisation="field_visit", reference="R1",
                             expires=t[29], staff=2),
        AuthorisationRevoked(at=t[15], authorisation="field_visit"),
        PaymentPlanAgreed(at=t[16], plan_id="p1", until=date(2026, 3, 1)),
        PaymentPlanBroken(at=t[17], plan_id="p1"),
        ManualHold(at=t[18], reason="review", until=t[19], hold="bankruptcy"),
        HoldReleased(at=t[19], hold="bankruptcy"),
        FactSet(at=t[20], name="deceased", until=t[25], detail="x"),
        FactCleared(at=t[21], name="deceased"),
        ChargePosted(at=t[3], invoice_id="A-RICH:reminder#1:fee", amount=Money("5.00", "CNY"),
                     due=date(2026, 1, 5), charge="fee", stage="reminder",
                     period_end=date(2026, 1, 5)),
        ServiceRecorded(at=t[4], action="block_changes", stage="reminder", step="block",
                        idempotency_key="A-RICH:reminder#1:service:block", operation="undo",
                        result="failed"),
        StageLeft(at=t[21], stage="reminder", reason="no rung holds"),
        WrittenOff(at=t[22], reason="uncollectable"),
    )  # fmt: skip


@pytest.fixture
def rich_account() -> Account:
    start = datetime(2026, 1, 5, 9, tzinfo=CST)
    return Account(
        "A-RICH",
        timezone="Asia/Shanghai",
        address_timezone="Asia/Hong_Kong",
        contract="C-9",
        contacts=(
            ContactPoint("sms", "+86 138 0000 0001", label="mobile"),
            ContactPoint("phone", "+86 139", is_debtor=False, label="employer", timezone="UTC"),
        ),
        invoices=(
            Invoice("INV-1", Money("99.90", "CNY"), date(2026, 1, 2),
                    issued=datetime(2025, 12, 1, tzinfo=UTC)),
        ),
        events=every_event(start),
    )


@pytest.fixture(scope="session")
def dask_client():  # type: ignore[no-untyped-def]
    """Two worker processes, one thread each: the smallest real cluster."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
            memory_limit="2GiB",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client  # fmt: skip


@pytest.fixture(scope="session")
def spark():  # type: ignore[no-untyped-def]
    """A local Spark session: two cores, few shuffle partitions, no UI (fast and quiet)."""
    import os

    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", __import__("sys").executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("overdue-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
