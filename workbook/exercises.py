"""Exercise checks: instant, bilingual feedback that says what is wrong without giving the answer away.

Each course module has an exercise notebook of a few tasks. The trainee writes an answer
into a variable and calls :func:`check`::

    answer = 20
    check("m4.t1", answer)

:func:`check` compares the answer with the right one, which is **computed** by the
package's own functions on the task's data (``satisfaction.nps`` for an NPS task,
``classify.relationship_level`` for ladder cards …), so exercises can never drift from the
formulas the course teaches. Wrong answers are matched against *mistake detectors*: the
answers that typical mistakes produce, computed the same way (NPS with passives counted as
promoters, a SERVQUAL gap taken as E − P, recency scored the wrong way round …). A match
names the mistake in the feedback; the right answer is never shown. :func:`hint` gives a
hint on request and :func:`show` displays a task's question, data and chart.

Every checked answer is recorded as an attempt (task, correct or not, time, trainee/team
from :func:`set_trainee` or the ``WORKBOOK_TRAINEE`` / ``WORKBOOK_TEAM`` /
``WORKBOOK_SESSION_CODE`` variables) through :class:`workbook.store.Store`; a store that
fails is logged and the exercise carries on.

Task kinds
----------
=========  ===============================================  ==============================
kind       the answer                                       compared
=========  ===============================================  ==============================
number     one number (``20``, ``"20%"``, ``"62.5 分"``)     within the task's tolerance
labels     a list, one code or name per card                card by card
choice     one option: its letter, code or name             equal
ids        a list of ids, in any order                      as a set
weights    a dict dimension → weight                        the task's strategy rules
form       a dict item → rating (a self-assessment)         complete and on the scale
=========  ===============================================  ==============================

Example
-------
>>> from workbook import exercises, i18n
>>> result = exercises.evaluate("m4.t1", 50)     # passives counted as promoters
>>> result.correct, result.mistakes
(False, ('nps_passives_as_promoters',))
>>> with i18n.language("en"):
...     print(result.message)
✗ not yet right · m4.t1 NPS of an answer list
You counted the passives (7–8) as promoters: only 9 and 10 are promoters.
"""

from __future__ import annotations

import base64
import html
import io
import logging
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from numbers import Number
from typing import Any

import numpy as np
import pandas as pd

from workbook import classify, i18n, operations, satisfaction
from workbook import value_matrix as vm
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
    "TaskView",
    "check",
    "evaluate",
    "hint",
    "set_store",
    "set_trainee",
    "show",
    "tasks",
]

logger = logging.getLogger(__name__)

# ================================================================ defaults: the one place

KINDS = ("number", "labels", "choice", "ids", "weights", "form")
STATUSES = ("correct", "wrong", "unanswered", "invalid")
AS_OF = pd.Timestamp("2026-06-30")  # the sample data's snapshot date: every card is read on this day
ALMOST_FACTOR = 3  # a number within 3 × the tolerance (but not within it) is "almost": check the rounding
MIN_PREFIX = 2  # a typed name may be cut short ("忠诚" for 忠诚客户) if it is this long and unambiguous
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
        return _JUDGES[task.kind](task, _data(task.id), answer)
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


# ================================================================ reading answers


