"""in_rbi_recovery_2022 on the seed's reference ladder: one scenario per rule, named after it."""

from __future__ import annotations

import warnings
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import Policy
from overdue.events import AuthorisationGranted
from overdue.presets import PresetWarning, with_presets

KOL = ZoneInfo("Asia/Kolkata")
DUE = date(2026, 2, 15)


def _in(kit: Any, **kw: Any) -> Policy:
    return kit.stack(kit.ladder(currency="INR", **kw), "in_rbi_recovery_2022")


def _courtesy_call(kit: Any, *events: Any, zone: str | None = "Asia/Kolkata") -> Any:
    return kit.account(
        zone,
        kit.entered("reminder", datetime(2026, 2, 20, 9, tzinfo=KOL)),
        kit.entered("courtesy_call", datetime(2026, 3, 1, 9, tzinfo=KOL)),
        *events,
        due=DUE,
        currency="INR",
    )


def test_in_rbi_recovery_2022_calling_hours__no_recovery_call_at_1930(kit: Any) -> None:
    d = kit.decide(_in(kit), _courtesy_call(kit), datetime(2026, 3, 3, 19, 30, tzinfo=KOL))
    reason = kit.by(d, "in_rbi_recovery_2022.calling_hours")
    assert reason.until == datetime(2026, 3, 4, 8, 0, tzinfo=KOL)
    assert reason.citation.mark == "S"
    assert "[secondary source only]" in d.explain()
    # The circular speaks of calling: a text at 19:30 is left to the house's 21:00.
    assert kit.action(d, "sms").not_before == datetime(2026, 3, 3, 19, 30, tzinfo=KOL)


def test_in_rbi_recovery_2022_calling_hours__an_unknown_zone_is_india(kit: Any) -> None:
    policy = _in(kit)
    assert policy.assumed_zone == "Asia/Kolkata"
    d = kit.decide(policy, _courtesy_call(kit, zone=None), datetime(2026, 3, 3, 7, tzinfo=KOL))
    assert kit.by(d, "in_rbi_recovery_2022.calling_hours").until == datetime(
        2026, 3, 3, 8, 0, tzinfo=KOL
    )


def test_in_rbi_recovery_2022_no_harassment__no_threatening_template(kit: Any) -> None:
    d = kit.decide(
        _in(kit, tags=("threat",)), _courtesy_call(kit), datetime(2026, 3, 3, 10, tzinfo=KOL)
    )
    assert kit.by(d, "in_rbi_recovery_2022.no_harassment").code == "forbidden_content"
    assert not d.actions


def test_in_rbi_recovery_2022_identity__an_agents_visit_carries_id_and_authorisation(
    kit: Any,
) -> None:
    policy = _in(kit, field_visit=True)
    acct = kit.account(
        "Asia/Kolkata",
        kit.entered("lawyer_letter", datetime(2026, 3, 1, 9, tzinfo=KOL)),
        kit.entered("field_visit", datetime(2026, 3, 19, 9, tzinfo=KOL)),
        AuthorisationGranted(
            at=datetime(2026, 3, 19, 9, tzinfo=KOL), authorisation="field_visit", staff=1
        ),
        due=date(2026, 1, 15),
        currency="INR",
    )
    d = kit.decide(policy, acct, datetime(2026, 3, 20, 10, tzinfo=KOL))
    visit = kit.action(d, "field_visit")
    assert "show_identification" in {o.code for o in visit.obligations}


def test_in_rbi_recovery_2022__persistent_calling_needs_the_lenders_own_number() -> None:
    from overdue.reference import reference_policy

    base = reference_policy(currency="INR")
    with pytest.warns(PresetWarning, match="persistently calling"):
        with_presets(base, "in_rbi_recovery_2022")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PresetWarning)
        from overdue.rules import Citation, FrequencyCap

        own = FrequencyCap(
            "in_rbi_recovery_2022.frequency_cap",
            max_contacts=2,
            per="1d",
            channels=("phone",),
            citation=Citation("house cap under the RBI's 'persistently calling'", mark="house"),
        )
        with_presets(attrs.evolve(base, rules=(*base.rules, own)), "in_rbi_recovery_2022")
