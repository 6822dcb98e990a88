"""Personal numbers in free text: find CPR and phone numbers, mask them, keep them out of logs.

A CPR number is DDMMYY-XXXX, DDMMYYXXXX or DDMMYY XXXX where DDMMYY is a real date in the
century given by the 7th digit (CPR rules). Since 2007 not every CPR number passes the old
modulus-11 check, so that check is deliberately not used. `mask_cpr` leaves phone numbers,
amounts and dates alone.

A phone number (`mask_phone`) is a Danish number as Danes write it: eight digits, whole or in
groups of 2+2+2+2, 4+4, 2+2+4 or 4+2+2 (one kind of separator: space, hyphen or dot), optionally
after +45, 0045 or (+45); or any number written with a + and a country code that
libphonenumber calls valid. Without a prefix the eight digits must be a valid Danish number
(`core.phone`). Not phone numbers: amounts ("12345678 kr.", "kr. 20000000"), dates
("24-12-2026", "01.02.2025"), case and journal numbers ("sagsnr. 20241234", "2024-1234"), short
numbers (112, 1813) and numbers in thousands groups ("12.345.678").

`mask_personal` masks both; it is what the channels apply where a message enters, what the
tracker store applies again before it stores an event, and what the log filter applies to every
log line. `stored_event_holds_personal_numbers` is the privacy scan's check of one stored event.

Must not: store or log the numbers it finds (only whether one was found).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from typing import Any, NamedTuple

import phonenumbers

from core import phone

CPR_PLACEHOLDER = "[CPR-nummer fjernet]"
PHONE_PLACEHOLDER = "[telefonnummer fjernet]"

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


# --- phone numbers -----------------------------------------------------------------------------
_SEP = r"[ \u00a0.\-]"
_DK_PREFIX = r"(?:\(\s?(?:\+|00)\s?45\s?\)|(?:\+|00)\s?45)"
_PHONE_PATTERN = re.compile(
    r"(?<![\w+,.\-/])"  # not inside a word, an amount, a longer number or a date
    rf"(?P<prefix>{_DK_PREFIX}{_SEP}?)?"
    rf"(?P<number>\d{{2}}(?:{_SEP}?\d{{2}}){{3}}|\d{{4}}{_SEP}\d{{4}}|\d{{2}}{_SEP}\d{{2}}{_SEP}\d{{4}}"
    rf"|\d{{4}}{_SEP}\d{{2}}{_SEP}\d{{2}})"
    r"(?![\w]|[.,\-/]\d)"  # not followed by more digits or letters ("20123456kr", "1.234,50")
)
# Any other number written with "+" and a country code (validated by libphonenumber).
_INTERNATIONAL_PATTERN = re.compile(r"(?<![\w+])\+(?!45)[1-9]\d{0,2}(?:[ \u00a0.\-]?\(?\d+\)?){2,6}(?!\d)")
_AMOUNT_AFTER = re.compile(r"^\s?(?:kr\b|kr\.|kroner|dkk\b|,-|,00\b|euro\b|€|%)", re.IGNORECASE)
_AMOUNT_BEFORE = re.compile(r"(?:\bkr\.?|\bdkk|\bbeløb(?:et)?(?:\s+(?:er|på))?)\s?$", re.IGNORECASE)
_REFERENCE_BEFORE = re.compile(
    r"(?:\bsag(?:s)?(?:-|\s)?(?:nr|nummer|id)\.?"
    r"|\bj(?:ournal)?\.?\s?(?:-|\s)?nr\.?|\bjournalnummer|\bref(?:erence)?(?:nr|nummer)?\.?"
    r"|\bkonto(?:nr|nummer)?\.?|\breg(?:istrerings)?\.?\s?nr\.?|\bfaktura(?:nr|nummer)?\.?"
    r"|\bkunde(?:nr|nummer)?\.?|\bcvr(?:-?nr|-?nummer)?\.?|\bp-?nr\.?|\bordre(?:nr|nummer)?\.?)"
    r"\s?[:#]?\s?$",
    re.IGNORECASE,
)
_LOOK_BEHIND_CHARS = 24


class Masked(NamedTuple):
    """A text with its personal numbers masked, and which kinds were found."""

    text: str
    cpr_found: bool
    phone_found: bool


def _groups(number: str) -> list[str]:
    return re.split(r"[ \u00a0.\-]", number)


def _is_date(number: str) -> bool:
    """2+2+4 digits with separators that form a real date (24-12-2026, 01.02.2025)."""
    groups = _groups(number)
    if [len(g) for g in groups] != [2, 2, 4]:
        return False
    day, month, year = (int(g) for g in groups)
    if not 1900 <= year <= 2100:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_iso_date(number: str) -> bool:
    """4+2+2 digits with separators that form a real date (2026-11-23, 2026.11.23)."""
    groups = _groups(number)
    if [len(g) for g in groups] != [4, 2, 2]:
        return False
    year, month, day = (int(g) for g in groups)
    if not 1900 <= year <= 2100:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_year_reference(number: str) -> bool:
    """4-4 with a hyphen whose first half is a year: a case or journal number (2024-1234)."""
    groups = number.split("-")
    return len(groups) == 2 and len(groups[0]) == 4 and 1950 <= int(groups[0]) <= 2100


def _is_danish_phone(match: re.Match[str], text: str, keep: frozenset[str]) -> bool:
    number = match["number"]
    separators = set(re.findall(r"[ \u00a0.\-]", number))
    if len(separators) > 1:
        return False
    if match["prefix"] is None:
        if _is_date(number) or _is_iso_date(number) or _is_year_reference(number):
            return False
        if separators == {"."}:  # 20.12.34.56 is rare; dotted 8 digits are mostly not phones
            return False
        before = text[max(0, match.start() - _LOOK_BEHIND_CHARS) : match.start()]
        if _AMOUNT_BEFORE.search(before) or _REFERENCE_BEFORE.search(before):
            return False
    if _AMOUNT_AFTER.match(text[match.end() : match.end() + 8]):
        return False
    e164 = phone.to_e164(re.sub(r"\D", "", number))
    return e164 is not None and e164 not in keep


def _is_international_phone(candidate: str, keep: frozenset[str]) -> bool:
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return False
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return number.country_code != 45 and phonenumbers.is_valid_number(number) and e164 not in keep


def mask_phone(text: str, keep: frozenset[str] = frozenset()) -> tuple[str, bool]:
    """Replace every phone number in `text` with PHONE_PLACEHOLDER; also say whether any was found.

    `keep` holds public numbers (E.164) that are left as they are, e.g. the jobcenter's own
    number in the assistant's answers when stored conversations are scanned.
    """
    if not text:
        return text, False
    found = False

    def _danish(match: re.Match[str]) -> str:
        nonlocal found
        if not _is_danish_phone(match, text, keep):
            return match.group(0)
        found = True
        return PHONE_PLACEHOLDER

    masked = _PHONE_PATTERN.sub(_danish, text)

    def _international(match: re.Match[str]) -> str:
        nonlocal found
        if not _is_international_phone(match.group(0), keep):
            return match.group(0)
        found = True
        return PHONE_PLACEHOLDER

    if "+" in masked:
        masked = _INTERNATIONAL_PATTERN.sub(_international, masked)
    return masked, found


def contains_phone(text: str | None, keep: frozenset[str] = frozenset()) -> bool:
    """True when `text` holds at least one phone number (other than the public ones in `keep`)."""
    return bool(text) and mask_phone(text or "", keep)[1]


def contains_personal_numbers(text: str | None, keep: frozenset[str] = frozenset()) -> bool:
    """A CPR number, or a phone number that is not one of the public numbers in `keep`."""
    return contains_cpr(text) or contains_phone(text, keep)


# Machine identifiers in stored events (Rasa's message ids, model ids: 32 hex digits, or a UUID
# with dashes). Their digits are random, so a run of ten can look like a CPR number by chance.
_MACHINE_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def stored_event_holds_personal_numbers(data: str, keep: frozenset[str] = frozenset()) -> bool:
    """True when a stored event's JSON holds a CPR number or a citizen's phone number.

    Every string value and every whole number is checked, wherever it sits in the event; machine
    identifiers (whole values of 32 hex digits or a UUID) and fractions (timestamps, confidences)
    are not, because their digits are random. Text that is not JSON is checked as it is.
    """
    try:
        parsed = json.loads(data)
    except ValueError:
        return contains_personal_numbers(data, keep)
    pending = [parsed]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, bool) or isinstance(value, float) or value is None:
            continue
        elif isinstance(value, int):
            if contains_personal_numbers(str(value), keep):
                return True
        elif isinstance(value, str) and not _MACHINE_ID.fullmatch(value):
            if contains_personal_numbers(value, keep):
                return True
    return False


def mask_personal(text: str) -> Masked:
    """`text` with CPR numbers, then phone numbers, masked (CPR first: it is the longer number)."""
    without_cpr, cpr_found = mask_cpr(text)
    without_phone, phone_found = mask_phone(without_cpr)
    return Masked(without_phone, cpr_found, phone_found)


def mask_text(text: str) -> str:
    """Just the masked text of `mask_personal` (for log lines and stored copies)."""
    return mask_personal(text).text if text else text


# --- the log filter ----------------------------------------------------------------------------


class PersonalDataMaskingFilter(logging.Filter):
    """Masks CPR and phone numbers in a log record's message, arguments and traceback; never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
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
    return mask_text(value) if isinstance(value, str) else value


def _mask_formatted_message(record: logging.LogRecord) -> None:
    """Catch what per-argument masking cannot (CPR inside dicts, objects, non-str msg)."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError, KeyError):
        return  # a broken format string; logging reports it itself
    masked = mask_text(message)
    if masked != message:
        record.msg = masked
        record.args = ()


def _mask_exception_text(record: logging.LogRecord) -> None:
    """Pre-render the traceback masked, so formatters use it instead of the raw one."""
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


# The filter's first name, kept for the modules that already attach it.
CprMaskingFilter = PersonalDataMaskingFilter


def install_log_filter() -> int:
    """Attach a PersonalDataMaskingFilter to every root-logger handler that lacks one (idempotent).

    Call it after logging is configured (the verified channels call it when Rasa builds
    their blueprints). Returns how many handlers got a new filter.
    """
    handlers = list(logging.getLogger().handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    added = 0
    for handler in handlers:
        if not any(isinstance(f, PersonalDataMaskingFilter) for f in handler.filters):
            handler.addFilter(PersonalDataMaskingFilter())
            added += 1
    return added
