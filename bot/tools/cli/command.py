"""What a command of `python -m bot` is: its name, help, arguments and what it runs.

Each command module (case_data, tokens, reminders, answers, review) lists its commands in
`COMMANDS`; `bot.tools.cli` builds the parser from those lists and runs the command the
parser chose (argparse `set_defaults`), so no command can fall through to another.

Must not: do any command's work.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Context:
    """What every command gets besides its arguments: the case database URL and the streams."""

    db_url: str
    out: TextIO
    err: TextIO


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Callable[[argparse.Namespace, Context], int]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    # takes --db-url (the case database)
    uses_database: bool = True
