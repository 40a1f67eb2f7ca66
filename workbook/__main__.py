"""``python -m workbook`` runs the ``workbook`` command (see :mod:`workbook.cli`)."""

import sys

from workbook.cli import main

sys.exit(main())
