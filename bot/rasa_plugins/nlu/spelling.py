"""Danish spelling normalisation for phone and SMS text, independent of Rasa.

Citizens write "ressourceforlob", "moedet", "hvornaar", "sagsbeh." or "rehab". This module turns
such tokens back into the Danish words the rest of the pipeline (spaCy lemmas, word features)
knows, in three steps per token:

1. abbreviations and spoken or regional forms from a small, reviewed table (`ABBREVIATIONS`:
   "sagsbeh", "rf", jysk "a" for "jeg" and "æ" for the article, "te" for "til");
2. restoring æ/ø/å: every word is reduced to an ASCII *fold key* ("forløb", "forloeb" and
   "forlob" all become "forlob"); a token without æøå that is not a known word is replaced by the
   one domain word (from the training data) or, failing that, the one general Danish word (from
   spacy-lookups-data's lemma table) with the same key. A token that is itself a known word is
   kept, unless the domain has a word with the same key and the token never occurs in the domain
   ("mode" -> "møde", because "mode" is never used in this domain but "møde" is);
3. one-edit typo correction against the domain vocabulary for longer unknown tokens
   ("ressoureforløb" -> "ressourceforløb"), using a deletion index (SymSpell idea) so a lookup
   costs a handful of dict probes. A token more than one letter longer than the longest domain
   word cannot be one edit away from it and is not searched: the search makes len(token) copies
   of the token, so without this bound one 2 MB "word" cost minutes.

It never guesses between two candidates: an ambiguous token is left as written, and so is an
English word that no Danish lexicon knows ("do" is not "dø", "contact" is not corrected): citizens
mix English into their messages, and "correcting" it into Danish words made "how do I contact
her?" read as words of crisis. Only the domain's own words are restored from an English-looking
spelling ("mode" -> "møde"). The module owns no Rasa state; `bot.rasa_plugins.nlu.components` wraps it as a
pipeline component.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

from bot.rasa_plugins.language import detect
from core.bilingual import DANISH

DANISH_LETTERS = "æøå"
TOKEN_PATTERN = re.compile(r"[a-zæøåéü0-9]+(?:[-'][a-zæøåéü0-9]+)*|[^\sa-zæøåéü0-9]", re.IGNORECASE)

# Abbreviations and shorthand seen in citizens' messages. Keys are lower-case tokens without the
# trailing dot; values may be several words.
ABBREVIATIONS: Dict[str, str] = {
    "rehab": "rehabiliteringsteam",
    "rehabteam": "rehabiliteringsteam",
    "rehabteamet": "rehabiliteringsteamet",
    "rehabmøde": "rehabiliteringsmøde",
    "rehabmødet": "rehabiliteringsmødet",
    "rt": "rehabiliteringsteam",
    "sagsbeh": "sagsbehandler",
    "sagsbh": "sagsbehandler",
    "sagsb": "sagsbehandler",
    "sbh": "sagsbehandler",
    "rf": "ressourceforløb",
    "rfl": "ressourceforløb",
    "rfy": "ressourceforløbsydelse",
    "jc": "jobcenter",
    "jobc": "jobcenter",
    "fp": "førtidspension",
    "ftp": "førtidspension",
    "sdp": "sygedagpenge",
    "kth": "kontanthjælp",
    "kontanthj": "kontanthjælp",
    "tlf": "telefon",
    "hva": "hvad",
    "hvaa": "hvad",
    "ik": "ikke",
    "ikk": "ikke",
    "ka": "kan",
    "sku": "skulle",
    "bli": "blive",
    "ha": "have",
    "mm": "med mere",
    # spoken and regional forms (jysk "a ka' ik", "æ møde"; "mæ", "te"), written as said
    "a": "jeg",
    "æ": "det",
    "mæ": "med",
    "mig'": "mig",
    "te": "til",
    "ska": "skal",
    "sku'": "skulle",
    "ta": "tage",
    "sæ": "sige",
    "få'": "få",
    "no'et": "noget",
    "noget'": "noget",
    "nåt": "noget",
    "å": "at",
    "lev": "leve",
    "vent": "vente",
    "læng": "længe",
    "kms": "kill myself",
    "evt": "eventuelt",
    "ang": "angående",
    "vedr": "vedrørende",
}


def fold_key(word: str) -> str:
    """The ASCII key shared by a word and its common æøå-less spellings."""
    w = unicodedata.normalize("NFC", word.lower())
    w = w.replace("aa", "a").replace("ae", "a").replace("oe", "o")
    return w.replace("æ", "a").replace("ø", "o").replace("å", "a").replace("é", "e")


def _deletes(word: str) -> Set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def tokenize(text: str) -> List[str]:
    """Split into word tokens and single punctuation characters."""
    return TOKEN_PATTERN.findall(text)


@lru_cache(maxsize=1)
def general_lexicon() -> frozenset:
    """All Danish word forms in spacy-lookups-data's lemma table (forms and lemmas)."""
    import spacy_lookups_data  # noqa: PLC0415 - heavy import, only when a lexicon is needed
    import srsly  # noqa: PLC0415

    path = Path(spacy_lookups_data.__file__).parent / "data" / "da_lemma_lookup.json.gz"
    table = srsly.read_gzip_json(path)
    return frozenset(table) | frozenset(table.values())


