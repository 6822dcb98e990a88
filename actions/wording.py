"""How the citizen's own case is worded, in the conversation's language: dates, times, lists, plain words.

Owns how a date or a meeting time is written to a citizen (Babel, always in Europe/Copenhagen
local time: Danish "tirsdag den 8. december kl. 10.00", English (en_GB) "Tuesday 8 December at
10:00"), how lists are joined ("a, b og c" / "a, b and c"), and the plain meaning of every case
kind, case status, meeting kind and meeting role (one short line each), read from the section
`case_words` of data/texts/actions.yml. An English answer keeps the Danish term in brackets the
first time it names a case kind or meeting kind ("resource programme (ressourceforløb)"), and
leaves it out after that (`again`). Every function takes `language` ("da", the default, or
"en"; anything else is Danish, `core.bilingual.normalise`).

Must not: query the database, know who is asking, or decide what to answer (that is
`actions.cases`). Phone numbers are written by `core.phone.for_citizen`, time zones are
`core.clock`'s. No hand-written month or weekday names: Babel's CLDR data has them. No texts
in Python: they are in data/texts/actions.yml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.lists import format_list as babel_format_list

from core.bilingual import DANISH, ENGLISH, normalise
from core.clock import LOCAL_TZ, local_time
from core.texts import section
from core.vocabulary import (
    CASE_KIND_JOBAFKLARINGSFORLOEB,
    CASE_KIND_RESSOURCEFORLOEB,
    MEETING_KIND_OPFOELGNING,
    MEETING_KIND_REHABILITERINGSTEAM,
    MEETING_KIND_TVAERFAGLIGT,
    STATUS_AFSLUTTET,
    STATUS_AFVENTER_AFGOERELSE,
    STATUS_IGANGVAERENDE,
    STATUS_VISITERET,
)

WORDS_SECTION = "case_words"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Style:
    """How one language writes dates, meeting times and lists (CLDR patterns: quoted text is literal)."""

    locale: str
    date: str
    meeting: str
    meeting_with_year: str


STYLES: dict[str, Style] = {
    DANISH: Style(
        locale="da_DK",
        date="d. MMMM y",
        meeting="EEEE 'den' d. MMMM 'kl.' H.mm",
        meeting_with_year="EEEE 'den' d. MMMM y 'kl.' H.mm",
    ),
    ENGLISH: Style(
        locale="en_GB",
        date="d MMMM y",
        meeting="EEEE d MMMM 'at' HH:mm",
        meeting_with_year="EEEE d MMMM y 'at' HH:mm",
    ),
}

# The import file's meanings (core.vocabulary) -> their keys in data/texts/actions.yml.
CASE_KIND_KEYS: dict[str, str] = {
    CASE_KIND_RESSOURCEFORLOEB: "ressourceforloeb",
    CASE_KIND_JOBAFKLARINGSFORLOEB: "jobafklaringsforloeb",
}
STATUS_KEYS: dict[str, str] = {
    STATUS_VISITERET: "visiteret",
    STATUS_IGANGVAERENDE: "igangvaerende",
    STATUS_AFVENTER_AFGOERELSE: "afventer_afgoerelse",
    STATUS_AFSLUTTET: "afsluttet",
}
MEETING_KIND_KEYS: dict[str, str] = {
    MEETING_KIND_REHABILITERINGSTEAM: "rehabiliteringsteam",
    MEETING_KIND_TVAERFAGLIGT: "tvaerfagligt",
    MEETING_KIND_OPFOELGNING: "opfoelgning",
}


def style(language: str) -> Style:
    return STYLES[normalise(language)]


# --- Dates, times, lists -----------------------------------------------------------
def format_date(day: date, language: str = DANISH) -> str:
    """A date: "28. februar 2028" / "28 February 2028"."""
    chosen = style(language)
    return babel_format_date(day, chosen.date, locale=chosen.locale)


def format_meeting_time(starts_at: datetime, now: datetime | None = None, language: str = DANISH) -> str:
    """Weekday, date and time in Copenhagen: "tirsdag den 8. december kl. 10.00" / "Tuesday 8
    December at 10:00".

    The year is added ("tirsdag den 13. april 2027 kl. 13.00") when `now` is given and the
    meeting is in another calendar year than `now` (both read in Copenhagen time).
    """
    local = local_time(starts_at)
    with_year = now is not None and local.year != local_time(now).year
    chosen = style(language)
    pattern = chosen.meeting_with_year if with_year else chosen.meeting
    return babel_format_datetime(local, pattern, tzinfo=LOCAL_TZ, locale=chosen.locale)


def format_list(items: Iterable[str], language: str = DANISH) -> str:
    """Join words: "a", "a og b", "a, b og c" / "a", "a and b", "a, b and c"."""
    values = [item for item in items if item]
    if not values:
        return ""
    return babel_format_list(values, locale=style(language).locale)


def capitalise(text: str) -> str:
    """First letter upper case, the rest untouched ("mødeleder fra ..." -> "Mødeleder fra ...")."""
    return text[:1].upper() + text[1:]


def _words(language: str) -> Mapping[str, Any]:
    return section(WORDS_SECTION, language)


# --- Case kinds and statuses ------------------------------------------------------------------
def case_kind_word(kind: str, language: str = DANISH, again: bool = False) -> str:
    """The case kind as a noun ("ressourceforløb" / "resource programme (ressourceforløb)");
    "forløb" / "programme" for a kind we do not know. `again`: the answer has already named it,
    so the English leaves out the Danish term in brackets."""
    entry = _words(language)["case_kinds"][CASE_KIND_KEYS.get(kind, UNKNOWN)]
    return str(entry["again" if again else "noun"]).strip()


@dataclass(frozen=True)
class StatusWords:
    """How a case status reads: "Dit ressourceforløb {state}. {meaning}" and the next step."""

    state: str
    meaning: str
    next_step: str


def _status(entry: Mapping[str, Any], status: str) -> StatusWords:
    return StatusWords(
        state=str(entry["state"]).strip().format(status=status),
        meaning=str(entry["meaning"]).strip(),
        next_step=str(entry["next_step"]).strip(),
    )


def status_words(status: str, kind: str | None = None, language: str = DANISH) -> StatusWords:
    """Plain words for a case status (of a case of `kind`); a neutral fallback for a status we
    do not know."""
    words = _words(language)
    key = STATUS_KEYS.get(status, UNKNOWN)
    if kind == CASE_KIND_RESSOURCEFORLOEB and key in words["ressourceforloeb_statuses"]:
        return _status(words["ressourceforloeb_statuses"][key], status)
    return _status(words["statuses"][key], status)


# --- Meeting kinds and roles ------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingKindWords:
    """A meeting kind as a noun ("møde med rehabiliteringsteamet"; `noun_again` once the answer
    has named it: in English without the Danish term in brackets), with its article ("et møde
    med rehabiliteringsteamet") and what happens at it (may be empty)."""

    noun: str
    noun_again: str
    with_article: str
    meaning: str


def meeting_kind_words(kind: str, language: str = DANISH) -> MeetingKindWords:
    """Plain words for a meeting kind; "et møde" / "a meeting" for a kind we do not know."""
    entry = _words(language)["meeting_kinds"][MEETING_KIND_KEYS.get(kind, UNKNOWN)]
    return MeetingKindWords(
        noun=str(entry["noun"]).strip(),
        noun_again=str(entry["noun_again"]).strip(),
        with_article=str(entry["with_article"]).strip(),
        meaning=str(entry["meaning"]).strip(),
    )


def role_explanation(participant: str, language: str = DANISH) -> str | None:
    """One short line saying what this participant does, or None for a role we do not know.

    The roles are recognised by Danish keywords in the participant text as imported, checked in
    the order of the data file (the more specific role first).
    """
    text = participant.casefold()
    for role in _words(language)["roles"]:
        if str(role["keyword"]).casefold() in text:
            return str(role["explanation"]).strip()
    return None
