"""The Rasa server's response generator: domain responses, plus what is decided at run time.

`CareNaturalLanguageGenerator` (endpoints.yml `nlg: type: bot.rasa_plugins.nlg.CareNaturalLanguageGenerator`)
is Rasa's own templated generator, which also renders "Mente du …?" (`utter_clarify`,
`utter_clarify_none`: bot/rasa_plugins/clarification.py) and adds three things to FAQ answers
(`utter_faq/<key>`), in this order:

- **review date**: an answer whose `metadata.review_by` date has passed (`core.answer_dates`,
  today from `core.clock`) STARTS with a short line telling the citizen to check with their
  caseworker (first, so that it is never cut off behind "MERE" in an SMS). Dates pass at run
  time, so this is decided here, when the answer is sent, never in the text the model was
  trained with.
- **two things in one message**: a FAQ answer to a message that also carries worry or distress
  ("jeg er nervøs — må jeg tage min mor med?", word lists in data/support.yml) ends with the
  offer of the preparation guide (a short line and a button).
- **see also**: the one or two topics nearest to the answered one (`see_also` in the parse
  data, bot/rasa_plugins/nlu/linear_classifier.py) as buttons under a "Se også:" line. By SMS (numbered
  options) only as many as fit in the three segments of the answer.

Both happen in the Rasa process, for the `utter_faq` rule and for FAQ answers an action asks
for (`action_faq_pick`), without a call to the action server (which would carry the whole,
growing tracker on every answer).

It also renders `utter_other_language` (the fixed reply in the language of a message the
assistant does not answer in, data/languages.yml) and puts the crisis line in that language
(112, Livslinien) before the crisis answer. Everything is in the conversation's language (the
`language` slot): Rasa picks the English variations of the responses by their condition.

Must not: change any other response, log the citizen's words, or read the citizen's identity.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_plugins import metrics
from bot.rasa_plugins.clarification import clarification_response, language_of, latest_texts
from bot.rasa_plugins.language import other_crisis, other_languages, other_texts
from bot.rasa_plugins.sms.formatting import format_turn
from core import clock
from core.answer_dates import FAQ_RESPONSE_PREFIX, dates_of, notice_for
from core.care import support_texts, worry_in
from core.clarification import FAQ_INTENT, button_for, see_also
from core.municipality import fill
from core.sms import is_sms_channel

START_GUIDE_PAYLOAD = "/start_preparation"
OTHER_LANGUAGE_RESPONSE = "utter_other_language"
# Every response says which language it is in (the widget's `lang` attribute, the review app).
LANG_KEY = "lang"
CRISIS_RESPONSE = "utter_crisis_support"


def _other_language_of(tracker: DialogueStateTracker) -> str | None:
    """The other language the latest message is in (its detection in the parse data), or None."""
    message = tracker.latest_message
    detection = (message.parse_data or {}).get("message_language") if message is not None else None
    language = detection.get("language") if isinstance(detection, dict) else None
    return language if language not in (None, "da", "en") else None


def _with_crisis_line_in_other_language(
    response: Dict[str, Any], tracker: DialogueStateTracker
) -> Dict[str, Any]:
    """The crisis answer, with 112 and Livslinien first in the other language the citizen wrote."""
    written, _ = latest_texts(tracker)
    code = other_crisis(written) or _other_language_of(tracker)
    if code is None:
        return response
    response["text"] = f"{other_texts(code)['crisis_reply']}\n{response.get('text') or ''}".strip()
    return response


def _asked_faq_with_worry(tracker: DialogueStateTracker) -> bool:
    message = tracker.latest_message
    if message is None or (message.intent or {}).get("name") != FAQ_INTENT:
        return False
    return worry_in(*latest_texts(tracker))


def _see_also_buttons(
    utter_action: str, tracker: DialogueStateTracker, language: str
) -> list[Dict[str, str]]:
    message = tracker.latest_message
    if message is None:
        return []
    answered = utter_action.removeprefix("utter_")
    return [button_for(candidate, language) for candidate in see_also(message.parse_data, answered)]


def _fits_as_sms(text: str, buttons: list[Dict[str, Any]]) -> bool:
    turn = format_turn([{"text": text, "buttons": buttons}])
    return turn.message is not None and turn.remainder is None


def with_care(
    utter_action: str, response: Dict[str, Any], tracker: DialogueStateTracker, output_channel: str = ""
) -> Dict[str, Any]:
    """`response` (a copy made by the generator) with the review notice, the guide offer and
    the "see also" topics."""
    if not utter_action.startswith(FAQ_RESPONSE_PREFIX):
        return response
    language = language_of(tracker)
    lines = []
    today = clock.local_today(clock.utc_now())
    notice = notice_for(dates_of(utter_action, response.get("metadata")), today, language)
    if notice:
        lines.append(notice)
    lines.append(str(response.get("text") or "").strip())
    buttons = list(response.get("buttons") or [])
    sms = is_sms_channel(output_channel)
    if _asked_faq_with_worry(tracker):
        offer = support_texts("guide_offer", language)
        lines.append(offer["sms_text" if sms else "text"])
        buttons.append(
            {"title": offer["sms_button_title" if sms else "button_title"], "payload": START_GUIDE_PAYLOAD}
        )
    related = [
        b
        for b in _see_also_buttons(utter_action, tracker, language)
        if b["payload"] not in {x["payload"] for x in buttons}
    ]
    text = "\n".join(line for line in lines if line)
    heading = support_texts("clarification", language)["see_also"]
    while related:
        with_related = f"{text}\n{heading}"
        if not sms or _fits_as_sms(with_related, buttons + related):
            text, buttons = with_related, buttons + related
            break
        related = related[:-1]
    response["text"] = text
    if buttons:
        response["buttons"] = buttons
    return response


class CareNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """Rasa's templated generator plus the review notice and the guide offer on FAQ answers."""

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Dict[str, Any] | None:
        clarification = clarification_response(utter_action, tracker)
        if clarification is not None:
            metrics.count_reply(metrics.ASKED)
            return {**clarification, LANG_KEY: language_of(tracker)}
        if utter_action == OTHER_LANGUAGE_RESPONSE:
            code = _other_language_of(tracker)
            reply = fill(other_texts(code)["reply"])
            return {"text": reply, LANG_KEY: code if code in other_languages() else "en"}
        if utter_action.startswith(FAQ_RESPONSE_PREFIX):
            metrics.count_reply(metrics.ANSWERED)
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if response is None:
            return None
        response[LANG_KEY] = language_of(tracker)
        if utter_action == CRISIS_RESPONSE:
            return _with_crisis_line_in_other_language(response, tracker)
        return with_care(utter_action, response, tracker, output_channel)
