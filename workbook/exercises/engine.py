"""The exercise engine: tasks and their mistakes, judging an answer, hints, and recording attempts.

A :class:`Task` says where its data comes from, how the right answer is computed with the
package's own functions and which :class:`Mistake` detectors recognise typical wrong
answers. :func:`evaluate` judges an answer (the judges live in
:mod:`workbook.exercises.answers`), :func:`check` also records the attempt through
:class:`workbook.store.Store`, and :func:`hint` gives the task's hints. Feedback is
bilingual: every text is a catalogue key rendered in whichever language is asked for.

Example
-------
>>> from workbook import exercises, i18n
>>> with i18n.language("en"):
...     print(exercises.evaluate("m4.t1", 20).message)
✓ correct · m4.t1 NPS of an answer list
Correct!
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from workbook import i18n
from workbook.errors import WorkbookInputError
from workbook.i18n import label, t

__all__ = [
    "KINDS",
    "STATUSES",
    "TASKS",
    "CheckResult",
    "Feedback",
    "Mistake",
    "Task",
    "check",
    "evaluate",
    "hint",
    "set_store",
    "set_trainee",
    "tasks",
]

# One logger for the whole package, as trainers' log settings name it.
logger = logging.getLogger("workbook.exercises")

# ================================================================ defaults: the one place

KINDS = ("number", "labels", "choice", "ids", "weights", "form")
STATUSES = ("correct", "wrong", "unanswered", "invalid")
SUMMARY_CHARS = 200  # how much of an answer is kept with a recorded attempt
TRAINEE_ENV, TEAM_ENV, SESSION_ENV = "WORKBOOK_TRAINEE", "WORKBOOK_TEAM", "WORKBOOK_SESSION_CODE"
MISTAKE = "exercises.mistake."  # catalogue prefix of the mistake texts

_COLOURS = {  # status → (accent, background)
    "correct": ("#1e7e34", "#eaf7ee"),
    "wrong": ("#b03a2e", "#fbeeed"),
    "unanswered": ("#5f6b76", "#f3f4f5"),
    "invalid": ("#8a5a00", "#fff6dd"),
    "hint": ("#1f5f99", "#eef5fb"),
    "info": ("#1f5f99", "#eef5fb"),
}
_ICONS = {"correct": "✓", "wrong": "✗", "unanswered": "○", "invalid": "!", "hint": "?", "info": "i"}


# ================================================================ texts rendered per language


@dataclass(frozen=True)
class Label:
    """A category code shown by its display name, e.g. ``Label("level", "loyal")`` → 忠诚客户."""

    group: str
    code: object

    def render(self, lang: str) -> str:
        return label(self.group, self.code, lang) if self.group else str(self.code)


@dataclass(frozen=True)
class _Line:
    """One catalogue text with its placeholders, rendered in whichever language is asked for."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, lang: str) -> str:
        return t(self.key, lang, **{k: _render(v, lang) for k, v in self.params.items()})


def _render(value: object, lang: str) -> str:
    if isinstance(value, Label | _Line | _Fixed):
        return value.render(lang)
    if isinstance(value, WorkbookInputError):
        return value.message(lang)
    if isinstance(value, list | tuple):
        return t("exercises.sep", lang).join(_render(v, lang) for v in value)
    return str(value)


