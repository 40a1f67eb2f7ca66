"""Execution time of the six course notebooks, each in a fresh kernel as the test suite runs them.

    python -m benchmarks notebooks

Target: all six together in under 60 s (the course must stay quick to re-run in class and in CI).
Kernel start-up is included, because a trainee pays for it too.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 60.0


def run_notebook(path: Path) -> float:
    """Wall-clock seconds to execute ``path`` top to bottom in a new kernel (outputs discarded)."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks notebooks", description=__doc__.split("\n\n")[0]
    )
    parser.parse_args(argv)
    times = {path.name: run_notebook(path) for path in sorted((ROOT / "notebooks").glob("0*.ipynb"))}
    total = sum(times.values())
    width = max(map(len, times)) + 2
    print(f"\n{'notebook':<{width}}  seconds")
    for name, seconds in times.items():
        print(f"{name:<{width}}  {seconds:7.1f}")
    print(f"{'total':<{width}}  {total:7.1f}")
    met = "yes" if total < TARGET_S else "NO"
    print(f"\ntarget: all six < {TARGET_S:.0f} s  measured {total:.1f} s  met: {met}")
    return 0
