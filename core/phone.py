"""Phone numbers: the one normaliser (to E.164) and the one way a number is shown to a citizen.

Numbers are stored and compared in E.164 ("+4520123456"); Danish numbers are read with region DK,
so "20 12 34 56", "+45 20123456" and "004520123456" are the same number. A citizen reads a Danish
number as Danes write it ("20 12 34 56") and a foreign one with its country code.

Must not: log numbers (they identify a person).
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "DK"


def _valid(raw: object, region: str = DEFAULT_REGION) -> phonenumbers.PhoneNumber | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def to_e164(raw: object, region: str = DEFAULT_REGION) -> str | None:
    """`raw` as an E.164 number, or None when it is not a valid phone number (or not text)."""
    number = _valid(raw, region)
    return None if number is None else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def for_citizen(e164: str) -> str:
    """A number as a Dane writes it: "+4570112233" -> "70 11 22 33".

    Foreign numbers keep their country code ("+46 8 123 456 78"); anything that is not a valid
    number is returned unchanged.
    """
    number = _valid(e164)
    if number is None:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 45
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
