"""Australia: the ACCC/ASIC *Debt collection guideline: for collectors and creditors*.

The guideline is the regulators' statement of how the Competition and Consumer Act 2010, the
ASIC Act 2001 and the National Consumer Credit Protection Act 2009 apply to collection; it is
not itself a statute, and its numbers are recommendations ("can be assumed to be appropriate",
"we recommend").  The numbers here were read in the guideline's own text on accc.gov.au (Part
2, sections 3, 4, 5 and 9), so they are marked ``V`` as statements of the guideline, with the
reading choices the text leaves open stated in the notes.
"""

from __future__ import annotations

from datetime import time

from overdue.durations import days, months
from overdue.presets.preset import AppliesTo, Preset
from overdue.presets.public_holidays import PublicHolidays
from overdue.rules import Citation, ContactHours, FrequencyCap, HoldWhile, QuietDays

__all__ = ["AU_ACCC_ASIC_2021", "AU_CALL_CHANNELS", "AU_WRITTEN_CHANNELS"]

GUIDELINE = "ACCC/ASIC Debt collection guideline: for collectors and creditors (2021)"
_PART2 = (
    "https://www.accc.gov.au/publications/debt-collection-guideline-for-collectors-creditors/"
    "debt-collection-guideline-for-collectors-and-creditors/part-2-practical-guidance/"
)

AU_CALL_CHANNELS = ("phone", "ai_voice", "sms")
"""'Communications by phone', which the guideline says include a text message delivered."""

AU_WRITTEN_CHANNELS = ("email", "letter", "in_app")
"""'Communications in writing' that are contact too (letter, e-mail, app messages)."""

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
_WEEKEND = ("sat", "sun")

AU_ACCC_ASIC_2021 = Preset(
    name="au_accc_asic_2021",
    version="2021",
    title="ACCC/ASIC Debt collection guideline: for collectors and creditors",
    applies_to=AppliesTo(
        roles=("creditor", "third_party_collector", "debt_buyer"),
        products=("consumer_debt",),
        residence=("AU",),
    ),
    effective_from=None,
    zone_assumption="set",
    assumed_zone=None,
    rules=(
        ContactHours(
            "au_accc_asic_2021.4.phone_weekdays",
            window=(time(7, 30), time(21)),
            weekdays=_WEEKDAYS,
            other_days="open",
            channels=AU_CALL_CHANNELS,
            citation=Citation(
                GUIDELINE,
                "Part 2 s.4 'Reasonable contact times': 'Contact by telephone Monday to Friday "
                "7.30 am to 9 pm', local times in the debtor's state or territory",
                _PART2 + "4-hours-of-contact",
                "V",
            ),
        ),
        ContactHours(
            "au_accc_asic_2021.4.phone_weekends",
            window=(time(9), time(21)),
            weekdays=_WEEKEND,
            other_days="open",
            channels=AU_CALL_CHANNELS,
            citation=Citation(
                GUIDELINE,
                "Part 2 s.4: telephone contact at 'Weekends 9 am to 9 pm'",
                _PART2 + "4-hours-of-contact",
                "V",
            ),
        ),
        ContactHours(
            "au_accc_asic_2021.4.face_to_face",
            window=(time(9), time(21)),
            channels=("field_visit",),
            citation=Citation(
                GUIDELINE,
                "Part 2 s.4: 'Face-to-face contact Monday to Friday 9 am to 9 pm', 'Weekends 9 "
                "am to 9 pm'",
                _PART2 + "4-hours-of-contact",
                "V",
            ),
        ),
        FrequencyCap(
            "au_accc_asic_2021.5.per_week",
            max_contacts=3,
            per=days(7),
            window="rolling_days",
            scope="debt",
            counts="connected",
            channels=(*AU_CALL_CHANNELS, *AU_WRITTEN_CHANNELS),
            citation=Citation(
                GUIDELINE,
                "Part 2 s.5: 'do not contact a debtor more than three times per week, or 10 "
                "times per month at most (when contact is actually made, as distinct from "
                "attempted contact)', per account; face-to-face contact excepted",
                _PART2 + "5-frequency-of-contact",
                "V",
            ),
        ),
        FrequencyCap(
            "au_accc_asic_2021.5.per_month",
            max_contacts=10,
            per=months(1),
            window="rolling",
            scope="debt",
            counts="connected",
            channels=(*AU_CALL_CHANNELS, *AU_WRITTEN_CHANNELS),
            citation=Citation(
                GUIDELINE,
                "Part 2 s.5: '10 times per month at most (when contact is actually made)', per "
                "account; a month read as any rolling calendar month",
                _PART2 + "5-frequency-of-contact",
                "V",
            ),
        ),
        QuietDays(
            "au_accc_asic_2021.4.public_holidays",
            calendar=PublicHolidays("AU"),
            channels=(*AU_CALL_CHANNELS, "field_visit"),
            citation=Citation(
                GUIDELINE,
                "Part 2 s.4: telephone and face-to-face contact on 'National public holidays No "
                "contact recommended' (the holidays package's national list)",
                _PART2 + "4-hours-of-contact",
                "V",
            ),
        ),
        HoldWhile(
            "au_accc_asic_2021.9.represented",
            fact="represented",
            pause_deadlines=False,
            citation=Citation(
                GUIDELINE,
                "Part 2 s.9: you should not 'contact a debtor directly after you know, or should "
                "know, that the debtor is represented' (financial counsellor, solicitor, ...)",
                _PART2 + "9-when-a-debtor-is-represented",
                "V",
            ),
        ),
    ),
    notes=(
        "A guideline, not a statute: the regulators' view of what the Competition and Consumer "
        "Act, the ASIC Act and the NCCP Act require; its numbers are recommendations, "
        "enforced here as limits.",
        "Edition: the stored copy of the guideline is dated April 2021; a summary calls it "
        "the July 2021 edition. The rule texts were read on accc.gov.au.",
        "'Per week' is read as 7 consecutive local days and 'per month' as any rolling "
        "calendar month (design choices; the text says neither). Contact counts when it is "
        "actually made (answered, delivered, a voice message left), per account.",
        "Text messages count as telephone contact for the hours (s.3: communications by phone "
        "include 'a message of any kind ... delivered'); e-mail and letters have no hours in "
        "the table and are not limited here.",
        "National public holidays are the holidays package's national list for AU (needs the "
        "'holidays' extra); state-only holidays are not quiet days here.",
        "Not encoded: workplace contact 09:00-17:00 "
        "(contact points carry no class yet), a debtor's reasonable wishes about times (use "
        "a ConsentWaiver or a stricter house rule), the exceptions of s.9(d)-(e) (stricter), "
        "and face-to-face frequency (not read in the current text).",
        "No third_party_contact rule: the guideline's third-party guidance was not "
        "researched, so a policy contacting third parties must state its own rule.",
        "No zone is assumed: 'local times in the debtor's state or territory' span three "
        "zones, so an account without a zone is not contacted.",
        "Representation is the fact 'represented' (FactSet), set by the host.",
    ),
)
