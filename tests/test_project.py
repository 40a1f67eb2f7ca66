"""Project hygiene: dependencies in step, code lint-clean, notebooks committed without outputs."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _requirement(spec: str) -> tuple[str, str]:
    """'pandas>=3.0' → ('pandas', '>=3.0'), names folded as pip folds them, extras dropped."""
    name, bound = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[\w,]+\])?\s*(.*)$", spec).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), bound.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(map(_requirement, project["dependencies"] + project["optional-dependencies"]["test"]))
    wanted["python"] = project["requires-python"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    listed = dict(_requirement(d) for d in conda if isinstance(d, str) and d != "pip")
    assert listed == wanted


def test_ruff_clean():
    command = [sys.executable, "-m", "ruff", "check", str(ROOT)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_have_no_outputs():
    carrying = []
    for path in [*ROOT.glob("notebooks/**/*.ipynb"), *ROOT.glob("exercises/**/*.ipynb")]:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"):
            carrying.append(path.name)
    assert carrying == []


def test_readme_gives_the_commands_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make serve" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
