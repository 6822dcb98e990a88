"""Shared by the fuzz tests of the Rasa server's entry points (tests/fuzz/test_*_fuzz.py).

- `hostile_text()`: hypothesis strategy for what an attacker types: control characters, emoji,
  very long words, script and SQL injection, `/intent{…}` payloads with identity-looking
  entities, CPR-looking numbers, and plain text.
- `json_values()`: arbitrary JSON (nested, odd types) for bodies, fields and metadata.
- `case_markers()` / `assert_no_case_data(text)`: the demo citizens' case data (caseworkers,
  case ids, meeting places, e-mails, numbers) must never reach an unverified caller.
- `a_third_of_the_profile()`: the share of the profile's inputs for the expensive tests.
- `Tally`: counts the inputs tried and the status codes seen, printed at the end of a test.

Must not: start servers (tests/support/servers.py does).
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
INTENTS = ["ask_next_meeting", "ask_case_status", "ask_caseworker", "ask_all_meetings", "greet", "faq"]
IDENTITY_ENTITIES = ["citizen_id", "cpr", "sub", "identity", "user_id", "sender", "phone", "msisdn"]
DEMO_IDS = ["c-1001", "c-1002", "c-1003", "0101901234", "010190-1234", "+4520123456"]

INJECTIONS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE cases; --",
    '" OR 1=1 --',
    "${jndi:ldap://x/a}",
    "{{7*7}}",
    "../../etc/passwd",
    "%00%0d%0a",
    "\u202eRTL\u202c",
]


def _intent_payload() -> st.SearchStrategy[str]:
    entity = st.fixed_dictionaries(
        {}, optional={name: st.sampled_from(DEMO_IDS) | st.text(max_size=20) for name in IDENTITY_ENTITIES}
    )
    return st.builds(
        lambda intent, entities: f"/{intent}{json.dumps(entities)}",
        st.sampled_from(INTENTS + ["EXTERNAL_meeting_reminder", "session_start", "restart"]),
        entity,
    ) | st.builds(lambda intent, junk: f"/{intent}{junk}", st.sampled_from(INTENTS), st.text(max_size=30))


def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        st.text(alphabet=st.characters(whitelist_categories=["Cc", "Cf", "Zs", "So", "Cs"]), max_size=100),
        st.builds(lambda c, n: c * n, st.characters(), st.integers(1000, 6000)),  # very long words
        st.sampled_from(INJECTIONS),
        _intent_payload(),
        st.builds(lambda a, b: f"mit cpr er {a} og {b}", st.sampled_from(DEMO_IDS), st.text(max_size=20)),
        st.sampled_from(["hej", "hvornår er mit næste møde?", "hvem er min sagsbehandler", "🙂" * 50]),
    )


def json_values(max_leaves: int = 20) -> st.SearchStrategy[object]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
        ),
        max_leaves=max_leaves,
    )


@lru_cache(maxsize=1)
def case_markers() -> frozenset[str]:
    """Strings that appear only in the demo citizens' case data (never in general answers)."""
    data = json.loads((REPO / "data" / "demo_cases.json").read_text(encoding="utf-8"))
    markers: set[str] = set()
    for citizen in data["citizens"]:
        markers.add(citizen["name"])
        for case in citizen.get("cases", []):
            markers.add(case["id"])
            worker = case.get("caseworker") or {}
            markers.update(v for v in (worker.get("name"), worker.get("email")) if v)
        for meeting in citizen.get("meetings", []):
            if meeting.get("location"):
                markers.add(meeting["location"])
    return frozenset(m for m in markers if len(m) >= 5)


def assert_no_case_data(text: str) -> None:
    leaked = [marker for marker in case_markers() if marker.lower() in text.lower()]
    assert not leaked, f"an unverified caller got case data: {leaked}"


def a_third_of_the_profile() -> settings:
    """For the fuzz tests where every input runs the NLU: a third of the profile's inputs
    (ci: 50 instead of 150, long: 1,000 instead of 3,000), so `make test` stays within minutes."""
    return settings(max_examples=max(20, settings().max_examples // 3))


class Tally:
    """Inputs tried and status codes seen by one fuzz test."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.statuses: Counter[str] = Counter()

    def count(self, status: object) -> None:
        self.statuses[str(status)] += 1

    @property
    def tried(self) -> int:
        return sum(self.statuses.values())

    def report(self) -> str:
        line = f"{self.name}: {self.tried} inputs tried; outcomes {dict(sorted(self.statuses.items()))}"
        print(line)
        return line
