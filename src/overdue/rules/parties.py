"""Who besides the debtor may be contacted, when, how often, and never about the debt.

A contact point with ``is_debtor=False`` is a third party: a relative, an employer, a contact
person the debtor named.  Regulations agree that such a person must never learn of the debt
and disagree on the rest: the UK forbids troubling them, Reg F allows one location inquiry per
person, the Chinese rules allow contact only once the debtor cannot be reached and only to
re-establish contact.  :class:`ThirdPartyContact` expresses all three.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar, Literal

import attrs

from overdue.account import ContactPoint
from overdue.errors import PolicyError
from overdue.events import (
    CeaseRequested,
    ConsentWaiver,
    ContactAttempted,
    DisputeOpened,
    OptedIn,
    OptedOut,
    Outcome,
    PaymentPlanAgreed,
    PaymentReceived,
    PromiseToPay,
)
from overdue.rules.base import RuleBase, Verdict
from overdue.situation import Candidate

__all__ = ["FAILED_OUTCOMES", "ThirdPartyContact", "person_of"]

FAILED_OUTCOMES = frozenset({"no_answer", "failed", "bounced", "invalid_number"})
"""Outcomes of an attempt that did not reach the debtor."""


def person_of(cp: ContactPoint) -> str:
    """Who a contact point belongs to: its ``label`` (one person may have several numbers),
    else its address."""
    return cp.label if cp.label is not None else cp.address


def _min_one(_i: object, a: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError(f"{a.name} must be a whole number >= 1", got=value)


def _opt_min_one(i: object, a: attrs.Attribute[int | None], value: object) -> None:
    if value is not None:
        _min_one(i, a, value)  # type: ignore[arg-type]


def _never_disclose(_i: object, _a: object, value: object) -> None:
    if value is not False:
        raise PolicyError(
            "a third party must never be told of the debt",
            expected="disclose_debt = false",
            got=value,
        )


DEBTOR_ACTS = (
    PromiseToPay,
    DisputeOpened,
    CeaseRequested,
    PaymentPlanAgreed,
    PaymentReceived,
    OptedOut,
    OptedIn,
    ConsentWaiver,
)
"""Events that only the debtor's own action produces: any of them means the debtor was heard."""


@attrs.frozen(kw_only=True)
class ThirdPartyContact(RuleBase):
    """Governs every contact to a contact point with ``is_debtor=False``.

    ``mode``:

    - ``'forbid'``: never (UK CONC 7.9: no troubling or embarrassing third parties);
    - ``'location_only'``: only to learn how to reach the debtor (Reg F 1006.10), with
      ``max_per_person`` usually 1;
    - ``'unreachable_only'``: only once the debtor cannot be reached: the last
      ``unreachable_after`` creditor attempts to the debtor all failed (no answer, failed,
      bounced, invalid number) with no contact from the debtor since, or one of them found the
      number invalid (CN-1, CN-10).

    ``max_per_person`` caps the contacts to one person (contact points sharing a ``label`` are
    one person); ``stop_on_refusal`` blocks a person for good once a contact to them ended
    ``refused``.  ``disclose_debt`` is always ``False``: actions to third parties carry
    ``party='third_party'`` and ``discloses_debt=False``, so a dispatcher renders a neutral
    message that states no debt fact.
    """

    kind: ClassVar[str] = "third_party_contact"
    mode: Literal["forbid", "location_only", "unreachable_only"] = attrs.field(
        default="forbid",
        validator=attrs.validators.in_(("forbid", "location_only", "unreachable_only")),
    )
    unreachable_after: int = attrs.field(default=3, validator=_min_one)
    max_per_person: int | None = attrs.field(default=None, validator=_opt_min_one)
    stop_on_refusal: bool = True
    disclose_debt: bool = attrs.field(default=False, validator=_never_disclose)

    def applies_to(self, candidate: Candidate) -> bool:
        return candidate.party == "third_party" and super().applies_to(candidate)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        cp = candidate.contact
        assert cp is not None  # applies_to: a third party is a contact point
        who = f"third party {cp.masked}" + (f" ({cp.label})" if cp.label else "")
        if self.mode == "forbid":
            return self.block("third_party_forbidden", f"contacting a {who} is not allowed")
        to_person = self._contacts_to(candidate, cp, at)
        if self.stop_on_refusal and any(c.outcome is Outcome.REFUSED for c in to_person):
            return self.block(
                "third_party_refused", f"the {who} refused further contact; never again"
            )
        if self.max_per_person is not None and len(to_person) >= self.max_per_person:
            return self.block(
                "third_party_limit",
                f"the {who} was contacted {len(to_person)} time(s) "
                f"(at most {self.max_per_person} per person)",
            )
        if self.mode == "unreachable_only":
            why = self.unreachable(candidate, at)
            if why is None:
                return self.block(
                    "debtor_reachable",
                    f"a {who} may be contacted only once the debtor is unreachable "
                    f"({self.unreachable_after} consecutive failed attempts or an invalid number)",
                )
        return None

    def _contacts_to(
        self, candidate: Candidate, cp: ContactPoint, at: datetime
    ) -> list[ContactAttempted]:
        person = person_of(cp)
        addresses = {
            c.address
            for c in candidate.situation.account.contacts
            if not c.is_debtor and person_of(c) == person
        }
        addresses.add(cp.address)
        utc_at = at.astimezone(UTC)
        return [
            c
            for c in (*candidate.situation.snapshot.contacts, *candidate.planned)
            if c.initiated_by == "creditor"
            and c.contact_point in addresses
            and c.at.astimezone(UTC) <= utc_at
        ]

    def unreachable(self, candidate: Candidate, at: datetime) -> str | None:
        """Why the debtor counts as unreachable at ``at``, or ``None`` when they do not."""
        s = candidate.situation
        third = {c.address for c in s.account.contacts if not c.is_debtor}
        utc_at = at.astimezone(UTC)
        attempts = [
            c
            for c in s.snapshot.contacts
            if c.initiated_by == "creditor"
            and c.party == "debtor"
            and c.contact_point not in third
            and c.at.astimezone(UTC) <= utc_at
        ]
        streak: list[ContactAttempted] = []
        for c in reversed(attempts):
            if c.outcome.value not in FAILED_OUTCOMES:
                break
            streak.append(c)
        if not streak:
            return None
        began = min(c.at.astimezone(UTC) for c in streak)
        heard = [e.at for e in s.snapshot.debtor_contacts] + [
            c.at for c in s.snapshot.contacts if c.initiated_by == "debtor"
        ]
        # Anything the debtor did since the streak began (a promise, a dispute, a payment, a
        # cease request...) shows they can be reached, even if nobody picked up the phone.
        heard += [e.at for e in s.account.events if isinstance(e, DEBTOR_ACTS)]
        if any(began <= t.astimezone(UTC) <= utc_at for t in heard):
            return None
        if any(c.outcome is Outcome.INVALID_NUMBER for c in streak):
            return "the debtor's number is invalid"
        if len(streak) >= self.unreachable_after:
            return f"{len(streak)} consecutive attempts to the debtor failed"
        return None

    def describe(self) -> str:
        text = {
            "forbid": "no contact with third parties",
            "location_only": "third parties only to locate the debtor",
            "unreachable_only": (
                "third parties only once the debtor is unreachable "
                f"({self.unreachable_after} failed attempts or an invalid number)"
            ),
        }[self.mode]
        if self.mode != "forbid":
            if self.max_per_person is not None:
                text += f", at most {self.max_per_person} per person"
            if self.stop_on_refusal:
                text += ", never again after a refusal"
            text += ", never disclosing the debt"
        return text + self.scope_text()
