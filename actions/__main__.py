"""`python -m actions [rasa-sdk options]`: start the action server after checking its settings.

Takes rasa-sdk's own options (`--port`, `--actions`, ...; `python -m actions --help`). Before it
serves, it checks the environment (`core.settings`) and the municipality file
(`core.municipality`): a typo stops the server at start-up with the field named (exit code 1),
instead of breaking the first answer a citizen asks for. It also masks CPR numbers in
everything the action server logs. Runs with rasa-sdk alone; Rasa itself need not be installed.

Unlike `python -m rasa_sdk` (which listens on 0.0.0.0 and answers anyone), it listens on
ACTION_HOST only (127.0.0.1 by default) and answers only callers with the shared secret
ACTION_SERVER_TOKEN (`actions.guard`; docs/security.md). Without a usable secret it does not start.
"""

from __future__ import annotations

import logging
import sys

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from rasa_sdk.plugin import plugin_manager

from actions.guard import install_guard, token_problem
from core.privacy import install_log_filter
from core.settings import get_settings
from core.startup import STARTUP_REFUSED, configuration_problem

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = create_argument_parser()
    parser.prog = "python -m actions"
    args = parser.parse_args(argv)
    args.actions = args.actions or "actions"
    problem = configuration_problem() or token_problem(get_settings())
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
    settings = get_settings()
    # As rasa_sdk.endpoint.run, but on ACTION_HOST (not SANIC_HOST / 0.0.0.0) and behind the guard.
    app = create_app(args.actions, cors_origins=args.cors, auto_reload=args.auto_reload)
    install_guard(app, settings.action_server_token or "")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    scheme = "https" if ssl_context else "http"
    logger.info("Action server on %s://%s:%d (secret required)", scheme, settings.action_host, args.port)
    app.run(
        settings.action_host,
        args.port,
        ssl=ssl_context,
        workers=utils.number_of_sanic_workers(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
