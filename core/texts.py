"""The citizen-facing texts that used to live in Python, read from data/texts/*.yml.

Each file holds sections (`cases:`, `sms:`, ...; a section name is unique across the files), each
section a mapping of keys to Danish/English pairs (core.bilingual), e.g.

    sms:
      stop_confirmed:
        da: "Du er nu afmeldt ..."
        en: "You are now unsubscribed ..."

`text(section, key, language)` gives one template in `language` (placeholders NOT filled: the
caller fills them, e.g. with core.municipality.fill); `section(name, language)` a whole section.
A missing section or key raises KeyError (a content typo must fail the tests, not a citizen:
the tests load every key the code asks for).

Must not: fill placeholders, detect languages or know which text an answer needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.bilingual import normalise, resolve

TEXTS_DIR = Path(__file__).resolve().parent.parent / "data" / "texts"


@lru_cache(maxsize=1)
def all_sections() -> dict[str, Mapping[str, Any]]:
    """Every section of every data/texts/*.yml file, by name (raw: pairs not yet resolved)."""
    sections: dict[str, Mapping[str, Any]] = {}
    for path in sorted(TEXTS_DIR.glob("*.yml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, value in loaded.items():
            if name in sections:
                raise ValueError(f"{path.name}: section `{name}` is also in another texts file")
            sections[name] = value
    return sections


def section(name: str, language: str) -> dict[str, Any]:
    """One section with its texts in `language`."""
    raw = all_sections().get(name)
    if not isinstance(raw, Mapping):
        raise KeyError(f"data/texts: no section `{name}`")
    return resolve(raw, normalise(language))


def text(section_name: str, key: str, language: str) -> str:
    """One text (a template) in `language`."""
    value = section(section_name, language).get(key)
    if not isinstance(value, str):
        raise KeyError(f"data/texts: no text `{section_name}.{key}`")
    return value.strip()