def _clean(text: object) -> str:
    """Full-width forms folded, spaces collapsed, case folded: how typed names are compared."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().strip("\"'“”‘’「」").casefold()
    return re.sub(r"\s+", " ", folded)


def _as_number(answer: object) -> float:
    """A single number from an int, float, one-element array/Series or text such as '20%', '62.5 分'."""
    value = answer
    if isinstance(value, pd.DataFrame | pd.Series | np.ndarray | list | tuple):
        flat = np.asarray(value, dtype=object).ravel()
        if flat.size != 1:
            raise _BadAnswer(_Line("exercises.wrong_type.number", {"given": _kind_name(answer)}))
        value = flat[0]
    if isinstance(value, bool | np.bool_):
        raise _BadAnswer(_Line("exercises.wrong_type.number", {"given": _kind_name(value)}))
    if isinstance(value, str):
        text = re.sub(r"[\s,，]|%|元|分|cny|¥|￥|points?|days?|天", "", _clean(value))
        try:
            value = float(text)
        except ValueError:
            raise _BadAnswer(_Line("exercises.wrong_type.number", {"given": _kind_name(answer)})) from None
    if not isinstance(value, Number | np.number):
        raise _BadAnswer(_Line("exercises.wrong_type.number", {"given": _kind_name(answer)}))
    number = float(value)
    if not math.isfinite(number):
        raise _BadAnswer(_Line("exercises.not_finite"))
    return number


def _kind_name(value: object) -> _Line:
    """What the trainee gave, by kind: '文本 "abc"', '列表', '字典' …"""
    if isinstance(value, str):
        return _Line("exercises.kind.text", {"value": value[:30]})
    if isinstance(value, bool | np.bool_):
        return _Line("exercises.kind.bool", {"value": value})
    if isinstance(value, Mapping):
        return _Line("exercises.kind.dict")
    if isinstance(value, list | tuple | set | pd.Series | np.ndarray):
        return _Line("exercises.kind.list", {"n": len(value)})
    if isinstance(value, Number | np.number):
        return _Line("exercises.kind.number", {"value": value})
    return _Line("exercises.kind.other", {"type": type(value).__name__})


def _as_list(answer: object) -> list:
    """A list of answers from a list, tuple, Series, array or a text such as '活跃，忠诚'."""
    if isinstance(answer, str):
        return [part for part in re.split(r"[,，、;；\n]+", answer) if part.strip()]
    if isinstance(answer, set | frozenset):
        return sorted(answer, key=str)
    if isinstance(answer, list | tuple | pd.Series | pd.Index | np.ndarray):
        return list(answer)
    raise _BadAnswer(_Line("exercises.wrong_type.list", {"given": _kind_name(answer)}))


def _spellings(group: str, code: str) -> set[str]:
    """Every accepted spelling of a code: the code, its names in both languages, shortened names."""
    names = {code, code.replace("_", " ")}
    if group:
        names |= {label(group, code, lang) for lang in i18n.LANGUAGES}
    short = {re.sub(r"[（(].*?[）)]", "", n) for n in names}  # "战略客户（当前价值高…）" → "战略客户"
    return {_clean(n) for n in names | short if n.strip()}


def _code_of(value: object, group: str, codes: Sequence[str]) -> str | None:
    """The code meant by ``value`` (exact spelling first, then an unambiguous prefix), else None."""
    if group == "int":
        try:
            number = _as_number(value)
        except _BadAnswer:
            return None
        return str(int(number)) if number == int(number) else None
    typed = _clean(value)
    exact = [c for c in codes if typed in _spellings(group, c)]
    if exact:
        return exact[0]
    prefixed = [
        c
        for c in codes
        if len(typed) >= MIN_PREFIX and any(s.startswith(typed) for s in _spellings(group, c))
    ]
    return prefixed[0] if len(prefixed) == 1 else None


def _allowed(group: str, codes: Sequence[str]) -> list[Label]:
    return [Label(group, c) for c in codes]


# ================================================================ judges, one per kind


def _judge_number(task: Task, data, answer) -> CheckResult:
    given = _as_number(answer)
    expected = float(task.expected(data))
    tol = task.tolerance
    if abs(given - expected) <= tol:
        return _result(task, "correct", [_Line("exercises.correct")])
    found = [m for m in task.mistakes if abs(given - float(m.answer(data))) <= tol]
    if task.unit == "%" and abs(given) <= 1 and abs(100 * given - expected) <= tol:
        found.append(Mistake("percent_as_fraction", lambda d: None))
    lines = [_Line(MISTAKE + m.key, m.params) for m in found]
    if not found and abs(given - expected) <= ALMOST_FACTOR * tol:
        lines.append(_Line("exercises.almost"))
    elif not found:
        lines.append(_Line("exercises.not_right"))
    return _result(task, "wrong", lines, (m.key for m in found))


def _judge_labels(task: Task, data, answer) -> CheckResult:
    expected = [str(x) for x in task.expected(data)]
    values = _as_list(answer)
    if len(values) != len(expected):
        raise _BadAnswer(_Line("exercises.wrong_length", {"n": len(expected), "given": len(values)}))
    codes = [] if task.group == "int" else _group_codes(task)
    given = [_code_of(v, task.group, codes) for v in values]
    unknown = [i for i, g in enumerate(given) if g is None]
    if unknown:
        raise _BadAnswer(
            *(
                _Line(
                    "exercises.unknown_label",
                    {
                        "item": i + 1,
                        "value": str(values[i])[:30],
                        "allowed": _allowed(task.group, codes)
                        if task.group != "int"
                        else _Line("exercises.whole_numbers"),
                    },
                )
                for i in unknown
            )
        )
    wrong = [i for i, (g, e) in enumerate(zip(given, expected, strict=True)) if g != e]
    if not wrong:
        return _result(task, "correct", [_Line("exercises.correct")])
    lines = [
        _Line(
            "exercises.items_right",
            {"right": len(expected) - len(wrong), "n": len(expected), "items": [i + 1 for i in wrong]},
        )
    ]
    keys = []
    for m in task.mistakes:
        produced = [str(x) for x in m.answer(data)]
        explained = [i + 1 for i in wrong if produced[i] == given[i]]
        if explained:
            keys.append(m.key)
            lines.append(
                _Line(
                    "exercises.item_mistake", {"items": explained, "text": _Line(MISTAKE + m.key, m.params)}
                )
            )
    return _result(task, "wrong", lines, keys)


def _group_codes(task: Task) -> list[str]:
    return {
        "level": list(classify.LEVELS),
        "behaviour": list(classify.BEHAVIOURS),
        "needs": list(classify.NEEDS_TYPES),
        "quadrant": list(vm.QUADRANTS),
        "risk_level": list(operations.RISK_LEVELS),
        "exercises.principle": list(PRINCIPLES),
    }[task.group]


def _judge_choice(task: Task, data, answer) -> CheckResult:
    options = task.option_codes(data)
    if isinstance(answer, bool | np.bool_) or not isinstance(answer, str | Number | np.number):
        raise _BadAnswer(_Line("exercises.wrong_type.choice", {"given": _kind_name(answer)}))
    letter = re.fullmatch(r"[(（]?([a-z])[)）.、]?", _clean(answer))
    if letter and ord(letter.group(1)) - ord("a") < len(options):
        chosen = options[ord(letter.group(1)) - ord("a")]
    else:
        chosen = _code_of(answer, task.group, options)
    if chosen is None:
        letters = [f"{chr(65 + i)}" for i in range(len(options))]
        raise _BadAnswer(_Line("exercises.unknown_option", {"value": str(answer)[:30], "letters": letters}))
    if chosen == task.expected(data):
        return _result(task, "correct", [_Line("exercises.correct")])
    found = [m for m in task.mistakes if chosen in _as_set(m.answer(data))]
    lines = [_Line(MISTAKE + m.key, m.params) for m in found] or [_Line("exercises.not_right_choice")]
    return _result(task, "wrong", lines, (m.key for m in found))


def _as_set(value) -> set[str]:
    return {str(value)} if isinstance(value, str) else {str(v) for v in value}


def _judge_ids(task: Task, data, answer) -> CheckResult:
    known = [str(x) for x in data.index]
    values = _as_list(answer)
    given = {_clean(v).upper() for v in values}
    unknown = sorted(given - set(known))
    if unknown:
        raise _BadAnswer(_Line("exercises.unknown_ids", {"ids": unknown[:10], "known": known}))
    expected = _as_set(task.expected(data))
    if given == expected:
        return _result(task, "correct", [_Line("exercises.correct")])
    found = [m for m in task.mistakes if given == _as_set(m.answer(data))]
    lines = [_Line(MISTAKE + m.key, m.params) for m in found] or [
        _Line(
            "exercises.ids_summary",
            {"given": len(given), "extra": len(given - expected), "missing": len(expected - given)},
        )
    ]
    return _result(task, "wrong", lines, (m.key for m in found))


def _judge_weights(task: Task, data, answer) -> CheckResult:
    if not isinstance(answer, Mapping):
        raise _BadAnswer(_Line("exercises.wrong_type.weights", {"given": _kind_name(answer)}))
    weights = vm.validate_weights(dict(answer))  # unknown names, negatives, all zero → WorkbookInputError
    tiers = vm.tier(vm.rescore(data, weights))
    found = [m for m in task.mistakes if m.answer(data, weights, tiers)]
    if not found:
        return _result(task, "correct", [_Line("exercises.correct_weights")])
    return _result(task, "wrong", [_Line(MISTAKE + m.key, m.params) for m in found], (m.key for m in found))


def _judge_form(task: Task, data, answer) -> CheckResult:
    from workbook import instruments  # pydantic models: loaded only for self-assessments

    if not isinstance(answer, Mapping):
        raise _BadAnswer(_Line("exercises.wrong_type.form", {"given": _kind_name(answer)}))
    empty = [str(k) for k, v in answer.items() if _unanswered(v)]
    missing = [item.id for item in data.items if item.required and item.id not in answer]
    if empty or missing:
        items = (empty + missing)[:12]
        return _result(
            task,
            "wrong",
            [_Line(MISTAKE + "form_incomplete", {"n": len(empty) + len(missing), "items": items})],
            ["form_incomplete"],
        )
    filled = {k: v for k, v in answer.items() if not _unanswered(v)}
    texts = {lang: _form_summary(instruments.score(data, filled, lang=lang), lang) for lang in i18n.LANGUAGES}
    return _result(task, "correct", [_Fixed(texts)])


@dataclass(frozen=True)
class _Fixed:
    """A line already written in each language (e.g. a scored self-assessment)."""

    texts: Mapping[str, str]

    def render(self, lang: str) -> str:
        return self.texts[lang]


def _error_line(error: WorkbookInputError) -> _Fixed:
    """The package's own message for bad input (which field, what is expected), in each language."""
    return _Fixed({lang: error.message(lang) for lang in i18n.LANGUAGES})


def _form_summary(result, lang: str) -> str:
    """Index, maturity level, the first dimension of the improvement plan and its next step."""
    first = result.plan.iloc[0]
    return t(
        "exercises.form_done",
        lang,
        index=f"{result.index:.0f}",
        level=result.level_name,
        weakest=first["name"],
        recommendation=first["recommendation"],
    )


_JUDGES = {
    "number": _judge_number,
    "labels": _judge_labels,
    "choice": _judge_choice,
    "ids": _judge_ids,
    "weights": _judge_weights,
    "form": _judge_form,
}


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


# ================================================================ showing a task


