"""docs/testing.md: its requirements file loads, and the reference policy meets it."""

import re
from pathlib import Path

from overdue import REFERENCE_POLICY
from overdue.testing import loads_requirements, static_violations

DOC = (Path(__file__).resolve().parents[2] / "docs" / "testing.md").read_text(encoding="utf-8")


def test_the_requirements_file_in_the_docs_loads_and_the_reference_meets_most_of_it() -> None:
    block = re.search(r"```toml\n(.*?)```", DOC, re.S)
    assert block is not None
    required = loads_requirements(block.group(1))
    assert required.rungs[0].must_state == ("amount", "days_overdue", "deadline", "legal_terms")
    found = [v.message for v in static_violations(required, REFERENCE_POLICY)]
    # The reference policy sends no validation notice: the one rule it lacks.
    assert len(found) == 1
    assert "validation_period" in found[0]
