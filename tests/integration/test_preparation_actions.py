"""The preparation guide's actions (actions/preparation.py) run for real against the demo case DB.

Trackers carry the metadata the verified channels set; the database is a real, migrated SQLite
file with data/demo_cases.json (dates around DEMO_NOW); the clock `core.clock.utc_now` is
monkeypatched. Checks the stored note and its consent time, withdrawal, and that anonymous or
changed identities never store anything.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import preparation as prep
from actions.preparation_flow import (
    CAN_SHARE_SLOT,
    EXPLANATION_SLOTS,
    MEETING_SLOT,
    OFFER_SLOT,
    PAUSED,
    QUESTION_SLOTS,
    REQUESTED_SLOT,
    REVIEW_OK,
    REVIEW_SLOT,
    SEEN,
    SHARE_SLOT,
    STATUS_SLOT,
    STOPPED,
    YES,
)
from core import clock as core_clock
from core.message_metadata import CITIZEN_ID_KEY, IDENTITY_KEY, PROBLEM_KEY, VIA_KEY
from core.municipality import get_municipality
from core.settings import get_settings
from core.store.cases.notes import SharedNotes
from core.store.database import Database
from tests.support.demo import DEMO_NOW
from tests.support.trackers import latest_message, sdk_tracker

REPO = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
UTC = timezone.utc
ANNA = "c-1001"  # rehabiliteringsteam meeting Tue 8 Dec 2026 10:00, Jobcentret, lokale 2.14
ANNA_MEETING = "M-1001-2"
IDA = "c-1006"  # no case, no meetings
NOW = DEMO_NOW.astimezone(UTC)
ANSWERS = {
    "prep_q_priority": "At de lytter til mig.",
    "prep_q_goal": "Arbejde med dyr.",
    "prep_q_hard": "Smerter og søvn.",
    "prep_q_helped": "Fysioterapi hjalp.",
    "prep_q_questions": "Hvad sker der bagefter?",
    "prep_q_bisidder": "Ja, min søster.",
    "prep_q_practical": "Pauser.",
}


def citizen(citizen_id: str) -> dict[str, Any]:
    return {IDENTITY_KEY: {CITIZEN_ID_KEY: citizen_id, VIA_KEY: "mitid"}}


ANONYMOUS: dict[str, Any] = {}


def tracker(
    metadata: dict[str, Any] | None,
    text: str = "",
    slots: dict[str, Any] | None = None,
    channel: str = "rest",
) -> Tracker:
    latest = latest_message(text, "start_preparation", metadata, confidence=0.9)
    return sdk_tracker(latest, slots=slots, active_loop={"name": "preparation_form"}, channel=channel)


async def run(action: Action, state: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(messages sent, slot values set) for one action run."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, state, DOMAIN)
    slots = {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
    return dispatcher.messages, slots


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """The actions' clock; tests move it by changing `clock[0]`."""
    moment = [NOW]
    monkeypatch.setattr(core_clock, "utc_now", lambda: moment[0])
    yield moment


@pytest.fixture
def db(demo_cases_db_url: str, clock: list[datetime]) -> Iterator[SharedNotes]:
    database = Database(demo_cases_db_url, timeout_s=5)
    yield SharedNotes(database)
    database.close()


def finished_slots(share: str | None, meeting: dict[str, Any] | None = None) -> dict[str, Any]:
    slots: dict[str, Any] = {name: SEEN for name in EXPLANATION_SLOTS}
    slots.update({OFFER_SLOT: YES, **ANSWERS, REVIEW_SLOT: REVIEW_OK, STATUS_SLOT: "active"})
    if share is not None:
        slots.update({SHARE_SLOT: share, CAN_SHARE_SLOT: True, MEETING_SLOT: meeting})
    return slots


async def anna_meeting() -> dict[str, Any]:
    _, slots = await run(prep.ActionStartPreparation(), tracker(citizen(ANNA)))
    return slots[MEETING_SLOT]