@dataclass(frozen=True)
class TaskView:
    """What :func:`show` returns: the task's title, question, data and chart as one HTML block."""

    task_id: str
    title: str
    gloss: str
    prompt: str
    parts: tuple = ()

    def _repr_html_(self) -> str:
        html_parts = [
            _TABLE_STYLE,
            f'<h4 style="margin:4px 0">{html.escape(self.title)} <span style="color:#888;'
            f'font-weight:normal;font-size:85%">{html.escape(self.gloss)}</span></h4>',
            f'<p style="margin:4px 0 8px 0">{html.escape(self.prompt)}</p>',
        ]
        for part in self.parts:
            if isinstance(part, pd.DataFrame):
                numeric = all(pd.api.types.is_numeric_dtype(dtype) for dtype in part.dtypes)
                html_parts.append(
                    _readable(part).to_html(classes="" if numeric else "workbook-text", border=0)
                )
            elif isinstance(part, bytes):
                encoded = base64.b64encode(part).decode("ascii")
                html_parts.append(f'<img style="max-width:100%" src="data:image/png;base64,{encoded}"/>')
            elif isinstance(part, _Options):
                # Letters written out: notebook CSS overrides <ol type="A"> with plain numbers.
                items = "".join(
                    f"<li>{chr(65 + i)}. {html.escape(text)}</li>" for i, text in enumerate(part.texts)
                )
                html_parts.append(
                    f'<p style="margin:6px 0 0 0">{html.escape(t("exercises.view.options_heading"))}</p>'
                    f'<ul style="list-style:none;margin:2px 0 6px 0;padding-left:12px">{items}</ul>'
                )
            else:
                html_parts.append(f'<p style="margin:6px 0">{html.escape(str(part))}</p>')
        return f'<div class="workbook-task" data-task="{self.task_id}">{"".join(html_parts)}</div>'

    def __repr__(self) -> str:
        lines = [f"{self.title} ({self.gloss})", self.prompt]
        for part in self.parts:
            if isinstance(part, pd.DataFrame):
                lines.append(_readable(part).to_string())
            elif isinstance(part, bytes):
                lines.append(t("exercises.view.chart"))
            elif isinstance(part, _Options):
                lines.append(t("exercises.view.options_heading"))
                lines.extend(f"  {chr(65 + i)}. {text}" for i, text in enumerate(part.texts))
            else:
                lines.append(str(part))
        return "\n".join(lines)


# Text tables read left to right; number tables keep the notebook's right alignment.
_TABLE_STYLE = "<style>.workbook-task table.workbook-text td{text-align:left}</style>"


@dataclass(frozen=True)
class _Options:
    """The options of a choice task, shown as a lettered list."""

    texts: tuple[str, ...]


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as people write them (8, 1.5, 60,000; no '8.0'), missing values as '—'."""

    def text(value) -> object:
        if isinstance(value, bool | np.bool_ | str):
            return value
        if value is None or value is pd.NA or (isinstance(value, float | np.floating) and np.isnan(value)):
            return MISSING
        if isinstance(value, Number | np.number):
            return f"{float(value):,.10g}"
        return value

    return frame.astype(object).map(text)


MISSING = "—"


def show(task_id: str) -> TaskView:
    """Display a task: title (with the other language's title as a gloss), question, data, chart.

    >>> print(repr(show("m4.t1")).splitlines()[0])
    任务 m4.t1 · 计算 NPS (task m4.t1 · NPS of an answer list)
    """
    task = TASKS[str(task_id)]
    data = _data(task.id)
    lang = i18n.get_language()
    parts = [_png(p) if hasattr(p, "savefig") else p for p in task.view(data)]
    if task.kind == "choice":
        parts.append(
            _Options(tuple(label(task.group, c) if task.group else c for c in task.option_codes(data)))
        )
    return TaskView(
        task.id,
        t("exercises.view.title", task=task.id, title=task.title()),
        t("exercises.view.title", _other(lang), task=task.id, title=task.title(_other(lang))),
        t(f"exercises.{task.id}.prompt"),
        tuple(parts),
    )


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def _figure(width: float = 8.0, height: float = 4.0, ncols: int = 1):
    """A matplotlib Figure outside pyplot (never auto-displayed twice) with the Chinese font set."""
    from matplotlib.figure import Figure

    from workbook import plots

    plots.setup()
    figure = Figure(figsize=(width, height))
    axes = figure.subplots(1, ncols)
    return figure, axes


def _columns(frame: pd.DataFrame, *, index: str = "card") -> pd.DataFrame:
    """A task table with column names and row labels in the active language."""
    shown = frame.rename(columns=lambda c: t(f"exercises.col.{c}"))
    if index == "card":
        shown.index = [t("exercises.card", n=i) for i in frame.index]
    return shown


# ================================================================ module 1 · relationship levels


def _dates_from_ages(months: pd.Series, days: pd.Series) -> tuple[pd.Series, pd.Series]:
    """first/last purchase dates from 'customer for N months' and 'last bought N days ago'."""
    first = pd.Series(
        [AS_OF - pd.DateOffset(months=int(m)) if pd.notna(m) else pd.NaT for m in months],
        index=months.index,
        dtype="datetime64[ns]",
    )
    last = AS_OF - pd.to_timedelta(days, unit="D")
    return first, last


def _ladder_cards() -> pd.DataFrame:
    cards = pd.DataFrame(
        {
            "orders_12m": [8, 0, 10, 9, 5],
            "enquiries_12m": [2, 3, 3, 1, 0],
            "satisfaction": [5, 3, 4, 3, 4],
            "joint_projects": [0, 0, 2, 1, 0],
            "contacts_decision": [1, 0, 2, 0, 1],
            "tenure_months": [18, np.nan, 48, 36, 36],
            "recency_days": [10, np.nan, 12, 20, 220],
        },
        index=range(1, 6),
    )
    cards["first_purchase_date"], cards["last_purchase_date"] = _dates_from_ages(
        cards["tenure_months"], cards["recency_days"]
    )
    return cards


def _levels(rules: Mapping | None = None) -> Callable:
    def levels(cards: pd.DataFrame) -> list[str]:
        chosen = classify.LadderRules.from_mapping(rules or {})
        return (
            classify.relationship_level(cards, chosen, as_of=AS_OF, explain=False)["level"]
            .astype(str)
            .tolist()
        )

    return levels


NEVER = 1e9  # a threshold no card reaches: how a detector switches a rule off


def _ladder_view(cards: pd.DataFrame) -> list:
    shown = cards[
        [
            "orders_12m",
            "enquiries_12m",
            "satisfaction",
            "joint_projects",
            "contacts_decision",
            "tenure_months",
            "recency_days",
        ]
    ].copy()
    shown["tenure_months"] = (shown["tenure_months"] / 12).round(1)
    shown = shown.rename(columns={"tenure_months": "tenure_years"})
    r = classify.DEFAULT_LADDER_RULES
    rules = pd.DataFrame(
        {
            t("exercises.col.rule"): [
                t(
                    "exercises.rule.strategic_partner",
                    joint=r.partner_min_joint_projects,
                    decision=r.partner_min_decision_contacts,
                    orders=r.partner_min_orders,
                    tenure=r.partner_min_tenure_years,
                ),
                t(
                    "exercises.rule.loyal",
                    orders=r.loyal_min_orders,
                    tenure=r.loyal_min_tenure_years,
                    satisfaction=r.loyal_min_satisfaction,
                ),
                t("exercises.rule.active", orders=r.active_min_orders, days=r.active_max_recency_days),
                t(
                    "exercises.rule.initial_contact",
                    orders=r.initial_min_orders,
                    enquiries=r.initial_min_enquiries,
                ),
                t("exercises.rule.prospect"),
            ]
        },
        index=[label("level", c) for c in reversed(classify.LEVELS)],
    )
    return [_columns(shown), t("exercises.view.rules"), rules]


def _migration_data() -> pd.DataFrame:
    before = [
        "active",
        "loyal",
        "initial_contact",
        "active",
        "prospect",
        "loyal",
        "strategic_partner",
        "active",
        "initial_contact",
        "loyal",
        None,
    ]
    after = [
        "loyal",
        "loyal",
        "active",
        "initial_contact",
        "initial_contact",
        "strategic_partner",
        "loyal",
        "active",
        "initial_contact",
        None,
        "active",
    ]
    return pd.DataFrame(
        {"level_2025": before, "level_2026": after},
        index=pd.Index([f"M{i:02d}" for i in range(1, 12)], name="customer_id"),
    )


def _movements(table: pd.DataFrame) -> pd.Series:
    before = table["level_2025"].dropna().astype(pd.CategoricalDtype(classify.LEVELS, ordered=True))
    after = table["level_2026"].dropna().astype(pd.CategoricalDtype(classify.LEVELS, ordered=True))
    return classify.migration_summary(before, after)["count"]


def _migration_view(table: pd.DataFrame) -> list:
    shown = table.apply(lambda column: column.map(lambda code: label("level", code), na_action="ignore"))
    return [
        shown.rename(columns=lambda c: t(f"exercises.col.{c}")).rename_axis(t("exercises.col.customer_id"))
    ]


@cache
def _survey_by_level() -> pd.DataFrame:
    """Mean CSAT by ladder level × touchpoint from the sample data (module 1's case pattern)."""
    from workbook import data

    customers = data.load_customers(data.DATASETS_DIR / "customers.csv")
    survey = data.load_nps_survey(data.DATASETS_DIR / "nps_survey.csv")
    levels = classify.relationship_level(customers, as_of=AS_OF, explain=False)["level"]
    level_of = pd.Series(levels.to_numpy(), index=customers["customer_id"].to_numpy())
    joined = survey.assign(level=survey["customer_id"].map(level_of).astype(levels.dtype))
    table = joined.pivot_table(
        index="level", columns="touchpoint", values="csat", aggfunc="mean", observed=True
    )
    return table.reindex(columns=["sales", "delivery", "after_sales", "billing"])


def _after_sales_outlier(table: pd.DataFrame) -> str:
    """The level whose after-sales CSAT falls furthest below its own other touchpoints."""
    others = table.drop(columns="after_sales").mean(axis=1)
    return str((table["after_sales"] - others).idxmin())


def _lowest_elsewhere(table: pd.DataFrame) -> set[str]:
    """The mistake of reading the wrong bars: levels lowest on another touchpoint (the answer excluded)."""
    lowest = {str(table[c].idxmin()) for c in table.columns if c != "after_sales"}
    return lowest - {_after_sales_outlier(table)}


def _survey_chart(table: pd.DataFrame):
    figure, ax = _figure(8.5, 4.0)
    levels = [label("level", c) for c in table.index]
    width = 0.8 / len(table.columns)
    for k, touchpoint in enumerate(table.columns):
        x = np.arange(len(table)) + (k - (len(table.columns) - 1) / 2) * width
        ax.bar(x, table[touchpoint].to_numpy(), width, label=t(f"exercises.touchpoint.{touchpoint}"))
    ax.set_xticks(np.arange(len(table)), levels)
    ax.set_ylim(1, 5)
    ax.set_ylabel(t("exercises.chart.mean_csat"))
    ax.set_title(t("exercises.chart.csat_by_level"))
    # Below the axes: inside, the legend would hide the tallest bars.
    ax.legend(
        title=t("exercises.chart.touchpoint"),
        ncols=4,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        fontsize="small",
        frameon=False,
    )
    return figure


PRINCIPLES = ("objective", "systematic", "dynamic", "actionable")


def _principle_cases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case": [f"exercises.m1.t4.case{i}" for i in range(1, 5)],
            "principle": ["objective", "systematic", "dynamic", "actionable"],
        },
        index=range(1, 5),
    )


