"""The testing kit on the command line: ``overdue check --requirements`` and ``overdue diff``.

Kept here rather than in :mod:`overdue.cli` so the command line only dispatches to it:

- ``overdue check --requirements req.toml policy.toml...`` loads the requirements and reports,
  per policy, what its text can be shown to allow that they forbid (a cap looser than required,
  a hold missing or narrowed, a rung reachable without its authorisation, hours wider), before
  any fuzzing; a requirement may also be a preset name (``--requirements us_reg_f``) or a
  reviewed policy file (``--requirements golden.toml``).
- ``overdue diff --weakenings golden.toml candidate.toml`` lists every way the candidate lets
  through more than the golden policy (:func:`~overdue.testing.weakenings`).

Both exit 1 when they found something, so a CI step or a pre-merge hook fails on it.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any

from overdue.errors import PolicyFileError

__all__ = ["add_diff_command", "check_requirements_command", "load_requirements_arg"]

_OK, _FOUND = 0, 1


def load_requirements_arg(value: str) -> Any:
    """``--requirements``: a requirements file, a policy file (its requirements), or a preset."""
    from overdue.presets import PRESETS
    from overdue.testing.requirements import load_requirements, requirements_of

    if value in PRESETS:
        return requirements_of(value)
    path = Path(value)
    head = path.read_text(encoding="utf-8")[:4000]
    if "overdue.policy/" in head:
        from overdue.config import load_policy

        return requirements_of(load_policy(path))
    return load_requirements(path)


def check_requirements_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``overdue check --requirements REQ POLICY...``: static violations per policy."""
    from overdue.config import load_policy
    from overdue.testing.requirements import static_violations

    requirements = load_requirements_arg(args.requirements)
    code = _OK
    for path in args.policies:
        try:
            policy = load_policy(path)
        except PolicyFileError as exc:
            err.write(f"{exc}\n")
            code = _FOUND
            continue
        found = static_violations(requirements, policy)
        mark = "ok  " if not found else "FAIL"
        out.write(
            f"{mark} {path}: {policy.id} {policy.version} against {requirements.id}: "
            f"{len(found)} violation(s)\n"
        )
        for v in found:
            out.write(f"    - {v.message}\n")
        if found:
            code = _FOUND
    return code


def _cmd_diff(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from overdue.config import load_policy
    from overdue.testing.weakenings import weakenings

    golden = load_policy(args.golden)
    candidate = load_policy(args.candidate)
    found = weakenings(golden, candidate)
    out.write(f"{args.candidate} against {args.golden}: {len(found)} weakening(s)\n")
    for w in found:
        out.write(f"  {w.what:<10} {w}\n")
    return _FOUND if found else _OK


def add_diff_command(sub: Any) -> None:
    """Register ``overdue diff`` on the command line's subparsers."""
    d = sub.add_parser("diff", help="what a candidate policy allows that a golden one does not")
    d.add_argument("golden", metavar="GOLDEN", help="the reviewed policy file")
    d.add_argument("candidate", metavar="CANDIDATE", help="the changed policy file")
    d.add_argument(
        "--weakenings",
        action="store_true",
        default=True,
        help="list deleted or narrowed rules, wider windows, higher caps, shorter periods, "
        "removed requires, changed zones, reordered rungs (the default and only report)",
    )
    d.set_defaults(func=_cmd_diff)
