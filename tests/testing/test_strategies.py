"""The strategies draw only what the library accepts, and from_type works through the hook."""

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from overdue import Account, ContactPoint, Duration, Invoice, Money, Policy, fold
from overdue.testing import strategies as ods
from overdue.testing._hypothesis_hook import _hypothesis_setup_hook


@given(ods.money("EUR"))
def test_money_is_exact_and_positive(m: Money) -> None:
    assert m.currency == "EUR"
    assert m.is_positive
    assert m.amount.as_tuple().exponent == -2  # type: ignore[comparison-overlap]


@given(ods.aware_datetimes())
def test_datetimes_are_aware(dt: datetime) -> None:
    assert dt.tzinfo is not None
    assert dt.utcoffset() is not None


@given(ods.durations())
def test_durations_round_trip_through_text(d: Duration) -> None:
    assert Duration.parse(str(d)) == d


@settings(max_examples=60, deadline=None)
@given(ods.accounts())
def test_histories_fold_without_error_and_are_consistent(account: Account) -> None:
    snap = fold(account)  # an inconsistent history would raise EventError
    times = [e.at for e in account.events]
    assert times == sorted(times)
    assert account.events[0].kind == "invoice_issued"
    assert snap.event_count == len(account.events)


@settings(max_examples=60, deadline=None)
@given(ods.policies())
def test_policies_are_valid_and_use_declared_channels(policy: Policy) -> None:
    assert policy.enabled_stages
    for stage in policy.stages:
        for step in stage.steps:
            assert step.channel in policy.declared_channels


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_accounts_fit_a_given_policy(data: st.DataObject) -> None:
    policy = data.draw(ods.policies())
    account = data.draw(ods.accounts(policy=policy))
    stages = {s.id for s in policy.stages}
    assert all(e.stage in stages for e in account.events if e.kind == "stage_entered")  # type: ignore[attr-defined]


_hypothesis_setup_hook()  # idempotent; hypothesis runs it at import through the entry point


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_from_type_works_through_the_entry_point_hook(data: st.DataObject) -> None:
    for cls in (Money, Duration, ContactPoint, Invoice, Account, Policy):
        assert isinstance(data.draw(st.from_type(cls)), cls)
