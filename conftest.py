"""Test-suite settings shared by tests/ and examples/.

CI must be deterministic: a property test that finds a new counterexample by chance would turn
CI red for a change that did not cause it.  So the suite runs hypothesis derandomized (the same
examples on every run) by default; set ``OVERDUE_HYPOTHESIS=explore`` to draw fresh examples
locally, and ``OVERDUE_FUZZ=long`` to run the policy state machines for longer.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("OVERDUE_HYPOTHESIS", "ci"))
