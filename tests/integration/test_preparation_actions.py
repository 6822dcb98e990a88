"""The preparation guide's actions (actions/preparation.py) run for real against the demo case DB.

Trackers carry the metadata the verified channels set; the database is a real, migrated SQLite
file with data/demo_cases.json (dates around DEMO_NOW); the clock `core.clock.utc_now` is
monkeypatched. Checks the stored note and its consent time, withdrawal, and that anonymous or
changed identities never store anything; and the same guide in English (the slot `language` =
"en"): its steps, commands, the note with English headings, and the shared note that keeps
Danish headings for the caseworker (the review app's view of it too).
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
from core.texts import text
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
ENGLISH = {"language": "en"}


def guide(key: str, language: str = "da") -> str:
    """One of the guide's own sentences (data/texts/actions.yml, `guide`), as sent (no placeholders)."""
    return text("guide", key, language)


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
    assert guide("login_not_confirmed") in texts(messages)
    assert slots[CAN_SHARE_SLOT] is False


async def test_start_for_citizen_without_team_meeting(db: SharedNotes) -> None:
    messages, slots = await run(prep.ActionStartPreparation(), tracker(citizen(IDA)))
    assert guide("no_team_meeting") in texts(messages)
    assert slots[CAN_SHARE_SLOT] is False


async def test_resuming_keeps_the_answers(db: SharedNotes) -> None:
    paused = {**ANSWERS, STATUS_SLOT: PAUSED, OFFER_SLOT: YES}
    messages, slots = await run(prep.ActionStartPreparation(), tracker(citizen(ANNA), slots=paused))
    assert guide("welcome_back") in texts(messages)
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
        "meeting_name_en": "the interdisciplinary meeting",
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
    assert messages[1]["text"] == guide("review_question")


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
    assert guide("shared_ok") in texts(messages)
    notes = db.for_citizen(ANNA)
    assert len(notes) == 1
    assert notes[0].meeting_id == ANNA_MEETING
    assert notes[0].consented_at == NOW
    assert notes[0].answers == ANSWERS
    assert "1. Det vigtigste for mig på mødet" in notes[0].note_text
    assert notes[0].language == "da" and notes[0].citizen_text is None  # the citizen saw note_text
    assert all(slots[name] is None for name in QUESTION_SLOTS)  # the conversation's copy is cleared
    assert not any(answer in caplog.text for answer in ANSWERS.values())
    assert ANNA not in caplog.text


async def test_saying_no_stores_nothing(db: SharedNotes) -> None:
    meeting = await anna_meeting()
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots("no", meeting))
    )
    assert guide("shared_not") in texts(messages)
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
        assert guide("share_login_changed") in texts(messages)
    # another citizen's login cannot attach a note to Anna's meeting
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(citizen(IDA), slots=finished_slots(YES, meeting))
    )
    assert guide("share_too_late") in texts(messages) or guide("share_login_changed") in texts(messages)
    assert db.for_citizen(ANNA) == [] and db.for_citizen(IDA) == []


async def test_consent_after_the_meeting_started_stores_nothing(
    db: SharedNotes, clock: list[datetime]
) -> None:
    meeting = await anna_meeting()
    clock[0] = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)  # 10:30 in Copenhagen, meeting at 10:00
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting))
    )
    assert guide("share_too_late") in texts(messages)
    assert db.for_citizen(ANNA) == []


async def test_stop_and_pause_messages(db: SharedNotes) -> None:
    messages, slots = await run(
        prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots={STATUS_SLOT: STOPPED, **ANSWERS})
    )
    assert guide("stopped") in texts(messages) and all(slots[name] is None for name in QUESTION_SLOTS)
    messages, slots = await run(
        prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots={STATUS_SLOT: PAUSED, **ANSWERS})
    )
    assert guide("paused") in texts(messages) and slots == {}
    assert messages[0]["buttons"] == [{"title": "Fortsæt forberedelsen", "payload": "Fortsæt forberedelsen"}]


