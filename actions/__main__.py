"""`python -m actions [rasa-sdk options]`: start the action server after checking its settings.

Takes rasa-sdk's own options (`--port`, `--actions`, ...; `python -m actions --help`). Before it
serves, it checks the environment (`core.settings`) and the municipality file
(`core.municipality`): a typo stops the server at start-up with the field named (exit code 1),
instead of breaking the first answer a citizen asks for. It also masks CPR numbers in
everything the action server logs. Runs with rasa-sdk alone; Rasa itself need not be installed.
"""

from __future__ import annotations

import logging
import sys

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_argument_parser, run

from core.privacy import install_log_filter
from core.startup import STARTUP_REFUSED, configuration_problem


def main(argv: list[str] | None = None) -> int:
    parser = create_argument_parser()
    parser.prog = "python -m actions"
    args = parser.parse_args(argv)
    args.actions = args.actions or "actions"
    problem = configuration_problem()
    if problem is not None:
        print(STARTUP_REFUSED.format(problem=problem), file=sys.stderr)
        return 1
    # As rasa-sdk's own `python -m rasa_sdk`, with the CPR filter on every log handler.
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
        args.log_file,
        args.loglevel,
        args.logging_config_file,
    )
    utils.update_sanic_log_level()
    install_log_filter()
    run(
        args.actions,
        args.port,
        args.cors,
        args.ssl_certificate,
        args.ssl_keyfile,
        args.ssl_password,
        args.auto_reload,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
