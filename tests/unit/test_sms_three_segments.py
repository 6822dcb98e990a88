"""Every answer fits in one SMS of at most three GSM segments as it is sent, important part first.

Checked as `bot.rasa_plugins.sms.formatting` sends a turn (numbered options included), for:
- every response in domain.yml (its SMS variant where it has one) and every FAQ answer with its
  longest run-time additions (bot/rasa_plugins/nlg.py): the review-date notice, the guide offer and its
  button; the "Se også" buttons are added by SMS only as far as they fit (tested in
  test_answer_first.py);
- the texts around answers in data/support.yml ("Mente du …?" with three of the longest titles,
  a request to rephrase, the offer of a human, the distress answer);
- every step of the preparation guide (both municipality variants, with its buttons), in Danish
  and in English;
- the case answers for every demo citizen (status, next meeting and its parts, all meetings,
  caseworker, hand-off), as the actions build them by SMS, from the demo file, in Danish and in
  English; and the meeting reminder in both languages.
A text that would need "MERE" fails, and so does one that is not GSM (UCS-2 holds 201 characters
in three segments instead of 459).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.cases import (
    ActionAllMeetings,
    ActionCaseStatus,
    ActionCaseworker,
    ActionHumanHandoff,
    ActionNextMeeting,
    Asked,
)
from bot.rasa_plugins.sms.formatting import format_turn
from core.answer_dates import answer_date, danish_date
from core.care import support_text, support_texts
from core.clarification import titles
from core.municipality import fill
from core.sms.encoding import GSM
from core.store.database import Database

REPO = Path(__file__).resolve().parents[2]
LONGEST_CHECKED = danish_date(date(2026, 12, 31))  # "31. december 2026": the longest date text
LANGUAGES = ["da", "en"]  # "30 September 2026" is the longest English date


def problem(name: str, text: str, buttons: list[dict[str, str]] | None = None) -> str | None:
    return turn_problem(name, [{"text": text, "buttons": buttons or []}])


def turn_problem(name: str, messages: list[dict[str, Any]]) -> str | None:
    """Why one turn's messages do not fit one SMS of three GSM segments, or None."""
    turn = format_turn(messages)
    if turn.message is None:
        return None
    if turn.remainder is not None:
        return f"{name}: needs MERE ({turn.message.units} units before the cut)"
    if turn.message.encoding != GSM:
        return f"{name}: not GSM ({turn.message.text!r})"
    return None


def _in_language(variation: dict[str, Any], language: str) -> bool:
    english = any(c.get("value") == "en" for c in variation.get("condition") or [])
    return english == (language == "en")


def domain_responses(language: str) -> dict[str, dict[str, Any]]:
    """name -> the variation an SMS gets in `language` (the `gatewayapi` one where there is one)."""
    domain = yaml.safe_load((REPO / "domain.yml").read_text(encoding="utf-8"))
    chosen = {}
    for name, variations in domain["responses"].items():
        mine = [v for v in variations if _in_language(v, language)]
        sms = [v for v in mine if v.get("channel") == "gatewayapi"]
        for variation in sms or [v for v in mine if not v.get("channel")]:
            chosen.setdefault(name, variation)
    return chosen


