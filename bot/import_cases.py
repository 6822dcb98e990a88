"""Import case data from JSON into the case database (`python -m bot import-cases|seed-demo`).

Owns the import file format, its validation and the demo seeding. It does not query the database
itself: it migrates the schema (`actions.db.migrate`) and writes through
`actions.repository.CaseWriter`, so all SQL stays in the repository.

Import (`import-cases FILE.json`)
  1. The WHOLE file is validated first (pydantic models with `extra = forbid`, ISO dates, meeting
     times with a UTC offset, phone numbers normalised to E.164 with region DK, known kinds and
     statuses, unique ids). Every problem is reported with its JSON path, e.g.
     `$.citizens[0].meetings[1].starts_at: mangler tidszone (UTC-offset)`. Messages are Danish.
     Any problem: exit code 2 and nothing is written.
  2. The schema is created or migrated to head when needed.
  3. Everything is upserted in ONE transaction (all or nothing). Rows are matched by id;
     caseworkers by e-mail (case-insensitive) or, without e-mail, by name + phone. A second run
     of the same file changes nothing. Counts of created / updated / unchanged are printed per
     entity. Nothing is deleted. A database error rolls everything back: exit code 1.

Demo seeding (`seed-demo`)
  Loads `data/demo_cases.json` only if the database has no citizens. The dates in that file are
  written relative to the anchor date DEMO_ANCHOR (2026-11-23, a Monday). Before importing, ALL
  dates (case `opened_on`/`ends_on` and meeting `starts_at`) are moved forward by the same whole
  number of weeks, so that the anchor's week becomes the current week (Monday to Sunday). Whole
  weeks keep every weekday, and meeting clock times are kept in Copenhagen local time (the UTC
  offset is recomputed, so a 10:00 meeting stays at 10:00 across a summer-time switch).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Extra, StrictBool, ValidationError, constr, root_validator, validator
from sqlalchemy.exc import DBAPIError

from actions.db import migrate
from actions.models import CASE_KINDS, CASE_STATUSES, MEETING_KINDS
from actions.repository import (
    ENTITIES,
    CaseDataError,
    CaseRecord,
    CaseworkerRecord,
    CaseWriter,
    CitizenBundle,
    CitizenRecord,
    EntityCounts,
    MeetingRecord,
    caseworker_identity_key,
    to_e164,
)
from bot.settings import REPO_ROOT

DEMO_FILE = REPO_ROOT / "data" / "demo_cases.json"
DEMO_ANCHOR = date(2026, 11, 23)
LOCAL_TZ = ZoneInfo("Europe/Copenhagen")

EXIT_OK = 0
EXIT_DB_ERROR = 1
EXIT_INVALID = 2

ENTITY_LABELS = {
    "citizens": "borgere",
    "caseworkers": "sagsbehandlere",
    "cases": "sager",
    "meetings": "møder",
}

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
        normalised = to_e164(value)
        if normalised is None:
            raise ValueError("ugyldigt telefonnummer")
        return normalised


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    normalised = unicodedata.normalize("NFC", value.strip())  # "ø" may arrive decomposed
    if normalised not in allowed:
        raise ValueError("ukendt værdi; tilladt: " + ", ".join(f'"{a}"' for a in allowed))
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


class CaseIn(_Strict):
    id: Id
    kind: constr(strict=True)
    status: constr(strict=True)
    opened_on: IsoDate
    ends_on: IsoDate | None = None
    caseworker: CaseworkerIn | None = None

    @validator("kind")
    def _kind(cls, value: str) -> str:
        return _one_of(value, CASE_KINDS)

    @validator("status")
    def _status(cls, value: str) -> str:
        return _one_of(value, CASE_STATUSES)

    @validator("ends_on")
    def _ends_after_opening(cls, value: date | None, values: dict[str, Any]) -> date | None:
        opened_on = values.get("opened_on")
        if value is not None and opened_on is not None and value < opened_on:
            raise ValueError("slutdatoen ligger før startdatoen (opened_on)")
        return value


class MeetingIn(_Strict):
    id: Id
    kind: constr(strict=True)
    starts_at: AwareDateTime
    location: Text | None = None
    online: StrictBool = False
    participants: list[Name] = []

    @validator("kind")
    def _kind(cls, value: str) -> str:
        return _one_of(value, MEETING_KINDS)


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
    return to_e164(value) if isinstance(value, str) else None


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


def _citizen_index(problem: Problem) -> int:
    """Sort key: problems in the order of the citizens they belong to (stable within one)."""
    match = re.match(r"^\$\.citizens\[(\d+)\]", problem.path)
    return int(match.group(1)) if match else -1


def validate_document(raw: Any) -> tuple[list[CitizenIn], list[Problem]]:
    """Validate a parsed JSON document; returns the citizens and EVERY problem found."""
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
    return valid, sorted(problems, key=_citizen_index)


def load_file(path: Path) -> tuple[list[CitizenIn], list[Problem]]:
    """Read and validate an import file (UTF-8 JSON)."""
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
    return validate_document(raw)


# --- Conversion to repository records --------------------------------------------------------
def _caseworker_record(worker: CaseworkerIn | None) -> CaseworkerRecord | None:
    if worker is None:
        return None
    return CaseworkerRecord(name=worker.name, phone=worker.phone, email=worker.email)


def to_bundles(citizens: list[CitizenIn]) -> list[CitizenBundle]:
    """Validated file models -> the plain records `CaseWriter.upsert` takes."""
    return [
        CitizenBundle(
            citizen=CitizenRecord(id=c.id, name=c.name, phone=c.phone),
            cases=tuple(
                CaseRecord(
                    id=case.id,
                    kind=case.kind,
                    status=case.status,
                    opened_on=case.opened_on,
                    ends_on=case.ends_on,
                    caseworker=_caseworker_record(case.caseworker),
                )
                for case in c.cases
            ),
            meetings=tuple(
                MeetingRecord(
                    id=m.id,
                    kind=m.kind,
                    starts_at=m.starts_at,
                    location=m.location,
                    online=m.online,
                    participants=tuple(m.participants),
                )
                for m in c.meetings
            ),
        )
        for c in citizens
    ]


# --- Demo date shifting ----------------------------------------------------------------------
def demo_shift_weeks(today: date, anchor: date = DEMO_ANCHOR) -> int:
    """Whole weeks from the anchor's week (Monday) to the week of `today`."""
    this_monday = today - timedelta(days=today.weekday())
    anchor_monday = anchor - timedelta(days=anchor.weekday())
    return (this_monday - anchor_monday).days // 7