def _swap(codes: Sequence[str], a: int, b: int) -> list[str]:
    swapped = list(codes)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    return swapped


_register(
    Task(
        "m1.t1",
        1,
        "labels",
        _ladder_cards,
        _levels(),
        hints=2,
        group="level",
        view=_ladder_view,
        mistakes=(
            Mistake("ladder_partner_skipped", _levels({"partner_min_joint_projects": NEVER})),
            Mistake("ladder_partner_without_decision_maker", _levels({"partner_min_decision_contacts": 0})),
            Mistake(
                "ladder_tenure_ignored", _levels({"partner_min_tenure_years": 0, "loyal_min_tenure_years": 0})
            ),
            Mistake("ladder_satisfaction_ignored", _levels({"loyal_min_satisfaction": 1})),
            Mistake("ladder_recency_ignored", _levels({"active_max_recency_days": NEVER})),
            Mistake("ladder_enquiries_ignored", _levels({"initial_min_enquiries": NEVER})),
        ),
    ),
    Task(
        "m1.t2",
        1,
        "number",
        _migration_data,
        lambda d: _movements(d)["upgraded"],
        tolerance=0.01,
        view=_migration_view,
        mistakes=(
            Mistake("migration_new_as_upgrade", lambda d: _movements(d)[["upgraded", "new"]].sum()),
            Mistake("migration_all_moves", lambda d: _movements(d)[["upgraded", "downgraded"]].sum()),
            Mistake("migration_downgrades", lambda d: _movements(d)["downgraded"]),
        ),
    ),
    Task(
        "m1.t3",
        1,
        "choice",
        _survey_by_level,
        _after_sales_outlier,
        group="level",
        hints=2,
        options=lambda table: [str(c) for c in table.index],
        view=lambda table: [_survey_chart(table)],
        mistakes=(
            Mistake("chart_highest_bar", lambda table: str(table["after_sales"].idxmax())),
            Mistake(
                "chart_lowest_elsewhere",
                _lowest_elsewhere,
            ),
        ),
    ),
    Task(
        "m1.t4",
        1,
        "labels",
        _principle_cases,
        lambda d: d["principle"].tolist(),
        group="exercises.principle",
        view=lambda d: [
            pd.DataFrame(
                {t("exercises.col.case"): [t(k) for k in d["case"]]},
                index=[t("exercises.case", n=i) for i in d.index],
            )
        ],
        mistakes=(
            Mistake("principles_objective_systematic", lambda d: _swap(d["principle"], 0, 1)),
            Mistake("principles_dynamic_actionable", lambda d: _swap(d["principle"], 2, 3)),
        ),
    ),
)


# ================================================================ module 2 · classification


def _rfm_cards() -> pd.DataFrame:
    cards = pd.DataFrame(
        {
            "customer_id": list("ABCDE"),
            "recency_days": [5, 40, 120, 15, 300],
            "orders_12m": [12, 3, 8, 1, 5],
            "revenue_12m": [60_000.0, 90_000.0, 20_000.0, 5_000.0, 45_000.0],
        },
        index=range(1, 6),
    )
    cards["last_purchase_date"] = AS_OF - pd.to_timedelta(cards["recency_days"], unit="D")
    return cards


def _rfm_cells(recency_reversed: bool = False, swap_f_m: bool = False) -> Callable:
    def cells(cards: pd.DataFrame) -> list[int]:
        s = classify.rfm_from_customers(cards, as_of=AS_OF)
        r = 6 - s["r_score"] if recency_reversed else s["r_score"]
        f, m = (s["m_score"], s["f_score"]) if swap_f_m else (s["f_score"], s["m_score"])
        return (100 * r + 10 * f + m).astype(int).tolist()

    return cells


