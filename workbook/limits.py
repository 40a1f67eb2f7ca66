"""Input limits, checked before any parsing work: an upload can never exhaust the machine.

Every file the workbook reads (an upload in an app, a ``workbook score`` input) is measured
against these limits *before* it is parsed: its size in bytes, the number of columns and
rows (counted from the raw bytes, which is cheap), the cells (rows × columns), and for
``.xlsx`` the size the zip parts inflate to (read from the zip directory, before anything
is inflated) and the sheet dimensions declared in each sheet's first bytes. Each limit
has its own bilingual message that names it and says how to get under it.

The checks are plain arithmetic on sizes, so they work the same on Windows and POSIX; no
child process or ``resource`` limit is needed.

Defaults (change them with environment variables, read when a file is loaded):

=====================  =============================  ===========
limit                  environment variable           default
=====================  =============================  ===========
bytes                  ``WORKBOOK_MAX_UPLOAD_MB``     50 MB
columns                ``WORKBOOK_MAX_COLUMNS``       300
rows                   ``WORKBOOK_MAX_ROWS``          12,000,000
cells                  ``WORKBOOK_MAX_CELLS``         150,000,000
inflated .xlsx parts   ``WORKBOOK_MAX_XLSX_MB``       300 MB
=====================  =============================  ===========

Example
-------
>>> current().max_columns
300
>>> Limits(max_columns=20).max_columns
20
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

MB = 2**20

ENV = {
    "max_bytes": ("WORKBOOK_MAX_UPLOAD_MB", MB),
    "max_columns": ("WORKBOOK_MAX_COLUMNS", 1),
    "max_rows": ("WORKBOOK_MAX_ROWS", 1),
    "max_cells": ("WORKBOOK_MAX_CELLS", 1),
    "max_inflated": ("WORKBOOK_MAX_XLSX_MB", MB),
}


@dataclass(frozen=True)
class Limits:
    """What one input may hold. Sizes in bytes; counts of columns, rows and cells."""

    max_bytes: int = 50 * MB  # the file as uploaded
    max_columns: int = 300  # the widest real export seen has ~120 columns
    max_rows: int = 12_000_000  # data lines (a 10-million-order ledger fits)
    max_cells: int = 150_000_000  # rows × columns
    max_inflated: int = 300 * MB  # all parts of an .xlsx once unzipped


def current() -> Limits:
    """The limits in force: defaults, overridden by the ``WORKBOOK_MAX_*`` environment variables.

    A variable that is not a positive number is ignored (the default stays).
    """
    changes = {}
    for name, (variable, unit) in ENV.items():
        text = os.environ.get(variable, "").strip()
        try:
            value = float(text)
        except ValueError:
            continue
        if value > 0:
            changes[name] = int(value * unit)
    return replace(Limits(), **changes)
