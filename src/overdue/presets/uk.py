"""United Kingdom: FCA CONC 7, the Breathing Space moratoria, CCA default notices, the
Pre-Action Protocol for Debt Claims (research rows UK-1 to UK-14).

CONC gives no number for contact frequency ("not excessive"), so the preset builds but warns
until the policy states its own cap under the id ``uk_conc7.frequency_cap``.  CONC gives no
contact hours either: the preset's 08:00-21:00 is MCOB 13.5.4G's "usually" for mortgages,
applied to CONC 7.9.4R by analogy, and marked as the house choice it is.
"""

from __future__ import annotations

from datetime import date, time

from overdue.durations import days, months
from overdue.presets.preset import AppliesTo, Preset, Slot
from overdue.rules import (
    Citation,
    ContactHours,
    FieldVisitConduct,
    ForbiddenContent,
    HoldWhile,
    RequiresPriorEvent,
    ThirdPartyContact,
    TimeBar,
)

__all__ = ["UK_CONC7", "UK_CONTACT_CHANNELS"]

UK_CONTACT_CHANNELS = ("phone", "ai_voice", "sms", "email", "in_app", "field_visit")
"""The channels that reach a customer at a moment, so "unreasonable times" applies."""

_HANDBOOK = "FCA Handbook"
_CONC_7_14 = "https://www.handbook.fca.org.uk/handbook/CONC/7/14.html?date=2015-06-19&timeline=True"
_CONC_7_15 = "https://www.handbook.fca.org.uk/handbook/CONC/7/15.html?date=2023-03-30&timeline=True"
_BREATHING = (
    "https://www.gov.uk/government/publications/debt-respite-scheme-breathing-space-guidance/"
    "debt-respite-scheme-breathing-space-guidance-for-creditors"
)
_BREATHING_REGS = (
    "Debt Respite Scheme (Breathing Space Moratorium and Mental Health Crisis Moratorium) "
    "(England and Wales) Regulations 2020 (SI 2020/1311)"
)
_SI_2020_1311 = "https://www.legislation.gov.uk/uksi/2020/1311/contents/made"
_REG_11 = (
    "reg. 11(1): 'neither a creditor nor the creditor's agent must contact a debtor in relation "
    "to the enforcement of a moratorium debt, including to demand payment'; reg. 11(2) allows "
    "contact the law requires (templates tagged required_by_law)"
)
_CONC_7_9 = "https://www.handbook.fca.org.uk/handbook/CONC/7/9.html?date=2024-01-01&timeline=True"

