"""Kill Bill's ``overdue.xml`` as an `overdue` policy.

Kill Bill lists overdue *states* most severe first; an account is put in the most severe
state whose condition holds, re-checked on a polling schedule.  The importer writes one rung
per state, bottom first, every rung ``skippable`` with a ``"0d"`` deadline, so that when the
account moves on it goes to the furthest rung whose condition holds, as Kill Bill does, at
the exact moment the condition starts to hold (``overdue`` computes that moment; it does not
poll).

Kill Bill's blocking flags become service steps with their undo (``blockChanges`` ->
``block_changes`` / ``unblock_changes``, ``disableEntitlementAndChangesBlocked`` ->
``disable_entitlement`` / ``enable_entitlement``, a subscription cancellation ->
``cancel_subscriptions_<policy>``, irreversible); the policy steps down when a state's condition
no longer holds (``step_down = "when_conditions_fail"``), to the lower state whose condition
holds or off the ladder, which is Kill Bill's clear state.  See ``docs/billing.md``.

What `overdue` cannot say yet is approximated or dropped, and each case is listed in the
result's ``approximations``: a condition on payment-failure codes cannot be written, so a state
that needs one is kept but switched off.

Conditions translate one for one (issue 18): ``DAYS``/``WEEKS`` thresholds become
``days_overdue_at_least``, ``MONTHS``/``YEARS`` become ``overdue_for = "<n>mo"`` (calendar
months, clamped to the month's end as Kill Bill's date arithmetic does), tag inclusion and
exclusion become ``has_fact`` and ``not has_fact`` (the host records Kill Bill's tags as
``fact_set``/``fact_cleared`` events), the unpaid-invoice count becomes
``unpaid_invoices_at_least``, and a balance threshold (which has no currency in Kill Bill) is
written in each currency the caller names.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from overdue.errors import ConfigError
from overdue.importers._policy import policy_of
from overdue.importers._xml import child_text, parse_xml
from overdue.importers.report import Approximation, ImportResult

__all__ = ["SERVICE_UNDO", "import_killbill"]

SERVICE_UNDO = {
    "block_changes": "unblock_changes",
    "disable_entitlement": "enable_entitlement",
}
"""The undo the importer declares for each Kill Bill blocking flag's service action.

