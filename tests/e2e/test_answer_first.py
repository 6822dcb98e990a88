"""End-to-end: the answer in the first reply, follow-ups with context, the own case in everyday
Danish, anger and distress heard, crisis words in English — over REST and SMS.

Real Rasa server (trained model) and action server (tests/support/servers.py); the SMS side
runs through the gateway simulator. Every check fails unless the answer itself comes: a
"Mente du …?" or a request to rephrase is never accepted where an answer is expected.
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
import yaml

from bot.rasa_plugins.sms.formatting import MORE_HINT
from core.care import support_texts
from core.clarification import titles
from tests.support.citizens import ANNA, Conversation, make_token
from tests.support.servers import REPO
from tests.support.sms import RunningSimulator

CLARIFY = support_texts("clarification")
DISTRESS = support_texts("distress")
DOMAIN = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
CRISIS_TEXT = DOMAIN["responses"]["utter_crisis_support"][0]["text"]
# the English variation (condition: language = en), for a message written in English
CRISIS_TEXT_EN = DOMAIN["responses"]["utter_crisis_support"][1]["text"]
FAQ = {
    key.removeprefix("utter_"): variations[0]["text"].strip()
    for path in sorted((REPO / "data" / "nlu").glob("faq_*.yml"))
    for key, variations in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).items()
}
ASKED_BACK = (CLARIFY["question"], CLARIFY["rephrase"].strip(), "Jeg er ikke helt sikker")
ANNA_PHONE = "+4520123456"


def assert_answered(answer: str, expected: str) -> None:
    assert expected in answer, f"expected the answer itself, got: {answer[:200]!r}"
    assert not any(asked in answer for asked in ASKED_BACK), answer[:200]


def payloads(replies: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons") or []]


# --- answer, then offer -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Hvem kan få et ressourceforløb?", "faq/forloeb_maalgruppe"),
        ("Hvad sker der til mødet med rehabiliteringsteamet?", "faq/moede_forloeb"),
        ("kan jeg stadig komme i ressourceforløb?", "faq/forloeb_reform_2026"),
        ("hvad sker der med mit ressourceforløb i 2027?", "faq/forloeb_2027"),
        ("må jeg optage mødet på min telefon", "faq/moede_optagelse"),
        ("kan min datter være tolk for mig til mødet", "faq/moede_tolk"),
        ("hvem betaler bussen når jeg skal derind", "faq/moede_transport"),
        ("jeg vågnede syg og har møde i dag, hvad gør jeg", "faq/moede_kan_ikke_komme"),
        ("bliver der skrevet referat af mødet?", "faq/moede_referat"),
        ("hvor længe går der før kommunen har besluttet sig", "faq/ret_sagsbehandlingstid"),
        ("hvad er forskellen på fleksjob og førtidspension", "faq/ordning_fleksjob_eller_pension"),
        ("hvad kan jeg få nu når der ikke er flere ressourceforløb", "faq/forloeb_i_stedet"),
        ("hvad betyder samlet beskrivelse af mine forudsætninger", "faq/forloeb_samlet_beskrivelse"),
    ],
)
def test_plain_questions_get_the_answer_in_the_first_reply(rest_url: str, question: str, topic: str) -> None:
    assert_answered(Conversation(rest_url).say(question), FAQ[topic])


def test_an_answer_offers_the_nearest_topics_and_a_tap_gives_one(rest_url: str) -> None:
    offered = None
    for question in ("hvad er fleksjob", "hvor længe varer mødet", "får jeg ydelse hvis jeg bliver syg"):
        chat = Conversation(rest_url)
        answer = chat.say(question)
        picks = [p for p in payloads(chat.last) if p.startswith("/faq_pick")]
        if picks:
            assert CLARIFY["see_also"] in answer and len(picks) <= 2
            offered = (chat, picks[0])
            break
    assert offered is not None, "no answer offered a 'Se også' topic"
    chat, pick = offered
    topic = json.loads(pick.removeprefix("/faq_pick"))["topic"]
    assert_answered(chat.say(pick), FAQ[topic])


def test_a_logged_in_citizen_gets_the_next_meeting_at_once_in_sms_spelling(
    rest_url: str, servers: Dict[str, str]
) -> None:
    token = make_token(servers["secret"], ANNA)
    for question in ("hvornar skal jeg ind til jer igen", "mit møde hvornår", "hvornaar er mit naeste mode"):
        answer = Conversation(rest_url, token).say(question)
        assert_answered(answer, "Dit næste møde")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("hvad hedder min sagsbehandler", "Mette Holm"),
        ("er mit forløb stadig i gang", "Dit ressourceforløb er i gang"),
        ("har de truffet en afgørelse i min sag", "Dit ressourceforløb"),
    ],
)
def test_own_case_questions_in_everyday_danish(
    rest_url: str, servers: Dict[str, str], question: str, expected: str
) -> None:
    token = make_token(servers["secret"], ANNA)
    assert_answered(Conversation(rest_url, token).say(question), expected)


def test_not_logged_in_and_asking_about_the_own_case_is_told_how_to_log_in(rest_url: str) -> None:
    for question in ("hvornår er mit næste møde", "hvem er min sagsbehandler", "er mit forløb stadig i gang"):
        answer = Conversation(rest_url).say(question)
        assert "Log ind med MitID" in answer, answer[:200]
        assert CLARIFY["question"] not in answer


# --- follow-ups keep their context --------------------------------------------------------------------
def test_even_if_it_is_my_mother_after_the_bisidder_answer(rest_url: str) -> None:
    chat = Conversation(rest_url)
    assert_answered(chat.say("må jeg tage en bisidder med til mødet"), FAQ["faq/ret_bisidder"])
    assert_answered(chat.say("også selvom det er min mor?"), FAQ["faq/ret_bisidder"])


def test_and_if_i_disagree_after_who_decides(rest_url: str) -> None:
    chat = Conversation(rest_url)
    chat.say("hvem bestemmer om jeg får et forløb")
    assert_answered(chat.say("og hvis jeg er uenig?"), FAQ["faq/ret_klage"])


def test_a_new_question_is_a_new_topic(rest_url: str) -> None:
    chat = Conversation(rest_url)
    chat.say("må jeg tage en bisidder med til mødet")
    assert_answered(chat.say("hvad er et jobafklaringsforløb"), FAQ["faq/ordning_jobafklaring"])


def test_where_after_the_next_meeting_gives_its_place(rest_url: str, servers: Dict[str, str]) -> None:
    chat = Conversation(rest_url, make_token(servers["secret"], ANNA))
    assert_answered(chat.say("hvornår er mit næste møde"), "Dit næste møde")
    answer = chat.say("hvor?")
    assert_answered(answer, "Dit næste møde er her: Jobcentret, lokale 2.14")
    assert "Med til mødet" not in answer  # the place, not the whole answer again


def test_how_do_i_reach_her_after_the_caseworker(rest_url: str, servers: Dict[str, str]) -> None:
    chat = Conversation(rest_url, make_token(servers["secret"], ANNA))
    assert_answered(chat.say("hvem er min sagsbehandler"), "Mette Holm")
    # her phone and e-mail: the focused answer, or the hand-off, which names her first
    answer = chat.say("hvordan får jeg fat i hende")
    assert_answered(answer, "Telefon: 70 11 22 33")
    assert "Mette Holm" in answer


def test_where_without_a_login_is_told_how_to_log_in(rest_url: str) -> None:
    chat = Conversation(rest_url)
    chat.say("hvornår er mit næste møde")
    assert "Log ind med MitID" in chat.say("hvor?")


# --- anger, distress, crisis in English --------------------------------------------------------------------
@pytest.mark.parametrize(
    "message",
    [
        "jeg er så træt af kommunen, ingen hører nogensinde efter",
        "jeg har det forfærdeligt og ved ikke hvem jeg skal tale med",
    ],
)
def test_anger_and_distress_get_the_warm_answer_with_who_to_contact(rest_url: str, message: str) -> None:
    chat = Conversation(rest_url)
    answer = chat.say(message)
    assert DISTRESS["opening"] in answer, answer[:200]
    assert "Ring til" in answer and DISTRESS["doctor"] in answer and "70 201 201" in answer
    assert not any(asked in answer for asked in ASKED_BACK)


@pytest.mark.parametrize(
    ("message", "in_english"),
    [
        ("I don't want to live anymore", True),
        ("i dont wanna live anymore tbh", True),
        ("jeg orker ikke mere, want to die", False),  # mostly Danish: the Danish text
    ],
)
def test_crisis_words_in_english_get_the_crisis_lines_first(
    rest_url: str, message: str, in_english: bool
) -> None:
    """English crisis words get the crisis lines first, in English; a Danish message
    with English crisis words the Danish text, which has its own line in English."""
    chat = Conversation(rest_url)
    chat.say(message)
    assert chat.last[0]["text"] == (CRISIS_TEXT_EN if in_english else CRISIS_TEXT)
    assert "In English" in CRISIS_TEXT and "112" in CRISIS_TEXT and "112" in CRISIS_TEXT_EN


# --- by SMS ---------------------------------------------------------------------------------------------
def sms(sim: RunningSimulator, number: str, text: str) -> str:
    before = len(sim.sent(number))
    status, _ = sim.send_mo(number, text)
    assert status == 200
    received = sim.wait_for(number, 1, since=before)
    assert received, f"no SMS answered {text!r}"
    return received[-1].text


def test_by_sms_the_first_message_says_it_is_a_machine(sim: RunningSimulator) -> None:
    number = "+4540909001"
    answer = sms(sim, number, "hvad er et ressourceforløb")
    first, second = sim.sent(number, with_introduction=True)
    assert "digitale assistent" in first.text and "MENNESKE" in first.text  # an SMS of its own, first
    assert second.text == answer and "digitale assistent" not in answer
    sms(sim, number, "må jeg tage en bisidder med")
    assert len(sim.sent(number, with_introduction=True)) == 3  # said once per number


def test_by_sms_see_also_topics_are_numbered_and_a_number_gives_the_answer(sim: RunningSimulator) -> None:
    number = "+4540909002"
    sms(sim, number, "hej")  # the introduction comes with the first SMS
    chosen = None
    for question in ("hvad er fleksjob", "hvor længe varer mødet", "får jeg ydelse hvis jeg bliver syg"):
        reply = sms(sim, number, question)
        if CLARIFY["see_also"] in reply and "1)" in reply:
            chosen = reply
            break
    assert chosen is not None, "no SMS answer had a numbered 'Se også'"
    assert MORE_HINT not in chosen  # the options were added only because they fit
    title = chosen.split("1) ", 1)[1].splitlines()[0].strip()
    label = next(label for label in titles().faq if (titles().title(label) or "").rstrip(" .") == title)
    assert_answered(sms(sim, number, "1"), FAQ[label][:60])


def test_by_sms_where_after_the_next_meeting_gives_its_place(sim: RunningSimulator) -> None:
    sms(sim, ANNA_PHONE, "hvornaar er mit naeste mode")
    assert "Dit næste møde er her: Jobcentret, lokale 2.14" in sms(sim, ANNA_PHONE, "hvor?")
