"""Service actions, as a billing team's dunning rules read.

The SaaS ladder below: a reminder on day 1, changes blocked on day 15, the service suspended
on day 30 (one day after the rung's notice), every rung a contact by e-mail.  The invoice of
100.00 EUR falls due on 2026-01-01 (day 1 overdue: 2026-01-02).  The debtor is in UTC.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import TYPE_CHECKING

import attrs
import pytest

from overdue import Money, Policy, Stage, Step, days, decide, timeline
from overdue.decision import ServiceAction
from overdue.dispatch import ChannelRegistry, Dispatcher, InMemoryLedger
from overdue.dispatch.outcomes import Delivered
from overdue.errors import PolicyError
from overdue.events import (
    DisputeOpened,
    DisputeResolved,
    FactSet,
    PaymentReceived,
    PromiseToPay,
    ServiceRecorded,
    WrittenOff,
)
from overdue.rules import ContactHours, FrequencyCap, HoldWhile
from overdue.service import ServiceStep

if TYPE_CHECKING:
    from conftest import Kit

DUE = date(2026, 1, 1)


def saas(
    kit: type[Kit], *, keep: bool = False, irreversible: bool = False, rules: tuple = ()  # type: ignore[type-arg]
) -> Policy:
    suspend = (
        ServiceStep("suspend", irreversible=True, at=days(1))
        if irreversible
        else ServiceStep("suspend", undo="resume", at=days(1))
    )
    return Policy(
        "saas",
        stages=[
            kit.rung("reminder", 1),
            kit.rung(
                "blocked",
                15,
                service=[
                    ServiceStep("block_changes", undo="unblock_changes", keep_on_escalation=keep)
                ],
            ),
            kit.rung(
                "suspended",
                30,
                last=True,
                steps=[
                    Step("email", template="suspended"),
                    Step("email", template="suspended.followup", at=days(1)),
                ],
                service=[suspend],
            ),
        ],
        rules=rules,
    )


def performed(host: Kit.Host) -> list[tuple[str, str]]:
    return [(e.operation, e.action) for e in host.account.events if isinstance(e, ServiceRecorded)]


def test_a_frequency_cap_neither_counts_nor_delays_a_service_action(kit: Kit) -> None:
    # One e-mail a week at most: the follow-up e-mail of day 31 waits for the cap, the
    # suspension itself does not, and recording it does not use up the week's contact.
    cap = FrequencyCap("weekly", max_contacts=1, per=days(7))
    host = kit.Host(saas(kit, rules=(cap,)), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2), kit.at(1, 16)])
    d = host.decide(kit.at(1, 31))
    assert d.stage == "suspended"
    assert [(s.operation, s.action) for s in d.service] == [
        ("undo", "unblock_changes"),
        ("perform", "suspend"),
    ]
    suspend = d.service[1]
    assert suspend.not_before == kit.at(2, 1)  # entry + 1d, not held back by the cap
    d2 = host.decide(kit.at(2, 1))
    assert [s.action for s in d2.due_service] == ["suspend"]
    assert ("perform", "suspend") in performed(host)
    # recording the suspension does not use up a contact: the decision with and without the
    # ServiceRecorded events is the same for the contacts
    without = attrs.evolve(
        host.account,
        events=tuple(e for e in host.account.events if not isinstance(e, ServiceRecorded)),
    )
    later = kit.at(2, 2)
    with_service = decide(host.policy, host.account, later)
    without_service = decide(host.policy, without, later)
    assert [(a.step, a.not_before) for a in with_service.actions] == [
        (a.step, a.not_before) for a in without_service.actions
    ]
    assert with_service.actions  # the suspension e-mail is still waiting for the cap
    assert with_service.actions[0].not_before > later


def test_contact_hours_do_not_delay_a_service_action(kit: Kit) -> None:
    hours = ContactHours("hours", window=(time(8), time(20)))
    host = kit.Host(saas(kit, rules=(hours,)), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2), kit.at(1, 16, 3)])  # 03:00: outside contact hours
    d = host.log[-1]
    assert [s.action for s in d.service] == ["block_changes"]
    assert d.service[0].not_before == kit.at(1, 16, 3)
    assert all(a.not_before >= kit.at(1, 16, 8) for a in d.actions)


def test_paying_in_full_undoes_what_is_in_force_once(kit: Kit) -> None:
    host = kit.Host(saas(kit), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2), kit.at(1, 16), kit.at(1, 31), kit.at(2, 1)])
    host.add(PaymentReceived(at=kit.at(2, 3, 9), amount=Money("100.00", "EUR")))
    d = host.decide(kit.at(2, 3))
    assert d.status == "resolved"
    assert [(s.operation, s.action, s.undoes) for s in d.service] == [("undo", "resume", "suspend")]
    assert d.service[0].idempotency_key == "A1:suspended#1:service:suspend:undo"
    assert host.decide(kit.at(2, 4)).service == ()  # recorded: nothing more to undo
    assert performed(host) == [
        ("perform", "block_changes"),
        ("undo", "unblock_changes"),
        ("perform", "suspend"),
        ("undo", "resume"),
    ]


def test_keep_on_escalation_keeps_a_block_while_the_account_climbs(kit: Kit) -> None:
    host = kit.Host(saas(kit, keep=True), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2), kit.at(1, 16)])
    d = host.decide(kit.at(1, 31))
    assert [(s.operation, s.action) for s in d.service] == [("perform", "suspend")]
    host.decide(kit.at(2, 1))
    host.add(PaymentReceived(at=kit.at(2, 3, 9), amount=Money("100.00", "EUR")))
    d = host.decide(kit.at(2, 3))
    assert sorted(s.action for s in d.service) == ["resume", "unblock_changes"]


def test_an_irreversible_action_is_not_undone(kit: Kit) -> None:
    host = kit.Host(saas(kit, irreversible=True), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2), kit.at(1, 16), kit.at(1, 31), kit.at(2, 1)])
    host.add(PaymentReceived(at=kit.at(2, 3, 9), amount=Money("100.00", "EUR")))
    assert host.decide(kit.at(2, 3)).service == ()


def test_an_open_dispute_holds_the_service_action_until_resolved(kit: Kit) -> None:
    host = kit.Host(saas(kit), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2)])
    host.add(DisputeOpened(at=kit.at(1, 10), dispute_id="d1"))
    d = host.decide(kit.at(1, 16))
    assert d.service == ()
    held = [b for b in d.blocked if b.channel == "service"]
    assert [b.step for b in held] == ["block_changes"]
    assert held[0].reasons[0].code == "collection_hold"
    host.add(DisputeResolved(at=kit.at(1, 20), dispute_id="d1"))
    d = host.decide(kit.at(1, 20))
    assert [s.action for s in d.due_service] == ["block_changes"]


def test_a_hold_rule_of_the_policy_holds_service_actions_too(kit: Kit) -> None:
    host = kit.Host(
        saas(kit, rules=(HoldWhile("stay", fact="bankruptcy", pause_deadlines=False),)),
        kit.account(("100.00", DUE)),
    )
    host.run([kit.at(1, 2)])
    host.add(FactSet(at=kit.at(1, 10), name="bankruptcy"))
    d = host.decide(kit.at(1, 16))
    assert d.service == ()
    assert any(b.channel == "service" for b in d.blocked)


def test_a_promise_to_pay_starts_no_service_action(kit: Kit) -> None:
    host = kit.Host(saas(kit), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2)])
    host.add(PromiseToPay(at=kit.at(1, 14), amount=Money("100.00", "EUR"), by=date(2026, 1, 25)))
    d = host.decide(kit.at(1, 16))
    assert d.status == "paused"
    assert d.service == ()


def test_a_written_off_account_is_not_undone(kit: Kit) -> None:
    host = kit.Host(saas(kit), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2), kit.at(1, 16)])
    host.add(WrittenOff(at=kit.at(1, 20)))
    assert host.decide(kit.at(1, 21)).service == ()


def test_dispatch_is_idempotent_for_the_action_and_its_undo(kit: Kit) -> None:
    host = kit.Host(saas(kit), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2)])
    calls: list[str] = []
    registry = ChannelRegistry()

    @registry.adapter("service")
    def service(action: ServiceAction, *, idempotency_key: str) -> Delivered:
        calls.append(f"{action.operation}:{action.action}")
        return Delivered()

    dispatcher = Dispatcher(registry, ledger=InMemoryLedger())
    d = host.decide(kit.at(1, 16), act=False)
    first = dispatcher.dispatch(d.service, now=kit.at(1, 16))
    again = dispatcher.dispatch(d.service, now=kit.at(1, 16))
    assert calls == ["perform:block_changes"]
    assert [r.status for r in first.results] == ["sent"]
    assert [r.status for r in again.results] == ["already_done"]
    event = first.results[0].event(kit.at(1, 16))
    assert isinstance(event, ServiceRecorded)
    assert event.operation == "perform"
    host.add(*d.record, event)
    host.add(PaymentReceived(at=kit.at(1, 17), amount=Money("100.00", "EUR")))
    undo = host.decide(kit.at(1, 17), act=False).service
    dispatcher.dispatch(undo, now=kit.at(1, 17))
    dispatcher.dispatch(undo, now=kit.at(1, 17))
    assert calls == ["perform:block_changes", "undo:unblock_changes"]


def test_every_service_step_declares_its_undo(kit: Kit) -> None:
    with pytest.raises(PolicyError, match="declares no undo"):
        ServiceStep("suspend")
    with pytest.raises(PolicyError, match="irreversible and names an undo"):
        ServiceStep("cancel", undo="reinstate", irreversible=True)


def test_a_rung_of_service_actions_only_is_a_rung(kit: Kit) -> None:
    policy = Policy(
        "only-service",
        stages=[
            Stage("notice", steps=[Step("email", template="notice")], deadline=days(10)),
            Stage("block", service=[ServiceStep("block_changes", undo="unblock")]),
        ],
    )
    d = decide(
        policy, kit.account(("100.00", DUE)).with_events(), kit.at(1, 2) + timedelta(days=12)
    )
    assert d.stage in ("notice", "block")


def test_a_hold_narrowed_to_a_contact_channel_does_not_hold_service_actions(kit: Kit) -> None:
    sms_only = HoldWhile("sms-stay", fact="bankruptcy", pause_deadlines=False, channels=["sms"])
    host = kit.Host(saas(kit, rules=(sms_only,)), kit.account(("100.00", DUE)))
    host.run([kit.at(1, 2)])
    host.add(FactSet(at=kit.at(1, 10), name="bankruptcy"))
    d = host.decide(kit.at(1, 16))
    assert [s.action for s in d.due_service] == ["block_changes"]


def test_a_timeline_shows_service_actions_and_their_undo(kit: Kit) -> None:
    acct = kit.account(("100.00", DUE))
    entries = timeline(saas(kit), acct, kit.at(1, 2), kit.at(2, 10))
    service = [(e.at.date(), e.template, e.detail) for e in entries if e.kind == "service"]
    assert service == [
        (date(2026, 1, 16), "block_changes", "perform"),
        (date(2026, 1, 31), "unblock_changes", "undo"),
        (date(2026, 2, 1), "suspend", "perform"),
    ]