# --- Withdrawing ---------------------------------------------------------------------------------------
async def test_withdraw_deletes_the_note_before_the_meeting(db: SharedNotes) -> None:
    meeting = await anna_meeting()
    await run(prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting)))
    assert len(db.for_citizen(ANNA)) == 1
    messages, _ = await run(prep.ActionWithdrawNote(), tracker(citizen(ANNA), text="slet mit notat"))
    assert texts(messages) == guide("withdrawn")
    assert db.for_citizen(ANNA) == []
    messages, _ = await run(prep.ActionWithdrawNote(), tracker(citizen(ANNA), text="slet mit notat"))
    assert texts(messages) == guide("nothing_to_withdraw")


async def test_withdraw_after_the_meeting_keeps_the_note_and_says_why(
    db: SharedNotes, clock: list[datetime]
) -> None:
    meeting = await anna_meeting()
    await run(prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=finished_slots(YES, meeting)))
    clock[0] = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
    messages, _ = await run(prep.ActionWithdrawNote(), tracker(citizen(ANNA), text="slet mit notat"))
    assert texts(messages) == guide("withdraw_too_late")
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


# --- In English (the slot `language` is "en") ----------------------------------------------------------
ANSWERS_EN = {
    "prep_q_priority": "That they listen to me.",
    "prep_q_goal": "Work with animals.",
    "prep_q_hard": "Pain and sleep.",
    "prep_q_helped": "Physiotherapy helped.",
    "prep_q_questions": "What happens afterwards?",
    "prep_q_bisidder": "Yes, my sister.",
    "prep_q_practical": "Breaks.",
}


def english(slots: dict[str, Any] | None = None) -> dict[str, Any]:
    return {**ENGLISH, **(slots or {})}


async def test_in_english_the_start_says_the_meeting_in_english(db: SharedNotes) -> None:
    from actions.preparation_content import get_guide

    messages, slots = await run(prep.ActionStartPreparation(), tracker(citizen(ANNA), slots=english()))
    said = texts(messages)
    assert said.startswith(get_guide("en").intro)
    assert "Your meeting is on Tuesday 8 December at 10:00. Place: Jobcentret, lokale 2.14." in said
    assert slots[MEETING_SLOT]["starts_at"] == "2026-12-08T09:00:00+00:00"  # data, not words
    messages, _ = await run(
        prep.ActionStartPreparation(), tracker({IDENTITY_KEY: {PROBLEM_KEY: "expired"}}, slots=english())
    )
    assert guide("login_not_confirmed", "en") in texts(messages)
    messages, _ = await run(prep.ActionStartPreparation(), tracker(citizen(IDA), slots=english()))
    assert guide("no_team_meeting", "en") in texts(messages)
    paused = english({**ANSWERS_EN, STATUS_SLOT: PAUSED, OFFER_SLOT: YES})
    messages, _ = await run(prep.ActionStartPreparation(), tracker(citizen(ANNA), slots=paused))
    assert texts(messages) == "Welcome back. We carry on where you left off.\n" + (
        "Your meeting is on Tuesday 8 December at 10:00. Place: Jobcentret, lokale 2.14."
    )


async def test_in_english_by_sms_the_start_invites_numbers_not_stop(db: SharedNotes) -> None:
    messages, _ = await run(
        prep.ActionStartPreparation(), tracker(ANONYMOUS, slots=english(), channel="gatewayapi")
    )
    assert texts(messages) == guide("sms_intro", "en")
    assert '"stop"' not in texts(messages)