def _other(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


# ================================================================ results


@dataclass(frozen=True)
class Feedback:
    """Bilingual feedback: a status, a heading and lines, shown in the active language first.

    ``str()`` and :attr:`message` give the active language; in Jupyter the other language
    follows in grey, so a trainee can always read both.
    """

    status: str
    heading: _Line
    lines: tuple[_Line, ...] = ()

    def text(self, lang: str | None = None) -> str:
        """The feedback as plain text in ``lang`` (default: the active language)."""
        lang = i18n.normalize_language(lang) if lang else i18n.get_language()
        head = f"{_ICONS[self.status]} {self.heading.render(lang)}"
        return "\n".join([head, *(line.render(lang) for line in self.lines)])

    @property
    def message(self) -> str:
        """The feedback in the active language."""
        return self.text()

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _attributes(self) -> str:
        return f'data-status="{self.status}"'

    def _repr_html_(self) -> str:
        accent, background = _COLOURS[self.status]
        lang = i18n.get_language()
        blocks = []
        for position, code in enumerate((lang, _other(lang))):
            style = "" if position == 0 else "color:#666;font-size:88%;margin-top:6px;"
            head = html.escape(f"{_ICONS[self.status]} {self.heading.render(code)}")
            items = "".join(f"<li>{_html_lines(line.render(code))}</li>" for line in self.lines)
            body = f'<ul style="margin:4px 0 0 0;padding-left:20px">{items}</ul>' if items else ""
            blocks.append(
                f'<div lang="{code}" style="{style}"><b style="color:{accent}">{head}</b>{body}</div>'
            )
        return (
            f'<div class="workbook-feedback" {self._attributes()} style="border-left:4px solid {accent};'
            f'background:{background};padding:8px 12px;margin:6px 0;line-height:1.5">{"".join(blocks)}</div>'
        )


def _html_lines(text: str) -> str:
    """Escaped text whose line breaks survive in HTML (an input error lists one problem per line)."""
    return html.escape(text).replace("\n", "<br>")


@dataclass(frozen=True, repr=False)
class CheckResult(Feedback):
    """What :func:`check` returns: ``correct`` (bool), ``message`` (active language), ``mistakes``.

    ``status`` is one of :data:`STATUSES`; ``mistakes`` holds the keys of the recognised
    mistakes (catalogue ``exercises.mistake.<key>``), in the order found.
    """

    task_id: str = ""
    mistakes: tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def _attributes(self) -> str:
        return (
            f'data-task="{html.escape(self.task_id)}" data-status="{self.status}" '
            f'data-correct="{str(self.correct).lower()}"'
        )


class _BadAnswer(Exception):
    """An answer of the wrong shape: carries the lines that say what is expected."""

    def __init__(self, *lines: _Line):
        super().__init__(lines[0].key if lines else "")
        self.lines = lines


@dataclass(frozen=True)
class _Fixed:
    """A line already written in each language (e.g. a scored self-assessment)."""

    texts: Mapping[str, str]

    def render(self, lang: str) -> str:
        return self.texts[lang]


def _error_line(error: WorkbookInputError) -> _Fixed:
    """The package's own message for bad input (which field, what is expected), in each language."""
    return _Fixed({lang: error.message(lang) for lang in i18n.LANGUAGES})


# ================================================================ the task registry


@dataclass(frozen=True)
class Mistake:
    """A typical mistake and how to recognise it.

    For ``number``, ``labels``, ``choice`` and ``ids`` tasks ``answer(data)`` returns the answer
    this mistake produces, computed from the task's data (for ``choice`` it may return several
    options). For ``weights`` tasks ``answer(data, weights, tiers)`` returns True when the
    answer breaks the rule. ``params`` fill the placeholders of ``exercises.mistake.<key>``.
    """

    key: str
    answer: Callable[..., Any]
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    """One exercise task.

    Texts live in the catalogue: ``exercises.<id>.title``, ``.prompt`` and ``.hint1`` …
    ``.hint<hints>``. ``data()`` builds the task's data; ``expected(data)`` computes the right
    answer with the package's functions (for ``weights`` a reference solution, for ``form``
    nothing). ``group`` names the label group of the codes of a ``labels``/``choice`` task
    (``"int"`` for whole numbers), ``options`` the choice codes in display order (or a function
    of the data), ``tolerance`` the accepted distance of a number, ``unit`` ``"%"`` for percent
    answers, ``view(data)`` what :func:`show` displays.
    """

    id: str
    module: int
    kind: str
    data: Callable[[], Any]
    expected: Callable[[Any], Any]
    mistakes: tuple[Mistake, ...] = ()
    hints: int = 1
    tolerance: float = 0.0
    unit: str = ""
    group: str = ""
    options: tuple[str, ...] | Callable[[Any], Sequence[str]] = ()
    view: Callable[[Any], list] = lambda data: []

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"task {self.id}: unknown kind {self.kind!r}; use one of {KINDS}")

    def title(self, lang: str | None = None) -> str:
        return t(f"exercises.{self.id}.title", lang)

    def option_codes(self, data) -> list[str]:
        return list(self.options(data) if callable(self.options) else self.options)


TASKS: dict[str, Task] = {}


def _register(*tasks: Task) -> None:
    for task in tasks:
        if task.id in TASKS:
            raise ValueError(f"task {task.id} registered twice")
        TASKS[task.id] = task


@cache
def _data(task_id: str):
    """The task's data, built once per kernel (tasks with charts read the sample files)."""
    return TASKS[task_id].data()


def tasks(module: int | None = None) -> pd.DataFrame:
    """The registry as a table: ``id``, ``module``, ``kind``, ``title`` (active language), ``hints``.

    >>> tasks(4)["id"].tolist()
    ['m4.t1', 'm4.t2', 'm4.t3', 'm4.t4', 'm4.t5']
    """
    rows = [
        {"id": x.id, "module": x.module, "kind": x.kind, "title": x.title(), "hints": x.hints}
        for x in TASKS.values()
        if module is None or x.module == module
    ]
    return pd.DataFrame(rows, columns=["id", "module", "kind", "title", "hints"])


