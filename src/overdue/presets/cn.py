"""China: the 2018 NIFA convention, the 2025 national standard, the 2026 CBA guideline.

Every Chinese number in the research note (rows CN-1 to CN-17) is secondary (``S``): the
official texts of the 2024 guideline, the 2025 standard and the 2026 CBA guideline were not
read.  So every rule here explains itself as "[secondary source only]".  The 2018 convention
gives no numbers for hours or frequency ("appropriate times", "no frequent calls"), so
``cn_nifa_2018`` refuses to build until another preset or the policy states them.
"""

from __future__ import annotations

from datetime import date, time

from overdue.durations import days
from overdue.presets.preset import AppliesTo, Preset, Slot
from overdue.rules import (
    Citation,
    ContactHours,
    FieldVisitConduct,
    ForbiddenContent,
    FrequencyCap,
    RecordRetention,
    RequiredDisclosures,
    RequiresAuthorisation,
    RequiresRecording,
    ThirdPartyContact,
)

__all__ = [
    "CN_CBA_2026",
    "CN_CONTACT_CHANNELS",
    "CN_GBT_2025",
    "CN_NIFA_2018",
    "PRE_AGREED_CONTACT",
]

CN_CONTACT_CHANNELS = ("phone", "ai_voice", "sms", "email", "in_app", "field_visit")
"""Every channel that reaches the debtor at a moment: "collection" covers them all (CN-6)."""

SHANGHAI = "Asia/Shanghai"

NIFA_2018 = "《互联网金融逾期债务催收自律公约（试行）》 (NIFA, 2018)"
_NIFA_2018_LINK = "https://m.nbd.com.cn/articles/2018-03-29/1203908.html"
GBT_2025 = "GB/T 《互联网金融 个人网络消费信贷 贷后催收风控指引》 (2025)"
_GBT_LINK = "https://daydaynews.cc/zh-mo/finance/3964557.html"
NIFA_2024 = "《互联网金融贷后催收业务指引》 (NIFA, 2024)"
CBA_2026 = "《金融机构个人消费类贷款催收工作指引（试行）》 (CBA, 2026)"
_CBA_LINK = "http://fund.caiding5.cn/shichang/36079.html"

PRE_AGREED_CONTACT = "pre_agreed_contact"
"""The label a host gives the contact points of the person the debtor named in advance."""

QUIET_HOURS_SLOT = "cn_nifa_2018.quiet_hours"
CALL_FREQUENCY_SLOT = "cn_nifa_2018.call_frequency"

CN_NIFA_2018 = Preset(
    name="cn_nifa_2018",
    version="2018-03-28",
    title="NIFA self-regulatory convention on overdue internet-finance debt (trial)",
    applies_to=AppliesTo(
        roles=("creditor", "agency"),
        products=("internet_finance_loan",),
        residence=("CN",),
    ),
    effective_from=date(2018, 3, 28),
    zone_assumption="set",
    assumed_zone=SHANGHAI,
    rules=(
        ThirdPartyContact(
            "cn_nifa_2018.art14",
            mode="unreachable_only",
            unreachable_after=3,
            stop_on_refusal=True,
            persons=(PRE_AGREED_CONTACT,),
            citation=Citation(
                NIFA_2018,
                "Arts. 13-14: no harassing unrelated persons; when the debtor cannot be reached "
                "the institution 'solo podrá contactar a la persona de contacto previamente "
                "acordada por el deudor' (a Spanish translation); 'cannot be reached' as 3 "
                "failed attempts is the library's reading (the convention gives no number)",
                "https://waihuizhishiwang.com/gupiaozhishi/fxh2lbtupq.html",
                "S",
            ),
        ),
        RequiredDisclosures(
            "cn_nifa_2018.art15",
            fields=("institution_name",),
            channels=("phone", "ai_voice", "sms", "email", "letter", "in_app", "field_visit"),
            citation=Citation(
                NIFA_2018,
                "Art. 15: state the institution represented at the start of every contact",
                _NIFA_2018_LINK,
                "S",
            ),
        ),
        ForbiddenContent(
            "cn_nifa_2018.art18-19",
            tags=("disclose_debt_to_third_party", "extra_fee"),
            citation=Citation(
                NIFA_2018,
                "Arts. 18-19: no disclosure of the debt to anyone but the debtor; no extra "
                "fees in the name of collection",
                _NIFA_2018_LINK,
                "S",
            ),
        ),
        FieldVisitConduct(
            "cn_nifa_2018.art15.field_visit",
            min_staff=1,
            show_identification=True,
            enter_only_with_consent=False,
            recording=True,
            citation=Citation(
                NIFA_2018,
                "Arts. 15, 21: on site, show credentials and the loan information unasked; "
                "record the whole visit, audio or video",
                _NIFA_2018_LINK,
                "S",
            ),
        ),
        RecordRetention(
            "cn_nifa_2018.art21.records",
            years=5,
            citation=Citation(
                NIFA_2018,
                "Art. 21: collection records kept at least 5 years (press report; the Art. 21 "
                "translation the audit read shows only the recording duty)",
                _NIFA_2018_LINK,
                "S",
            ),
        ),
        RequiresAuthorisation(
            "cn_nifa_2018.art21.field_visit",
            authorisation="agency_mandate",
            channels=("field_visit",),
            citation=Citation(
                NIFA_2018,
                "Art. 21: outsourced collection is monitored; on-site collection recorded in "
                "full (article numbers from a translation)",
                _NIFA_2018_LINK,
                "S",
            ),
        ),
    ),
    requires=(
        Slot(
            QUIET_HOURS_SLOT,
            ("contact_hours",),
            "the 2018 convention (Art. 17) says only 'at appropriate times', with no hours",
        ),
        Slot(
            CALL_FREQUENCY_SLOT,
            ("frequency_cap",),
            "the 2018 convention (Art. 17) says only 'no frequent calls', with no number",
        ),
    ),
    notes=(
        "Third parties: only the person the debtor named in advance, whose contact points the "
        "host labels 'pre_agreed_contact', and only once the debtor is unreachable.",
        "Claims that the convention fixes 08:00-22:00 or 08:00-21:00 (an 'Art. 16') did not "
        "check out: its Art. 16 is about polite language, Art. 17 gives no number.",
        "Not encoded: the legal cap on total financing cost (an amount rule).",
        "Content rules check the tags templates declare: 'institution_name' on every message.",
    ),
)

