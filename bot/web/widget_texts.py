"""The chat widget's own texts (data/widget_texts.yml) in Danish and English, ready for its config.

Every label, hint and message the widget shows by itself is a Danish/English pair in
data/widget_texts.yml (core.bilingual). `widget_texts(municipality)` gives
`{"da": {key: text}, "en": {key: text}}` with the municipality's placeholders filled in each
language (`Municipality.fill`: {phone}, {opening_hours}, {meeting_name}, ...; plus
{retention_days} and {readers}, who may read the conversation). The placeholders in
`RUNTIME_PLACEHOLDERS` are left as they are: the widget fills them while it runs.

`load_texts()` reads and checks the file once (every entry a pair, every text a string); the web
app calls it at start-up, so a broken file stops the site with the key named.

Must not: know which text the widget shows where (that is the widget's JavaScript).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.bilingual import LANGUAGES, is_pair
from core.municipality import Municipality
from core.settings import REPO_ROOT

WIDGET_TEXTS_FILE = REPO_ROOT / "data" / "widget_texts.yml"
# Filled by the widget itself: its title, the citizen's name, characters left, the number of
# reply buttons and the citizen's own message.
RUNTIME_PLACEHOLDERS = ("title", "name", "left", "count", "text")


class WidgetTextsError(ValueError):
    """data/widget_texts.yml is missing, not YAML, or has an entry that is not a pair."""


def read_texts(path: Path) -> dict[str, dict[str, str]]:
    """`{key: {"da": ..., "en": ...}}` from `path`, checked."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise WidgetTextsError(f"{path}: cannot be read ({exc})") from exc
    if not isinstance(raw, dict) or not raw:
        raise WidgetTextsError(f"{path}: must be a mapping of keys to Danish/English pairs")
    for key, value in raw.items():
        if not is_pair(value) or not all(isinstance(value[lang], str) and value[lang] for lang in LANGUAGES):
            raise WidgetTextsError(f"{path}: `{key}` must have a text in both `da` and `en`")
    return {str(key): {lang: str(value[lang]) for lang in LANGUAGES} for key, value in raw.items()}


@lru_cache(maxsize=1)
def load_texts() -> dict[str, dict[str, str]]:
    """The widget's texts from data/widget_texts.yml (read once)."""
    return read_texts(WIDGET_TEXTS_FILE)


def widget_texts(municipality: Municipality) -> dict[str, dict[str, str]]:
    """Both languages' texts with the municipality's words filled in (for the config block)."""
    keep = {name: "{" + name + "}" for name in RUNTIME_PLACEHOLDERS}
    texts: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        values = {
            **keep,
            "retention_days": municipality.conversation_retention_days,
            "readers": municipality.readers_in(language),
        }
        texts[language] = {
            key: municipality.fill(pair[language], language, **values) for key, pair in load_texts().items()
        }
    return texts