# ================================================================ public entry points


def evaluate(task_id: str, answer: object) -> CheckResult:
    """Judge ``answer`` to a task without recording it (what :func:`check` does before recording).

    Never raises for a bad answer: the wrong type, an unknown task or an answer that cannot be
    read give a result with status ``invalid`` and a message saying what is expected.

    >>> evaluate("m4.t1", None).status
    'unanswered'
    >>> evaluate("m4.t1", "twenty").status
    'invalid'
    """
    # The judges build on this module's types, so they are imported when first needed.
    from workbook.exercises.answers import JUDGES

    task = TASKS.get(str(task_id))
    if task is None:
        known = ", ".join(TASKS)
        return CheckResult(
            "invalid",
            _Line("exercises.status.invalid_task"),
            (_Line("exercises.unknown_task", {"task": task_id, "known": known}),),
            task_id=str(task_id),
        )
    if _unanswered(answer):
        return _result(task, "unanswered", [_Line("exercises.unanswered")])
    try:
        return JUDGES[task.kind](task, _data(task.id), answer)
    except _BadAnswer as bad:
        return _result(task, "invalid", list(bad.lines))
    except WorkbookInputError as error:
        return _result(task, "invalid", [_error_line(error)])
    except Exception as error:  # a trainee must never see a traceback; the log keeps it for us
        logger.exception("exercise %s could not judge the answer %r", task.id, answer)
        return _result(task, "invalid", [_Line("exercises.cannot_check", {"error": type(error).__name__})])


def check(task_id: str, answer: object, *, hint: bool = False) -> CheckResult:
    """Check an answer, show bilingual feedback, and record the attempt.

    Parameters
    ----------
    task_id : e.g. ``"m4.t1"`` (see :func:`tasks`).
    answer : the trainee's answer; ``None`` means not answered yet (nothing is recorded).
    hint : add the task's first hint when the answer is not right.

    Returns
    -------
    CheckResult with ``correct`` (bool), ``message`` (active language), ``status`` and
    ``mistakes`` (keys of the mistakes recognised). Jupyter shows it as a coloured box in
    both languages. The right answer is never part of it.
    """
    result = evaluate(task_id, answer)
    if result.status != "unanswered" and str(task_id) in TASKS:
        _record(str(task_id), result.correct, answer)
    if hint and result.status in ("wrong", "invalid") and str(task_id) in TASKS:
        lines = (*result.lines, _Line("exercises.hint_inline", {"hint": _Line(f"exercises.{task_id}.hint1")}))
        result = CheckResult(
            result.status, result.heading, lines, task_id=result.task_id, mistakes=result.mistakes
        )
    return result


def hint(task_id: str, level: int = 1) -> Feedback:
    """The task's hints up to ``level`` (1 = the first), in both languages.

    >>> from workbook import i18n
    >>> with i18n.language("en"):
    ...     print(hint("m4.t1").text().splitlines()[0])
    ? Hint · m4.t1 NPS of an answer list
    """
    task = TASKS.get(str(task_id))
    if task is None:
        return Feedback(
            "invalid",
            _Line("exercises.status.invalid_task"),
            (_Line("exercises.unknown_task", {"task": task_id, "known": ", ".join(TASKS)}),),
        )
    shown = max(1, min(int(level), task.hints))
    lines = [_Line(f"exercises.{task.id}.hint{n}") for n in range(1, shown + 1)]
    if shown < task.hints:
        lines.append(_Line("exercises.more_hints", {"task": task.id, "next": shown + 1}))
    return Feedback(
        "hint",
        _Line("exercises.status.hint", {"task": task.id, "title": _Line(f"exercises.{task.id}.title")}),
        tuple(lines),
    )


def _result(task: Task, status: str, lines: list[_Line], mistakes: Iterable[str] = ()) -> CheckResult:
    heading = _Line(
        f"exercises.status.{status}", {"task": task.id, "title": _Line(f"exercises.{task.id}.title")}
    )
    return CheckResult(
        status, heading, tuple(lines), task_id=task.id, mistakes=tuple(dict.fromkeys(mistakes))
    )


def _unanswered(answer: object) -> bool:
    if answer is None or answer is Ellipsis:
        return True
    if isinstance(answer, str):
        return not answer.strip()
    if isinstance(answer, Mapping):
        return all(_unanswered(v) for v in answer.values())
    return False


# ================================================================ recording attempts


@dataclass(frozen=True)
class _Trainee:
    name: str | None = None
    team: str | None = None
    session_code: str | None = None


