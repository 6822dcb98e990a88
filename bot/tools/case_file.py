"""The case-data import file: its format, its validation, and turning it into store records.

The format is documented field by field in docs/import.md. Validation reads the WHOLE file and
reports every problem with its JSON path and a Danish message, e.g.
`$.citizens[0].meetings[1].starts_at: mangler tidszone (UTC-offset)`: unknown or missing fields,
wrong types, ISO dates, meeting times with a UTC offset, phone numbers (normalised to E.164, region
DK), unique ids and phone numbers, one caseworker described two ways, and the words for case kinds,
statuses and meeting kinds. Those words are the municipality's own: `WordMap`s from the
municipality settings (`import_words`) turn them into the assistant's meanings, so an unknown word
is reported with the words that are accepted.

Must not: touch the database (`core.store.cases.importer` writes the records) or print anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from pydantic import BaseModel, Extra, StrictBool, ValidationError, constr, root_validator, validator

from core import phone
from core.records import (
    CaseRecord,
    CaseworkerRecord,
    CitizenBundle,
    CitizenRecord,
    MeetingRecord,
    caseworker_identity_key,
)
from core.vocabulary import CASE_KIND_FIELD, CASE_STATUS_FIELD, MEETING_KIND_FIELD, WordMap, word_maps

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_IDENTIFIER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# --- Field types -----------------------------------------------------------------------------
Id = constr(strict=True, strip_whitespace=True, min_length=1, max_length=64)
Name = constr(strict=True, strip_whitespace=True, min_length=1, max_length=200)
Text = constr(strict=True, strip_whitespace=True, min_length=1, max_length=300)


class IsoDate(date):
    """A date written as an ISO string `YYYY-MM-DD` (numbers and other formats are errors)."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], date]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> date:
        if not isinstance(value, str):
            raise ValueError("skal være en dato som tekst (ÅÅÅÅ-MM-DD)")
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("ugyldig dato (brug ÅÅÅÅ-MM-DD)") from None