def _abc_data() -> pd.DataFrame:
    profit = [60_000, 400_000, 20_000, 120_000, 30_000, 200_000, 100_000, 40_000, 10_000, 20_000]
    ids = pd.Index([f"K{i:02d}" for i in range(1, 11)], name="customer_id")
    return pd.DataFrame({"customer_id": ids, "gross_profit_12m": np.array(profit, dtype=float)}, index=ids)


def _abc(d: pd.DataFrame) -> pd.DataFrame:
    return classify.value_tier_abc(d, explain=False)


def _behaviour_cards() -> pd.DataFrame:
    cards = pd.DataFrame({"recency_days": [200, 45, np.nan, 365, 90, 500]}, index=range(1, 7))
    cards["last_purchase_date"] = AS_OF - pd.to_timedelta(cards["recency_days"], unit="D")
    return cards


def _behaviours(
    active_days: float = classify.DEFAULT_ACTIVE_DAYS,
    churn_days: float = classify.DEFAULT_CHURN_DAYS,
    never_churned: bool = False,
) -> Callable:
    def behaviours(cards: pd.DataFrame) -> list[str]:
        codes = classify.behaviour_status(
            cards, as_of=AS_OF, active_days=active_days, churn_days=churn_days, explain=False
        )["behaviour"].astype(str)
        if never_churned:  # the mistake: "never bought" read as "stopped buying"
            codes = codes.where(cards["last_purchase_date"].notna(), "churned")
        return codes.tolist()

    return behaviours


STRICT = 1e-6  # shifting a threshold by this turns "≥ / ≤" into "> / <" for whole-number cards


def _needs_cards() -> pd.DataFrame:
    return pd.DataFrame(
        {"needs_documented": [True, False, False, True, False], "enquiries_12m": [0, 3, 0, 5, 1]},
        index=range(1, 6),
    )


def _needs(
    min_enquiries: float = classify.DEFAULT_MIN_ENQUIRIES, enquiry_as_written: bool = False
) -> Callable:
    def needs(cards: pd.DataFrame) -> list[str]:
        table = cards.copy()
        if enquiry_as_written:  # the mistake: asking for quotes taken as a confirmed requirement
            table["needs_documented"] = table["needs_documented"] | (table["enquiries_12m"] >= 1)
        return classify.needs_type(table, min_enquiries, explain=False)["needs"].astype(str).tolist()

    return needs


def _needs_view(cards: pd.DataFrame) -> list:
    shown = cards.assign(
        needs_documented=cards["needs_documented"].map({True: t("common.yes"), False: t("common.no")})
    )
    return [_columns(shown)]


def _tier_mode(tier: str) -> str:
    return vm.TIER_PLAN[tier][1]


def _other_tier_mode(tier: str) -> Mistake:
    """The mistake of giving mid-value customers the contact mode of another tier."""
    return Mistake(
        "contact_mode_of_other_tier", lambda _data: _tier_mode(tier), {"tier": Label("value_tier", tier)}
    )


def _tier_plan_view(_data) -> list:
    table = pd.DataFrame(
        {
            t("exercises.col.value_tier"): [label("value_tier", x) for x in ("high", "mid", "low")],
            t("exercises.col.service"): [t(f"exercises.m2.t5.service_{x}") for x in ("high", "mid", "low")],
        }
    )
    return [table]


_register(
    Task(
        "m2.t1",
        2,
        "labels",
        _rfm_cards,
        _rfm_cells(),
        group="int",
        hints=2,
        view=lambda d: [_columns(d[["customer_id", "recency_days", "orders_12m", "revenue_12m"]])],
        mistakes=(
            Mistake("rfm_recency_reversed", _rfm_cells(recency_reversed=True)),
            Mistake("rfm_f_m_swapped", _rfm_cells(swap_f_m=True)),
        ),
    ),
    Task(
        "m2.t2",
        2,
        "ids",
        _abc_data,
        lambda d: d.index[_abc(d)["abc_class"] == "A"].tolist(),
        hints=2,
        view=lambda d: [
            _columns(d[["gross_profit_12m"]], index="id").rename_axis(t("exercises.col.customer_id"))
        ],
        mistakes=(
            Mistake(
                "abc_stopped_before_line",
                lambda d: d.index[_abc(d)["cum_share"] <= classify.DEFAULT_ABC_CUTOFFS[0] + 1e-9].tolist(),
            ),
            Mistake(
                "abc_top20_by_count", lambda d: d.index[_abc(d)["rank"] <= math.ceil(0.2 * len(d))].tolist()
            ),
        ),
    ),
    Task(
        "m2.t3",
        2,
        "labels",
        _behaviour_cards,
        _behaviours(),
        group="behaviour",
        view=lambda d: [
            _columns(d[["recency_days"]]),
            t(
                "exercises.view.behaviour_rules",
                active=classify.DEFAULT_ACTIVE_DAYS,
                churn=classify.DEFAULT_CHURN_DAYS,
            ),
        ],
        mistakes=(
            Mistake(
                "behaviour_boundary_strict",
                _behaviours(classify.DEFAULT_ACTIVE_DAYS - STRICT, classify.DEFAULT_CHURN_DAYS - STRICT),
            ),
            Mistake("behaviour_never_bought_churned", _behaviours(never_churned=True)),
        ),
    ),
    Task(
        "m2.t4",
        2,
        "labels",
        _needs_cards,
        _needs(),
        group="needs",
        view=_needs_view,
        mistakes=(
            Mistake("needs_enquiry_as_explicit", _needs(enquiry_as_written=True)),
            Mistake("needs_latent_as_fuzzy", _needs(min_enquiries=0)),
        ),
    ),
    Task(
        "m2.t5",
        2,
        "choice",
        lambda: "mid",
        _tier_mode,
        group="contact_mode",
        options=vm.CONTACT_MODES,
        view=_tier_plan_view,
        mistakes=(_other_tier_mode("high"), _other_tier_mode("low")),
    ),
)


# ================================================================ module 3 · value matrix


def _one_customer() -> dict:
    scores = pd.DataFrame([[0.8, 0.5, 0.75, 0.6, 0.3]], columns=list(vm.DIMENSIONS))
    return {
        "scores": scores,
        "points": {
            "purchase_potential": 5,
            "profit_contribution": 6,
            "loyalty": 4,
            "cooperation": 3,
            "referral": 2,
        },
    }


def _weighted(d: dict, weights: Mapping | None = None) -> float:
    return float(vm.rescore(d["scores"], weights or d["points"]).iloc[0])


def _weights_view(d: dict) -> list:
    dims = [label("vm_dimension", x) for x in vm.DIMENSIONS]
    return [
        pd.DataFrame(
            {
                t("exercises.col.normalised"): d["scores"].iloc[0].to_numpy(),
                t("exercises.col.weight_points"): [d["points"][x] for x in vm.DIMENSIONS],
            },
            index=dims,
        )
    ]


def _strategy_customers() -> pd.DataFrame:
    return pd.DataFrame(
        [[0.2, 0.95, 0.8, 0.6, 0.5], [0.95, 0.3, 0.7, 0.9, 0.6]],
        columns=list(vm.DIMENSIONS),
        index=pd.Index(["A", "B"], name="customer_id"),
    )