_trainee: _Trainee | None = None  # None: read the environment variables at each attempt
_store: Any = None  # None: open the default store on first use; False: do not record
_links_cache: dict = {}


def set_store(store=None) -> None:
    """Where attempts go: a :class:`~workbook.store.Store`, a SQLAlchemy URL, ``None`` (the default
    store: ``$WORKBOOK_DATABASE_URL`` or the SQLite file in ``$WORKBOOK_DATA_DIR``, opened on first
    use) or ``False`` (do not record)."""
    global _store
    if isinstance(_store, _OwnedStore):
        _store.store.close()
    if isinstance(store, str):
        from workbook.store import Store

        store = _OwnedStore(Store(store))
    _store = store
    _links_cache.clear()


@dataclass(frozen=True)
class _OwnedStore:
    """A store this module opened (and so closes when replaced)."""

    store: Any


def _current_store():
    global _store
    if _store is False:
        return None
    if _store is None:
        from workbook.store import Store

        _store = _OwnedStore(Store())
    return _store.store if isinstance(_store, _OwnedStore) else _store


def set_trainee(name: str | None, team: str | None = None, session_code: str | None = None) -> Feedback:
    """Say who is answering; later attempts are recorded under this name (and team, and session).

    ``session_code`` is the join code the trainer gives out; with it, the team and the trainee
    are added to that session's list. Without a call, ``$WORKBOOK_TRAINEE``, ``$WORKBOOK_TEAM``
    and ``$WORKBOOK_SESSION_CODE`` are used. Returns a confirmation (or a warning when the code
    is unknown or the store cannot be reached; the exercises work either way).
    """
    global _trainee
    clean = [x.strip() if isinstance(x, str) and x.strip() else None for x in (name, team, session_code)]
    _trainee = _Trainee(*clean)
    who = _who(_trainee)
    if _trainee.session_code is None or _store is False:
        return Feedback("info", _Line("exercises.trainee_set", {"who": who}))
    from workbook.store import normalize_join_code

    try:
        _links(_current_store(), _trainee)
    except WorkbookInputError as error:
        return Feedback(
            "invalid",
            _Line("exercises.trainee_set", {"who": who}),
            (_error_line(error), _Line("exercises.trainee_unlinked")),
        )
    except Exception as error:
        logger.warning("could not look up session %s: %s", _trainee.session_code, error)
        return Feedback(
            "invalid", _Line("exercises.trainee_set", {"who": who}), (_Line("exercises.store_down"),)
        )
    return Feedback(
        "info",
        _Line("exercises.trainee_set", {"who": who}),
        (_Line("exercises.trainee_session", {"code": normalize_join_code(_trainee.session_code)}),),
    )


def _who(trainee: _Trainee) -> str:
    return " / ".join(x for x in (trainee.team, trainee.name) if x) or "—"


def _identity() -> _Trainee:
    if _trainee is not None:
        return _trainee
    values = [os.environ.get(name, "").strip() or None for name in (TRAINEE_ENV, TEAM_ENV, SESSION_ENV)]
    return _Trainee(*values)


def _links(store, who: _Trainee) -> dict:
    """record_attempt() keywords for this trainee: respondent/team/session ids where known."""
    cache_key = (id(store), who)
    if cache_key not in _links_cache:
        links: dict = {"trainee": _who(who) if who.name or who.team else None}
        if who.session_code:
            session = store.session_by_code(who.session_code)
            links["session"] = session.id
            if who.team:
                team = store.add_team(session, who.team)
                links["team"] = team.id
                if who.name:
                    links["respondent"] = store.add_respondent(team, display_name=who.name).id
        _links_cache[cache_key] = links
    return _links_cache[cache_key]


def _record(task_id: str, correct: bool, answer: object) -> None:
    """Store the attempt; any failure is logged and swallowed: recording never breaks an exercise."""
    try:
        store = _current_store()
        if store is None:
            return
        from workbook.store import new_key

        who = _identity()
        try:
            links = _links(store, who)
        except Exception as error:  # unknown session code, team name too long …: keep the attempt anyway
            logger.warning("attempt of %s recorded without session links: %s", task_id, error)
            links = {"trainee": _who(who) if who.name or who.team else None}
        store.record_attempt(task_id, bool(correct), _summary(answer), key=new_key(), **links)
    except Exception as error:
        logger.warning("could not record the attempt at %s: %s", task_id, error)


def _summary(answer: object) -> str:
    if isinstance(answer, pd.Series | pd.Index | np.ndarray):
        answer = list(answer)
    return repr(answer)[:SUMMARY_CHARS]
