"""Hypothesis profiles for the fuzz tests of every public entry point (tests/fuzz/).

`make test` runs the bounded profile `ci` (a fixed number of inputs per entry point, a deadline per
input, derandomised so a failure reproduces); `make fuzz` runs the long profile `long`
(HYPOTHESIS_PROFILE=long), whose results are written up in docs/fuzzing.md. Each test reports how
many inputs it tried (`-s` or the terminal summary). This module owns the profiles only: the
servers come from tests/support/.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from tests.support.fuzz_inputs import REPORTS

_COMMON = dict(
    deadline=None,  # an input's own time is checked by the tests (no hang), not by hypothesis
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,  # nothing written into the checkout
)
settings.register_profile("ci", max_examples=150, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=3000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 (pytest's hook)
    """How many inputs each fuzz test tried, also without `-s` (docs/fuzzing.md)."""
    if REPORTS:
        terminalreporter.section("fuzz inputs tried")
        for line in REPORTS:
            terminalreporter.write_line(line)