STRATEGY_MIN_WEIGHT = 0.05  # m3.t2: no dimension may be dropped; each keeps at least this share
STRATEGY_REFERENCE = {
    "purchase_potential": 0.40,
    "profit_contribution": 0.10,
    "loyalty": 0.15,
    "cooperation": 0.25,
    "referral": 0.10,
}  # the trainer's example answer to m3.t2


def _scores_view(d: pd.DataFrame) -> list:
    shown = (100 * d).round(0).rename(columns=lambda c: label("vm_dimension", c))
    shown.index = [t("exercises.customer", id=i) for i in d.index]
    return [
        shown,
        t(
            "exercises.view.tiers",
            low=f"{vm.DEFAULT_TIER_THRESHOLDS[0]:g}",
            high=f"{vm.DEFAULT_TIER_THRESHOLDS[1]:g}",
        ),
    ]


def _quadrant_cards() -> pd.DataFrame:
    return pd.DataFrame(
        {"current_value": [80.0, 75.0, 20.0, 35.0, 50.0], "potential_value": [70.0, 30.0, 85.0, 40.0, 60.0]},
        index=range(1, 6),
    )


QUADRANT_SPLIT = 50.0


def _quadrants(swap: bool = False, split: float = QUADRANT_SPLIT) -> Callable:
    def quadrants(cards: pd.DataFrame) -> list[str]:
        x, y = ("potential_value", "current_value") if swap else ("current_value", "potential_value")
        return vm.value_quadrants(cards, x, y, split=split)["quadrant"].astype(str).tolist()

    return quadrants


@cache
def _mid_tier_by_industry() -> pd.DataFrame:
    """Mid-value buyers of the sample data by industry: customers, mean orders, average order value."""
    from workbook import data

    customers = data.load_customers(data.DATASETS_DIR / "customers.csv")
    tiers = vm.value_scores(customers, explain=False)["value_tier"]
    mid = customers[(tiers == "mid").to_numpy() & (customers["orders_12m"] > 0).to_numpy()]
    grouped = mid.groupby("industry")
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "mean_orders": grouped["orders_12m"].mean(),
            "order_value": grouped["revenue_12m"].sum() / grouped["orders_12m"].sum(),
        }
    )
    return table.sort_values("mean_orders")


INDUSTRY_OPTIONS = ("制造业", "零售", "信息技术", "医疗健康")


def _industry_chart(table: pd.DataFrame):
    figure, (left, right) = _figure(10, 4.2, ncols=2)
    names = [label("exercises.industry", x) for x in table.index]
    left.barh(names, table["mean_orders"].to_numpy(), color="#4c72b0")
    left.set_title(t("exercises.chart.mean_orders"))
    right.barh(names, table["order_value"].to_numpy(), color="#dd8452")
    right.set_title(t("exercises.chart.order_value"))
    right.set_yticklabels([])
    figure.suptitle(t("exercises.chart.mid_tier"))
    return figure


def _budget_data() -> dict:
    tiers = pd.DataFrame({"value_tier": ["high"] * 4 + ["mid"] * 10 + ["low"] * 30})
    return {"scored": tiers, "budget": 200_000.0}


def _allocation(d: dict) -> pd.DataFrame:
    return vm.allocate_budget(d["scored"], d["budget"])


def _budget_view(d: dict) -> list:
    counts = d["scored"]["value_tier"].value_counts()
    table = pd.DataFrame(
        {
            t("exercises.col.customers"): [counts[x] for x in ("high", "mid", "low")],
            t("exercises.col.budget_share"): [f"{vm.DEFAULT_SHARES[x]:.0%}" for x in ("high", "mid", "low")],
        },
        index=[label("value_tier", x) for x in ("high", "mid", "low")],
    )
    return [t("exercises.view.budget", budget=f"{d['budget']:,.0f}"), table]


_register(
    Task(
        "m3.t1",
        3,
        "number",
        _one_customer,
        _weighted,
        tolerance=0.5,
        view=_weights_view,
        mistakes=(
            Mistake("vm_weights_not_normalised", lambda d: _weighted(d) * sum(d["points"].values())),
            Mistake("vm_weights_not_normalised", lambda d: _weighted(d) * sum(d["points"].values()) / 100),
            Mistake("vm_not_times_100", lambda d: _weighted(d) / 100),
            Mistake("vm_weights_ignored", lambda d: _weighted(d, dict.fromkeys(vm.DIMENSIONS, 1))),
        ),
    ),
    Task(
        "m3.t2",
        3,
        "weights",
        _strategy_customers,
        lambda d: STRATEGY_REFERENCE,
        hints=2,
        view=_scores_view,
        mistakes=(
            Mistake(
                "vm_potential_not_largest",
                lambda d, w, tiers: w["purchase_potential"] <= w.drop("purchase_potential").max(),
            ),
            Mistake("vm_growth_customer_not_high", lambda d, w, tiers: tiers["B"] != "high"),
            Mistake("vm_cash_cow_high", lambda d, w, tiers: tiers["A"] == "high"),
            Mistake("vm_dimension_dropped", lambda d, w, tiers: w.min() < STRATEGY_MIN_WEIGHT - 1e-9),
        ),
    ),
    Task(
        "m3.t3",
        3,
        "labels",
        _quadrant_cards,
        _quadrants(),
        group="quadrant",
        view=lambda d: [_columns(d), t("exercises.view.split", split=f"{QUADRANT_SPLIT:g}")],
        mistakes=(
            Mistake("quadrant_axes_swapped", _quadrants(swap=True)),
            Mistake("quadrant_boundary_low", _quadrants(split=QUADRANT_SPLIT + STRICT)),
        ),
    ),
    Task(
        "m3.t4",
        3,
        "choice",
        _mid_tier_by_industry,
        lambda table: str(table["mean_orders"].idxmin()),
        group="exercises.industry",
        options=INDUSTRY_OPTIONS,
        view=lambda table: [_industry_chart(table)],
        mistakes=(
            Mistake("chart_most_frequent_industry", lambda table: str(table["mean_orders"].idxmax())),
            Mistake("chart_largest_group", lambda table: str(table["customers"].idxmax())),
        ),
    ),
    Task(
        "m3.t5",
        3,
        "number",
        _budget_data,
        lambda d: _allocation(d).loc["mid", "per_customer"],
        tolerance=1.0,
        view=_budget_view,
        mistakes=(
            Mistake(
                "budget_divided_by_all", lambda d: _allocation(d).loc["mid", "budget"] / len(d["scored"])
            ),
            Mistake("budget_equal_split", lambda d: d["budget"] / len(d["scored"])),
            Mistake("budget_tier_total", lambda d: _allocation(d).loc["mid", "budget"]),
        ),
    ),
)


# ================================================================ module 4 · evaluation toolkit


def _nps_scores() -> pd.Series:
    return pd.Series([9, 7, 10, 6, 9, 8, 10, 4, 9, 7, 10, 6, 8, 9, 2, 10, 7, 6, 9, 8], name="recommend_score")


def _nps(scores: pd.Series) -> float:
    return float(satisfaction.nps(scores)["nps"].iloc[0])


def _passive(scores: pd.Series) -> pd.Series:
    return scores.between(
        satisfaction.DEFAULTS.nps_detractor_max + 1, satisfaction.DEFAULTS.nps_promoter_min - 1
    )


def _csat_ratings() -> pd.Series:
    return pd.Series([5, 4, 3, 4, 2, 5, 4, 3, 1, 4, 5, 3, 4, 2, 5, 3], name="csat")


