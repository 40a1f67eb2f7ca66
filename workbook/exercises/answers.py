"""Reading a trainee's answer and judging it: one judge per task kind.

An answer may be typed the way people write it: ``"20%"``, ``"62.5 分"``, full-width
digits, a list as ``"活跃，忠诚"``, a category by its code, its name in either language or
an unambiguous start of the name, a choice by its letter. A judge compares the answer
with the task's computed answer and names the mistakes whose detectors produce it; an
answer of the wrong shape raises ``_BadAnswer`` with lines that say what is expected.

Example
-------
>>> _as_number("62.5 分"), _as_list("活跃，忠诚")
(62.5, ['活跃', '忠诚'])
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from numbers import Number

import numpy as np
import pandas as pd

from workbook import classify, i18n, operations
from workbook import value_matrix as vm
from workbook.exercises.engine import (
    MISTAKE,
    CheckResult,
    Label,
    Mistake,
    Task,
    _BadAnswer,
    _Fixed,
    _Line,
    _result,
    _unanswered,
)
from workbook.i18n import label, t

ALMOST_FACTOR = 3  # a number within 3 × the tolerance (but not within it) is "almost": check the rounding
MIN_PREFIX = 2  # a typed name may be cut short ("忠诚" for 忠诚客户) if it is this long and unambiguous

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
    codes = [] if task.group == "int" else _group_codes(task, data)
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


def _group_codes(task: Task, data) -> list[str]:
    """The codes a ``labels`` answer may name: the task's own options, else its label group's codes."""
    if task.options:
        return task.option_codes(data)
    return {
        "level": list(classify.LEVELS),
        "behaviour": list(classify.BEHAVIOURS),
        "needs": list(classify.NEEDS_TYPES),
        "quadrant": list(vm.QUADRANTS),
        "risk_level": list(operations.RISK_LEVELS),
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


JUDGES = {  # kind → judge(task, data, answer) → CheckResult
    "number": _judge_number,
    "labels": _judge_labels,
    "choice": _judge_choice,
    "ids": _judge_ids,
    "weights": _judge_weights,
    "form": _judge_form,
}
