"""Command line for operators: `python -m bot <command>`.

Owns argument parsing and dispatch; each command module owns its commands (`COMMANDS`, see
`command`), its Danish messages on the terminal and its exit codes; the work is done in `core`
and in one module per group of commands here:
  import-cases FILE.json   validate and upsert case data             (case_data)
  migrate                  upgrade the database schema to head        (case_data)
  seed-demo                load the demo data into an empty database  (case_data)
  demo-token CITIZEN_ID    print a development login token            (tokens)
  send-reminders [--now]   schedule the SMS meeting reminders now due (reminders)
  stale-answers [--today]  list the FAQ answers past their review date (answers)
  add-caseworker, purge, audit-export, export-corrections, reindex, privacy-scan
                           the review app and the conversation store  (review)
Exit codes: 0 ok, 1 database or setup failure, 2 invalid input or refusal.

Must not: import the Rasa server's plug-ins or the action server.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from bot.tools.cli import answers, case_data, reminders, review, tokens
from bot.tools.cli.command import Command, Context
from bot.tools.cli.exit_codes import EXIT_SETUP_ERROR
from core.privacy import install_log_filter
from core.settings import SettingsError, get_settings

# A new command: a module with its `COMMANDS`, and one line here.
COMMAND_MODULES = (case_data, tokens, reminders, answers, review)


def _parser() -> argparse.ArgumentParser:
    db_help = "SQLAlchemy URL for the case database (default: CASES_DB_URL)"
    # --db-url works before or after the command; SUPPRESS keeps a subcommand from resetting it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db-url", default=argparse.SUPPRESS, help=db_help)
    parser = argparse.ArgumentParser(prog="python -m bot", description="Mødeklar værktøjer")
    parser.add_argument("--db-url", default=None, help=db_help)
    subparsers = parser.add_subparsers(dest="command_name", required=True)
    for module in COMMAND_MODULES:
        for command in module.COMMANDS:
            sub = subparsers.add_parser(
                command.name, parents=[common] if command.uses_database else [], help=command.help
            )
            if command.arguments is not None:
                command.arguments(sub)
            sub.set_defaults(command=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_filter()  # no CPR or phone number in any log line
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"Indstillingerne kan ikke bruges: {exc}", file=sys.stderr)
        return EXIT_SETUP_ERROR
    command: Command = args.command
    context = Context(args.db_url or settings.cases_db_url, sys.stdout, sys.stderr)
    return command.run(args, context)


if __name__ == "__main__":
    sys.exit(main())
