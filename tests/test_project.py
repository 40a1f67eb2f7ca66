"""Project hygiene: dependencies in step, code lint-clean, notebooks committed without outputs."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("check", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_clean(check):
    """ruff's lint rules and one code style (ruff format) over the whole repository."""
    command = [sys.executable, "-m", "ruff", *check, str(ROOT)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_have_no_outputs():
    carrying = []
    for path in [*ROOT.glob("notebooks/**/*.ipynb"), *ROOT.glob("exercises/**/*.ipynb")]:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"):
            carrying.append(path.name)
    assert carrying == []


def test_type_check_clean():
    """mypy over workbook/ with the settings in pyproject.toml: no new type errors."""
    command = [sys.executable, "-m", "mypy"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def _fenced(text: str, heading: str) -> list[str]:
    """The commands in the first ``bash`` block after ``heading``: one per line, comments removed."""
    block = re.search(re.escape(heading) + r".*?```bash\n(.*?)```", text, re.S)
    assert block, heading
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def _make_targets() -> dict[str, list[str]]:
    """Makefile target → its recipe lines (variables left as written)."""
    targets: dict[str, list[str]] = {}
    current = None
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("\t") and current:
            targets[current].append(line.strip())
        elif match := re.match(r"^([\w.$()/-]+):(?!=)", line):
            current = match.group(1)
            targets[current] = []
        elif not line.startswith("\t"):
            current = None
    return targets


def test_readme_gives_the_commands_ci_runs():
    """The README's two commands are the Makefile's, `make test` runs all of pytest, CI runs exactly it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _fenced(readme, "## Two commands") == ["make serve", "make test"]
    assert _fenced(readme, "**两条命令**") == ["make serve", "make test"]
    targets = _make_targets()
    assert targets["test"] == ["$(BIN)/pytest"]  # every test: no path, marker or -k narrows the run
    assert any(line.startswith("$(BIN)/workbook serve") for line in targets["serve"])
    # Every `make <target>` the README names exists.
    named = set(re.findall(r"`make (\w+)", readme))
    assert named and named <= set(targets)
    # CI's last command is the README's test command, run beside a throwaway PostgreSQL.
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in ci if line and not line.startswith("#")]
    assert commands[-1] == "scripts/with-postgres.sh make test"
    assert "`scripts/with-postgres.sh make test`" in readme
