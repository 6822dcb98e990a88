"""The action server: thin Rasa SDK actions over the case repository."""

import logging

from bot.municipality import MunicipalityFileError, get_municipality
from bot.privacy import install_log_filter

# Mask CPR numbers in everything the action server logs (logging is configured before
# rasa_sdk imports this package).
install_log_filter()

# Fail fast: read and validate the municipality settings (MUNICIPALITY_FILE or
# bot/municipality.yml) when the package is imported, so a broken file stops
# `rasa run actions` at start-up (exit code 1) with the field named, instead of breaking the
# first answer a citizen asks for. The answers read the (cached) settings again when built.
# Everything else that imports this package (`python -m bot ...`, the tests) checks it too.
try:
    get_municipality()
except MunicipalityFileError as error:
    logging.getLogger(__name__).critical(
        "Kommunens indstillinger kan ikke bruges; ret filen (se docs/municipality.md): %s",
        error,
    )
    raise
