"""Danish wording for the citizen's own case: dates, times, lists and plain words.

Owns how a date or a meeting time is written to a citizen (Babel, locale "da", always in
Europe/Copenhagen local time, e.g. "tirsdag den 8. december kl. 10.00"), how lists are joined
("a, b og c"), and the plain-Danish meaning of every case kind, case status, meeting kind and
meeting role (one short line each).

Must not: query the database, know who is asking, or decide what to answer (that is
`actions.cases`). Phone numbers are written by `core.phone.for_citizen`, time zones are
`core.clock`'s. No hand-written month or weekday names: Babel's CLDR data has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.lists import format_list as babel_format_list

from core.clock import LOCAL_TZ, local_time
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

LOCALE = "da_DK"

# CLDR patterns; text in single quotes is literal.
_DATE_PATTERN = "d. MMMM y"
_MEETING_PATTERN = "EEEE 'den' d. MMMM 'kl.' H.mm"
_MEETING_PATTERN_WITH_YEAR = "EEEE 'den' d. MMMM y 'kl.' H.mm"


# --- Dates, times, lists -----------------------------------------------------------
def format_date(day: date) -> str:
    """A date in Danish: "28. februar 2028"."""
    return babel_format_date(day, _DATE_PATTERN, locale=LOCALE)


def format_meeting_time(starts_at: datetime, now: datetime | None = None) -> str:
    """Weekday, date and time in Copenhagen: "tirsdag den 8. december kl. 10.00".

    The year is added ("tirsdag den 13. april 2027 kl. 13.00") when `now` is given and the
    meeting is in another calendar year than `now` (both read in Copenhagen time).
    """
    local = local_time(starts_at)
    with_year = now is not None and local.year != local_time(now).year
    pattern = _MEETING_PATTERN_WITH_YEAR if with_year else _MEETING_PATTERN
    return babel_format_datetime(local, pattern, tzinfo=LOCAL_TZ, locale=LOCALE)


def format_list(items: Iterable[str]) -> str:
    """Join words the Danish way: "a", "a og b", "a, b og c"."""
    values = [item for item in items if item]
    if not values:
        return ""
    return babel_format_list(values, locale=LOCALE)


def capitalise(text: str) -> str:
    """First letter upper case, the rest untouched ("mødeleder fra ..." -> "Mødeleder fra ...")."""
    return text[:1].upper() + text[1:]


# --- Case kinds and statuses ------------------------------------------------------------------
CASE_KIND_WORDS: dict[str, str] = {
    CASE_KIND_RESSOURCEFORLOEB: "ressourceforløb",
    CASE_KIND_JOBAFKLARINGSFORLOEB: "jobafklaringsforløb",
}


def case_kind_word(kind: str) -> str:
    """The case kind as a noun ("ressourceforløb"); "forløb" for a kind we do not know."""
    return CASE_KIND_WORDS.get(kind, "forløb")


@dataclass(frozen=True)
class StatusWords:
    """How a case status reads: "Dit ressourceforløb {state}. {meaning}" and the next step."""

    state: str
    meaning: str
    next_step: str


STATUS_WORDS: dict[str, StatusWords] = {
    STATUS_VISITERET: StatusWords(
        state="er bevilget, men er ikke gået i gang endnu",
        meaning="Det betyder, at kommunen har sagt ja til forløbet.",
        next_step="Din sagsbehandler kontakter dig om, hvornår det starter, og hvad du skal.",
    ),
    STATUS_IGANGVAERENDE: StatusWords(
        state="er i gang",
        meaning="Det betyder, at du er i forløbet nu og arbejder med din plan sammen med din sagsbehandler.",
        next_step="Du og din sagsbehandler følger op på din plan undervejs.",
    ),
    STATUS_AFVENTER_AFGOERELSE: StatusWords(
        state="venter på en afgørelse",
        meaning="Kommunen har endnu ikke besluttet, hvad der skal ske i din sag.",
        next_step="Du får afgørelsen skriftligt, fx i Digital Post.",
    ),
    STATUS_AFSLUTTET: StatusWords(
        state="er afsluttet",
        meaning="Du er ikke i forløbet længere.",
        next_step="Har du spørgsmål om, hvad der skal ske nu, så kontakt jobcentret.",
    ),
}


# A ressourceforløb is no longer granted from 1 February 2026; one already granted or started
# continues under the old rules (FACTS-review-2026-11.md 1b, 1c). What its status means says so.
RESSOURCEFORLOEB_STATUS_WORDS: dict[str, StatusWords] = {
    STATUS_VISITERET: StatusWords(
        state="er bevilget, men er ikke gået i gang endnu",
        meaning="Det betyder, at kommunen har sagt ja til forløbet. Et bevilget forløb kan gennemføres, "
        "selv om der ikke gives nye ressourceforløb fra 1. februar 2026.",
        next_step="Din sagsbehandler kontakter dig om, hvornår det starter, og hvad du skal.",
    ),
    STATUS_IGANGVAERENDE: StatusWords(
        state="er i gang",
        meaning="Du arbejder med din plan sammen med din sagsbehandler. Forløbet kan gøres færdigt, "
        "selv om der ikke gives nye ressourceforløb.",
        next_step="I følger op på din plan undervejs.",
    ),
    STATUS_AFVENTER_AFGOERELSE: StatusWords(
        state="venter på en afgørelse",
        meaning="Kommunen har endnu ikke besluttet, hvad der skal ske i din sag. Der gives ikke nye "
        "ressourceforløb fra 1. februar 2026, så spørg din sagsbehandler, hvad afgørelsen handler om.",
        next_step="Du får afgørelsen skriftligt, fx i Digital Post.",
    ),
}


def status_words(status: str, kind: str | None = None) -> StatusWords:
    """Plain words for a case status (of a case of `kind`); a neutral fallback for a status we
    do not know."""
    if kind == CASE_KIND_RESSOURCEFORLOEB and status in RESSOURCEFORLOEB_STATUS_WORDS:
        return RESSOURCEFORLOEB_STATUS_WORDS[status]
    return STATUS_WORDS.get(
        status,
        StatusWords(
            state=f"har status: {status}",
            meaning="",
            next_step="Spørg din sagsbehandler, hvis du vil vide, hvad det betyder for dig.",
        ),
    )


# --- Meeting kinds and roles ------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingKindWords:
    """A meeting kind as a noun ("møde med rehabiliteringsteamet"), its article and meaning."""

    noun: str
    article: str
    meaning: str

    @property
    def with_article(self) -> str:
        return f"{self.article} {self.noun}"


MEETING_KIND_WORDS: dict[str, MeetingKindWords] = {
    MEETING_KIND_REHABILITERINGSTEAM: MeetingKindWords(
        noun="møde med rehabiliteringsteamet",
        article="et",
        meaning="Her taler du med fagfolk fra kommunen og regionen om din situation og om, "
        "hvad der kan hjælpe dig videre.",
    ),
    MEETING_KIND_TVAERFAGLIGT: MeetingKindWords(
        noun="tværfagligt møde",
        article="et",
        meaning="Her ser fagfolk fra flere områder sammen med dig på, hvilken hjælp du har brug for.",
    ),
    MEETING_KIND_OPFOELGNING: MeetingKindWords(
        noun="opfølgningssamtale",
        article="en",
        meaning="Her taler du og din sagsbehandler om, hvordan det går, og hvad der skal ske nu.",
    ),
}


def meeting_kind_words(kind: str) -> MeetingKindWords:
    """Plain words for a meeting kind; "et møde" for a kind we do not know."""
    return MEETING_KIND_WORDS.get(kind, MeetingKindWords(noun="møde", article="et", meaning=""))


# Checked in this order against the participant text (lower case): the more specific role
# first ("koordinerende sagsbehandler" before "sagsbehandler", "sundhedskoordinator" before
# "sundhed").
ROLE_EXPLANATIONS: tuple[tuple[str, str], ...] = (
    ("koordinerende sagsbehandler", "din faste kontakt i kommunen, som samler din sag."),
    ("mødeleder", "leder mødet og sørger for, at alle kommer til orde."),
    ("sundhedskoordinator", "fagperson fra regionen, som rådgiver om dit helbred og din behandling."),
    ("sagsbehandler", "din kontakt i kommunen, som kender din sag."),
    ("sundhedsområde", "kender kommunens tilbud om sundhed, fx træning og genoptræning."),
    ("socialområde", "kender kommunens sociale tilbud, fx støtte i hverdagen."),
    ("fysioterapeut", "ser på din krop og på, hvilken træning der kan hjælpe dig."),
    ("ergoterapeut", "ser på, hvordan du klarer hverdagen og arbejdet."),
    ("psykolog", "ser på, hvordan du har det psykisk."),
    ("læge", "ser på dit helbred."),
    ("beskæftigelse", "kender til job, praktik og arbejdsmarkedet."),
    ("jobkonsulent", "kender til job, praktik og arbejdsmarkedet."),
    ("virksomhedskonsulent", "kender til job, praktik og arbejdsmarkedet."),
    ("uddannelse", "kender til uddannelse og vejledning."),
    ("bisidder", "en person, du selv har valgt, som støtter dig."),
)


def role_explanation(participant: str) -> str | None:
    """One short line saying what this participant does, or None for a role we do not know."""
    text = participant.casefold()
    for keyword, explanation in ROLE_EXPLANATIONS:
        if keyword in text:
            return explanation
    return None
