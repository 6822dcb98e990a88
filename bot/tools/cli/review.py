"""The review app's commands: accounts, retention, the audit log, corrections and the index.

  add-caseworker USERNAME --role caseworker|admin [--email E]   password from REVIEW_PASSWORD or a prompt
  purge                      delete what the municipality's retention rules say (docs/review.md)
  audit-export [--citizen ID] [--since DATE]   the audit log as CSV on standard output
  export-corrections [--out FILE]               corrections as Rasa NLU training data
  reindex                    bring the conversation index up to date with Rasa's events
  privacy-scan               count stored events that still hold a CPR or phone number
  demo-review-accounts       development only: a demo caseworker and a demo administrator

Each command migrates the case database first (the review tables come with migration 0004).
Every export is itself written to the audit log (user: the operating-system user, role "cli").

Must not: print a password or a stored conversation.
"""

from __future__ import annotations

import argparse
import getpass
import os
import time as time_module
from datetime import date, datetime, time
from pathlib import Path
from typing import TextIO

from bot.tools.cli.command import Command, Context
from bot.tools.cli.exit_codes import EXIT_DB_ERROR, EXIT_INVALID, EXIT_OK
from core.audit_export import csv_lines
from core.clock import LOCAL_TZ, utc_now
from core.municipality import MunicipalityFileError, get_municipality
from core.phone import to_e164
from core.privacy import stored_event_holds_personal_numbers
from core.review_records import ROLES
from core.settings import get_settings
from core.store.conversations.retention import purge
from core.store.errors import StoreError
from core.store.review.accounts import AccountError
from core.store.review.store import ReviewStore
from core.store.schema import migrate
from core.training_data import corrections_yaml

CLI_ROLE = "cli"


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def _store(url: str, err: TextIO) -> ReviewStore | None:
    try:
        migrate(url)
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}).", file=err)
        return None
    return ReviewStore(cases_url=url)


def run_add_caseworker(
    url: str, username: str, role: str, email: str | None, *, out: TextIO, err: TextIO
) -> int:
    if role not in ROLES:
        print("Rollen skal være caseworker eller admin.", file=err)
        return EXIT_INVALID
    password = get_settings().review_password
    if password is None:
        if not os.isatty(0):
            print("Sæt REVIEW_PASSWORD, eller kør kommandoen i en terminal for at blive spurgt.", file=err)
            return EXIT_INVALID
        password = getpass.getpass("Adgangskode: ")
        if getpass.getpass("Gentag adgangskoden: ") != password:
            print("De to adgangskoder er ikke ens.", file=err)
            return EXIT_INVALID
    # Imported here: the CLI's database commands (migrate, seed-demo) also run in the action
    # server's venv (requirements-actions.lock), which has no argon2.
    from core.passwords import hash_password, password_problem

    problem = password_problem(password)
    if problem:
        print(problem, file=err)
        return EXIT_INVALID
    store = _store(url, err)
    if store is None:
        return EXIT_DB_ERROR
    try:
        account = store.accounts.create(username, role, email, hash_password(password), utc_now())
        store.audit.append(
            utc_now(), _operator(), CLI_ROLE, "account_created", detail=f'{{"konto": "{account.username}"}}'
        )
    except AccountError as exc:
        print(str(exc), file=err)
        return EXIT_INVALID
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}).", file=err)
        return EXIT_DB_ERROR
    finally:
        store.close()
    kind = "administrator" if role == "admin" else "sagsbehandler"
    print(f"Kontoen {account.username} ({kind}) er oprettet.", file=out)
    return EXIT_OK


def run_purge_repeatedly(url: str, hours: float, out: TextIO, err: TextIO) -> int:
    """`purge --repeat-hours H`: purge now and then every H hours until stopped (`make run`)."""
    while True:
        code = run_purge(url, out, err)
        out.flush()
        if code == EXIT_INVALID:
            return code
        time_module.sleep(hours * 3600)


def run_purge(url: str, out: TextIO, err: TextIO) -> int:
    try:
        log = get_municipality().conversation_log
    except MunicipalityFileError as exc:
        print(f"Kommunens indstillinger kan ikke bruges: {exc}", file=err)
        return EXIT_INVALID
    store = _store(url, err)
    if store is None:
        return EXIT_DB_ERROR
    try:
        report = purge(
            store.reader,
            store.database,
            utc_now(),
            conversation_days=int(log.retention_days),
            note_days_after_meeting=int(log.shared_note_days_after_meeting),
            audit_days=int(log.audit_retention_days),
        )
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}). Kør kommandoen igen.", file=err)
        return EXIT_DB_ERROR
    finally:
        store.close()
    print(
        f"Slettet: {report.conversations_deleted} samtaler helt og {report.conversations_trimmed} delvist "
        f"({report.events_deleted} hændelser, ældre end {log.retention_days} dage), "
        f"{report.notes_deleted} delte notater, {report.audit_rows_deleted} linjer i adgangsloggen, "
        f"{report.sessions_deleted} udløbne logins.",
        file=out,
    )
    return EXIT_OK


def run_audit_export(url: str, citizen: str | None, since: date | None, out: TextIO, err: TextIO) -> int:
    store = _store(url, err)
    if store is None:
        return EXIT_DB_ERROR
    start = datetime.combine(since, time.min, tzinfo=LOCAL_TZ) if since else None
    try:
        store.audit.append(
            utc_now(),
            _operator(),
            CLI_ROLE,
            "audit_export",
            detail=f'{{"borger": {citizen!r}, "siden": {str(since)!r}}}'.replace("'", '"'),
        )
        for chunk in csv_lines(store.audit.export(citizen, start)):
            out.write(chunk)
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}).", file=err)
        return EXIT_DB_ERROR
    finally:
        store.close()
    return EXIT_OK


