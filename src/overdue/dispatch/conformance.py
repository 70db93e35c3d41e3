"""A conformance suite a host runs against its own adapter.

It checks the contract the dispatcher relies on:

``protocol``
    a non-empty ``channel``, a callable ``send``, well-typed optional metadata;
``returns_outcome``
    ``send`` answers with ``Delivered``/``Failed``/``Unknown``, never ``None`` or a dict;
``exceptions_become_failures``
    a broken channel (the ``broken`` adapter the host passes, configured against a dead
    endpoint) and an action without a contact point give outcome values, not exceptions;
``honours_keys``
    an adapter that declares ``honours_keys = True`` delivers twice-sent keys once (counted
    by ``deliveries()`` when the host gives it, else by equal references);
``masks_secrets``
    neither ``repr``/``str`` of the adapter nor any outcome it returns shows a secret the
    host names or the full contact address.

From pytest, either collect the failures of every check at once::

    def test_my_sms_adapter():
        assert check_adapter(MySms(...), secrets=["api-token"]) == []

or parametrize one test per check::

    @pytest.mark.parametrize("check", AdapterConformance.CHECKS)
    def test_conformance(check):
        suite = AdapterConformance(MySms(...), broken=MySms(url="http://127.0.0.1:9"))
        assert suite.check(check) == []
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import attrs

from overdue.account import ContactPoint
from overdue.decision import Action, MessageFacts
from overdue.dispatch.adapters import accepts_message, honours_keys
from overdue.dispatch.messages import Message, Renderer
from overdue.dispatch.outcomes import Delivered, Failed, is_outcome
from overdue.money import Money

__all__ = ["AdapterConformance", "check_adapter"]

_AT = datetime(2026, 1, 12, 2, 0, tzinfo=UTC)


def _call(adapter: object, action: Action, key: str, message: Message) -> Any:
    send = adapter.send  # type: ignore[attr-defined]
    kwargs: dict[str, Any] = {"idempotency_key": key}
    if accepts_message(send):
        kwargs["message"] = message
    value = send(action, **kwargs)
    if asyncio.iscoroutine(value):
        value = asyncio.run(value)
    return value


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@attrs.frozen
class AdapterConformance:
    """The suite, configured for one adapter.

    Args:
        adapter: the adapter under test, set up against a test endpoint.
        address: a contact address valid on the adapter's channel (an e-mail address for a
            mailer); it must never show unmasked in reprs or outcomes.
        broken: the same adapter configured to fail (a closed port, a bad host); optional.
        secrets: strings that must never appear (API tokens, passwords).
        deliveries: counts the deliveries the test endpoint has seen; optional.
    """

    CHECKS: ClassVar[tuple[str, ...]] = (
        "protocol",
        "returns_outcome",
        "exceptions_become_failures",
        "honours_keys",
        "masks_secrets",
    )

    adapter: object
    address: str = "+8613800001234"
    broken: object | None = None
    secrets: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    deliveries: Callable[[], int] | None = attrs.field(default=None, eq=False)

    # -- helpers ----------------------------------------------------------------------------

    @property
    def channel(self) -> str:
        """The adapter's channel (``'?'`` if it has none)."""
        channel = getattr(self.adapter, "channel", None)
        return channel if isinstance(channel, str) and channel else "?"

    def sample_action(self, *, contact: bool = True) -> tuple[Action, Message]:
        """A reminder action on the adapter's channel with a fresh key, and its message."""
        key = f"conformance:{uuid.uuid4().hex}"
        cp = ContactPoint(self.channel, self.address) if contact else None
        action = Action(
            account_id="CONFORMANCE-1",
            stage="reminder",
            step="reminder.sms",
            channel=self.channel,
            template="reminder.sms",
            attempt=1,
            max_attempts=1,
            not_before=_AT,
            idempotency_key=key,
            facts=MessageFacts(
                amount=Money("12.50", "CNY"),
                days_overdue=3,
                deadline=datetime.combine(date(2026, 1, 20), datetime.min.time(), UTC),
            ),
            contact=cp,
        )
        return action, Renderer(locale="en").render(action)

    def _send(self, adapter: object, *, contact: bool = True) -> tuple[object, Action]:
        action, message = self.sample_action(contact=contact)
        return _call(adapter, action, action.idempotency_key, message), action

    def _leaks(self, text: str) -> list[str]:
        found = [f"a secret ({s[:2]}...)" for s in self.secrets if s and s in text]
        if self.address in text:
            found.append("the unmasked contact address")
        return found

    # -- the checks -------------------------------------------------------------------------

    def check(self, name: str) -> list[str]:
        """Run one check by name; returns its failures (empty when it passes)."""
        if name not in self.CHECKS:
            return [f"unknown check {name!r}; expected one of {', '.join(self.CHECKS)}"]
        method: Callable[[], list[str]] = getattr(self, f"_check_{name}")
        try:
            return method()
        except Exception as exc:
            return [f"{name}: raised {type(exc).__name__}: {exc}"]

    def run(self) -> list[str]:
        """Every check; returns all failures, each prefixed with its check's name."""
        failures: list[str] = []
        for name in self.CHECKS:
            failures.extend(f if f.startswith(name) else f"{name}: {f}" for f in self.check(name))
        return failures

    def _check_protocol(self) -> list[str]:
        out = []
        if self.channel == "?":
            out.append("the adapter has no non-empty string 'channel'")
        if not callable(getattr(self.adapter, "send", None)):
            out.append("the adapter has no callable 'send'")
        hk = getattr(self.adapter, "honours_keys", False)
        if not isinstance(hk, bool):
            out.append(f"honours_keys must be a bool, got {hk!r}")
        ml = getattr(self.adapter, "max_body_len", None)
        if ml is not None and (not isinstance(ml, int) or ml <= 0):
            out.append(f"max_body_len must be a positive int or None, got {ml!r}")
        return out

    def _check_returns_outcome(self) -> list[str]:
        value, _ = self._send(self.adapter)
        if not is_outcome(value):
            return [f"send returned {type(value).__name__}, expected Delivered | Failed | Unknown"]
        return []

    def _check_exceptions_become_failures(self) -> list[str]:
        out = []
        targets: list[tuple[str, object, bool]] = [("an action without a contact point",
                                                     self.adapter, False)]
        if self.broken is not None:
            targets.append(("the broken adapter", self.broken, True))
        for label, adapter, contact in targets:
            try:
                value, _ = self._send(adapter, contact=contact)
            except Exception as exc:
                out.append(f"{label}: send raised {type(exc).__name__} instead of returning Failed")
                continue
            if not is_outcome(value):
                out.append(f"{label}: send returned {type(value).__name__}")
            elif adapter is self.broken and isinstance(value, Delivered):
                out.append(f"{label}: reported Delivered for a channel that cannot deliver")
        return out

    def _check_honours_keys(self) -> list[str]:
        if not honours_keys(self.adapter):
            return []  # no claim made; the dispatcher will not re-send in-doubt actions
        action, message = self.sample_action()
        before = self.deliveries() if self.deliveries is not None else None
        first = _call(self.adapter, action, action.idempotency_key, message)
        second = _call(self.adapter, action, action.idempotency_key, message)
        if self.deliveries is not None and before is not None:
            delivered = self.deliveries() - before
            if delivered != 1:
                return [f"the same key sent twice was delivered {delivered} time(s), expected 1"]
            return []
        if not (isinstance(first, Delivered) and isinstance(second, Delivered)):
            return ["declares honours_keys but a repeated key was not acknowledged as Delivered"]
        if first.reference is not None and first.reference != second.reference:
            return [
                "declares honours_keys but a repeated key got a new reference "
                f"({first.reference!r} then {second.reference!r})"
            ]
        return []

    def _check_masks_secrets(self) -> list[str]:
        out = [f"repr(adapter) shows {leak}" for leak in self._leaks(repr(self.adapter))]
        out += [f"str(adapter) shows {leak}" for leak in self._leaks(str(self.adapter))]
        seen: list[object] = []
        for adapter in (self.adapter, self.broken):
            if adapter is None:
                continue
            try:
                value, _ = self._send(adapter)
            except Exception as exc:
                out += [f"an exception shows {leak}" for leak in self._leaks(str(exc))]
                continue
            seen.append(value)
        for value in seen:
            text = repr(value) + (str(value.detail) if isinstance(value, Failed) else "")
            out += [f"an outcome shows {leak}" for leak in self._leaks(text)]
        return out


def check_adapter(
    adapter: object,
    *,
    address: str = "+8613800001234",
    broken: object | None = None,
    secrets: Iterable[str] = (),
    deliveries: Callable[[], int] | None = None,
) -> list[str]:
    """Run :class:`AdapterConformance` against *adapter*; returns the failures (``[]`` = pass)."""
    suite = AdapterConformance(
        adapter, address=address, broken=broken, secrets=list(secrets), deliveries=deliveries
    )
    return suite.run()
