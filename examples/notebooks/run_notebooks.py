"""Execute the example notebooks headlessly, as CI does, and optionally save their figures.

Run: python examples/notebooks/run_notebooks.py [--figures docs/img]

Each notebook runs in a fresh kernel started with *this* interpreter (a kernelspec written to a
temporary directory), so it sees the same installed `overdue` as the tests, whatever kernels
the machine has or lacks.  The notebooks are stored without outputs; executing one here never
writes it back.  A cell whose metadata holds ``{"overdue": {"figure": NAME}}`` produces a
picture that ``--figures DIR`` saves as ``DIR/NAME.png`` (the pictures in ``docs/img/``).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NOTEBOOKS = ("portfolio_triage.ipynb", "champion_vs_challenger.ipynb")
KERNEL = "overdue-python"


@contextlib.contextmanager
def kernel_here() -> Iterator[str]:
    """A kernelspec for this interpreter in a temporary Jupyter path; yields its name."""
    with tempfile.TemporaryDirectory(prefix="overdue-kernel-") as tmp:
        spec_dir = Path(tmp) / "kernels" / KERNEL
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "overdue (this interpreter)",
            "language": "python",
            "env": {"MPLBACKEND": "module://matplotlib_inline.backend_inline"},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR",
                                                 "IPYTHONDIR", "JUPYTER_PLATFORM_DIRS")}
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (tmp, saved["JUPYTER_PATH"]) if p
        )
        os.environ["JUPYTER_RUNTIME_DIR"] = str(Path(tmp) / "runtime")
        os.environ["IPYTHONDIR"] = str(Path(tmp) / "ipython")
        os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
        try:
            yield KERNEL
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def execute(name: str, *, timeout: int = 600) -> Any:
    """Run one notebook of this folder top to bottom; returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(HERE / name, as_version=4)
    with kernel_here() as kernel:
        client = NotebookClient(
            nb,
            kernel_name=kernel,
            timeout=timeout,
            startup_timeout=120,
            resources={"metadata": {"path": str(HERE)}},
        )
        client.execute()
    return nb


def figures(nb: Any) -> dict[str, bytes]:
    """The PNG each figure cell produced, by its figure name."""
    out = {}
    for cell in nb.cells:
        name = cell.get("metadata", {}).get("overdue", {}).get("figure")
        if not name:
            continue
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                out[name] = base64.b64decode(png)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--figures", type=Path, help="save the figure cells' PNGs here")
    args = parser.parse_args(argv)
    for name in NOTEBOOKS:
        nb = execute(name)
        print(f"{name}: ran {len(nb.cells)} cells")
        if args.figures:
            args.figures.mkdir(parents=True, exist_ok=True)
            for fig, png in figures(nb).items():
                (args.figures / f"{fig}.png").write_bytes(png)
                print(f"  wrote {args.figures / f'{fig}.png'}")


if __name__ == "__main__":
    main()
