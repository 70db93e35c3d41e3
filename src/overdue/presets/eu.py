"""European Union: the Consumer Credit Directive (EU) 2023/2225, Art. 35 (research row EU-1).

The Directive sets no contact hours or frequency; Member States may (EU-4, not researched), so
this preset is meant to be stacked with a national one.  It applies from 2026-11-20: before
that date its rule is silent (the preset's effective-from guard).
"""

from __future__ import annotations

from datetime import date

from overdue.presets.preset import AppliesTo, Preset
from overdue.rules import Citation, RequiresPriorEvent

__all__ = ["EU_CCD2_ART35"]

EU_CCD2_ART35 = Preset(
    name="eu_ccd2_art35",
    version="2023/2225",
    title="Consumer Credit Directive (EU) 2023/2225, Art. 35: arrears and forbearance",
    applies_to=AppliesTo(
        roles=("creditor",),
        products=("consumer_credit",),
        residence=("EU",),
    ),
    effective_from=date(2026, 11, 20),
    rules=(
        RequiresPriorEvent(
            "eu_ccd2_art35.35(1)",
            milestone="fact:forbearance_offered",
            stages=("litigation", "enforcement"),
            citation=Citation(
                "Directive (EU) 2023/2225",
                "Art. 35(1): reasonable forbearance measures before enforcement proceedings "
                "are initiated; Art. 35 itself not read on EUR-Lex; consistent with the Irish "
                "transposition: 'reasonable forbearance measures before enforcement proceedings "
                "are initiated' (applies from 2026-11-20, date per a secondary source)",
                "https://sintact.ro/legislatie/jurnalul-oficial-ue/"
                "directiva-2225-18-oct-2023-privind-contractele-de-credit-de-79174553/art-35",
                "S",
            ),
        ),
    ),
    notes=(
        "Applies from 2026-11-20 (S): the rule is silent for contacts before that local date.",
        "Forbearance is shown by the fact 'forbearance_offered' (FactSet); the first one "
        "counts, as it need not be offered again without reason.",
        "The paragraph limiting default charges to costs is unverified (U) and not encoded; "
        "no national contact-time rules were researched.",
    ),
)
