"""Which language a message is written in: Danish, English, another language, or can't tell.

`detect(text)` reads the word lists of data/languages.yml (see its header for the rule) and gives
a `Detection`: `language` ("da", "en", another code such as "ar", or None when it cannot tell,
e.g. "ok" or "1"), and `switch` ("da"/"en") when the message asks to change language ("in
English", "på dansk", the SMS words ENGLISH / DANSK). `other_crisis(text)` finds crisis words in
the other languages' lists, and `other_texts(code)` gives that language's fixed replies.

It is cheap (about 0.1 ms for a chat message, about 2 ms at the length limit: only the first
MAX_CHARS characters and MAX_WORDS words are read) and deterministic, so the NLU pipeline, the
channels (a message refused before the NLU is answered in its own language) and the SMS
formatting use the same function.

Must not: translate, call anything outside the process, or keep the message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import yaml

from core.bilingual import DANISH, ENGLISH

LANGUAGES_FILE = Path(__file__).resolve().parents[2] / "data" / "languages.yml"
MAX_WORDS = 200
MAX_CHARS = 4000
# The script is read from the first words and letters only: enough to tell, and bounded.
MAX_SCRIPT_WORDS = 40
MAX_SCRIPT_LETTERS = 40
LATIN_END = 0x250  # Basic Latin to Latin Extended-B (æøå, Turkish, Polish, Romanian letters)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_SCRIPTS = {
    "arabic": ("ARABIC",),
    "cyrillic": ("CYRILLIC",),
    "ethiopic": ("ETHIOPIC",),
    "greek": ("GREEK",),
    "hebrew": ("HEBREW",),
    "devanagari": ("DEVANAGARI",),
    "cjk": ("CJK", "HIRAGANA", "KATAKANA", "HANGUL"),
    "thai": ("THAI",),
}


@dataclass(frozen=True)
class Detection:
    """What `detect` found. `language` None: can't tell (the conversation keeps its language)."""

    language: str | None = None
    switch: str | None = None

    @property
    def is_other(self) -> bool:
        return self.language not in (None, DANISH, ENGLISH)

    def as_dict(self) -> dict[str, str | None]:
        return {"language": self.language, "switch": self.switch}


class _Words:
    """A word list: exact words and prefixes (a trailing *)."""

    def __init__(self, words: Any) -> None:
        items = [str(w).strip().lower() for w in (words or []) if str(w).strip()]
        self.exact = frozenset(w for w in items if not w.endswith("*"))
        self.prefixes = tuple(w[:-1] for w in items if w.endswith("*"))

    def __contains__(self, word: str) -> bool:
        return word in self.exact or (bool(self.prefixes) and word.startswith(self.prefixes))


@dataclass(frozen=True)
class _Other:
    code: str
    script: str
    words: _Words
    letters: frozenset[str]
    crisis: tuple[str, ...]
    texts: Mapping[str, str]


@dataclass(frozen=True)
class _Lists:
    english: _Words
    danish: _Words
    neutral: _Words
    switch_words: Mapping[str, frozenset[str]]
    switch_phrases: Mapping[str, tuple[str, ...]]
    switch_max_words: int
    others: tuple[_Other, ...]
    fallback: Mapping[str, str]