def faq_answers(language: str) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((REPO / "data" / "nlu").glob("faq_*.yml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (loaded.get("responses") or {}).items():
            found[name] = next(v for v in variations if _in_language(v, language))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_domain_response_fits_three_gsm_segments(language: str) -> None:
    found = [
        problem(name, fill(str(v.get("text", "")), language), v.get("buttons"))
        for name, v in domain_responses(language).items()
    ]
    assert [p for p in found if p] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_faq_answer_fits_with_the_notice_and_the_guide_offer_first_things_first(language: str) -> None:
    longest_checked = answer_date(date(2026, 9, 30), language) if language == "en" else LONGEST_CHECKED
    notice = fill(support_text("review_notice", language), language).format(checked=longest_checked)
    offer = support_texts("guide_offer", language)
    found = []
    for name, answer in faq_answers(language).items():
        text = "\n".join([notice, str(answer["text"]).strip(), offer["sms_text"]])
        buttons = [{"title": offer["sms_button_title"], "payload": "/start_preparation"}]
        found.append(problem(name, text, buttons))
    assert [p for p in found if p] == []
    assert len(notice) <= 90, "the review notice comes first and must stay short"


def _longest_titles(count: int, language: str) -> list[dict[str, str]]:
    known = titles()
    every = [known.title(label, language) or "" for label in [*known.faq, *known.intents]]
    longest = sorted(every, key=len, reverse=True)[:count]
    return [{"title": title, "payload": f"/x{n}"} for n, title in enumerate(longest)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_texts_around_answers_fit(language: str) -> None:
    clarify = support_texts("clarification", language)
    distress = support_texts("distress", language)
    human = {"title": clarify["human_title"], "payload": "/human_handoff"}
    helper = {"title": clarify["help_title"], "payload": "/help"}
    other = {"title": clarify["other_title"], "payload": "/clarify_none"}
    checks = [
        problem("Mente du", clarify["question"], [*_longest_titles(3, language), other, human]),
        problem("rephrase", clarify["rephrase"], [helper, human]),
        problem("handoff offer", fill(clarify["handoff_offer"], language), [human, helper]),
        problem(
            "distress",
            "\n".join(
                [
                    distress["opening"],
                    fill(distress["caseworker"], language),
                    distress["move"],
                    distress["doctor"],
                    distress["crisis_line"],
                ]
            ),
            [
                {"title": distress["prepare_title"], "payload": "/a"},
                {"title": distress["human_title"], "payload": "/b"},
            ],
        ),
    ]
    assert [p for p in checks if p] == []


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("variant", ["rehab", "other"])
def test_every_step_of_the_guide_fits(variant: str, language: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from actions import preparation
    from actions.preparation_content import get_guide
    from actions.preparation_flow import EXPLANATION_SLOTS, QUESTION_SLOTS

    monkeypatch.setattr(preparation, "variant_for", lambda municipality: variant)

    class Tracker:
        slots: dict[str, Any] = {}

        def get_slot(self, name: str) -> Any:
            return None

    found = []
    for slot in EXPLANATION_SLOTS:
        text, buttons = preparation._explanation_message(slot, Tracker(), language)  # noqa: SLF001
        found.append(problem(f"{language}:{variant}:{slot}", text, buttons))
    for slot in QUESTION_SLOTS:
        text, buttons = preparation._question_message(slot, sms=True, language=language)  # noqa: SLF001
        found.append(problem(f"{language}:question:{slot}", text, buttons))
    guide = get_guide(language)
    offer = fill(guide.offer, language, count=len(QUESTION_SLOTS))
    found.append(problem(f"{language}:offer", offer, [{"title": "Ja", "payload": "/a"}]))
    assert [p for p in found if p] == []


def demo_bundles():
    from bot.tools.case_file import load_file, to_bundles

    citizens, problems = load_file(REPO / "data" / "demo_cases.json")
    assert not problems
    return to_bundles(citizens)


class DemoRepository:
    """The case repository's read side over the demo file (what the actions ask)."""

    def __init__(self, bundle: Any) -> None:
        self.bundle = bundle
        self.database = Database("sqlite://")  # only its thread pool is used (core.store.database.call)

    def cases_for(self, citizen_id: str) -> list[Any]:
        return sorted(self.bundle.cases, key=lambda c: c.opened_on, reverse=True)

    def next_meeting(self, citizen_id: str, now: datetime) -> Any:
        coming = sorted((m for m in self.bundle.meetings if m.starts_at > now), key=lambda m: m.starts_at)
        return coming[0] if coming else None

    def upcoming_meetings(self, citizen_id: str, now: datetime, limit: int = 10) -> list[Any]:
        return sorted((m for m in self.bundle.meetings if m.starts_at > now), key=lambda m: m.starts_at)[
            :limit
        ]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("aspect", [None, "place", "time", "participants", "contact"])
async def test_every_case_answer_for_the_demo_citizens_fits(aspect: str | None, language: str) -> None:
    found = []
    for bundle in demo_bundles():
        repository = DemoRepository(bundle)
        # before every meeting of the demo file, so every meeting is "the next one" once
        moments = sorted(m.starts_at for m in bundle.meetings)
        for now in [datetime(2020, 1, 1, tzinfo=timezone.utc), *(m.replace(microsecond=0) for m in moments)]:
            for action in (
                ActionCaseStatus,
                ActionNextMeeting,
                ActionAllMeetings,
                ActionCaseworker,
                ActionHumanHandoff,
            ):
                asked = Asked(aspect, sms=True, language=language)
                replies = await action().answer(repository, bundle.citizen.id, now, asked)
                messages = [{"text": r.text, "buttons": list(r.buttons)} for r in replies]
                name = f"{language}:{bundle.citizen.id}:{action.__name__}:{aspect}:{now:%Y-%m-%d}"
                found.append(turn_problem(name, messages))
    assert [p for p in found if p] == []


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_meeting_reminder_fits_for_every_demo_meeting(language: str) -> None:
    from actions.reminders import prepare_button, reminder_text
    from core.records import SmsReminderRecord

    found = []
    for bundle in demo_bundles():
        for meeting in bundle.meetings:
            reminder = SmsReminderRecord(
                id=1,
                conversation_id="sms:test",
                meeting_id=meeting.id,
                meeting_starts_at=meeting.starts_at,
                deliver_before=meeting.starts_at,
                state="delivering",
                meeting_kind=meeting.kind,
                meeting_location=meeting.location,
                meeting_online=meeting.online,
            )
            message = {"text": reminder_text(reminder, language), "buttons": [prepare_button(language)]}
            found.append(turn_problem(f"{language}:reminder:{meeting.id}", [message]))
    assert [p for p in found if p] == []
