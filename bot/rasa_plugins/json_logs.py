"""JSON lines in a Rasa process's log when LOG_JSON=true (production), one object per record.

`install()` gives every root-logger handler python-json-logger's formatter (fields: time, level,
logger, message, and the process's port-independent name) and keeps the personal-data filter of
core.privacy in front of it, so CPR and phone numbers are masked before a record is written.
Citizens' texts are not logged by the project's code at INFO (the channels log outcomes, never
messages); Rasa's DEBUG records would contain them, so LOG_JSON also refuses a DEBUG root level.

Must not: add a handler (Rasa configures them), or log anything itself.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter

from core.privacy import install_log_filter
from core.settings import get_settings

FIELDS = "{asctime}{levelname}{name}{message}"


def install() -> bool:
    """Switch the root handlers to JSON lines if LOG_JSON is set; True when it did."""
    if not get_settings().log_json:
        return False
    root = logging.getLogger()
    if root.level < logging.INFO:
        root.setLevel(logging.INFO)  # DEBUG would log citizens' messages
    formatter = JsonFormatter(
        FIELDS,
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    for handler in root.handlers:
        handler.setFormatter(formatter)
    install_log_filter()
    return True
