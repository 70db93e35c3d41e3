"""PolicyMachine: runs clean over the reference policy, catches a broken host, prints a script."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from overdue import REFERENCE_POLICY
from overdue.events import ContactAttempted
from overdue.testing import InvariantError, PolicyMachine, strategies
from overdue.testing.machine import fuzz_settings

FAST = settings(
    max_examples=15,
    stateful_step_count=20,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class ReferenceMachine(PolicyMachine):
    policy = REFERENCE_POLICY


class GeneratedPolicyMachine(PolicyMachine):
    policies = strategies.policies(max_stages=3)


class NightCaller(PolicyMachine):
    """A host that ignores the decision and sends an SMS at 03:00 local: the machine must object."""

    policy = REFERENCE_POLICY
    zones = ("Asia/Shanghai",)
    start_spread_days = 0

    def decide_now(self):  # type: ignore[no-untyped-def]
        d = super().decide_now()
        local = self.now.astimezone(self.start.tzinfo)
        if not 8 <= local.hour < 21 and d.stage is not None:
            self._record(
                ContactAttempted(at=self.now, channel="sms", outcome="delivered", stage=d.stage)
            )
        return d


def test_the_reference_policy_runs_clean() -> None:
    run_state_machine_as_test(ReferenceMachine, settings=FAST)


def test_generated_policies_run_clean() -> None:
    run_state_machine_as_test(GeneratedPolicyMachine, settings=FAST)


def test_a_broken_host_is_caught_with_a_reproduction_script() -> None:
    with pytest.raises(InvariantError) as info:
        run_state_machine_as_test(
            NightCaller,
            settings=settings(
                FAST,
                max_examples=100,
                stateful_step_count=10,
                phases=(Phase.explicit, Phase.reuse, Phase.generate),  # reported as found
            ),
        )
    text = str(info.value)
    assert "[contact_hours]" in text
    assert "outside contact-hours (08:00-21:00)" in text
    assert "reproduce the offending decision with:" in text
    source = text.split("reproduce the offending decision with:", 1)[1]
    namespace: dict[str, object] = {}
    exec(compile(source, "<repro>", "exec"), namespace)  # the script runs as printed
    assert namespace["decision"].account_id == "A-1"  # type: ignore[attr-defined]
    assert info.value.violations[0].invariant == "contact_hours"


def test_a_machine_without_a_policy_says_so() -> None:
    class Empty(PolicyMachine):
        pass

    with pytest.raises(TypeError, match=r"must set `policy = \.\.\.`"):
        Empty()


def test_fuzz_profiles() -> None:
    assert fuzz_settings("ci").max_examples < fuzz_settings("long").max_examples
    assert fuzz_settings("long").deadline is None
    with pytest.raises(ValueError, match="unknown fuzz profile"):
        fuzz_settings("forever")


def test_a_host_following_wake_at_never_spins() -> None:
    m = ReferenceMachine()
    m._advance_to(m.now + timedelta(days=60), follow_wake=True)
    assert any(e.kind == "stage_entered" for e in m.account.events)
