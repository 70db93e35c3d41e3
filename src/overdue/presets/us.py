"""United States: Regulation F (12 CFR part 1006) and the Massachusetts overlay.

Numbers and marks come from the project's research note (``compliance-rules.md``, rows US-1 to
US-24).  Design choices the sources leave open, documented here and in
``docs/presets/us_reg_f.md``:

- "7 consecutive days" is counted in local calendar dates of the debtor's zone (US notes, U).
- The 7-in-7 and 7-day cool-down are rebuttable *presumptions*; the preset enforces them as
  hard limits, the safe reading, and says "presumption" in its citations.
- No zone is assumed: a US debtor whose zone is unknown is not contacted (US-7, U/S).
"""

from __future__ import annotations

from datetime import date, time
from typing import Literal

import attrs

from overdue.calendars import us_federal_calendar
from overdue.durations import business_days, days
from overdue.presets.preset import AppliesTo, Preset, Slot
from overdue.rules import (
    Citation,
    ContactHours,
    CoolDown,
    DisputeHold,
    ForbiddenContent,
    FrequencyCap,
    HoldWhile,
    RecordRetention,
    RequiredDisclosures,
    RequiresAuthorisation,
    RequiresPriorEvent,
    RespectCease,
    RespectOptOut,
    Rule,
    ThirdPartyContact,
    ValidationPeriod,
)

__all__ = [
    "LOCATION_INQUIRY",
    "REG_F_CALL_CHANNELS",
    "REG_F_CONTACT_CHANNELS",
    "US_REG_F",
    "US_STATE_MA",
    "reg_f",
]

REG_F = "12 CFR part 1006 (Regulation F)"
_1006_14 = "https://law.lawstack.com/cfr/12/1006.14/"
_1006_6 = "https://lawserver.com/law/country/us/cfr/12_cfr_1006-6"
_FDCPA = "https://frrsdigital.com/topic-by-locator/6-1683"

LOCATION_INQUIRY = "location.inquiry"
"""The template of a location call to a third party, which must not say a debt exists, so the
mini-Miranda rule lets it through (FDCPA 807(11) excepts location communications)."""

REG_F_CONTACT_CHANNELS = ("phone", "ai_voice", "sms", "email", "in_app", "field_visit")
"""The media the inconvenient-time rule covers: calls (live, prerecorded or artificial voice),
texts, e-mail, in-app, visits (US-6)."""

REG_F_CALL_CHANNELS = ("phone", "ai_voice")
"""What Reg F's call-frequency presumptions count: telephone calls, an AI or prerecorded voice
call included ("place telephone calls"; the audit's cross-cutting finding 2)."""

_DISPUTE_D2 = (
    "1006.38(d)(2): 'Upon receipt of a dispute submitted by the consumer in writing within the "
    "validation period, a debt collector must cease collection'; FDCPA 809(b): 'cease "
    "collection of the debt ... until the debt collector obtains verification'"
)


def _dispute_rule(within: Literal["any_time", "validation_period"]) -> Rule:
    """The dispute hold: every dispute (default, stricter), or Reg F's own scoping."""
    if within == "any_time":
        return HoldWhile(
            "us_reg_f.1006.38(d)(2)",
            fact="dispute_open",
            citation=Citation(
                "FDCPA 809(b); " + REG_F,
                _DISPUTE_D2 + "; held for every dispute at any time (stricter)",
                "https://frrsdigital.com/topic-by-locator/6-1683",
                "V",
            ),
        )
    return DisputeHold(
        "us_reg_f.1006.38(d)(2)",
        within="validation_period",
        notice="contacted:validation.notice",
        period=days(30),
        receipt_after=business_days(5),
        verification="dispute.verification",
        citation=Citation(
            "FDCPA 809(b); " + REG_F,
            _DISPUTE_D2 + "; scoped as the regulation scopes it",
            "https://frrsdigital.com/topic-by-locator/6-1683",
            "V",
        ),
    )


