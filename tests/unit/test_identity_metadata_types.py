"""A malformed identity entry in a message's metadata reads as an invalid login, never as an error.

Found by tests/fuzz/test_action_server_fuzz.py: `{"identity": {"problem": [...]}}` raised
TypeError (unhashable list) inside `identity_from_metadata`, and the action answered 500.
"""

from __future__ import annotations

import pytest

from core.message_metadata import identity_from_metadata
from core.tokens import INVALID, IdentityProblem, VerifiedCitizen


@pytest.mark.parametrize("problem", [[], ["expired"], {"a": 1}, 3, 2.5, True, "unknown"])
def test_a_problem_of_any_type_is_an_invalid_login(problem: object) -> None:
    assert identity_from_metadata({"identity": {"problem": problem}}) == IdentityProblem(INVALID)


@pytest.mark.parametrize("citizen_id", [[], {"id": "c-1001"}, 1001, "", "   ", None])
def test_a_citizen_id_that_is_not_text_is_an_invalid_login(citizen_id: object) -> None:
    assert not isinstance(identity_from_metadata({"identity": {"citizen_id": citizen_id}}), VerifiedCitizen)
