"""End-to-end: citizens text the assistant through the (simulated) GatewayAPI.

The real Rasa server and action server (tests/support/servers.py) with the SMS channel; the
gateway simulator (bot/tools/gateway_simulator) runs in this process on the port Rasa was given, posts
signed incoming SMS to Rasa's webhook and records what Rasa sends to /rest/mtsms. Each test
texts from its own number (or a demo citizen's), so tests do not share a conversation.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, Dict

import pytest
import requests
from sqlalchemy import update

from actions.wording import format_meeting_time
from bot.rasa_plugins.sms import messages
from bot.rasa_plugins.sms.formatting import MORE_HINT
from bot.tools.gateway_simulator.app import Recorded
from core.care import support_texts
from core.clock import LOCAL_TZ, local_time
from core.limits import MAX_BODY_BYTES, MAX_INCOMING_CHARS, SMS_RATE_LIMIT_MESSAGES
from core.municipality import get_municipality
from core.sms.encoding import MAX_SEGMENTS
from core.sms.pseudonym import conversation_id
from core.store.cases.repository import CaseRepository
from core.store.database import Database
from core.store.sms.outbox import Outbox
from core.store.tables import Meeting
from core.texts import text as stored_text
from tests.support.citizens import UNSURE
from tests.support.servers import REPO, restart_rasa
from tests.support.sms import RunningSimulator, answer_rows

ANNA = "+4520123456"  # demo citizen c-1001: a coming rehabiliteringsteam meeting
JONAS = "+4522334455"  # demo citizen c-1002
_numbers = itertools.count(1)


def new_number() -> str:
    """A fresh unknown number (not in the demo data) for one test's conversation."""
    return f"+454010{next(_numbers):04d}"


@pytest.fixture(scope="module")
def database(servers: Dict[str, str]) -> Iterator[Database]:
    database = Database(servers["db_url"], timeout_s=10)
    yield database
    database.close()


def conversation(servers: Dict[str, str], msisdn: str) -> str:
    return conversation_id(msisdn, servers["sms_pseudonym_secret"].encode())


def text_and_wait(sim: RunningSimulator, msisdn: str, text: str, replies: int = 1) -> list[Recorded]:
    """Text the assistant; the SMS it sends back (waits for `replies` of them)."""
    before = len(sim.sent(msisdn))
    status, _ = sim.send_mo(msisdn, text)
    assert status == 200
    received = sim.wait_for(msisdn, replies, since=before)
    assert len(received) >= replies, f"no answer to {text!r}"
    return received


def answer(sim: RunningSimulator, msisdn: str, text: str) -> str:
    return text_and_wait(sim, msisdn, text)[-1].text


def settle(sim: RunningSimulator, msisdn: str, seconds: float = 2.0) -> list[Recorded]:
    """Everything sent to `msisdn` once nothing more has come for `seconds`."""
    count = -1
    while count != len(sim.sent(msisdn)):
        count = len(sim.sent(msisdn))
        time.sleep(seconds)
    return sim.sent(msisdn)


