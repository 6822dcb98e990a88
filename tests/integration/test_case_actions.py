"""The case actions (actions/cases.py) run for real against the demo case database.

Each test builds a rasa_sdk `Tracker` whose latest message carries the metadata the verified
channels set (`core.message_metadata`), runs the action with a `CollectingDispatcher`, and
reads what the citizen would see. The database is a real, migrated SQLite file filled with
data/demo_cases.json as written (fixture `demo_cases_db_url`, dates around DEMO_NOW); the
clock is `core.clock.utc_now`, monkeypatched. Nothing here mocks the database.

Every test runs with a test municipality ("Testrup Kommune", fixture `municipality`, written to
tmp_path and selected with MUNICIPALITY_FILE), not the shipped data/municipality.yml. The answers
must carry its name, phone number, opening hours and addresses, and nothing of the shipped
file's: that proves no municipality detail is written into the actions.

Every answer is checked in Danish (the default) and in English (the tracker slot `language` =
"en"): the same data, English labels around it, English dates ("Tuesday 8 December at 10:00",
Europe/Copenhagen), the municipality's English words, imported names and places as imported.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.cases import (
    ActionAllMeetings,
    ActionCaseStatus,
    ActionCaseworker,
    ActionHumanHandoff,
    ActionNextMeeting,
)
from actions.replies import MAX_REPLY_CHARS, pack_lines
from actions.who_is_asking import ANONYMOUS, IdentityProblem, VerifiedCitizen, cpr_was_removed, identity_of
from actions.wording import format_date, format_list, format_meeting_time, role_explanation
from core import clock
from core.message_metadata import CITIZEN_ID_KEY, CPR_REMOVED_KEY, IDENTITY_KEY, PROBLEM_KEY, VIA_KEY
from core.municipality import (
    DEFAULT_FILE,
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    MAX_URL_CHARS,
    Municipality,
    get_municipality,
)
from core.phone import for_citizen as format_phone
from core.settings import get_settings
from core.store.database import reset_database
from core.texts import text
from tests.support.databases import exclusive_lock
from tests.support.demo import DEMO_NOW
from tests.support.trackers import latest_message, sdk_tracker

CPH = ZoneInfo("Europe/Copenhagen")
UTC = timezone.utc
CPR_NOTICE = text("replies", "cpr_notice", "da")
CPR_NOTICE_EN = text("replies", "cpr_notice", "en")
ENGLISH = {"language": "en"}  # the conversation's language slot

ALL_ACTIONS: tuple[type[Action], ...] = (
    ActionCaseStatus,
    ActionNextMeeting,
    ActionAllMeetings,
    ActionCaseworker,
    ActionHumanHandoff,
)
DATA_ACTIONS = ALL_ACTIONS[:4]  # everything but the hand-off, which always names a human
ACTION_NAMES = {
    "action_case_status",
    "action_next_meeting",
    "action_all_meetings",
    "action_caseworker",
    "action_human_handoff",
}

ANNA = "c-1001"  # ressourceforløb in progress; meetings in Oct (past), Dec and Apr
JONAS = "c-1002"  # jobafklaringsforløb; one online meeting
LARS = "c-1003"  # only past meetings
KAREN = "c-1004"  # closed case, no meetings, caseworker without e-mail
MADS = "c-1005"  # closed jobafklaring + a new jobafklaringsforløb awaiting a decision
IDA = "c-1006"  # no case, no meetings
UNKNOWN = "c-9999"  # verified token, but not in the case database

# --- The test municipality -----------------------------------------------------------------------
TESTRUP = "Testrup Kommune"
JOBCENTER = "Jobcenter Testrup"
PHONE = "33 44 55 66"
HOURS = "alle hverdage kl. 8-14"
HOURS_EN = "every weekday 8-14"
LOGIN_URL = "https://www.testrup.example.dk/borger/chat-mitid"
CONTACT_URL = "https://www.testrup.example.dk/skriv-sikkert"
MEETING_NAME = "det tværfaglige møde"
MEETING_NAME_EN = "the interdisciplinary meeting"
TEST_MUNICIPALITY: dict[str, Any] = {
    "name": TESTRUP,
    "jobcenter_name": JOBCENTER,
    "phone": PHONE,
    "opening_hours": HOURS,
    "opening_hours_en": HOURS_EN,
    "jobcenter_address": "Torvet 7, 9990 Testrup",
    "contact_url": CONTACT_URL,
    "website_url": "https://www.testrup.example.dk/ressourceforloeb",
    "mitid_login_url": LOGIN_URL,
    "accessibility_statement_url": "/tilgaengelighed",
    "privacy_url": "/privatlivspolitik",
    "meetings": {
        "holds_rehabiliteringsteam": False,
        "meeting_name": MEETING_NAME,
        "meeting_name_en": MEETING_NAME_EN,
        "typical_length_minutes": 45,
    },
    "conversation_log": {
        "retention_days": 14,
        "readers": "medarbejdere i Jobcenter Testrup",
        "readers_en": "staff at Jobcenter Testrup",
    },
}
CALL_JOBCENTER = f"ring til {JOBCENTER} på {PHONE} ({HOURS})"
CALL_JOBCENTER_EN = f"call {JOBCENTER} on {PHONE} ({HOURS_EN})"
WRITE_TO_TESTRUP = f"skrive sikkert til {TESTRUP} her: {CONTACT_URL}"
WRITE_TO_TESTRUP_EN = f"write securely to {TESTRUP} here: {CONTACT_URL}"
SHIPPED = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
# Nothing of the shipped file, and none of the old generic stand-ins, may reach an answer.
NOT_FROM_THE_SETTINGS = (
    SHIPPED["name"],
    SHIPPED["jobcenter_name"],
    SHIPPED["phone"],
    SHIPPED["opening_hours"],
    SHIPPED["opening_hours_en"],
    SHIPPED["mitid_login_url"],
    SHIPPED["contact_url"],
    SHIPPED["meetings"]["meeting_name"],
    SHIPPED["meetings"]["meeting_name_en"],
    "borger.dk",
    "kommunens hjemmeside",
    "kommunens jobcenter",
    "Telefonnummeret står",
    "til jobcentret",
)

# The exact texts, with the test municipality's values filled in.
DATA_UNAVAILABLE = (
    f"Undskyld, jeg kan ikke hente dine oplysninger lige nu. Prøv igen om lidt, eller {CALL_JOBCENTER}."
)
NO_CASE = (
    "Jeg kan ikke se nogen sag om ressourceforløb eller jobafklaringsforløb på dig. "
    f"Mener du, at du har en sag, så {CALL_JOBCENTER}. De kan hjælpe dig."
)
NO_MEETINGS = (
    "Jeg kan ikke se nogen kommende møder for dig. Når du bliver indkaldt til et møde, "
    f"får du besked fra {TESTRUP}. Har du spørgsmål, så kontakt din sagsbehandler."
)
HANDOFF = (
    "Du kan altid tale med et menneske.\n"
    f"Ring eller skriv til din sagsbehandler. Har du ikke nummeret, så {CALL_JOBCENTER}.\n"
    f"Du kan også {WRITE_TO_TESTRUP}"
)
HANDOFF_NO_CASEWORKER = (
    f"Du kan altid tale med et menneske.\nR{CALL_JOBCENTER[1:]}.\nDu kan også {WRITE_TO_TESTRUP}"
)
GENERAL_QUESTIONS = f"Du kan stadig stille generelle spørgsmål, fx om ressourceforløb, {MEETING_NAME} og dine"
# The same answers in English.
DATA_UNAVAILABLE_EN = (
    f"Sorry, I cannot get your information right now. Try again in a moment, or {CALL_JOBCENTER_EN}."
)
NO_MEETINGS_EN = (
    "I cannot see any coming meetings for you. When you are called to a meeting, "
    f"{TESTRUP} will tell you. If you have questions, contact your caseworker."
)
HANDOFF_EN = (
    "You can always talk to a person.\n"
    f"Call or write to your caseworker. If you do not have the number, {CALL_JOBCENTER_EN}.\n"
    f"You can also {WRITE_TO_TESTRUP_EN}"
)
HANDOFF_NO_CASEWORKER_EN = (
    f"You can always talk to a person.\nC{CALL_JOBCENTER_EN[1:]}.\nYou can also {WRITE_TO_TESTRUP_EN}"
)
# Words that only a Danish answer has (none may reach an English one).
DANISH_ONLY = re.compile(r"\b(?:og|jeg|du|dit|din|dine|ikke|kan|møde|mødet|sted|tid|kl\.)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def municipality(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Municipality]:
    """Testrup Kommune's settings file in tmp_path, selected with MUNICIPALITY_FILE."""
    path = tmp_path / "testrup.yml"
    path.write_text(yaml.safe_dump(TEST_MUNICIPALITY, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MUNICIPALITY_FILE", str(path))
    get_settings.cache_clear()
    get_municipality.cache_clear()
    loaded = get_municipality()
    assert loaded.name == TESTRUP
    yield loaded
    get_settings.cache_clear()
    get_municipality.cache_clear()


def assert_only_test_municipality(answer: str) -> None:
    for detail in NOT_FROM_THE_SETTINGS:
        assert detail not in answer, detail


# Things that, among the citizens tested against her, only Anna's answers contain (Lars
# shares her caseworker, so he is not one of them).
ANNA_DATA = (
    "Mette Holm",
    "70 11 22 33",
    "mh@kommune.example",
    "8. december",
    "13. april",
    "1. marts 2025",
    "28. februar 2028",
)
# Things that appear only when some citizen's data is shown (and a meeting time, MEETING_TIME).
ANY_CASE_DATA = (
    *ANNA_DATA,
    "sundhedskoordinator",
    "Sara Lund",
    "Peter Dahl",
    "70 11 22",
    "@kommune.example",
    "Jobcentret, lokale",
    "Dit ressourceforløb",
    "Dit jobafklaringsforløb",
    "Dit næste møde",
)


MEETING_TIME = re.compile(r"kl\. \d{1,2}\.\d{2}")  # "kl. 10.00"; not opening hours ("kl. 8-14")


def assert_no_case_data(answer: str, context: Any = None) -> None:
    for secret in ANY_CASE_DATA:
        assert secret not in answer, (context, secret)
    assert not MEETING_TIME.search(answer), context


def verified(citizen_id: str) -> dict[str, Any]:
    return {IDENTITY_KEY: {CITIZEN_ID_KEY: citizen_id, VIA_KEY: "mitid"}}


def problem(reason: str) -> dict[str, Any]:
    return {IDENTITY_KEY: {PROBLEM_KEY: reason}}


IDENTITIES: dict[str, dict[str, Any]] = {
    "valid": verified(ANNA),
    "expired": problem("expired"),
    "invalid": problem("invalid"),
    "not_configured": problem("not_configured"),
    "unknown_citizen": verified(UNKNOWN),
    "none": {},
}
# What a citizen sees for each identity that must not get data: the first words, and how
# to go on (log in at the municipality's MitID page, or call its jobcenter).
EXPECTED_REFUSAL = {
    "expired": "Dit login er udløbet, så jeg kan ikke se",
    "invalid": "Jeg kunne ikke bekræfte dit login, så jeg kan ikke se",
    "not_configured": "Det er en fejl hos os",
    "unknown_citizen": "Jeg kan ikke finde dig i vores system",
    "none": "Du er ikke logget ind, så jeg kan ikke se",
}
EXPECTED_WAY_ON = {
    "expired": f"Log ind igen med MitID her: {LOGIN_URL}",
    "invalid": f"Prøv at logge ind igen med MitID her: {LOGIN_URL}",
    "not_configured": f"Har du brug for svar nu, så {CALL_JOBCENTER}.",
    "unknown_citizen": f"R{CALL_JOBCENTER[1:]}. Så kan de hjælpe dig.",
    "none": f"Log ind med MitID her: {LOGIN_URL}",
}


# --- Helpers ----------------------------------------------------------------------------------
def make_tracker(
    metadata: dict[str, Any] | None,
    text: str = "hvornår er mit næste møde?",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    *,
    channel: str | None = None,
    see_also: list[dict[str, Any]] | None = None,
) -> Tracker:
    latest = latest_message(text, "ask_next_meeting", metadata, entities)
    if see_also is not None:
        latest["see_also"] = see_also
    return sdk_tracker(latest, slots=slots, channel=channel)


async def run(action: type[Action], metadata: dict[str, Any] | None, **tracker_args: Any) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = await action().run(dispatcher, make_tracker(metadata, **tracker_args), {})
    assert events == []
    return dispatcher.messages


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


def point_repository_at(monkeypatch: pytest.MonkeyPatch, url: str, timeout_s: float | None = None) -> None:
    monkeypatch.setenv("CASES_DB_URL", url)
    if timeout_s is not None:
        monkeypatch.setenv("CASES_DB_TIMEOUT", str(timeout_s))
    get_settings.cache_clear()
    reset_database()


@pytest.fixture
def set_now(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Set the actions' clock; starts at DEMO_NOW (Monday 2026-11-23 09:00 in Copenhagen)."""

    def set_clock(moment: datetime) -> None:
        assert moment.tzinfo is not None
        monkeypatch.setattr(clock, "utc_now", lambda: moment.astimezone(UTC))

    set_clock(DEMO_NOW)
    return set_clock


@pytest.fixture
def demo_db(demo_cases_db_url: str, set_now: Callable[[datetime], None]) -> str:
    """The demo case database, with the repository and the clock pointed at it."""
    return demo_cases_db_url


# --- Danish formatting ------------------------------------------------------------------------
def test_meeting_time_is_copenhagen_local_time_in_winter_and_summer():
    winter = datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))  # +01:00
    summer = datetime(2027, 4, 13, 13, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))  # +02:00
    assert winter.utcoffset() == timedelta(hours=1)
    assert summer.utcoffset() == timedelta(hours=2)
    # As they come out of the database: UTC.
    assert format_meeting_time(winter.astimezone(UTC)) == "tirsdag den 8. december kl. 10.00"
    assert format_meeting_time(summer.astimezone(UTC)) == "tirsdag den 13. april kl. 13.00"
    morning = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert format_meeting_time(morning) == "torsdag den 26. november kl. 9.30"


