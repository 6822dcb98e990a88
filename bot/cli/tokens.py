"""`python -m bot demo-token CITIZEN_ID`: print a development login token (core.tokens).

Refuses (exit 2) in production and with anything but a `dev-only-` secret.
"""

from __future__ import annotations

from typing import TextIO

from bot.cli.exit_codes import EXIT_INVALID, EXIT_OK
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
