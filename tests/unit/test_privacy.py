"""CPR and phone-number detection, masking and the masking log filter (core.privacy)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from core.privacy import (
    CPR_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    CprMaskingFilter,
    contains_cpr,
    contains_phone,
    install_log_filter,
    mask_cpr,
    mask_personal,
    mask_phone,
    stored_event_holds_personal_numbers,
)

# --- detection and masking -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010190-1234", CPR_PLACEHOLDER),
        ("0101901234", CPR_PLACEHOLDER),
        ("010190 1234", CPR_PLACEHOLDER),
        ("010190 - 1234", CPR_PLACEHOLDER),
        ("010190\u20131234", CPR_PLACEHOLDER),  # en dash from phone auto-correct
        ("Mit cpr er 311299-4321.", f"Mit cpr er {CPR_PLACEHOLDER}."),
        ("cpr:0101901234, tak", f"cpr:{CPR_PLACEHOLDER}, tak"),
        ("290200-4123 er født i 2000", f"{CPR_PLACEHOLDER} er født i 2000"),  # leap year
        ("150358-5123 (1858)", f"{CPR_PLACEHOLDER} (1858)"),  # 7th digit 5, YY > 57
        (
            "Mig: 010190-1234, min søn: 241215 4567",
            f"Mig: {CPR_PLACEHOLDER}, min søn: {CPR_PLACEHOLDER}",
        ),
    ],
)
def test_cpr_numbers_are_masked(text: str, expected: str) -> None:
    assert mask_cpr(text) == (expected, True)
    assert contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ring på +45 20 12 34 56",
        "Ring på 20123456",
        "Ring på 20 12 34 56",
        "+4520123456",
        "004520123456",
        "0045 20123456",
        "Jeg skylder 1.234.567 kr.",
        "Beløbet er 150000 kr. og 2500,50 kr.",
        "Mødet er den 01-01-2024 kl. 10.00",
        "født 010190",
        "1234567890",  # month 34
        "3201901234",  # day 32
        "3002901234",  # 30 February
        "290200-1234",  # 29/2 1900 (7th digit 1): not a leap year
        "010190-12345",  # too many digits
        "12345678901",
        "sagsnummer 2024-001234",
        "",
    ],
)
def test_non_cpr_numbers_are_left_alone(text: str) -> None:
    assert mask_cpr(text) == (text, False)
    assert not contains_cpr(text)


def test_mask_cpr_keeps_the_rest_of_the_text() -> None:
    masked, found = mask_cpr("Hej. Mit nummer er 010190-1234 og min tlf. er 20 12 34 56.")
    assert found
    assert masked == f"Hej. Mit nummer er {CPR_PLACEHOLDER} og min tlf. er 20 12 34 56."


# --- phone numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20123456", PHONE_PLACEHOLDER),
        ("Ring på 20 12 34 56.", f"Ring på {PHONE_PLACEHOLDER}."),
        ("mit nr er 2012 3456", f"mit nr er {PHONE_PLACEHOLDER}"),
        ("tlf: 20-12-34-56", f"tlf: {PHONE_PLACEHOLDER}"),
        ("+45 20 12 34 56", PHONE_PLACEHOLDER),
        ("+4520123456", PHONE_PLACEHOLDER),
        ("(+45) 20123456", PHONE_PLACEHOLDER),
        ("0045 20123456", PHONE_PLACEHOLDER),
        ("004520123456", PHONE_PLACEHOLDER),
        ("+45 2012 3456", PHONE_PLACEHOLDER),
        ("ring til min mor på 40 50 60 70 eller mig på 31 22 33 44", None),
        ("20 12 3456", PHONE_PLACEHOLDER),
        ("Skriv til mig (20 12 34 56)", f"Skriv til mig ({PHONE_PLACEHOLDER})"),
        ("min svenske telefon +46 70 123 45 67", f"min svenske telefon {PHONE_PLACEHOLDER}"),
        ("tlf.nr. 70 10 20 30, tak", f"tlf.nr. {PHONE_PLACEHOLDER}, tak"),
    ],
)
def test_phone_numbers_are_masked(text: str, expected: str | None) -> None:
    masked, found = mask_phone(text)
    assert found and contains_phone(text)
    if expected is not None:
        assert masked == expected
    assert not any(char.isdigit() for char in masked), masked


@pytest.mark.parametrize(
    "text",
    [
        "Jeg får 12345678 kr. om året",  # amount
        "beløbet er 20000000 kroner",
        "kr. 20000000",
        "Jeg skylder 12.345.678 kr",
        "Beløbet er 150000 kr. og 2500,50 kr.",
        "Mødet er den 24-12-2026 kl. 10.00",
        "født 01.02.1985",
        "den 23/11/2026",
        "2026-11-23",  # ISO date
        "mødet 2026.12.08 kl. 10",
        "sagsnr. 20241234",
        "sagsnummer: 2024-1234",
        "j.nr. 20241234",
        "2024-1234",  # case/reference number with a year
        "sagsnummer 2024-001234",
        "Ring 112 eller 1813",
        "Jeg er 45 år og har 3 børn",
        "20 timer om ugen i 12 uger",
        "kontonr. 12345678",
        "12345",
        "123456789012",
        "0123 4567",  # not a valid Danish number
        "1234 5678",  # Danish numbers do not start with 1
        "version 3.6.21",
        "",
    ],
)
def test_other_numbers_are_not_phone_numbers(text: str) -> None:
    assert mask_phone(text) == (text, False)


def test_public_numbers_can_be_kept() -> None:
    text = "Ring til jobcentret på 70 10 20 30 eller til mig på 20 12 34 56"
    masked, found = mask_phone(text, keep=frozenset({"+4570102030"}))
    assert found and masked == f"Ring til jobcentret på 70 10 20 30 eller til mig på {PHONE_PLACEHOLDER}"
    assert not contains_phone("Ring på 70 10 20 30", keep=frozenset({"+4570102030"}))


def test_mask_personal_masks_cpr_before_phone() -> None:
    masked = mask_personal("cpr 0101901234 og tlf 20123456")
    assert masked.text == f"cpr {CPR_PLACEHOLDER} og tlf {PHONE_PLACEHOLDER}"
    assert masked.cpr_found and masked.phone_found


# --- log filter ------------------------------------------------------------------------


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _remove_cpr_filters() -> None:
    for handler in [*logging.getLogger().handlers, logging.lastResort]:
        if handler is None:
            continue
        for log_filter in list(handler.filters):
            if isinstance(log_filter, CprMaskingFilter):
                handler.removeFilter(log_filter)


@pytest.fixture
def root_handler() -> Iterator[_ListHandler]:
    """A handler on the root logger, as Rasa's logging.basicConfig would create."""
    handler = _ListHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    logger = logging.getLogger("test.privacy")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.setLevel(old_level)
    root.removeHandler(handler)
    _remove_cpr_filters()