UK_CONC7 = Preset(
    name="uk_conc7",
    version="2021-05-04",
    title="FCA CONC 7 (arrears, default and recovery) with the Breathing Space moratoria",
    applies_to=AppliesTo(
        roles=("creditor", "debt_buyer", "third_party_collector"),
        products=("regulated_consumer_credit",),
        residence=("GB-ENG", "GB-WLS"),
    ),
    effective_from=date(2021, 5, 4),
    zone_assumption="set",
    assumed_zone="Europe/London",
    rules=(
        ContactHours(
            "uk_conc7.7.9.4R",
            window=(time(8), time(21)),
            channels=UK_CONTACT_CHANNELS,
            citation=Citation(
                _HANDBOOK,
                "CONC 7.9.4R: 'A firm must not contact customers at unreasonable times'; the "
                "hours are MCOB 13.5.4G's 'a reasonable hour will usually fall between 8 am and "
                "9 pm' (mortgages), applied to consumer credit by analogy (inferred)",
                "https://www.handbook.fca.org.uk/handbook?date=2018-07-01&page=4&"
                "related-provisions-for-provision=CONC%207.17.4",
                "U",
            ),
        ),
        HoldWhile(
            "uk_conc7.7.14.dispute",
            fact="dispute_open",
            citation=Citation(
                _HANDBOOK,
                "CONC 7.14.1R-7.14.6R: suspend recovery while a dispute on valid grounds is "
                "investigated",
                _CONC_7_14,
                "V",
            ),
        ),
        HoldWhile(
            "uk_conc7.breathing_space",
            fact="breathing_space",
            exempt_tags=("required_by_law",),
            citation=Citation(
                _BREATHING_REGS,
                "regs. 7, 11, 26: standard breathing space (60 days); " + _REG_11,
                _SI_2020_1311,
                "V",
            ),
        ),
        HoldWhile(
            "uk_conc7.mental_health_crisis",
            fact="mental_health_crisis_moratorium",
            exempt_tags=("required_by_law",),
            citation=Citation(
                _BREATHING_REGS,
                "mental health crisis moratorium: 'for as long as that treatment lasts, plus 30 "
                "days' (the minister, Lords, 6 Oct 2020); " + _REG_11,
                _SI_2020_1311,
                "V",
            ),
        ),
        HoldWhile(
            "uk_conc7.7.10.mental_capacity",
            fact="mental_capacity_concern",
            citation=Citation(
                _HANDBOOK,
                "CONC 7.10: 'A firm must suspend the pursuit of recovery of a debt' when told "
                "the customer might lack mental capacity",
                "https://www.handbook.fca.org.uk/handbook/CONC/7/10.html",
                "V",
            ),
        ),
        HoldWhile(
            "uk_conc7.7.15.8.statute_barred",
            fact="statute_barred_asserted",
            pause_deadlines=False,
            citation=Citation(
                _HANDBOOK,
                "CONC 7.15.8: stop demanding payment once the customer says the debt is statute "
                "barred (wording per an advice-sector copy)",
                "https://askcpag.org.uk/?id=-257589",
                "S",
            ),
        ),
        HoldWhile(
            "uk_conc7.7.9.visits",
            fact="vulnerable",
            channels=("field_visit",),
            pause_deadlines=False,
            citation=Citation(
                _HANDBOOK,
                "CONC 7.9.14R(2): do not 'visit a customer at a time when they know or suspect "
                "that the customer is, or may be, particularly vulnerable'",
                "https://handbook.fca.org.uk/handbook?date=2014-12-22&"
                "related-provisions-for-provision=CONC+7.13.10",
                "V",
            ),
        ),
        ThirdPartyContact(
            "uk_conc7.7.9.6R",
            mode="location_only",
            stop_on_refusal=True,
            citation=Citation(
                _HANDBOOK,
                "CONC 7.9.6R: 'A firm must not unfairly disclose or threaten to disclose "
                "information relating to the customer's debt to a third party'; third parties "
                "only to trace the customer, never told of the debt",
                _CONC_7_9,
                "V",
            ),
        ),
        FieldVisitConduct(
            "uk_conc7.7.9.visit_conduct",
            min_staff=1,
            show_identification=False,
            enter_only_with_consent=True,
            explain_purpose=True,
            citation=Citation(
                _HANDBOOK,
                "CONC 7.9.12R: explain a visit's purpose; 7.9.14R(4): do not 'enter a "
                "customer's property without the customer's consent'",
                "https://handbook.fca.org.uk/handbook?date=2014-12-22&"
                "related-provisions-for-provision=CONC+7.13.10",
                "V",
            ),
        ),
        ForbiddenContent(
            "uk_conc7.7.3.10R",
            tags=(
                "demand_lump_sum",
                "unreasonable_deadline",
                "suggest_borrowing",
                "suggest_selling_property",
            ),
            citation=Citation(
                _HANDBOOK,
                "CONC 7.3.10R: no pressure to pay in one or few large instalments, within an "
                "unreasonably short time, or by borrowing or selling property",
                "https://www.handbook.fca.org.uk/handbook?related-provisions-for-provision="
                "CONC%207.3.2",
                "V",
            ),
        ),
        ForbiddenContent(
            "uk_conc7.7.9.2R",
            tags=("pretext", "impersonate_authority", "official_looking", "false_threat"),
            citation=Citation(
                _HANDBOOK,
                "CONC 7.9.2R, 7.11: no misleading call-back pretexts, misrepresented "
                "authority, official-looking documents or threats of action that cannot be "
                "taken",
                "https://www.handbook.fca.org.uk/handbook?related-provisions-for-provision="
                "CONC%207.11.4",
                "V",
            ),
        ),
        RequiresPriorEvent(
            "uk_conc7.7.3.4R.forbearance",
            milestone="fact:forbearance_offered",
            stages=("litigation", "enforcement"),
            citation=Citation(
                _HANDBOOK,
                "CONC 7.3.4R: treat customers in arrears with forbearance and due "
                "consideration before proceedings",
                "https://www.handbook.fca.org.uk/handbook?related-provisions-for-provision="
                "CONC%207.3.2",
                "V",
            ),
        ),
        RequiresPriorEvent(
            "uk_conc7.cca_s87.default_notice",
            milestone="contacted:default_notice",
            min_elapsed=days(14),
            stages=("litigation", "enforcement"),
            citation=Citation(
                "Consumer Credit Act 1974",
                "ss.87-88: nothing before the date a default notice sets, at least 14 days "
                "after service",
                "https://www.legislation.gov.uk/ukpga/1974/39/part/VII/crossheading/"
                "default-notices",
                "V",
            ),
        ),
        RequiresPriorEvent(
            "uk_conc7.pap_debt.letter_of_claim",
            milestone="contacted:letter_of_claim",
            min_elapsed=days(30),
            stages=("litigation",),
            citation=Citation(
                "Pre-Action Protocol for Debt Claims (England and Wales)",
                "a letter of claim with a reply form; 30 days to reply before issuing",
                "https://nationaldebtline.org/get-information/summaries/"
                "pre-action-protocol-in-the-county-court-ew/",
                "S",
            ),
        ),
        HoldWhile(
            "uk_conc7.7.15.fos_complaint",
            fact="fos_complaint_open",
            stages=("litigation",),
            pause_deadlines=False,
            citation=Citation(
                _HANDBOOK,
                "CONC 7.15: no proceedings while a valid complaint is before the Financial "
                "Ombudsman Service (rule number unverified)",
                _CONC_7_15,
                "V",
            ),
        ),
        TimeBar(
            "uk_conc7.7.15.statute_barred",
            limitation=months(72),
            stages=("litigation",),
            citation=Citation(
                _HANDBOOK,
                "CONC 7.15: no suggestion of court action on a statute-barred debt "
                "(6 years, England, Wales and Northern Ireland)",
                _CONC_7_15,
                "V",
            ),
        ),
    ),
    requires=(
        Slot(
            "uk_conc7.frequency_cap",
            ("frequency_cap",),
            "CONC 7 says contact must not be excessive, and MCOB 13.5.3R bans 'excessive "
            "telephone calls', but neither sets a number, so the firm must state its own cap",
            severity="warning",
        ),
    ),
    notes=(
        "Breathing space and mental-health crisis moratoria hold every contact while the "
        "facts 'breathing_space' and 'mental_health_crisis_moratorium' are set; the host sets "
        "them with their end (60 days; treatment plus 30 days). Notices the law requires "
        "(CCA 1974, FCA rules: reg. 11(2)) go out when their template is tagged "
        "'required_by_law'. Reg. 11(2)'s other exceptions (contact the debtor asks for, "
        "replies to complaints, other debts) are not told apart: the hold blocks them "
        "(stricter). Payments may still be accepted. How a 60-day space's last day is "
        "counted is unverified (U).",
        "CONC 7.10 (mental capacity) holds on the fact 'mental_capacity_concern'; CONC 7.15.8 "
        "(the customer says the debt is statute barred) on 'statute_barred_asserted'.",
        "Third parties may be contacted only to trace the customer, never told of the debt "
        "(CONC 7.9.6R forbids unfair disclosure, not contact; tracing only is a house choice). "
        "Not encoded: the identity check before disclosing debt details (CONC 7.9.10R).",
        "Contact hours are a house choice by analogy to MCOB 13.5.4G: CONC states no hours.",
        "Scotland's 5-year prescription is not encoded: the preset is for England and Wales. "
        "A policy for Scottish accounts states its own time_bar rule (limitation '60mo').",
        "The prior-event gates name the fact 'forbearance_offered' and the delivered templates "
        "'default_notice' and 'letter_of_claim'.",
        "Not encoded: notice before a first visit, the 14-day notice before issuing a disputed "
        "claim, payment-plan holds for reasonable offers (CONC 7.14.10R).",
    ),
)
