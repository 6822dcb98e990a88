"""Command line for operators: `python -m bot <command>`.

Owns argument parsing, exit codes and Danish messages on the terminal; the work is done in
`core` (case file, demo data, store) and in one module per group of commands here:
  import-cases FILE.json   validate and upsert case data             (case_data)
  migrate                  upgrade the database schema to head        (case_data)
  seed-demo                load the demo data into an empty database  (case_data)
  demo-token CITIZEN_ID    print a development login token            (tokens)
  send-reminders [--now]   schedule the SMS meeting reminders now due (reminders)
Exit codes: 0 ok, 1 database or setup failure, 2 invalid input or refusal.

Must not: import the Rasa server's plug-ins or the action server.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Sequence

from bot.cli.exit_codes import EXIT_SETUP_ERROR
from core.settings import SettingsError, get_settings


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
    commands.add_parser("migrate", parents=[common], help="upgrade the database schema to head")
    seeder = commands.add_parser("seed-demo", parents=[common], help="load demo data into an empty database")
    seeder.add_argument(
        "--today",
        type=date.fromisoformat,
        help="pretend today is this date (YYYY-MM-DD) when moving the demo dates",
    )
    token = commands.add_parser("demo-token", help="print a development login token")
    token.add_argument("citizen_id")
    reminders = commands.add_parser(
        "send-reminders", parents=[common], help="schedule the SMS meeting reminders that are due now"
    )
    reminders.add_argument("--now", help="pretend it is this instant (ISO 8601 with UTC offset)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"Indstillingerne kan ikke bruges: {exc}", file=err)
        return EXIT_SETUP_ERROR
    if args.command == "demo-token":
        from bot.cli.tokens import run_demo_token

        return run_demo_token(args.citizen_id, out, err)
    from bot.cli import case_data

    url = args.db_url or settings.cases_db_url
    if args.command == "send-reminders":
        from bot.cli.reminders import run_send_reminders

        return run_send_reminders(url, args.now, out, err)
    if args.command == "import-cases":
        return case_data.run_import(args.file, url, out, err)
    if args.command == "migrate":
        return case_data.run_migrate(url, out, err)
    return case_data.run_seed_demo(url, out, err, today=args.today)


if __name__ == "__main__":
    sys.exit(main())
