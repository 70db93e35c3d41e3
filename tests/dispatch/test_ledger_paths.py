"""The SQLite ledger refuses to be silently non-durable, and names the path it cannot open."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from overdue.dispatch import Failed, SqliteLedger, Unknown
from overdue.errors import DispatchError


@pytest.mark.parametrize(
    "path", [":memory:", "", "file:ledger.db?mode=memory", "file::memory:?cache=shared"]
)
def test_in_memory_and_uri_paths_are_refused(path: str) -> None:
    with pytest.raises(DispatchError) as info:
        SqliteLedger(path)
    assert "ephemeral" in str(info.value)


def test_an_ephemeral_ledger_must_be_asked_for(make_action) -> None:  # type: ignore[no-untyped-def]
    action = make_action()
    with SqliteLedger.ephemeral() as ledger:
        assert ledger.in_memory
        assert ledger.claim(action, at=action.not_before).status == "new"
        assert ledger.claim(action, at=action.not_before).status == "busy"
    with SqliteLedger(":memory:", ephemeral=True) as ledger:
        assert ledger.in_memory


def test_ephemeral_with_a_file_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DispatchError):
        SqliteLedger(tmp_path / "l.db", ephemeral=True)


def test_a_missing_directory_or_a_nul_byte_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ledger.db"
    with pytest.raises(DispatchError) as info:
        SqliteLedger(missing)
    assert str(missing) in str(info.value)
    with pytest.raises(DispatchError) as info:
        SqliteLedger(str(tmp_path / "le\x00dger.db"))
    assert "NUL" in str(info.value)
    assert "le\\x00dger.db" in str(info.value)


def test_a_directory_as_the_ledger_file_is_a_dispatch_error(tmp_path: Path) -> None:
    with pytest.raises(DispatchError) as info:
        SqliteLedger(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_ledger_rows_never_hold_a_raw_address(tmp_path: Path, make_action) -> None:  # type: ignore[no-untyped-def]
    action = make_action()
    at = datetime(2026, 1, 11, tzinfo=UTC)
    with SqliteLedger(tmp_path / "l.db") as ledger:
        ledger.claim(action, at=at)
        entry = ledger.record(
            action.idempotency_key,
            Failed("bounced", detail="no such subscriber +86.139.1234.5678 at 12 HIGH STREET"),
            at=at,
            attempts=1,
        )
        assert isinstance(entry.outcome, Failed)
        assert entry.outcome.detail is not None
        assert "1234.5678" not in entry.outcome.detail
        assert "HIGH STREET" not in entry.outcome.detail
        entry = ledger.resolve(action.idempotency_key, Unknown("mail to debtor@example.org"), at=at)
        assert "debtor@" not in str(entry)