class AwareDateTime(datetime):
    """An ISO 8601 timestamp that carries a UTC offset; converted to UTC."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], datetime]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> datetime:
        if not isinstance(value, str):
            raise ValueError("skal være et tidspunkt som tekst (ISO 8601)")
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("ugyldigt tidspunkt (brug ISO 8601, fx 2026-12-08T10:00:00+01:00)") from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ValueError("mangler tidszone (UTC-offset)")
        return parsed.astimezone(timezone.utc)


class Phone(str):
    """A phone number, validated and normalised to E.164 (region DK)."""

    @classmethod
    def __get_validators__(cls) -> Iterator[Callable[[Any], str]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("skal være et telefonnummer som tekst")
        normalised = phone.to_e164(value)
        if normalised is None:
            raise ValueError("ugyldigt telefonnummer")
        return normalised


# --- File models -----------------------------------------------------------------------------
class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid


class CaseworkerIn(_Strict):
    name: Name
    phone: Phone | None = None
    email: constr(strict=True, strip_whitespace=True, max_length=254) | None = None

    @validator("email")
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL_RE.match(value):
            raise ValueError("ugyldig e-mailadresse")
        return value

    @root_validator(skip_on_failure=True)
    def _identifiable(cls, values: dict[str, Any]) -> dict[str, Any]:
        if not values.get("email") and not values.get("phone"):
            raise ValueError("mangler både e-mail og telefonnummer (mindst ét kræves)")
        return values


# A case kind, status or meeting kind in the municipality's own words (mapped by `WordMap`).
Word = constr(strict=True, strip_whitespace=True, min_length=1, max_length=80)


class CaseIn(_Strict):
    id: Id
    kind: Word
    status: Word
    opened_on: IsoDate
    ends_on: IsoDate | None = None
    caseworker: CaseworkerIn | None = None

    @validator("ends_on")
    def _ends_after_opening(cls, value: date | None, values: dict[str, Any]) -> date | None:
        opened_on = values.get("opened_on")
        if value is not None and opened_on is not None and value < opened_on:
            raise ValueError("slutdatoen ligger før startdatoen (opened_on)")
        return value


class MeetingIn(_Strict):
    id: Id
    kind: Word
    starts_at: AwareDateTime
    location: Text | None = None
    online: StrictBool = False
    participants: list[Name] = []
    cancelled: StrictBool = False  # the municipality cancelled it: no reminder, never "next"


class CitizenIn(_Strict):
    id: Id
    name: Name
    phone: Phone | None = None
    cases: list[CaseIn] = []
    meetings: list[MeetingIn] = []


# --- Validation with JSON paths --------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


_PYDANTIC_MESSAGES = {
    "value_error.missing": "mangler (feltet er påkrævet)",
    "value_error.extra": "ukendt felt (ikke tilladt)",
    "type_error.none.not_allowed": "må ikke være null",
    "type_error.str": "skal være tekst",
    "value_error.strictbool": "skal være true eller false",
    "type_error.list": "skal være en liste",
    "type_error.dict": "skal være et objekt",
    "value_error.any_str.min_length": "må ikke være tom",
    "value_error.any_str.max_length": "må højst være {limit_value} tegn",
}


def json_path(loc: tuple[Any, ...]) -> str:
    """`("citizens", 0, "phone")` -> `$.citizens[0].phone`."""
    parts = ["$"]
    for part in loc:
        if part == "__root__":
            continue
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _IDENTIFIER_RE.match(str(part)):
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(str(part), ensure_ascii=False)}]")
    return "".join(parts)


def _message(error: dict[str, Any]) -> str:
    template = _PYDANTIC_MESSAGES.get(error["type"])
    if template is None:
        return str(error["msg"])
    return template.format(**error.get("ctx", {}))


def _citizen_problems(index: int, raw: Any) -> tuple[CitizenIn | None, list[Problem]]:
    prefix: tuple[Any, ...] = ("citizens", index)
    if not isinstance(raw, dict):
        return None, [Problem(json_path(prefix), "skal være et objekt")]
    try:
        return CitizenIn.parse_obj(raw), []
    except ValidationError as exc:
        return None, [Problem(json_path(prefix + tuple(e["loc"])), _message(e)) for e in exc.errors()]


def _first_seen(seen: dict[Any, str], key: Any, path: str, what: str) -> list[Problem]:
    if key is None:
        return []
    if key in seen:
        return [Problem(path, f"{what} som {seen[key]}")]
    seen[key] = path
    return []


# Cross-record checks read the RAW document, so records that have their own field errors still
# take part and every problem is reported in one run. Values of the wrong type are skipped here:
# the model validation reports them.
def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _phone(value: Any) -> str | None:
    return phone.to_e164(value)


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _worker_identity(raw: dict[str, Any]) -> tuple[str, tuple[Any, ...]] | None:
    name = _text(raw.get("name"))
    if name is None:
        return None
    phone, email = _phone(raw.get("phone")), _text(raw.get("email"))
    details = (name, phone, email.casefold() if email else None)
    return caseworker_identity_key(name, phone, email), details


def _caseworker_conflict(
    workers: dict[str, tuple[str, tuple[Any, ...]]], raw: Any, path: str
) -> list[Problem]:
    identity = _worker_identity(raw) if isinstance(raw, dict) else None
    if identity is None:
        return []
    key, details = identity
    if key not in workers:
        workers[key] = (path, details)
        return []
    first_path, first_details = workers[key]
    if first_details == details:
        return []
    return [Problem(path, f"samme sagsbehandler som {first_path}, men med andre oplysninger")]


def _cross_problems(items: list[Any]) -> list[Problem]:
    """Problems between records: duplicate ids/phones and one caseworker told two ways."""
    problems: list[Problem] = []
    ids: dict[Any, str] = {}
    phones: dict[Any, str] = {}
    workers: dict[str, tuple[str, tuple[Any, ...]]] = {}
    for i, citizen in _dicts(items):
        base = f"$.citizens[{i}]"
        citizen_id = _text(citizen.get("id"))
        problems += _first_seen(ids, citizen_id and ("citizen", citizen_id), f"{base}.id", "samme id")
        problems += _first_seen(phones, _phone(citizen.get("phone")), f"{base}.phone", "samme telefonnummer")
        for j, case in _dicts(citizen.get("cases")):
            case_id = _text(case.get("id"))
            path = f"{base}.cases[{j}]"
            problems += _first_seen(ids, case_id and ("case", case_id), f"{path}.id", "samme id")
            problems += _caseworker_conflict(workers, case.get("caseworker"), f"{path}.caseworker")
        for k, meeting in _dicts(citizen.get("meetings")):
            meeting_id = _text(meeting.get("id"))
            problems += _first_seen(
                ids, meeting_id and ("meeting", meeting_id), f"{base}.meetings[{k}].id", "samme id"
            )
    return problems


def _unknown_word(value: Any, words: WordMap, path: str) -> list[Problem]:
    if not isinstance(value, str) or not value.strip() or words.meaning(value) is not None:
        return []  # missing or wrongly typed: the model validation reports it
    accepted = ", ".join(f'"{word}"' for word in words.accepted())
    return [
        Problem(
            path,
            f'ukendt ord "{value.strip()}"; kendte ord: {accepted}. '
            f"Kommunens egne ord tilføjes under import_words.{words.field} i kommunens indstillinger",
        )
    ]


def _word_problems(items: list[Any], maps: Mapping[str, WordMap]) -> list[Problem]:
    """Case kinds, statuses and meeting kinds that no WordMap knows, with their paths."""
    problems: list[Problem] = []
    for i, citizen in _dicts(items):
        base = f"$.citizens[{i}]"
        for j, case in _dicts(citizen.get("cases")):
            problems += _unknown_word(case.get("kind"), maps[CASE_KIND_FIELD], f"{base}.cases[{j}].kind")
            problems += _unknown_word(
                case.get("status"), maps[CASE_STATUS_FIELD], f"{base}.cases[{j}].status"
            )
        for k, meeting in _dicts(citizen.get("meetings")):
            problems += _unknown_word(
                meeting.get("kind"), maps[MEETING_KIND_FIELD], f"{base}.meetings[{k}].kind"
            )
    return problems


def _citizen_index(problem: Problem) -> int:
    """Sort key: problems in the order of the citizens they belong to (stable within one)."""
    match = re.match(r"^\$\.citizens\[(\d+)\]", problem.path)
    return int(match.group(1)) if match else -1


def validate_document(
    raw: Any, maps: Mapping[str, WordMap] | None = None
) -> tuple[list[CitizenIn], list[Problem]]:
    """Validate a parsed JSON document; returns the citizens and EVERY problem found.

    `maps` are the municipality's words (`Municipality.word_maps()`); default: the built-in words.
    """
    maps = maps or word_maps()
    if not isinstance(raw, dict):
        return [], [Problem("$", 'skal være et JSON-objekt med feltet "citizens"')]
    problems = [Problem(json_path((key,)), "ukendt felt (ikke tilladt)") for key in raw if key != "citizens"]
    items = raw.get("citizens")
    if items is None:
        return [], problems + [Problem("$.citizens", "mangler (feltet er påkrævet)")]
    if not isinstance(items, list):
        return [], problems + [Problem("$.citizens", "skal være en liste")]
    valid: list[CitizenIn] = []
    for index, item in enumerate(items):
        citizen, found = _citizen_problems(index, item)
        problems += found
        if citizen is not None:
            valid.append(citizen)
    problems += _cross_problems(items)
    problems += _word_problems(items, maps)
    return valid, sorted(problems, key=_citizen_index)


def load_file(path: Path, maps: Mapping[str, WordMap] | None = None) -> tuple[list[CitizenIn], list[Problem]]:
    """Read and validate an import file (UTF-8 JSON); `maps` as in `validate_document`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [Problem("$", f"filen findes ikke: {path}")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem("$", f"filen kan ikke læses som UTF-8 ({type(exc).__name__})")]
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [Problem("$", f"ugyldig JSON (linje {exc.lineno}, kolonne {exc.colno}): {exc.msg}")]
    except RecursionError:  # found by tests/fuzz/test_import_fuzz.py: "[[[[...]]]]" 1,000+ deep
        return [], [Problem("$", "ugyldig JSON: lister eller objekter er indlejret for dybt")]
    try:
        return validate_document(raw, maps)
    except RecursionError:  # a nested value deeper than the validator can walk
        return [], [Problem("$", "ugyldig JSON: lister eller objekter er indlejret for dybt")]


