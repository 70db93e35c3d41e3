"""Stepping down, as a billing system re-evaluates an account.

Two invoices: 100.00 EUR due 2026-01-01 and 50.00 EUR due 2026-01-20.  Rungs by days overdue:
warning from day 1, blocked from day 15 (changes blocked), suspended from day 30.  Paying the
oldest invoice brings the account back to the age of the younger one.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from overdue import Money, Policy, Step
from overdue.conditions import balance_at_least
from overdue.config import loads_policy
from overdue.errors import PolicyFileError
from overdue.events import InvoiceIssued, PaymentReceived, StageEntered, StageLeft
from overdue.service import ServiceStep

if TYPE_CHECKING:
    from conftest import Kit

DUE1, DUE2 = date(2026, 1, 1), date(2026, 1, 20)


def ladder(
    kit: type[Kit], step_down: str = "when_conditions_fail", *, keep_suspended: bool | None = None
) -> Policy:
    return Policy(
        "kb-like",
        step_down=step_down,  # type: ignore[arg-type]
        stages=[
            kit.rung("warning", 1),
            kit.rung(
                "blocked", 15, service=[ServiceStep("block_changes", undo="unblock_changes")]
            ),
            kit.rung(
                "suspended",
                30,
                last=True,
                service=[ServiceStep("suspend", undo="resume")],
                step_down=keep_suspended,
            ),
        ],
    )


def pay_oldest(host: Kit.Host, when: object) -> None:
    host.add(PaymentReceived(at=when, amount=Money("100.00", "EUR"), invoice_id="I1"))  # type: ignore[arg-type]


def test_paying_the_oldest_invoice_steps_down_with_undo_and_reason(kit: Kit) -> None:
    host = kit.Host(ladder(kit), kit.account(("100.00", DUE1), ("50.00", DUE2)))
    host.run([kit.at(1, 2), kit.at(1, 16), kit.at(1, 31)])
    pay_oldest(host, kit.at(2, 5, 8))
    d = host.decide(kit.at(2, 5))
    assert d.stage == "blocked"  # 16 days past the younger invoice's due date
    assert d.step_down is not None
    assert (d.step_down.from_stage, d.step_down.to_stage) == ("suspended", "blocked")
    assert d.step_down.reason == "30+ days overdue no longer holds"
    assert d.reasons[0].code == "stepped_down"
    # the host records the lower rung's entry: the history says where the account is and since
    assert d.record == (StageEntered(at=kit.at(2, 5), stage="blocked"),)
    assert d.transition is not None
    assert d.transition.from_stage == "suspended"
    assert d.stage_since == kit.at(2, 5)  # the lower rung's clock starts at the step down
    assert sorted((s.operation, s.action) for s in d.service) == [
        ("perform", "block_changes"),
        ("undo", "resume"),
    ]
    # once the rung's e-mail is sent, it climbs again when the younger invoice is 30 days
    # overdue, no earlier
    assert host.decide(kit.at(2, 5, 11)).wake_at == kit.at(2, 19, 0)


def test_the_default_never_steps_down(kit: Kit) -> None:
    host = kit.Host(ladder(kit, "never"), kit.account(("100.00", DUE1), ("50.00", DUE2)))
    host.run([kit.at(1, 2), kit.at(1, 16), kit.at(1, 31)])
    pay_oldest(host, kit.at(2, 3, 8))
    d = host.decide(kit.at(2, 3))
    assert d.stage == "suspended"
    assert d.step_down is None
    assert d.service == ()


def test_a_rung_marked_never_is_not_stepped_down_from(kit: Kit) -> None:
    # A lawsuit is not withdrawn by a partial payment.
    host = kit.Host(
        ladder(kit, keep_suspended=False), kit.account(("100.00", DUE1), ("50.00", DUE2))
    )
    host.run([kit.at(1, 2), kit.at(1, 16), kit.at(1, 31)])
    pay_oldest(host, kit.at(2, 3, 8))
    assert host.decide(kit.at(2, 3)).stage == "suspended"


def test_a_rung_may_step_down_when_the_policy_does_not(kit: Kit) -> None:
    host = kit.Host(
        ladder(kit, "never", keep_suspended=True), kit.account(("100.00", DUE1), ("50.00", DUE2))
    )
    host.run([kit.at(1, 2), kit.at(1, 16), kit.at(1, 31)])
    pay_oldest(host, kit.at(2, 3, 8))
    d = host.decide(kit.at(2, 3))
    assert d.step_down is not None
    assert d.step_down.to_stage == "blocked"


def test_a_kept_rung_below_is_the_floor(kit: Kit) -> None:
    policy = Policy(
        "floor",
        step_down="when_conditions_fail",
        stages=[
            kit.rung("reminder", 1),
            kit.rung("lawsuit", 15, step_down=False, steps=[Step("email", template="claim")]),
            kit.rung("bailiff", 30, last=True),
        ],
    )
    host = kit.Host(policy, kit.account(("100.00", DUE1), ("50.00", date(2026, 2, 1))))
    host.run([kit.at(1, 2), kit.at(1, 16), kit.at(1, 31)])
    pay_oldest(host, kit.at(2, 3, 8))
    d = host.decide(kit.at(2, 3))  # 2 days overdue: only "reminder" holds, "lawsuit" is kept
    assert d.step_down is not None
    assert d.step_down.to_stage == "lawsuit"


def test_stepping_off_the_ladder_records_stage_left_and_climbs_again_later(kit: Kit) -> None:
    policy = Policy(
        "tiers",
        step_down="when_conditions_fail",
        stages=[
            kit.rung(
                "warning",
                balance_at_least(Money("100.00", "EUR")),
                service=[ServiceStep("block_changes", undo="unblock_changes")],
            ),
            kit.rung("blocked", balance_at_least(Money("500.00", "EUR")), last=True),
        ],
    )
    host = kit.Host(policy, kit.account(("120.00", DUE1)))
    d = host.decide(kit.at(1, 2))
    assert d.stage == "warning"
    host.add(PaymentReceived(at=kit.at(1, 5, 8), amount=Money("30.00", "EUR")))
    d = host.decide(kit.at(1, 5))
    assert d.stage is None
    assert d.status == "waiting"
    assert d.step_down is not None
    assert d.step_down.to_stage is None
    assert isinstance(d.record[0], StageLeft)
    assert d.record[0].stage == "warning"
    assert [(s.operation, s.action) for s in d.service] == [("undo", "unblock_changes")]
    d = host.decide(kit.at(1, 6))  # stays off the ladder: nothing more to record
    assert d.stage is None
    assert d.record == ()
    assert d.step_down is None
    assert d.service == ()  # the undo was recorded
    host.add(
        InvoiceIssued(at=kit.at(1, 7), invoice_id="I2", amount=Money("40.00", "EUR"), due=DUE1)
    )
    d = host.decide(kit.at(1, 7))  # 130.00 EUR owed: on the ladder again, from the bottom
    assert d.stage == "warning"
    assert d.transition is not None
    assert [(s.operation, s.action) for s in d.service] == [("perform", "block_changes")]
    assert d.service[0].idempotency_key == "A1:warning#2:service:block_changes"


def test_step_down_is_validated_in_policy_files() -> None:
    with pytest.raises(PolicyFileError) as caught:
        loads_policy(
            'schema = "overdue.policy/1"\nid = "p"\nstep_down = "sometimes"\n'
            '[[stages]]\nid = "a"\nsteps = [{ channel = "email", template = "t" }]\n'
            "step_down = 1\n",
            format="toml",
        )
    lines = caught.value.messages()
    assert any("$.step_down" in m and "when_conditions_fail" in m for m in lines)
    assert any("$.stages[0].step_down" in m for m in lines)