# --- Starting ----------------------------------------------------------------------------------------
async def test_start_for_identified_citizen_finds_the_team_meeting(db: SharedNotes) -> None:
    messages, slots = await run(prep.ActionStartPreparation(), tracker(citizen(ANNA)))
    said = texts(messages)
    assert "Det er helt normalt at være spændt" in said
    assert "Dit møde er tirsdag den 8. december kl. 10.00. Sted: Jobcentret, lokale 2.14." in said
    assert slots[CAN_SHARE_SLOT] is True and slots[STATUS_SLOT] == "active"
    assert slots[MEETING_SLOT]["id"] == ANNA_MEETING
    assert "sundhedskoordinator fra regionen" in slots[MEETING_SLOT]["participants"]
    assert all(slots[name] is None for name in QUESTION_SLOTS)  # a fresh start clears old answers


async def test_start_for_anonymous_citizen_never_touches_the_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASES_DB_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    messages, slots = await run(prep.ActionStartPreparation(), tracker(ANONYMOUS))
    assert slots[CAN_SHARE_SLOT] is False and slots[MEETING_SLOT] is None
    assert "Dit møde" not in texts(messages)


async def test_start_with_an_expired_login_says_so_and_uses_the_general_guide(db: SharedNotes) -> None:
    messages, slots = await run(
        prep.ActionStartPreparation(), tracker({IDENTITY_KEY: {PROBLEM_KEY: "expired"}})
    )
    assert prep.LOGIN_NOT_CONFIRMED in texts(messages)
    assert slots[CAN_SHARE_SLOT] is False


async def test_start_for_citizen_without_team_meeting(db: SharedNotes) -> None:
    messages, slots = await run(prep.ActionStartPreparation(), tracker(citizen(IDA)))
    assert prep.NO_TEAM_MEETING in texts(messages)
    assert slots[CAN_SHARE_SLOT] is False


async def test_resuming_keeps_the_answers(db: SharedNotes) -> None:
    paused = {**ANSWERS, STATUS_SLOT: PAUSED, OFFER_SLOT: YES}
    messages, slots = await run(prep.ActionStartPreparation(), tracker(citizen(ANNA), slots=paused))
    assert prep.WELCOME_BACK in texts(messages)
    assert slots[STATUS_SLOT] == "active"
    assert not any(name in slots for name in QUESTION_SLOTS)  # nothing cleared


# --- Asking ------------------------------------------------------------------------------------------
async def test_people_step_lists_the_citizens_own_participants_with_roles(db: SharedNotes) -> None:
    meeting = await anna_meeting()
    messages, _ = await run(
        prep.ASK_ACTIONS["prep_people"](), tracker(citizen(ANNA), slots={MEETING_SLOT: meeting})
    )
    said = texts(messages)
    assert said.startswith("Trin 2 af 5: Hvem er med?")
    assert "Mette Holm (koordinerende sagsbehandler)" in said
    assert "Sundhedskoordinator fra regionen: fagperson fra regionen" in said
    assert [b["title"] for b in messages[0]["buttons"]] == ["Videre", "Spring over", "Stop"]


@pytest.fixture
def municipality_2026(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings = yaml.safe_load((REPO / "data" / "municipality.yml").read_text(encoding="utf-8"))
    settings["name"] = "Testrup Kommune"
    settings["meetings"] = {
        "holds_rehabiliteringsteam": False,
        "meeting_name": "det tværfaglige møde",
        "typical_length_minutes": 45,
    }
    path = tmp_path / "municipality.yml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MUNICIPALITY_FILE", str(path))
    get_settings.cache_clear()
    get_municipality.cache_clear()
    yield
    get_settings.cache_clear()
    get_municipality.cache_clear()


async def test_guide_follows_the_municipality_settings(municipality_2026: None) -> None:
    why, _ = await run(prep.ASK_ACTIONS["prep_why"](), tracker(ANONYMOUS))
    flow, _ = await run(prep.ASK_ACTIONS["prep_flow"](), tracker(ANONYMOUS))
    assert "Testrup Kommune holder i stedet det tværfaglige møde" in texts(why)
    assert "ca. 45 minutter" in texts(flow)
    municipality = get_municipality()
    assert f"hos {municipality.jobcenter_name}, {municipality.jobcenter_address}." in texts(flow)


