"""The team's shared baselines script, run against today's reference policy.

Usage (from the project root; ``pip install transitions`` first)::

    python benchmarks/shared_baselines.py --accounts 20000          # every option of the script
    python benchmarks/shared_baselines.py --accounts 20000 --pin

Why a wrapper: ``../shared/perf/baselines.py`` is the measuring instrument the ratios in the
issues and closing notes are quoted from (overdue side by side with a hand-written plain-Python
ladder, "plain-ref", and with ``transitions``).  It is read-only here, and its plain-ref still
describes the reference ladder as it was before two deliberate changes, so its start-up check
(``check_ref_ladder``) stops before timing anything:

- issue 14 (reference policy fixes): ``reminder.sms`` and ``call.followup`` fall back to
  ``email``; ``in_app`` notices keep contact hours;
- issue 17 (one name per idea): the one-call-a-day cap's window is spelled ``"rolling_days"``
  (``"calendar"`` was an alias).

This wrapper reads the script, makes exactly those four edits to its plain-ref constants and
check (each must match once, or it stops and says which one no longer matches: then the
script was updated and the edit is not needed), and runs it.  Nothing else changes: the
portfolio, the timing harness and the agreement check are the script's own.  Agreement with
plain-ref must be 100%; ``tests/test_shared_baselines.py`` checks it in CI on a small portfolio.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT.parent / "shared" / "perf" / "baselines.py"

# (what the shared script says, what today's reference policy says, why)
EDITS: tuple[tuple[str, str, str], ...] = (
    (
        '(("sms", "reminder.sms", 0, 3, 3, None), ("in_app"',
        '(("sms", "reminder.sms", 0, 3, 3, "email"), ("in_app"',
        "issue 14: reminder SMS falls back to e-mail",
    ),
    (
        '("sms", "call.followup", 1, None, 1, None)',
        '("sms", "call.followup", 1, None, 1, "email")',
        "issue 14: follow-up SMS falls back to e-mail",
    ),
    (
        'HOURS_CHANNELS = frozenset({"sms", "phone", "email", "field_visit"})',
        'HOURS_CHANNELS = frozenset({"sms", "phone", "email", "field_visit", "in_app"})',
        "issue 14: in-app notices keep contact hours",
    ),
    (
        '1, "1d", "calendar", frozenset({"phone"}))',
        '1, "1d", "rolling_days", frozenset({"phone"}))',
        "issue 17: the local-day window is spelled 'rolling_days'",
    ),
)


def patched_source(path: Path = SCRIPT) -> str:
    """The script's text with the edits made; an edit already made upstream is skipped."""
    if not path.is_file():
        raise SystemExit(f"shared baselines script not found at {path} (expected ../shared/perf/)")
    text = path.read_text(encoding="utf-8")
    for old, new, why in EDITS:
        found = text.count(old)
        if found == 1:
            text = text.replace(old, new)
        elif text.count(new) == 1:
            continue  # the script already follows this change
        else:
            raise SystemExit(
                f"{path}: the edit for {why!r} matches {found} places, expected exactly 1; "
                "the script has changed: compare its REF_LADDER with overdue.REFERENCE_POLICY"
            )
    return text


def load(path: Path = SCRIPT) -> types.ModuleType:
    """The edited script as a module (not run): for tests that call its plain-ref directly."""
    module = types.ModuleType("overdue_shared_baselines")
    module.__file__ = str(path)
    sys.modules[module.__name__] = module  # dataclasses and pickling look modules up by name
    exec(compile(patched_source(path), str(path), "exec"), module.__dict__)
    return module


def main(argv: list[str] | None = None) -> int:
    module = load()
    result: int = module.main(argv)
    return result


if __name__ == "__main__":
    sys.exit(main())