def test_meeting_time_names_the_year_only_when_it_is_another_year():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=CPH)
    assert format_meeting_time(datetime(2027, 4, 13, 11, 0, tzinfo=UTC), now) == (
        "tirsdag den 13. april 2027 kl. 13.00"
    )
    assert format_meeting_time(datetime(2026, 12, 8, 9, 0, tzinfo=UTC), now) == (
        "tirsdag den 8. december kl. 10.00"
    )
    # New Year's Eve 23:30 UTC is already next year in Copenhagen.
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_meeting_time(new_year, now) == "fredag den 1. januar 2027 kl. 0.30"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        format_meeting_time(datetime(2026, 12, 8, 10, 0))


def test_dates_lists_and_phone_numbers_read_danish():
    assert format_date(date(2028, 2, 28)) == "28. februar 2028"
    assert format_list(["a"]) == "a"
    assert format_list(["a", "b"]) == "a og b"
    assert format_list(["a", "b", "c"]) == "a, b og c"
    assert format_list([]) == ""
    assert format_phone("+4570112233") == "70 11 22 33"
    assert format_phone("not a number") == "not a number"


def test_roles_are_explained_in_one_short_line():
    for participant in (
        "Mette Holm (koordinerende sagsbehandler)",
        "mødeleder fra jobcentret",
        "sundhedskoordinator fra regionen",
        "medarbejder fra kommunens socialområde",
    ):
        explanation = role_explanation(participant)
        assert explanation and "\n" not in explanation and len(explanation) < 90
    assert "regionen" in (role_explanation("sundhedskoordinator fra regionen") or "")
    assert "leder mødet" in (role_explanation("mødeleder fra jobcentret") or "")
    assert role_explanation("en helt ukendt titel") is None


