"""Phone numbers: the one normaliser (E.164) and how a number is shown to a citizen."""

from __future__ import annotations

import pytest

from core.phone import for_citizen, to_e164


@pytest.mark.parametrize(
    "raw", ["+45 20 12 34 56", "20123456", "20 12 34 56", "0045 20 12 34 56", "+4520123456"]
)
def test_danish_numbers_become_e164(raw: str) -> None:
    assert to_e164(raw) == "+4520123456"


def test_foreign_number_keeps_its_country_code() -> None:
    assert to_e164("+46 70 123 45 67") == "+46701234567"


@pytest.mark.parametrize("raw", ["", "   ", "12345", "2012345", "hej", "+45 00 00 00 00"])
def test_invalid_numbers_are_none(raw: str) -> None:
    assert to_e164(raw) is None


@pytest.mark.parametrize("raw", [None, 4520123456, ["20123456"]])
def test_anything_but_text_is_none(raw: object) -> None:
    assert to_e164(raw) is None


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+4570112233", "70 11 22 33"),
        ("+46812345678", "+46 8 123 456 78"),
        ("ikke et nummer", "ikke et nummer"),
    ],
)
def test_numbers_are_shown_as_danes_write_them(e164: str, shown: str) -> None:
    assert for_citizen(e164) == shown
