"""The tasks of course modules 1–5, one file a module; importing this package registers them all.

>>> from workbook.exercises import TASKS
>>> sorted({task.module for task in TASKS.values()})
[1, 2, 3, 4, 5]
"""

from workbook.exercises.tasks import m1, m2, m3, m4, m5

__all__ = ["m1", "m2", "m3", "m4", "m5"]