async def test_a_guide_started_in_danish_goes_on_in_english_after_a_switch(db: SharedNotes) -> None:
    from actions.preparation_content import get_guide

    meeting = await anna_meeting()  # started in Danish
    messages, _ = await run(
        prep.ASK_ACTIONS["prep_people"](), tracker(citizen(ANNA), slots=english({MEETING_SLOT: meeting}))
    )
    said = texts(messages)
    assert said.startswith(f"Step 2 of 5: {get_guide('en').step('prep_people').title}")
    assert "Coming to your meeting on Tuesday 8 December at 10:00:" in said
    assert "- Mette Holm (koordinerende sagsbehandler): your main contact in the municipality" in said
    assert [b["title"] for b in messages[0]["buttons"]] == ["Next", "Skip", "Stop"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["Next", "Skip", "Stop"]


async def test_in_english_the_guide_follows_the_municipality_settings(municipality_2026: None) -> None:
    why, _ = await run(prep.ASK_ACTIONS["prep_why"](), tracker(ANONYMOUS, slots=english()))
    flow, _ = await run(prep.ASK_ACTIONS["prep_flow"](), tracker(ANONYMOUS, slots=english()))
    assert texts(why).startswith("Step 1 of 5: ")
    assert "the interdisciplinary meeting" in texts(why) and "{" not in texts(why)
    assert "45" in texts(flow) and "{" not in texts(flow)
    municipality = get_municipality()
    assert f"It is often at {municipality.jobcenter_name}, {municipality.jobcenter_address}." in texts(flow)
    assert "(indkaldelse)" in texts(flow)


async def test_in_english_the_offer_and_the_first_question() -> None:
    offer, _ = await run(prep.ASK_ACTIONS["prep_offer"](), tracker(ANONYMOUS, slots=english()))
    assert "7" in texts(offer) and "{" not in texts(offer)
    assert [b["title"] for b in offer[0]["buttons"]] == ["Yes, help me", "No thanks"]
    messages, _ = await run(prep.ASK_ACTIONS["prep_q_priority"](), tracker(ANONYMOUS, slots=english()))
    assert texts(messages).startswith("Question 1 of 7: ")
    assert 'You can always write "back", "pause" or "stop".' in texts(messages)
    assert [b["title"] for b in messages[0]["buttons"]][-3:] == ["Skip", "Back", "Pause"]
    share, _ = await run(
        prep.ASK_ACTIONS["prep_share"](),
        tracker(citizen(ANNA), slots=english({MEETING_SLOT: await _meeting()})),
    )
    assert "before the meeting on Tuesday 8 December at 10:00." in texts(share)
    assert '"delete my note"' in texts(share)
    assert [b["title"] for b in share[0]["buttons"]] == ["Yes, send it", "No thanks"]


async def _meeting() -> dict[str, Any]:
    return {
        "id": ANNA_MEETING,
        "kind": "rehabiliteringsteam",
        "starts_at": "2026-12-08T09:00:00+00:00",
        "online": False,
        "location": "Jobcentret, lokale 2.14",
        "participants": [],
    }


async def test_in_english_the_note_has_english_headings_and_the_words_as_written(
    clock: list[datetime],
) -> None:
    from actions.preparation_content import get_guide

    slots = english({**ANSWERS, MEETING_SLOT: await _meeting()})  # Danish words in an English note
    messages, _ = await run(prep.ASK_ACTIONS["prep_review"](), tracker(ANONYMOUS, slots=slots))
    note = messages[0]["text"]
    lines = note.splitlines()
    assert lines[0] == "My preparation note"
    assert lines[1] == (
        "For the meeting with the rehabilitation team (rehabiliteringsteam) on Tuesday 8 December at 10:00. "
        "Place: Jobcentret, lokale 2.14."
    )
    assert f"1. {get_guide('en').question('prep_q_priority').heading}" in lines
    assert all(answer in note for answer in ANSWERS.values())  # never translated
    assert "Remember:" in lines and "Mit forberedelsesnotat" not in note
    assert messages[0]["custom"] == prep.PRINT_MARKER
    assert messages[1]["text"] == guide("review_question", "en")
    assert [b["title"] for b in messages[1]["buttons"]] == ["It is fine", "Change an answer", "Pause"]
    sms, _ = await run(
        prep.ASK_ACTIONS["prep_review"](), tracker(ANONYMOUS, slots=slots, channel="gatewayapi")
    )
    assert sms[0]["text"].startswith("My preparation note") and "Remember:" in sms[0]["text"]


async def test_in_english_choosing_the_answer_to_change() -> None:
    slots = english({**ANSWERS_EN, "prep_correcting": True})
    messages, _ = await run(prep.ASK_ACTIONS["prep_review"](), tracker(ANONYMOUS, slots=slots))
    assert messages[0]["text"].startswith("Which answer do you want to change?\n1. ")
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == [f"Change {n}" for n in range(1, 8)] + ["Cancel"]


@pytest.mark.parametrize(
    ("requested", "said", "expected"),
    [
        ("prep_why", "Next", {"prep_why": SEEN}),
        ("prep_why", "continue", {"prep_why": SEEN}),
        ("prep_q_goal", "skip", {"prep_q_goal": "__skipped__"}),
        ("prep_q_goal", "Pause", {STATUS_SLOT: PAUSED}),
        ("prep_q_goal", "stop", {STATUS_SLOT: STOPPED}),
        ("prep_q_goal", "back", {"prep_q_priority": None}),
        ("prep_review", "It is fine", {REVIEW_SLOT: REVIEW_OK}),
        ("prep_review", "Change 3", {"prep_q_hard": None}),
        ("prep_share", "Yes, send it", {SHARE_SLOT: YES}),
        ("prep_share", "No thanks", {SHARE_SLOT: "no"}),
    ],
)
async def test_in_english_the_commands_work(requested: str, said: str, expected: dict[str, Any]) -> None:
    seen = {name: SEEN for name in EXPLANATION_SLOTS}
    slots = english(
        {
            **seen,
            OFFER_SLOT: YES,
            **ANSWERS_EN,
            CAN_SHARE_SLOT: True,
            REQUESTED_SLOT: requested,
            requested: said,
        }
    )
    if requested == "prep_why":
        slots.update({name: None for name in EXPLANATION_SLOTS})
        slots[REQUESTED_SLOT], slots[requested] = requested, said
    if requested in ("prep_share",):
        slots[REVIEW_SLOT] = REVIEW_OK
    messages, result = await run(prep.ValidatePreparationForm(), tracker(ANONYMOUS, text=said, slots=slots))
    for name, value in expected.items():
        assert result.get(name) == value, (name, result)
    assert messages == []


async def test_in_english_a_message_that_does_not_fit_gets_an_english_hint() -> None:
    seen = {name: SEEN for name in EXPLANATION_SLOTS}
    slots = english({**seen, OFFER_SLOT: YES, **ANSWERS_EN, REVIEW_SLOT: REVIEW_OK, CAN_SHARE_SLOT: True})
    slots.update({REQUESTED_SLOT: SHARE_SLOT, SHARE_SLOT: "maybe"})
    messages, result = await run(
        prep.ValidatePreparationForm(), tracker(ANONYMOUS, text="maybe", slots=slots)
    )
    assert texts(messages) == 'Answer "yes" or "no". You can also write "pause" or "stop".'
    assert result[SHARE_SLOT] is None
    slots = {**slots, "language": "da"}
    messages, _ = await run(prep.ValidatePreparationForm(), tracker(ANONYMOUS, text="måske", slots=slots))
    assert texts(messages) == "Svar «ja» eller «nej». Du kan også skrive «pause» eller «stop»."


@pytest.mark.parametrize("intent", ["crisis", "switch_language", "other_language"])
async def test_crisis_words_and_a_switch_of_language_are_never_an_answer(intent: str) -> None:
    latest = latest_message("in English please", intent, ANONYMOUS, confidence=1.0)
    slots = {REQUESTED_SLOT: "prep_q_goal", "prep_q_goal": "in English please"}
    state = sdk_tracker(latest, slots=slots, active_loop={"name": "preparation_form"})
    dispatcher = CollectingDispatcher()
    events = await prep.ValidatePreparationForm().get_validation_events(dispatcher, state, DOMAIN)
    assert events == [] and dispatcher.messages == []


async def test_in_english_consent_stores_danish_headings_for_the_caseworker(db: SharedNotes) -> None:
    from actions.preparation_content import get_guide

    meeting = await anna_meeting()
    slots = english({**finished_slots(YES, meeting), **ANSWERS_EN})
    messages, _ = await run(prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=slots))
    assert guide("shared_ok", "en") in texts(messages)
    assert texts(messages).endswith("Good luck with the meeting. You can always ask me again.")
    [note] = db.for_citizen(ANNA)
    assert note.answers == ANSWERS_EN and note.language == "en"
    # The caseworker's view: Danish headings and checklist, the citizen's words as written.
    assert note.note_text.startswith(
        "Mit forberedelsesnotat\n"
        "Til møde med rehabiliteringsteamet tirsdag den 8. december kl. 10.00. Sted: Jobcentret, lokale 2.14."
    )
    assert "1. Det vigtigste for mig på mødet\nThat they listen to me." in note.note_text
    assert "Husk:" in note.note_text
    assert get_guide("en").question("prep_q_priority").heading not in note.note_text
    # The citizen's own view, kept beside it: English headings, the same words.
    assert note.citizen_text is not None
    assert note.citizen_text.startswith(
        "My preparation note\nFor the meeting with the rehabilitation team (rehabiliteringsteam) on "
        "Tuesday 8 December at 10:00. Place: Jobcentret, lokale 2.14."
    )
    heading = get_guide("en").question("prep_q_priority").heading
    assert f"1. {heading}\nThat they listen to me." in note.citizen_text
    assert "Det vigtigste for mig" not in note.citizen_text


