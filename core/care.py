"""Words of care: which messages carry crisis, distress or worry, and the texts around answers.

Owns `fold()` (the forgiving form both a message and a phrase are compared in), `Phrases`
(a phrase list that matches whole words, `*` for any ending), `crisis_in()`, `distress_in()`,
`worry_in()` and `support_texts()`: everything read from data/support.yml, once per process.

Used by the Rasa server's crisis component (bot/rasa_plugins/nlu/crisis.py), its custom NLG
(bot/rasa_plugins/nlg.py) and the action server (actions/care.py, actions/clarification.py).

Must not: import Rasa, rasa-sdk or an app; log the citizen's words; decide what to answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.bilingual import DANISH, is_pair, pick, resolve, texts_of
from core.settings import REPO_ROOT

SUPPORT_FILE = REPO_ROOT / "data" / "support.yml"

_LETTERS = str.maketrans({"æ": "a", "ø": "o", "å": "a", "é": "e", "ü": "u", "ö": "o", "ä": "a"})
_NOT_WORD = re.compile(r"[^a-z0-9*]+")
_REPEATS = re.compile(r"([a-z])\1+")
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("aa", "a"))


def fold(text: str) -> str:
    """`text` in the forgiving form phrases are compared in.

    Lower case; æ/ø/å and their ae/oe/aa spellings alike; punctuation to spaces; runs of one
    letter made single ("selvmoord" -> "selvmord"); single spaces.
    """
    folded = unicodedata.normalize("NFC", text).casefold().translate(_LETTERS)
    for digraph, letter in _DIGRAPHS:
        folded = folded.replace(digraph, letter)
    folded = _NOT_WORD.sub(" ", folded.replace("*", " "))
    folded = _REPEATS.sub(r"\1", folded)
    return " ".join(folded.split())


def _phrase_pattern(phrase: str) -> str:
    open_end = phrase.rstrip().endswith("*")
    words = fold(phrase.rstrip().rstrip("*"))
    if not words:
        raise ValueError(f"empty phrase in {SUPPORT_FILE.name}: {phrase!r}")
    body = r"\s".join(re.escape(word) for word in words.split())
    return rf"(?<![a-z0-9]){body}" + ("" if open_end else r"(?![a-z0-9])")


@dataclass(frozen=True)
class Phrases:
    """A list of phrases; `in_text` is True when any of them is in the (folded) text."""

    phrases: tuple[str, ...]

    def __post_init__(self) -> None:
        pattern = "|".join(_phrase_pattern(p) for p in self.phrases) or r"(?!x)x"
        object.__setattr__(self, "_regex", re.compile(pattern))

    def in_text(self, *texts: str | None) -> bool:
        """True when a phrase is in any of `texts` (e.g. as written and as normalised)."""
        regex: re.Pattern[str] = self._regex  # type: ignore[attr-defined]
        return any(regex.search(fold(text)) for text in texts if text)

    def removed_from(self, text: str | None) -> str:
        """`text`, folded, with every phrase of the list blanked out."""
        regex: re.Pattern[str] = self._regex  # type: ignore[attr-defined]
        return " ".join(regex.sub(" ", fold(text or "")).split())


def _load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: must be a YAML mapping")
    return loaded


def _phrases(data: Mapping[str, Any], key: str) -> Phrases:
    values = data.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{SUPPORT_FILE.name}: `{key}` must be a list of phrases")
    return Phrases(tuple(values))


@lru_cache(maxsize=1)
def support_data() -> dict[str, Any]:
    """data/support.yml as read (texts and word lists)."""
    return _load(SUPPORT_FILE)


@lru_cache(maxsize=1)
def crisis_phrases() -> Phrases:
    return _phrases(support_data(), "crisis_phrases")


@lru_cache(maxsize=1)
def distress_phrases() -> Phrases:
    return _phrases(support_data(), "distress_phrases")


@lru_cache(maxsize=1)
def worry_words() -> Phrases:
    return _phrases(support_data(), "worry_words")


def crisis_in(*texts: str | None) -> bool:
    """Words of suicide or self-harm in any of `texts`."""
    return crisis_phrases().in_text(*texts)


def distress_in(*texts: str | None) -> bool:
    """Words of a citizen in distress in any of `texts`."""
    return distress_phrases().in_text(*texts)


def worry_in(*texts: str | None) -> bool:
    """Worry about the meeting (or distress) in any of `texts`: offer the guide after the answer."""
    return worry_words().in_text(*texts) or distress_in(*texts)


def support_texts(section: str, language: str = DANISH) -> Mapping[str, str]:
    """One text section of data/support.yml in `language`, e.g. "clarification" or "distress"."""
    value = support_data().get(section)
    if not isinstance(value, Mapping) or is_pair(value):
        raise KeyError(f"{SUPPORT_FILE.name}: no section `{section}`")
    return resolve(value, language)


def support_text(key: str, language: str = DANISH) -> str:
    """One top-level text of data/support.yml in `language`, e.g. "review_notice"."""
    value = pick(support_data().get(key), language)
    if not isinstance(value, str):
        raise KeyError(f"{SUPPORT_FILE.name}: no text `{key}`")
    return value.strip()


def all_texts() -> Iterable[str]:
    """Every citizen-facing text in data/support.yml, both languages (tests: placeholders, length)."""
    for _, value in texts_of(support_data()):
        yield value
