"""Time and peak memory to refuse the two upload attacks, each in a child process under a cap.

    python -m benchmarks limits [--cap-mb 2000] [--timeout 120]

Seconds count from starting the child (Python, pandas and the workbook imports included;
the loader's own time is in the outcome column).

(1) a 7.5 MB CSV whose header has 1,000,000 columns; (2) a 2 MB .xlsx whose sheet inflates
to 1 GB. Each is loaded with ``data.load_customers`` in a fresh process limited to
``--cap-mb`` of address space (POSIX ``resource``; elsewhere only the timeout applies), and
the table shows the outcome, seconds to the answer and the child's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

CHILD = """
import sys
try:
    import resource
    cap = int(sys.argv[2]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
except (ImportError, ValueError, OSError):
    pass
import time
from workbook import data
from workbook.errors import WorkbookInputError
start = time.perf_counter()
try:
    data.load_customers(sys.argv[1])
    outcome = "loaded"
except WorkbookInputError as err:
    outcome = "refused: " + ",".join(err.keys)
except MemoryError:
    outcome = "MemoryError at the cap"
print(f"{outcome} ({time.perf_counter() - start:.2f} s in the loader)")
"""


def wide_csv(path: Path, columns: int = 1_000_000) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(f"c{i}" for i in range(columns)) + "\n")
        out.write(",".join("1" for _ in range(columns)) + "\n")
    return path


def xlsx_bomb(path: Path, inflated_mb: int = 1024) -> Path:
    """A valid workbook (a real header row) whose sheet is padded with blanks to ``inflated_mb``:
    a reader that inflates it before checking sizes spends its time and memory on the padding."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["客户编号", "客户名称", "满意度"])
    template = io.BytesIO()
    book.save(template)
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in source.infolist():
            blob = source.read(part)
            if part.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(part, blob)
                continue
            head, tail = blob.split(b"<sheetData>")
            with archive.open(part.filename, "w", force_zip64=True) as sheet:
                sheet.write(head + b"<sheetData>")
                chunk = b" " * 2**20
                for _ in range(inflated_mb):
                    sheet.write(chunk)
                sheet.write(tail)
    return path


def attack(path: Path, cap_mb: int, timeout: float) -> tuple[str, float, float]:
    """(outcome, seconds, peak RSS in MB of the child). Run from a fresh process per attack, so
    that process's RUSAGE_CHILDREN maximum is this child's peak."""
    if "--one" not in sys.argv:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.limits", "--one", str(path), str(cap_mb), str(timeout)],
            capture_output=True,
            text=True,
            check=False,
        )
        outcome, seconds, peak = done.stdout.strip().splitlines()[-1].split("\t")
        return outcome, float(seconds), float(peak)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(cap_mb)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        lines = done.stdout.strip().splitlines() or done.stderr.strip().splitlines()[-1:] or ["crashed"]
        outcome = lines[-1][:70]
    except subprocess.TimeoutExpired:
        outcome = f"no answer after {timeout:.0f} s (killed)"
    seconds = time.perf_counter() - start
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KB on Linux
    except ImportError:
        peak = float("nan")
    return outcome, seconds, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks limits", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cap-mb", type=int, default=2000, help="address-space cap of each child")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        files = {
            "CSV, 1,000,000 columns": wide_csv(Path(folder) / "wide.csv"),
            "xlsx inflating to 1 GB": xlsx_bomb(Path(folder) / "bomb.xlsx"),
        }
        print(f"{'attack':<24}  {'file MB':>7}  {'seconds':>8}  {'peak MB':>8}  outcome")
        for name, path in files.items():
            # Each child runs alone, so RUSAGE_CHILDREN's maximum is this child's peak (the first
            # row's peak is a floor for the second: run them separately to compare exactly).
            outcome, seconds, peak = attack(path, args.cap_mb, args.timeout)
            size = path.stat().st_size / 2**20
            print(f"{name:<24}  {size:>7.1f}  {seconds:>8.2f}  {peak:>8.0f}  {outcome}")
    print(
        f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}" if hasattr(os, "getloadavg") else ""
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        result = attack(Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
        print("\t".join(map(str, result)))
        sys.exit(0)
    sys.exit(main())
