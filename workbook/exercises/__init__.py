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

The package has one room per concept: :mod:`~workbook.exercises.engine` (tasks, mistakes,
evaluate / check / hint, recorded attempts), :mod:`~workbook.exercises.answers` (reading
answers, one judge per kind), :mod:`~workbook.exercises.view` (:func:`show`) and
``tasks/m1.py`` … ``tasks/m5.py`` (each course module's tasks). A new task touches one
module file and the catalogue. The trainee notebooks in ``exercises/`` are written from the
trainer's versions by :mod:`workbook.exercises.generate`.

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

# The tasks subpackage registers modules 1–5 on import; the name ``tasks`` then stays the function.
from workbook.exercises import tasks as _tasks  # noqa: F401
from workbook.exercises.engine import (
    KINDS,
    MISTAKE,
    SESSION_ENV,
    STATUSES,
    TASKS,
    TEAM_ENV,
    TRAINEE_ENV,
    CheckResult,
    Feedback,
    Mistake,
    Task,
    check,
    evaluate,
    hint,
    set_store,
    set_trainee,
    tasks,
)
from workbook.exercises.view import TaskView, show

__all__ = [
    "KINDS",
    "MISTAKE",
    "SESSION_ENV",
    "STATUSES",
    "TASKS",
    "TEAM_ENV",
    "TRAINEE_ENV",
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
