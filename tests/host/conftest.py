"""Fixtures for the host tests: the same store contract against SQLite and a real PostgreSQL.

PostgreSQL comes from ``OVERDUE_TEST_POSTGRES_URL`` (``.ci/run`` starts a server, sets it and
sets ``OVERDUE_REQUIRE_POSTGRES=1``); without it, the first test that needs one starts a
throw-away server with ``.ci/postgres.sh`` for the session.  When neither works the tests FAIL,
loudly: a store test that silently skipped would let the production backend go untested.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Invoice, Money
from overdue.decision import Action, MessageFacts
from overdue.host import SqliteStore
from overdue.host._sql import SqlStore

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "postgres.sh"
SHANGHAI = ZoneInfo("Asia/Shanghai")
URL_VARIABLE = "OVERDUE_TEST_POSTGRES_URL"

StoreFactory = Callable[[], SqlStore]


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server's URL: the environment's, or a throw-away server's."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        yield url
        return
    if os.environ.get("OVERDUE_REQUIRE_POSTGRES") == "1" or os.environ.get("CI") in ("1", "true"):
        pytest.fail(
            f"under CI (or OVERDUE_REQUIRE_POSTGRES=1) {URL_VARIABLE} must be set: CI starts "
            "the server (.ci/run does, with .ci/postgres.sh)",
            pytrace=False,
        )
    state = tmp_path_factory.mktemp("postgres")
    done = subprocess.run(
        ["bash", str(SCRIPT), "start", str(state)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"PostgreSQL is needed for the host tests and could not be started: set "
            f"{URL_VARIABLE} or install PostgreSQL (initdb, pg_ctl).\n{done.stderr}",
            pytrace=False,
        )
    try:
        yield done.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(state)], check=False, timeout=120)


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards."""
    import psycopg  # the postgres extra is part of [test]: missing, the test fails
    name = "t_" + uuid.uuid4().hex[:16]
    yield name
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a contract test runs against."""
    return str(request.param)


@pytest.fixture
def open_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[
    StoreFactory
]:
    """Opens connections to one fresh database of the backend (call it twice for two writers)."""
    opened: list[SqlStore] = []
    if backend == "sqlite":
        path = tmp_path / "store.db"

        def make() -> SqlStore:
            store = SqliteStore(path)
            opened.append(store)
            return store
    else:
        from overdue.host import PostgresStore

        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")

        def make() -> SqlStore:
            store = PostgresStore(url, schema=schema)
            opened.append(store)
            return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: StoreFactory) -> SqlStore:
    """One connection to a fresh database."""
    return open_store()


def debtor(id_: str = "A-1", amount: str = "1200.50", due: date = date(2026, 1, 10)) -> Account:
    """An account with an SMS and a phone number, owing *amount* CNY since *due*."""
    phone = "+8613812345678"
    return Account(
        id_,
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", phone), ContactPoint("phone", phone),
                  ContactPoint("email", f"{id_.lower()}@example.com")),
        invoices=(Invoice(f"INV-{id_}", Money(amount, "CNY"), due),),
    )


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """2026-01-<day> at hour:minute in Shanghai."""
    return datetime(2026, 1, day, hour, minute, tzinfo=SHANGHAI)


MakeAction = Callable[..., Action]


def build_action(n: int = 1, **changes: Any) -> Action:
    """A due reminder SMS for account ``A-<n>``; keyword arguments override any field."""
    fields: dict[str, Any] = {
        "account_id": f"A-{n}",
        "stage": "reminder",
        "step": "reminder.sms",
        "channel": "sms",
        "template": "reminder.sms",
        "attempt": 1,
        "max_attempts": 3,
        "not_before": at(12),
        "idempotency_key": f"A-{n}:reminder#1:reminder.sms:1",
        "facts": MessageFacts(amount=Money("1200.50", "CNY"), days_overdue=2, deadline=None),
        "contact": ContactPoint("sms", "+8613812345678"),
    }
    fields.update(changes)
    return Action(**fields)


@pytest.fixture
def make_action() -> MakeAction:
    """Builds actions by hand (see :func:`build_action`)."""
    return build_action
