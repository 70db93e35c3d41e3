"""Instructions per JSONL line of ``overdue next``, by part: reading, deciding, writing.

Usage::

    python benchmarks/bench_jsonl_lines.py                          # this tree
    python benchmarks/bench_jsonl_lines.py --against ../main/src    # and another, side by side
    python benchmarks/bench_jsonl_lines.py --stdlib                 # this tree without orjson too

Why instructions: the machines this project is measured on are shared, and CPU time per
account moves with the load; the instructions a line costs do not.  Each part is run under
valgrind (``--tool=callgrind``, needs ``valgrind`` on the PATH) on 100 and on 100 + ``--lines``
accounts of ``bench_decide.py`` (about 20 events each), and the difference is divided by
``--lines``: start-up, imports and the policy's loading cancel out.  The parts, each in a child
process on the same file, ``seed_platform.toml``:

* **read**: the lines of the file to ``Account`` values, as ``overdue next`` reads them
  (``overdue.portfolio.jsonl``: orjson when installed, else ``json.loads``; ``load_accounts``
  in a tree without that module);
* **decide**: the same, each account decided (``read`` subtracted);
* **write**: ``overdue next`` itself, the decision records written to ``/dev/null``
  (``read`` and ``decide`` subtracted: the records and the command's loop).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
POLICY = HERE.parent / "examples" / "policies" / "seed_platform.toml"
AT = "2026-04-01T10:00:00+08:00"

_CHILD = """
import io, os, sys
from datetime import datetime
part, path, policy, at = sys.argv[1:5]
from overdue.cli import main
if part == "cli":
    with open(os.devnull, "w") as sink:
        main(["next", policy, path, "--at", at], out=sink, err=io.StringIO())
else:
    from overdue._gc import long_lived_set_aside
    from overdue.config import load_accounts, load_policy
    from overdue.config.registry import Kinds
    from overdue.engine.versions import decide_honouring_versions
    pol = load_policy(policy, kinds=Kinds.default())
    when = datetime.fromisoformat(at)
    try:  # the reader of ``overdue next`` (orjson when installed), where the tree has it
        from overdue.portfolio.jsonl import jsonl_records, read_line
        results = (read_line(n, raw) for n, raw in jsonl_records(path))
    except ImportError:
        results = load_accounts(path)
    with long_lived_set_aside():
        for r in results:
            if part == "decide" and r.account is not None:
                decide_honouring_versions(pol, r.account, when, versions=None)
"""


def _write_accounts(n: int, path: Path) -> None:
    sys.path.insert(0, str(HERE))
    from bench_decide import make_account

    from overdue.config import account_to_dict

    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(account_to_dict(make_account(i, rng))) + "\n")


def _instructions(tree: str, part: str, path: Path, stdlib: bool = False) -> int:
    """Instructions of one child process (callgrind's ``Collected``); ``stdlib``: with
    ``OVERDUE_JSON=stdlib`` (no orjson)."""
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-c", _CHILD, part, str(path), str(POLICY), AT]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": tree, **({"OVERDUE_JSON": "stdlib"} if stdlib else {})}
    run = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def per_line(
    tree: str, small: Path, large: Path, lines: int, stdlib: bool = False
) -> dict[str, float]:
    """Instructions per line of each part under the source tree ``tree``."""
    total = {
        part: (
            _instructions(tree, part, large, stdlib) - _instructions(tree, part, small, stdlib)
        ) / lines
        for part in ("read", "decide", "cli")
    }
    return {
        "read": total["read"],
        "decide": total["decide"] - total["read"],
        "write": total["cli"] - total["decide"],
        "line": total["cli"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=500, help="accounts measured (default 500)")
    ap.add_argument("--against", action="append", default=[], metavar="SRC",
                    help="another source tree (a checkout's src), measured alike")  # fmt: skip
    ap.add_argument("--stdlib", action="store_true",
                    help="also this tree with OVERDUE_JSON=stdlib (json.loads, not orjson)")
    args = ap.parse_args()
    here = str(HERE.parent / "src")
    trees = [(here, False), *([(here, True)] if args.stdlib else []),
             *((t, False) for t in args.against)]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.jsonl", Path(tmp) / "large.jsonl"
        _write_accounts(100 + args.lines, large)
        with large.open("rb") as fh:
            small.write_bytes(b"".join(fh.readline() for _ in range(100)))
        print(f"instructions per JSONL line, {args.lines} accounts, {POLICY.name}")
        print(f"  {'tree':<40} {'read':>10} {'decide':>10} {'write':>10} {'line':>11}")
        for tree, stdlib in trees:
            r = per_line(tree, small, large, args.lines, stdlib)
            label = tree + (" (stdlib)" if stdlib else "")
            print(f"  {label:<40} {r['read']:>10,.0f} {r['decide']:>10,.0f} {r['write']:>10,.0f}"
                  f" {r['line']:>11,.0f}")  # fmt: skip


if __name__ == "__main__":
    main()
