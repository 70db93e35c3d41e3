"""``import overdue`` loads no database driver and no process pool.

A host imports the library in every web worker and every job; deciding one account needs
neither ``sqlite3`` (the dispatch ledger) nor ``multiprocessing``/``concurrent.futures`` (batch
work over processes).  Those arrive only with the modules that use them.  (How *long* the import
takes is a figure for ``benchmarks/bench_import.py``, never a test.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlite3", "multiprocessing", "concurrent.futures")


def _loaded_after(code: str) -> set[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


def test_import_overdue_loads_no_database_driver_and_no_process_pool() -> None:
    loaded = _loaded_after("import overdue")
    assert "overdue" in loaded
    assert sorted(m for m in HEAVY if m in loaded) == []
    assert "overdue.batch" not in loaded


def test_decide_many_still_works_from_the_root() -> None:
    loaded = _loaded_after(
        "import overdue\n"
        "from overdue import decide_many\n"
        "from overdue.batch import BatchFailure, BatchReport, decide_batch\n"
        "assert overdue.decide_many is decide_many\n"
        "assert 'decide_many' in dir(overdue)"
    )
    assert {"overdue.batch", "concurrent.futures"} <= loaded  # the probe can see a heavy import


def test_an_unknown_root_name_is_still_an_attribute_error() -> None:
    import overdue

    with pytest.raises(AttributeError, match="no_such_name"):
        overdue.no_such_name  # type: ignore[attr-defined]  # noqa: B018
