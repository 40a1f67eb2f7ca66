"""Check that a machine is ready for the workshop, and say in plain words what is missing.

Used by the start-here notebook and ``workbook check``: every check gives a status and
a sentence in the active language, so a trainer can fix the setup without reading code.

Example
-------
>>> from workbook.environment import check_environment
>>> report = check_environment()
>>> list(report.columns)
['check', 'ok', 'detail']
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

import pandas as pd

from workbook import i18n
from workbook.data import DATASETS_DIR

MIN_PYTHON = (3, 11)
SAMPLE_FILES = ("customers.csv", "customers_2025.csv", "transactions.csv", "nps_survey.csv", "servqual.csv")


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def _requirements() -> list[tuple[str, str]]:
    """(package, lower bound) for each runtime dependency declared by the installed package."""
    found = []
    for requirement in metadata.requires("workbook") or []:
        if "extra ==" in requirement:
            continue
        match = re.match(r"^([A-Za-z0-9_.\-]+)\s*>=\s*([\w.]+)", requirement)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def _check_python(lang: str | None) -> dict:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    detail = "env.python_ok" if ok else "env.python_old"
    return _row(
        i18n.t("env.python", lang),
        ok,
        i18n.t(detail, lang, version=version, needed=".".join(map(str, MIN_PYTHON))),
    )


def _check_packages(lang: str | None) -> list[dict]:
    rows = []
    for package, lower in _requirements():
        name = f"{i18n.t('env.package', lang)} {package}"
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            rows.append(_row(name, False, i18n.t("env.package_missing", lang, lower=lower)))
            continue
        ok = _version_tuple(installed) >= _version_tuple(lower)
        detail = "env.package_ok" if ok else "env.package_old"
        rows.append(_row(name, ok, i18n.t(detail, lang, lower=lower, installed=installed)))
    return rows


def _check_font(lang: str | None) -> dict:
    from workbook import plots  # matplotlib is only imported when the check runs

    families = plots.chinese_font_families()
    return _row(
        i18n.t("env.font", lang),
        plots.SHIPPED_FONT.exists(),
        i18n.t("env.font_detail", lang, font=families[0]),
    )


def _check_samples(lang: str | None) -> dict:
    missing = [name for name in SAMPLE_FILES if not (DATASETS_DIR / name).is_file()]
    if missing:
        return _row(
            i18n.t("env.samples", lang), False, i18n.t("env.samples_missing", lang, files=", ".join(missing))
        )
    return _row(i18n.t("env.samples", lang), True, i18n.t("env.samples_ok", lang, n=len(SAMPLE_FILES)))


def _row(check: str, ok: bool, detail: str) -> dict:
    return {"check": check, "ok": ok, "detail": detail}


def check_environment(lang: str | None = None) -> pd.DataFrame:
    """One row per check: ``check`` (what was checked), ``ok`` (bool), ``detail`` (plain sentence).

    Checks the Python version, every runtime package against its lower bound, the
    Chinese chart font and the sample data files.
    """
    rows = [_check_python(lang), *_check_packages(lang), _check_font(lang), _check_samples(lang)]
    return pd.DataFrame(rows, columns=["check", "ok", "detail"])


def summary(report: pd.DataFrame, lang: str | None = None) -> str:
    """One sentence for the whole report: all good, or how many problems to fix."""
    problems = int((~report["ok"]).sum())
    return i18n.t("env.all_ok", lang) if problems == 0 else i18n.t("env.problems", lang, n=problems)
