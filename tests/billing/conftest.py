"""A small host for the billing-side scenarios: decide, record what the decision asks, carry
out the due service actions and post the postings, as a billing application would."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import attrs
import pytest

from overdue import (
    Account,
    ContactPoint,
    Decision,
    Invoice,
    Money,
    Policy,
    Stage,
    Step,
    days,
    decide,
)
from overdue.conditions import Condition, days_overdue_at_least
from overdue.events import Event

UTC = ZoneInfo("UTC")


def at(m: int, d: int, h: int = 10, y: int = 2026) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


@attrs.define
class Host:
    """Keeps one account's history and does what each decision asks."""

    policy: Policy
    account: Account
    log: list[Decision] = attrs.Factory(list)

    def add(self, *events: Event) -> None:
        self.account = self.account.with_events(*events)

    def decide(self, now: datetime, *, act: bool = True) -> Decision:
        d = decide(self.policy, self.account, now)
        self.log.append(d)
        if act:
            new: list[Event] = list(d.record)
            new += [a.outcome_event("delivered", now) for a in d.due_actions]
            new += [s.outcome_event("delivered", now) for s in d.due_service]
            new += [p.event(now, now.date()) for p in d.postings]
            self.add(*new)
        return d

    def run(self, days: Iterable[datetime]) -> list[Decision]:
        return [self.decide(t) for t in days]


def account(*amounts: tuple[str, date], currency: str = "EUR") -> Account:
    invoices = [
        Invoice(f"I{i + 1}", Money(amount, currency), due)
        for i, (amount, due) in enumerate(amounts)
    ]
    return Account(
        "A1",
        timezone="UTC",
        contacts=(ContactPoint("email", "debtor@example.com"),),
        invoices=invoices,
    )


def rung(
    name: str,
    enters: int | Condition,
    *,
    last: bool = False,
    steps: Iterable[Step] | None = None,
    **fields: object,
) -> Stage:
    """A billing rung as the scenarios write it: entered at ``enters`` days overdue (or on a
    condition), one e-mail templated with its name, and, unless it is the ``last`` rung, no
    deadline of its own and skippable (so a billing re-evaluation climbs straight to the rung
    the age calls for).  ``fields`` go to :class:`Stage` as they are (service, step_down ...)."""
    when = days_overdue_at_least(enters) if isinstance(enters, int) else enters
    climb: dict[str, object] = {} if last else {"deadline": days(0), "skippable": True}
    return Stage(
        name,
        enters_when=when,
        steps=list(steps) if steps is not None else [Step("email", template=name)],
        **climb,
        **fields,  # type: ignore[arg-type]
    )


class Kit:
    """The helpers, handed to tests as the ``kit`` fixture (tests import no conftest)."""

    Host = Host
    at = staticmethod(at)
    account = staticmethod(account)
    rung = staticmethod(rung)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
