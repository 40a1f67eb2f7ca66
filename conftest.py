"""Settings for every test run from the repo, notebooks and exercises included.

Nothing a test runs writes into the repo's data folder: the store goes to a temporary
folder, and notebook kernels inherit the variable.
"""

import os
import tempfile

os.environ.setdefault("WORKBOOK_DATA_DIR", tempfile.mkdtemp(prefix="workbook-test-data-"))
os.environ.setdefault("MPLBACKEND", "Agg")
