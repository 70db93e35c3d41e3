"""Record retention: how long the account's records must be kept, stated on every decision."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import ClassVar

import attrs
from dateutil.relativedelta import relativedelta

from overdue._validators import non_empty
from overdue.errors import PolicyError
from overdue.rules.base import RuleBase, Verdict
from overdue.situation import Candidate
from overdue.snapshot import Snapshot

_nonempty = non_empty(PolicyError, noun="name", strip=False)

__all__ = ["RecordRetention"]

LAST_CONTACT = "last_contact"


def _years(_i: object, _a: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError("years must be a whole number >= 1", expected="3", got=value)


@attrs.frozen(kw_only=True)
class RecordRetention(RuleBase):
    """Keep the account's records ``years`` after the last contact, or after a milestone.

    The rule never allows, defers or blocks a contact; it sets ``Decision.retain_until`` (the
    debtor's local date), the latest any such rule asks for.  ``from_event`` is
    ``'last_contact'`` (the last contact the creditor made; Regulation F keeps records three
    years after the last collection activity) or a milestone named as for
    ``requires_prior_event`` (``'contacted:<template>'``, ``'fact:<name>'``, an event kind), whose
    *last* occurrence counts.  Before it happened there is nothing to date the retention from
    and the rule says nothing.  ``records`` labels what is kept (``'collection_records'``,
    ``'call_recordings'``), for explanations.
    """

    kind: ClassVar[str] = "record_retention"
    years: int = attrs.field(validator=_years)
    from_event: str = attrs.field(default=LAST_CONTACT, validator=_nonempty)
    records: str = attrs.field(default="collection_records", validator=_nonempty)

    def applies_to(self, candidate: Candidate) -> bool:
        return False

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        return None

    def anchor(self, snapshot: Snapshot) -> datetime | None:
        """When the retention period starts, or ``None`` before the event."""
        if self.from_event == LAST_CONTACT:
            mine = [c.at for c in snapshot.contacts if c.initiated_by == "creditor"]
            return mine[-1] if mine else None
        return snapshot.last_seen.get(self.from_event)

    def retention_for(self, snapshot: Snapshot, tz: tzinfo) -> date | None:
        """The last day the records must be kept (local date in ``tz``), or ``None``."""
        start = self.anchor(snapshot)
        if start is None:
            return None
        day: date = start.astimezone(tz).date() + relativedelta(years=self.years)
        return day

    def describe(self) -> str:
        after = "the last contact" if self.from_event == LAST_CONTACT else self.from_event
        return f"keep {self.records} {self.years} year(s) after {after}{self.scope_text()}"
