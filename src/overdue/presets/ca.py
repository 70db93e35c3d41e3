"""Canada, Ontario: the Collection and Debt Settlement Services Act and R.R.O. 1990, Reg. 74.

Ontario's rules bind collection agencies and collectors (not a creditor collecting its own
debt): a written notice first and 6 days' wait, at most 3 contacts in 7 days once the debtor
has been spoken to, and contact hours that differ on Sundays.  The regulation's current text
(ss. 21-22) could not be read here past its opening; the rules below come from the Ontario
ministry's own guide to collection agencies (official guidance, paraphrasing the regulation)
and legal-clinic and trustee summaries, so they are ``S``.
"""

from __future__ import annotations

from datetime import time

from overdue.durations import days
from overdue.presets.preset import AppliesTo, Preset
from overdue.presets.public_holidays import PublicHolidays
from overdue.rules import Citation, ContactHours, FrequencyCap, QuietDays, RequiresPriorEvent

__all__ = ["CA_ON_CDSSA", "NOTICE_TEMPLATE", "ON_CONTACT_CHANNELS"]

REG_74 = "Collection and Debt Settlement Services Act (Ontario); R.R.O. 1990, Reg. 74"
_GUIDE = "https://ontario.ca/document/guide-collection-agencies/prohibited-practices-and-conduct"
_CLINIC = (
    "https://stepstojustice.ca/steps/debt-and-consumer-rights/"
    "2-learn-rules-collection-agency-must-follow-when-contacting-you/"
)

NOTICE_TEMPLATE = "collection.notice"
"""The template of the written notice (by regular mail or e-mail) that must come first."""

ON_CONTACT_CHANNELS = ("phone", "ai_voice", "sms", "email", "in_app", "field_visit")
"""Every channel that reaches the debtor at a moment; a letter by regular mail is not
'contact' for the frequency limit."""

CA_ON_CDSSA = Preset(
    name="ca_on_cdssa",
    version="reg74-2022",
    title="Ontario Collection and Debt Settlement Services Act, Reg. 74 (prohibited practices)",
    applies_to=AppliesTo(
        roles=("third_party_collector", "debt_buyer"),
        products=("consumer_debt",),
        residence=("CA-ON",),
    ),
    effective_from=None,
    zone_assumption="set",
    assumed_zone=None,
    rules=(
        RequiresPriorEvent(
            "ca_on_cdssa.21.notice_first",
            milestone="contacted:" + NOTICE_TEMPLATE,
            min_elapsed=days(6),
            exempt_templates=(NOTICE_TEMPLATE,),
            citation=Citation(
                REG_74,
                "s.21: a written notice (creditor, balance, agency, its authority) first, then "
                "'You must wait 6 calendar days after sending a written notice before you can: "
                "contact the debtor' (the ministry's guide)",
                _GUIDE,
                "S",
            ),
        ),
        FrequencyCap(
            "ca_on_cdssa.22.three_in_seven",
            max_contacts=3,
            per=days(7),
            window="rolling_days",
            scope="debtor",
            counts="connected",
            channels=ON_CONTACT_CHANNELS,
            exclude=("inbound", "consented"),
            consent_window=days(7),
            citation=Citation(
                REG_74,
                "s.22: after initial contact 'you cannot contact the debtor more than 3 times "
                "within a 7-day period unless additional contact was agreed to, requested or "
                "initiated by the debtor, or if contact is by mail' (the ministry's guide)",
                _GUIDE,
                "S",
            ),
        ),
        ContactHours(
            "ca_on_cdssa.hours_mon_sat",
            window=(time(7), time(21)),
            weekdays=("mon", "tue", "wed", "thu", "fri", "sat"),
            other_days="open",
            channels=ON_CONTACT_CHANNELS,
            citation=Citation(
                REG_74,
                "contact only 'Mondays to Saturdays between 7 a.m. and 9 p.m.' (a legal "
                "clinic's summary; a firm quotes the ministry's page: not 'between 9 p.m. and "
                "7 a.m.')",
                _CLINIC,
                "S",
            ),
        ),
        ContactHours(
            "ca_on_cdssa.hours_sunday",
            window=(time(13), time(17)),
            weekdays=("sun",),
            other_days="open",
            channels=ON_CONTACT_CHANNELS,
            citation=Citation(
                REG_74,
                "'Sundays between 1 p.m. and 5 p.m.' (a legal clinic's summary; a firm quotes "
                "the ministry's page: 'contact you on a Sunday, except between 1 p.m. and 5 p.m.')",
                _CLINIC,
                "S",
            ),
        ),
        QuietDays(
            "ca_on_cdssa.holidays",
            calendar=PublicHolidays("CA", "ON"),
            channels=ON_CONTACT_CHANNELS,
            citation=Citation(
                REG_74,
                "no contact 'on a holiday' (a legal clinic's summary; a firm quotes the "
                "ministry's page); the days are the holidays package's Ontario statutory list, "
                "which days the regulation counts as holidays was not read",
                _CLINIC,
                "U",
            ),
        ),
    ),
    notes=(
        "Binds collection agencies and collectors (and debt buyers collecting through "
        "them); a creditor collecting its own debt is outside the Act.",
        "Every rule is S: the regulation's ss. 21-22 were not read (the stored copy opens "
        "with the registration sections); the notice and the 3-in-7 limit are from the "
        "ministry's guide, the hours from a legal clinic and trustees' summaries that agree.",
        "The notice is the delivered template 'collection.notice' (regular mail or e-mail); "
        "every other contact waits 6 days after it (counted from its delivery moment: a few "
        "hours stricter than 6 calendar days).",
        "The 3-in-7 limit counts contact actually made (answered, a voice mail or message "
        "delivered), not letters by mail; the guide says it applies only once the debtor has "
        "been spoken to, which is not encoded: it applies from the first contact (stricter). "
        "Contact the debtor agreed to is left out (a ConsentWaiver naming the rule).",
        "Holidays are the holidays package's Ontario statutory list (observed days included; "
        "needs the 'holidays' extra); which days the regulation means by 'holiday' was not "
        "read, so that rule is U.",
        "Not encoded: the employer and third-party rules, and the limits on fees.",
        "No third_party_contact rule: the third-party rules were not read in a primary text, "
        "so a policy contacting third parties must state its own rule.",
        "No zone is assumed: an account without a zone is not contacted.",
    ),
)