def _plain(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces (for the switch words and phrases)."""
    kept = "".join(ch if ch.isalnum() or ch.isspace() or ch in "'’" else " " for ch in text.lower())
    return " ".join(kept.split())


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    data = yaml.safe_load(LANGUAGES_FILE.read_text(encoding="utf-8")) or {}
    others = []
    for code, spec in (data.get("other") or {}).items():
        others.append(
            _Other(
                code=str(code),
                script=str(spec.get("script", "latin")),
                words=_Words(spec.get("words")),
                letters=frozenset(str(x).lower() for x in spec.get("letters") or []),
                crisis=tuple(_plain(str(p)) for p in spec.get("crisis_phrases") or []),
                texts={
                    "reply": str(spec["reply"]).strip(),
                    "crisis_reply": str(spec["crisis_reply"]).strip(),
                },
            )
        )
    return _Lists(
        english=_Words(data.get("english")),
        danish=_Words(data.get("danish")),
        neutral=_Words(data.get("neutral")),
        switch_words={
            k: frozenset(_plain(str(w)) for w in v) for k, v in (data.get("switch_words") or {}).items()
        },
        switch_phrases={
            k: tuple(_plain(str(w)) for w in v) for k, v in (data.get("switch_phrases") or {}).items()
        },
        switch_max_words=int(data.get("switch_max_words", 8)),
        others=tuple(others),
        fallback={k: str(v).strip() for k, v in (data.get("fallback") or {}).items()},
    )


def _script_of(char: str) -> str | None:
    try:
        name = unicodedata.name(char)
    except ValueError:
        return None
    for script, prefixes in _SCRIPTS.items():
        if name.startswith(prefixes):
            return script
    return "latin" if "LATIN" in name else None


def _switch(plain: str, words: list[str], lists: _Lists) -> str | None:
    for language in (ENGLISH, DANISH):
        if plain in lists.switch_words.get(language, ()):
            return language
    if 0 < len(words) <= lists.switch_max_words:
        padded = f" {plain} "
        for language in (ENGLISH, DANISH):
            if any(f" {phrase} " in padded for phrase in lists.switch_phrases.get(language, ())):
                return language
    return None


def _other_language(
    words: list[str], scripts: dict[str, int], lists: _Lists, english: int, danish: int
) -> str | None:
    letters = sum(scripts.values())
    seen = {char for word in words for char in word}  # each letter once, for the `letters` hints
    non_latin = {s: n for s, n in scripts.items() if s != "latin"}
    main_script = max(non_latin, key=non_latin.get) if non_latin else None
    if main_script and non_latin[main_script] * 2 >= letters:
        candidates = [o for o in lists.others if o.script == main_script]
        scored = sorted(
            ((sum(w in o.words for w in words) + len(o.letters & seen), o.code) for o in candidates),
            reverse=True,
        )
        if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            return scored[0][1]
        return "other"  # a script we do not answer in, but cannot tell which language
    best: tuple[int, str] | None = None
    for other in lists.others:
        if other.script != "latin":
            continue
        hits = sum(w in other.words for w in words)
        special = bool(other.letters & seen)
        if (hits >= 2 or (hits >= 1 and special)) and hits > english and hits > danish:
            if best is None or hits > best[0]:
                best = (hits, other.code)
    return best[1] if best else None


def detect(text: str | None) -> Detection:
    """The language of `text` (see the module docstring). Button payloads ("/intent") are None."""
    if not text or text.lstrip().startswith("/"):
        return Detection()
    lists = _lists()
    words = [w.lower() for w in _WORD.findall(text[:MAX_CHARS])][:MAX_WORDS]
    if not words:
        return Detection()
    switch = _switch(_plain(text), words, lists)
    if switch:
        return Detection(language=switch, switch=switch)
    scripts: dict[str, int] = {}
    for word in words[:MAX_SCRIPT_WORDS]:
        if word.isascii():  # the common case, without a Unicode name lookup per letter
            scripts["latin"] = scripts.get("latin", 0) + len(word)
            continue
        for char in word[:MAX_SCRIPT_LETTERS]:
            script = "latin" if ord(char) < LATIN_END else _script_of(char)
            if script:
                scripts[script] = scripts.get(script, 0) + 1
    counted = [w for w in words if w not in lists.neutral]
    english = sum(w in lists.english for w in counted)
    danish = sum(w in lists.danish for w in counted)
    other = _other_language(counted, scripts, lists, english, danish)
    if other:
        return Detection(language=other)
    if english > danish and (english >= 2 or danish == 0):
        return Detection(language=ENGLISH)
    if danish >= 1 and danish >= english:
        return Detection(language=DANISH)
    return Detection()


def other_crisis(text: str | None) -> str | None:
    """The code of the other language whose crisis words `text` contains (None: none)."""
    if not text:
        return None
    padded = f" {_plain(text)} "
    for other in _lists().others:
        for phrase in other.crisis:
            if phrase.endswith("*"):
                if re.search(r"(?:^|\s)" + re.escape(phrase[:-1]), padded):
                    return other.code
            elif f" {phrase} " in padded:
                return other.code
    return None


def other_texts(code: str | None) -> Mapping[str, str]:
    """The fixed `reply` and `crisis_reply` of another language (the fallback's when unknown)."""
    for other in _lists().others:
        if other.code == code:
            return other.texts
    return _lists().fallback


def other_languages() -> tuple[str, ...]:
    """The codes of the languages with a fixed reply."""
    return tuple(o.code for o in _lists().others)
