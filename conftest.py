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
import shutil
import sys
import tempfile
from doctest import ELLIPSIS
from pathlib import Path

from hypothesis import HealthCheck, settings
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

_NO_CLOCK = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("ci", derandomize=True, print_blob=True, **_NO_CLOCK)
settings.register_profile("explore", derandomize=False, print_blob=True, **_NO_CLOCK)
settings.load_profile(os.environ.get("OVERDUE_HYPOTHESIS", "ci"))


# Every Python block in the README and in docs/ runs as a test, collected by Sybil.  The blocks of
# one page share a namespace, in page order, so a page reads (and runs) like a tutorial.  A block
# that cannot run says why in a ``<!-- skip: next "reason" -->`` comment right above it;
# ``<!-- invisible-code-block: python -->`` comments hold setup a reader does not need to see.
os.environ.setdefault("MPLBACKEND", "Agg")  # plots in docs/notebooks.md render off-screen


ROOT = Path(__file__).resolve().parent
# The files the pages' examples open by name, as a reader would have them in their working
# directory: docs/files/* (e.g. ``broken.toml``), a ``policy.toml`` (the small policy a team keeps
# next to its tests), its ``requirements.toml``, a reviewed policy (the reference ladder as a
# file) and the repository's ``examples/`` and ``tests/`` (whose data files some pages name).
DOC_FILES = {
    "policy.toml": ROOT / "examples" / "policy_tests" / "my_policy.toml",
    "requirements.toml": ROOT / "examples" / "policy_tests" / "requirements.toml",
    "policies/reviewed.toml": ROOT / "examples" / "policies" / "seed_platform.toml",
}


def _enter_page(namespace: dict[str, object]) -> None:
    """Run a page in a fresh working directory holding the files its examples name."""
    work = Path(tempfile.mkdtemp(prefix="overdue-docs-"))
    for path in (ROOT / "docs" / "files").iterdir():
        shutil.copy(path, work / path.name)
    for name, path in DOC_FILES.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, work / name)
    for shared in ("examples", "tests"):  # pages name files under these, as from the repo root
        (work / shared).symlink_to(ROOT / shared, target_is_directory=True)
    namespace["_docs_cwd"] = (os.getcwd(), work)
    os.chdir(work)


def _leave_page(namespace: dict[str, object]) -> None:
    """Go back, remove the page's directory and close the figures it drew."""
    previous, work = namespace.pop("_docs_cwd")  # type: ignore[misc]
    os.chdir(previous)
    shutil.rmtree(work, ignore_errors=True)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(doctest_optionflags=ELLIPSIS), SkipParser()],
    patterns=["README.md", "docs/*.md", "docs/presets/*.md"],
    setup=_enter_page,
    teardown=_leave_page,
).pytest()
