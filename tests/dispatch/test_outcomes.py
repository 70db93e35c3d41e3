"""Outcome values map onto the outcomes recorded in the history."""

from __future__ import annotations

import pytest

from overdue.dispatch import Delivered, Failed, Unknown
from overdue.dispatch.outcomes import is_outcome
from overdue.events import Outcome


def test_each_value_maps_to_an_event_outcome() -> None:
    assert Delivered("ref-1").event_outcome is Outcome.DELIVERED
    assert Delivered(outcome="conversation").event_outcome is Outcome.CONVERSATION
    assert Failed("timeout", retryable=True).event_outcome is Outcome.FAILED
    assert Failed("bounced").event_outcome is Outcome.BOUNCED
    assert Failed("no_answer").event_outcome is Outcome.NO_ANSWER
    assert Unknown("lost").event_outcome is Outcome.UNKNOWN


def test_values_are_frozen_and_only_failures_retry() -> None:
    failed = Failed("timeout", retryable=True, detail="gateway slow")
    with pytest.raises(AttributeError):
        failed.code = "x"  # type: ignore[misc]
    assert failed.retryable
    assert not Delivered().retryable
    assert not Unknown().retryable
    assert is_outcome(failed)
    assert not is_outcome({"ok": True})


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Failed("")
    with pytest.raises(ValueError, match="delivered"):
        Delivered(outcome="failed")
