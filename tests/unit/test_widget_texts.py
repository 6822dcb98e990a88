"""The chat widget's own texts (data/widget_texts.yml, bot/web/widget_texts.py, the widget's JS).

Every text is in both languages; every key the widget's JavaScript uses is in the file (and
every key in the file is used); the JavaScript's built-in Danish is the file's Danish; the English
is ASCII with the same placeholders as the Danish; and the web app fills the municipality's words
in each language, leaving only the placeholders the widget fills itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from bot.web.widget_texts import (
    RUNTIME_PLACEHOLDERS,
    WIDGET_TEXTS_FILE,
    WidgetTextsError,
    load_texts,
    read_texts,
    widget_texts,
)
from core.bilingual import LANGUAGES, one_sided
from core.municipality import get_municipality

REPO = Path(__file__).resolve().parents[2]
WIDGET_JS = REPO / "bot" / "web" / "static" / "widget" / "moedeklar-widget.js"
BUILT_IN = re.compile(r"/\* widget-texts:begin \*/(.*?)/\* widget-texts:end \*/", re.S)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def raw_file() -> dict:
    return yaml.safe_load(WIDGET_TEXTS_FILE.read_text(encoding="utf-8"))


def widget_code() -> str:
    """The widget's JavaScript without its built-in Danish texts."""
    return BUILT_IN.sub("", WIDGET_JS.read_text(encoding="utf-8"))


def keys_used_by_the_widget() -> set[str]:
    code = widget_code()
    used = set(re.findall(r"\bt\('([a-z_]+)'", code))  # t('key', ...)
    used |= set(re.findall(r"\bkey: '([a-z_]+)'", code))  # info items: {kind: 'info', key: ...}
    used |= set(re.findall(r"\bkey = '([a-z_]+)'", code))  # a bot message shown as a text of ours
    status = re.search(r"var STATUS_TEXTS = \{(.*?)\};", code, re.S)
    assert status, "the widget's STATUS_TEXTS map was not found"
    used |= set(re.findall(r":\s*'([a-z_]+)'", status.group(1)))
    return used


def test_every_text_is_in_both_languages() -> None:
    raw = raw_file()
    assert raw and isinstance(raw, dict)
    assert list(one_sided(raw)) == []
    for key, pair in raw.items():
        assert set(pair) == set(LANGUAGES), key
        for language in LANGUAGES:
            assert isinstance(pair[language], str) and pair[language].strip(), f"{key}.{language}"
    assert load_texts().keys() == raw.keys()


def test_every_key_the_widget_uses_is_in_the_file_and_every_key_is_used() -> None:
    used = keys_used_by_the_widget()
    in_file = set(raw_file())
    assert len(used) > 30, used  # the patterns above still find the widget's keys
    assert sorted(used - in_file) == [], "keys the widget uses that data/widget_texts.yml lacks"
    assert sorted(in_file - used) == [], "keys in data/widget_texts.yml that the widget never uses"


def test_the_built_in_danish_is_the_files_danish() -> None:
    match = BUILT_IN.search(WIDGET_JS.read_text(encoding="utf-8"))
    assert match, "the widget's built-in Danish texts were not found"
    built_in = json.loads(match.group(1))
    assert built_in == {key: pair["da"] for key, pair in raw_file().items()}


def test_no_citizen_facing_danish_is_left_in_the_widgets_code() -> None:
    code = widget_code()
    strings = re.findall(r"'([^'\\\n]*(?:\\.[^'\\\n]*)*)'", code)
    danish = [text for text in strings if re.search(r"[æøåÆØÅ]", text) and text != "Mødeklar"]
    assert danish == []


@pytest.mark.parametrize("key", sorted(raw_file()))
def test_english_is_plain_ascii_with_the_same_placeholders(key: str) -> None:
    pair = raw_file()[key]
    english = pair["en"]
    assert english.isascii(), f"{key}: {english!r} (no curly quotes, dashes or ellipsis characters)"
    assert english == english.strip()
    assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(pair["da"])), key


def test_the_language_button_names_the_other_language_in_that_language() -> None:
    button = raw_file()["language_button"]
    assert button == {"da": "English", "en": "Dansk"}


def test_the_web_app_fills_the_municipalitys_words_in_each_language() -> None:
    municipality = get_municipality()
    texts = widget_texts(municipality)
    assert set(texts) == set(LANGUAGES)
    runtime = set(RUNTIME_PLACEHOLDERS)
    for language in LANGUAGES:
        assert texts[language].keys() == raw_file().keys()
        for key, text in texts[language].items():
            left = set(PLACEHOLDER.findall(text))
            assert left <= runtime, f"{language}.{key}: {text!r}"
    days = str(municipality.conversation_retention_days)
    assert texts["da"]["privacy_retention"].startswith(f"Vi gemmer samtalen i højst {days} dage.")
    assert texts["en"]["privacy_retention"].startswith(f"We keep the conversation for at most {days} days.")
    assert municipality.readers_in("en") in texts["en"]["privacy_readers"]
    assert municipality.readers_in("da") in texts["da"]["privacy_readers"]
    assert texts["en"]["contact_hours"] == f"({municipality.opening_hours_in('en')})"
    assert texts["da"]["contact_hours"] == f"({municipality.opening_hours_in('da')})"
    assert texts["en"]["contact_call"] == f"Call {municipality.phone}"
    assert texts["en"]["launcher"] == "Chat with {title}"  # the widget fills its own title
    assert texts["da"]["launcher"] == "Chat med {title}"


@pytest.mark.parametrize(
    "content",
    [
        "just text",
        "send: {da: Send}\n",  # one language only
        "send: {da: Send, en: Send, de: Senden}\n",
        "send: {da: Send, en: ''}\n",
        "send: [Send]\n",
    ],
)
def test_a_broken_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "widget_texts.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(WidgetTextsError):
        read_texts(path)