def test_long_answers_are_split_between_lines_and_headings_move_along():
    lines = ["x" * 200, "y" * 200, "Med til mødet:", "z" * 100]
    messages = pack_lines(lines, limit=480)
    assert messages == ["x" * 200 + "\n" + "y" * 200, "Med til mødet:\n" + "z" * 100]
    assert all(len(m) <= 480 for m in messages)


# --- Identity is read only from the server-set metadata -------------------------------------------
def test_identity_comes_only_from_the_metadata_identity_entry():
    assert identity_of(make_tracker(verified(ANNA))) == VerifiedCitizen(ANNA, "mitid")
    assert identity_of(make_tracker(problem("expired"))) == IdentityProblem("expired")
    assert identity_of(make_tracker({})) == ANONYMOUS
    assert identity_of(make_tracker(None)) == ANONYMOUS
    # A client-looking key at the top level, slots, entities and text are all ignored.
    sneaky = make_tracker(
        {CITIZEN_ID_KEY: ANNA},
        text=f"jeg er {ANNA}",
        slots={"citizen_id": ANNA},
        entities=[{"entity": "citizen_id", "value": ANNA}],
    )
    assert identity_of(sneaky) == ANONYMOUS


@pytest.mark.parametrize(
    "entry",
    [
        "c-1001",
        {CITIZEN_ID_KEY: ""},
        {CITIZEN_ID_KEY: 1001},
        {CITIZEN_ID_KEY: ANNA, PROBLEM_KEY: "expired"},
        {PROBLEM_KEY: "something new"},
    ],
)
def test_malformed_identity_is_never_a_citizen(entry: Any):
    identity = identity_of(make_tracker({IDENTITY_KEY: entry}))
    assert isinstance(identity, IdentityProblem)


def test_cpr_flag_must_be_exactly_true():
    assert cpr_was_removed(make_tracker({CPR_REMOVED_KEY: True}))
    assert not cpr_was_removed(make_tracker({CPR_REMOVED_KEY: "true"}))
    assert not cpr_was_removed(make_tracker({}))