Kill Bill lifts a state's blocking when the account leaves the state; a subscription it
cancelled stays cancelled, so the cancellation is written ``irreversible``."""

_SCHEMA = "overdue.policy/1"
_DAYS_PER_UNIT = {"DAYS": 1, "WEEKS": 7}
_MONTHS_PER_UNIT = {"MONTHS": 1, "YEARS": 12}
_KNOWN_STATE_KEYS = frozenset(
    {
        "condition",
        "externalMessage",
        "blockChanges",
        "disableEntitlementAndChangesBlocked",
        "subscriptionCancellationPolicy",
        "autoReevaluationInterval",
        "isClearState",
        "enterStateEmailNotification",
    }
)


class _Importer:
    def __init__(self, currencies: tuple[str, ...], policy_id: str) -> None:
        self.currencies = currencies
        self.currency = currencies[0]
        self.policy_id = policy_id
        self.notes: list[Approximation] = []

    def note(self, path: str, construct: str, what: str, why: str) -> None:
        self.notes.append(Approximation(path, construct, what, why))

    # ------------------------------------------------------------------ values

    def _bool(self, state: ET.Element, tag: str, path: str) -> bool:
        text = child_text(state, tag)
        if text is None:
            return False
        if text.lower() not in ("true", "false"):
            raise ConfigError(
                f"{path}/{tag}: not a boolean",
                key_path=f"{path}/{tag}",
                expected="true | false",
                got=text,
            )
        return text.lower() == "true"

    def _age(self, elem: ET.Element, path: str) -> dict[str, Any] | None:
        """A ``<unit>``/``<number>`` age as a condition (None for UNLIMITED)."""
        unit = (child_text(elem, "unit") or "").upper()
        number = child_text(elem, "number")
        if unit == "UNLIMITED":
            return None
        if unit not in _DAYS_PER_UNIT and unit not in _MONTHS_PER_UNIT:
            raise ConfigError(
                f"{path}/unit: unknown duration unit",
                key_path=f"{path}/unit",
                expected="DAYS | WEEKS | MONTHS | YEARS | UNLIMITED",
                got=unit or None,
            )
        try:
            n = int(number or "")
        except ValueError:
            raise ConfigError(
                f"{path}/number: not a whole number",
                key_path=f"{path}/number",
                expected="a whole number such as 30",
                got=number,
            ) from None
        if n < 0 or n > 36525:
            raise ConfigError(
                f"{path}/number: out of range",
                key_path=f"{path}/number",
                expected="0..36525",
                got=n,
            )
        if unit in _MONTHS_PER_UNIT:
            return {"overdue_for": f"{n * _MONTHS_PER_UNIT[unit]}mo"}
        return {"days_overdue_at_least": n * _DAYS_PER_UNIT[unit]}

    def _money(self, text: str, path: str) -> dict[str, Any]:
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ConfigError(
                f"{path}: not an amount",
                key_path=path,
                expected="a decimal amount such as 5.00",
                got=text,
            ) from None
        if not amount.is_finite() or amount < 0:
            raise ConfigError(
                f"{path}: not an amount", key_path=path, expected="an amount >= 0", got=text
            )
        shown = ", ".join(f"{amount} {c}" for c in self.currencies)
        self.note(
            path,
            "totalUnpaidInvoiceBalanceEqualsOrExceeds (no currency)",
            f"written as {shown}" + (" (one per currency)" if len(self.currencies) > 1 else ""),
            "Kill Bill compares the number with the balance in each account's own currency; "
            "overdue writes a threshold per currency (name every currency your accounts use: "
            "accounts in another never reach it, and overdue check --accounts says so); and an "
            "invoice is overdue from the day after its due date, so a balance-only state is "
            "entered one day after Kill Bill enters it on the failed payment",
        )
        if len(self.currencies) == 1:
            return {"balance_at_least": f"{amount} {self.currency}"}
        return {"balance_at_least_per_currency": [f"{amount} {c}" for c in self.currencies]}

    # ------------------------------------------------------------------ states

    def condition(self, state: ET.Element, path: str) -> tuple[list[Any], bool]:
        """(conditions, expressible) for one state's ``<condition>``."""
        cond = state.find("condition")
        cpath = f"{path}/condition"
        if cond is None or len(cond) == 0:
            self.note(
                path,
                "state without a condition",
                "rung kept but switched off (enabled = false)",
                "Kill Bill treats a sub-condition that is not configured as true, so an empty "
                "condition would match every account at once; write an explicit condition",
            )
            return [], False
        parts: list[Any] = []
        tags = 0
        ok = True
        for c in cond:
            tag = c.tag
            here = f"{cpath}/{tag}"
            text = (c.text or "").strip()
            if tag == "timeSinceEarliestUnpaidInvoiceEqualsOrExceeds":
                age = self._age(c, here)
                if age is None:
                    self.note(
                        here, "UNLIMITED", "rung switched off", "an unlimited wait never ends"
                    )
                    ok = False
                else:
                    parts.append(age)
            elif tag == "totalUnpaidInvoiceBalanceEqualsOrExceeds":
                parts.append(self._money(text, here))
            elif tag in ("controlTagInclusion", "controlTagExclusion"):
                if not text:
                    raise ConfigError(
                        f"{here}: a tag condition without a tag name",
                        key_path=here,
                        expected=f"<{tag}>AUTO_PAY_OFF</{tag}>",
                        got=None,
                    )
                fact = {"has_fact": text}
                parts.append(fact if tag == "controlTagInclusion" else {"not": fact})
                tags += 1
            elif tag == "numberOfUnpaidInvoicesEqualsOrExceeds":
                parts.append({"unpaid_invoices_at_least": self._count(text, here)})
                self.note(
                    here,
                    f"numberOfUnpaidInvoicesEqualsOrExceeds {text}",
                    "written as unpaid_invoices_at_least, counting overdue invoices",
                    "an invoice counts from the day after its due date, so with the invoice date "
                    "given as the due date the count is met one day after Kill Bill's",
                )
            elif tag == "responseForLastFailedPaymentIn":
                shown = text or ", ".join((r.text or "").strip() for r in c)
                self.note(
                    here,
                    f"{tag} {shown}".strip(),
                    "condition dropped and the rung switched off (enabled = false); to keep the "
                    "state, record the failed payment's response as a fact (fact_set) and add "
                    "{ has_fact = ... } to the rung's enters_when, then switch it on",
                    "overdue's facts hold no payment-failure codes of their own, and dropping the "
                    "condition alone would let accounts reach the state that Kill Bill keeps out",
                )
                ok = False
            else:
                raise ConfigError(
                    f"{here}: unknown Kill Bill overdue condition",
                    key_path=here,
                    expected="timeSinceEarliestUnpaidInvoiceEqualsOrExceeds | "
                    "totalUnpaidInvoiceBalanceEqualsOrExceeds | "
                    "numberOfUnpaidInvoicesEqualsOrExceeds | responseForLastFailedPaymentIn | "
                    "controlTagInclusion | controlTagExclusion",
                    got=tag,
                )
        if len(parts) == tags and ok:
            self.note(
                cpath,
                "condition on tags only",
                "rung switched off (enabled = false)",
                "Kill Bill requires a tag condition to come with another condition",
            )
            ok = False
        return parts, ok

    @staticmethod
    def _count(text: str, path: str) -> int:
        try:
            n = int(text)
        except ValueError:
            n = -1
        if n < 1 or n > 1_000_000:
            raise ConfigError(
                f"{path}: not a number of invoices",
                key_path=path,
                expected="a whole number >= 1",
                got=text,
            )
        return n

    @staticmethod
    def _has_actions(state: ET.Element) -> bool:
        flags = ("blockChanges", "disableEntitlementAndChangesBlocked")
        cancel = (child_text(state, "subscriptionCancellationPolicy") or "NONE").upper()
        return cancel != "NONE" or any(
            (child_text(state, f) or "").lower() == "true" for f in flags
        )

    def state(self, state: ET.Element, path: str) -> dict[str, Any] | None:
        name = (state.get("name") or "").strip()
        if not name:
            raise ConfigError(
                f"{path}: state without a name",
                key_path=path,
                expected='<state name="WARNING">',
                got=None,
            )
        path = f"{path}[@name={name!r}]"
        for child in state:
            if child.tag not in _KNOWN_STATE_KEYS:
                raise ConfigError(
                    f"{path}/{child.tag}: unknown element in a Kill Bill overdue state",
                    key_path=f"{path}/{child.tag}",
                    expected=" | ".join(sorted(_KNOWN_STATE_KEYS)),
                    got=child.tag,
                )
        if self._bool(state, "isClearState", path):
            return None  # overdue's own "current" / "resolved" is the clear state
        parts, ok = self.condition(state, path)
        steps: list[dict[str, Any]] = []
        message = child_text(state, "externalMessage")
        if message:
            steps.append({"channel": "in_app", "template": f"{name}.external_message"})
        elif not self._has_actions(state):
            # A rung needs a step; Kill Bill posts an overdue-change event on every transition.
            steps.append({"channel": "in_app", "template": f"{name}.overdue_change"})
            self.note(
                path,
                "state with no message and no action",
                f"written as an in_app step {name + '.overdue_change'!r}",
                "an overdue rung needs a step; Kill Bill only posts an overdue-change event to "
                "its listeners here, which the host's in_app adapter can stand for",
            )
        actions = []
        if self._bool(state, "blockChanges", path):
            actions.append(("blockChanges", "block_changes"))
        if self._bool(state, "disableEntitlementAndChangesBlocked", path):
            actions.append(("disableEntitlementAndChangesBlocked", "disable_entitlement"))
        cancel = (child_text(state, "subscriptionCancellationPolicy") or "NONE").upper()
        if cancel not in ("NONE", "IMMEDIATE", "END_OF_TERM"):
            raise ConfigError(
                f"{path}/subscriptionCancellationPolicy: unknown policy",
                key_path=f"{path}/subscriptionCancellationPolicy",
                expected="NONE | IMMEDIATE | END_OF_TERM",
                got=cancel,
            )
        if cancel != "NONE":
            actions.append(
                ("subscriptionCancellationPolicy", f"cancel_subscriptions_{cancel.lower()}")
            )
        service: list[dict[str, Any]] = []
        for _construct, action in actions:
            undo = SERVICE_UNDO.get(action)
            service.append(
                {"action": action, "undo": undo}
                if undo
                else {"action": action, "irreversible": True}
            )
        if state.find("autoReevaluationInterval") is not None:
            self.note(
                f"{path}/autoReevaluationInterval",
                "autoReevaluationInterval",
                "dropped",
                "overdue computes the moment the next state's condition holds (wake_at) instead "
                "of polling, so it cannot pass over a state the way a late re-check does",
            )
        stage: dict[str, Any] = {"id": name, "skippable": True, "steps": steps}
        if service:
            stage["service"] = service
        if message:
            stage["description"] = message
        if len(parts) == 1:
            stage["enters_when"] = parts[0]
        elif parts:
            stage["enters_when"] = {"all": parts}
        if not ok:
            stage["enabled"] = False
        return stage

    def run(self, root: ET.Element) -> dict[str, Any]:
        if root.tag != "overdueConfig":
            raise ConfigError(
                "not a Kill Bill overdue configuration",
                key_path=f"/{root.tag}",
                expected="root element <overdueConfig>",
                got=root.tag,
            )
        states_elem = root.find("accountOverdueStates")
        base = "/overdueConfig/accountOverdueStates"
        if states_elem is None:
            raise ConfigError(
                "no <accountOverdueStates> element",
                key_path="/overdueConfig",
                expected="<accountOverdueStates> with <state> elements",
            )
        if states_elem.find("initialReevaluationInterval") is not None:
            self.note(
                f"{base}/initialReevaluationInterval",
                "initialReevaluationInterval",
                "dropped",
                "overdue wakes exactly when the first state's condition holds, not on a fixed "
                "re-check interval",
            )
        stages = []
        for i, state in enumerate(states_elem.findall("state")):
            stage = self.state(state, f"{base}/state[{i + 1}]")
            if stage is not None:
                stages.append(stage)
        if not stages:
            raise ConfigError(
                "the configuration has no overdue state besides the clear state; there is no "
                "ladder to import",
                key_path=base,
                expected="at least one <state> that is not <isClearState>true</isClearState>",
            )
        stages.reverse()  # Kill Bill lists the most severe state first; a ladder starts low
        enabled = [s for s in stages if s.get("enabled", True)]
        if not enabled:
            raise ConfigError(
                "no state of the configuration can be written as an overdue rung",
                key_path=base,
                expected="at least one state with a time or balance condition",
                got=[s["id"] for s in stages],
            )
        for s in enabled[:-1]:
            s["deadline"] = "0d"  # finished at once: the next rung's condition decides when
        self.note(
            base,
            "timeSinceEarliestUnpaidInvoice counts from the invoice date",
            "written as days overdue, counted from each invoice's due date",
            "give overdue the Kill Bill invoice date as the invoice's due date to get the same "
            "dates",
        )
        return {
            "schema": _SCHEMA,
            "id": self.policy_id,
            "description": "Imported from a Kill Bill overdue.xml",
            "currency": self.currency,
            "step_down": "when_conditions_fail",
            "stages": stages,
        }


