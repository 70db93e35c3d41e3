"""Public holidays as the only days off: the calendar of "no contact on a public holiday".

Several instruments forbid or discourage contact on public holidays but allow weekends (the
ACCC/ASIC guideline: weekend calls 09:00-21:00, none on national public holidays; Ontario:
Sundays 13:00-17:00, no contact on a holiday).  A ``quiet_days`` rule over a
:class:`PublicHolidays` calendar says exactly that; a country's usual business calendar would
make every weekend quiet too.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import attrs

from overdue.errors import MissingCalendarDataError

__all__ = ["PublicHolidays"]


@functools.lru_cache(maxsize=64)
def _holidays(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    try:
        import holidays
    except ImportError:
        raise MissingCalendarDataError(
            "the public-holiday rule needs the optional 'holidays' package; "
            'pip install "overdue-policy[holidays]"',
            expected="the 'holidays' package installed",
        ) from None
    found: Any = holidays.country_holidays(country, subdiv=subdiv, years=year)
    return frozenset(found)


@attrs.frozen
class PublicHolidays:
    """A business calendar whose only days off are a country's public holidays.

    Weekends are working days here: the guideline allows weekend calls (09:00-21:00) and
    recommends no contact on national public holidays, which a ``quiet_days`` rule over this
    calendar encodes.  The days are the ``holidays`` package's list for the country (its
    national list without ``subdiv``: for Australia New Year's Day, Australia Day, Good Friday,
    Easter Monday, Anzac Day, Christmas, Boxing Day), observed days included.
    """

    country: str
    subdiv: str | None = None

    @property
    def name(self) -> str:
        """``"public-holidays:AU"``."""
        return f"public-holidays:{self.country}" + (f"-{self.subdiv}" if self.subdiv else "")

    def is_business_day(self, d: date) -> bool:
        """False on a public holiday, whatever the weekday; True on every other day."""
        return d not in _holidays(self.country, self.subdiv, d.year)