async def test_in_english_finishing_stopping_pausing_and_withdrawing(db: SharedNotes) -> None:
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots=english({STATUS_SLOT: STOPPED}))
    )
    assert texts(messages) == guide("stopped", "en")
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots=english({STATUS_SLOT: PAUSED}))
    )
    assert texts(messages) == guide("paused", "en")
    assert messages[0]["buttons"] == [
        {"title": "Continue the preparation", "payload": "Continue the preparation"}
    ]
    messages, _ = await run(
        prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots=english(finished_slots(None)))
    )
    assert texts(messages).startswith("Bring the note to the meeting")
    assert get_municipality().mitid_login_url in texts(messages)
    no_help = english({**finished_slots(None), OFFER_SLOT: "no"})
    messages, _ = await run(prep.ActionPreparationFinish(), tracker(ANONYMOUS, slots=no_help))
    assert texts(messages).startswith("That is quite all right. Here are a few tips for the meeting:\n- ")
    meeting = await anna_meeting()
    await run(
        prep.ActionPreparationFinish(), tracker(citizen(ANNA), slots=english(finished_slots(YES, meeting)))
    )
    messages, _ = await run(
        prep.ActionWithdrawNote(), tracker(citizen(ANNA), text="delete my note", slots=english())
    )
    assert texts(messages) == "Your note is deleted. Your caseworker can no longer see it."
    messages, _ = await run(
        prep.ActionWithdrawNote(), tracker(ANONYMOUS, text="delete my note", slots=english())
    )
    assert texts(messages).startswith("You are not logged in, so I cannot see your note.")


async def test_a_meeting_slot_from_before_english_still_reads(clock: list[datetime]) -> None:
    old = {
        "id": ANNA_MEETING,
        "kind": "rehabiliteringsteam",
        "when": "tirsdag den 8. december kl. 10.00",
        "place": "Jobcentret, lokale 2.14",
        "participants": [],
    }
    assert prep.meeting_line(old) == (
        "Til møde med rehabiliteringsteamet tirsdag den 8. december kl. 10.00. Sted: Jobcentret, lokale 2.14."
    )
    assert prep.meeting_line({**old, "starts_at": "not a time"}).endswith("Sted: Jobcentret, lokale 2.14.")
