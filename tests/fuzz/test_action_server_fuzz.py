"""Fuzzing the action server (`python -m actions`) with crafted action calls that carry the secret.

The caller here is as strong as the Rasa server itself: it has ACTION_SERVER_TOKEN. Every action
the server offers gets trackers with hostile values everywhere: the identity in the metadata (a
demo citizen, another id, wrong types), identity-looking entities and slots ("c-1002", CPR
numbers), events of every shape, huge and deeply nested values, raw bodies that are not JSON or
not UTF-8. Always: an answer within the time limit, never a 5xx, never a traceback in the log,
and never case data of anyone but the citizen named by the verified identity in the metadata
(tests/support/action_calls.py). The server answers /health and a normal call afterwards.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from tests.support.action_calls import (
    ALL_MARKERS,
    DEMO_CITIZEN_IDS,
    action_call,
    answer_text,
    foreign_markers,
    post_action,
)
from tests.support.fuzz_inputs import Tally, json_values, nasty_text, raw_bodies
from tests.support.servers import ACTION_TOKEN, own_action_server

SECONDS_PER_CALL = 15


@pytest.fixture(scope="module")
def actions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, list[str]]]:
    with own_action_server(tmp_path_factory.mktemp("action-fuzz")) as (url, _process, log):
        names = [
            entry["name"]
            for entry in requests.get(
                f"{url}/actions", headers={"Authorization": f"Bearer {ACTION_TOKEN}"}, timeout=10
            ).json()
        ]
        yield url, log, names
        assert requests.get(f"{url}/health", timeout=5).status_code == 200
        normal = post_action(url, action_call("action_next_meeting", "c-1001"), ACTION_TOKEN)
        assert normal.status_code == 200 and "lokale 2.14" in answer_text(normal)
        log_text = log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log_text, log_text[-5000:]


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    counted = Tally("action server")
    yield counted
    counted.report()


CASE_ACTIONS = ["action_next_meeting", "action_all_meetings", "action_case_status", "action_caseworker"]
CASE_ACTIONS += ["action_start_preparation", "action_meeting_reminder"]

identity_values = st.one_of(
    st.fixed_dictionaries({"citizen_id": st.sampled_from(DEMO_CITIZEN_IDS), "via": st.just("mitid")}),
    st.sampled_from(DEMO_CITIZEN_IDS),
    st.fixed_dictionaries({"citizen_id": st.one_of(st.sampled_from(DEMO_CITIZEN_IDS), json_values)}),
    st.fixed_dictionaries(
        {
            "citizen_id": st.sampled_from(DEMO_CITIZEN_IDS),
            "via": st.one_of(st.sampled_from(["mitid", "sms"]), json_values),
        }
    ),
    st.fixed_dictionaries({"problem": json_values}),
    json_values,
)

identity_entities = st.lists(
    st.fixed_dictionaries(
        {
            "entity": st.sampled_from(["citizen_id", "cpr", "identity", "sender", "phone", "meeting_id"]),
            "value": st.one_of(st.sampled_from(DEMO_CITIZEN_IDS), nasty_text, json_values),
        }
    ),
    max_size=4,
)

events = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"event": st.sampled_from(["user", "bot", "action", "slot", "active_loop"]), "text": json_values}
        ),
        st.fixed_dictionaries(
            {
                "event": st.just("slot"),
                "name": st.sampled_from(["citizen_id", "prep_meeting", "requested_slot"]),
                "value": json_values,
            }
        ),
        st.dictionaries(nasty_text, json_values, max_size=4),
    ),
    max_size=6,
)


def _verified_id(call: Any) -> Any:
    """The citizen the metadata names, as an action may read it (else None: nobody)."""
    try:
        identity = call["tracker"]["latest_message"]["metadata"]["identity"]
    except (KeyError, TypeError):
        return None
    return identity.get("citizen_id") if isinstance(identity, dict) else None


@st.composite
def crafted_calls(draw: st.DrawFn, names: list[str]) -> dict[str, Any]:
    action = draw(st.one_of(st.sampled_from(CASE_ACTIONS), st.sampled_from(names)))
    call = action_call(action, citizen_id=None, text=draw(nasty_text))
    tracker = call["tracker"]
    message = tracker["latest_message"]
    if draw(st.booleans()):
        message["metadata"] = {"identity": draw(identity_values)}
        if draw(st.booleans()):
            message["metadata"].update(draw(st.dictionaries(nasty_text, json_values, max_size=3)))
    message["entities"] = draw(identity_entities)
    if draw(st.booleans()):
        message["intent"] = {"name": draw(nasty_text), "confidence": draw(json_values)}
    tracker["slots"] = draw(
        st.dictionaries(
            st.one_of(
                st.sampled_from(["citizen_id", "prep_meeting", "prep_can_share", "requested_slot"]),
                nasty_text,
            ),
            json_values,
            max_size=5,
        )
    )
    tracker["events"] = draw(events)
    if draw(st.booleans()):
        tracker["active_loop"] = {"name": draw(st.sampled_from(["preparation_form", "x"]))}
    if draw(st.booleans()) and draw(st.booleans()):  # a wrong type somewhere the shape check must catch
        target, key = draw(
            st.sampled_from(
                [(call, "tracker"), (call, "domain"), (call, "next_action"), (tracker, "sender_id")]
                + [(tracker, "latest_message"), (tracker, "followup_action"), (tracker, "events")]
            )
        )
        target[key] = draw(json_values)
    return call


def check_call(url: str, body: Any, tally: Tally) -> None:
    response = post_action(url, body, ACTION_TOKEN, timeout=SECONDS_PER_CALL)
    assert response.status_code < 500, response.text[:2000]
    reason = response.json().get("error", "")[:40] if response.status_code == 400 else ""
    tally.count(f"{response.status_code} {reason}".strip())
    if response.status_code == 200 and isinstance(body, dict):
        text = answer_text(response) + str(response.json().get("events"))
        leaked = [marker for marker in foreign_markers(_verified_id(body)) if marker in text]
        assert not leaked, (leaked, _verified_id(body))
        if any(marker in text for marker in ALL_MARKERS):
            tally.notes["200 with the verified citizen's own case data"] = (
                tally.notes.get("200 with the verified citizen's own case data", 0) + 1
            )


@given(data=st.data())
def test_crafted_trackers(actions, tally: Tally, data: st.DataObject) -> None:
    url, _log, names = actions
    call = data.draw(crafted_calls(names))
    check_call(url, copy.deepcopy(call), tally)


@given(body=raw_bodies)
def test_raw_bodies(actions, tally: Tally, body: bytes) -> None:
    url, _log, _names = actions
    check_call(url, body, tally)
