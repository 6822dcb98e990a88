"""The municipality's own details: name, contact, login page, meeting practice and case words.

Owns loading and validating the settings file (`data/municipality.yml` by default, or the file
named by MUNICIPALITY_FILE) and `fill()`, the one way an answer template gets the municipality's
words. Every answer that names the municipality, its phone number, opening hours, addresses or
how it holds meetings reads them through `get_municipality()`; nothing of the kind is written into
responses. The section `import_words` maps the municipality's own case-status and kind words to
the assistant's meanings (`core.vocabulary`). Each server calls `get_municipality()` when it
starts, so a broken file stops it with the field's path: a typo is found by the IT team, not by a
citizen. Importing this module reads nothing.

Must not: hold secrets (this file is meant to be committed and shown to citizens).
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, Extra, ValidationError, conint, constr, validator

from core import phone
from core.bilingual import DANISH, ENGLISH, normalise
from core.settings import Settings, get_settings
from core.sms.sender import sender_problem
from core.vocabulary import MEANINGS, WordMap, word_maps

logger = logging.getLogger(__name__)

DEFAULT_FILE = Settings.municipality_file

# Upper bounds keep every answer that quotes these values within one SMS-sized message
# (actions.cases.MAX_REPLY_CHARS = 480; tests/integration/test_case_actions.py checks it with
# every value at its maximum length).
MAX_NAME_CHARS = 80
MAX_TEXT_CHARS = 120
MAX_URL_CHARS = 200

NonEmpty = constr(strip_whitespace=True, min_length=1)
Name = constr(strip_whitespace=True, min_length=1, max_length=MAX_NAME_CHARS)
ShortText = constr(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS)
Url = constr(strip_whitespace=True, min_length=1, max_length=MAX_URL_CHARS)


class MunicipalityFileError(ValueError):
    """The settings file is missing, not YAML, or has invalid values (message names the field)."""


class MeetingPractice(BaseModel, extra=Extra.forbid):
    """How the municipality holds the interdisciplinary meeting with the citizen."""

    holds_rehabiliteringsteam: bool
    meeting_name: Name  # type: ignore[valid-type]
    # The same in English, written to fit "for ___" and "at ___", e.g. "the meeting with the
    # rehabilitation team"
    meeting_name_en: Name  # type: ignore[valid-type]
    typical_length_minutes: conint(ge=5, le=240)  # type: ignore[valid-type]


class ConversationLog(BaseModel, extra=Extra.forbid):
    """What the privacy note tells citizens about the conversation log, and how long things are kept.

    `python -m bot purge` applies the three periods (docs/review.md): conversations after
    `retention_days`, shared preparation notes `shared_note_days_after_meeting` days after their
    meeting, and the review app's audit log after `audit_retention_days` (longer, so a citizen
    can still ask who read their conversation after it is gone).
    """

    retention_days: conint(ge=1, le=3650)  # type: ignore[valid-type]
    readers: NonEmpty  # type: ignore[valid-type]
    readers_en: NonEmpty  # type: ignore[valid-type]
    shared_note_days_after_meeting: conint(ge=0, le=3650) = 30  # type: ignore[valid-type]
    audit_retention_days: conint(ge=1, le=3650) = 730  # type: ignore[valid-type]

    @validator("audit_retention_days")
    def _audit_outlives_conversations(cls, value: int, values: dict[str, Any]) -> int:  # noqa: N805
        if value < values.get("retention_days", 0):
            raise ValueError("skal være mindst lige så lang som retention_days")
        return value


class SmsPractice(BaseModel, extra=Extra.forbid):
    """SMS: the sender citizens see and when meeting reminders go out (docs/sms.md).

    A reminder goes out `reminder_days_before` days before the meeting's date, and only between
    `reminder_from_hour` and `reminder_until_hour` (Copenhagen time); one due at night waits for
    the morning.
    """

    sender: constr(strip_whitespace=True, min_length=1, max_length=15) = "Jobcenter"  # type: ignore[valid-type]
    reminder_days_before: conint(ge=1, le=14) = 3  # type: ignore[valid-type]
    reminder_from_hour: conint(ge=0, le=23) = 9  # type: ignore[valid-type]
    reminder_until_hour: conint(ge=1, le=24) = 19  # type: ignore[valid-type]

    @validator("sender")
    def _sender(cls, value: str) -> str:  # noqa: N805 (pydantic validator)
        problem = sender_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @validator("reminder_until_hour")
    def _hours_in_order(cls, value: int, values: dict[str, Any]) -> int:  # noqa: N805
        start = values.get("reminder_from_hour")
        if start is not None and value <= start:
            raise ValueError("skal være senere end reminder_from_hour")
        return value


class ImportWords(BaseModel, extra=Extra.forbid):
    """The municipality's own words in its case export, each mapped to the assistant's meaning."""

    case_kinds: dict[NonEmpty, NonEmpty] = {}  # type: ignore[valid-type]
    case_statuses: dict[NonEmpty, NonEmpty] = {}  # type: ignore[valid-type]
    meeting_kinds: dict[NonEmpty, NonEmpty] = {}  # type: ignore[valid-type]

    @validator("case_kinds", "case_statuses", "meeting_kinds")
    def _known_meanings(cls, value: dict[str, str], field: Any) -> dict[str, str]:  # noqa: N805
        allowed = MEANINGS[field.name]
        wrong = [f"{word!r} -> {meaning!r}" for word, meaning in value.items() if meaning not in allowed]
        if wrong:
            raise ValueError(
                f"ukendt betydning ({'; '.join(wrong)}); tilladt: " + ", ".join(f'"{a}"' for a in allowed)
            )
        return value


class Municipality(BaseModel, extra=Extra.forbid):
    """The validated settings; attribute names are the YAML keys."""

    name: Name  # type: ignore[valid-type]
    jobcenter_name: Name  # type: ignore[valid-type]
    phone: Name  # type: ignore[valid-type]
    opening_hours: ShortText  # type: ignore[valid-type]
    opening_hours_en: ShortText  # type: ignore[valid-type]
    jobcenter_address: ShortText  # type: ignore[valid-type]
    contact_url: Url  # type: ignore[valid-type]
    website_url: Url  # type: ignore[valid-type]
    mitid_login_url: Url  # type: ignore[valid-type]
    accessibility_statement_url: Url  # type: ignore[valid-type]
    privacy_url: Url  # type: ignore[valid-type]
    meetings: MeetingPractice
    conversation_log: ConversationLog
    import_words: ImportWords = ImportWords()
    sms: SmsPractice = SmsPractice()

    @validator("phone")
    def _danish_phone(cls, value: str) -> str:  # noqa: N805 (pydantic validator)
        if phone.to_e164(value) is None:
            raise ValueError("er ikke et gyldigt telefonnummer")
        return value

    @validator("contact_url", "website_url", "mitid_login_url")
    def _absolute_https(cls, value: str) -> str:  # noqa: N805
        if not _is_https_url(value):
            raise ValueError("skal være en https://-adresse, fx https://www.eksempel-kommune.dk/side")
        return value

    @validator("accessibility_statement_url", "privacy_url")
    def _https_or_site_path(cls, value: str) -> str:  # noqa: N805
        is_site_path = value.startswith("/") and not value.startswith("//") and not _has_space(value)
        if not (_is_https_url(value) or is_site_path):
            raise ValueError("skal være en https://-adresse eller en sti på sitet, fx /privatliv")
        return value

    # --- derived values used by answers and the web page --------------------------------------
    @property
    def phone_uri(self) -> str:
        """`tel:` link target in E.164, e.g. "tel:+4570102030"."""
        return f"tel:{phone.to_e164(self.phone)}"

    @property
    def conversation_retention_days(self) -> int:
        return int(self.conversation_log.retention_days)

    @property
    def meeting_name(self) -> str:
        return str(self.meetings.meeting_name)

    @property
    def holds_rehabiliteringsteam(self) -> bool:
        return bool(self.meetings.holds_rehabiliteringsteam)

    @property
    def typical_meeting_minutes(self) -> int:
        return int(self.meetings.typical_length_minutes)

    def word_maps(self) -> dict[str, WordMap]:
        """The import file's words -> meanings, per field (defaults plus `import_words`)."""
        return word_maps(self.import_words.dict())

    def meeting_name_in(self, language: str) -> str:
        """What the municipality calls the meeting, in `language` ("da" or "en")."""
        return str(self.meetings.meeting_name_en) if normalise(language) == ENGLISH else self.meeting_name

    def opening_hours_in(self, language: str) -> str:
        return str(self.opening_hours_en) if normalise(language) == ENGLISH else str(self.opening_hours)

    def readers_in(self, language: str) -> str:
        """Who may read the conversation log, in `language` (the privacy note)."""
        log = self.conversation_log
        return str(log.readers_en) if normalise(language) == ENGLISH else str(log.readers)

    def text_values(self, language: str = DANISH) -> dict[str, str | int]:
        """The placeholders every answer template may use, e.g. "{call_jobcenter}", in `language`."""
        hours = self.opening_hours_in(language)
        if normalise(language) == ENGLISH:
            call = f"call {self.jobcenter_name} on {self.phone} ({hours})"
        else:
            call = f"ring til {self.jobcenter_name} på {self.phone} ({hours})"
        return {
            "municipality": self.name,
            "meeting_name": self.meeting_name_in(language),
            "phone": self.phone,
            "opening_hours": hours,
            "minutes": self.typical_meeting_minutes,
            "login_url": self.mitid_login_url,
            "contact_url": self.contact_url,
            "jobcenter": self.jobcenter_name,
            "address": self.jobcenter_address,
            "call_jobcenter": call,
            "Call_jobcenter": call[:1].upper() + call[1:],
        }

    def fill(self, template: str, language: str = DANISH, **extra: Any) -> str:
        """`template` with the placeholders of `text_values(language)` and `extra` filled in.

        An unknown placeholder is left visible ("{typo}") and logged, never raised: a content
        typo must not take an answer away from a citizen. The tests fill every template and
        fail on any brace left, so such a typo is found before it ships.
        """
        values = _Blank({**self.text_values(language), **extra})
        filled = _FORMATTER.vformat(template, (), values)
        if values.missing:
            logger.warning("Answer template has unknown placeholders: %s", ", ".join(sorted(values.missing)))
        return filled