CN_GBT_2025 = Preset(
    name="cn_gbt_2025",
    version="2025-03-13",
    title="National standard GB/T: post-loan collection risk control for personal online "
    "consumer credit",
    applies_to=AppliesTo(
        roles=("creditor", "agency", "debt_buyer"),
        products=("personal_online_consumer_credit",),
        residence=("CN",),
    ),
    effective_from=date(2025, 3, 13),
    zone_assumption="set",
    assumed_zone=SHANGHAI,
    provides=frozenset({QUIET_HOURS_SLOT, CALL_FREQUENCY_SLOT}),
    rules=(
        ContactHours(
            "cn_gbt_2025.quiet_hours",
            window=(time(8), time(22)),
            channels=CN_CONTACT_CHANNELS,
            waivable=True,
            citation=Citation(
                GBT_2025,
                "no collection between 22:00 and 08:00 unless the parties agreed otherwise",
                _GBT_LINK,
                "S",
            ),
        ),
        FrequencyCap(
            "cn_gbt_2025.conversations_per_day",
            max_contacts=3,
            per=days(1),
            window="rolling_days",
            scope="debtor",
            counts="conversation",
            channels=("phone", "ai_voice"),
            citation=Citation(
                GBT_2025,
                "interactive voice collection, AI voice included: at most 3 effective "
                "conversations a day with one debtor",
                _GBT_LINK,
                "S",
            ),
        ),
        FrequencyCap(
            "cn_gbt_2025.connected_calls_per_day",
            max_contacts=3,
            per=days(1),
            window="rolling_days",
            scope="debtor",
            counts="connected",
            channels=("phone", "ai_voice"),
            citation=Citation(
                NIFA_2024,
                "informative voice collection: at most 3 connected calls a day to one debtor, "
                "institution and agencies together",
                "http://www.bvvic.com/honghe/wenti/1543.html",
                "S",
            ),
        ),
        ThirdPartyContact(
            "cn_gbt_2025.third_parties",
            mode="unreachable_only",
            unreachable_after=3,
            stop_on_refusal=True,
            citation=Citation(
                GBT_2025,
                "contacts only '仅在无法联系到债务人本人' (when the debtor cannot be reached), not "
                "after they refuse; never disclose. '3 failed attempts' is the CBA 2026 "
                "definition, not the standard's; death or incapacity triggers not encoded",
                _GBT_LINK,
                "S",
            ),
        ),
    ),
    notes=(
        "The standard's number and effective date are unverified (U); the version and "
        "effective date here are the announcement date, 2025-03-13.",
        "The connected-call cap comes from the 2024 NIFA guideline the standard replaces; it "
        "applies there to informative calls only, here to every call (stricter).",
        "Caps count the institution's own records: contacts by its agencies must be recorded "
        "on the account for the 'institution and agencies together' reading (U).",
        "The quiet hours are waivable: a ConsentWaiver naming 'cn_gbt_2025.quiet_hours' (the "
        "parties agreed otherwise) lifts them while it lasts.",
        "The 'interval of 7 calendar days between collection rounds' (one source, U) is kept "
        "out on purpose.",
    ),
)

