"""The municipality settings file (core/municipality.py, data/municipality.yml).

The shipped file must load; MUNICIPALITY_FILE must win over it; every kind of mistake a
municipality can make in its copy must stop with a `MunicipalityFileError` that names the field;
and a broken file must stop the action server at start-up (exit code 1, message visible).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
import yaml

from core.municipality import (
    DEFAULT_FILE,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_URL_CHARS,
    Municipality,
    MunicipalityFileError,
    get_municipality,
    load_municipality,
)
from core.settings import get_settings

REPO = Path(__file__).resolve().parents[2]


def shipped() -> dict[str, Any]:
    """The shipped file as a plain dict, to copy and break in the tests."""
    return yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, document: Any, name: str = "municipality.yml") -> Path:
    path = tmp_path / name
    text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """`get_municipality()` re-reads the environment and the file in the test and after it."""
    monkeypatch.delenv("MUNICIPALITY_FILE", raising=False)
    reread()
    yield monkeypatch
    reread()


def reread() -> None:
    """Forget the cached environment and settings file (after MUNICIPALITY_FILE changed)."""
    get_settings.cache_clear()
    get_municipality.cache_clear()


def problem_with(tmp_path: Path, document: Any) -> str:
    with pytest.raises(MunicipalityFileError) as caught:
        load_municipality(write(tmp_path, document))
    return str(caught.value)


# --- The shipped file ---------------------------------------------------------------------------
def test_the_shipped_file_loads_with_every_setting(fresh_settings):
    municipality = get_municipality()
    assert isinstance(municipality, Municipality)
    assert municipality == load_municipality(DEFAULT_FILE)
    assert municipality.name and municipality.jobcenter_name and municipality.opening_hours
    assert municipality.mitid_login_url.startswith("https://")
    assert municipality.contact_url.startswith("https://")
    assert municipality.meeting_name
    assert isinstance(municipality.holds_rehabiliteringsteam, bool)
    assert 5 <= municipality.typical_meeting_minutes <= 240
    assert municipality.conversation_retention_days >= 1
    assert municipality.text_values()["call_jobcenter"] == (
        f"ring til {municipality.jobcenter_name} på {municipality.phone} ({municipality.opening_hours})"
    )


def test_the_settings_are_read_once_and_cached(fresh_settings):
    assert get_municipality() is get_municipality()


def test_municipality_file_overrides_the_shipped_file(fresh_settings, tmp_path):
    document = shipped()
    document.update(name="Testrup Kommune", jobcenter_name="Jobcenter Testrup", phone="33 44 55 66")
    fresh_settings.setenv("MUNICIPALITY_FILE", str(write(tmp_path, document)))
    reread()
    municipality = get_municipality()
    assert municipality.name == "Testrup Kommune"
    assert municipality.jobcenter_name == "Jobcenter Testrup"
    assert municipality.phone_uri == "tel:+4533445566"
    # Back to the shipped file once the variable is gone and the cache cleared.
    fresh_settings.delenv("MUNICIPALITY_FILE")
    reread()
    assert get_municipality().name == shipped()["name"]


def test_an_empty_municipality_file_variable_means_the_shipped_file(fresh_settings):
    fresh_settings.setenv("MUNICIPALITY_FILE", "")
    assert get_municipality().name == shipped()["name"]


def test_the_2026_rules_switch(tmp_path):
    document = shipped()
    document["meetings"] = {
        "holds_rehabiliteringsteam": False,
        "meeting_name": "det tværfaglige møde",
        "meeting_name_en": "the interdisciplinary meeting",
        "typical_length_minutes": 45,
    }
    municipality = load_municipality(write(tmp_path, document))
    assert municipality.holds_rehabiliteringsteam is False
    assert municipality.meeting_name == "det tværfaglige møde"
    assert municipality.meeting_name_in("en") == "the interdisciplinary meeting"
    assert municipality.fill("til {meeting_name}") == "til det tværfaglige møde"
    assert municipality.fill("for {meeting_name}", "en") == "for the interdisciplinary meeting"
    assert municipality.typical_meeting_minutes == 45


# --- Phone numbers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("70 10 20 30", "tel:+4570102030"),
        ("70102030", "tel:+4570102030"),
        ("+45 70 10 20 30", "tel:+4570102030"),
        ("0045 33 44 55 66", "tel:+4533445566"),
    ],
)
def test_phone_uri_is_e164(tmp_path, written, uri):
    municipality = load_municipality(write(tmp_path, {**shipped(), "phone": written}))
    assert municipality.phone == written  # shown as the municipality writes it
    assert municipality.phone_uri == uri
    number = phonenumbers.parse(uri.removeprefix("tel:"), None)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == uri[4:]


@pytest.mark.parametrize("phone", ["70 10 20", "ring os op", "12345678901234", "+45 00 00 00 00"])
def test_an_invalid_phone_number_names_the_field(tmp_path, phone):
    message = problem_with(tmp_path, {**shipped(), "phone": phone})
    assert "phone:" in message and "telefonnummer" in message


# --- Keys -------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["name", "phone", "opening_hours", "mitid_login_url", "contact_url"])
def test_a_missing_key_names_the_field(tmp_path, key):
    document = shipped()
    del document[key]
    message = problem_with(tmp_path, document)
    assert f"{key}: field required" in message


def test_a_missing_nested_key_names_the_full_path(tmp_path):
    document = shipped()
    del document["meetings"]["meeting_name"]
    assert "meetings.meeting_name: field required" in problem_with(tmp_path, document)


@pytest.mark.parametrize(
    ("section", "field"),
    [(None, "opening_hours_en"), ("meetings", "meeting_name_en"), ("conversation_log", "readers_en")],
)
def test_an_english_field_left_out_is_named(tmp_path, section, field):
    """Every text a citizen reads has its English field: one left out stops the servers."""
    document = shipped()
    del (document[section] if section else document)[field]
    expected = f"{section}.{field}" if section else field
    assert f"{expected}: field required" in problem_with(tmp_path, document)


def test_an_unknown_key_names_the_field(tmp_path):
    # A typo: "opening_hour" instead of "opening_hours".
    document = shipped()
    document["opening_hour"] = document.pop("opening_hours")
    message = problem_with(tmp_path, document)
    assert "opening_hour: extra fields not permitted" in message
    assert "opening_hours: field required" in message


def test_an_unknown_nested_key_names_the_full_path(tmp_path):
    document = shipped()
    document["meetings"]["holds_rehab"] = True
    assert "meetings.holds_rehab: extra fields not permitted" in problem_with(tmp_path, document)


@pytest.mark.parametrize("key", ["name", "jobcenter_name", "opening_hours", "jobcenter_address"])
def test_an_empty_text_names_the_field(tmp_path, key):
    assert f"{key}:" in problem_with(tmp_path, {**shipped(), key: "   "})


def test_the_meeting_length_is_checked(tmp_path):
    document = shipped()
    document["meetings"]["typical_length_minutes"] = 0
    assert "meetings.typical_length_minutes:" in problem_with(tmp_path, document)


# --- Addresses ----------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["contact_url", "website_url", "mitid_login_url"])
@pytest.mark.parametrize(
    "url",
    [
        "http://www.eksempel-kommune.dk/chat",
        "www.eksempel-kommune.dk/chat",
        "/chat/log-ind",
        "https://",
        "https:///sti",
        "https://www.eksempel-kommune.dk/log ind",
        "ftp://www.eksempel-kommune.dk",
    ],
)
def test_a_non_https_address_names_the_field(tmp_path, key, url):
    message = problem_with(tmp_path, {**shipped(), key: url})
    assert f"{key}: skal være en https://-adresse" in message


@pytest.mark.parametrize("key", ["accessibility_statement_url", "privacy_url"])
def test_site_paths_are_allowed_only_for_the_page_links(tmp_path, key):
    for good in ("/privatliv", "https://www.eksempel-kommune.dk/privatliv"):
        load_municipality(write(tmp_path, {**shipped(), key: good}))
    for bad in ("http://www.eksempel-kommune.dk/privatliv", "//evil.example/x", "privatliv"):
        assert f"{key}:" in problem_with(tmp_path, {**shipped(), key: bad})


# --- Lengths that keep every answer within one SMS-sized message ----------------------------
@pytest.mark.parametrize(
    ("key", "limit"),
    [
        ("name", MAX_NAME_CHARS),
        ("jobcenter_name", MAX_NAME_CHARS),
        ("opening_hours", MAX_TEXT_CHARS),
        ("mitid_login_url", MAX_URL_CHARS),
    ],
)
def test_too_long_values_name_the_field(tmp_path, key, limit):
    value = "https://x.dk/" + "a" * limit if key.endswith("_url") else "a" * (limit + 1)
    assert f"{key}:" in problem_with(tmp_path, {**shipped(), key: value})


# --- Not a settings file at all ---------------------------------------------------------------
def test_a_missing_file(tmp_path):
    with pytest.raises(MunicipalityFileError, match="kan ikke læses"):
        load_municipality(tmp_path / "nowhere.yml")


@pytest.mark.parametrize("text", ["name: [unclosed", "", "- just\n- a list\n"])
def test_a_file_that_is_not_a_yaml_mapping(tmp_path, text):
    with pytest.raises(MunicipalityFileError, match=str(tmp_path)):
        load_municipality(write(tmp_path, text))


# --- The action server refuses to start on a broken file; importing reads nothing --------------
@pytest.mark.parametrize(
    "server", [["actions", "--port", "0"], ["bot.web"], ["bot.review"]], ids=["actions", "web", "review"]
)
def test_the_servers_refuse_to_start_with_the_field_named(tmp_path, server):
    broken = write(tmp_path, {**shipped(), "phone": "ring os op"})
    env = {**os.environ, "MUNICIPALITY_FILE": str(broken), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", *server],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert f"{broken}: phone: er ikke et gyldigt telefonnummer" in result.stderr
    assert "Indstillingerne kan ikke bruges" in result.stderr
    assert "Traceback" not in result.stderr


def test_importing_the_packages_reads_no_settings_file(tmp_path):
    """`python -m bot migrate`, Alembic and the tests work even with a broken municipality file."""
    broken = write(tmp_path, {**shipped(), "phone": "ring os op"})
    env = {**os.environ, "MUNICIPALITY_FILE": str(broken), "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import actions, actions.cases, actions.preparation, core.store.cases.repository, bot.tools.cli",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
