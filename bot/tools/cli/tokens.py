"""`python -m bot demo-token CITIZEN_ID`: print a development login token (core.tokens).

Refuses (exit 2) in production and with anything but a `dev-only-` secret.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.tools.cli.command import Command
from bot.tools.cli.exit_codes import EXIT_INVALID, EXIT_OK
from core.tokens import make_demo_token


def run_demo_token(citizen_id: str, out: TextIO, err: TextIO) -> int:
    """Print `make_demo_token(citizen_id)`; exit 2 when it refuses."""
    try:
        token = make_demo_token(citizen_id)
    except ValueError as exc:
        print(f"Afvist: {exc}", file=err)
        return EXIT_INVALID
    print(token, file=out)
    return EXIT_OK


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("citizen_id")


COMMANDS = (
    Command(
        "demo-token",
        "print a development login token",
        lambda args, c: run_demo_token(args.citizen_id, c.out, c.err),
        _arguments,
        uses_database=False,
    ),
)
