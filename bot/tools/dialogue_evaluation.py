"""Scoring multi-turn dialogues: what the citizen got for the last message of each.

A dialogue file (tests/dialogues/*.yml, data/dev/dev_dialogues.yml) holds short conversations
(`turns`, 2–4 messages) with what the LAST message must get (`expect`); see
tests/dialogues/README.md for the format. scripts/evaluate_dialogues.py plays them against the
real Rasa and action servers (REST for `web`, the SMS webhook for `sms`) and hands this module the
conversation's stored events after the last message.

`last_reply(events)` reads what was done with the last message: the first answer's label
(`faq/<key>`, `case:next_meeting`, `crisis`, …) and its aspect, or that the assistant asked
("Mente du …?") or asked to rephrase. `outcome_of(expect, reply, logged_in)` is one of the four
outcomes of core/answer_decision.py, so they add up to 100 % as for single messages:
- `login_needed` is right when a case answer ran for a citizen who is not logged in (it tells
  them how to log in);
- `case:meeting_place` / `case:meeting_time` / `case:meeting_participants` are right for the
  next meeting's answer focused on that part, or the whole answer (which holds it);
- `case:caseworker_contact` is right for the caseworker's answer (which holds the phone and
  e-mail) or the hand-off.

Must not: start servers or send anything (the script does), or import Rasa.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.answer_decision import ASKED, DEAD_END, OUTCOMES, RIGHT, WRONG

CHANNELS = ("web", "sms")
ROUTINE_ACTIONS = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})
# The action (or response) that answered, as the label a dialogue file expects.
ANSWERS = {
    "utter_crisis_support": "crisis",
    "action_distress_support": "distress",
    "action_next_meeting": "case:next_meeting",
    "action_all_meetings": "case:all_meetings",
    "action_case_status": "case:status",
    "action_caseworker": "case:caseworker",
    "action_human_handoff": "human_handoff",
    "action_start_preparation": "start_preparation",
    "utter_out_of_scope": "out_of_scope",
    "utter_greet": "greet",
    "utter_thank": "thank",
    "utter_goodbye": "goodbye",
    "utter_help": "help",
    "utter_bot_challenge": "bot_challenge",
}
ASKING = frozenset(
    {"utter_clarify", "utter_clarify_none", "utter_please_rephrase", "action_default_fallback"}
)
CASE_PREFIX = "case:"
MEETING_PARTS = {
    "case:meeting_place": "place",
    "case:meeting_time": "time",
    "case:meeting_participants": "participants",
}


@dataclass(frozen=True)
class Dialogue:
    id: str
    channel: str
    citizen: str | None
    style: str
    turns: tuple[str, ...]
    expect: str


@dataclass(frozen=True)
class LastReply:
    """What the last message got: `kind` (answer / asked / dead_end), `label`, `aspect`."""

    kind: str
    label: str | None = None
    aspect: str | None = None


def load_dialogues(path: Path) -> list[Dialogue]:
    """The dialogues of one file, checked: every field present, 2–4 turns, a known channel."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for item in loaded.get("dialogues") or []:
        turns = tuple(str(t).strip() for t in item.get("turns") or [] if str(t).strip())
        channel = str(item.get("channel", "web"))
        if (
            channel not in CHANNELS
            or not 2 <= len(turns) <= 4
            or not item.get("expect")
            or not item.get("id")
        ):
            raise ValueError(f"{path.name}: dialogue {item.get('id')!r} is incomplete or has a wrong channel")
        found.append(
            Dialogue(
                id=str(item["id"]),
                channel=channel,
                citizen=str(item["citizen"]) if item.get("citizen") else None,
                style=str(item.get("style", "")),
                turns=turns,
                expect=str(item["expect"]),
            )
        )
    return found


def _after_last_user(
    events: Sequence[Mapping[str, Any]],
) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    last = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last is None:
        return {}, []
    return events[last], list(events[last + 1 :])


def _aspect(user_event: Mapping[str, Any]) -> str | None:
    for entity in (user_event.get("parse_data") or {}).get("entities") or []:
        if isinstance(entity, Mapping) and entity.get("entity") == "aspect":
            return str(entity.get("value"))
    return None


def last_reply(events: Sequence[Mapping[str, Any]]) -> LastReply:
    """What the assistant did with the last citizen message of `events` (a tracker's events)."""
    user, after = _after_last_user(events)
    for index, event in enumerate(after):
        if event.get("event") != "action" or event.get("name") in ROUTINE_ACTIONS:
            continue
        name = str(event.get("name"))
        if name in ASKING:
            step = next(
                (
                    (e.get("metadata") or {}).get("clarify_step")
                    for e in after[index + 1 :]
                    if e.get("event") == "bot"
                ),
                None,
            )
            return LastReply(ASKED if step == "offered" else DEAD_END)
        if name == "utter_faq":
            utter = next(
                (
                    (e.get("metadata") or {}).get("utter_action")
                    for e in after[index + 1 :]
                    if e.get("event") == "bot"
                ),
                None,
            )
            return LastReply("answer", str(utter).removeprefix("utter_") if utter else "faq")
        return LastReply("answer", ANSWERS.get(name, name), _aspect(user))
    return LastReply(DEAD_END)


def outcome_of(expect: str, reply: LastReply, logged_in: bool) -> str:
    """right / wrong / asked / dead_end of the last message (see the module docstring)."""
    if reply.kind != "answer":
        return reply.kind
    got = reply.label or ""
    if expect == "login_needed":
        return RIGHT if got.startswith(CASE_PREFIX) and not logged_in else WRONG
    if expect in MEETING_PARTS:
        return (
            RIGHT if got == "case:next_meeting" and reply.aspect in (None, MEETING_PARTS[expect]) else WRONG
        )
    if expect == "case:next_meeting":
        return RIGHT if got == "case:next_meeting" else WRONG
    if expect == "case:caseworker_contact":
        ok = (got == "case:caseworker" and reply.aspect in (None, "contact")) or got == "human_handoff"
        return RIGHT if ok else WRONG
    return RIGHT if got == expect else WRONG


def shares(outcomes: Iterable[str]) -> dict[str, float]:
    found = list(outcomes)
    n = len(found) or 1
    return {("right_first" if k == RIGHT else k): round(found.count(k) / n, 4) for k in OUTCOMES}


__all__ = [
    "ASKED",
    "DEAD_END",
    "Dialogue",
    "LastReply",
    "last_reply",
    "load_dialogues",
    "outcome_of",
    "shares",
]