def import_killbill(
    xml_text: str,
    *,
    currency: str | Sequence[str] = "USD",
    policy_id: str = "killbill-overdue",
) -> ImportResult:
    """Translate a Kill Bill ``overdue.xml`` into a policy plus the list of what it approximates.

    ``currency`` names the currencies of the balance thresholds (Kill Bill's have none, and
    compare the number with each account's own currency): one currency, several as a sequence
    or as ``"EUR,USD"`` (one threshold per currency).  Bad input
    (malformed XML, a DOCTYPE, an unknown element or unit) raises a located
    :class:`~overdue.errors.ConfigError`.
    """
    root = parse_xml(xml_text, source="Kill Bill overdue.xml")
    imp = _Importer(_currencies(currency), policy_id)
    doc = imp.run(root)
    policy = policy_of(doc)
    return ImportResult(policy, imp.notes, source="Kill Bill overdue.xml")


def _currencies(currency: str | Sequence[str]) -> tuple[str, ...]:
    names = currency.split(",") if isinstance(currency, str) else list(currency)
    out = tuple(dict.fromkeys(n.strip().upper() for n in names if n.strip()))
    if not out:
        raise ConfigError(
            "no currency for the balance thresholds",
            key_path="currency",
            expected="'USD' or 'EUR,USD'",
            got=currency,
        )
    return out