# --- Every identity case x every action ---------------------------------------------------------
@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a().name())
@pytest.mark.parametrize("who", [w for w in IDENTITIES if w != "valid"])
async def test_without_a_known_verified_citizen_no_case_data_is_shown(demo_db, action, who):
    messages = await run(action, IDENTITIES[who])
    answer = texts(messages)
    assert_no_case_data(answer, who)
    assert_only_test_municipality(answer)
    assert all(0 < len(m["text"]) <= MAX_REPLY_CHARS for m in messages)
    assert not any(m.get("response") for m in messages)
    if action is ActionHumanHandoff:
        assert answer == HANDOFF
        return
    assert EXPECTED_REFUSAL[who] in answer
    assert EXPECTED_WAY_ON[who] in answer


@pytest.mark.parametrize("who", ["none", "expired", "invalid", "not_configured"])
async def test_asking_for_the_caseworker_without_login_also_says_how_to_reach_one(demo_db, who):
    messages = await run(ActionCaseworker, IDENTITIES[who])
    assert EXPECTED_REFUSAL[who] in messages[0]["text"]
    assert texts(messages).endswith(HANDOFF)


@pytest.mark.parametrize("action", [ActionNextMeeting, ActionAllMeetings], ids=lambda a: a().name())
async def test_anonymous_citizen_is_told_how_to_log_in_and_what_they_can_still_ask(demo_db, action):
    messages = await run(action, {})
    assert messages[0]["text"] == (
        f"Du er ikke logget ind, så jeg kan ikke se dine møder. Log ind med MitID her: {LOGIN_URL}\n"
        f"{GENERAL_QUESTIONS} rettigheder."
    )
    # The address ends its line: no full stop glued to the link.
    assert f"{LOGIN_URL}." not in texts(messages)


async def test_not_configured_login_gives_no_technical_detail(demo_db):
    answer = texts(await run(ActionNextMeeting, problem("not_configured")))
    for technical in ("token", "JWT", "secret", "not_configured", "konfigur"):
        assert technical.lower() not in answer.lower()


@pytest.mark.parametrize("who", list(IDENTITIES))
async def test_unverified_answers_never_touch_the_database(monkeypatch, tmp_path, set_now, who):
    point_repository_at(monkeypatch, f"sqlite:///{tmp_path / 'missing' / 'cases.db'}")
    answer = texts(await run(ActionNextMeeting, IDENTITIES[who]))
    if who in ("valid", "unknown_citizen"):
        assert answer == DATA_UNAVAILABLE  # they needed the database
    else:
        assert DATA_UNAVAILABLE not in answer
    reset_database()


async def test_valid_citizen_gets_her_case_status(demo_db):
    messages = await run(ActionCaseStatus, verified(ANNA))
    answer = texts(messages)
    assert "Dit ressourceforløb er i gang." in answer
    assert "Startede: 1. marts 2025" in answer
    assert "Planlagt slut: 28. februar 2028" in answer
    assert "Næste skridt:" in answer
    assert "tirsdag den 8. december kl. 10.00" in answer
    assert "Hvornår er mit næste møde?" in payloads(messages)


async def test_valid_citizen_gets_her_next_meeting_with_roles_and_an_offer_to_prepare(demo_db):
    messages = await run(ActionNextMeeting, verified(ANNA))
    answer = texts(messages)
    assert answer.startswith("Dit næste møde er et møde med rehabiliteringsteamet.")
    assert "Tid: tirsdag den 8. december kl. 10.00" in answer
    assert "Sted: Jobcentret, lokale 2.14" in answer
    assert "- Mette Holm (koordinerende sagsbehandler): " in answer
    assert "- Sundhedskoordinator fra regionen: " + (role_explanation("sundhedskoordinator") or "") in answer
    assert "- Mødeleder fra jobcentret: leder mødet" in answer
    assert "13. oktober" not in answer  # the past meeting
    assert "13. april" not in answer  # only the next one
    buttons = messages[-1]["buttons"]
    assert {
        "title": "Hjælp mig med at forberede mig",
        "payload": "Hvordan kan jeg forberede mig til mødet?",
    } in buttons
    assert {"title": "Se alle mine møder", "payload": "Hvilke møder har jeg?"} in buttons
    assert len(messages) == 2
    assert all(len(m["text"]) <= MAX_REPLY_CHARS for m in messages)


async def test_valid_citizen_gets_all_coming_meetings_with_local_times(demo_db):
    answer = texts(await run(ActionAllMeetings, verified(ANNA)))
    assert "Du har 2 kommende møder:" in answer
    assert (
        "- tirsdag den 8. december kl. 10.00: møde med rehabiliteringsteamet, Jobcentret, lokale 2.14"
        in answer
    )
    assert "- tirsdag den 13. april 2027 kl. 13.00: opfølgningssamtale, Jobcentret, lokale 1.05" in answer
    assert "oktober" not in answer
    assert answer.index("8. december") < answer.index("13. april")


async def test_valid_citizen_gets_her_caseworker(demo_db):
    answer = texts(await run(ActionCaseworker, verified(ANNA)))
    assert "Din sagsbehandler er Mette Holm." in answer
    assert "Telefon: 70 11 22 33" in answer
    assert "E-mail: mh@kommune.example" in answer
    assert answer.endswith(
        "Skriv ikke CPR-nummer eller helbredsoplysninger i en almindelig e-mail. "
        f"Skriv sikkert til {TESTRUP} her: {CONTACT_URL}"
    )
    assert_only_test_municipality(answer)


async def test_human_handoff_names_the_verified_citizens_caseworker(demo_db):
    messages = await run(ActionHumanHandoff, verified(ANNA))
    answer = texts(messages)
    assert answer == (
        "Du kan altid tale med et menneske. Din sagsbehandler er Mette Holm.\n"
        "Telefon: 70 11 22 33\n"
        "E-mail: mh@kommune.example\n"
        f"Kan du ikke få fat i din sagsbehandler, så {CALL_JOBCENTER}.\n"
        f"Du kan også {WRITE_TO_TESTRUP}"
    )
    assert answer.index("Mette Holm") < answer.index(JOBCENTER)  # the caseworker first
    assert not any(m.get("response") for m in messages)


