"""eu_ccd2_art35: forbearance before enforcement, from 2026-11-20 (a Berlin debtor, euros)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from overdue.events import AuthorisationGranted, ContactAttempted, FactSet

BER = ZoneInfo("Europe/Berlin")


def _litigation(kit: Any, *events: Any) -> Any:
    return kit.account(
        "Europe/Berlin",
        kit.entered("reminder", datetime(2026, 6, 1, 9, tzinfo=BER)),
        ContactAttempted(
            at=datetime(2026, 9, 1, 10, tzinfo=BER),
            channel="letter",
            outcome="delivered",
            template="letter.lawyer",
        ),
        AuthorisationGranted(at=datetime(2026, 9, 1, 10, tzinfo=BER), authorisation="legal_review"),
        kit.entered("litigation", datetime(2026, 11, 2, 9, tzinfo=BER)),
        *events,
        due=date(2026, 5, 20),
        currency="EUR",
    )


def _policy(kit: Any) -> Any:
    return kit.stack(kit.ladder(currency="EUR"), "eu_ccd2_art35")


def test_eu_ccd2_art35_35_1__before_2026_11_20_the_directive_is_silent(kit: Any) -> None:
    d = kit.decide(_policy(kit), _litigation(kit), datetime(2026, 11, 19, 10, tzinfo=BER))
    assert kit.silent(d, "eu_ccd2_art35.35(1)")
    assert kit.action(d, "legal")


def test_eu_ccd2_art35_35_1__from_2026_11_20_no_claim_without_forbearance(kit: Any) -> None:
    d = kit.decide(_policy(kit), _litigation(kit), datetime(2026, 11, 20, 10, tzinfo=BER))
    reason = kit.by(d, "eu_ccd2_art35.35(1)")
    assert (reason.effect, reason.code) == ("block", "missing_prior")
    assert not [a for a in d.actions if a.channel == "legal"]


def test_eu_ccd2_art35_35_1__a_claim_due_at_2359_on_the_eve_still_goes(kit: Any) -> None:
    """The guard judges the contact's own local date, not the decision's."""
    d = kit.decide(_policy(kit), _litigation(kit), datetime(2026, 11, 19, 23, 59, tzinfo=BER))
    assert kit.action(d, "legal").not_before == datetime(2026, 11, 19, 23, 59, tzinfo=BER)


def test_eu_ccd2_art35_35_1__forbearance_offered_opens_the_way(kit: Any) -> None:
    offered = FactSet(at=datetime(2026, 10, 1, 9, tzinfo=BER), name="forbearance_offered")
    d = kit.decide(_policy(kit), _litigation(kit, offered), datetime(2026, 11, 20, 10, tzinfo=BER))
    assert kit.action(d, "legal").not_before == datetime(2026, 11, 20, 10, tzinfo=BER)
    assert _policy(kit).assumed_zone == "Asia/Shanghai"  # the EU preset assumes no zone


def test_eu_ccd2_art35_35_1__marked_secondary_until_art_35_is_read_on_eur_lex(kit: Any) -> None:
    # Audit row 31: Art. 35 could not be read; only a transposition agrees with it.
    d = kit.decide(_policy(kit), _litigation(kit), datetime(2026, 11, 20, 10, tzinfo=BER))
    reason = kit.by(d, "eu_ccd2_art35.35(1)")
    assert reason.citation.mark == "S"
    assert "[secondary source only]" in d.explain()