def reg_f(*, dispute_hold: Literal["any_time", "validation_period"] = "any_time") -> Preset:
    """The ``us_reg_f`` preset; ``dispute_hold='validation_period'`` scopes the dispute hold.

    The default holds collection for every open dispute at any time (stricter than the rule,
    and pausing the escalation clock).  ``'validation_period'`` holds only for a dispute made
    within the validation period, until ``dispute.verification`` is sent (1006.38(d)(2)); see
    :class:`~overdue.rules.DisputeHold`.  Either way the decision's ``debt_disputed`` reports
    an open dispute.  A policy file naming ``us_reg_f`` always gets the default.
    """
    if dispute_hold not in ("any_time", "validation_period"):
        from overdue.presets.preset import PresetError

        raise PresetError(
            "unknown dispute_hold scope",
            expected="'any_time' | 'validation_period'",
            got=dispute_hold,
        )
    return _reg_f(_dispute_rule(dispute_hold))


def _reg_f(dispute: Rule) -> Preset:
    rules = tuple(dispute if r.id == dispute.id else r for r in _REG_F_BASE.rules)
    return attrs.evolve(_REG_F_BASE, rules=rules)


_REG_F_BASE = Preset(
    name="us_reg_f",
    version="2021-11-30",
    title="Regulation F (12 CFR part 1006) under the FDCPA",
    applies_to=AppliesTo(
        roles=("third_party_collector", "debt_buyer"),
        products=("consumer_debt",),
        residence=("US",),
    ),
    effective_from=date(2021, 11, 30),
    zone_assumption="set",
    assumed_zone=None,
    calendar=us_federal_calendar(),
    rules=(
        ContactHours(
            "us_reg_f.1006.6(b)(1)(i)",
            window=(time(8), time(21)),
            channels=REG_F_CONTACT_CHANNELS,
            on_unknown="block",
            waivable=True,
            citation=Citation(
                REG_F,
                "1006.6(b)(1)(i): 'a time before 8:00 a.m. and after 9:00 p.m. local time at the "
                "consumer's location is inconvenient' (all media, AI and prerecorded calls "
                "included), unless the consumer consents (1006.6(b)(1))",
                _1006_6,
                "V",
            ),
        ),
        ContactHours(
            "us_reg_f.1006.6(b)(1)(i).all_locations",
            window=(time(8), time(21)),
            channels=REG_F_CONTACT_CHANNELS,
            zone_sources=("account", "contact_point", "address"),
            zone_mode="intersect",
            on_unknown="block",
            citation=Citation(
                REG_F,
                "official interpretation of 1006.6(b)(1)(i): with conflicting locations, a time "
                "convenient in all of them (recalled, not read); consent order 2015-CFPB-0016 "
                "used the address's zone",
                "https://www.consumerfinance.gov/rules-policy/regulations/1006/6/",
                "U",
            ),
        ),
        FrequencyCap(
            "us_reg_f.1006.14(b)(2)(i)(A)",
            max_contacts=7,
            per=days(7),
            window="rolling_days",
            scope="debt",
            counts="attempt",
            channels=REG_F_CALL_CHANNELS,
            exclude=("inbound", "not_connected", "consented"),
            consent_window=days(7),
            citation=Citation(
                REG_F,
                "1006.14(b)(2)(i)(A): a call to a person about 'a particular debt ... More than "
                "seven times within seven consecutive days' (presumption of a violation); not "
                "counted, 1006.14(b)(3): calls within 7 days of direct consent, calls 'Not "
                "connected to the dialed number'; inbound calls (CFPB FAQ, secondary only)",
                _1006_14,
                "V",
            ),
        ),
        CoolDown(
            "us_reg_f.1006.14(b)(2)(i)(B)",
            after="conversation",
            period=days(7),
            day_one="event_local_date",
            channels=REG_F_CALL_CHANNELS,
            count_channels=REG_F_CALL_CHANNELS,
            citation=Citation(
                REG_F,
                "1006.14(b)(2)(i)(B): no call within 7 days after a telephone conversation; "
                "'The date of the telephone conversation is the first day of the "
                "seven-consecutive-day period' (presumption)",
                _1006_14,
                "V",
            ),
        ),
        HoldWhile(
            "us_reg_f.1006.6(b)(2)",
            fact="represented_by_attorney",
            pause_deadlines=False,
            citation=Citation(
                REG_F, "1006.6(b)(2): no contact once an attorney represents the consumer", _1006_6
            ),
        ),
        ThirdPartyContact(
            "us_reg_f.1006.10",
            mode="location_only",
            max_per_person=1,
            citation=Citation(
                "FDCPA 804; " + REG_F,
                "1006.10, 1006.6(d)(1): third parties only to acquire location information, "
                "at most once per person, never saying that a debt exists",
                "https://www.lawserver.com/law/country/us/code/15_usc_1692b",
                "V",
            ),
        ),
        RespectCease(
            "us_reg_f.1006.6(c)",
            exempt_templates=(
                "cease.efforts_terminated",
                "cease.remedy_may_be_invoked",
                "cease.remedy_will_be_invoked",
            ),
            citation=Citation(
                "FDCPA 805(c); " + REG_F,
                "1006.6(c): a written refusal or cease request ends communication, but for "
                "three notices",
                _FDCPA,
                "V",
            ),
        ),
        RespectOptOut(
            "us_reg_f.1006.14(h)",
            exempt=("legal",),
            exempt_tags=("required_by_law",),
            citation=Citation(
                REG_F,
                "1006.14(h)(1): 'must not communicate or attempt to communicate with a person "
                "through a medium of communication if the person has requested that the debt "
                "collector not use that medium'; letters included, except (h)(2)(iii) 'If "
                "otherwise required by applicable law' (templates tagged required_by_law)",
                "https://www.consumerfinance.gov/rules-policy/regulations/1006/14/",
                "V",
            ),
        ),
        _dispute_rule("any_time"),
        RequiresPriorEvent(
            "us_reg_f.1006.30(a)",
            milestone="contacted:validation.notice",
            min_elapsed=days(14),
            channels=("credit_report",),
            citation=Citation(
                REG_F,
                "1006.30(a)(1), comment 30(a)(1)-2: no furnishing before 14 consecutive days "
                "after the debt information was sent",
                "https://www.consumerfinance.gov/rules-policy/regulations/1006/interp-30/",
                "V",
            ),
        ),
        HoldWhile(
            "us_reg_f.11usc362(a)",
            fact="bankruptcy",
            citation=Citation(
                "11 U.S.C. 362",
                "(a)(1), (6): the automatic stay of any act to collect a pre-petition claim",
                "http://law.scu.edu/FacWebPage/Neustadter/article9/main/statutes/bk_362.html",
                "V",
            ),
        ),
        ValidationPeriod(
            "us_reg_f.1006.34(b)(5)",
            notice="contacted:validation.notice",
            period=days(30),
            receipt_after=business_days(5),
            stages=("litigation", "enforcement"),
            citation=Citation(
                REG_F,
                "1006.34(a)(1), (b)(5): validation period of 30 days after receipt, assumed 5 "
                "days after sending excluding Saturdays, Sundays and federal holidays",
                "https://casetext.com/regulation/code-of-federal-regulations/title-12-banks-and-"
                "banking/chapter-x-consumer-financial-protection-bureau/part-1006-debt-"
                "collection-practices-regulation-f/subpart-b-rules-for-fdcpa-debt-collectors/"
                "section-100634-notice-for-validation-of-debts",
                "S",
            ),
        ),
        RequiredDisclosures(
            "us_reg_f.1006.18(e)",
            fields=("debt_collector_notice", "identity"),
            channels=("phone", "sms", "email", "letter", "in_app"),
            exempt_templates=(LOCATION_INQUIRY,),
            citation=Citation(
                "FDCPA 806(6), 807(11); " + REG_F,
                "1006.14(g), 1006.18(e): meaningful disclosure of identity; say the "
                "communication is from a debt collector (the 'mini-Miranda')",
                _FDCPA,
                "S",
            ),
        ),
        RequiredDisclosures(
            "us_reg_f.1006.6(e)",
            fields=("opt_out_notice",),
            channels=("sms", "email", "in_app"),
            citation=Citation(
                REG_F,
                "1006.6(e): each message 'by email, by text message, or by any other electronic "
                "medium that uses a specific electronic address' states a simple way to opt out",
                "http://online.collector.com/collectormagazine/202104/?&startid=24",
                "S",
            ),
        ),
        ForbiddenContent(
            "us_reg_f.1006.22(f)",
            tags=("postcard", "envelope_debt_language", "public_social_post"),
            citation=Citation(
                REG_F,
                "1006.22(f)(1), (2), (4): no postcards, nothing on envelopes but the "
                "collector's address, no public social-media messages",
                "https://www.consumerfinance.gov/rules-policy/regulations/1006/2021-11-30/"
                "interp-22/",
                "V",
            ),
        ),
        RecordRetention(
            "us_reg_f.1006.100",
            years=3,
            citation=Citation(
                REG_F,
                "1006.100(a): records kept 'until three years after the debt collector's last "
                "collection activity on the debt' (counted from the last contact here)",
                "https://www.consumerfinance.gov/rules-policy/regulations/1006/",
                "V",
            ),
        ),
        RequiresAuthorisation(
            "us_reg_f.50usc3931",
            authorisation="military_status_checked",
            stages=("litigation",),
            citation=Citation(
                "50 U.S.C. 3931 (SCRA)",
                "an affidavit on military status before a default judgment",
                "https://www.govregs.com/uscode/expand/title50_chapter50_subchapterII_section3937",
                "V",
            ),
        ),
    ),
    requires=(
        Slot(
            "us_reg_f.sms_cap",
            ("frequency_cap",),
            "Reg F's 7-in-7 presumption covers calls only; texts can still be harassment "
            "(comment 14(a)-1.i), so state a house cap for SMS",
            severity="warning",
        ),
    ),
    notes=(
        "Binds debt collectors and debt buyers; an original creditor collecting in its own "
        "name is generally outside Reg F (S) but exposed to UDAAP.",
        "The 7-in-7 cap and the 7-day cool-down are presumptions, enforced as hard limits; "
        "days are the debtor's local calendar dates (a design choice, U). Calls include AI and "
        "prerecorded voice calls (channel 'ai_voice'), which the hours rule covers too.",
        "Per particular debt: contacts recorded without a debt_id count for every debt of the "
        "account, contacts tagged with a debt_id for that debt.",
        "The 7-in-7 cap leaves out calls within 7 days of the debtor's direct consent (a "
        "ConsentWaiver naming the cap; the consent's date is day 1) and calls that never "
        "connected (both read in the verbatim text), and inbound calls (CFPB FAQ, secondary). "
        "Calls to the debtor's attorney still count (that exclusion is U). The cool-down has "
        "no consent carve-out although (b)(3) applies to it too (stricter).",
        "The consumer's consent (a ConsentWaiver naming 'us_reg_f.1006.6(b)(1)(i)') lifts "
        "the hours rule; 'all_locations' (U) is not waivable.",
        "Not encoded: the one reply to a contact the debtor starts at a designated time "
        "(1006.6(b)(4)): the sources read give it no time limit, and the library will not "
        "invent one; add a respond_once rule with your own window.",
        "The dispute hold (1006.38(d)(2)) applies to every dispute at any time and pauses the "
        "escalation clock (stricter). reg_f(dispute_hold='validation_period') gives the "
        "regulation's scope: a dispute within the validation period halts collection until "
        "'dispute.verification' is sent. Decisions carry debt_disputed for credit reporting.",
        "A medium opt-out covers letters too; only templates tagged 'required_by_law' and "
        "court filings ('legal') go through (1006.14(h)(2)(iii)).",
        "Credit reporting is gated on the delivered 'validation.notice' template; a "
        "conversation does not yet open it (stricter).",
        "The state limitation period for time-barred debt (1006.26(b)) depends on state "
        "law: add a time_bar rule.",
        "No zone is assumed: an account whose zone is unknown is not contacted.",
        "The validation period holds litigation and enforcement (a cautious reading of "
        "'overshadowing'); other collection goes on. Business days are US federal ones, "
        "observed days counting as holidays (U).",
        "Content rules check the tags templates declare: 'debt_collector_notice' and "
        "must_state 'identity' on every message but the third-party 'location.inquiry', "
        "'opt_out_notice' on SMS, e-mail and in-app messages.",
        "Not encoded: consumer-designated inconvenient places and the workplace rules "
        "(1006.6(b)(3), 1006.22(f)(3)): contact points carry no class yet.",
    ),
)

