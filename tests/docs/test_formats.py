"""docs/formats.md's examples and event table are what the encoders write today.

The page's generated blocks come from ``docs/gen_formats.py``; when this fails, run
``python docs/gen_formats.py`` and review the diff.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "gen_formats.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_formats", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_formats_page_is_what_the_generator_writes() -> None:
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    assert text.count("<!-- generated: ") == 4
    assert _generator().render(text) == text, "docs/formats.md is stale: python docs/gen_formats.py"


def test_a_stale_block_is_caught() -> None:
    gen = _generator()
    stale = (
        '<!-- generated: decision-example -->\n```json\n{"at": "+00:00"}\n```\n'
        "<!-- end generated -->\n"
    )
    fresh = gen.render(stale)
    assert fresh != stale
    assert '"discloses_debt": true' in fresh


def test_the_script_checks_from_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
