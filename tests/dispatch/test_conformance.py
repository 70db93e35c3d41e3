"""The conformance suite passes well-made adapters and names what is wrong with bad ones."""

from __future__ import annotations

import pytest

from overdue.decision import Action
from overdue.dispatch import (
    AdapterConformance,
    AsyncRecordingAdapter,
    Delivered,
    FailingAdapter,
    FlakyAdapter,
    RecordingAdapter,
    check_adapter,
)
from overdue.dispatch.outcomes import SendOutcome


def test_the_shipped_fakes_conform() -> None:
    recorder = RecordingAdapter("sms")
    assert check_adapter(recorder, broken=FailingAdapter("sms"),
                         deliveries=lambda: len(recorder.sent)) == []
    assert check_adapter(AsyncRecordingAdapter("in_app")) == []
    assert check_adapter(FlakyAdapter("sms", failures=0)) == []


@pytest.mark.parametrize("check", AdapterConformance.CHECKS)
def test_parametrized_use(check: str) -> None:
    suite = AdapterConformance(RecordingAdapter("email"), address="li@example.com")
    assert suite.check(check) == []


class Leaky:
    channel = "sms"
    honours_keys = True

    def __init__(self) -> None:
        self.token = "s3cret-token"
        self.n = 0

    def __repr__(self) -> str:
        return f"Leaky(token={self.token!r})"

    def send(self, action: Action, *, idempotency_key: str) -> SendOutcome:
        if action.contact is None:
            raise ValueError("no address")
        self.n += 1  # a new reference every time: the key is not honoured
        return Delivered(f"{action.contact.address}-{self.n}")


def test_a_bad_adapter_fails_each_check_it_breaks() -> None:
    failures = check_adapter(Leaky(), secrets=["s3cret-token"])
    text = "\n".join(failures)
    assert "exceptions_become_failures: an action without a contact point: send raised" in text
    assert "honours_keys: declares honours_keys but a repeated key got a new reference" in text
    assert "masks_secrets: repr(adapter) shows a secret" in text
    assert "masks_secrets: an outcome shows the unmasked contact address" in text
    assert not any(f.startswith(("protocol", "returns_outcome")) for f in failures)


def test_a_broken_adapter_must_not_claim_delivery() -> None:
    failures = check_adapter(RecordingAdapter("sms"), broken=RecordingAdapter("sms"))
    assert failures == [
        "exceptions_become_failures: the broken adapter: reported Delivered for a channel "
        "that cannot deliver"
    ]


def test_non_outcomes_and_missing_protocol_are_reported() -> None:
    class Sloppy:
        channel = ""
        max_body_len = -1

        def send(self, action: Action, *, idempotency_key: str) -> object:
            return None

    failures = AdapterConformance(Sloppy()).run()
    assert any("no non-empty string 'channel'" in f for f in failures)
    assert any("max_body_len" in f for f in failures)
    assert any("send returned NoneType" in f for f in failures)
    assert AdapterConformance(Sloppy()).check("nope") == [
        "unknown check 'nope'; expected one of " + ", ".join(AdapterConformance.CHECKS)
    ]


def test_fakes_mask_addresses_in_repr() -> None:
    recorder = RecordingAdapter("sms")
    suite = AdapterConformance(recorder)
    action, message = suite.sample_action()
    recorder.send(action, idempotency_key="k", message=message)
    assert "13800001234" not in repr(recorder.sent)
