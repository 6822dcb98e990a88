"""Crafted action calls, as the Rasa server (or an attacker who reaches the action server) sends them.

`action_call(action, citizen_id=...)` builds the JSON body of `POST /webhook`: a tracker whose
latest message carries a verified-looking identity in its metadata. `post_action` sends it with
or without the shared secret. `foreign_markers(citizen_id)` are strings (caseworker names, meeting
places from data/demo_cases.json) that an answer for that identity must never contain. Used by
tests/e2e/test_action_server_guard.py and tests/fuzz/test_action_server_fuzz.py.
"""

from __future__ import annotations

import json
from typing import Any, Dict

import requests

from core.demo_data import DEMO_FILE


def _markers(citizen: Dict[str, Any]) -> set[str]:
    names = {case["caseworker"]["name"] for case in citizen.get("cases", []) if case.get("caseworker")}
    places = {meeting["location"].split(", ")[-1] for meeting in citizen.get("meetings", [])}
    return names | places


_CITIZENS = {citizen["id"]: citizen for citizen in json.loads(DEMO_FILE.read_text("utf-8"))["citizens"]}
DEMO_CITIZEN_IDS = tuple(sorted(_CITIZENS))
ALL_MARKERS = frozenset().union(*(_markers(citizen) for citizen in _CITIZENS.values()))


def foreign_markers(citizen_id: Any) -> frozenset[str]:
    """Case-data strings an answer for `citizen_id` must not contain (all, if not a demo citizen)."""
    known = isinstance(citizen_id, str) and citizen_id.strip() in _CITIZENS
    own = _markers(_CITIZENS[citizen_id.strip()]) if known else set()
    return ALL_MARKERS - own


def tracker(
    citizen_id: str | None, sender_id: str = "crafted", text: str = "hvornår er mit næste møde?"
) -> Dict[str, Any]:
    metadata: Dict[str, Any] = {}
    if citizen_id is not None:
        metadata = {"identity": {"citizen_id": citizen_id, "via": "mitid"}}
    return {
        "sender_id": sender_id,
        "slots": {},
        "latest_message": {
            "text": text,
            "intent": {"name": "ask_next_meeting", "confidence": 0.99},
            "entities": [],
            "metadata": metadata,
        },
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }


def action_call(action: str, citizen_id: str | None = "c-1001", **kwargs: Any) -> Dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": kwargs.get("sender_id", "crafted"),
        "tracker": tracker(citizen_id, **kwargs),
        "domain": {},
        "version": "3.6.21",
    }


def post_action(base_url: str, body: Any, token: str | None, timeout: float = 30) -> requests.Response:
    """POST `body` (JSON, or raw bytes) to the action server's /webhook, with `token` if given."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    if isinstance(body, (bytes, str)):
        headers["Content-Type"] = "application/json"
        return requests.post(f"{base_url}/webhook", data=body, headers=headers, timeout=timeout)
    return requests.post(f"{base_url}/webhook", json=body, headers=headers, timeout=timeout)


def answer_text(response: requests.Response) -> str:
    """Every text in an action server answer (empty when it is not a JSON answer)."""
    try:
        payload = response.json()
    except ValueError:
        return response.text
    if not isinstance(payload, dict):
        return str(payload)
    return "\n".join(str(message.get("text") or "") for message in payload.get("responses") or [])