US_REG_F = _REG_F_BASE
"""Regulation F with the stricter dispute hold (every dispute); :func:`reg_f` for the other."""

_209_18_16 = "https://law.cornell.edu/regulations/massachusetts/209-CMR-18-16"

US_STATE_MA = Preset(
    name="us_state_ma",
    version="940cmr7.04",
    title="Massachusetts 940 CMR 7.04 (creditors) and 209 CMR 18.16-18.17 (debt collectors)",
    applies_to=AppliesTo(
        roles=("creditor", "third_party_collector", "debt_buyer"),
        products=("consumer_debt",),
        residence=("US-MA",),
    ),
    effective_from=None,
    overlays=("us_reg_f",),
    zone_assumption="set",
    assumed_zone=None,
    rules=(
        FrequencyCap(
            "us_state_ma.940cmr7.04(1)(f)",
            max_contacts=2,
            per=days(7),
            window="rolling_days",
            scope="debt",
            counts="attempt",
            channels=("phone", "ai_voice", "sms"),
            point_kinds=("mobile", "home", "unclassified"),
            citation=Citation(
                "940 CMR 7.04; 209 CMR 18.16",
                "18.16(1)(d): 'in excess of two such communications in each seven-day period "
                "to a consumer's residence or cellular telephone'; 940 CMR 7.04(1)(f) the same "
                "for creditors, 'in person or via text messaging or recorded audio message' "
                "(7.04 read only to '(f)'); applied to every number (see notes)",
                _209_18_16,
                "V",
            ),
        ),
        FrequencyCap(
            "us_state_ma.940cmr7.04(1)(f).other",
            max_contacts=2,
            per=days(30),
            window="rolling_days",
            scope="debt",
            counts="attempt",
            channels=("phone", "ai_voice", "sms"),
            point_kinds=("work", "other"),
            citation=Citation(
                "209 CMR 18.16; 940 CMR 7.04",
                "18.16(1)(d): 'and two such communications in each 30-day period other than at "
                "a consumer's residence' (work and other numbers); 940 CMR 7.04(1)(f) for "
                "creditors read only to '(f)'",
                _209_18_16,
                "V",
            ),
        ),
        ContactHours(
            "us_state_ma.940cmr7.04.hours",
            window=(time(8), time(21)),
            channels=REG_F_CONTACT_CHANNELS,
            citation=Citation(
                "209 CMR 18.16; 940 CMR 7.04",
                "18.16(1)(a): 'assume that the convenient time for communicating with a "
                "consumer is after 8:00 A.M. and before 9:00 P.M' (every communication; "
                "940 CMR 7.04's own hours clause for creditors not read)",
                _209_18_16,
                "V",
            ),
        ),
        FrequencyCap(
            "us_state_ma.visits",
            max_contacts=1,
            per=days(30),
            window="rolling_days",
            scope="debt",
            channels=("field_visit",),
            citation=Citation(
                "209 CMR 18.17(6)",
                "visits 'initiated by the debt collector, exceed one in any 30-day period for "
                "each debt, excluding visits where no person is contacted' (every visit counts "
                "here: stricter)",
                "https://casetext.com/regulation/code-of-massachusetts-regulations/"
                "department-209-cmr-division-of-banks/title-209-cmr-1800-conduct-of-the-"
                "business-of-debt-collectors-and-loan-servicers/section-20918-17-unfair-or-"
                "deceptive-practices",
                "V",
            ),
        ),
    ),
    notes=(
        "An overlay: stack it on us_reg_f for a debt collector, or alone for a creditor.",
        "Contact points carry a class (ContactPoint.kind): 2 calls or texts in 7 local days "
        "to home, mobile and unclassified numbers ('every number' in the citation: every "
        "number not classed work or other), 2 in 30 to work and other numbers, per debt. A "
        "number of no known class is capped as a home or mobile one (2 in 7): classify work "
        "and other numbers to get the 30-day cap.",
        "Not encoded: the workplace request (oral: 10 days unless confirmed in writing "
        "within 7, 18.16(1)(c)) and no visits at the place of employment (18.17(7)).",
        "Calls include AI and recorded-voice calls ('recorded audio message').",
    ),
)
