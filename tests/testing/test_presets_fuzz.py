"""Fuzz the reference policy and every shipped preset stack with the :class:`PolicyMachine`.

One machine per stack that means something on its own: the reference policy alone, each
preset that can stand alone on it, the overlays on their base (a state on Regulation F, a
banking guideline or the industry convention on the national standard), CONC 7 with the
frequency cap it leaves to the firm, CCD2 from the date it applies, and the field-visit ladder
under the presets that govern visits.  Variants drop the reference's house caps (stricter than
most presets', they would mask the presets' own caps), give a US debtor a second zone (their
address), and add a step that phones the debtor's relatives, so the third-party rules meet
real contacts.  Every ladder declares what its templates say, so content rules let it through.

The machine here also lets the debtor get in touch, consent to what a waivable rule prevents,
and set the facts the presets wait on (an attorney, forbearance offered), and authorises visits
for so many agents; the relatives answer, refuse or do not pick up.

CI runs the ``ci`` profile with 6 examples per stack (``OVERDUE_FUZZ_EXAMPLES`` changes it);
``OVERDUE_FUZZ=long`` runs every stack at the ``long`` profile.  What it found is pinned in
``tests/testing/test_regressions_presets.py``.
"""

from __future__ import annotations

import os
import warnings
from datetime import datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from overdue import Account, ContactPoint, Policy, Step
from overdue.decision import Action
from overdue.events import (
    AuthorisationGranted,
    ConsentWaiver,
    ContactAttempted,
    DebtorContacted,
    FactSet,
    Outcome,
)
from overdue.presets import PresetWarning, with_presets
from overdue.presets.ca import NOTICE_TEMPLATE as ONTARIO_NOTICE
from overdue.presets.us import LOCATION_INQUIRY
from overdue.reference import reference_policy
from overdue.rules import Citation, FrequencyCap
from overdue.testing import PolicyMachine
from overdue.testing.machine import default_account, fuzz_settings

LONG = os.environ.get("OVERDUE_FUZZ") == "long"
_CI_EXAMPLES = int(os.environ.get("OVERDUE_FUZZ_EXAMPLES", "6"))


# What every template of the fuzzed ladders says, as a host declares it, so content rules
# (the mini-Miranda, an opt-out line, the institution's name) let the ladder through and the
# fuzzing reaches the rules about when and how often.
DECLARED = ("debt_collector_notice", "opt_out_notice", "identity", "institution_name")


def _declared(policy: Policy, *, validation_notice: bool, ontario_notice: bool = False) -> Policy:
    """Every step declares :data:`DECLARED`; a US ladder also sends the validation notice, an
    Ontario ladder its written notice first."""
    stages = []
    for stage in policy.stages:
        steps = tuple(attrs.evolve(s, tags=(*s.tags, *DECLARED)) for s in stage.steps)
        if validation_notice and stage.id == "reminder":
            steps += (Step("letter", template="validation.notice", tags=DECLARED),)
        if ontario_notice and stage.id == "reminder":
            steps = (Step("letter", template=ONTARIO_NOTICE, tags=DECLARED), *steps)
        stages.append(attrs.evolve(stage, steps=steps))
    return attrs.evolve(policy, stages=tuple(stages))


HOUSE_CAPS = ("one-call-a-day", "three-contacts-a-week")


def _stack(
    *presets: str, field_visit: bool = False, currency: str = "CNY", house_caps: bool = True
) -> Policy:
    base = reference_policy(field_visit=field_visit, currency=currency)
    if not house_caps:  # the house caps are stricter than most presets' and would mask them
        base = attrs.evolve(base, rules=tuple(r for r in base.rules if r.id not in HOUSE_CAPS))
    base = _declared(
        base,
        validation_notice=any(p.startswith("us_") for p in presets),
        ontario_notice="ca_on_cdssa" in presets,
    )
    for name, slot in (
        ("uk_conc7", "uk_conc7.frequency_cap"),  # CONC 7 leaves the number to the firm
        ("in_rbi_recovery_2022", "in_rbi_recovery_2022.frequency_cap"),  # "persistently"
    ):
        if name in presets:  # state the house cap the instrument leaves open
            house = FrequencyCap(
                slot,
                max_contacts=2,
                per="7d",
                channels=("phone",),
                citation=Citation(f"house cap under {name}", mark="house"),
            )
            base = attrs.evolve(base, rules=(*base.rules, house))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        return with_presets(base, *presets)


