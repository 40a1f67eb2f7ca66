"""Showing a task in a notebook: its title, question, data tables, chart and options as HTML.

:func:`show` builds a :class:`TaskView` from the task's ``view(data)`` parts: DataFrames
become tables (numbers written as people write them), figures become PNG images
(drawn by :mod:`workbook.plots`), texts become paragraphs, and a choice task's options a
lettered list.

Example
-------
>>> print(repr(show("m4.t1")).splitlines()[0])
任务 m4.t1 · 计算 NPS (task m4.t1 · NPS of an answer list)
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from numbers import Number

import numpy as np
import pandas as pd

from workbook import i18n
from workbook.exercises.engine import TASKS, _data, _other
from workbook.i18n import label, t

__all__ = ["TaskView", "show"]

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
    parts = list(task.view(data))
    if any(hasattr(p, "get_figure") for p in parts):  # a chart (Axes) from workbook.plots
        from workbook import plots  # matplotlib is loaded only for tasks with a chart

        parts = [plots.to_png(p) if hasattr(p, "get_figure") else p for p in parts]
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


def _columns(frame: pd.DataFrame, *, index: str = "card") -> pd.DataFrame:
    """A task table with column names and row labels in the active language."""
    shown = frame.rename(columns=lambda c: t(f"exercises.col.{c}"))
    if index == "card":
        shown.index = [t("exercises.card", n=i) for i in frame.index]
    return shown
