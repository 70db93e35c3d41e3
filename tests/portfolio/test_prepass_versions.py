"""Where policy versions are honoured, the pre-pass leaves histories that entered a rung to the
engine: an account paid after dunning under an older version is decided by
``decide_versioned``, which states the version it used, and the row must say the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs

from overdue import REFERENCE_POLICY, Account, Invoice, Money
from overdue.engine.versions import PolicySet, decide_honouring_versions
from overdue.events import PaymentReceived, StageEntered
from overdue.portfolio.arrow import accounts_to_table
from overdue.portfolio.kernel import decide_table
from overdue.portfolio.prepass import dunned_for

NOW = datetime(2026, 4, 1, 10, tzinfo=UTC)
OLD = attrs.evolve(REFERENCE_POLICY, version="2025.9")


def _paid_after_dunning() -> Account:
    due = date(2026, 2, 1)
    entered = datetime(2026, 2, 2, 9, tzinfo=UTC)
    return Account(
        "PAID-1",
        timezone="Asia/Shanghai",
        invoices=[Invoice("I1", Money("100.00", "CNY"), due)],
        events=(
            StageEntered(
                at=entered,
                stage=REFERENCE_POLICY.stages[0].id,
                policy_id=OLD.id,
                policy_version=OLD.version,
            ),
            PaymentReceived(at=entered + timedelta(days=3), amount=Money("100.00", "CNY")),
        ),
    )


def _row_matches_the_engine(policy: object, versions: PolicySet | None) -> None:
    account = _paid_after_dunning()
    row = decide_table(policy, accounts_to_table([account]), NOW, versions=versions)  # type: ignore[arg-type]
    got = row.to_pylist()[0]
    want = decide_honouring_versions(policy, account, NOW, versions=versions)  # type: ignore[arg-type]
    assert got["source"] == "engine"
    assert got["status"] == want.status
    assert got["policy_version"] == want.policy_version
    assert list(got["reasons"] or []) == [r.code for r in want.reasons]


def test_a_restart_policy_leaves_dunned_histories_to_the_engine() -> None:
    policy = attrs.evolve(REFERENCE_POLICY, on_new_version="restart")
    assert not dunned_for(policy)
    _row_matches_the_engine(policy, None)


def test_given_older_versions_the_pre_pass_leaves_dunned_histories_to_the_engine() -> None:
    versions = PolicySet.of(OLD)
    assert dunned_for(REFERENCE_POLICY)
    assert not dunned_for(REFERENCE_POLICY, versions)
    pinned = attrs.evolve(REFERENCE_POLICY, on_new_version="pin")
    _row_matches_the_engine(pinned, versions)
