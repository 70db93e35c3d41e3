"""FieldVisitConduct: a field visit in each of its states, and the obligations it carries.

Shanghai debtor; the letter rung is entered on Monday 2026-03-02 and has a 7-day deadline, so the
visit rung can be entered from Monday 2026-03-09 (CBA 2026 guideline Art. 22: at least two
collectors, identification shown, no entry without consent; NIFA 2018 Art. 21: recorded).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from overdue import Account, ContactPoint, Decision, Invoice, Money, Policy, Stage, Step, decide
from overdue.config import dumps_policy, loads_policy
from overdue.config.decisions import decision_to_dict
from overdue.dispatch import ChannelRegistry, Dispatcher, Renderer
from overdue.dispatch.fakes import RecordingAdapter
from overdue.errors import EventError, PolicyError
from overdue.events import AuthorisationGranted, ContactAttempted, Event, StageEntered
from overdue.rules import BUILTIN_RULES, Citation, FieldVisitConduct

SH = ZoneInfo("Asia/Shanghai")
CONDUCT = FieldVisitConduct(
    "cba_visit_conduct",
    min_staff=2,
    recording=True,
    explain_purpose=True,
    citation=Citation("CBA consumer-loan collection guideline 2026", "Art. 22", mark="S"),
)
ALL_CODES = [
    "min_staff",
    "show_identification",
    "enter_only_with_consent",
    "recording",
    "explain_purpose",
]
ENTERED = datetime(2026, 3, 2, 9, tzinfo=SH)
NOW = datetime(2026, 3, 10, 10, tzinfo=SH)


def _policy(*, visit_enabled: bool = True) -> Policy:
    return Policy(
        "visits",
        stages=(
            Stage("letter", steps=(Step("letter", template="letter.formal"),), deadline="7d"),
            Stage(
                "field_visit",
                steps=(Step("field_visit", template="visit.field"),),
                requires=("field_visit",),
                enabled=visit_enabled,
                performed_by="third_party",
            ),
        ),
        rules=(CONDUCT,),
    )


def _account(*events: Event) -> Account:
    return Account(
        "CN-1",
        timezone="Asia/Shanghai",
        contacts=[
            ContactPoint("letter", "上海市 1 号"),
            ContactPoint("field_visit", "上海市 1 号"),
        ],
        invoices=[Invoice("I", Money("8000.00", "CNY"), date(2026, 1, 10))],
        events=[
            StageEntered(at=ENTERED, stage="letter"),
            ContactAttempted(
                at=datetime(2026, 3, 2, 10, tzinfo=SH),
                channel="letter",
                outcome="delivered",
                stage="letter",
                step="letter.formal",
                template="letter.formal",
            ),
            *events,
        ],
    )


def _granted(staff: int | None) -> AuthorisationGranted:
    return AuthorisationGranted(
        at=datetime(2026, 3, 5, 15, tzinfo=SH), authorisation="field_visit", staff=staff
    )


def _visit(d: Decision) -> object:
    return next((a for a in d.actions if a.channel == "field_visit"), None)


def test_field_visit_disabled_never_happens() -> None:
    d = decide(_policy(visit_enabled=False), _account(_granted(2)), NOW)
    assert d.stage == "letter"
    assert _visit(d) is None
    assert d.status == "done"


def test_field_visit_not_authorised_waits() -> None:
    d = decide(_policy(), _account(), NOW)
    assert d.status == "waiting"
    assert _visit(d) is None
    assert any("field_visit" in r.message for r in d.reasons)


def test_field_visit_authorised_with_one_agent_is_blocked() -> None:
    d = decide(_policy(), _account(_granted(1)), NOW)
    assert d.stage == "field_visit"
    assert _visit(d) is None
    [blocked] = d.blocked
    reason = blocked.reasons[-1]
    assert (reason.rule_id, reason.code) == ("cba_visit_conduct", "too_few_staff")
    assert "1 agent(s)" in reason.message
    assert "at least 2" in reason.message
    assert d.status == "on_hold"


def test_field_visit_authorised_with_two_agents_carries_every_obligation() -> None:
    d = decide(_policy(), _account(_granted(2)), NOW)
    visit = _visit(d)
    assert visit is not None
    codes = [o.code for o in visit.obligations]  # type: ignore[attr-defined]
    # the third-party rung's identity disclosure first, then the rule's, each once
    assert codes == ["identity_disclosure", *ALL_CODES]
    assert "obligation recording" in d.explain()
    record = decision_to_dict(d)["actions"][0]
    assert [o["code"] for o in record["obligations"]] == codes


def test_authorised_without_a_staff_count_carries_the_min_staff_obligation() -> None:
    visit = _visit(decide(_policy(), _account(_granted(None)), NOW))
    assert visit is not None
    assert "min_staff" in [o.code for o in visit.obligations]  # type: ignore[attr-defined]


def test_the_dispatcher_refuses_a_visit_whose_obligations_were_not_acknowledged() -> None:
    d = decide(_policy(), _account(_granted(2)), NOW)
    visit = _visit(d)
    adapter = RecordingAdapter("field_visit")
    dispatcher = Dispatcher(
        ChannelRegistry([adapter]), renderer=Renderer(agent="Example Field Services")
    )
    refused = dispatcher.dispatch([visit], now=NOW, acknowledged_obligations={"min_staff"})  # type: ignore[list-item]
    assert refused.results[0].status == "refused"
    assert "recording" in (refused.results[0].detail or "")
    assert adapter.calls == []
    acked = {"identity_disclosure", *ALL_CODES}
    sent = dispatcher.dispatch([visit], now=NOW, acknowledged_obligations=acked)  # type: ignore[list-item]
    assert sent.results[0].status == "sent"


def test_an_unscoped_rule_only_touches_visit_channels() -> None:
    d = decide(_policy(), _account(), datetime(2026, 3, 2, 9, 30, tzinfo=SH))
    letter = next(a for a in d.actions if a.channel == "letter")
    assert letter.obligations == ()


def test_staff_and_min_staff_validate() -> None:
    with pytest.raises(EventError):
        AuthorisationGranted(at=NOW, authorisation="field_visit", staff=0)
    with pytest.raises(PolicyError):
        FieldVisitConduct("c", min_staff=0)


def test_field_visit_conduct_loads_from_a_policy_file() -> None:
    assert BUILTIN_RULES["field_visit_conduct"] is FieldVisitConduct
    policy = loads_policy(dumps_policy(_policy()))
    assert policy.rules == (CONDUCT,)
    assert CONDUCT.describe() == (
        "field visits carry obligations: min_staff, show_identification, "
        "enter_only_with_consent, recording, explain_purpose"
    )


def test_staff_round_trips_through_account_json() -> None:
    from overdue.config.accounts import event_from_dict, event_to_dict

    event = _granted(2)
    assert event_to_dict(event)["staff"] == 2
    assert event_from_dict(event_to_dict(event)) == event