async def test_default_municipality_describes_the_rehabiliteringsteam() -> None:
    why, _ = await run(prep.ASK_ACTIONS["prep_why"](), tracker(ANONYMOUS))
    flow, _ = await run(prep.ASK_ACTIONS["prep_flow"](), tracker(ANONYMOUS))
    # today's rules first: the team is the municipality's choice, no new forløb since 1 February 2026
    assert "rehabiliteringsteam" in texts(why) and "loven ikke længere kræver det" in texts(why)
    assert "1. februar 2026" in texts(why)
    assert f"ca. {get_municipality().typical_meeting_minutes} minutter" in texts(flow)


async def test_first_question_explains_the_commands_and_offers_skip() -> None:
    messages, _ = await run(prep.ASK_ACTIONS["prep_q_priority"](), tracker(ANONYMOUS))
    assert texts(messages).startswith("Spørgsmål 1 af 7:")
    assert "«tilbage», «pause» eller «stop»" in texts(messages)
    assert "Spring over" in [b["title"] for b in messages[0]["buttons"]]


async def test_review_shows_the_printable_note_in_the_web_chat() -> None:
    messages, _ = await run(prep.ASK_ACTIONS["prep_review"](), tracker(ANONYMOUS, slots=ANSWERS))
    assert messages[0]["text"].startswith("Mit forberedelsesnotat")
    assert messages[0]["custom"] == prep.PRINT_MARKER
    assert messages[1]["text"] == prep.REVIEW_QUESTION


async def test_review_over_sms_is_the_short_note_without_print() -> None:
    messages, _ = await run(
        prep.ASK_ACTIONS["prep_review"](), tracker(ANONYMOUS, slots=ANSWERS, channel="gatewayapi")
    )
    assert messages[0]["text"].startswith("Mit forberedelsesnotat")
    assert not messages[0].get("custom")
    assert "Du må tage en bisidder med, hvis du vil." not in messages[0]["text"]  # long checklist only


async def test_validation_takes_the_text_as_written_and_stop_ends_the_form() -> None:
    action = prep.ValidatePreparationForm()
    answer = "Hvornår er mit næste møde? Det er det, jeg er mest bange for."
    seen = {name: SEEN for name in EXPLANATION_SLOTS}
    slots = {**seen, REQUESTED_SLOT: "prep_q_priority", "prep_q_priority": answer, OFFER_SLOT: YES}
    _, result = await run(action, tracker(ANONYMOUS, text=answer, slots=slots))
    assert result["prep_q_priority"] == answer and result[REQUESTED_SLOT] == "prep_q_goal"
    slots = {**seen, REQUESTED_SLOT: "prep_q_goal", "prep_q_goal": "Stop", OFFER_SLOT: YES}
    _, result = await run(action, tracker(ANONYMOUS, text="Stop", slots=slots))
    assert result[STATUS_SLOT] == STOPPED and result[REQUESTED_SLOT] is None


# --- Finishing: consent and storing --------------------------------------------------------------------
async def test_consent_stores_the_note_with_the_consent_time(
    db: SharedNotes, caplog: pytest.LogCaptureFixture
) -> None:
    meeting = await anna_meeting()
    caplog.set_level(logging.DEBUG)
    messages, slots = await run(
        prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting))
    )
    assert prep.SHARED_OK in texts(messages)
    notes = db.for_citizen(ANNA)
    assert len(notes) == 1
    assert notes[0].meeting_id == ANNA_MEETING
    assert notes[0].consented_at == NOW
    assert notes[0].answers == ANSWERS
    assert "1. Det vigtigste for mig på mødet" in notes[0].note_text
    assert all(slots[name] is None for name in QUESTION_SLOTS)  # the conversation's copy is cleared
    assert not any(answer in caplog.text for answer in ANSWERS.values())
    assert ANNA not in caplog.text


async def test_saying_no_stores_nothing(db: SharedNotes) -> None:
    meeting = await anna_meeting()
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots("no", meeting))
    )
    assert prep.SHARED_NOT in texts(messages)
    assert db.for_citizen(ANNA) == []


async def test_anonymous_citizen_is_told_to_bring_the_note_and_nothing_is_stored(db: SharedNotes) -> None:
    messages, _ = await run(prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots=finished_slots(None)))
    assert get_municipality().mitid_login_url in texts(messages)
    assert db.for_citizen(ANNA) == []


