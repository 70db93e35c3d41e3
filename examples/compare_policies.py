"""Compare a challenger policy with the champion on the same simulated portfolio.

Run: python examples/compare_policies.py

The challenger sends two reminder SMS instead of three and sends the lawyer's letter from 21
days overdue instead of 30; both run over the same 300 synthetic accounts with the same seeded
debtor behaviour, so every difference in the table comes from the policies alone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import attrs

from overdue import REFERENCE_POLICY, Money
from overdue.conditions import balance_at_least, days_overdue_at_least
from overdue.simulate import compare, generate_portfolio

COSTS = {"sms": "0.05", "phone": "2.00", "email": "0.01", "in_app": "0", "letter": "30.00"}


def main() -> None:
    champion = REFERENCE_POLICY
    def adjust(stage):  # type: ignore[no-untyped-def]
        if stage.id == "reminder":
            sms, *rest = stage.steps
            return attrs.evolve(stage, steps=(attrs.evolve(sms, max_attempts=2), *rest))
        if stage.id == "lawyer_letter":
            sooner = days_overdue_at_least(21) & balance_at_least(Money("100.00", "CNY"))
            return attrs.evolve(stage, enters_when=sooner)
        return stage

    challenger = attrs.evolve(
        champion, id="earlier-letter", stages=tuple(adjust(s) for s in champion.stages)
    )
    portfolio = generate_portfolio(300, seed=42)
    start = datetime(2026, 2, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    result = compare(champion, challenger, portfolio, start, 120, costs=COSTS, seed=7)
    print(result.table())
    print()
    print("contacts by channel (champion):  ", result.champion.contacts_by_channel())
    print("contacts by channel (challenger):", result.challenger.contacts_by_channel())


if __name__ == "__main__":
    main()
