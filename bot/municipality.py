"""The municipality's own details: name, contact, login page and meeting practice.

Owns loading and validating the settings file (`bot/municipality.yml` by default, or the file
named by MUNICIPALITY_FILE). Every answer that names the municipality, its phone number, opening
hours, addresses or how it holds meetings reads them through `get_municipality()`; nothing of the
kind is written into responses. A broken file fails loudly at start-up with the field's path,
so a typo is found by the IT team, not by a citizen.

Must not: hold secrets (this file is meant to be committed and shown to citizens).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
import yaml
from pydantic import BaseModel, Extra, ValidationError, conint, constr, validator

DEFAULT_FILE = Path(__file__).resolve().parent / "municipality.yml"

# Upper bounds keep every answer that quotes these values within one SMS-sized message
# (actions.cases.MAX_MESSAGE_CHARS = 480; tests/integration/test_case_actions.py checks it with
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
    typical_length_minutes: conint(ge=5, le=240)  # type: ignore[valid-type]


class ConversationLog(BaseModel, extra=Extra.forbid):
    """What the privacy note tells citizens about the conversation log."""

    retention_days: conint(ge=1, le=3650)  # type: ignore[valid-type]
    readers: NonEmpty  # type: ignore[valid-type]


class Municipality(BaseModel, extra=Extra.forbid):
    """The validated settings; attribute names are the YAML keys."""

    name: Name  # type: ignore[valid-type]
    jobcenter_name: Name  # type: ignore[valid-type]
    phone: Name  # type: ignore[valid-type]
    opening_hours: ShortText  # type: ignore[valid-type]
    jobcenter_address: ShortText  # type: ignore[valid-type]
    contact_url: Url  # type: ignore[valid-type]
    website_url: Url  # type: ignore[valid-type]
    mitid_login_url: Url  # type: ignore[valid-type]
    accessibility_statement_url: Url  # type: ignore[valid-type]
    privacy_url: Url  # type: ignore[valid-type]
    meetings: MeetingPractice
    conversation_log: ConversationLog

    @validator("phone")
    def _danish_phone(cls, value: str) -> str:  # noqa: N805 (pydantic validator)
        try:
            parsed = phonenumbers.parse(value, "DK")
        except phonenumbers.NumberParseException as exc:
            raise ValueError("er ikke et telefonnummer") from exc
        if not phonenumbers.is_valid_number(parsed):
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
        parsed = phonenumbers.parse(self.phone, "DK")
        return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

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

    def text_values(self) -> dict[str, str | int]:
        """The placeholders every answer template may use, e.g. "{call_jobcenter}".

        The one place that turns the settings into words; actions.cases.fill and
        actions.preparation_content.fill both fill templates from it.
        """
        return {
            "municipality": self.name,
            "meeting_name": self.meeting_name,
            "minutes": self.typical_meeting_minutes,
            "login_url": self.mitid_login_url,
            "contact_url": self.contact_url,
            "call_jobcenter": f"ring til {self.jobcenter_name} på {self.phone} ({self.opening_hours})",
        }


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
    """The settings for this deployment (MUNICIPALITY_FILE or bot/municipality.yml), read once.

    Tests that change MUNICIPALITY_FILE call `get_municipality.cache_clear()`.
    """
    return load_municipality(os.environ.get("MUNICIPALITY_FILE") or DEFAULT_FILE)