def tracker_events(servers: Dict[str, str], conversation_id_: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"{servers['rasa']}/conversations/{conversation_id_}/tracker",
        params={"token": servers["rasa_api_token"]},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["events"]


# --- Questions and identity ---------------------------------------------------------------------
def test_a_question_gets_a_plain_sms_answer(sim: RunningSimulator) -> None:
    number = new_number()
    [reply] = text_and_wait(sim, number, "hvor længe varer et ressourceforløb?")
    assert "3 år" in reply.text
    assert reply.sender == get_municipality().sms.sender
    assert reply.segments <= MAX_SEGMENTS and not reply.warnings
    assert "payload" not in reply.text and "**" not in reply.text


def test_a_registered_number_gets_its_next_meeting_an_unknown_number_does_not(
    sim: RunningSimulator, database: Database
) -> None:
    meeting = CaseRepository(database).next_meeting("c-1001", datetime.now(timezone.utc))
    assert meeting is not None
    when = format_meeting_time(meeting.starts_at, datetime.now(timezone.utc))
    anna = answer(sim, ANNA, "hvornår er mit næste møde?")
    assert when in anna and (meeting.location or "") in anna
    unknown = answer(sim, new_number(), "hvornår er mit næste møde?")
    assert when not in unknown and "Jeg kender ikke dit mobilnummer" in unknown
    assert stored_text("replies", "sms_unknown_number", "da").split(",")[0] in unknown


def test_the_number_never_reaches_the_conversation(sim: RunningSimulator, servers: Dict[str, str]) -> None:
    number = new_number()
    answer(sim, number, "hej")
    events = tracker_events(servers, conversation(servers, number))
    flat = repr(events)
    assert number not in flat and number.lstrip("+") not in flat and number[3:] not in flat
    user = [e for e in events if e["event"] == "user"][-1]
    assert user["input_channel"] == "gatewayapi" and "identity" not in (user.get("metadata") or {})


def test_a_registered_citizen_is_verified_by_sms_in_the_metadata(
    sim: RunningSimulator, servers: Dict[str, str]
) -> None:
    answer(sim, JONAS, "hvem er min sagsbehandler?")
    user = [e for e in tracker_events(servers, conversation(servers, JONAS)) if e["event"] == "user"][-1]
    assert user["metadata"]["identity"] == {"citizen_id": "c-1002", "via": "sms"}


def test_human_handoff_works_the_same_over_sms(sim: RunningSimulator) -> None:
    reply = answer(sim, new_number(), "jeg vil gerne tale med et menneske")
    assert "Du kan altid tale med et menneske" in reply
    assert get_municipality().phone in reply


# --- Exactly once -----------------------------------------------------------------------------------
def test_a_retried_webhook_is_answered_once(sim: RunningSimulator) -> None:
    number = new_number()
    message_id = sim.new_id()
    assert sim.send_mo(number, "hvad er et ressourceforløb?", message_id)[1] == {"status": "received"}
    assert sim.send_mo(number, "hvad er et ressourceforløb?", message_id)[1] == {"status": "duplicate"}
    assert len(settle(sim, number)) == 1


def test_unsigned_or_forged_webhooks_are_refused_and_nothing_is_stored(
    sim: RunningSimulator, servers: Dict[str, str], database: Database
) -> None:
    url = f"{servers['rasa']}/webhooks/gatewayapi/webhook"
    number = new_number()
    body = {"id": sim.new_id(), "msisdn": int(number[1:]), "receiver": 1204, "message": "hej", "senttime": 1}
    assert requests.post(url, json=body, timeout=10).status_code == 401
    forged = sim.simulator.sign(body, "dev-only-not-the-webhook-secret-at-all")
    assert requests.post(url, json=body, headers={"X-Gwapi-Signature": forged}, timeout=10).status_code == 401
    other_body = sim.simulator.sign({**body, "message": "noget andet"})
    assert (
        requests.post(url, json=body, headers={"X-Gwapi-Signature": other_body}, timeout=10).status_code
        == 401
    )
    assert sim.send_mo(number, "hej", secret="dev-only-wrong-secret-for-this-test")[0] == 401
    time.sleep(1.5)
    assert sim.sent(number) == []
    assert answer_rows(Outbox(database), conversation(servers, number)) == []


def test_gateway_down_then_up_the_answer_arrives_exactly_once(
    sim: RunningSimulator, servers: Dict[str, str], database: Database
) -> None:
    number = new_number()
    sim.fail("error", 503)
    try:
        assert sim.send_mo(number, "hvad er ressourceforløbsydelse?")[0] == 200
        outbox = Outbox(database)
        cid = conversation(servers, number)
        # the introduction goes first, so it is the SMS being retried (the answer waits behind it)
        assert sim.wait_until(lambda: any(r["attempts"] >= 2 for r in outbox.rows_for(cid)), timeout=30)
        assert sim.sent(number) == []
    finally:
        sim.fail("ok")
    received = sim.wait_for(number, 1, timeout=30)
    assert len(received) == 1
    assert len(settle(sim, number, 3.0)) == 1
    rows = Outbox(database).rows_for(conversation(servers, number))
    assert [r["kind"] for r in rows] == ["introduction", "reply"]  # in order, each once
    assert all(r["state"] == "sent" for r in rows) and rows[0]["attempts"] >= 3


def test_a_slow_gateway_that_took_the_sms_gets_no_second_copy(
    sim: RunningSimulator, servers: Dict[str, str], database: Database
) -> None:
    # Rasa gives up after GATEWAYAPI_TIMEOUT (3 s), the gateway answers after 5 s and reports
    # delivery: the SMS is marked sent from the report, and never sent again (resend after 6 s).
    number = new_number()
    sim.fail("slow", delay_s=5.0)
    try:
        assert sim.send_mo(number, "hvad er et ressourceforløb?")[0] == 200
        assert len(sim.wait_for(number, 1, timeout=30)) == 1
    finally:
        sim.fail("ok")
    assert len(settle(sim, number, 4.0)) == 1
    [row] = answer_rows(Outbox(database), conversation(servers, number))
    assert (row["state"], row["delivery_status"]) == ("sent", "DELIVERED")


def test_a_gateway_that_never_answered_gets_the_sms_again_later_once(sim: RunningSimulator) -> None:
    number = new_number()
    sim.fail("timeout")
    try:
        assert sim.send_mo(number, "hvad er et ressourceforløb?")[0] == 200
        time.sleep(5)
        assert sim.sent(number) == []
    finally:
        sim.fail("ok")
    assert len(sim.wait_for(number, 1, timeout=30)) == 1
    assert len(settle(sim, number, 3.0)) == 1


# --- Opt-out, options, long answers, limits ------------------------------------------------------
def test_stop_and_start(sim: RunningSimulator) -> None:
    number = new_number()
    assert answer(sim, number, " Stop ") == messages.text(messages.STOP_CONFIRMED)
    sim.send_mo(number, "hvad er et ressourceforløb?")
    sim.send_mo(number, "STOP")  # confirmed once only
    assert len(settle(sim, number)) == 1
    assert answer(sim, number, "start") == messages.text(messages.START_CONFIRMED)
    assert "3 år" in answer(sim, number, "hvor længe varer et ressourceforløb?")


def test_numbered_replies_choose_the_buttons(sim: RunningSimulator) -> None:
    number = new_number()
    first = answer(sim, number, "hjælp mig med at forberede mig til mødet")
    assert "Svar 1 for Videre, 2 for Spring over eller 3 for Stop." in first
    assert "(" not in first.split("Svar 1")[1]  # no payloads
    assert "Trin 2 af 5" in answer(sim, number, "1")
    assert "Trin 3 af 5" in answer(sim, number, " 1. ")
    offer = answer(sim, number, "2")  # Spring over: the rest of the explanation
    assert "Trin" not in offer.split("\n")[0]
    assert "Svar 1 for" in offer


def test_a_long_answer_is_cut_and_the_rest_comes_with_more(sim: RunningSimulator) -> None:
    number = new_number()
    first = answer(sim, number, "hvad er en rehabiliteringsplan?")
    rest = answer(sim, number, "MERE")
    if first.endswith(MORE_HINT):  # the answer is longer than 3 SMS
        assert rest and not rest.endswith(MORE_HINT)
    else:
        assert rest == messages.text(messages.NOTHING_MORE)


def test_rate_limit_one_notice_then_silence(sim: RunningSimulator) -> None:
    number = new_number()
    for n in range(SMS_RATE_LIMIT_MESSAGES + 3):
        assert sim.send_mo(number, f"hej {n}")[0] == 200
    received = settle(sim, number, 3.0)
    notices = [r for r in received if r.text == messages.text(messages.RATE_LIMITED)]
    assert len(notices) == 1
    assert len(received) == SMS_RATE_LIMIT_MESSAGES + 1


def test_a_too_long_sms_gets_a_polite_answer(sim: RunningSimulator) -> None:
    reply = answer(sim, new_number(), "ord " * (MAX_INCOMING_CHARS // 4 + 10))
    assert reply == messages.text(messages.TOO_LONG)


def test_an_sms_with_nothing_to_read_gets_a_polite_answer_and_the_next_one_an_answer(
    sim: RunningSimulator,
) -> None:
    msisdn = new_number()
    for empty in ["/", " // "]:  # control characters are refused by the webhook (422)
        assert answer(sim, msisdn, empty) == messages.text(messages.EMPTY), repr(empty)
    assert answer(sim, msisdn, "hvad er et ressourceforløb")


@pytest.mark.parametrize("path", ["webhook", "status"])
def test_bad_input_on_both_webhooks_is_a_clear_4xx_and_the_server_stays_healthy(
    sim: RunningSimulator, servers: Dict[str, str], path: str
) -> None:
    url = f"{servers['rasa']}/webhooks/gatewayapi/{path}"
    claims = {"id": 1, "msisdn": 4540109999, "message": "x", "status": "DELIVERED", "userref": "1"}
    signed = {"X-Gwapi-Signature": sim.simulator.sign(claims), "Content-Type": "application/json"}
    cases: list[tuple[bytes, dict[str, str], int]] = [
        (b"{not json", signed, 400),
        (b"\xff\xfe{}", signed, 400),
        (b"[1, 2, 3]", signed, 422),
        (b'{"id": "1", "msisdn": "4540109999", "message": 5, "status": 7, "userref": 1}', signed, 401),
        (b"x" * (MAX_BODY_BYTES + 1), signed, 413),
        (b'{"id": 1, "msisdn": 4540109999, "message": "hej\\u0000", "status": "DELIVERED"}', signed, 401),
    ]
    for body, headers, expected in cases:
        response = requests.post(url, data=body, headers=headers, timeout=10)
        assert response.status_code == expected, (body[:40], response.text)
        assert "error" in response.json()
    bad_types = {**claims, "id": "1"}
    typed = {"X-Gwapi-Signature": sim.simulator.sign(bad_types)}
    assert requests.post(url, json=bad_types, headers=typed, timeout=10).status_code == 422
    if path == "webhook":
        control = {**claims, "message": "hej\u0007"}
        headers = {"X-Gwapi-Signature": sim.simulator.sign(control)}
        assert requests.post(url, json=control, headers=headers, timeout=10).status_code == 422
    assert "3 år" in answer(sim, new_number(), "hvor længe varer et ressourceforløb?")


# --- Meeting reminders ---------------------------------------------------------------------------------
def send_reminders(servers: Dict[str, str], now: datetime) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CASES_DB_URL": servers["db_url"],
        "GATEWAYAPI_TOKEN": servers["sms_token"],
        "GATEWAYAPI_WEBHOOK_SECRET": servers["sms_webhook_secret"],
        "SMS_PSEUDONYM_SECRET": servers["sms_pseudonym_secret"],
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "send-reminders", "--now", now.isoformat()],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def move_meeting(session: Any, meeting_id: str, starts_at: datetime) -> None:
    """What a new case import does when the municipality moves a meeting."""
    session.execute(update(Meeting).where(Meeting.id == meeting_id).values(starts_at=starts_at))


def due_morning(starts_at: datetime, hour: int = 10) -> datetime:
    day = local_time(starts_at).date() - timedelta(days=get_municipality().sms.reminder_days_before)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LOCAL_TZ)


def test_reminders_once_at_the_right_time_into_the_conversation_and_forbered_starts_the_guide(
    sim: RunningSimulator, servers: Dict[str, str], database: Database
) -> None:
    now = datetime.now(timezone.utc)
    meeting = CaseRepository(database).next_meeting("c-1001", now)
    assert meeting is not None and meeting.kind == "rehabiliteringsteam"
    due = due_morning(meeting.starts_at)
    before = len(sim.sent(ANNA))
    assert "0 påmindelse(r) sendes nu" in send_reminders(servers, due - timedelta(hours=2))  # 8.00: too early
    assert "1 påmindelse(r) sendes nu" in send_reminders(servers, due)
    [reminder] = sim.wait_for(ANNA, 1, since=before)
    assert format_meeting_time(meeting.starts_at, now) in reminder.text
    assert (meeting.location or "") in reminder.text and "Svar FORBERED" in reminder.text
    assert "0 påmindelse(r) sendes nu, 1 er sendt" in send_reminders(servers, due)  # a second run
    guide = answer(sim, ANNA, "FORBERED")
    assert "Dit møde er" in guide
    events = tracker_events(servers, conversation(servers, ANNA))
    names = [
        (e["event"], e.get("name") or (e.get("parse_data") or {}).get("intent", {}).get("name"))
        for e in events
    ]
    assert ("user", "EXTERNAL_meeting_reminder") in names
    assert ("action", "action_meeting_reminder") in names
    assert names.index(("user", "EXTERNAL_meeting_reminder")) < names.index(
        ("action", "action_start_preparation")
    )
    answer(sim, ANNA, "3")  # Stop the guide: leaves Anna's conversation as it was
    # The meeting moves one day: a new reminder for the new time.
    moved = meeting.starts_at + timedelta(days=1)
    database.run(move_meeting, meeting.id, moved)
    count = len(sim.sent(ANNA))
    assert "1 påmindelse(r) sendes nu" in send_reminders(servers, due_morning(moved, 11))
    [again] = sim.wait_for(ANNA, 1, since=count)
    assert format_meeting_time(moved, now) in again.text


def test_no_reminder_at_night_and_none_after_stop(
    sim: RunningSimulator, servers: Dict[str, str], database: Database
) -> None:
    now = datetime.now(timezone.utc)
    meeting = CaseRepository(database).next_meeting("c-1002", now)
    assert meeting is not None
    due = due_morning(meeting.starts_at)
    night = due.replace(hour=22)
    assert "0 påmindelse(r) sendes nu" in send_reminders(servers, night)
    assert answer(sim, JONAS, "STOP") == messages.text(messages.STOP_CONFIRMED)
    count = len(sim.sent(JONAS))
    assert "1 til numre, der har skrevet STOP" in send_reminders(servers, due)
    assert len(settle(sim, JONAS)) == count
    answer(sim, JONAS, "START")


# --- A restart of the Rasa server in the middle ----------------------------------------------------------
def test_restart_in_the_middle_loses_nothing_and_doubles_nothing(
    sim: RunningSimulator, servers: Dict[str, str], database: Database
) -> None:
    number = new_number()
    cid = conversation(servers, number)
    questions = [
        "hvad er et ressourceforløb?",
        "hvor længe varer et ressourceforløb?",
        "må jeg tage en bisidder med?",
        "hvad er ressourceforløbsydelse?",
    ]
    sim.fail("error", 503)  # nothing leaves before the crash
    try:
        for question in questions:
            assert sim.send_mo(number, question)[0] == 200
        restart_rasa(kill=True)  # SIGKILL: some answered, some waiting in the outbox or inbox
    finally:
        sim.fail("ok")
    received = sim.wait_for(number, len(questions), timeout=90)
    final = settle(sim, number, 5.0)
    assert len(received) == len(questions) and len(final) == len(questions)
    userrefs = [r.userref for r in final]
    assert len(set(userrefs)) == len(userrefs)
    rows = answer_rows(Outbox(database), cid)
    assert sorted(row["inbox_id"] for row in rows) == sorted({row["inbox_id"] for row in rows})
    assert all(row["state"] == "sent" for row in rows)
    # ... and in order: each answer answers its own question.
    assert "3 år" in final[1].text and "bisidder" in final[2].text.lower()


# --- Care: crisis words and "Mente du …?" as numbered options --------------------------
def test_crisis_words_get_the_same_crisis_lines_by_sms_in_one_sms(sim: RunningSimulator) -> None:
    import yaml

    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    crisis_text = domain["responses"]["utter_crisis_support"][0]["text"]
    [reply] = text_and_wait(sim, new_number(), "vil ikke leve mere")
    assert reply.text.startswith(crisis_text.split("\n")[0])
    for needed in ("70 201 201", "https://www.livslinien.dk", "112", "lægevagten", "https://www.sundhed.dk"):
        assert needed in reply.text
    assert reply.segments <= MAX_SEGMENTS and MORE_HINT not in reply.text


def test_mente_du_buttons_are_numbered_and_a_number_answers(sim: RunningSimulator) -> None:
    question = support_texts("clarification")["question"]
    for message in UNSURE:
        number = new_number()
        reply = answer(sim, number, message)
        if question in reply:
            break
    else:
        pytest.fail("no message gave a 'Mente du …?' (the same list as tests/e2e/test_rest_care.py)")
    assert "Svar med et tal:" in reply and "1) " in reply and "Noget andet" in reply
    assert "/faq_pick" not in reply and "payload" not in reply
    chosen = answer(sim, number, "1")
    assert (
        chosen and question not in chosen and support_texts("clarification")["rephrase"].strip() not in chosen
    )
