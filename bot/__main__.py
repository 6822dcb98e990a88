"""Command line for operators: `python -m bot <command>`.

Owns argument parsing and exit codes only; the work is done elsewhere:
  import-cases FILE.json   validate and upsert case data (bot.import_cases)
  migrate                  upgrade the case database schema to head (actions.db)
  seed-demo                load data/demo_cases.json into an empty database, dates moved to now
  demo-token CITIZEN_ID    print a development login token (bot.identity.make_demo_token)
Exit codes: 0 ok, 1 database or setup failure, 2 invalid input or refusal.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Sequence, TextIO

from bot.import_cases import (
    EXIT_INVALID,
    EXIT_OK,
    run_import,
    run_migrate,
    run_seed_demo,
)
from bot.settings import get_settings

EXIT_SETUP_ERROR = 1


def _parser() -> argparse.ArgumentParser:
    db_help = "SQLAlchemy URL for the case database (default: CASES_DB_URL)"
    # --db-url works before or after the command; SUPPRESS keeps a subcommand from resetting it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db-url", default=argparse.SUPPRESS, help=db_help)
    parser = argparse.ArgumentParser(prog="python -m bot", description="Mødeklar værktøjer")
    parser.add_argument("--db-url", default=None, help=db_help)
    commands = parser.add_subparsers(dest="command", required=True)
    importer = commands.add_parser(
        "import-cases", parents=[common], help="validate and import a case JSON file"
    )
    importer.add_argument("file", type=Path)
    commands.add_parser("migrate", parents=[common], help="upgrade the case database schema to head")
    seeder = commands.add_parser("seed-demo", parents=[common], help="load demo data into an empty database")
    seeder.add_argument(
        "--today",
        type=date.fromisoformat,
        help="pretend today is this date (YYYY-MM-DD) when moving the demo dates",
    )
    token = commands.add_parser("demo-token", help="print a development login token")
    token.add_argument("citizen_id")
    return parser


def run_demo_token(citizen_id: str, out: TextIO, err: TextIO) -> int:
    """Print `bot.identity.make_demo_token(citizen_id)`; exit 2 when it refuses."""
    try:
        from bot.identity import make_demo_token
    except ImportError as exc:
        print(
            "demo-token er ikke tilgængelig: bot.identity.make_demo_token kunne ikke importeres "
            f"({type(exc).__name__}: {exc}).",
            file=err,
        )
        return EXIT_SETUP_ERROR
    try:
        token = make_demo_token(citizen_id)
    except ValueError as exc:
        print(f"Afvist: {exc}", file=err)
        return EXIT_INVALID
    print(token, file=out)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    url = args.db_url or get_settings().cases_db_url
    if args.command == "import-cases":
        return run_import(args.file, url, out, err)
    if args.command == "migrate":
        return run_migrate(url, out, err)
    if args.command == "seed-demo":
        return run_seed_demo(url, out, err, today=args.today)
    return run_demo_token(args.citizen_id, out, err)


if __name__ == "__main__":
    sys.exit(main())
