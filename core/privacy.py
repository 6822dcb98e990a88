"""CPR-number privacy: find Danish CPR numbers in free text, mask them, keep them out of logs.

A CPR number is DDMMYY-XXXX, DDMMYYXXXX or DDMMYY XXXX where DDMMYY is a real date in the
century given by the 7th digit (CPR rules). Since 2007 not every CPR number passes the old
modulus-11 check, so that check is deliberately not used. Phone numbers (+45 20 12 34 56,
20123456), amounts and dates on their own are not CPR numbers and are left alone.

Must not: store or log the numbers it finds (only whether one was found).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

CPR_PLACEHOLDER = "[CPR-nummer fjernet]"

_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014"  # hyphen and the dashes phones auto-correct to
_SPACES = " \u00a0"
_CPR_PATTERN = re.compile(
    r"(?<![\d+])"  # not inside a longer number, not an international phone number
    r"(?P<dd>\d{2})(?P<mm>\d{2})(?P<yy>\d{2})"
    rf"(?:[{_SPACES}]?[{_DASHES}][{_SPACES}]?|[{_SPACES}])?"
    r"(?P<serial>\d{4})"
    r"(?!\d)"
)


def contains_cpr(text: str | None) -> bool:
    """True when `text` holds at least one CPR number."""
    return bool(text) and any(_is_cpr(m) for m in _CPR_PATTERN.finditer(text or ""))


def mask_cpr(text: str) -> tuple[str, bool]:
    """Replace every CPR number in `text` with CPR_PLACEHOLDER; also say whether any was found."""
    if not text:
        return text, False
    found = False

    def _replace(match: re.Match[str]) -> str:
        nonlocal found
        if not _is_cpr(match):
            return match.group(0)
        found = True
        return CPR_PLACEHOLDER

    masked = _CPR_PATTERN.sub(_replace, text)
    return masked, found


def _is_cpr(match: re.Match[str]) -> bool:
    """Whether the six date digits form a real birth date in the century the serial implies."""
    day, month, yy = int(match["dd"]), int(match["mm"]), int(match["yy"])
    year = _birth_year(yy, int(match["serial"][0]))
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _birth_year(yy: int, century_digit: int) -> int:
    """The full birth year from YY and the 7th CPR digit (CPR-kontoret's century table)."""
    if century_digit <= 3:
        return 1900 + yy
    if century_digit in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    return 2000 + yy if yy <= 57 else 1800 + yy


class CprMaskingFilter(logging.Filter):
    """Masks CPR numbers in a log record's message, arguments and traceback; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_cpr(record.msg)[0]
        record.args = _mask_args(record.args)
        _mask_formatted_message(record)
        _mask_exception_text(record)
        return True


def _mask_args(args: Any) -> Any:
    """Mask string arguments, keeping the tuple/mapping shape so lazy formatting still works."""
    if isinstance(args, tuple):
        return tuple(_mask_value(arg) for arg in args)
    if isinstance(args, dict):
        return {key: _mask_value(value) for key, value in args.items()}
    return args


def _mask_value(value: Any) -> Any:
    return mask_cpr(value)[0] if isinstance(value, str) else value


def _mask_formatted_message(record: logging.LogRecord) -> None:
    """Catch what per-argument masking cannot (CPR inside dicts, objects, non-str msg)."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError, KeyError):
        return  # a broken format string; logging reports it itself
    masked, found = mask_cpr(message)
    if found:
        record.msg = masked
        record.args = ()


def _mask_exception_text(record: logging.LogRecord) -> None:
    """Pre-render the traceback masked, so formatters use it instead of the raw one."""
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_cpr(record.exc_text)[0]
    if record.stack_info:
        record.stack_info = mask_cpr(record.stack_info)[0]


def install_log_filter() -> int:
    """Attach a CprMaskingFilter to every root-logger handler that lacks one (idempotent).

    Call it after logging is configured (the verified channels call it when Rasa builds
    their blueprints). Returns how many handlers got a new filter.
    """
    handlers = list(logging.getLogger().handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    added = 0
    for handler in handlers:
        if not any(isinstance(f, CprMaskingFilter) for f in handler.filters):
            handler.addFilter(CprMaskingFilter())
            added += 1
    return added