def _locating(policy: Policy) -> Policy:
    """``policy`` whose courtesy-call rung also phones a third party (to locate the debtor)."""
    # Regulation F lets its location template through the mini-Miranda rule (a location call
    # must not say a debt exists); the Chinese rules want the institution named.
    locate = Step(
        "phone",
        template=LOCATION_INQUIRY,
        party="third_party",
        repeat_every="1d",
        max_attempts=4,
        tags=("institution_name", "identity"),
    )
    stages = tuple(
        attrs.evolve(s, steps=(*s.steps, locate)) if s.id == "courtesy_call" else s
        for s in policy.stages
    )
    return attrs.evolve(policy, stages=stages)


def _with_relative(policy: Policy, start: datetime, zone: str) -> Account:
    """The default debtor, plus two relatives' phones (third parties) on file."""
    account = default_account(policy, start, timezone=zone)
    relatives = (
        ContactPoint("phone", "+8613900000009", label="sister", is_debtor=False),
        ContactPoint("phone", "+8613900000010", label="employer", is_debtor=False),
    )
    return attrs.evolve(account, contacts=(*account.contacts, *relatives))


def _lives_elsewhere(policy: Policy, start: datetime, zone: str) -> Account:
    """A debtor whose phone says one zone and whose address another (a time rule must fit both);
    sometimes only the address's zone is known."""
    account = default_account(policy, start, timezone=zone)
    other = "Pacific/Honolulu" if zone != "Pacific/Honolulu" else "America/New_York"
    if start.minute == 0 and start.hour % 3 == 0:  # a third of the runs: only the address
        return attrs.evolve(account, timezone=None, address_timezone=other)
    return attrs.evolve(account, address_timezone=other)


class _RelativeMachine(PolicyMachine):
    """Third parties answer, refuse, or do not pick up; the debtor's answers are drawn as usual."""

    third_party_response: str = "no_answer"

    @rule(how=st.sampled_from(("refused", "no_answer", "conversation")))
    def third_party_responds(self, how: str) -> None:
        self._note(f"third parties now answer {how}")
        self.third_party_response = how

    def _outcome(self, action: Action) -> Outcome:
        if action.party == "third_party":
            return Outcome(self.third_party_response)
        return super()._outcome(action)


def _settings() -> settings:
    if LONG:
        long = fuzz_settings("long")
        examples = os.environ.get("OVERDUE_FUZZ_EXAMPLES")
        return settings(long, max_examples=int(examples)) if examples else long
    return settings(fuzz_settings("ci"), max_examples=_CI_EXAMPLES)


# Facts the kit's machine already drives (disputes, holds, plans, bankruptcy, moratoria).
_DRIVEN = frozenset({"dispute_open", "manual_hold", "payment_plan", "bankruptcy", "moratorium"})


def _preset_facts(policy: Policy) -> list[str]:
    """The facts the policy's rules hold for or wait on, beyond those the kit drives."""
    found = {getattr(r, "fact", None) for r in policy.rules}
    for r in policy.rules:
        for attr in ("milestone", "notice"):
            prefix, _, name = str(getattr(r, attr, "")).partition(":")
            if prefix == "fact" and name:
                found.add(name)
    return sorted(f for f in found if isinstance(f, str) and f not in _DRIVEN)


class _StackMachine(PolicyMachine):
    """The kit's machine, plus what the presets' rules listen to: the debtor getting in touch
    (inbound contacts caps do not count), consent waivers, and visits authorised for so many
    agents."""

    presets: ClassVar[tuple[str, ...]] = ()

    @rule(channel=st.sampled_from(("phone", "sms", "email")), as_call=st.booleans())
    def debtor_gets_in_touch(self, channel: str, as_call: bool) -> None:
        """The debtor calls or writes in (a recorded inbound contact, or just the fact)."""
        if as_call:
            self._event(
                ContactAttempted(
                    at=self.now, channel=channel, outcome="conversation", initiated_by="debtor"
                )
            )
        else:
            self._event(DebtorContacted(at=self.now, channel=channel))

    @precondition(lambda self: bool(_preset_facts(self.the_policy)))
    @rule(data=st.data(), days=st.none() | st.integers(1, 30))
    def preset_fact(self, data: st.DataObject, days: int | None) -> None:
        """A fact a preset's rule waits on or holds for becomes true: an attorney represents
        the debtor, forbearance was offered..."""
        name = data.draw(st.sampled_from(_preset_facts(self.the_policy)), label="fact")
        until = None if days is None else self.now + timedelta(days=days)
        self._event(FactSet(at=self.now, name=name, until=until))

    @precondition(lambda self: any(getattr(r, "waivable", False) for r in self.the_policy.rules))
    @rule(data=st.data(), hours=st.none() | st.integers(1, 72))
    def consent(self, data: st.DataObject, hours: int | None) -> None:
        """The debtor consents to what a waivable rule prevents (for a while, or until told)."""
        waivable = sorted(r.id for r in self.the_policy.rules if getattr(r, "waivable", False))
        rule_id = data.draw(st.sampled_from(waivable), label="rule")
        until = None if hours is None else self.now + timedelta(hours=hours)
        self._event(ConsentWaiver(at=self.now, rule_id=rule_id, until=until))

    @rule(staff=st.none() | st.integers(1, 3))
    def grant_visit(self, staff: int | None) -> None:
        """A field visit is authorised, with so many agents (or without saying)."""
        self._event(
            AuthorisationGranted(
                at=self.now, authorisation="field_visit", reference="VISIT-1", staff=staff
            )
        )


