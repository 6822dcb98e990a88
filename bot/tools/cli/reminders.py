"""`send-reminders [--now ISO-8601]`: schedule the meeting reminders that are due, and exit.

For cron or a systemd timer (`make run` runs it every few minutes). Which reminders are due is
`core.sms.schedule` with the municipality's `sms` settings; the marks that make each go out once
per meeting time are in the database (`core.store.sms.reminders`), so a second run at the same
time schedules nothing. The reminder is then delivered by the SMS worker inside the Rasa server
(it enters the citizen's SMS conversation there, as `EXTERNAL_meeting_reminder`, and goes out
through the outbox within seconds): this command never opens Rasa's HTTP API, and no reminder is
lost if Rasa is down meanwhile; one not delivered within the day's allowed hours is scheduled
again by a later run.

`--now` pretends the time is this instant (tests and trying it out); it needs a UTC offset.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import TextIO

from bot.tools.cli.command import Command
from bot.tools.cli.exit_codes import EXIT_DB_ERROR, EXIT_INVALID, EXIT_OK, EXIT_SETUP_ERROR
from core.clock import local_time, utc_now
from core.municipality import MunicipalityFileError, get_municipality
from core.sms.config import SmsNotConfigured, sms_config
from core.sms.pseudonym import conversation_id
from core.sms.schedule import within_hours
from core.store.database import Database
from core.store.errors import StoreError
from core.store.sms.reminders import SmsReminders


def parse_now(value: str) -> datetime:
    """An ISO 8601 instant with a UTC offset ("Z" accepted); ValueError otherwise."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("--now needs a UTC offset, e.g. 2026-12-05T09:00:00+01:00")
    return moment.astimezone(timezone.utc)


def run_send_reminders(url: str, now_text: str | None, out: TextIO, err: TextIO) -> int:
    try:
        now = parse_now(now_text) if now_text else utc_now()
    except ValueError as exc:
        print(f"Ugyldigt tidspunkt: {exc}", file=err)
        return EXIT_INVALID
    try:
        config = sms_config()
        practice = get_municipality().sms
    except (SmsNotConfigured, MunicipalityFileError) as exc:
        print(f"SMS er ikke sat op (se docs/sms.md): {exc}", file=err)
        return EXIT_SETUP_ERROR
    database = Database(url, timeout_s=30)
    try:
        report = SmsReminders(database).schedule(
            now, practice, lambda e164: conversation_id(e164, config.pseudonym_key)
        )
    except StoreError as exc:
        print(f"Databasefejl ({exc.reason}, {exc.dialect}). Ingen påmindelser er planlagt.", file=err)
        return EXIT_DB_ERROR
    finally:
        database.close()
    when = local_time(now).strftime("%Y-%m-%d %H:%M")
    if not within_hours(now, practice):
        print(
            f"{when}: uden for tidsrummet kl. {practice.reminder_from_hour}-{practice.reminder_until_hour}; "
            "ingen påmindelser sendes nu.",
            file=out,
        )
    print(
        f"{when}: {report.scheduled} påmindelse(r) sendes nu, {report.already} er sendt eller planlagt før, "
        f"{report.opted_out} til numre, der har skrevet STOP.",
        file=out,
    )
    return EXIT_OK


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--now", help="pretend it is this instant (ISO 8601 with UTC offset)")


COMMANDS = (
    Command(
        "send-reminders",
        "schedule the SMS meeting reminders that are due now",
        lambda args, c: run_send_reminders(c.db_url, args.now, c.out, c.err),
        _arguments,
    ),
)
