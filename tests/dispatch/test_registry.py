"""The channel registry: explicit registration, one adapter per channel, checks against a policy."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from overdue import REFERENCE_POLICY
from overdue.dispatch import ChannelRegistry, Delivered, FunctionAdapter, RecordingAdapter
from overdue.errors import PolicyError, UnknownChannelError
from overdue.reference import reference_policy


def test_register_returns_the_adapter_and_refuses_a_second_for_the_channel() -> None:
    channels = ChannelRegistry()
    sms = channels.register(RecordingAdapter("sms"))
    assert channels.get("sms") is sms
    with pytest.raises(PolicyError, match="'sms' already has an adapter"):
        channels.register(RecordingAdapter("sms"))
    other = RecordingAdapter("sms")
    channels.register(other, replace=True)
    assert channels.get("sms") is other


def test_a_plain_function_is_an_adapter_through_the_decorator() -> None:
    channels = ChannelRegistry()

    @channels.adapter("in_app", honours_keys=True)
    def show(action: object, *, idempotency_key: str) -> Delivered:
        return Delivered(idempotency_key)

    adapter = channels.get("in_app")
    assert isinstance(adapter, FunctionAdapter)
    assert adapter.honours_keys
    assert not adapter.is_async
    assert show(None, idempotency_key="k") == Delivered("k")  # returned unchanged
    assert "show" in repr(adapter)


def test_async_functions_are_adapters_too() -> None:
    channels = ChannelRegistry()

    @channels.adapter("in_app")
    async def show(action: object, *, idempotency_key: str) -> Delivered:
        return Delivered()

    adapter = channels.get("in_app")
    assert isinstance(adapter, FunctionAdapter)
    assert adapter.is_async


def test_something_that_is_not_an_adapter_is_refused() -> None:
    channels = ChannelRegistry()
    with pytest.raises(PolicyError, match="channel"):
        channels.register(object())  # type: ignore[arg-type]

    class NoSend:
        channel = "sms"

    with pytest.raises(PolicyError, match="no callable send"):
        channels.register(NoSend())  # type: ignore[arg-type]


def test_get_suggests_the_nearest_channel() -> None:
    channels = ChannelRegistry([RecordingAdapter("email")])
    with pytest.raises(UnknownChannelError) as info:
        channels.get("emial")
    assert info.value.suggestion == "email"
    assert isinstance(info.value, LookupError)


def test_check_names_every_channel_without_an_adapter() -> None:
    channels = ChannelRegistry([RecordingAdapter("sms"), RecordingAdapter("emial")])
    with pytest.raises(UnknownChannelError) as info:
        channels.check(REFERENCE_POLICY)
    missing = info.value.channels  # type: ignore[attr-defined]
    assert missing == ("email", "in_app", "phone", "letter", "legal")
    text = str(info.value)
    for channel in missing:
        assert repr(channel) in text
    assert "did you mean 'emial'" in text


def test_check_skips_disabled_rungs_unless_asked() -> None:
    channels = ChannelRegistry(
        [RecordingAdapter(c) for c in ("sms", "in_app", "phone", "email", "letter", "legal")]
    )
    channels.check(REFERENCE_POLICY)
    with pytest.raises(UnknownChannelError, match="field_visit"):
        channels.check(REFERENCE_POLICY, include_disabled=True)
    with pytest.raises(UnknownChannelError, match="field_visit"):
        channels.check(reference_policy(field_visit=True))


def test_registries_share_nothing() -> None:
    first, second = ChannelRegistry(), ChannelRegistry()
    first.register(RecordingAdapter("sms"))
    assert "sms" in first
    assert "sms" not in second


PLUGIN = """
from overdue.dispatch import Delivered


class PigeonAdapter:
    channel = "pigeon"

    def send(self, action, *, idempotency_key, message):
        return Delivered("coo")


def fax(action, *, idempotency_key):
    return Delivered("beep")
"""


def _install_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pigeon_plugin.py").write_text(PLUGIN)
    dist = tmp_path / "pigeon_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pigeon-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            """
            [overdue.channels]
            pigeon = pigeon_plugin:PigeonAdapter
            fax = pigeon_plugin:fax
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))


def test_entry_points_load_only_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_plugin(tmp_path, monkeypatch)
    assert "pigeon_plugin" not in sys.modules
    assert len(ChannelRegistry()) == 0  # building a registry loads nothing
    channels = ChannelRegistry.from_entry_points()
    assert set(channels.channels) == {"pigeon", "fax"}
    assert isinstance(channels.get("fax"), FunctionAdapter)
    only = ChannelRegistry.from_entry_points(names=["pigeon"])
    assert only.channels == ("pigeon",)
    monkeypatch.delitem(sys.modules, "pigeon_plugin")
