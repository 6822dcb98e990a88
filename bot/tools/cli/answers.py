"""`python -m bot stale-answers`: the FAQ answers past their review date.

Prints one line per answer whose `review_by` date has passed (`core.answer_dates`): the key, the
review date and the date it was last checked, then a count. `--today` pretends another date;
`--fail-if-any` exits 2 when there is one (for CI); without it the command only reports (exit 0),
as `make evaluate` runs it.

Must not: change the answers or read anything but data/nlu/faq_*.yml.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TextIO

from bot.tools.cli.command import Command
from bot.tools.cli.exit_codes import EXIT_INVALID, EXIT_OK
from core import clock
from core.answer_dates import stale_answers


def run_stale_answers(today: date | None, fail_if_any: bool, out: TextIO) -> int:
    day = today or clock.local_today(clock.utc_now())
    stale = stale_answers(day)
    for dates in stale:
        checked = dates.checked.isoformat() if dates.checked else "ukendt"
        print(f"{dates.key}\treview_by {dates.review_by}\tchecked {checked}", file=out)
    if stale:
        print(f"{len(stale)} svar skal tjekkes igen (review_by er passeret pr. {day}).", file=out)
    else:
        print(f"Ingen svar er forbi deres review_by-dato pr. {day}.", file=out)
    return EXIT_INVALID if stale and fail_if_any else EXIT_OK


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--today", type=date.fromisoformat, help="pretend today is this date (YYYY-MM-DD)")
    parser.add_argument("--fail-if-any", action="store_true", help="exit 2 when an answer is past its date")


COMMANDS = (
    Command(
        "stale-answers",
        "list the FAQ answers past their review_by date",
        lambda args, c: run_stale_answers(args.today, args.fail_if_any, c.out),
        _arguments,
        uses_database=False,
    ),
)