def run_export_corrections(url: str, target: Path | None, out: TextIO, err: TextIO) -> int:
    store = _store(url, err)
    if store is None:
        return EXIT_DB_ERROR
    try:
        corrections = store.work.all_corrections()
        store.audit.append(
            utc_now(),
            _operator(),
            CLI_ROLE,
            "export_corrections",
            detail=f'{{"rettelser": {len(corrections)}}}',
        )
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}).", file=err)
        return EXIT_DB_ERROR
    finally:
        store.close()
    text, count = corrections_yaml((c.topic, c.message_text) for c in corrections)
    if target is None:
        out.write(text)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"{count} eksempler skrevet til {target}.", file=err)
    return EXIT_OK


def run_reindex(url: str, out: TextIO, err: TextIO) -> int:
    store = _store(url, err)
    if store is None:
        return EXIT_DB_ERROR
    try:
        indexed = store.indexer.catch_up_all()
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}).", file=err)
        return EXIT_DB_ERROR
    finally:
        store.close()
    print(f"{indexed} samtaler indekseret.", file=out)
    return EXIT_OK


def public_numbers(store: ReviewStore) -> frozenset[str]:
    """Official numbers the assistant quotes on purpose: the jobcenter's and the caseworkers' work phones."""
    number = to_e164(get_municipality().phone)
    return frozenset({number} if number else ()) | store.queries.caseworker_phones()


def run_privacy_scan(url: str, out: TextIO, err: TextIO) -> int:
    """Exit 2 when any stored event still holds a CPR or a citizen's phone number (ids only are printed)."""
    store = ReviewStore(cases_url=url)
    found: list[int] = []
    scanned = 0
    try:
        public = public_numbers(store)
        for event_id, data in store.reader.scan_data():
            scanned += 1
            if stored_event_holds_personal_numbers(data, public):
                found.append(event_id)
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}).", file=err)
        return EXIT_DB_ERROR
    finally:
        store.close()
    print(f"{scanned} hændelser gennemset; {len(found)} med CPR- eller telefonnummer.", file=out)
    if found:
        print("Hændelser: " + ", ".join(str(i) for i in found[:50]), file=out)
        return EXIT_INVALID
    return EXIT_OK


# Development only (`make run`): Mette Holm is the demo citizens' caseworker (data/demo_cases.json).
DEMO_ACCOUNTS = (
    ("mette", "caseworker", "mh@kommune.example", "demo-sagsbehandler"),
    ("admin", "admin", None, "demo-administrator"),
)


def run_demo_accounts(url: str, out: TextIO, err: TextIO) -> int:
    """Create the demo accounts when missing and print their sign-in; refused in production."""
    if get_settings().is_production:
        print("Demo-konti oprettes ikke, når APP_ENV=production.", file=err)
        return EXIT_INVALID
    store = _store(url, err)
    if store is None:
        return EXIT_DB_ERROR
    from core.passwords import hash_password  # only here: migrate/seed-demo run without argon2

    try:
        for username, role, email, password in DEMO_ACCOUNTS:
            if store.accounts.get(username) is None:
                store.accounts.create(username, role, email, hash_password(password), utc_now())
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}).", file=err)
        return EXIT_DB_ERROR
    finally:
        store.close()
    for username, role, _email, password in DEMO_ACCOUNTS:
        kind = "administrator" if role == "admin" else "sagsbehandler (Mette Holm)"
        print(f"  {kind}: brugernavn {username}, adgangskode {password}", file=out)
    return EXIT_OK


def _account_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username")
    parser.add_argument("--role", required=True, choices=["caseworker", "admin"])
    parser.add_argument("--email", default=None, help="the caseworker's e-mail on the citizens' cases")


def _purge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repeat-hours", type=float, default=None, help="keep running and purge again every so many hours"
    )


def _purge(args: argparse.Namespace, context: Context) -> int:
    if args.repeat_hours is None:
        return run_purge(context.db_url, context.out, context.err)
    if args.repeat_hours <= 0:
        print("--repeat-hours skal være et positivt tal.", file=context.err)
        return EXIT_INVALID
    return run_purge_repeatedly(context.db_url, args.repeat_hours, context.out, context.err)


def _audit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--citizen", default=None, help="only entries about this citizen id")
    parser.add_argument("--since", type=date.fromisoformat, default=None, help="from this date (YYYY-MM-DD)")


def _corrections_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=None, help="file to write (default: standard output)")


COMMANDS = (
    Command(
        "add-caseworker",
        "create a review app account (password: REVIEW_PASSWORD)",
        lambda args, c: run_add_caseworker(
            c.db_url, args.username, args.role, args.email, out=c.out, err=c.err
        ),
        _account_arguments,
    ),
    Command("purge", "delete what is older than the retention rules", _purge, _purge_arguments),
    Command(
        "audit-export",
        "print the audit log as CSV",
        lambda args, c: run_audit_export(c.db_url, args.citizen, args.since, c.out, c.err),
        _audit_arguments,
    ),
    Command(
        "export-corrections",
        "write the corrections as Rasa NLU training data",
        lambda args, c: run_export_corrections(c.db_url, args.out, c.out, c.err),
        _corrections_arguments,
    ),
    Command(
        "reindex",
        "index every stored conversation for the review app",
        lambda args, c: run_reindex(c.db_url, c.out, c.err),
    ),
    Command(
        "privacy-scan",
        "check every stored event for CPR and phone numbers",
        lambda args, c: run_privacy_scan(c.db_url, c.out, c.err),
    ),
    Command(
        "demo-review-accounts",
        "development: demo caseworker and administrator",
        lambda args, c: run_demo_accounts(c.db_url, c.out, c.err),
    ),
)