def _csat(ratings: pd.Series, top: Sequence[int] = satisfaction.DEFAULTS.csat_top) -> float:
    return float(satisfaction.csat(ratings, top)["csat"].iloc[0])


def _servqual_answers() -> pd.DataFrame:
    items = {  # (expectation, perception) of five respondents per item, 1–7
        "reliability_1": ([7, 7, 6, 7, 6], [6, 6, 5, 6, 5]),
        "reliability_2": ([6, 7, 6, 6, 7], [6, 6, 6, 5, 6]),
        "responsiveness_1": ([7, 6, 7, 6, 7], [5, 5, 6, 4, 6]),
        "responsiveness_2": ([6, 6, 7, 5, 6], [6, 5, 6, 5, 5]),
        "tangibles_1": ([5, 5, 6, 5, 4], [5, 5, 5, 5, 4]),
        "tangibles_2": ([5, 4, 5, 5, 5], [5, 4, 5, 4, 5]),
    }
    table = {}
    for item, (expectation, perception) in items.items():
        table[f"exp_{item}"], table[f"per_{item}"] = expectation, perception
    table.update(
        {
            "imp_reliability": [50, 60, 40, 50, 50],
            "imp_responsiveness": [30, 20, 40, 30, 30],
            "imp_tangibles": [20, 20, 20, 20, 20],
        }
    )
    return pd.DataFrame(table, index=range(1, 6))


SERVQUAL_TASK_DIMENSIONS = ("reliability", "responsiveness", "tangibles")


def _gaps(answers: pd.DataFrame) -> satisfaction.ServqualGaps:
    return satisfaction.servqual_gaps(answers, SERVQUAL_TASK_DIMENSIONS)


def _dimension(answers: pd.DataFrame, dimension: str, column: str = "gap") -> float:
    table = _gaps(answers).dimensions.set_index("dimension")
    return float(table.loc[dimension, column])


def _servqual_view(answers: pd.DataFrame) -> list:
    rows = {}
    for column in answers.columns:
        kind, rest = column.split("_", 1)
        if kind == "imp":
            rows[t("exercises.servqual.importance", dimension=label("servqual", rest))] = answers[column]
        else:
            dimension, k = rest.rsplit("_", 1)
            rows[t(f"exercises.servqual.{kind}", dimension=label("servqual", dimension), k=k)] = answers[
                column
            ]
    shown = pd.DataFrame(rows).T
    shown.columns = [t("exercises.respondent", n=i) for i in answers.index]
    return [shown]


def _ipa_data() -> pd.DataFrame:
    return pd.DataFrame(
        {"importance": [4.7, 4.5, 3.2, 3.4, 2.6, 2.9], "performance": [4.4, 3.1, 4.5, 3.6, 2.8, 3.9]},
        index=pd.Index(
            ["cleanliness", "staff_attitude", "checkin_speed", "breakfast", "parking", "decor"],
            name="attribute",
        ),
    )


def _ipa(d: pd.DataFrame, swap: bool = False) -> pd.DataFrame:
    x, y = ("performance", "importance") if swap else ("importance", "performance")
    return satisfaction.importance_performance(d, x, y)


def _concentrate(d: pd.DataFrame, swap: bool = False) -> set[str]:
    quadrant = _ipa(d, swap)["quadrant"]
    return set(quadrant.index[quadrant == "concentrate_here"])


def _ipa_chart(d: pd.DataFrame):
    figure, ax = _figure(6.5, 4.8)
    cuts = _ipa(d).iloc[0]
    ax.scatter(d["performance"], d["importance"], s=60, color="#4c72b0", zorder=3)
    for code, row in d.iterrows():  # six labelled points, not a data loop
        ax.annotate(
            label("exercises.attr", code),
            (row["performance"], row["importance"]),
            xytext=(6, 4),
            textcoords="offset points",
        )
    ax.axvline(cuts["performance_crosshair"], color="#888", linestyle="--")
    ax.axhline(cuts["importance_crosshair"], color="#888", linestyle="--")
    ax.set_xlim(2, 5)
    ax.set_ylim(2, 5)
    ax.set_xlabel(t("exercises.chart.performance"))
    ax.set_ylabel(t("exercises.chart.importance"))
    ax.set_title(t("exercises.chart.ipa"))
    return figure


_register(
    Task(
        "m4.t1",
        4,
        "number",
        _nps_scores,
        _nps,
        tolerance=0.5,
        unit="%",
        hints=2,
        view=lambda s: [t("exercises.view.scores", scores=", ".join(map(str, s)))],
        mistakes=(
            Mistake("nps_passives_as_promoters", lambda s: _nps(s.mask(_passive(s), 10))),
            Mistake("nps_without_passives", lambda s: _nps(s[~_passive(s)])),
            Mistake(
                "nps_six_as_passive", lambda s: _nps(s.replace(satisfaction.DEFAULTS.nps_detractor_max, 7))
            ),
            Mistake("nps_passives_as_detractors", lambda s: _nps(s.mask(_passive(s), 0))),
            Mistake("nps_reversed", lambda s: -_nps(s)),
        ),
    ),
    Task(
        "m4.t2",
        4,
        "number",
        _csat_ratings,
        _csat,
        tolerance=0.5,
        unit="%",
        view=lambda s: [t("exercises.view.ratings", scores=", ".join(map(str, s)))],
        mistakes=(
            Mistake("csat_top_box_only", lambda s: _csat(s, (5,))),
            Mistake("csat_three_as_satisfied", lambda s: _csat(s, (3, 4, 5))),
            Mistake("csat_mean_score", lambda s: float(s.mean())),
            Mistake(
                "csat_mean_as_percent", lambda s: float(100 * s.mean() / satisfaction.DEFAULTS.csat_scale[1])
            ),
        ),
    ),
    Task(
        "m4.t3",
        4,
        "number",
        _servqual_answers,
        lambda a: _dimension(a, "responsiveness"),
        tolerance=0.05,
        view=_servqual_view,
        mistakes=(
            Mistake("servqual_reversed", lambda a: -_dimension(a, "responsiveness")),
            Mistake(
                "servqual_summed",
                lambda a: _dimension(a, "responsiveness") * _dimension(a, "responsiveness", "n_items"),
            ),
        ),
    ),
    Task(
        "m4.t4",
        4,
        "choice",
        _servqual_answers,
        lambda a: str(_gaps(a).dimensions.set_index("dimension")["rank"].idxmin()),
        group="servqual",
        options=SERVQUAL_TASK_DIMENSIONS,
        hints=2,
        view=_servqual_view,
        mistakes=(
            Mistake(
                "servqual_unweighted_rank",
                lambda a: str(_gaps(a).dimensions.set_index("dimension")["rank_unweighted"].idxmin()),
            ),
            Mistake(
                "servqual_smallest_gap",
                lambda a: str(_gaps(a).dimensions.set_index("dimension")["gap"].idxmax()),
            ),
        ),
    ),
    Task(
        "m4.t5",
        4,
        "choice",
        _ipa_data,
        lambda d: next(iter(_concentrate(d))),
        group="exercises.attr",
        options=lambda d: [str(c) for c in d.index],
        view=lambda d: [_ipa_chart(d)],
        mistakes=(
            Mistake("ipa_axes_swapped", lambda d: _concentrate(d, swap=True)),
            Mistake("ipa_lowest_performance", lambda d: str(d["performance"].idxmin())),
        ),
    ),
)


# ================================================================ module 5 · customer operations


