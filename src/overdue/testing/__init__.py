"""The policy testing kit: requirements, weakenings, a state machine, mutants, bounded proofs.

Test a policy against what it must do, stated apart from it (``docs/testing.md``)::

    from overdue.testing import (
        PolicyMachine, requirements_of, selected_policy, static_violations, weakenings,
    )

    REQUIRED = requirements_of("us_reg_f")          # or load_requirements("requirements.toml")

    def test_the_policy_text_meets_the_requirements():
        assert static_violations(REQUIRED, load_policy("policy.toml")) == []

    def test_no_weakening_against_the_reviewed_policy():
        assert weakenings(load_policy("golden.toml"), load_policy("policy.toml")) == []

    class MyPolicyMachine(PolicyMachine):
        policy = selected_policy(load_policy("policy.toml"))
        requirements = REQUIRED

    TestMyPolicy = MyPolicyMachine.TestCase

Record many accounts' decisions before an upgrade (of the library or of the policy) and list
every one that moved after it, by policy, moment, account and field
(:mod:`overdue.testing.corpus`)::

    before = record_corpus({"ours": policy}, generate_accounts(1000))
    before.write("decisions.tsv.gz")
    ...
    result = compare_corpus(read_corpus("decisions.tsv.gz"), record_corpus({"ours": policy}, ...))
    assert result.ok, result.report()

The invariant checks, timeline assertions and the fixed clock need only ``overdue``; the
strategies and :class:`PolicyMachine` need hypothesis (the ``testing`` extra) and are imported
on first use.  The pytest plugin (``overdue._pytest_plugin``) adds the ``overdue_clock``,
``overdue_recording_adapter`` and ``overdue_policy`` fixtures and the ``--overdue-policy``
option.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from overdue.testing._clock import FixedClock, Recorder, SentMessage
from overdue.testing.assertions import Happening, TimelineMismatchError, assert_timeline, project
from overdue.testing.invariants import (
    Violation,
    check_actions,
    check_all,
    check_attempts,
    check_authorisations,
    check_caps,
    check_cease,
    check_contact_hours,
    check_field_visits,
    check_holds,
    check_idempotency,
    check_ladder_order,
    check_opt_outs,
    check_pauses,
    check_rules,
    check_third_parties,
    check_validation_periods,
    history,
)
from overdue.testing.mutants import MUTATION_CLASSES, Mutant, mutant, mutants
from overdue.testing.proofs import Move, ProofResult, play, prove
from overdue.testing.requirements import (
    CapRequirement,
    CeaseRequirement,
    HoursRequirement,
    OptOutRequirement,
    Requirements,
    RungRequirement,
    check_requirement_actions,
    check_requirements,
    load_requirements,
    loads_requirements,
    requirements_from_dict,
    requirements_of,
    static_violations,
)
from overdue.testing.selection import current_policy, selected_policy
from overdue.testing.weakenings import Weakening, weakenings

if TYPE_CHECKING:
    from overdue.testing import strategies
    from overdue.testing.corpus import (
        CorpusComparison,
        DecisionCorpus,
        compare_corpus,
        generate_accounts,
        read_corpus,
        record_corpus,
    )
    from overdue.testing.machine import InvariantError, PolicyMachine, default_account

__all__ = [
    "MUTATION_CLASSES",
    "CapRequirement",
    "CeaseRequirement",
    "CorpusComparison",
    "DecisionCorpus",
    "FixedClock",
    "Happening",
    "HoursRequirement",
    "InvariantError",
    "Move",
    "Mutant",
    "OptOutRequirement",
    "PolicyMachine",
    "ProofResult",
    "Recorder",
    "Requirements",
    "RungRequirement",
    "SentMessage",
    "TimelineMismatchError",
    "Violation",
    "Weakening",
    "assert_timeline",
    "check_actions",
    "check_all",
    "check_attempts",
    "check_authorisations",
    "check_caps",
    "check_cease",
    "check_contact_hours",
    "check_field_visits",
    "check_holds",
    "check_idempotency",
    "check_ladder_order",
    "check_opt_outs",
    "check_pauses",
    "check_requirement_actions",
    "check_requirements",
    "check_rules",
    "check_third_parties",
    "check_validation_periods",
    "compare_corpus",
    "current_policy",
    "default_account",
    "generate_accounts",
    "history",
    "load_requirements",
    "loads_requirements",
    "mutant",
    "mutants",
    "play",
    "project",
    "prove",
    "read_corpus",
    "record_corpus",
    "requirements_from_dict",
    "requirements_of",
    "selected_policy",
    "static_violations",
    "strategies",
    "weakenings",
]

_LAZY = {
    # the decision corpus: loaded on first use (it brings the config loader and the presets)
    "CorpusComparison": "overdue.testing.corpus",
    "DecisionCorpus": "overdue.testing.corpus",
    "compare_corpus": "overdue.testing.corpus",
    "generate_accounts": "overdue.testing.corpus",
    "read_corpus": "overdue.testing.corpus",
    "record_corpus": "overdue.testing.corpus",
    "InvariantError": "overdue.testing.machine",
    "PolicyMachine": "overdue.testing.machine",
    "default_account": "overdue.testing.machine",
}


def __getattr__(name: str) -> Any:
    """Import the hypothesis-backed parts (and the corpus) on first use, so the rest works
    without hypothesis."""
    module = "overdue.testing.strategies" if name == "strategies" else _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'overdue.testing' has no attribute {name!r}")
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != "hypothesis":
            raise
        # the extra, not a bare ``pip install hypothesis``: it names the versions we test with
        raise ModuleNotFoundError(
            f"overdue.testing.{name} needs hypothesis: "
            'pip install "overdue-policy[testing]"',
            name="hypothesis",
        ) from exc
    return loaded if name == "strategies" else getattr(loaded, name)


def __dir__() -> list[str]:
    return list(__all__)
