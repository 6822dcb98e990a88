"""The check every server runs before it serves: are the settings and the municipality file usable?

`configuration_problem()` reads the environment (`core.settings`) and the municipality file
(`core.municipality`) and returns what is wrong, or None. The servers' entry points call it first
and stop with `STARTUP_REFUSED` and exit code 1, so a typo is found by the IT team at start-up
instead of by the first citizen who asks. Importing a package never reads anything; starting a
server does.
"""

from __future__ import annotations

from core.municipality import MunicipalityFileError, get_municipality
from core.settings import SettingsError, get_settings

STARTUP_REFUSED = "Indstillingerne kan ikke bruges; ret dem (se docs/municipality.md og README): {problem}"


def configuration_problem() -> str | None:
    """What is wrong with the environment or the municipality file, or None when both are usable."""
    try:
        get_settings()
        get_municipality()
    except (SettingsError, MunicipalityFileError) as error:
        return str(error)
    return None
