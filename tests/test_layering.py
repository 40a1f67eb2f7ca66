"""The package's layering: scoring modules never import presentation, not even through another module.

Data flows one way (files → ``data`` → scoring → presentation → people), so the scoring
modules can be tested, reused and served without matplotlib or ipywidgets. The check is
static: every ``import`` in a module file (also inside functions, where lazy imports hide)
counts, and imports are followed through the package's own modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workbook"
SCORING = ("data", "classify", "value_matrix", "satisfaction", "operations", "instruments")
PRESENTATION = ("plots", "widgets", "apps", "report")


def module_path(name: str, package: Path = PACKAGE) -> Path | None:
    """The file of ``workbook.<name>`` (a package's ``__init__.py``), or None when it is not ours."""
    parts = name.split(".")
    base = package.joinpath(*parts)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def own_imports(path: Path, package: Path = PACKAGE) -> set[str]:
    """The package's modules a file imports (``workbook.x.y`` as ``x.y``), wherever the import stands.

    ``from workbook import x`` names the module ``x``; ``from workbook.x import y`` names ``x``
    and, when ``y`` is a module of its own, ``x.y``. Relative imports are resolved from the file.
    """
    # Relative imports start at the file's package (a package's __init__ is in its own package).
    here = path.relative_to(package).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
            found |= {n.split(".", 1)[1] for n in names if n.startswith("workbook.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(here[: len(here) - (node.level - 1)])
                module = ".".join(p for p in (base, node.module or "") if p)
            elif node.module == "workbook" or (node.module or "").startswith("workbook."):
                module = node.module.removeprefix("workbook").lstrip(".")
            else:
                continue
            if module:
                found.add(module)
            for alias in node.names:
                child = f"{module}.{alias.name}" if module else alias.name
                if module_path(child, package) is not None:
                    found.add(child)
    return found


def reachable(start: str, package: Path = PACKAGE) -> dict[str, list[str]]:
    """Every package module ``start`` imports, directly or through others: module → the chain to it."""
    chains: dict[str, list[str]] = {start: [start]}
    todo = [start]
    while todo:
        current = todo.pop()
        path = module_path(current, package)
        if path is None:
            continue
        for name in sorted(own_imports(path, package)):
            # Importing a.b runs a's __init__ first, so the parents count as imported too.
            parts = name.split(".")
            for k in range(1, len(parts) + 1):
                module = ".".join(parts[:k])
                if module not in chains and module_path(module, package) is not None:
                    chains[module] = [*chains[current], module]
                    todo.append(module)
        # A package's submodules are part of it.
        if path.name == "__init__.py":
            for child in sorted(path.parent.glob("*.py")):
                module = f"{current}.{child.stem}"
                if child.name != "__init__.py" and module not in chains:
                    chains[module] = [*chains[current], module]
                    todo.append(module)
    return chains


def upward(start: str, package: Path = PACKAGE) -> list[str]:
    """The import chains from ``start`` to a presentation module (empty when the layering holds)."""
    return [
        " → ".join(chain)
        for module, chain in reachable(start, package).items()
        if module.split(".")[0] in PRESENTATION
    ]


@pytest.mark.parametrize("module", SCORING)
def test_scoring_modules_never_import_presentation(module):
    assert module_path(module) is not None, module
    assert upward(module) == []


def test_the_check_sees_an_import_through_another_module_and_inside_a_function(tmp_path):
    package = tmp_path / "workbook"
    (package / "instruments").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "plots.py").write_text("")
    (package / "helper.py").write_text("def draw():\n    from workbook import plots\n")
    (package / "classify.py").write_text("import numpy\n")
    (package / "satisfaction.py").write_text("from workbook.helper import draw\n")
    (package / "instruments" / "__init__.py").write_text("")
    (package / "instruments" / "scoring.py").write_text("from ..plots import *\n")
    assert upward("classify", package) == []
    assert upward("satisfaction", package) == ["satisfaction → helper → plots"]
    assert upward("instruments", package) == ["instruments → instruments.scoring → plots"]
