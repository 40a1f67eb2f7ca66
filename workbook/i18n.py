"""Bilingual string catalogue: Simplified Chinese (default) and English.

Every user-facing string in the workbook comes from here (or from an instrument
file). Texts live in ``workbook/locales/*.yaml``, one file per area, each entry a
key with a ``zh`` and an ``en`` text that may hold ``{placeholders}``::

    data.missing_column:
      zh: 缺少必需的列「{column}」
      en: required column '{column}' is missing

Example
-------
>>> from workbook import i18n
>>> i18n.t("common.yes", lang="en")
'yes'
>>> with i18n.language("zh"):
...     i18n.t("common.yes")
'是'
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import yaml

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LOCALES_DIR = Path(__file__).with_name("locales")

_active: str | None = None  # None: take WORKBOOK_LANG from the environment, else zh


def normalize_language(lang: str) -> str:
    """Map a language tag such as ``zh-CN``, ``zh_Hans`` or ``en-US`` to ``zh`` or ``en``.

    >>> normalize_language("zh-CN"), normalize_language("EN_us")
    ('zh', 'en')
    """
    code = str(lang).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of {LANGUAGES}")
    return code


def get_language() -> str:
    """The active language: set by :func:`set_language`, else ``$WORKBOOK_LANG``, else zh."""
    if _active is not None:
        return _active
    return normalize_language(os.environ.get("WORKBOOK_LANG", DEFAULT_LANGUAGE))


def set_language(lang: str) -> None:
    """Make ``lang`` (``"zh"``/``"zh-CN"`` or ``"en"``) the language of all later messages."""
    global _active
    _active = normalize_language(lang)


@contextmanager
def language(lang: str) -> Iterator[str]:
    """Use ``lang`` inside a ``with`` block, then restore the previous language."""
    global _active
    previous = _active
    set_language(lang)
    try:
        yield _active
    finally:
        _active = previous


# libyaml's safe loader when PyYAML has it (its wheels do): 8× faster, and every kernel reads the catalogue.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """All entries of all locale files, ``{key: {"zh": ..., "en": ...}}``.

    Raises ``ValueError`` when two files define the same key, so an area can never
    silently overwrite another's text.
    """
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.yaml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
        clash = merged.keys() & entries.keys()
        if clash:
            raise ValueError(f"{path.name} redefines catalogue keys {sorted(clash)}")
        merged.update(entries)
    return merged


def t(key: str, lang: str | None = None, **params: object) -> str:
    """The text for ``key`` in ``lang`` (default: the active language), formatted with ``params``.

    >>> t("common.rows", lang="en", n=3)
    '3 rows'
    """
    entry = catalogue()[key]
    text = entry[normalize_language(lang) if lang else get_language()]
    return text.format(**params) if params else text


def label(group: str, code: object, lang: str | None = None) -> str:
    """Display name of a category code, e.g. ``label("level", "loyal")`` → ``忠诚客户``.

    Codes without an entry are shown as they are, so user data never breaks a page.
    """
    key = f"{group}.{code}"
    return t(key, lang) if key in catalogue() else str(code)


def labels(group: str, codes, lang: str | None = None) -> list[str]:
    """:func:`label` for each code of ``codes``, in order."""
    return [label(group, code, lang) for code in codes]