def test_filter_masks_cpr_in_log_arguments(root_handler: _ListHandler) -> None:
    install_log_filter()
    logging.getLogger("test.privacy").info("cpr %s", "010190-1234")
    assert root_handler.lines == [f"INFO cpr {CPR_PLACEHOLDER}"]


def test_filter_masks_cpr_in_caplog(caplog: pytest.LogCaptureFixture) -> None:
    try:
        with caplog.at_level(logging.INFO, logger="test.privacy"):
            install_log_filter()  # caplog's handler sits on the root logger
            logging.getLogger("test.privacy").info("cpr %s", "010190-1234")
    finally:
        _remove_cpr_filters()
    assert "010190-1234" not in caplog.text
    assert caplog.records[-1].getMessage() == f"cpr {CPR_PLACEHOLDER}"


def test_filter_masks_message_dict_args_and_objects(root_handler: _ListHandler) -> None:
    install_log_filter()
    logger = logging.getLogger("test.privacy")
    logger.warning("Brugeren skrev 0101901234")
    logger.info("data %(text)s", {"text": "010190 1234"})
    logger.info("tracker %s", {"latest_message": {"text": "min cpr 010190-1234"}})
    logger.info({"text": "010190-1234"})
    assert all("1234" not in line for line in root_handler.lines), root_handler.lines
    assert len(root_handler.lines) == 4


def test_filter_masks_cpr_in_tracebacks(root_handler: _ListHandler) -> None:
    install_log_filter()
    try:
        raise ValueError("could not parse 010190-1234")
    except ValueError:
        logging.getLogger("test.privacy").exception("parse failed")
    output = "\n".join(root_handler.lines)
    assert "ValueError" in output
    assert CPR_PLACEHOLDER in output
    assert "010190-1234" not in output


def test_filter_masks_phone_numbers_and_leaves_other_numbers(root_handler: _ListHandler) -> None:
    install_log_filter()
    logger = logging.getLogger("test.privacy")
    logger.info("ring %s kl. %d", "20 12 34 56", 10)
    logger.info("besked fra +4520123456 om mødet den 24-12-2026, beløb 12345678 kr.")
    assert root_handler.lines == [
        f"INFO ring {PHONE_PLACEHOLDER} kl. 10",
        f"INFO besked fra {PHONE_PLACEHOLDER} om mødet den 24-12-2026, beløb 12345678 kr.",
    ]


def test_install_log_filter_is_idempotent(root_handler: _ListHandler) -> None:
    assert install_log_filter() >= 1
    assert install_log_filter() == 0
    assert sum(isinstance(f, CprMaskingFilter) for f in root_handler.filters) == 1


# --- the privacy scan of stored events ---------------------------------------------------------


def _event(text: str, **more: object) -> str:
    # The shape Rasa stores: a random message id, a timestamp and confidences beside the text.
    data = {
        "event": "user",
        "timestamp": 1796606663.4379117,
        "text": text,
        "parse_data": {
            "message_id": "50de785c0db0494e9f72f2411816058e",
            "intent": {"confidence": 0.8974414549741551},
        },
        "metadata": {"model_id": "b6b487a8-4c03-4077-8288-c7831673d2f3"},
    }
    data.update(more)
    return json.dumps(data)


def test_scan_ignores_machine_ids_whose_digits_look_like_a_cpr_number() -> None:
    # "2411816058" inside the message id is a valid date and serial: found once in a real run.
    assert contains_cpr(_event("hej"))
    assert not stored_event_holds_personal_numbers(_event("hej"))


@pytest.mark.parametrize(
    "event",
    [
        _event("mit cpr er 010190-1234"),
        _event("ring på 20 12 34 56"),
        _event("hej", slots={"guide_worry": "010190 1234"}),
        _event("hej", entities=[{"entity": "number", "value": 2012345678}]),
        _event("hej", metadata={"note": "+46 70 123 45 67"}),
        _event("hej", **{"20123456": "a phone number as a key"}),
        r'{"event": "user", "text": "\u0030\u0031\u0030\u0031\u0039\u0030-1234"}',  # escaped digits
    ],
)
def test_scan_finds_personal_numbers_anywhere_in_the_event(event: str) -> None:
    assert stored_event_holds_personal_numbers(event)


def test_scan_keeps_public_numbers_and_checks_text_that_is_not_json() -> None:
    assert not stored_event_holds_personal_numbers(
        _event("ring til jobcentret på 70 12 34 56"), frozenset({"+4570123456"})
    )
    assert stored_event_holds_personal_numbers("not json: 010190-1234")
    assert not stored_event_holds_personal_numbers("not json: 12345678 kr.")
