"""`import-cases`, `migrate` and `seed-demo`: case data into the database, with Danish reports.

Import (`import-cases FILE.json`, format in docs/import.md)
  1. The WHOLE file is validated first (`bot.tools.case_file`), with the municipality's own words for
     case kinds, statuses and meeting kinds (`import_words` in its settings). Any problem: every
     problem is printed with its JSON path, exit code 2, and nothing is written.
  2. The schema is migrated to head when needed.
  3. Everything is upserted in ONE transaction (`core.store.cases.importer`); created / updated /
     unchanged counts are printed per entity. A second run of the same file changes nothing.
     A database error rolls everything back: exit code 1; a file that conflicts with rows
     already stored (a unique phone number or id of another citizen) exit code 2.

Demo seeding (`seed-demo`) loads data/demo_cases.json, dates moved to this week
(`core.demo_data`), only into a database without citizens.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TextIO

from bot.tools.case_file import Problem, load_file, to_bundles
from bot.tools.cli.command import Command
from bot.tools.cli.exit_codes import EXIT_DB_ERROR, EXIT_INVALID, EXIT_OK
from core.clock import local_today, utc_now
from core.demo_data import DEMO_ANCHOR, DEMO_FILE, demo_shift_weeks, shift_bundles
from core.municipality import MunicipalityFileError, get_municipality
from core.records import ENTITIES, CitizenBundle, EntityCounts
from core.store.cases.importer import CaseWriter
from core.store.errors import StoreError
from core.store.schema import migrate

ENTITY_LABELS = {
    "citizens": "borgere",
    "caseworkers": "sagsbehandlere",
    "cases": "sager",
    "meetings": "møder",
}


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


CONFLICT = (
    "Filen er ikke gyldig: den strider mod data, der allerede er i databasen (fx et "
    "telefonnummer eller et id, der hører til en anden borger). Intet er gemt; alt er rullet tilbage."
)


def _db_failure(exc: Exception, err: TextIO) -> int:
    if isinstance(exc, StoreError) and exc.reason == "IntegrityError":
        # Found by tests/fuzz/test_import_fuzz.py: a phone number moved to a new citizen id.
        print(CONFLICT, file=err)
        return EXIT_INVALID
    detail = f"{exc.reason}, {exc.dialect}" if isinstance(exc, StoreError) else type(exc).__name__
    print(f"Databasefejl ({detail}). Intet er gemt; alt er rullet tilbage.", file=err)
    return EXIT_DB_ERROR


def run_migrate(url: str, out: TextIO, err: TextIO) -> int:
    """`migrate`: upgrade the schema to the newest revision."""
    try:
        migrate(url)
    except StoreError as exc:
        return _db_failure(exc, err)
    print("Databasen er opdateret til nyeste skema.", file=out)
    return EXIT_OK


def _write(url: str, bundles: list[CitizenBundle], out: TextIO, err: TextIO) -> int:
    try:
        migrate(url)
        counts = CaseWriter(url).upsert(bundles)
    except StoreError as exc:
        return _db_failure(exc, err)
    print("Import gennemført i én transaktion.", file=out)
    for line in format_counts(counts):
        print(line, file=out)
    return EXIT_OK


def run_import(path: Path, url: str, out: TextIO, err: TextIO) -> int:
    """`import-cases FILE`: validate everything, then upsert all in one transaction."""
    try:
        maps = get_municipality().word_maps()
    except MunicipalityFileError as exc:
        print(f"Indstillingerne kan ikke bruges (se docs/municipality.md): {exc}", file=err)
        return EXIT_INVALID
    citizens, problems = load_file(path, maps)
    if problems:
        return _report_problems(problems, err)
    return _write(url, to_bundles(citizens, maps), out, err)


def run_seed_demo(url: str, out: TextIO, err: TextIO, today: date | None = None) -> int:
    """`seed-demo`: the demo file's meetings moved to this week, into an empty database, or into
    one that holds the demo citizens only (moved in place: the same ids, so shared notes and
    conversations stay linked, and a week-old demo has coming meetings again). A database with
    any other citizen is left alone."""
    citizens, problems = load_file(DEMO_FILE)
    if problems:
        return _report_problems(problems, err)
    demo_ids = {citizen.id for citizen in citizens}
    try:
        migrate(url)
        existing = CaseWriter(url).citizen_ids()
    except StoreError as exc:
        return _db_failure(exc, err)
    if existing - demo_ids:
        print(f"Databasen har allerede {len(existing)} borgere; demo-data er ikke indlæst.", file=out)
        return EXIT_OK
    weeks = demo_shift_weeks(today or local_today(utc_now()))
    verb = "opdateres" if existing else "indlæses"
    print(f"Demo-data {verb}: møderne er flyttet {weeks:+d} uger (ankerdato {DEMO_ANCHOR}).", file=out)
    return _write(url, shift_bundles(to_bundles(citizens), weeks), out, err)


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)


def _seed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        help="pretend today is this date (YYYY-MM-DD) when moving the demo dates",
    )


COMMANDS = (
    Command(
        "import-cases",
        "validate and import a case JSON file",
        lambda args, c: run_import(args.file, c.db_url, c.out, c.err),
        _import_arguments,
    ),
    Command(
        "migrate", "upgrade the database schema to head", lambda args, c: run_migrate(c.db_url, c.out, c.err)
    ),
    Command(
        "seed-demo",
        "load demo data into an empty database (or move its past meetings to this week)",
        lambda args, c: run_seed_demo(c.db_url, c.out, c.err, today=args.today),
        _seed_arguments,
    ),
)
