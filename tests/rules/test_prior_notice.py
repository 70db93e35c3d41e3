"""Prior notice and forbearance before litigation, expressed with RequiresPriorEvent.

England and Wales (Europe/London): a Consumer Credit Act default notice gives at least 14 days
(s.88); the Pre-Action Protocol for Debt Claims gives 30 days after a letter of claim.  EU CCD2
Art. 35: forbearance offered before enforcement (Europe/Berlin).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from overdue import Account, ContactPoint, Invoice, Money, Policy, Stage, Step, decide
from overdue.events import ContactAttempted, Event, FactSet, StageEntered
from overdue.rules import Citation, RequiresPriorEvent

LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")


def _policy(*rules: RequiresPriorEvent) -> Policy:
    return Policy(
        "legal",
        stages=(
            Stage(
                "legal",
                steps=(
                    Step("letter", template="default_notice"),
                    Step("letter", template="letter_of_claim", id="claim_letter"),
                    Step("legal", template="claim.file"),
                ),
            ),
        ),
        rules=rules,
    )


def _account(tz: str, *events: Event) -> Account:
    zone = ZoneInfo(tz)
    return Account(
        "A",
        timezone=tz,
        contacts=[ContactPoint("letter", "1 High St")],
        invoices=[Invoice("I", Money("2500.00", "GBP"), date(2026, 1, 5))],
        events=[StageEntered(at=datetime(2026, 3, 1, 9, tzinfo=zone), stage="legal"), *events],
    )


def _sent(template: str, at: datetime) -> ContactAttempted:
    return ContactAttempted(at=at, channel="letter", outcome="delivered", template=template)


def _filing(d: object) -> object:
    return next((a for a in d.actions if a.template == "claim.file"), None)  # type: ignore[attr-defined]


CCA = RequiresPriorEvent(
    "cca_default_notice",
    milestone="contacted:default_notice",
    min_elapsed="14d",
    templates=("claim.file",),
    citation=Citation("Consumer Credit Act 1974", "ss.87-88"),
)
PROTOCOL = RequiresPriorEvent(
    "pre_action_protocol",
    milestone="contacted:letter_of_claim",
    min_elapsed="30d",
    templates=("claim.file",),
    citation=Citation("Pre-Action Protocol for Debt Claims", "para 3", mark="S"),
)
FORBEARANCE = RequiresPriorEvent(
    "ccd2_forbearance",
    milestone="fact:forbearance_offered",
    templates=("claim.file",),
    citation=Citation("Directive (EU) 2023/2225", "Art. 35(1)"),
)


def test_cca_no_filing_before_a_default_notice() -> None:
    d = decide(_policy(CCA), _account("Europe/London"), datetime(2026, 3, 2, 9, tzinfo=LONDON))
    [blocked] = [b for b in d.blocked if b.step == "claim.file"]
    assert blocked.reasons[-1].code == "missing_prior"


def test_cca_filing_waits_14_days_after_the_default_notice() -> None:
    acct = _account(
        "Europe/London", _sent("default_notice", datetime(2026, 3, 2, 9, tzinfo=LONDON))
    )
    d = decide(_policy(CCA), acct, datetime(2026, 3, 10, 9, tzinfo=LONDON))
    filing = _filing(d)
    assert filing.not_before == datetime(2026, 3, 16, 9, tzinfo=LONDON)  # type: ignore[attr-defined]
    assert filing.reasons[-1].code == "prior_too_recent"  # type: ignore[attr-defined]


def test_pre_action_protocol_30_days_after_the_letter_of_claim_across_the_clock_change() -> None:
    # Letter delivered Monday 2026-03-02 09:00 GMT; 30 days later is 2026-04-01 09:00 BST.
    acct = _account(
        "Europe/London", _sent("letter_of_claim", datetime(2026, 3, 2, 9, tzinfo=LONDON))
    )
    d = decide(_policy(PROTOCOL), acct, datetime(2026, 3, 20, 9, tzinfo=LONDON))
    assert _filing(d).not_before == datetime(2026, 4, 1, 9, tzinfo=LONDON)  # type: ignore[attr-defined]


def test_stacked_notices_the_later_wins() -> None:
    acct = _account(
        "Europe/London",
        _sent("letter_of_claim", datetime(2026, 3, 2, 9, tzinfo=LONDON)),
        _sent("default_notice", datetime(2026, 3, 25, 9, tzinfo=LONDON)),
    )
    d = decide(_policy(CCA, PROTOCOL), acct, datetime(2026, 3, 26, 9, tzinfo=LONDON))
    assert _filing(d).not_before == datetime(2026, 4, 8, 9, tzinfo=LONDON)  # type: ignore[attr-defined]


def test_ccd2_no_enforcement_before_forbearance_was_offered() -> None:
    d = decide(
        _policy(FORBEARANCE), _account("Europe/Berlin"), datetime(2026, 12, 1, tzinfo=BERLIN)
    )
    assert _filing(d) is None
    [blocked] = [b for b in d.blocked if b.step == "claim.file"]
    assert "fact:forbearance_offered" in blocked.reasons[-1].message


def test_ccd2_enforcement_after_forbearance_was_offered() -> None:
    acct = _account(
        "Europe/Berlin",
        FactSet(at=datetime(2026, 11, 25, 10, tzinfo=BERLIN), name="forbearance_offered"),
    )
    now = datetime(2026, 12, 1, 10, tzinfo=BERLIN)
    assert _filing(decide(_policy(FORBEARANCE), acct, now)).not_before == now  # type: ignore[attr-defined]
