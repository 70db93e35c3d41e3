"""The scenario kit for preset tests: the seed's reference ladder, accounts and contacts.

Every scenario stacks a preset on ``overdue.reference.reference_policy()``.  Two variations of
the reference ladder keep a scenario about one rule readable:

- ``house_caps=False`` drops the reference's own house frequency caps (one call a day, three
  contacts a week), which are stricter than Regulation F, so a test of the 7-in-7 presumption
  sees the preset's cap and not the house one.  Tests that keep them show that stacking is
  most-restrictive-wins.
- ``tags``/``must_state`` declare on every step what its template says, as a host would, so
  content rules (the mini-Miranda, the institution's name) let the ladder through.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import attrs
import pytest

from overdue import Account, ContactPoint, Decision, Invoice, Money, Policy, decide
from overdue.decision import Action, Reason
from overdue.events import ContactAttempted, Event, StageEntered
from overdue.presets import Preset, PresetWarning, with_presets
from overdue.reference import reference_policy

HOUSE_CAPS = ("one-call-a-day", "three-contacts-a-week")


class Kit:
    """Helpers shared by the preset scenarios (a fixture, as tests import no conftest)."""

    @staticmethod
    def ladder(
        *,
        field_visit: bool = False,
        house_caps: bool = True,
        tags: Iterable[str] = (),
        must_state: Iterable[str] = (),
        currency: str = "CNY",
    ) -> Policy:
        """The reference policy, optionally without its house caps and with declared content."""
        ref = reference_policy(field_visit=field_visit, currency=currency)
        rules = ref.rules if house_caps else tuple(r for r in ref.rules if r.id not in HOUSE_CAPS)
        tags, must_state = tuple(tags), tuple(must_state)
        stages = tuple(
            attrs.evolve(
                stage,
                steps=tuple(
                    attrs.evolve(
                        step,
                        tags=(*step.tags, *tags),
                        must_state=(
                            *step.must_state,
                            *[m for m in must_state if m not in step.must_state],
                        ),
                    )
                    for step in stage.steps
                ),
            )
            for stage in ref.stages
        )
        return attrs.evolve(ref, rules=rules, stages=stages)

    @staticmethod
    def stack(policy: Policy, *presets: str | Preset) -> Policy:
        """``with_presets`` with the house-value warnings silenced (tested on their own)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PresetWarning)
            return with_presets(policy, *presets)

    @staticmethod
    def account(
        zone: str | None,
        *events: Event,
        due: date,
        amount: str = "1200.00",
        currency: str = "CNY",
        address_timezone: str | None = None,
        contacts: tuple[ContactPoint, ...] | None = None,
        extra: tuple[ContactPoint, ...] = (),
    ) -> Account:
        """A debtor with one invoice, a phone, an SMS number, an e-mail and an address."""
        points = contacts or (
            ContactPoint("phone", "+1 617 555 0100"),
            ContactPoint("sms", "+1 617 555 0100"),
            ContactPoint("email", "debtor@example.org"),
            ContactPoint("letter", "1 Main Street"),
            ContactPoint("field_visit", "1 Main Street"),
        )
        return Account(
            "A-1",
            timezone=zone,
            contacts=(*points, *extra),
            invoices=(Invoice("INV-1", Money(amount, currency), due),),
            events=tuple(sorted(events, key=lambda e: e.at)),
            address_timezone=address_timezone,
        )

    @staticmethod
    def entered(stage: str, at: datetime) -> StageEntered:
        return StageEntered(at=at, stage=stage)

    @staticmethod
    def call(at: datetime, outcome: str = "no_answer", **kw: Any) -> ContactAttempted:
        """A phone call made outside the ladder's steps (a manual call), counted by caps."""
        return ContactAttempted(at=at, channel="phone", outcome=outcome, **kw)

    @staticmethod
    def action(decision: Decision, channel: str) -> Action:
        found = [a for a in decision.actions if a.channel == channel]
        assert found, f"no {channel} action in:\n{decision.explain()}"
        return found[0]

    @staticmethod
    def reasons(decision: Decision) -> list[Reason]:
        """Every reason of the decision, its actions and its blocked steps."""
        out = list(decision.reasons)
        for a in decision.actions:
            out.extend(a.reasons)
        for b in decision.blocked:
            out.extend(b.reasons)
        return out

    @staticmethod
    def by(decision: Decision, rule_id: str) -> Reason:
        """The reason given by ``rule_id``; fails listing the explanation when there is none."""
        found = [r for r in Kit.reasons(decision) if r.rule_id == rule_id]
        assert found, f"{rule_id} gave no reason:\n{decision.explain()}"
        return found[0]

    @staticmethod
    def silent(decision: Decision, rule_id: str) -> bool:
        return all(r.rule_id != rule_id for r in Kit.reasons(decision))

    decide = staticmethod(decide)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