async def test_consent_from_a_message_without_the_same_login_stores_nothing(db: SharedNotes) -> None:
    meeting = await anna_meeting()
    for metadata in (ANONYMOUS, {IDENTITY_KEY: {PROBLEM_KEY: "expired"}}):
        messages, _ = await run(
            prep.ActionPreparationFinish(), tracker(metadata, slots=finished_slots(YES, meeting))
        )
        assert prep.SHARE_LOGIN_CHANGED in texts(messages)
    # another citizen's login cannot attach a note to Anna's meeting
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(citizen(IDA), slots=finished_slots(YES, meeting))
    )
    assert prep.SHARE_TOO_LATE in texts(messages) or prep.SHARE_LOGIN_CHANGED in texts(messages)
    assert db.for_citizen(ANNA) == [] and db.for_citizen(IDA) == []


async def test_consent_after_the_meeting_started_stores_nothing(
    db: SharedNotes, clock: list[datetime]
) -> None:
    meeting = await anna_meeting()
    clock[0] = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)  # 10:30 in Copenhagen, meeting at 10:00
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting))
    )
    assert prep.SHARE_TOO_LATE in texts(messages)
    assert db.for_citizen(ANNA) == []


async def test_stop_and_pause_messages(db: SharedNotes) -> None:
    messages, slots = await run(
        prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots={STATUS_SLOT: STOPPED, **ANSWERS})
    )
    assert prep.STOPPED_TEXT in texts(messages) and all(slots[name] is None for name in QUESTION_SLOTS)
    messages, slots = await run(
        prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots={STATUS_SLOT: PAUSED, **ANSWERS})
    )
    assert prep.PAUSED_TEXT in texts(messages) and slots == {}
    assert messages[0]["buttons"] == [prep.BUTTON_RESUME]


# --- Withdrawing ---------------------------------------------------------------------------------------
async def test_withdraw_deletes_the_note_before_the_meeting(db: SharedNotes) -> None:
    meeting = await anna_meeting()
    await run(prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting)))
    assert len(db.for_citizen(ANNA)) == 1
    messages, _ = await run(prep.ActionWithdrawNote(), tracker(citizen(ANNA), text="slet mit notat"))
    assert texts(messages) == prep.WITHDRAWN
    assert db.for_citizen(ANNA) == []
    messages, _ = await run(prep.ActionWithdrawNote(), tracker(citizen(ANNA), text="slet mit notat"))
    assert texts(messages) == prep.NOTHING_TO_WITHDRAW


async def test_withdraw_after_the_meeting_keeps_the_note_and_says_why(
    db: SharedNotes, clock: list[datetime]
) -> None:
    meeting = await anna_meeting()
    await run(prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting)))
    clock[0] = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
    messages, _ = await run(prep.ActionWithdrawNote(), tracker(citizen(ANNA), text="slet mit notat"))
    assert texts(messages) == prep.WITHDRAW_TOO_LATE
    assert len(db.for_citizen(ANNA)) == 1


async def test_withdraw_needs_a_verified_citizen(db: SharedNotes) -> None:
    meeting = await anna_meeting()
    await run(prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting)))
    messages, _ = await run(prep.ActionWithdrawNote(), tracker(ANONYMOUS, text="slet mit notat"))
    assert "Du er ikke logget ind" in texts(messages)
    assert len(db.for_citizen(ANNA)) == 1


async def test_a_new_consent_replaces_the_note_for_the_same_meeting(
    db: SharedNotes, clock: list[datetime]
) -> None:
    meeting = await anna_meeting()
    await run(prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting)))
    clock[0] = NOW + timedelta(hours=1)
    changed = {**finished_slots(YES, meeting), "prep_q_goal": "Arbejde i en butik."}
    await run(prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=changed))
    notes = db.for_citizen(ANNA)
    assert len(notes) == 1 and notes[0].answers["prep_q_goal"] == "Arbejde i en butik."
    assert notes[0].consented_at == NOW + timedelta(hours=1)