# --- Conversion to repository records --------------------------------------------------------
def _caseworker_record(worker: CaseworkerIn | None) -> CaseworkerRecord | None:
    if worker is None:
        return None
    return CaseworkerRecord(name=worker.name, phone=worker.phone, email=worker.email)


def to_bundles(citizens: list[CitizenIn], maps: Mapping[str, WordMap] | None = None) -> list[CitizenBundle]:
    """Validated file models -> the plain records `CaseWriter.upsert` takes, words as meanings."""
    maps = maps or word_maps()

    def meaning(field: str, word: str) -> str:
        return maps[field].meaning(word) or word  # validation has reported any unknown word

    return [
        CitizenBundle(
            citizen=CitizenRecord(id=c.id, name=c.name, phone=c.phone),
            cases=tuple(
                CaseRecord(
                    id=case.id,
                    kind=meaning(CASE_KIND_FIELD, case.kind),
                    status=meaning(CASE_STATUS_FIELD, case.status),
                    opened_on=case.opened_on,
                    ends_on=case.ends_on,
                    caseworker=_caseworker_record(case.caseworker),
                )
                for case in c.cases
            ),
            meetings=tuple(
                MeetingRecord(
                    id=m.id,
                    kind=meaning(MEETING_KIND_FIELD, m.kind),
                    starts_at=m.starts_at,
                    location=m.location,
                    online=m.online,
                    participants=tuple(m.participants),
                    cancelled=m.cancelled,
                )
                for m in c.meetings
            ),
        )
        for c in citizens
    ]