@lru_cache(maxsize=1)
def english_lexicon() -> frozenset:
    """English word forms (spacy-lookups-data's English lemma table, forms and lemmas)."""
    import spacy_lookups_data  # noqa: PLC0415 - heavy import, only when a lexicon is needed
    import srsly  # noqa: PLC0415

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    table = srsly.read_gzip_json(path)
    return frozenset(table) | frozenset(table.values())


class DanishSpelling:
    """Normalises citizens' Danish text against a domain vocabulary and a general lexicon."""

    MIN_TYPO_LENGTH = 6

    def __init__(
        self,
        domain_words: Iterable[str],
        general_words: Iterable[str] | None = None,
        english_words: Iterable[str] | None = None,
    ) -> None:
        self.domain: Set[str] = {w.lower() for w in domain_words if w and w[0].isalpha()}
        general = general_lexicon() if general_words is None else frozenset(w.lower() for w in general_words)
        self.english = (
            english_lexicon() if english_words is None else frozenset(w.lower() for w in english_words)
        )
        self.known: Set[str] = set(general) | self.domain
        self._domain_by_key = self._index(self.domain)
        self._general_by_key = self._index(w for w in general if any(c in w for c in DANISH_LETTERS))
        self._domain_deletes: Dict[str, Set[str]] = defaultdict(set)
        # One deletion from the token must meet a domain form or one of its deletions.
        self.max_typo_length = max((len(w) for w in self.domain), default=0) + 1
        for word in self.domain:
            if len(word) >= self.MIN_TYPO_LENGTH:
                for form in {word, fold_key(word)}:
                    self._domain_deletes[form].add(word)
                    for deleted in _deletes(form):
                        self._domain_deletes[deleted].add(word)

    @staticmethod
    def _index(words: Iterable[str]) -> Dict[str, Set[str]]:
        index: Dict[str, Set[str]] = defaultdict(set)
        for word in words:
            index[fold_key(word)].add(word)
        return index

    @staticmethod
    def _unique(candidates: Set[str] | None) -> str | None:
        if candidates and len(candidates) == 1:
            return next(iter(candidates))
        return None

    def normalise_token(self, token: str) -> str:
        """Return the normalised form of one lower-case token."""
        if not token[0].isalpha():
            return token
        stripped = token.rstrip(".")
        if stripped in ABBREVIATIONS:
            return ABBREVIATIONS[stripped]
        if stripped in self.domain:
            return stripped
        key = fold_key(stripped)
        has_danish_letters = any(c in stripped for c in DANISH_LETTERS)
        if not has_danish_letters:
            domain_match = self._unique(self._domain_by_key.get(key))
            if domain_match and domain_match != stripped:
                return domain_match
        if stripped in self.known or stripped in self.english:
            return stripped
        if not has_danish_letters:
            general_match = self._unique(self._general_by_key.get(key))
            if general_match:
                return general_match
        return self._correct_typo(stripped, key)

    def _correct_typo(self, token: str, key: str) -> str:
        if len(token) < self.MIN_TYPO_LENGTH:
            return token
        candidates: Set[str] = set()
        for form in {token, key}:
            if len(form) > self.max_typo_length:  # cannot be one edit from a domain word
                continue
            candidates |= self._domain_deletes.get(form, set())
            for deleted in _deletes(form):
                candidates |= self._domain_deletes.get(deleted, set())
        return self._unique(candidates) or token

    def normalise(self, text: str) -> str:
        """Normalise a whole message: lower-case, tokens normalised, punctuation kept."""
        return self.normalise_and_count_unknown(text)[0]

    def normalise_and_count_unknown(self, text: str, danish: bool | None = None) -> Tuple[str, int, int]:
        """The normalised text, its number of words, and how many of them no lexicon (Danish or
        English: English is no gibberish) knows. `danish`: whether the text may be Danish (None:
        read it here); English or another language is never "corrected" into Danish ("more" is
        not "mere")."""
        written = tokenize(unicodedata.normalize("NFC", text.lower()))
        if danish is None:
            danish = detect(text).language in (None, DANISH)
        tokens = [self.normalise_token(t) for t in written] if danish else written
        words = [t for t in tokens if t[0].isalpha()]
        unknown = sum(
            1 for w in words if not all(part in self.known or part in self.english for part in w.split())
        )
        return " ".join(tokens), len(words), unknown


def _words(text: str) -> List[str]:
    return [t for t in tokenize(unicodedata.normalize("NFC", text.lower())) if t[0].isalpha()]


def domain_vocabulary(
    reference_texts: Iterable[str], example_texts: Iterable[str], general_words: Iterable[str] | None = None
) -> Set[str]:
    """The domain's correctly spelled word forms.

    `reference_texts` are texts known to be spelled correctly (the assistant's own answers):
    all their words count. `example_texts` are citizens' training examples, which contain
    misspellings and æøå-less forms on purpose: only their words that the general lexicon knows
    count, and not an æøå-less word whose fold key belongs to a different reference word ("mode"
    written for "møde").
    """
    general = general_lexicon() if general_words is None else frozenset(w.lower() for w in general_words)
    reference: Set[str] = set()
    for text in reference_texts:
        reference.update(_words(text))
    reference_keys: Dict[str, Set[str]] = defaultdict(set)
    for word in reference:
        reference_keys[fold_key(word)].add(word)
    vocabulary = set(reference)
    for text in example_texts:
        for word in _words(text):
            if word in vocabulary or word not in general:
                continue
            same_key = reference_keys.get(fold_key(word), set())
            if not any(c in word for c in DANISH_LETTERS) and same_key - {word}:
                continue
            vocabulary.add(word)
    return vocabulary
