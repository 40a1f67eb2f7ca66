"""The one error type for bad input, with a bilingual message a business user can act on.

Anything a person supplies (a file, a table, weights, thresholds, answers) that the
workbook cannot use raises :class:`WorkbookInputError`. It gathers every problem
found, not just the first, and renders them in the active language when printed,
so an app can show ``str(error)`` in the page and switch language later.

Example
-------
>>> from workbook.errors import Problem, WorkbookInputError
>>> err = WorkbookInputError("customers.csv", [
...     Problem("data.out_of_range", column="satisfaction", rows=(5, 9),
...             params={"range": "1–5", "values": "7, 0"})])
>>> print(err.message("en"))
customers.csv: 1 problem
1. column 'satisfaction', rows 5, 9: values 7, 0 are outside the range 1–5.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from workbook import i18n

MAX_ROWS_SHOWN = 5  # a message lists the first few offending rows, then "and N more"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    ``key`` names the catalogue text saying what was expected; ``column`` and ``rows``
    say where (rows as the user sees them: spreadsheet row numbers for files, index
    labels for tables); ``params`` fill the text's placeholders.
    """

    key: str
    column: str | None = None
    rows: tuple = ()
    params: Mapping[str, object] = field(default_factory=dict)
    n_rows: int | None = None  # total offending rows when ``rows`` holds only the first few

    def message(self, lang: str | None = None) -> str:
        """This problem as one line: where, then what is expected."""
        where = []
        if self.column is not None:
            where.append(i18n.t("errors.where_column", lang, column=self.column))
        if self.rows:
            where.append(i18n.t("errors.where_rows", lang, rows=_row_list(self, lang)))
        text = i18n.t(self.key, lang, **self.params)
        if not where:
            return text
        return i18n.t("errors.list_sep", lang).join(where) + i18n.t("errors.colon", lang) + text


def _row_list(problem: Problem, lang: str | None) -> str:
    shown = i18n.t("errors.row_sep", lang).join(str(r) for r in sorted(problem.rows)[:MAX_ROWS_SHOWN])
    total = problem.n_rows if problem.n_rows is not None else len(problem.rows)
    more = total - min(len(problem.rows), MAX_ROWS_SHOWN)
    return shown + (i18n.t("errors.and_more", lang, n=more) if more > 0 else "")


class WorkbookInputError(ValueError):
    """Input the workbook cannot use; ``str(error)`` is the message in the active language.

    ``source`` names what was read (a file name, "weights", a sheet), or is empty for a choice
    made in an app; ``problems`` lists every :class:`Problem` found.
    """

    def __init__(self, source: str, problems: Iterable[Problem]):
        self.source = str(source)
        self.problems = list(problems)
        if not self.problems:
            raise ValueError("WorkbookInputError needs at least one problem")
        super().__init__(self.source)

    def message(self, lang: str | None = None) -> str:
        """All problems, numbered, under a heading that names the source.

        Without a source (a choice made in an app, not a file) there is no heading, and a single
        problem is just its sentence: the person knows what they just did.

        >>> print(WorkbookInputError("", [Problem("apps.dash.no_session")]).message("en"))
        Pick or create a session first.
        """
        n = len(self.problems)
        if not self.source and n == 1:
            return self.problems[0].message(lang)
        lines = [f"{i}. {p.message(lang)}" for i, p in enumerate(self.problems, 1)]
        if not self.source:
            return "\n".join(lines)
        head = i18n.t("errors.heading_one" if n == 1 else "errors.heading", lang, source=self.source, n=n)
        return "\n".join([head, *lines])

    @property
    def keys(self) -> list[str]:
        """Catalogue keys of the problems, in order: handy for tests and logs."""
        return [p.key for p in self.problems]

    def __str__(self) -> str:
        return self.message()


def fail(source: str, key: str, **kwargs) -> WorkbookInputError:
    """Shortcut for an error with a single problem: ``raise fail("weights", "vm.weights_negative")``.

    Keyword arguments ``column``, ``rows`` and ``n_rows`` go to the :class:`Problem`;
    all others fill the text's placeholders.
    """
    where = {k: kwargs.pop(k) for k in ("column", "rows", "n_rows") if k in kwargs}
    return WorkbookInputError(source, [Problem(key, params=kwargs, **where)])