# --- In English: the slot `language` is "en" ------------------------------------------------------
EXPECTED_REFUSAL_EN = {
    "expired": "Your login has expired, so I cannot see",
    "invalid": "I could not confirm your login, so I cannot see",
    "not_configured": "It is an error on our side",
    "unknown_citizen": "I cannot find you in our system",
    "none": "You are not logged in, so I cannot see",
}
EXPECTED_WAY_ON_EN = {
    "expired": f"Log in again with MitID here: {LOGIN_URL}",
    "invalid": f"Try to log in again with MitID here: {LOGIN_URL}",
    "not_configured": f"If you need an answer now, {CALL_JOBCENTER_EN}.",
    "unknown_citizen": f"C{CALL_JOBCENTER_EN[1:]}. They can help you.",
    "none": f"Log in with MitID here: {LOGIN_URL}",
}


def assert_english(answer: str) -> None:
    """No Danish word outside brackets (the Danish terms) and imported data (none of these)."""
    plain = re.sub(r"\([^)]*\)", "", answer)
    assert not DANISH_ONLY.search(plain), (DANISH_ONLY.search(plain), answer)


async def run_en(action: type[Action], metadata: dict[str, Any] | None, **tracker_args: Any) -> list[dict]:
    return await run(action, metadata, slots={**ENGLISH, **tracker_args.pop("slots", {})}, **tracker_args)


def test_meeting_times_dates_and_lists_read_english_in_copenhagen_time():
    winter = datetime(2026, 12, 8, 10, 0, tzinfo=CPH).astimezone(UTC)
    summer = datetime(2027, 4, 13, 13, 0, tzinfo=CPH).astimezone(UTC)
    now = datetime(2026, 11, 23, 9, 0, tzinfo=CPH)
    assert format_meeting_time(winter, language="en") == "Tuesday 8 December at 10:00"
    assert format_meeting_time(summer, language="en") == "Tuesday 13 April at 13:00"
    assert format_meeting_time(summer, now, "en") == "Tuesday 13 April 2027 at 13:00"
    assert format_meeting_time(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), now, "en") == (
        "Friday 1 January 2027 at 00:30"
    )
    assert format_meeting_time(datetime(2026, 11, 26, 8, 30, tzinfo=UTC), language="en") == (
        "Thursday 26 November at 09:30"
    )
    assert format_date(date(2028, 2, 28), "en") == "28 February 2028"
    assert format_list(["a", "b", "c"], "en") == "a, b and c"
    assert format_list(["a", "b"], "en") == "a and b"
    assert format_list(["a", "b", "c"], "fr") == "a, b og c"  # anything but English is Danish


def test_roles_are_explained_in_english_from_the_danish_participant_text():
    assert role_explanation("Mette Holm (koordinerende sagsbehandler)", "en") == (
        "your main contact in the municipality, who coordinates your case."
    )
    assert "leads the meeting" in (role_explanation("mødeleder fra jobcentret", "en") or "")
    assert "region" in (role_explanation("sundhedskoordinator fra regionen", "en") or "")
    assert role_explanation("en helt ukendt titel", "en") is None


@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a().name())
@pytest.mark.parametrize("who", [w for w in IDENTITIES if w != "valid"])
async def test_in_english_without_a_known_verified_citizen_no_case_data_is_shown(demo_db, action, who):
    messages = await run_en(action, IDENTITIES[who])
    answer = texts(messages)
    assert_no_case_data(answer, who)
    assert_only_test_municipality(answer)
    assert_english(answer)
    assert all(0 < len(m["text"]) <= MAX_REPLY_CHARS for m in messages)
    if action is ActionHumanHandoff:
        assert answer == HANDOFF_EN
        return
    assert EXPECTED_REFUSAL_EN[who] in answer
    assert EXPECTED_WAY_ON_EN[who] in answer


async def test_in_english_the_anonymous_citizen_is_told_how_to_log_in(demo_db):
    messages = await run_en(ActionNextMeeting, {})
    assert messages[0]["text"] == (
        f"You are not logged in, so I cannot see your meetings. Log in with MitID here: {LOGIN_URL}\n"
        "You can still ask general questions, e.g. about resource programmes (ressourceforløb), "
        f"{MEETING_NAME_EN} and your rights."
    )
    assert messages[0]["buttons"] == [
        {"title": "What can you help with?", "payload": "What can you help with?"}
    ]


async def test_in_english_an_unknown_mobile_number_by_sms_is_told_how_to_go_on(demo_db):
    answer = texts(await run_en(ActionNextMeeting, {}, channel="gatewayapi"))
    assert answer.startswith("I do not know your mobile number, so I cannot see your meetings here.")
    assert f"If your number is not registered with us, {CALL_JOBCENTER_EN}." in answer


async def test_in_english_the_case_status(demo_db):
    messages = await run_en(ActionCaseStatus, verified(ANNA))
    answer = texts(messages)
    assert answer.startswith("Your resource programme (ressourceforløb) is under way.")
    assert "Started: 1 March 2025" in answer
    assert "Planned end: 28 February 2028" in answer
    assert "Next step: " in answer
    assert "Your next meeting: meeting with the rehabilitation team (rehabiliteringsteam), " in answer
    assert "Tuesday 8 December at 10:00." in answer
    assert payloads(messages) == ["When is my next meeting?", "Who is my caseworker?"]
    assert_english(answer)


async def test_in_english_the_next_meeting_with_an_english_date_and_imported_names(demo_db):
    messages = await run_en(ActionNextMeeting, verified(ANNA))
    answer = texts(messages)
    assert answer.startswith(
        "Your next meeting is a meeting with the rehabilitation team (rehabiliteringsteam)."
    )
    assert "Time: Tuesday 8 December at 10:00" in answer
    assert "Place: Jobcentret, lokale 2.14" in answer  # the place as imported
    assert "Also at the meeting:" in answer
    assert "- Mette Holm (koordinerende sagsbehandler): your main contact" in answer
    assert "- Mødeleder fra jobcentret: leads the meeting" in answer
    assert "Would you like help to prepare?" in answer
    assert "13 April" not in answer
    assert messages[-1]["buttons"] == [
        {"title": "Help me prepare", "payload": "How can I prepare for the meeting?"},
        {"title": "See all my meetings", "payload": "What meetings do I have?"},
    ]
    assert all(len(m["text"]) <= MAX_REPLY_CHARS for m in messages)
    assert_english(answer)


