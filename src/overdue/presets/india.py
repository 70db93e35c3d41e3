"""India: the Reserve Bank of India's instructions on recovery agents (circular of 12 Aug 2022).

The RBI told regulated entities (banks, NBFCs, asset reconstruction companies, co-operative
banks, all-India financial institutions) that they and their agents must not intimidate or
harass anyone in debt collection, including by "persistently calling the borrower and/or
calling the borrower before 8:00 a.m. and after 7:00 p.m. for recovery of overdue loans".
The circular itself was not read here: its wording is quoted from press reports that
reproduce it, so every rule is ``S``.  "Persistently" has no number, so the preset asks the
policy for one.
"""

from __future__ import annotations

from datetime import date, time

from overdue.presets.preset import AppliesTo, Preset, Slot
from overdue.rules import Citation, ContactHours, FieldVisitConduct, ForbiddenContent

__all__ = ["IN_RBI_RECOVERY_2022"]

RBI_2022 = "RBI circular on recovery agents of regulated entities (12 Aug 2022)"
_PRESS = "https://www.greaterkashmir.com/business/rbi-tightens-norms-for-loan-recovery-agents"
_BS = (
    "https://www.business-standard.com/article/finance/"
    "rbi-asks-banks-regulated-entities-to-prevent-harassment-by-recovery-agents-"
    "122081201332_1.html"
)

FREQUENCY_SLOT = "in_rbi_recovery_2022.frequency_cap"

IN_RBI_RECOVERY_2022 = Preset(
    name="in_rbi_recovery_2022",
    version="2022-08-12",
    title="RBI instructions on the conduct of recovery agents (2022)",
    applies_to=AppliesTo(
        roles=("creditor", "agency"),
        products=("loan",),
        residence=("IN",),
    ),
    effective_from=date(2022, 8, 12),
    zone_assumption="set",
    assumed_zone="Asia/Kolkata",
    rules=(
        ContactHours(
            "in_rbi_recovery_2022.calling_hours",
            window=(time(8), time(19)),
            channels=("phone", "ai_voice"),
            citation=Citation(
                RBI_2022,
                "no 'calling the borrower before 8:00 a.m. and after 7:00 p.m. for recovery of "
                "overdue loans' (circular as quoted in the press)",
                _PRESS,
                "S",
            ),
        ),
        ForbiddenContent(
            "in_rbi_recovery_2022.no_harassment",
            tags=(
                "threat",
                "insult",
                "public_humiliation",
                "spread_private_information",
                "inappropriate_message",
                "anonymous_call",
                "false_threat",
                "misleading",
            ),
            citation=Citation(
                RBI_2022,
                "no 'intimidation or harassment of any kind, either verbal or physical', no "
                "acts 'to humiliate publicly or intrude upon the privacy' of family, referees "
                "and friends, inappropriate messages, threatening or anonymous calls, false "
                "and misleading representations (as quoted in the press)",
                _BS,
                "S",
            ),
        ),
        FieldVisitConduct(
            "in_rbi_recovery_2022.identity",
            min_staff=1,
            show_identification=True,
            enter_only_with_consent=False,
            citation=Citation(
                "RBI guidelines on recovery agents engaged by banks (2008)",
                "an agent carries an identity card and the lender's authorisation letter and "
                "shows them (secondary summaries; the 2008 text was not read)",
                "https://knowyourrightshub.com/in/debt",
                "S",
            ),
        ),
    ),
    requires=(
        Slot(
            FREQUENCY_SLOT,
            ("frequency_cap",),
            "the RBI forbids 'persistently calling the borrower' but gives no number, so the "
            "lender must state its own cap",
            severity="warning",
        ),
    ),
    notes=(
        "Every rule is S: the circular's wording is quoted from press reports (Business "
        "Standard, Greater Kashmir, Mid-day, 12-13 Aug 2022); the RBI's own text was not read.",
        "The hours cover calls (phone and AI voice), as the circular speaks of calling; other "
        "channels are left to house rules.",
        "Not encoded: 'persistently calling' has no number (state a frequency_cap with id "
        "'in_rbi_recovery_2022.frequency_cap'); microfinance loans under the RBI's 2022 "
        "microfinance directions are outside the circular; the Feb 2026 draft asking for "
        "every recovery call to be recorded is a draft, not in force.",
        "No third_party_contact rule: the circular forbids intruding on the privacy of "
        "family, referees and friends but says nothing of contacting them, so a policy "
        "contacting third parties must state its own rule.",
        "The zone is Asia/Kolkata when an account does not say (India has one zone).",
    ),
)
