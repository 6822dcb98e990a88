"""What the assistant means by a case kind, a case status and a meeting kind, and the words for them.

The assistant knows a small, fixed set of meanings (below), and accepts each meaning's own word.
A municipality's case system uses its own words ("afventer rehabiliteringsteam", "genbevilget",
"rehab-møde"); `WordMap` turns such a word into a meaning. The municipality settings
(`core.municipality`, section `import_words`) add their words, so a new status word is
configuration, not a code change. Words are compared after Unicode composition, case folding and
collapsing spaces: "IGANGVÆRENDE " is "igangværende", but "igangvaerende" is not (no guessing).

Must not: know how meanings are worded to citizens (that is `actions.wording`) or read files.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

# --- Meanings ----------------------------------------------------------------------------------
CASE_KIND_RESSOURCEFORLOEB = "ressourceforløb"
CASE_KIND_JOBAFKLARINGSFORLOEB = "jobafklaringsforløb"
CASE_KINDS: tuple[str, ...] = (CASE_KIND_RESSOURCEFORLOEB, CASE_KIND_JOBAFKLARINGSFORLOEB)

STATUS_VISITERET = "visiteret"  # granted, not started yet
STATUS_IGANGVAERENDE = "igangværende"  # ongoing
STATUS_AFSLUTTET = "afsluttet"  # closed
STATUS_AFVENTER_AFGOERELSE = "afventer afgørelse"  # pending decision
CASE_STATUSES: tuple[str, ...] = (
    STATUS_VISITERET,
    STATUS_IGANGVAERENDE,
    STATUS_AFSLUTTET,
    STATUS_AFVENTER_AFGOERELSE,
)
OPEN_STATUSES: frozenset[str] = frozenset(CASE_STATUSES) - {STATUS_AFSLUTTET}

MEETING_KIND_REHABILITERINGSTEAM = "rehabiliteringsteam"
MEETING_KIND_TVAERFAGLIGT = "tværfagligt møde"
MEETING_KIND_OPFOELGNING = "opfølgningssamtale"
MEETING_KINDS: tuple[str, ...] = (
    MEETING_KIND_REHABILITERINGSTEAM,
    MEETING_KIND_TVAERFAGLIGT,
    MEETING_KIND_OPFOELGNING,
)
# Meetings with a team of professionals: the ones the preparation guide is about.
TEAM_MEETING_KINDS: frozenset[str] = frozenset({MEETING_KIND_REHABILITERINGSTEAM, MEETING_KIND_TVAERFAGLIGT})

# The three kinds of word an import file carries, and the meanings each may map to.
CASE_KIND_FIELD = "case_kinds"
CASE_STATUS_FIELD = "case_statuses"
MEETING_KIND_FIELD = "meeting_kinds"
MEANINGS: dict[str, tuple[str, ...]] = {
    CASE_KIND_FIELD: CASE_KINDS,
    CASE_STATUS_FIELD: CASE_STATUSES,
    MEETING_KIND_FIELD: MEETING_KINDS,
}


def normalise_word(word: str) -> str:
    """The comparison form of a word: Unicode-composed, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFC", word).casefold().split())


@dataclass(frozen=True)
class WordMap:
    """Words -> meanings for one field (e.g. case statuses)."""

    field: str
    words: Mapping[str, str]  # normalised word -> meaning

    @classmethod
    def build(cls, field: str, extra: Mapping[str, str] | None = None) -> WordMap:
        """The meanings themselves (always accepted), then `extra` (the municipality's words).

        No other word is assumed: a word like "bevilget" means different things in different
        case systems, so only the municipality can say what it means.
        """
        meanings = MEANINGS[field]
        words: dict[str, str] = {normalise_word(m): m for m in meanings}
        for word, meaning in (extra or {}).items():
            if meaning not in meanings:
                raise ValueError(f"{word!r}: ukendt betydning {meaning!r}; tilladt: {', '.join(meanings)}")
            words[normalise_word(word)] = meaning
        return cls(field, words)

    def meaning(self, word: str) -> str | None:
        """The meaning of `word`, or None for a word nobody configured."""
        return self.words.get(normalise_word(word))

    def accepted(self) -> list[str]:
        """Every accepted word, sorted (for error messages and docs)."""
        return sorted(self.words)


def word_maps(extra: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, WordMap]:
    """One WordMap per field, with the municipality's `extra` words added."""
    extra = extra or {}
    return {field: WordMap.build(field, extra.get(field)) for field in MEANINGS}
