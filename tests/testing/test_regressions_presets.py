"""Regressions found by fuzzing the reference policy under the shipped presets.

Each test is the minimal history the :class:`~overdue.testing.PolicyMachine` shrank to in
``tests/testing/test_presets_fuzz.py``, rewritten by hand and named after the behaviour.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs

from overdue import Account, ContactPoint, Invoice, Money, Policy, Step, decide
from overdue.events import ContactAttempted, PromiseToPay, StageEntered
from overdue.presets import PresetWarning, with_presets
from overdue.reference import reference_policy
from overdue.testing import check_all, check_caps, check_rules

NY = ZoneInfo("America/New_York")
US_DECLARED = ("debt_collector_notice", "opt_out_notice", "identity")


def _reg_f_with_validation_notice() -> Policy:
    ref = reference_policy(currency="USD")
    stages = tuple(
        attrs.evolve(
            s,
            steps=tuple(attrs.evolve(st, tags=(*st.tags, *US_DECLARED)) for st in s.steps)
            + (
                (Step("letter", template="validation.notice", tags=US_DECLARED),)
                if s.id == "reminder"
                else ()
            ),
        )
        for s in ref.stages
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        return with_presets(attrs.evolve(ref, stages=stages), "us_reg_f")


def test_a_step_that_declares_the_mini_miranda_is_not_reported_as_lacking_it() -> None:
    """Found on us_reg_f: the engine sent the validation notice, whose step declares the
    debt-collector notice and identity, and ``check_rules`` said ``us_reg_f.1006.18(e)`` would
    have blocked it.  The checks rebuilt each contact without its step's ``must_state`` and
    ``tags``, so every content rule failed every contact (a wrong invariant, not an engine bug).
    """
    policy = _reg_f_with_validation_notice()
    t0 = datetime(2026, 1, 5, 0, 0, tzinfo=NY)
    account = Account(
        "A-1",
        timezone="America/New_York",
        contacts=(ContactPoint("letter", "1 Example Road"),),
        invoices=(Invoice("INV-1", Money("1200.00", "USD"), date(2026, 1, 4)),),
        events=(StageEntered(at=t0, stage="reminder"),),
    )
    d = decide(policy, account, t0)
    (notice,) = [a for a in d.due_actions if a.template == "validation.notice"]
    done = account.with_events(notice.outcome_event("delivered", t0))
    assert check_rules(policy, done) == []
    assert check_all(policy, done) == []
    undeclared = ContactAttempted(
        at=t0, channel="letter", outcome="delivered", template="letter.plain", stage="reminder"
    )
    found = check_rules(policy, account.with_events(undeclared))
    assert any(v.rule_id == "us_reg_f.1006.18(e)" for v in found)


SH = ZoneInfo("Asia/Shanghai")


def test_cn_cba_2026_call_cap_is_not_checked_before_the_guideline_takes_effect() -> None:
    """Found reviewing the checks against the presets: a preset's rules are silent before the
    preset takes effect (the engine honours ``in_force_from``), but the hours, caps, holds,
    cease, opt-out and authorisation checks applied them from the start of time, so a run in
    January 2026 under cn_cba_2026 (in force from 30 January) reported its 6-a-day cap as
    broken by calls the engine rightly allowed (a wrong invariant)."""
    ref = reference_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PresetWarning)
        policy = with_presets(
            attrs.evolve(ref, rules=tuple(r for r in ref.rules if r.kind != "frequency_cap")),
            "cn_cba_2026",
        )

    def calls(day: date) -> Account:
        return Account(
            "A-1",
            timezone="Asia/Shanghai",
            contacts=(ContactPoint("phone", "+8613800000001"),),
            invoices=(Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 1, 4)),),
            events=tuple(
                ContactAttempted(
                    at=datetime(day.year, day.month, day.day, 9 + h, tzinfo=SH),
                    channel="phone",
                    outcome="no_answer",
                    contact_point="+8613800000001",
                )
                for h in range(7)
            ),
        )

    assert check_caps(policy, calls(date(2026, 1, 20))) == []
    found = check_caps(policy, calls(date(2026, 2, 3)))
    assert [v.rule_id for v in found] == ["cn_cba_2026.unanswered_per_contact_point"]


def test_cn_gbt_2025_a_debtor_who_promised_to_pay_is_not_unreachable() -> None:
    """Found by the machine on cn_gbt_2025 with a relative on file: three unanswered calls,
    then the debtor promised to pay (so they were reached), the promise broke, and the next
    decision phoned the debtor's sister under 'third parties only once the debtor is
    unreachable'.  A promise (like a dispute) is the debtor speaking to the creditor."""
    gbt = with_presets(reference_policy(), "cn_gbt_2025")
    locate = Step("phone", template="location.inquiry", party="third_party")
    stages = tuple(
        attrs.evolve(s, steps=(*s.steps, locate)) if s.id == "courtesy_call" else s
        for s in gbt.stages
    )
    policy = attrs.evolve(gbt, stages=stages)
    calls = tuple(
        ContactAttempted(
            at=datetime(2026, 9, d, 9, tzinfo=SH),
            channel="phone",
            outcome="no_answer",
            stage="courtesy_call",
            step="call.polite",
            template="call.polite",
            contact_point="+8613800000001",
        )
        for d in (23, 25, 27)
    )
    account = Account(
        "A-1",
        timezone="Asia/Shanghai",
        contacts=(
            ContactPoint("phone", "+8613800000001"),
            ContactPoint("phone", "+8613900000009", label="sister", is_debtor=False),
        ),
        invoices=(Invoice("INV-1", Money("1200.00", "CNY"), date(2026, 9, 15)),),
        events=(
            StageEntered(at=datetime(2026, 9, 23, 0, 0, tzinfo=SH), stage="courtesy_call"),
            *calls,
            PromiseToPay(
                at=datetime(2026, 9, 28, 10, tzinfo=SH),
                amount=Money("1200.00", "CNY"),
                by=date(2026, 9, 30),
            ),
        ),
    )
    d = decide(policy, account, datetime(2026, 10, 4, 10, tzinfo=SH))
    assert [a.template for a in d.actions if a.party == "third_party"] == []
