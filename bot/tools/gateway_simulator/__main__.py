"""`python -m bot.tools.gateway_simulator [--port N] [--bot-url URL]`: the dev SMS gateway and phone page.

Reads GATEWAYAPI_TOKEN and GATEWAYAPI_WEBHOOK_SECRET (the Makefile's development values) so the
assistant and the simulator trust each other; refuses APP_ENV=production (exit 2).
"""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from bot.tools.gateway_simulator.app import GatewaySimulator, RefusedInProduction
from core.settings import SettingsError, get_settings


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"Indstillingerne kan ikke bruges: {exc}", file=sys.stderr)
        return 1
    parser = argparse.ArgumentParser(prog="python -m bot.tools.gateway_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.sms_demo_port)
    rasa = f"http://localhost:{settings.rasa_port}/webhooks/gatewayapi"
    parser.add_argument("--bot-url", default=f"{rasa}/webhook", help="the assistant's SMS webhook")
    parser.add_argument("--status-url", default=f"{rasa}/status", help="default delivery-report URL")
    args = parser.parse_args(argv)
    if not settings.gatewayapi_token or not settings.gatewayapi_webhook_secret:
        print(
            "GATEWAYAPI_TOKEN og GATEWAYAPI_WEBHOOK_SECRET skal være sat (make run sætter dem).",
            file=sys.stderr,
        )
        return 2
    try:
        simulator = GatewaySimulator(
            settings.gatewayapi_token, settings.gatewayapi_webhook_secret, args.bot_url, args.status_url
        )
    except RefusedInProduction as exc:
        print(f"Afvist: {exc}", file=sys.stderr)
        return 2
    print(f"SMS-simulator og telefon: http://{args.host}:{args.port}/", flush=True)
    web.run_app(simulator.app(), host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
