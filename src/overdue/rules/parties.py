"""Who besides the debtor may be contacted, when, how often, and never about the debt.

A contact point with ``is_debtor=False`` is a third party: a relative, an employer, a contact
person the debtor named.  Regulations agree that such a person must never learn of the debt
and disagree on the rest: the UK forbids troubling them, Reg F allows one location inquiry per
person, the Chinese rules allow contact only once the debtor cannot be reached and only to
re-establish contact.  :class:`ThirdPartyContact` expresses all three.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar, Literal, Protocol

import attrs

from overdue._time import at_local
from overdue._validators import one_of
from overdue.account import ContactPoint
from overdue.errors import PolicyError
from overdue.events import (
    CeaseRequested,
    ConsentWaiver,
    ContactAttempted,
    DisputeOpened,
    Event,
    OptedIn,
    OptedOut,
    Outcome,
    PaymentPlanAgreed,
    PaymentReceived,
    PromiseToPay,
)
from overdue.rules.base import Rule, RuleBase, Verdict, names
from overdue.situation import Candidate
from overdue.snapshot import Snapshot


class _Ladder(Protocol):
    """What the whole-policy checks here read of a policy (structural: the policy ring asks
    them while it validates, so naming ``Policy`` would close a circle)."""

    @property
    def stages(self) -> Sequence[Any]: ...

    @property
    def rules(self) -> Sequence[Any]: ...

__all__ = [
    "DEBT_FACTS",
    "DISCLOSING_TAGS",
    "FAILED_OUTCOMES",
    "ThirdPartyContact",
    "debt_facts_stated",
    "debtor_unreachable",
    "person_of",
    "third_party_disclosures",
    "third_party_gate",
    "ungoverned_third_party_steps",
]

DEBT_FACTS = ("amount", "currency", "days_overdue", "deadline", "grace_end", "legal_terms")
"""Message facts that tell whoever reads them that a debt exists (``Step.must_state``)."""

DISCLOSING_TAGS = ("discloses_debt", "disclose_debt_to_third_party", "debt_collector_notice")
"""Content tags of a template that says a debt exists: tagged as disclosing it, or carrying the
"this is a communication from a debt collector" line."""


def debt_facts_stated(must_state: Iterable[str], tags: Iterable[str]) -> tuple[str, ...]:
    """What of a step's declared content would tell a third party of the debt."""
    facts = [f for f in must_state if f in DEBT_FACTS]
    return (*facts, *(t for t in tags if t in DISCLOSING_TAGS))


def third_party_gate(rules: Sequence[Rule], candidate: Candidate) -> Verdict | None:
    """The block every third-party candidate meets before any rule is asked, else ``None``.

    Two things no rule may let through: a contact to a third party that no
    ``third_party_contact`` rule governs (a policy relying on a preset it was never stacked
    with: third parties are not contacted by default), and a message to a third party whose
    step declares debt facts (``must_state`` amount, days overdue...) or a disclosing tag.  The
    engine calls this with the rules that apply to the candidate, so the decision itself never
    plans such a contact; a dispatcher's neutral rendering is the second line, not the first.
    """
    if candidate.party != "third_party":
        return None
    stated = debt_facts_stated(candidate.must_state, candidate.tags)
    if stated:
        return Verdict(
            "block",
            "third_party_disclosure",
            "third_party_disclosure",
            f"step {candidate.step!r} would state {', '.join(stated)} to a third party; a "
            "third party must never learn of the debt (declare no debt facts on it)",
        )
    if not any(r.kind == "third_party_contact" for r in rules):
        return Verdict(
            "block",
            "third_party_ungoverned",
            "third_party_ungoverned",
            f"step {candidate.step!r} contacts a third party but no third_party_contact rule "
            "governs them (stack a preset with one, or add one), so nobody may be contacted",
        )
    return None


def third_party_disclosures(policy: _Ladder) -> list[str]:
    """Enabled third-party steps that declare debt facts, one line each with its key path.

    They are never planned (:func:`third_party_gate`); ``overdue check`` says so when the
    policy is written rather than when the first relative would have been called.
    """
    out = []
    for i, stage in enumerate(policy.stages):
        for j, step in enumerate(stage.steps):
            stated = debt_facts_stated(step.must_state, step.tags)
            if step.party == "third_party" and stated and stage.enabled:
                out.append(
                    f"$.stages[{i}].steps[{j}]: step {step.key!r} of {stage.id!r} goes to "
                    f"third parties but states {', '.join(stated)}; a third party must never "
                    "learn of the debt, so it will always be blocked"
                )
    return out


