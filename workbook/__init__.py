"""CRM assessment workbook: customer classification, value matrix, satisfaction and relationship scoring.

The package behind the course notebooks, exercises and classroom apps. Modules, one per
concept: ``data`` (load and check tables), ``classify``, ``value_matrix``,
``satisfaction``, ``operations`` (scoring), ``instruments`` (self-assessment
questionnaires), ``plots``, ``i18n`` (zh-CN / en texts) and ``errors``.
"""

import os
import sys

__version__ = "0.1.0"

# pandas loads pyarrow whenever it is installed (≈ 40 MB per process). The self-assessment runs one
# kernel per trainee and handles a few dozen rows there, so ``workbook serve`` starts those kernels
# with this variable set and pandas then uses its own string storage instead: for a class of 40,
# 1.6 GB less. Everything else (course, explorer, ``workbook score``) keeps pyarrow's speed.
WITHOUT_PYARROW_ENV = "WORKBOOK_WITHOUT_PYARROW"
if os.environ.get(WITHOUT_PYARROW_ENV) == "1" and "pandas" not in sys.modules:
    sys.modules.setdefault("pyarrow", None)  # Python's documented way to make ``import pyarrow`` fail
