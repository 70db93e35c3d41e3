"""``overdue check`` on the billing side of a policy: fees, interest and stepping down.

Kept apart from :mod:`overdue.config.checks` (which calls it) because these look at the
opt-in billing fields only (``docs/billing.md``); each message starts with its key path.
"""

from __future__ import annotations

from overdue.errors import SuspiciousPolicyWarning
from overdue.policy import Policy
from overdue.rules.content import ForbiddenContent

__all__ = ["billing_warnings"]


def billing_warnings(policy: Policy) -> list[SuspiciousPolicyWarning]:
    """Fees a rule forbids, fees no message states, a step-down option that cannot act."""
    out: list[SuspiciousPolicyWarning] = []
    no_fees = [
        r for r in policy.rules if isinstance(r, ForbiddenContent) and "extra_fee" in r.tags
    ]
    for i, stage in enumerate(policy.stages):
        if stage.fee is None or not stage.enabled:
            continue
        for rule in no_fees:
            out.append(
                SuspiciousPolicyWarning(
                    f"$.stages[{i}].fee: rung {stage.id!r} charges a fee or interest, but rule "
                    f"{rule.id!r} forbids extra fees in the name of collection; remove the fee "
                    "or the rule (see docs/billing.md, legal limits)"
                )
            )
        wanted = {"fee"} if stage.fee.yearly_rate is None else {"fee", "interest"}
        if stage.fee.fixed is None:
            wanted = {"interest"}
        stated = {f for step in stage.steps for f in step.must_state}
        if stage.steps and not wanted & stated:
            out.append(
                SuspiciousPolicyWarning(
                    f"$.stages[{i}].fee: rung {stage.id!r} charges but none of its steps must "
                    f"state it (add must_state = [{', '.join(repr(w) for w in sorted(wanted))}] "
                    "to the notice that tells the debtor)"
                )
            )
    if policy.step_down != "never" and not any(
        s.enters_when is not None for s in policy.enabled_stages
    ):
        out.append(
            SuspiciousPolicyWarning(
                '$.step_down: "when_conditions_fail" never acts: no enabled rung has '
                "enters_when, and a rung is only stepped down from when its own conditions "
                "stop holding"
            )
        )
    return out
