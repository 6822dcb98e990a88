"""Hypothesis strategies for hostile input, shared by the fuzz tests (tests/fuzz/).

Text with control characters, emoji, very long words, script and SQL injection strings, CPR- and
identity-looking values; JSON values of every type, deeply nested and large; raw bytes that are
not UTF-8 or not JSON. `Tally` counts the inputs a test tried and prints the number at the end
(docs/fuzzing.md collects them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

NASTY_STRINGS = (
    "",
    " ",
    "\x00",
    "\r\n\r\n",
    "\u202e\u200b\ufeff",
    "😀🏳️‍🌈👩‍👩‍👧",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1",
    "'; DROP TABLE citizens; --",
    "1; SELECT * FROM review_accounts",
    "%' OR 1=1 --",
    "../../../../etc/passwd",
    "%2e%2e%2f%2e%2e%2f",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "%s%s%s%n",
    "c-1001",
    "c-1002",
    "010190-1234",
    "0101901234",
    "+4520123456",
    '/intent{"citizen_id": "c-1002"}',
    "Æblegrød på ø og å",
    "a" * 5000,
    "ø" * 3000,
    "null",
    "NaN",
    "-1",
    "99999999999999999999999",
)

nasty_text = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=60),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20),
    st.builds(lambda s, n: s * n, st.sampled_from(["a", "ø", "😀", "\x00", "%", "<"]), st.integers(1, 3000)),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    nasty_text,
)

json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(nasty_text, children, max_size=5)
    ),
    max_leaves=25,
)


def _nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + closer * depth).encode()


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"\xff\xfe\xfd",
            b'{"a": "\xc3\x28"}',
            b"{",
            b'{"citizens": [',
            b"[]" * 1000,
            _nested(100_000),
            b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
            b"1e999999",
            b'"\\ud800"',
            b'{"a": NaN}',
        ]
    ),
    st.builds(lambda value: json.dumps(value).encode(), json_values),
    st.integers(1, 200_000).map(_nested),
)


# Every Tally's report line of this pytest run (tests/fuzz/conftest.py prints them at the end).
REPORTS: list[str] = []


@dataclass
class Tally:
    """How many inputs a fuzz test tried, printed when it ends (`-s`; docs/fuzzing.md)."""

    name: str
    tried: int = 0
    notes: dict[str, int] = field(default_factory=dict)

    def count(self, note: str | None = None) -> None:
        self.tried += 1
        if note is not None:
            self.notes[note] = self.notes.get(note, 0) + 1

    def report(self) -> str:
        details = ", ".join(f"{key}: {value}" for key, value in sorted(self.notes.items()))
        line = f"[fuzz] {self.name}: {self.tried} inputs tried" + (f" ({details})" if details else "")
        print(line)
        REPORTS.append(line)
        return line


def without_key(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != key}