def _retention_orders() -> pd.DataFrame:
    q1 = [
        ("R01", "2026-01-08"),
        ("R02", "2026-01-15"),
        ("R03", "2026-01-20"),
        ("R01", "2026-02-03"),
        ("R04", "2026-02-10"),
        ("R05", "2026-02-17"),
        ("R06", "2026-02-24"),
        ("R03", "2026-03-02"),
        ("R07", "2026-03-09"),
        ("R06", "2026-03-16"),
        ("R08", "2026-03-23"),
    ]
    q2 = [
        ("R01", "2026-04-07"),
        ("R02", "2026-04-14"),
        ("R09", "2026-04-21"),
        ("R03", "2026-05-05"),
        ("R02", "2026-05-12"),
        ("R04", "2026-05-19"),
        ("R10", "2026-06-02"),
        ("R05", "2026-06-09"),
        ("R09", "2026-06-16"),
    ]
    orders = pd.DataFrame(q1 + q2, columns=["customer_id", "order_date"])
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    return orders


def _retention(orders: pd.DataFrame) -> pd.Series:
    return operations.retention_rates(orders, "Q").iloc[-1]


def _orders_of_kept(orders: pd.DataFrame) -> float:
    """The mistake 'counted orders, not customers': kept customers' Q2 orders ÷ all Q1 orders, in %."""
    quarter = orders["order_date"].dt.quarter
    first, second = orders[quarter == 1], orders[quarter == 2]
    kept = second["customer_id"].isin(first["customer_id"])
    return 100 * kept.sum() / len(first)


def _orders_view(orders: pd.DataFrame) -> list:
    shown = orders.assign(order_date=orders["order_date"].dt.strftime("%Y-%m-%d"))
    shown.index = range(1, len(orders) + 1)
    return [_columns(shown, index="row")]


CLV_TASK = {"margin": 12_000.0, "retention": 0.8, "discount": 0.1}


def _clv(d: Mapping, **changes) -> float:
    values = {**d, **changes}
    timing = values.pop("timing", "end")
    return float(operations.clv(values["margin"], values["retention"], values["discount"], timing=timing))


def _risk_cards() -> pd.DataFrame:
    cards = pd.DataFrame(
        {
            "overdue_days": [0, 30, 95, 0, 130],
            "overdue_amount": [0.0, 8_000.0, 60_000.0, 0.0, 12_000.0],
            "orders_12m": [12, 6, 8, 4, 3],
            "recency_days": [10, 20, 15, 200, 100],
        },
        index=range(1, 6),
    )
    cards["last_purchase_date"] = AS_OF - pd.to_timedelta(cards["recency_days"], unit="D")
    return cards


ASSESSED_SIGNALS = ("overdue_days", "overdue_amount", "legal_overdue", "recency_jump")  # no previous snapshot


def _risks(cards: pd.DataFrame, thresholds: Mapping | None = None) -> pd.DataFrame:
    return operations.risk_signals(cards, thresholds, as_of=AS_OF, explain=False)


def _risk_levels(strict: bool = False, best: bool = False) -> Callable:
    def levels(cards: pd.DataFrame) -> list[str]:
        limits = {k: (a + STRICT, r + STRICT) for k, (a, r) in operations.DEFAULT_RISK_THRESHOLDS.items()}
        table = _risks(cards, limits if strict else None)
        if best:  # the mistake: the overall light taken from the best signal, not the worst
            codes = np.column_stack([table[f"{s}_level"].cat.codes for s in ASSESSED_SIGNALS]).min(axis=1)
            return [operations.RISK_LEVELS[c] for c in codes]
        return table["risk_level"].astype(str).tolist()

    return levels


RISK_CARD = 3  # the card m5.t4 asks about


def _risk_view(cards: pd.DataFrame) -> list:
    shown = cards[["overdue_days", "overdue_amount", "orders_12m", "recency_days"]]
    limits = pd.DataFrame(
        {
            t("exercises.col.amber_from"): [
                operations.DEFAULT_RISK_THRESHOLDS[s][0] for s in ASSESSED_SIGNALS
            ],
            t("exercises.col.red_from"): [operations.DEFAULT_RISK_THRESHOLDS[s][1] for s in ASSESSED_SIGNALS],
        },
        index=[t(f"exercises.signal.{s}") for s in ASSESSED_SIGNALS],
    )
    return [_columns(shown), t("exercises.view.risk_rules"), limits]


def _response(cards: pd.DataFrame, amber: bool = False) -> str:
    row = _risks(cards).loc[RISK_CARD]
    return operations.RISK_RESPONSES[row["risk_category"]][0] if amber else str(row["response"])


@cache
def _capability():
    from workbook import instruments

    return instruments.load_instrument("capability")


def _form_view(instrument) -> list:
    lang = i18n.get_language()
    names = {d.id: d.name.get(lang) for d in instrument.dimensions}
    table = pd.DataFrame(
        {
            t("exercises.col.dimension"): [names[i.dimension] for i in instrument.items],
            t("exercises.col.statement"): [i.text.get(lang) for i in instrument.items],
        },
        index=pd.Index([i.id for i in instrument.items], name=t("exercises.col.item")),
    )
    return [t("exercises.view.scale"), table]


_register(
    Task(
        "m5.t1",
        5,
        "number",
        _retention_orders,
        lambda o: 100 * _retention(o)["retention_rate"],
        tolerance=0.5,
        unit="%",
        view=_orders_view,
        mistakes=(
            Mistake(
                "retention_divided_by_current",
                lambda o: 100 * _retention(o)["retained"] / _retention(o)["customers"],
            ),
            Mistake(
                "retention_new_as_retained",
                lambda o: 100 * _retention(o)["customers"] / _retention(o)["previous"],
            ),
            Mistake("retention_churn_given", lambda o: 100 * _retention(o)["churn_rate"]),
            Mistake("retention_counted_orders", _orders_of_kept),
        ),
    ),
    Task(
        "m5.t2",
        5,
        "number",
        lambda: dict(CLV_TASK),
        _clv,
        tolerance=50.0,
        hints=2,
        view=lambda d: [
            t(
                "exercises.view.clv",
                margin=f"{d['margin']:,.0f}",
                retention=f"{d['retention']:.0%}",
                discount=f"{d['discount']:.0%}",
            )
        ],
        mistakes=(
            Mistake("clv_margin_now_included", lambda d: _clv(d, timing="start")),
            Mistake("clv_no_discount", lambda d: _clv(d, discount=0.0)),
            Mistake("clv_churn_for_retention", lambda d: _clv(d, retention=1 - d["retention"])),
            Mistake("clv_r_missing", lambda d: _clv(d) / d["retention"]),
        ),
    ),
    Task(
        "m5.t3",
        5,
        "labels",
        _risk_cards,
        _risk_levels(),
        group="risk_level",
        hints=2,
        view=_risk_view,
        mistakes=(
            Mistake("risk_best_signal", _risk_levels(best=True)),
            Mistake("risk_threshold_strict", _risk_levels(strict=True)),
        ),
    ),
    Task(
        "m5.t4",
        5,
        "choice",
        _risk_cards,
        _response,
        group="risk_response",
        options=("avoid", "reduce", "transfer", "accept"),
        view=lambda cards: [_columns(cards.loc[[RISK_CARD], ["overdue_days", "overdue_amount"]])],
        mistakes=(
            Mistake("risk_amber_response", lambda cards: _response(cards, amber=True)),
            Mistake("risk_accept_only_green", lambda cards: "accept"),
        ),
    ),
    Task("m5.t5", 5, "form", _capability, lambda instrument: None, view=_form_view),
)
