"""End-to-end: the citizen's own case over the verified REST channel.

Real Rasa server (trained model), real action server and a SQLite case database seeded with
`python -m bot seed-demo` (dates moved to the current week), all started by the `servers`
fixture. Tokens are signed here with the servers' development secret. The expected meeting is
read from the same database through the repository and formatted with `actions.wording`, so
nothing depends on today's date. The municipality's details are read from the same settings
file the servers use (they inherit MUNICIPALITY_FILE from this process; default
data/municipality.yml).

The last test needs no trained model: it starts only the action server, with a broken
municipality file, and checks that it refuses to start and says which field is wrong.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterator

import pytest
import requests
import yaml

from actions.wording import format_meeting_time
from core.municipality import DEFAULT_FILE, Municipality, get_municipality
from core.phone import for_citizen as format_phone
from core.records import CaseworkerRecord, MeetingRecord
from core.settings import get_settings
from core.store.cases.repository import CaseRepository
from core.store.database import Database
from core.texts import text as stored_text
from tests.support.citizens import ANNA, ask, make_token, texts
from tests.support.servers import REPO, free_port

NEXT_MEETING_QUESTION = "hvornår er mit næste møde?"
MEETING_TIME = re.compile(r"kl\. \d{1,2}\.\d{2}")  # "kl. 10.00"; not opening hours ("kl. 9-15")


@pytest.fixture(scope="module")
def repository(servers: Dict[str, str]) -> Iterator[CaseRepository]:
    database = Database(servers["db_url"], timeout_s=10)
    yield CaseRepository(database)
    database.close()


@pytest.fixture(scope="module")
def annas_meeting(repository: CaseRepository) -> tuple[MeetingRecord, datetime]:
    now = datetime.now(timezone.utc)
    meeting = repository.next_meeting(ANNA, now)
    assert meeting is not None, "the seeded demo data should give Anna a coming meeting"
    assert meeting.location
    return meeting, now


@pytest.fixture(scope="module")
def annas_caseworker(repository: CaseRepository) -> CaseworkerRecord:
    worker = repository.caseworker_for(ANNA)
    assert worker is not None and worker.phone
    return worker


@pytest.fixture(scope="module")
def municipality() -> Municipality:
    """The settings the servers read (same environment, same file)."""
    get_settings.cache_clear()
    get_municipality.cache_clear()
    return get_municipality()


def assert_no_meeting_data(answer: str, meeting: MeetingRecord, now: datetime) -> None:
    assert meeting.location not in answer
    assert format_meeting_time(meeting.starts_at, now) not in answer
    assert not MEETING_TIME.search(answer)
    for participant in meeting.participants:
        assert participant not in answer
    assert "Mette Holm" not in answer


# --- With a valid token ----------------------------------------------------------------------
def test_verified_citizen_gets_her_next_meeting(rest_url, servers, annas_meeting):
    meeting, now = annas_meeting
    replies = ask(rest_url, NEXT_MEETING_QUESTION, token=make_token(servers["secret"]))
    answer = texts(replies)
    assert meeting.location in answer
    assert format_meeting_time(meeting.starts_at, now) in answer
    assert "Mette Holm" in answer
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert "Hvordan kan jeg forberede mig til mødet?" in payloads
    assert "Hvilke møder har jeg?" in payloads


def test_the_all_meetings_button_lists_every_coming_meeting(rest_url, servers, repository):
    now = datetime.now(timezone.utc)
    coming = repository.upcoming_meetings(ANNA, now)
    assert coming
    answer = texts(ask(rest_url, "Hvilke møder har jeg?", token=make_token(servers["secret"])))
    for meeting in coming:
        assert format_meeting_time(meeting.starts_at, now) in answer


def test_verified_citizen_gets_her_case_status(rest_url, servers):
    answer = texts(ask(rest_url, "hvad er status på min sag?", token=make_token(servers["secret"])))
    assert "Dit ressourceforløb er i gang." in answer


def test_verified_citizen_gets_her_caseworker(rest_url, servers, annas_caseworker):
    answer = texts(ask(rest_url, "hvem er min sagsbehandler?", token=make_token(servers["secret"])))
    assert annas_caseworker.name in answer
    assert format_phone(annas_caseworker.phone or "") in answer


def test_human_handoff_names_the_caseworker_only_when_verified(
    rest_url, servers, annas_caseworker, municipality
):
    question = "jeg vil gerne tale med et menneske"
    verified = texts(ask(rest_url, question, token=make_token(servers["secret"])))
    assert annas_caseworker.name in verified
    assert format_phone(annas_caseworker.phone or "") in verified
    # Then the jobcenter, from the municipality settings.
    assert verified.index(annas_caseworker.name) < verified.index(municipality.phone)
    anonymous = texts(ask(rest_url, question))
    assert "Du kan altid tale med et menneske" in anonymous
    assert annas_caseworker.name not in anonymous
    for detail in (municipality.jobcenter_name, municipality.phone, municipality.opening_hours):
        assert detail in anonymous
    assert municipality.contact_url in anonymous


# --- Without a usable token: no meeting data --------------------------------------------------------
def test_no_token_gives_no_meeting_data(rest_url, annas_meeting, municipality):
    answer = texts(ask(rest_url, NEXT_MEETING_QUESTION))
    assert_no_meeting_data(answer, *annas_meeting)
    assert f"Log ind med MitID her: {municipality.mitid_login_url}" in answer


def test_expired_token_gives_no_meeting_data(rest_url, servers, annas_meeting, municipality):
    expired = make_token(servers["secret"], ttl_seconds=-3600)
    answer = texts(ask(rest_url, NEXT_MEETING_QUESTION, token=expired))
    assert_no_meeting_data(answer, *annas_meeting)
    assert "Dit login er udløbet" in answer
    assert municipality.mitid_login_url in answer


def test_forged_token_gives_no_meeting_data(rest_url, annas_meeting):
    forged = make_token("dev-only-" + "forged" * 8)
    answer = texts(ask(rest_url, NEXT_MEETING_QUESTION, token=forged))
    assert_no_meeting_data(answer, *annas_meeting)
    assert "Jeg kunne ikke bekræfte dit login" in answer


def test_identity_sent_by_the_client_itself_is_ignored(rest_url, annas_meeting):
    fake = {"identity": {"citizen_id": ANNA, "via": "mitid"}, "citizen_id": ANNA}
    answer = texts(ask(rest_url, NEXT_MEETING_QUESTION, metadata=fake))
    assert_no_meeting_data(answer, *annas_meeting)


# --- CPR numbers ------------------------------------------------------------------------------
def test_cpr_number_is_not_echoed_and_the_citizen_is_told(rest_url, servers, annas_meeting):
    meeting, _now = annas_meeting
    replies = ask(
        rest_url,
        "mit cpr er 010190-1234 hvornår er mit næste møde",
        token=make_token(servers["secret"]),
    )
    answer = texts(replies)
    for fragment in ("010190-1234", "0101901234", "010190"):
        assert fragment not in answer
    assert replies[0]["text"] == stored_text("replies", "cpr_notice", "da")
    assert meeting.location in answer


# --- A broken municipality file stops the action server -----------------------------------------
def test_the_action_server_refuses_to_start_on_a_broken_municipality_file(tmp_path: Path):
    settings = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    settings["mitid_login_url"] = "http://www.eksempel-kommune.dk/chat/log-ind"  # not https
    broken = tmp_path / "municipality.yml"
    broken.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "RASA_TELEMETRY_ENABLED": "false",
        "MUNICIPALITY_FILE": str(broken),
    }
    port = free_port()
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "actions", "--port", str(port)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert f"{broken}: mitid_login_url: skal være en https://-adresse" in output
    assert "Indstillingerne kan ikke bruges" in output
    assert time.monotonic() - started < 180
    with pytest.raises(requests.RequestException):
        requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
