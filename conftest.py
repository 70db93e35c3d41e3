"""Test-suite settings shared by tests/ and examples/.

CI must be deterministic: a property test that finds a new counterexample by chance would turn
CI red for a change that did not cause it.  So the suite runs hypothesis derandomized (the same
examples on every run) by default; set ``OVERDUE_HYPOTHESIS=explore`` to draw fresh examples
locally, and ``OVERDUE_FUZZ=long`` to run the policy state machines for longer.

Neither profile has a deadline or the ``too_slow`` health check: both measure wall time, so on
a slow or busy machine they fail a test whose code is correct.  Speed is measured in
``benchmarks/``, never here.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_NO_CLOCK = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("ci", derandomize=True, print_blob=True, **_NO_CLOCK)
settings.register_profile("explore", derandomize=False, print_blob=True, **_NO_CLOCK)
settings.load_profile(os.environ.get("OVERDUE_HYPOTHESIS", "ci"))