def shift_local(moment: datetime, weeks: int) -> datetime:
    """Move an aware datetime by whole weeks, keeping the Copenhagen wall-clock time."""
    local = moment.astimezone(LOCAL_TZ).replace(tzinfo=None) + timedelta(weeks=weeks)
    return local.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def shift_bundles(bundles: list[CitizenBundle], weeks: int) -> list[CitizenBundle]:
    """Every date in the bundles moved by `weeks` whole weeks (see module docstring)."""
    delta = timedelta(weeks=weeks)

    def shift_case(case: CaseRecord) -> CaseRecord:
        ends_on = None if case.ends_on is None else case.ends_on + delta
        return replace(case, opened_on=case.opened_on + delta, ends_on=ends_on)

    return [
        replace(
            bundle,
            cases=tuple(shift_case(case) for case in bundle.cases),
            meetings=tuple(replace(m, starts_at=shift_local(m.starts_at, weeks)) for m in bundle.meetings),
        )
        for bundle in bundles
    ]


# --- Commands --------------------------------------------------------------------------------
def format_counts(counts: dict[str, EntityCounts]) -> list[str]:
    """One line per entity, e.g. `borgere: 6 oprettet, 0 opdateret, 0 uændret`."""
    return [
        f"{ENTITY_LABELS[name]}: {counts[name].created} oprettet, "
        f"{counts[name].updated} opdateret, {counts[name].unchanged} uændret"
        for name in ENTITIES
    ]


def _report_problems(problems: list[Problem], err: TextIO) -> int:
    print(f"Filen er ikke gyldig: {len(problems)} fejl. Intet er skrevet til databasen.", file=err)
    for problem in problems:
        print(f"  {problem}", file=err)
    return EXIT_INVALID


def _db_failure(exc: Exception, err: TextIO) -> int:
    if isinstance(exc, CaseDataError):
        detail = f"{exc.reason}, {exc.dialect}"
    else:
        detail = type(exc).__name__
    print(f"Databasefejl ({detail}). Intet er gemt; alt er rullet tilbage.", file=err)
    return EXIT_DB_ERROR


def run_migrate(url: str, out: TextIO, err: TextIO) -> int:
    """`migrate`: upgrade the schema to the newest revision."""
    try:
        migrate(url)
    except DBAPIError as exc:
        return _db_failure(exc, err)
    print("Databasen er opdateret til nyeste skema.", file=out)
    return EXIT_OK


def _write(url: str, bundles: list[CitizenBundle], out: TextIO, err: TextIO) -> int:
    try:
        migrate(url)
        counts = CaseWriter(url).upsert(bundles)
    except (DBAPIError, CaseDataError) as exc:
        return _db_failure(exc, err)
    print("Import gennemført i én transaktion.", file=out)
    for line in format_counts(counts):
        print(line, file=out)
    return EXIT_OK


def run_import(path: Path, url: str, out: TextIO, err: TextIO) -> int:
    """`import-cases FILE`: validate everything, then upsert all in one transaction."""
    citizens, problems = load_file(path)
    if problems:
        return _report_problems(problems, err)
    return _write(url, to_bundles(citizens), out, err)


def run_seed_demo(url: str, out: TextIO, err: TextIO, today: date | None = None) -> int:
    """`seed-demo`: load the demo file (dates shifted to this week) into an empty database."""
    citizens, problems = load_file(DEMO_FILE)
    if problems:
        return _report_problems(problems, err)
    try:
        migrate(url)
        existing = CaseWriter(url).count_citizens()
    except (DBAPIError, CaseDataError) as exc:
        return _db_failure(exc, err)
    if existing:
        print(f"Databasen har allerede {existing} borgere; demo-data er ikke indlæst.", file=out)
        return EXIT_OK
    weeks = demo_shift_weeks(today or datetime.now(LOCAL_TZ).date())
    print(
        f"Demo-data indlæses: alle datoer er flyttet {weeks:+d} uger (ankerdato {DEMO_ANCHOR}).",
        file=out,
    )
    return _write(url, shift_bundles(to_bundles(citizens), weeks), out, err)
