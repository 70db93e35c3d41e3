"""How long ``import overdue`` takes in a fresh interpreter, and what it loads.

Usage::

    python benchmarks/bench_import.py            # 15 fresh interpreters, the median
    python benchmarks/bench_import.py --runs 40

Each run starts a new Python with ``-X importtime -c "import overdue"`` and reads the cumulative
microseconds the interpreter reports for ``overdue`` itself (what a host pays on top of the
interpreter's own start-up).  The median is compared with ``BUDGET_MS``, a stated budget for a
library a host imports in every worker: the figure is printed, never asserted in a test (it
depends on the machine and on what else runs).  Which heavy modules the import does *not* load
is a correctness property, tested in ``tests/test_import_cost.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys

BUDGET_MS = 250.0
"""Import-time budget (median, ms): measured 123 ms on a quiet shared 2-core machine, 190 busy."""


def one_run() -> tuple[float, int]:
    """(cumulative import time of ``overdue`` in ms, number of modules loaded) for one run."""
    code = "import sys, overdue; print(len(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    cumulative = next(
        int(line.split("|")[1])
        for line in done.stderr.splitlines()
        if line.split("|")[-1].strip() == "overdue"
    )
    return cumulative / 1000, int(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    one_run()  # warm the file-system cache and the bytecode cache
    results = [one_run() for _ in range(args.runs)]
    times = sorted(t for t, _ in results)
    median = statistics.median(times)
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"import overdue: median {median:.1f} ms, min {times[0]:.1f} ms, max {times[-1]:.1f} ms")
    print(f"modules loaded in total (interpreter included): {results[0][1]}")
    verdict = "within" if median <= BUDGET_MS else "OVER"
    print(f"budget {BUDGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