class _Blank(dict):
    """Leaves unknown placeholders visible and remembers them."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)
        self.missing: set[str] = set()

    def __missing__(self, key: str) -> str:
        self.missing.add(key)
        return "{" + key + "}"


class _Formatter(string.Formatter):
    """`str.format` with plain names only: no attribute or index lookups in templates."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        return self.get_value(field_name, args, kwargs), field_name


_FORMATTER = _Formatter()


def _has_space(value: str) -> bool:
    return any(char.isspace() for char in value)


def _is_https_url(value: str) -> bool:
    """An absolute https:// address with a host and no spaces (it is sent as a link in SMS)."""
    if _has_space(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname) and value.startswith("https://")


def load_municipality(path: Path | str) -> Municipality:
    """Read and validate one settings file; raises MunicipalityFileError with the field path."""
    path = Path(path)
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MunicipalityFileError(f"{path}: kan ikke læses ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise MunicipalityFileError(f"{path}: er ikke gyldig YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise MunicipalityFileError(f"{path}: skal være en YAML-ordbog (nøgle: værdi)")
    try:
        return Municipality.parse_obj(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise MunicipalityFileError(f"{path}: {problems}") from exc


@lru_cache(maxsize=1)
def get_municipality() -> Municipality:
    """The settings for this deployment (MUNICIPALITY_FILE or data/municipality.yml), read once.

    Tests that change MUNICIPALITY_FILE call `get_settings.cache_clear()` and
    `get_municipality.cache_clear()`.
    """
    return load_municipality(get_settings().municipality_file)


def fill(template: str, language: str = DANISH, **extra: Any) -> str:
    """`template` with this deployment's words in `language` (Danish by default)."""
    return get_municipality().fill(template, language, **extra)