def ungoverned_third_party_steps(policy: _Ladder) -> list[str]:
    """Key paths of third-party steps no ``third_party_contact`` rule could govern.

    Checked after presets are stacked (``with_presets``, a policy file's ``presets``), not
    when the bare policy is built, so a policy may rely on a preset's rule.
    """
    if any(getattr(r, "kind", None) == "third_party_contact" for r in policy.rules):
        return []
    return [
        f"$.stages[{i}].steps[{j}]"
        for i, st in enumerate(policy.stages)
        for j, step in enumerate(st.steps)
        if step.party == "third_party"
    ]

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
    message that states no debt fact, and a step that declares debt facts is never planned to
    a third party at all (:func:`third_party_gate`).

    ``persons`` limits contact to the named persons (contact-point labels): the 2018 NIFA
    convention allows only "the contact person the debtor agreed in advance", so a host labels
    that person's points ``'pre_agreed_contact'``.  ``wait='next_local_day'`` (with
    ``'unreachable_only'``) defers third-party contact to local midnight after the day the
    debtor became unreachable: the CBA 2026 guideline's "relay the request, then wait until the
    next day" (from one source, U).
    """

    kind: ClassVar[str] = "third_party_contact"
    mode: Literal["forbid", "location_only", "unreachable_only"] = attrs.field(
        default="forbid",
        validator=one_of(("forbid", "location_only", "unreachable_only")),
    )
    unreachable_after: int = attrs.field(default=3, validator=_min_one)
    max_per_person: int | None = attrs.field(default=None, validator=_opt_min_one)
    stop_on_refusal: bool = True
    disclose_debt: bool = attrs.field(default=False, validator=_never_disclose)
    persons: frozenset[str] | None = attrs.field(default=None, converter=names)
    wait: Literal["none", "next_local_day"] = attrs.field(
        default="none", validator=one_of(("none", "next_local_day"))
    )

    def applies_to(self, candidate: Candidate) -> bool:
        return candidate.party == "third_party" and super().applies_to(candidate)

    def check(self, candidate: Candidate, at: datetime) -> Verdict | None:
        cp = candidate.contact
        assert cp is not None  # applies_to: a third party is a contact point
        who = f"third party {cp.masked}" + (f" ({cp.label})" if cp.label else "")
        if self.mode == "forbid":
            return self.block("third_party_forbidden", f"contacting a {who} is not allowed")
        if self.persons is not None and person_of(cp) not in self.persons:
            return self.block(
                "third_party_not_named",
                f"only {', '.join(sorted(self.persons))} may be contacted, not the {who}",
            )
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
            found = self.unreachable_since(candidate, at)
            if found is None:
                return self.block(
                    "debtor_reachable",
                    f"a {who} may be contacted only once the debtor is unreachable "
                    f"({self.unreachable_after} consecutive failed attempts or an invalid number)",
                )
            why, since = found
            if self.wait == "next_local_day":
                tz = candidate.situation.tz or UTC
                opens = at_local(since.astimezone(tz).date() + timedelta(days=1), time(0), tz)
                if at.astimezone(UTC) < opens.astimezone(UTC):
                    return self.defer(
                        "third_party_next_day",
                        f"{why} on {since.astimezone(tz).date().isoformat()}; a {who} may be "
                        "contacted from the next local day",
                        opens,
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
        found = self.unreachable_since(candidate, at)
        return found[0] if found is not None else None

    def unreachable_since(
        self, candidate: Candidate, at: datetime
    ) -> tuple[str, datetime] | None:
        """Why the debtor counts as unreachable at ``at`` and since which attempt, or ``None``."""
        s = candidate.situation
        third = {c.address for c in s.account.contacts if not c.is_debtor}
        return debtor_unreachable(s.snapshot, s.account.events, third, at, self.unreachable_after)

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
            if self.persons is not None:
                text += f", only {', '.join(sorted(self.persons))}"
            if self.wait == "next_local_day":
                text += ", from the next local day"
            if self.max_per_person is not None:
                text += f", at most {self.max_per_person} per person"
            if self.stop_on_refusal:
                text += ", never again after a refusal"
            text += ", never disclosing the debt"
        return text + self.scope_text()


def debtor_unreachable(
    snapshot: Snapshot,
    events: Iterable[Event],
    third: Collection[str],
    at: datetime,
    unreachable_after: int,
    *,
    inclusive: bool = True,
) -> tuple[str, datetime] | None:
    """Why the debtor counts as unreachable at ``at`` and since which attempt, or ``None``.

    The streak of failed creditor attempts to the debtor's own contact points (not the
    ``third`` party addresses) up to ``at`` (``inclusive=False``: strictly before it, as the
    invariants judge a contact on what was known when it was planned), broken by anything the
    debtor did meanwhile (a contact of theirs, or one of ``events`` that is a debtor's act).
    An invalid number makes the debtor unreachable at once; otherwise ``unreachable_after``
    failed attempts do.  :class:`ThirdPartyContact` and the testing kit's invariants both ask
    here, so a fix to reachability is made once.
    """
    utc_at = at.astimezone(UTC)
    attempts = [
        c
        for c in snapshot.contacts
        if c.initiated_by == "creditor"
        and c.party == "debtor"
        and c.contact_point not in third
        and (c.at.astimezone(UTC) <= utc_at if inclusive else c.at.astimezone(UTC) < utc_at)
    ]
    streak: list[ContactAttempted] = []
    for c in reversed(attempts):
        if c.outcome.value not in FAILED_OUTCOMES:
            break
        streak.append(c)
    if not streak:
        return None
    began = min(c.at.astimezone(UTC) for c in streak)
    heard = [e.at for e in snapshot.debtor_contacts] + [
        c.at for c in snapshot.contacts if c.initiated_by == "debtor"
    ]
    # Anything the debtor did since the streak began (a promise, a dispute, a payment, a
    # cease request...) shows they can be reached, even if nobody picked up the phone.
    heard += [e.at for e in events if isinstance(e, DEBTOR_ACTS)]
    if any(began <= t.astimezone(UTC) <= utc_at for t in heard):
        return None
    chronological = streak[::-1]
    invalid = [c for c in chronological if c.outcome is Outcome.INVALID_NUMBER]
    if invalid:
        return "the debtor's number is invalid", invalid[0].at
    if len(streak) >= unreachable_after:
        nth = chronological[unreachable_after - 1]
        return f"{len(streak)} consecutive attempts to the debtor failed", nth.at
    return None
