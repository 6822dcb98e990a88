"""The SMS sender a citizen sees: GatewayAPI's rule, checked in one place.

GatewayAPI: "Up to 11 alphanumeric characters, or 15 digits" (docs/rest.rst, `sender`). Letters
are A-Z only: æøå are not reliably shown by every network, so "Jobcenter Aeroe" rather than
"Jobcenter Ærø". Used by the municipality file's validation and by `core.sms.config`.
"""

from __future__ import annotations

import re

MAX_ALPHANUMERIC_SENDER = 11
MAX_NUMERIC_SENDER = 15
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")
_NUMERIC_SENDER = re.compile(r"^\d{1,15}$")


def sender_problem(sender: str) -> str | None:
    """Why `sender` cannot be an SMS sender (Danish, for the settings file), or None."""
    if _ALPHANUMERIC_SENDER.match(sender) or _NUMERIC_SENDER.match(sender):
        return None
    return (
        f"skal være højst {MAX_ALPHANUMERIC_SENDER} bogstaver (A-Z, ikke æøå), tal og mellemrum, "
        f"eller højst {MAX_NUMERIC_SENDER} cifre"
    )
