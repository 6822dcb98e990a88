"""Command line for operators: `python -m bot <command>`.

Owns argument parsing, exit codes and Danish messages on the terminal; the work is done in
`core` (case file, demo data, store) and in one module per group of commands here:
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
from datetime import date
from pathlib import Path
from typing import Sequence, TextIO

from bot.cli.exit_codes import EXIT_SETUP_ERROR
from core.privacy import install_log_filter
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
    stale = commands.add_parser("stale-answers", help="list the FAQ answers past their review_by date")
    stale.add_argument("--today", type=date.fromisoformat, help="pretend today is this date (YYYY-MM-DD)")
    stale.add_argument("--fail-if-any", action="store_true", help="exit 2 when an answer is past its date")
    _review_commands(commands, common)
    return parser


def _review_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """The review app's commands (bot/cli/review.py)."""
    account = commands.add_parser(
        "add-caseworker", parents=[common], help="create a review app account (password: REVIEW_PASSWORD)"
    )
    account.add_argument("username")
    account.add_argument("--role", required=True, choices=["caseworker", "admin"])
    account.add_argument("--email", default=None, help="the caseworker's e-mail on the citizens' cases")
    purger = commands.add_parser(
        "purge", parents=[common], help="delete what is older than the retention rules"
    )
    purger.add_argument(
        "--repeat-hours", type=float, default=None, help="keep running and purge again every so many hours"
    )
    export = commands.add_parser("audit-export", parents=[common], help="print the audit log as CSV")
    export.add_argument("--citizen", default=None, help="only entries about this citizen id")
    export.add_argument("--since", type=date.fromisoformat, default=None, help="from this date (YYYY-MM-DD)")
    corrections = commands.add_parser(
        "export-corrections", parents=[common], help="write the corrections as Rasa NLU training data"
    )
    corrections.add_argument(
        "--out", type=Path, default=None, help="file to write (default: standard output)"
    )
    commands.add_parser(
        "reindex", parents=[common], help="index every stored conversation for the review app"
    )
    commands.add_parser(
        "privacy-scan", parents=[common], help="check every stored event for CPR and phone numbers"
    )
    commands.add_parser(
        "demo-review-accounts", parents=[common], help="development: demo caseworker and administrator"
    )


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    install_log_filter()  # no CPR or phone number in any log line
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
    if args.command == "stale-answers":
        from bot.cli.answers import run_stale_answers

        return run_stale_answers(args.today, args.fail_if_any, out)
    url = args.db_url or settings.cases_db_url
    if args.command in REVIEW_COMMANDS:
        return _run_review(args, url, out, err)
    if args.command == "send-reminders":
        from bot.cli.reminders import run_send_reminders

        return run_send_reminders(url, args.now, out, err)
    from bot.cli import case_data

    if args.command == "import-cases":
        return case_data.run_import(args.file, url, out, err)
    if args.command == "migrate":
        return case_data.run_migrate(url, out, err)
    return case_data.run_seed_demo(url, out, err, today=args.today)


REVIEW_COMMANDS = frozenset(
    {
        "add-caseworker",
        "purge",
        "audit-export",
        "export-corrections",
        "reindex",
        "privacy-scan",
        "demo-review-accounts",
    }
)


def _run_review(args: argparse.Namespace, url: str, out: TextIO, err: TextIO) -> int:
    from bot.cli import review

    if args.command == "add-caseworker":
        return review.run_add_caseworker(url, args.username, args.role, args.email, out=out, err=err)
    if args.command == "purge":
        if args.repeat_hours is not None:
            if args.repeat_hours <= 0:
                print("--repeat-hours skal være et positivt tal.", file=err)
                return 2
            return review.run_purge_repeatedly(url, args.repeat_hours, out, err)
        return review.run_purge(url, out, err)
    if args.command == "demo-review-accounts":
        return review.run_demo_accounts(url, out, err)
    if args.command == "audit-export":
        return review.run_audit_export(url, args.citizen, args.since, out, err)
    if args.command == "export-corrections":
        return review.run_export_corrections(url, args.out, out, err)
    if args.command == "reindex":
        return review.run_reindex(url, out, err)
    return review.run_privacy_scan(url, out, err)


if __name__ == "__main__":
    sys.exit(main())
