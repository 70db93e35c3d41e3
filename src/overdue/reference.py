"""The seed's reference policy: the ladder the project grew from, shipped as a working default.

Reminder by SMS and in-app notice -> polite phone call with SMS -> formal e-mail and in-app
pop-up stating amount, days overdue, deadline and legal terms -> lawyer's letter with a grace
period -> (field visit: off by default; when on, authorised, third party, identity disclosed)
-> litigation (legal review; evidence bundle) -> enforcement (judgment).

Contact hours are 08:00-21:00 in the debtor's zone (``Asia/Shanghai`` when the account does not
say) for every channel that reaches the debtor at a moment, in-app notices included; an SMS
that an opt-out (or a missing number) blocks falls back to e-mail; a house frequency cap keeps
contact humane, because the seed warns that frequent
contact causes stress and even disputes.  Numbers marked ``house`` are this policy's choices,
not law: stack a jurisdiction preset for legal limits.
"""

from __future__ import annotations

from datetime import time

from overdue.conditions import balance_at_least, days_overdue_at_least
from overdue.durations import days, months
from overdue.money import Money
from overdue.policy import Obligation, Policy, Stage, Step
from overdue.rules import (
    Citation,
    ContactHours,
    FrequencyCap,
    HoldWhile,
    MinimumBalance,
    RequiresPriorEvent,
    RespectCease,
    RespectOptOut,
    TimeBar,
)

__all__ = ["FIELD_VISIT_OBLIGATIONS", "REFERENCE_POLICY", "reference_policy"]

HOUSE = Citation("overdue reference policy (from the seed document)", mark="house")

FIELD_VISIT_OBLIGATIONS = (
    Obligation("identity_disclosure", "state who you are and on whose behalf you act"),
    Obligation("show_identification", "show identification before discussing anything"),
    Obligation("two_staff", "visit with at least two staff members"),
    Obligation("no_entry_without_consent", "do not enter the premises without consent"),
    Obligation("record_visit", "record the visit and keep the recording with the file"),
)

_FORMAL = ("amount", "days_overdue", "deadline", "legal_terms")


def reference_policy(*, field_visit: bool = False, currency: str = "CNY") -> Policy:
    """Build the reference policy; ``field_visit=True`` turns the field-visit rung on.

    Even when on, the field visit needs an ``AuthorisationGranted('field_visit')`` on file, goes
    through a third party, and carries the identity-disclosure and conduct obligations.
    """
    stages = (
        Stage(
            "reminder",
            enters_when=days_overdue_at_least(1),
            deadline=days(7),
            description="friendly reminders by SMS and in-app notice",
            steps=(
                Step(
                    "sms",
                    template="reminder.sms",
                    repeat_every=days(3),
                    max_attempts=3,
                    fallback="email",
                ),
                Step("in_app", template="reminder.in_app"),
            ),
        ),
        Stage(
            "courtesy_call",
            deadline=days(7),
            description="a polite, professional call stating the debt, with an SMS",
            steps=(
                Step(
                    "phone",
                    template="call.polite",
                    repeat_every=days(2),
                    max_attempts=3,
                    fallback="sms",
                ),
                Step("sms", template="call.followup", at=days(1), fallback="email"),
            ),
        ),
        Stage(
            "formal_notice",
            deadline=days(14),
            description="formal e-mail and in-app pop-up with amount, days, deadline, terms",
            steps=(
                Step("email", template="notice.formal", must_state=_FORMAL, fallback="letter"),
                Step("in_app", template="notice.popup", must_state=_FORMAL),
            ),
        ),
        Stage(
            "lawyer_letter",
            enters_when=days_overdue_at_least(30) & balance_at_least(Money("100.00", currency)),
            grace=days(15),
            description="a lawyer's letter listing the debt and legal basis, with a grace period",
            steps=(
                Step(
                    "letter",
                    template="letter.lawyer",
                    must_state=(*_FORMAL, "grace_end"),
                ),
                Step("email", template="letter.lawyer.copy", must_state=(*_FORMAL, "grace_end")),
            ),
        ),
        Stage(
            "field_visit",
            enabled=field_visit,
            skippable=True,
            requires=("field_visit",),
            performed_by="third_party",
            obligations=FIELD_VISIT_OBLIGATIONS,
            deadline=days(14),
            description="a visit by a commissioned third party, only when authorised",
            steps=(Step("field_visit", template="visit.field"),),
        ),
        Stage(
            "litigation",
            requires=("legal_review",),
            deadline=months(6),
            description="a lawsuit with the evidence bundle; costs money and months",
            steps=(
                Step(
                    "legal",
                    template="claim.file",
                    evidence=("contract", "invoices", "payments", "contacts"),
                ),
            ),
        ),
        Stage(
            "enforcement",
            requires=("judgment",),
            description="enforcement of the judgment",
            steps=(Step("legal", template="enforcement.request"),),
        ),
    )
    rules = (
        ContactHours(
            "contact-hours",
            window=(time(8), time(21)),
            channels=("sms", "phone", "email", "in_app", "field_visit"),
            citation=HOUSE,
        ),
        FrequencyCap(
            "one-call-a-day",
            max_contacts=1,
            per=days(1),
            window="rolling_days",
            channels=("phone",),
            citation=HOUSE,
        ),
        FrequencyCap(
            "three-contacts-a-week",
            max_contacts=3,
            per=days(7),
            channels=("sms", "phone"),
            citation=HOUSE,
        ),
        HoldWhile("dispute-hold", fact="dispute_open", citation=HOUSE),
        HoldWhile("manual-hold", fact="manual_hold", citation=HOUSE),
        HoldWhile("bankruptcy-hold", fact="bankruptcy", citation=HOUSE),
        RespectCease(
            "cease", exempt_templates=("claim.file", "enforcement.request"), citation=HOUSE
        ),
        RespectOptOut("opt-out", exempt=("letter", "legal"), citation=HOUSE),
        RequiresPriorEvent(
            "letter-before-claim",
            milestone="contacted:letter.lawyer",
            stages=("litigation",),
            citation=HOUSE,
        ),
        MinimumBalance(
            "litigation-minimum",
            minimum=Money("500.00", currency),
            stages=("litigation", "enforcement"),
            citation=HOUSE,
        ),
        TimeBar(
            "limitation",
            limitation=months(36),
            stages=("litigation",),
            citation=Citation(
                "PRC Civil Code", "Art. 188 (three-year limitation period)", mark="S"
            ),
        ),
    )
    return Policy(
        "seed-reference",
        version="2026.1",
        currency=currency,
        stages=stages,
        rules=rules,
        assumed_zone="Asia/Shanghai",
        legal_terms="Terms of Service §8 (late payment); PRC Civil Code Art. 577",
        description="The seed document's ladder, from SMS reminder to enforcement.",
    )


REFERENCE_POLICY = reference_policy()
"""The reference policy with the field visit off."""
