"""The catalogue is complete in both languages and language switching behaves."""

import re

import pytest

from workbook import i18n

PLACEHOLDER = re.compile(r"\{(\w+)")


def test_every_entry_has_both_languages_with_the_same_placeholders():
    for key, entry in i18n.catalogue().items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"].strip() and entry["en"].strip(), key
        assert set(PLACEHOLDER.findall(entry["zh"])) == set(PLACEHOLDER.findall(entry["en"])), key


def test_chinese_texts_are_chinese():
    # An untranslated copy of the English text in the zh slot is a common slip.
    for key, entry in i18n.catalogue().items():
        if re.search(r"[A-Za-z]{4,}", entry["en"]) and entry["zh"] == entry["en"]:
            pytest.fail(f"{key}: zh text is the English text")


def test_default_is_chinese(monkeypatch):
    monkeypatch.delenv("WORKBOOK_LANG", raising=False)
    assert i18n.get_language() == "zh"
    assert i18n.t("common.yes") == "是"


def test_environment_variable_and_context(monkeypatch):
    monkeypatch.setenv("WORKBOOK_LANG", "en-US")
    assert i18n.t("common.yes") == "yes"
    with i18n.language("zh-CN"):
        assert i18n.t("common.yes") == "是"
    assert i18n.t("common.yes") == "yes"


def test_formatting_and_labels():
    assert i18n.t("common.rows", lang="zh", n=3) == "3 行"
    assert i18n.label("no_such_group", "custom code") == "custom code"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.set_language("fr")