CN_CBA_2026 = Preset(
    name="cn_cba_2026",
    version="2026-01-30",
    title="CBA guideline on collection of personal consumer loans and credit cards (trial)",
    applies_to=AppliesTo(
        roles=("creditor", "agency"),
        products=("credit_card", "personal_consumer_loan"),
        residence=("CN",),
    ),
    effective_from=date(2026, 1, 30),
    zone_assumption="set",
    assumed_zone=SHANGHAI,
    provides=frozenset({QUIET_HOURS_SLOT, CALL_FREQUENCY_SLOT}),
    rules=(
        ContactHours(
            "cn_cba_2026.quiet_hours",
            window=(time(8), time(22)),
            channels=CN_CONTACT_CHANNELS,
            waivable=True,
            citation=Citation(
                CBA_2026,
                "no phone, field visit or any other collection between 22:00 and 08:00 "
                "without the debtor's consent",
                "http://epaper.csjrw.cn/csjrb/20260204/html/content_20260204002001.htm",
                "S",
            ),
        ),
        FrequencyCap(
            "cn_cba_2026.unanswered_per_contact_point",
            max_contacts=6,
            per=days(1),
            window="rolling_days",
            scope="contact_point",
            counts="unanswered",
            channels=("phone", "ai_voice"),
            waivable=True,
            citation=Citation(
                CBA_2026,
                "unanswered calls: at most 6 attempts a day to the same contact point",
                _CBA_LINK,
                "S",
            ),
        ),
        FieldVisitConduct(
            "cn_cba_2026.art22.conduct",
            min_staff=2,
            show_identification=True,
            enter_only_with_consent=True,
            recording=True,
            citation=Citation(
                CBA_2026,
                "Art. 22: at least 2 collectors together, identification shown, no entry into "
                "a home or linked office without consent, recorded",
                "https://reportify.ai/social-media/768905622065079",
                "S",
            ),
        ),
        ForbiddenContent(
            "cn_cba_2026.red_lines",
            tags=(
                "impersonate_authority",
                "spread_private_information",
                "threat",
                "insult",
                "fake_blacklist",
                "exaggerate_consequence",
                "extra_fee",
                "induce_new_borrowing",
                "public_posting",
                "agent_private_phone",
            ),
            citation=Citation(
                CBA_2026,
                "the eight red lines: no impersonating authorities, spreading private data, "
                "threats or insults, fake blacklists, exaggeration, extra fees, new borrowing, "
                "public posting, agents' private phones",
                "https://www.sina.cn/news/detail/5261492447350488.html",
                "S",
            ),
        ),
        ThirdPartyContact(
            "cn_cba_2026.third_parties",
            mode="unreachable_only",
            unreachable_after=3,
            stop_on_refusal=True,
            wait="next_local_day",
            citation=Citation(
                CBA_2026,
                "'在债务人手机无效、连续三次拨打无法联系次日...可联系第三人': third "
                "parties only from the next day after the mobile number proved invalid or 3 "
                "consecutive calls failed, only to relay a message, never to collect (two "
                "press summaries agree)",
                "https://reportify.cn/social-media/768757111798201",
                "S",
            ),
        ),
        RequiresRecording(
            "cn_cba_2026.call_recording",
            channels=("phone", "ai_voice"),
            citation=Citation(
                CBA_2026,
                "phone collection recorded in full and kept (per the research note's summary of "
                "the press reports; the article and wording were not read)",
                _CBA_LINK,
                "S",
            ),
        ),
        RequiresAuthorisation(
            "cn_cba_2026.art22.field_visit",
            authorisation="field_visit",
            channels=("field_visit",),
            citation=Citation(
                CBA_2026,
                "Art. 22: field visits only as authorised (legal authorisation or agency mandate)",
                "https://www.163.com/dy/article/KKKKMEEH0553TEXM.html",
                "S",
            ),
        ),
    ),
    notes=(
        "Every number is from press reports and summaries (S).",
        "Field-visit conduct is carried as obligations on the visit's action; a visit "
        "authorised with fewer than 2 agents (AuthorisationGranted staff=1) is blocked.",
        "The quiet hours and the unanswered-call cap are waivable by the debtor's agreement "
        "(a ConsentWaiver naming the rule).",
        "Third parties only from the local day after the debtor became unreachable "
        "(ThirdPartyContact wait='next_local_day'); the alternative trigger 'three days "
        "unreachable' (连续三日无法联系) is not encoded.",
        "Calls carry the 'recording' obligation: the dispatcher sends them only once the host "
        "confirms the call is recorded.",
        "Not encoded: the '7 calendar days between collection rounds' (one source, U): what a "
        "round is was not found, so no rule could say what it limits."
    ),
)
