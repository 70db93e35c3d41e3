"""``python examples/host_loop.py``, the README's command, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_example(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "examples/host_loop.py", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def sqlite_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("example") / "host.db"
    out = run_example("--db", str(db))
    assert db.exists()
    return out


@pytest.fixture
def postgres_database(postgres_url: str) -> Iterator[str]:
    """A fresh database on the test server, as a connection string."""
    import psycopg
    from psycopg.conninfo import make_conninfo

    name = "example_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    yield make_conninfo(postgres_url, dbname=name)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}"')  # type: ignore[arg-type]


def sends(out: str) -> list[tuple[str, str, str]]:
    """``(day, account, template)`` for every message printed."""
    found, day = [], ""
    for line in out.splitlines():
        if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d$", line):
            day = line[:10]
        m = re.match(
            r"  (A-\d00)\s+(?!webhook)\S+\s.*?\s((?:reminder|call|notice|letter)\.[\w.]+)\s",
            line,
        )
        if m and " ! " not in line:
            found.append((day, m.group(1), m.group(2)))
    return found


def test_the_host_loop_runs_thirty_days_with_late_webhooks_and_a_dispute(
    sqlite_output: str,
) -> None:
    out = sqlite_output
    sent = sends(out)
    for account in ("A-100", "A-200", "A-300", "A-400"):
        assert ("2026-01-11", account, "reminder.sms") in sent
    templates = {t for _, _, t in sent}
    assert {"reminder.sms", "call.polite", "notice.formal", "letter.lawyer"} <= templates
    # A-200 paid at 09:00 on the 17th, before that morning's SMS; the webhook came next day
    assert ("2026-01-17", "A-200", "reminder.sms") in sent
    assert "A-200  webhook payment effective 2026-01-17 09:00" in out
    assert not [s for s in sent if s[1] == "A-200" and s[0] > "2026-01-17"]
    assert re.search(r"A-200: resolved", out)
    assert re.search(r"A-300: resolved", out)
    # A-400 is held from its dispute (opened the evening of the 15th) until it is resolved
    assert not [s for s in sent if s[1] == "A-400" and "2026-01-16" <= s[0] < "2026-01-30"]
    assert ("2026-01-30", "A-400", "reminder.sms") in sent
    # nothing failed; every key went out once and is recorded once
    assert " ! " not in out
    keys = re.search(r"ledger: (\d+) keys, (\d+) sent", out)
    assert keys is not None
    assert keys.group(1) == keys.group(2) == str(len(sent))
    assert "running day 30 again: 0 sent" in out
    # addresses are masked in what the host prints
    assert "13812345678" not in out
    assert "a-100@example.com" not in out


def test_the_host_loop_runs_the_same_on_a_real_postgresql(
    sqlite_output: str, postgres_database: str
) -> None:
    assert run_example("--postgres", postgres_database) == sqlite_output