def _machine(
    name: str,
    *presets: str,
    field_visit: bool = False,
    currency: str = "CNY",
    zones: tuple[str, ...] | None = None,
    start: datetime | None = None,
    house_caps: bool = True,
    two_zones: bool = False,
) -> type[_StackMachine]:
    policy = _stack(*presets, field_visit=field_visit, currency=currency, house_caps=house_caps)
    args = "".join(f"{p!r}, " for p in presets)
    attrs_: dict[str, object] = {
        "policy": policy,
        "presets": presets,
        "policy_source": f"_stack({args}field_visit={field_visit!r}, currency={currency!r}, "
        f"house_caps={house_caps!r})",
    }
    if zones is not None:
        attrs_["zones"] = zones
    if start is not None:
        attrs_["start"] = start
    if two_zones:
        attrs_["account_factory"] = staticmethod(_lives_elsewhere)
    return type(name, (_StackMachine,), attrs_)


US_ZONES = ("America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu")
# Article 35 applies from 20 November 2026: runs start around then, so most see it in force.
CCD2_APPLIES = datetime(2026, 11, 1, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
UK_ZONES = ("Europe/London", "Europe/Dublin", "Asia/Kolkata")
EU_ZONES = ("Europe/Berlin", "Europe/Paris", "Europe/Lisbon", "Asia/Kolkata")
AU_ZONES = ("Australia/Sydney", "Australia/Perth", "Australia/Adelaide")
ON_ZONES = ("America/Toronto",)

STACKS: dict[str, type[_StackMachine]] = {
    "reference": _machine("ReferenceMachine"),
    "us_reg_f": _machine("RegFMachine", "us_reg_f", currency="USD", zones=US_ZONES),
    "us_reg_f+us_state_ma": _machine(
        "RegFMassachusettsMachine", "us_reg_f", "us_state_ma", currency="USD", zones=US_ZONES
    ),
    "cn_gbt_2025": _machine("GbtMachine", "cn_gbt_2025"),
    "cn_gbt_2025+cn_cba_2026": _machine("GbtCbaMachine", "cn_gbt_2025", "cn_cba_2026"),
    "cn_nifa_2018+cn_gbt_2025": _machine("NifaGbtMachine", "cn_nifa_2018", "cn_gbt_2025"),
    "uk_conc7": _machine("Conc7Machine", "uk_conc7", currency="GBP", zones=UK_ZONES),
    "eu_ccd2_art35": _machine(
        "Ccd2Machine", "eu_ccd2_art35", currency="EUR", zones=EU_ZONES, start=CCD2_APPLIES
    ),
    "field_visit+cn_gbt_2025": _machine("FieldVisitGbtMachine", "cn_gbt_2025", field_visit=True),
    "field_visit+cn_gbt_2025+cn_cba_2026": _machine(
        "FieldVisitGbtCbaMachine", "cn_gbt_2025", "cn_cba_2026", field_visit=True
    ),
    # Without the house caps (stricter than most presets'), so the presets' own caps bind.
    "us_reg_f/no_house_caps": _machine(
        "RegFOwnCapsMachine", "us_reg_f", currency="USD", zones=US_ZONES, house_caps=False
    ),
    "us_reg_f+us_state_ma/no_house_caps": _machine(
        "RegFMassachusettsOwnCapsMachine",
        "us_reg_f",
        "us_state_ma",
        currency="USD",
        zones=US_ZONES,
        house_caps=False,
    ),
    "cn_gbt_2025+cn_cba_2026/no_house_caps": _machine(
        "GbtCbaOwnCapsMachine", "cn_gbt_2025", "cn_cba_2026", house_caps=False
    ),
    "uk_conc7/no_house_caps": _machine(
        "Conc7OwnCapsMachine", "uk_conc7", currency="GBP", zones=UK_ZONES, house_caps=False
    ),
    # Issue 14: the three jurisdictions added then, alone and without the house caps.
    "au_accc_asic_2021": _machine(
        "AcccAsicMachine", "au_accc_asic_2021", currency="AUD", zones=AU_ZONES
    ),
    "au_accc_asic_2021/no_house_caps": _machine(
        "AcccAsicOwnCapsMachine",
        "au_accc_asic_2021",
        currency="AUD",
        zones=AU_ZONES,
        house_caps=False,
    ),
    "in_rbi_recovery_2022": _machine(
        "RbiMachine", "in_rbi_recovery_2022", currency="INR", zones=("Asia/Kolkata",)
    ),
    "field_visit+in_rbi_recovery_2022": _machine(
        "FieldVisitRbiMachine",
        "in_rbi_recovery_2022",
        currency="INR",
        zones=("Asia/Kolkata",),
        field_visit=True,
    ),
    "ca_on_cdssa": _machine("OntarioMachine", "ca_on_cdssa", currency="CAD", zones=ON_ZONES),
    "ca_on_cdssa/no_house_caps": _machine(
        "OntarioOwnCapsMachine", "ca_on_cdssa", currency="CAD", zones=ON_ZONES, house_caps=False
    ),
    # A debtor with a second zone (their address), so all-locations hour rules must fit both.
    "us_reg_f/two_zones": _machine(
        "RegFTwoZonesMachine", "us_reg_f", currency="USD", zones=US_ZONES, two_zones=True
    ),
}

for _name in (
    "us_reg_f",
    "cn_gbt_2025",
    "cn_nifa_2018+cn_gbt_2025",
    "cn_gbt_2025+cn_cba_2026",
    "uk_conc7",
    "ca_on_cdssa",
):
    # The stack with a step that phones relatives, so third-party rules meet real contacts
    # (Ontario's preset has none: the engine must then contact no relative at all).
    _m = STACKS[_name]
    assert _m.policy is not None
    STACKS[f"{_name}+relative"] = type(
        f"{_m.__name__}WithRelative",
        (_RelativeMachine, _m),
        {
            "policy": _locating(_m.policy),
            "policy_source": f"_locating({_m.policy_source})",
            "account_factory": staticmethod(_with_relative),
        },
    )


def _case(machine: type[_StackMachine]) -> type:
    case = machine.TestCase
    case.settings = _settings()
    return case


TestReference = _case(STACKS["reference"])
TestRegF = _case(STACKS["us_reg_f"])
TestRegFMassachusetts = _case(STACKS["us_reg_f+us_state_ma"])
TestGbt = _case(STACKS["cn_gbt_2025"])
TestGbtCba = _case(STACKS["cn_gbt_2025+cn_cba_2026"])
TestNifaGbt = _case(STACKS["cn_nifa_2018+cn_gbt_2025"])
TestConc7 = _case(STACKS["uk_conc7"])
TestCcd2 = _case(STACKS["eu_ccd2_art35"])
TestFieldVisitGbt = _case(STACKS["field_visit+cn_gbt_2025"])
TestFieldVisitGbtCba = _case(STACKS["field_visit+cn_gbt_2025+cn_cba_2026"])
TestRegFWithRelative = _case(STACKS["us_reg_f+relative"])
TestGbtWithRelative = _case(STACKS["cn_gbt_2025+relative"])
TestNifaGbtWithRelative = _case(STACKS["cn_nifa_2018+cn_gbt_2025+relative"])
TestConc7WithRelative = _case(STACKS["uk_conc7+relative"])
TestRegFOwnCaps = _case(STACKS["us_reg_f/no_house_caps"])
TestRegFMassachusettsOwnCaps = _case(STACKS["us_reg_f+us_state_ma/no_house_caps"])
TestGbtCbaOwnCaps = _case(STACKS["cn_gbt_2025+cn_cba_2026/no_house_caps"])
TestConc7OwnCaps = _case(STACKS["uk_conc7/no_house_caps"])
TestRegFTwoZones = _case(STACKS["us_reg_f/two_zones"])
TestAcccAsic = _case(STACKS["au_accc_asic_2021"])
TestAcccAsicOwnCaps = _case(STACKS["au_accc_asic_2021/no_house_caps"])
TestRbi = _case(STACKS["in_rbi_recovery_2022"])
TestFieldVisitRbi = _case(STACKS["field_visit+in_rbi_recovery_2022"])
TestOntario = _case(STACKS["ca_on_cdssa"])
TestOntarioOwnCaps = _case(STACKS["ca_on_cdssa/no_house_caps"])
TestOntarioWithRelative = _case(STACKS["ca_on_cdssa+relative"])
TestGbtCbaWithRelative = _case(STACKS["cn_gbt_2025+cn_cba_2026+relative"])