async def test_in_english_all_coming_meetings(demo_db):
    answer = texts(await run_en(ActionAllMeetings, verified(ANNA)))
    assert answer == (
        "You have 2 coming meetings:\n"
        "- Tuesday 8 December at 10:00: meeting with the rehabilitation team (rehabiliteringsteam), "
        "Jobcentret, lokale 2.14\n"
        "- Tuesday 13 April 2027 at 13:00: follow-up meeting (opfølgningssamtale), Jobcentret, lokale 1.05"
    )


async def test_in_english_the_caseworker(demo_db):
    answer = texts(await run_en(ActionCaseworker, verified(ANNA)))
    assert answer == (
        "Your caseworker is Mette Holm.\n"
        "Phone: 70 11 22 33\n"
        "E-mail: mh@kommune.example\n"
        "Do not write your CPR number or health details in an ordinary e-mail. "
        f"Write securely to {TESTRUP} here: {CONTACT_URL}"
    )


async def test_in_english_the_human_handoff_names_the_caseworker_first(demo_db):
    answer = texts(await run_en(ActionHumanHandoff, verified(ANNA)))
    assert answer == (
        "You can always talk to a person. Your caseworker is Mette Holm.\n"
        "Phone: 70 11 22 33\n"
        "E-mail: mh@kommune.example\n"
        f"If you cannot reach your caseworker, {CALL_JOBCENTER_EN}.\n"
        f"You can also {WRITE_TO_TESTRUP_EN}"
    )
    assert texts(await run_en(ActionHumanHandoff, verified(IDA))) == HANDOFF_NO_CASEWORKER_EN


async def test_in_english_no_case_closed_case_pending_decision_and_online_meeting(demo_db):
    assert texts(await run_en(ActionCaseStatus, verified(IDA))) == (
        "I cannot see a case about a resource programme (ressourceforløb) or job clarification "
        f"programme (jobafklaringsforløb) for you. If you think you have one, {CALL_JOBCENTER_EN}. "
        "They can help you."
    )
    assert texts(await run_en(ActionNextMeeting, verified(IDA))) == NO_MEETINGS_EN
    assert texts(await run_en(ActionCaseworker, verified(IDA))) == (
        "I cannot see a case for you, so I cannot see a caseworker either. "
        f"If you have questions, {CALL_JOBCENTER_EN}."
    )
    closed = texts(await run_en(ActionCaseStatus, verified(KAREN)))
    assert closed.startswith("Your resource programme (ressourceforløb) has ended.")
    assert "Ended: 31 December 2024" in closed and "Planned end" not in closed
    worker = texts(await run_en(ActionCaseworker, verified(KAREN)))
    assert worker.startswith(
        "Your resource programme (ressourceforløb) has ended. Your caseworker was Peter Dahl."
    )
    assert worker.endswith(f"If something new has happened, {CALL_JOBCENTER_EN}.")
    pending = texts(await run_en(ActionCaseStatus, verified(MADS)))
    assert "Your job clarification programme (jobafklaringsforløb) is waiting for a decision." in pending
    assert "You also have a closed job clarification programme." in pending  # named already
    assert "Thursday 26 November at 09:30" in pending
    online = texts(await run_en(ActionNextMeeting, verified(JONAS)))
    assert "Place: online (you will get a link from your caseworker)" in online
    assert "Time: Wednesday 2 December at 13:30" in online
    for answer in (closed, worker, pending, online):
        assert_english(answer)


@pytest.mark.parametrize(
    ("aspect", "expected"),
    [
        ("place", "Your next meeting is here: Jobcentret, lokale 2.14\nTime: Tuesday 8 December at 10:00"),
        (
            "time",
            "Your next meeting is a meeting with the rehabilitation team (rehabiliteringsteam) on "
            "Tuesday 8 December at 10:00.\nPlace: Jobcentret, lokale 2.14",
        ),
        ("participants", "At your next meeting on Tuesday 8 December at 10:00:\n- Mette Holm"),
    ],
)
async def test_in_english_one_part_of_the_next_meeting(demo_db, aspect, expected):
    entities = [{"entity": "aspect", "value": aspect}]
    answer = texts(await run_en(ActionNextMeeting, verified(ANNA), entities=entities))
    assert answer.startswith(expected)
    danish = texts(await run(ActionNextMeeting, verified(ANNA), entities=entities))
    assert danish.startswith(
        {"place": "Dit næste møde er her:", "time": "Dit næste møde er et", "participants": "Med til"}[aspect]
    )


async def test_in_english_how_to_reach_the_caseworker(demo_db):
    entities = [{"entity": "aspect", "value": "contact"}]
    answer = texts(await run_en(ActionCaseworker, verified(ANNA), entities=entities))
    assert answer.startswith("You can contact your caseworker, Mette Holm, here:\nPhone: 70 11 22 33")


@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a().name())
async def test_in_english_the_cpr_notice_comes_first(demo_db, action):
    messages = await run_en(action, {**verified(ANNA), CPR_REMOVED_KEY: True})
    assert messages[0]["text"] == CPR_NOTICE_EN
    assert CPR_NOTICE_EN == (
        "You wrote something that looks like a CPR number. I have removed it. "
        "Do not write your CPR number here."
    )


@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a().name())
async def test_in_english_database_down_gives_the_apology_in_english(monkeypatch, tmp_path: Path, action):
    point_repository_at(monkeypatch, UNREACHABLE["sqlite_missing_dir"](tmp_path))
    try:
        answer = texts(await run_en(action, verified(ANNA)))
    finally:
        reset_database()
    assert answer == (HANDOFF_EN if action is ActionHumanHandoff else DATA_UNAVAILABLE_EN)


