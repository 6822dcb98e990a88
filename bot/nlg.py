"""The Rasa server's response generator: domain responses, plus two things decided at run time.

`CareNaturalLanguageGenerator` (endpoints.yml `nlg: type: bot.nlg.CareNaturalLanguageGenerator`)
is Rasa's own templated generator, which also renders "Mente du …?" (`utter_clarify`,
`utter_clarify_none`: bot/clarification.py) and adds two things to FAQ answers (`utter_faq/<key>`):

- **review date**: an answer whose `metadata.review_by` date has passed (`core.answer_dates`,
  today from `core.clock`) ends with a line telling the citizen to check with their caseworker.
  Dates pass at run time, so this is decided here, when the answer is sent, never in the text
  the model was trained with.
- **two things in one message**: a FAQ answer to a message that also carries worry or distress
  ("jeg er nervøs — må jeg tage min mor med?", word lists in data/support.yml) ends with the
  offer of the preparation guide (a short line and a button).

Both happen in the Rasa process, for the `utter_faq` rule and for FAQ answers an action asks
for (`action_faq_pick`), without a call to the action server (which would carry the whole,
growing tracker on every answer).

Must not: change any other response, log the citizen's words, or read the citizen's identity.
"""

from __future__ import annotations

from typing import Any, Dict

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.clarification import clarification_response, latest_texts
from core import clock
from core.answer_dates import FAQ_RESPONSE_PREFIX, dates_of, notice_for
from core.care import support_texts, worry_in
from core.clarification import FAQ_INTENT

START_GUIDE_PAYLOAD = "/start_preparation"


def _asked_faq_with_worry(tracker: DialogueStateTracker) -> bool:
    message = tracker.latest_message
    if message is None or (message.intent or {}).get("name") != FAQ_INTENT:
        return False
    return worry_in(*latest_texts(tracker))


def with_care(utter_action: str, response: Dict[str, Any], tracker: DialogueStateTracker) -> Dict[str, Any]:
    """`response` (a copy made by the generator) with the review notice and the guide offer."""
    if not utter_action.startswith(FAQ_RESPONSE_PREFIX):
        return response
    lines = [str(response.get("text") or "").rstrip()]
    notice = notice_for(dates_of(utter_action, response.get("metadata")), clock.local_today(clock.utc_now()))
    if notice:
        lines.append(notice)
    if _asked_faq_with_worry(tracker):
        offer = support_texts("guide_offer")
        lines.append(offer["text"])
        buttons = list(response.get("buttons") or [])
        buttons.append({"title": offer["button_title"], "payload": START_GUIDE_PAYLOAD})
        response["buttons"] = buttons
    response["text"] = "\n".join(line for line in lines if line)
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
            return clarification
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if response is None:
            return None
        return with_care(utter_action, response, tracker)
