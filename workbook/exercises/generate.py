"""Write the trainee notebooks in ``exercises/`` from the trainer's versions in ``exercises/solutions/``.

The solution notebooks are the one source. A cell tagged ``solution`` is what the trainee
must not see, and becomes in the trainee's copy:

* the title cell (a markdown cell starting with ``# ``): the title lines stay, the trainer's
  note becomes the trainee's instructions (catalogue ``exercises.notebook.intro``);
* an answer cell (code): ``answer = …`` becomes ``answer = None  # 例如 …`` and the
  ``check(…)`` line stays. The example comes from the cell's ``example`` metadata, else
  from the task kind (a number: ``12.5``; a choice: ``"A" 或选项名称``). An answer written as
  a dict over several lines (a self-assessment form) keeps its keys and comments, each
  value ``None``;
* a worked solution (any other markdown cell): a code cell with the task's hint call
  commented out (catalogue ``exercises.notebook.hint_cell``).

Every other cell is copied as it is, cell ids included, so regenerating changes nothing
unless a solution notebook changed. Run ``make exercises`` (or
``python -m workbook.exercises.generate``); ``--check`` only reports the notebooks that
are out of date and exits with 1 if there are any.

Example
-------
>>> cell = nbformat.v4.new_code_cell('answer = 20\\ncheck("m4.t1", answer)', id="c1")
>>> cell.metadata["tags"] = ["solution"]
>>> print(trainee_cell(cell).source)
answer = None  # 例如 12.5
check("m4.t1", answer)
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

from workbook import i18n
from workbook.exercises.engine import TASKS

__all__ = ["EXERCISES_DIR", "SOLUTION_TAG", "main", "render", "stale", "trainee_cell", "trainee_notebook"]

EXERCISES_DIR = Path(__file__).resolve().parents[2] / "exercises"
SOLUTION_TAG = "solution"
NOTEBOOK_LANG = "zh"  # the notebooks are Chinese first; code comments are written in Chinese only
NUMBER_EXAMPLE = "12.5"
_CHECK = re.compile(r'^check\("(m\d+\.t\d+)", answer\)', re.M)
_DICT_VALUE = re.compile(r'^(\s+"[^"]+": )[^#\n]*?,', re.M)


def _both(key: str) -> tuple[str, str]:
    return i18n.t(key, "zh"), i18n.t(key, "en")


def _task_of(source: str) -> str:
    """The id of the task a cell checks (``check("m1.t2", answer)``); the cell must check one."""
    match = _CHECK.search(source)
    if match is None:
        raise ValueError(f"a solution cell without a check(…) line: {source[:60]!r}")
    return match.group(1)


def _intro(source: str) -> str:
    title = "\n".join(source.split("\n")[:2])
    zh, en = _both("exercises.notebook.intro")
    return f"{title}\n\n{zh}\n\n*{en}*"


def _answer(source: str, example: str | None) -> str:
    task = TASKS[_task_of(source)]
    answer, check = source[: _CHECK.search(source).start()], source[_CHECK.search(source).start() :]
    if "\n" in answer.strip():  # a dict over several lines: keys and comments stay, the values go
        return _DICT_VALUE.sub(r"\1None,", answer) + check
    if example is None and task.kind == "number":
        example = NUMBER_EXAMPLE
    elif example is None and task.kind == "choice":
        example = i18n.t("exercises.notebook.option_example", NOTEBOOK_LANG)
    elif example is None:
        raise ValueError(f"task {task.id}: a {task.kind} answer cell needs an 'example' in its metadata")
    stub = i18n.t("exercises.notebook.example", NOTEBOOK_LANG, example=example)
    return f"answer = None  # {stub}\n{check}"


def trainee_cell(cell: nbformat.NotebookNode, task_id: str | None = None) -> nbformat.NotebookNode:
    """The trainee's copy of one solution-notebook cell (see the module docstring).

    ``task_id`` is the task a worked-solution cell explains (the last one checked above it).
    """
    tags = cell.metadata.get("tags", [])
    if SOLUTION_TAG not in tags:
        return copy.deepcopy(cell)
    metadata = {k: v for k, v in cell.metadata.items() if k not in ("tags", "example")}
    if [t for t in tags if t != SOLUTION_TAG]:
        metadata["tags"] = [t for t in tags if t != SOLUTION_TAG]
    if cell.cell_type == "code":
        source = _answer(cell.source, cell.metadata.get("example"))
        return nbformat.v4.new_code_cell(source, id=cell.id, metadata=metadata)
    if cell.source.startswith("# "):
        return nbformat.v4.new_markdown_cell(_intro(cell.source), id=cell.id, metadata=metadata)
    if task_id is None:
        raise ValueError(f"a worked solution before any task: {cell.source[:60]!r}")
    zh, en = _both("exercises.notebook.hint_cell")
    source = f'# {zh} · {en}\n# hint("{task_id}")'
    return nbformat.v4.new_code_cell(source, id=cell.id, metadata=metadata)


def trainee_notebook(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The trainee's notebook: every cell through :func:`trainee_cell`, the notebook metadata kept."""
    trainee = copy.deepcopy(solution)
    task_id = None
    cells = []
    for cell in solution.cells:
        if cell.cell_type == "code" and _CHECK.search(cell.source):
            task_id = _task_of(cell.source)
        cells.append(trainee_cell(cell, task_id))
    trainee.cells = cells
    return trainee


def render(solution_path: Path) -> str:
    """The trainee notebook's file text for one solution notebook (as Jupyter writes it)."""
    solution = nbformat.read(solution_path, as_version=4)
    return nbformat.writes(trainee_notebook(solution)) + "\n"


def stale(folder: Path = EXERCISES_DIR) -> list[Path]:
    """The trainee notebooks in ``folder`` that differ from what their solutions give."""
    out = []
    for solution_path in sorted((folder / "solutions").glob("*.ipynb")):
        target = folder / solution_path.name
        if not target.exists() or target.read_text(encoding="utf-8") != render(solution_path):
            out.append(target)
    return out


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` only list) the trainee notebooks; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m workbook.exercises.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="list stale notebooks, write nothing")
    parser.add_argument("--folder", type=Path, default=EXERCISES_DIR, help="the exercises folder")
    args = parser.parse_args(argv)
    out_of_date = stale(args.folder)
    for target in out_of_date:
        if args.check:
            print(target)
        else:
            target.write_text(render(args.folder / "solutions" / target.name), encoding="utf-8")
    return 1 if args.check and out_of_date else 0


if __name__ == "__main__":
    sys.exit(main())