async def test_see_also_buttons_are_titled_in_the_conversations_language(demo_db):
    from core.clarification import payload_for, titles

    near = [{"label": "faq/ret_bisidder", "confidence": 0.2}]
    danish = await run(ActionNextMeeting, verified(ANNA), see_also=near)
    english = await run_en(ActionNextMeeting, verified(ANNA), see_also=near)
    payload = payload_for("faq/ret_bisidder")
    title_da, title_en = titles().title("faq/ret_bisidder", "da"), titles().title("faq/ret_bisidder", "en")
    assert title_da and title_en and title_da != title_en
    assert {"title": title_da, "payload": payload} in danish[-1]["buttons"]
    assert {"title": title_en, "payload": payload} in english[-1]["buttons"]


# --- The clock: only future meetings, across the summer-time switch ---------------------------
async def test_a_meeting_that_has_started_is_no_longer_the_next_one(demo_db, set_now):
    set_now(datetime(2026, 12, 8, 9, 59, tzinfo=CPH))
    assert "kl. 10.00" in texts(await run(ActionNextMeeting, verified(ANNA)))
    set_now(datetime(2026, 12, 8, 10, 0, tzinfo=CPH))
    answer = texts(await run(ActionNextMeeting, verified(ANNA)))
    assert "Tid: tirsdag den 13. april 2027 kl. 13.00" in answer  # summer time, local clock
    assert "8. december" not in answer


async def test_the_year_is_left_out_once_the_meeting_is_this_year(demo_db, set_now):
    set_now(datetime(2027, 1, 5, 12, 0, tzinfo=CPH))
    answer = texts(await run(ActionNextMeeting, verified(ANNA)))
    assert "Tid: tirsdag den 13. april kl. 13.00" in answer


async def test_after_the_last_meeting_there_are_no_meetings(demo_db, set_now):
    set_now(datetime(2027, 4, 13, 13, 0, 1, tzinfo=CPH))
    assert texts(await run(ActionNextMeeting, verified(ANNA))) == NO_MEETINGS
    assert texts(await run(ActionAllMeetings, verified(ANNA))) == NO_MEETINGS


async def test_past_meetings_are_never_shown(demo_db):
    for action in (ActionNextMeeting, ActionAllMeetings, ActionCaseStatus):
        answer = texts(await run(action, verified(LARS)))
        assert "15. september" not in answer and "10. november" not in answer
    assert texts(await run(ActionNextMeeting, verified(LARS))) == NO_MEETINGS


# --- No case, no meetings, closed case, pending decision, online meeting ----------------------------
async def test_citizen_without_a_case(demo_db):
    assert texts(await run(ActionCaseStatus, verified(IDA))) == NO_CASE
    assert texts(await run(ActionNextMeeting, verified(IDA))) == NO_MEETINGS
    assert texts(await run(ActionAllMeetings, verified(IDA))) == NO_MEETINGS
    assert texts(await run(ActionCaseworker, verified(IDA))) == (
        "Jeg kan ikke se nogen sag på dig, og derfor heller ingen sagsbehandler. "
        f"Har du spørgsmål, så {CALL_JOBCENTER}."
    )
    # Known to have no caseworker: straight to the jobcenter.
    assert texts(await run(ActionHumanHandoff, verified(IDA))) == HANDOFF_NO_CASEWORKER


async def test_closed_case(demo_db):
    status = texts(await run(ActionCaseStatus, verified(KAREN)))
    assert "Dit ressourceforløb er afsluttet." in status
    assert "Sluttede: 31. december 2024" in status
    assert "Planlagt slut" not in status
    worker = texts(await run(ActionCaseworker, verified(KAREN)))
    assert "Din sagsbehandler var Peter Dahl." in worker
    assert "Telefon: 70 11 22 55" in worker
    assert "E-mail" not in worker  # none on file
    assert worker.endswith(f"Er der sket noget nyt, så {CALL_JOBCENTER}.")
    # A closed case's caseworker is not offered as today's contact person.
    handoff = texts(await run(ActionHumanHandoff, verified(KAREN)))
    assert handoff == HANDOFF_NO_CASEWORKER
    assert "Peter Dahl" not in handoff


async def test_pending_decision_and_an_older_closed_case(demo_db):
    status = texts(await run(ActionCaseStatus, verified(MADS)))
    assert "Dit jobafklaringsforløb venter på en afgørelse." in status
    assert "Du har også et afsluttet jobafklaringsforløb." in status
    assert "torsdag den 26. november kl. 9.30" in status
    worker = texts(await run(ActionCaseworker, verified(MADS)))
    assert "Sara Lund" in worker and "Peter Dahl" not in worker  # the open case's caseworker


async def test_online_meeting_says_the_link_comes_from_the_caseworker(demo_db):
    answer = texts(await run(ActionNextMeeting, verified(JONAS)))
    assert "Sted: online (du får et link fra din sagsbehandler)" in answer
    assert "Tid: onsdag den 2. december kl. 13.30" in answer


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("citizen", [ANNA, JONAS, LARS, KAREN, MADS, IDA])
@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a().name())
async def test_every_message_fits_an_sms_budget_and_has_no_markdown(demo_db, citizen, action, language):
    messages = await run(action, verified(citizen), slots={"language": language})
    for message in messages:
        assert 0 < len(message["text"]) <= MAX_REPLY_CHARS
        assert "**" not in message["text"] and "#" not in message["text"]
    assert_only_test_municipality(texts(messages))
    if language == "en":
        assert_english(texts(messages))


async def test_every_message_fits_an_sms_budget_with_the_longest_allowed_settings(
    demo_db, monkeypatch, tmp_path
):
    """Every setting at the longest length bot.municipality allows: still no message over budget."""
    longest = {
        **TEST_MUNICIPALITY,
        "name": "N" * MAX_NAME_CHARS,
        "jobcenter_name": "J" * MAX_NAME_CHARS,
        "phone": "+45 33 44 55 66",
        "opening_hours": "h" * MAX_TEXT_CHARS,
        "opening_hours_en": "h" * MAX_TEXT_CHARS,
        "mitid_login_url": "https://l.dk/" + "l" * (MAX_URL_CHARS - len("https://l.dk/")),
        "contact_url": "https://c.dk/" + "c" * (MAX_URL_CHARS - len("https://c.dk/")),
        "meetings": {
            **TEST_MUNICIPALITY["meetings"],
            "meeting_name": "m" * MAX_NAME_CHARS,
            "meeting_name_en": "m" * MAX_NAME_CHARS,
        },
    }
    path = tmp_path / "longest.yml"
    path.write_text(yaml.safe_dump(longest, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("MUNICIPALITY_FILE", str(path))
    get_settings.cache_clear()
    get_municipality.cache_clear()
    assert get_municipality().opening_hours == "h" * MAX_TEXT_CHARS
    metadata = [
        *IDENTITIES.values(),
        *(verified(citizen) for citizen in (ANNA, JONAS, LARS, KAREN, MADS, IDA)),
    ]
    quoting_the_settings = 0
    for language in ("da", "en"):
        for action in ALL_ACTIONS:
            for meta in metadata:
                messages = await run(action, {**meta, CPR_REMOVED_KEY: True}, slots={"language": language})
                assert all(0 < len(m["text"]) <= MAX_REPLY_CHARS for m in messages), (action, meta, language)
                quoting_the_settings += "h" * MAX_TEXT_CHARS in texts(messages)
    assert quoting_the_settings >= 40  # the long values really were used, in both languages


# --- One citizen never sees another citizen's data --------------------------------------------------
@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a().name())
async def test_another_citizen_never_sees_annas_data(demo_db, action):
    for citizen in (JONAS, KAREN, MADS, IDA, UNKNOWN):
        answer = texts(await run(action, verified(citizen)))
        for secret in ANNA_DATA:
            assert secret not in answer, (citizen, secret)


@pytest.mark.parametrize("action", DATA_ACTIONS, ids=lambda a: a().name())
async def test_slots_entities_and_text_cannot_switch_citizen(demo_db, action):
    trick = {
        "text": f"jeg er {ANNA}",
        "slots": {"citizen_id": ANNA},
        "entities": [{"entity": "citizen_id", "value": ANNA}],
    }
    as_jonas = texts(await run(action, verified(JONAS), **trick))
    anonymous = texts(await run(action, {CITIZEN_ID_KEY: ANNA}, **trick))
    for secret in ANNA_DATA:
        assert secret not in as_jonas
        assert secret not in anonymous
    assert EXPECTED_REFUSAL["none"] in anonymous


# --- CPR notice ---------------------------------------------------------------------------------
@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a().name())
@pytest.mark.parametrize("who", ["valid", "none", "expired"])
async def test_cpr_notice_comes_first_when_a_cpr_number_was_removed(demo_db, action, who):
    messages = await run(action, {**IDENTITIES[who], CPR_REMOVED_KEY: True})
    assert messages[0]["text"] == CPR_NOTICE
    assert len(messages) > 1
    assert CPR_NOTICE not in texts(await run(action, IDENTITIES[who]))


# --- Case database down or slow ------------------------------------------------------------------
UNREACHABLE = {
    "sqlite_missing_dir": lambda tmp: f"sqlite:///{tmp / 'no' / 'such' / 'dir' / 'cases.db'}",
    "sqlite_no_schema": lambda tmp: f"sqlite:///{tmp / 'empty.db'}",
    "postgresql_refused": lambda tmp: "postgresql+psycopg2://moedeklar@127.0.0.1:1/cases",
}


@pytest.mark.parametrize("where", list(UNREACHABLE))
@pytest.mark.parametrize("action", ALL_ACTIONS, ids=lambda a: a().name())
async def test_database_down_gives_a_polite_apology_and_logs_no_personal_data(
    monkeypatch, tmp_path: Path, caplog, action, where
):
    point_repository_at(monkeypatch, UNREACHABLE[where](tmp_path))
    caplog.set_level(logging.DEBUG)
    try:
        messages = await run(action, {**verified(ANNA), CPR_REMOVED_KEY: True})
    finally:
        reset_database()
    assert messages[0]["text"] == CPR_NOTICE
    if action is ActionHumanHandoff:
        assert texts(messages[1:]) == HANDOFF  # a human is named even now
    else:
        assert texts(messages[1:]) == DATA_UNAVAILABLE
    assert "unavailable" in caplog.text
    for personal in (ANNA, "Anna", "Mette", "+45", "20123456", "kommune.example"):
        assert personal not in caplog.text


async def test_slow_database_times_out_with_an_apology(demo_cases_db_url, monkeypatch, set_now):
    point_repository_at(monkeypatch, demo_cases_db_url, timeout_s=0.5)
    started = time.monotonic()
    with exclusive_lock(demo_cases_db_url):
        answer = texts(await run(ActionNextMeeting, verified(ANNA)))
    reset_database()
    assert answer == DATA_UNAVAILABLE
    assert time.monotonic() - started < 5


async def test_database_back_up_answers_again(demo_cases_db_url, monkeypatch, set_now):
    point_repository_at(monkeypatch, demo_cases_db_url, timeout_s=0.5)
    with exclusive_lock(demo_cases_db_url):
        assert texts(await run(ActionCaseworker, verified(ANNA))) == DATA_UNAVAILABLE
    assert "Mette Holm" in texts(await run(ActionCaseworker, verified(ANNA)))


# --- Through the action server's own executor (as Rasa calls it) ----------------------------------
async def test_the_action_server_registers_and_runs_the_actions(demo_db):
    executor = ActionExecutor()
    executor.register_package("actions")
    assert ACTION_NAMES <= set(executor.actions)
    assert "CaseAction" not in executor.actions
    tracker = {
        "sender_id": "e2e",
        "slots": {},
        "latest_message": {
            "text": "hvornår er mit næste møde?",
            "intent": {"name": "ask_next_meeting", "confidence": 0.98},
            "entities": [],
            "metadata": verified(ANNA),
        },
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    response = await executor.run({"next_action": "action_next_meeting", "tracker": tracker, "domain": {}})
    assert response is not None
    answer = "\n".join(r.get("text") or "" for r in response["responses"])
    assert "Sted: Jobcentret, lokale 2.14" in answer


def test_the_clock_is_timezone_aware():
    now = clock.utc_now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
