"""A local GatewayAPI for development and tests: its documented endpoints and a "phone" page.

Development and tests only: it refuses to start when APP_ENV=production.

The gateway side follows onlinecity/gatewayapi-docs (docs/rest.rst):
- `POST /rest/mtsms`: token auth (`Authorization: Token <token>`, HTTP Basic with the token as
  user name, or `?token=`); one message (object) or several (list), each with `message`,
  `recipients: [{"msisdn": ...}]`, optional `sender` (at most 11 characters, or 15 digits),
  `encoding` ("UTF8" = GSM 03.38, default, or "UCS2"), `userref`, `callback_url`. 200 answers
  `{"ids": [...], "usage": {...}}`; 401 without a valid token; 400/422 for bad requests. Every
  accepted SMS is recorded with its segments, and a signed delivery report (ENROUTE, then
  DELIVERED) goes to its `callback_url` (or the default status URL), with our `userref`.
- Failure on demand (`failure`): "error" answers 5xx and records nothing, "timeout" holds the
  request (a dead gateway), "slow" answers after a delay and DOES record (the client may have
  given up: a real gateway can have taken a message the client never heard back about).
- Incoming SMS: `send_mo` posts a MO webhook as the gateway does (`id`, `msisdn` as a number,
  `receiver`, `message`, `senttime`, `webhook_label`), signed with a JWT of the same fields in
  `X-Gwapi-Signature` (HS256, the webhook secret).

The phone page (`GET /`, static/phone.*) lets a developer pick a demo citizen's number or an
unknown one, text the assistant and see the replies with encoding, segment count and delivery
status; it uses the JSON control routes under `/_sim/`.

Must not: run in production, or talk to anything but the bot it was given.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jwt
from aiohttp import web

from core.demo_data import demo_phones
from core.phone import for_citizen, to_e164
from core.settings import get_settings
from core.sms.encoding import GSM, UCS2, is_gsm, measure
from core.sms.sender import sender_problem

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
UNKNOWN_NUMBER = "+4540404040"  # not in the demo data: "an unknown number"
RECEIVER = 451204


def incoming_sms_claims(message_id: int, msisdn: str, text: str) -> dict[str, Any]:
    """An incoming SMS as GatewayAPI posts it to the bot's webhook (before signing)."""
    return {
        "id": message_id,
        "msisdn": int(msisdn.lstrip("+")),
        "receiver": RECEIVER,
        "message": text,
        "senttime": int(time.time()),
        "webhook_label": "moedeklar",
        "country_code": "DK",
        "country_prefix": 45,
    }


FAILURE_MODES = ("ok", "error", "timeout", "slow")
HOLD_S = 600.0


class RefusedInProduction(RuntimeError):
    """The simulator is a development tool: APP_ENV=production refuses it."""


@dataclass
class Failure:
    mode: str = "ok"
    status: int = 503
    delay_s: float = 5.0


@dataclass
class Recorded:
    """One SMS as the phone page shows it (`mo`: the citizen's, `mt`: the assistant's)."""

    direction: str
    id: int
    msisdn: str  # E.164
    text: str
    time: float
    encoding: str = GSM
    segments: int = 1
    userref: str | None = None
    sender: str | None = None
    status: str = "ACCEPTED"
    bot_answer: int | None = None  # HTTP status of the bot's webhook (MO)
    warnings: list[str] = field(default_factory=list)


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


class GatewaySimulator:
    """The simulated gateway: state, the aiohttp app, and helpers the tests call directly."""

    def __init__(
        self,
        token: str,
        webhook_secret: str,
        bot_url: str,
        status_url: str | None = None,
        report_delay_s: float = 0.05,
    ) -> None:
        if get_settings().is_production:
            raise RefusedInProduction(
                "The SMS gateway simulator is for development only (APP_ENV=production)."
            )
        self.token = token
        self.webhook_secret = webhook_secret
        self.bot_url = bot_url
        self.status_url = status_url
        self.report_delay_s = report_delay_s
        self.failure = Failure()
        self.records: list[Recorded] = []
        self.requests = 0  # every POST /rest/mtsms, accepted or not
        self._ids = itertools.count(int(time.time()) % 1_000_000 * 1000 + 1)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- what tests and the page read ---------------------------------------------------------
    def sent(self, msisdn: str | None = None) -> list[Recorded]:
        """The SMS the assistant sent (to `msisdn`, E.164), oldest first."""
        return [r for r in self.records if r.direction == "mt" and (msisdn is None or r.msisdn == msisdn)]

    def sign(self, claims: dict[str, Any], secret: str | None = None) -> str:
        return jwt.encode(claims, secret or self.webhook_secret, algorithm="HS256")

    # --- the gateway API ------------------------------------------------------------------------
    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Token "):
            return header[6:].strip() == self.token
        if header.startswith("Basic "):
            try:
                user = base64.b64decode(header[6:]).decode("utf-8").split(":", 1)[0]
            except (binascii.Error, UnicodeDecodeError):
                return False
            return user == self.token
        return request.query.get("token") == self.token

    async def mtsms(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if not self._authorised(request):
            return _problem(401, "Unauthorized: invalid API token")
        if self.failure.mode == "error":
            return _problem(self.failure.status, "Simulated gateway failure")
        if self.failure.mode == "timeout":
            await asyncio.sleep(HOLD_S)
            return _problem(504, "Simulated time-out")
        try:
            document = json.loads(await request.text())
        except (ValueError, UnicodeDecodeError):
            return _problem(422, "Invalid json request body")
        messages = document if isinstance(document, list) else [document]
        problems = [p for m in messages if (p := self._invalid(m))]
        if problems:
            return _problem(400, problems[0])
        if self.failure.mode == "slow":
            await asyncio.sleep(self.failure.delay_s)
        ids = [self._accept(m) for m in messages for _ in m["recipients"]]
        return web.json_response(
            {"ids": ids, "usage": {"countries": {"DK": len(ids)}, "currency": "DKK", "total_cost": 0.0}}
        )

    @staticmethod
    def _invalid(message: Any) -> str | None:
        if not isinstance(message, dict):
            return "Each message must be an object"
        if not isinstance(message.get("message"), str) or not message["message"]:
            return "`message` is required"
        recipients = message.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            return "`recipients` is required"
        for recipient in recipients:
            msisdn = recipient.get("msisdn") if isinstance(recipient, dict) else None
            if not (isinstance(msisdn, int) or (isinstance(msisdn, str) and msisdn.isdigit())):
                return "`msisdn` must be the full number, digits only"
        sender = message.get("sender")
        if sender is not None and (not isinstance(sender, str) or sender_problem(sender)):
            return "`sender`: up to 11 alphanumeric characters, or 15 digits"
        if message.get("encoding", "UTF8") not in ("UTF8", UCS2):
            return "`encoding` must be UTF8 or UCS2"
        return None

    def _accept(self, message: dict[str, Any]) -> int:
        # One id per recipient; the assistant always sends one recipient per message.
        msisdn = "+" + str(message["recipients"][0]["msisdn"])
        encoding = UCS2 if message.get("encoding") == UCS2 else GSM
        text = message["message"]
        record = Recorded(
            direction="mt",
            id=next(self._ids),
            msisdn=msisdn,
            text=text,
            time=time.time(),
            encoding=encoding,
            segments=measure(text, encoding).segments,
            userref=message.get("userref"),
            sender=message.get("sender"),
        )
        if encoding == GSM and not is_gsm(text):
            record.warnings.append("characters outside GSM 03.38 would be replaced on the phone")
        self.records.append(record)
        callback = message.get("callback_url") or self.status_url
        if callback:
            self._spawn(self._report(record, callback))
        return record.id

    async def _report(self, record: Recorded, url: str) -> None:
        for status in ("ENROUTE", "DELIVERED"):
            await asyncio.sleep(self.report_delay_s)
            record.status = status
            claims = {
                "id": record.id,
                "msisdn": int(record.msisdn.lstrip("+")),
                "time": int(time.time()),
                "status": status,
                "userref": record.userref,
                "country_code": "DK",
                "country_prefix": 45,
            }
            await self._post(url, claims)

    # --- incoming SMS (the gateway calling the bot) --------------------------------------------
    async def send_mo(
        self, msisdn: str, text: str, message_id: int | None = None, secret: str | None = None
    ) -> tuple[int, Any]:
        """Post an incoming SMS to the bot as GatewayAPI does; the bot's status and JSON answer."""
        message_id = message_id or next(self._ids)
        claims = incoming_sms_claims(message_id, msisdn, text)
        record = Recorded("mo", message_id, msisdn, text, time.time(), **_measured(text))
        self.records.append(record)
        status, answer = await self._post(self.bot_url, claims, secret)
        record.bot_answer = status
        return status, answer

    async def _post(self, url: str, claims: dict[str, Any], secret: str | None = None) -> tuple[int, Any]:
        session = await self._client()
        headers = {"X-Gwapi-Signature": self.sign(claims, secret)}
        try:
            async with session.post(
                url, json=claims, headers=headers, timeout=aiohttp.ClientTimeout(total=15)
            ) as r:
                return r.status, await r.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            logger.warning("Simulator: the bot did not answer (%s)", type(exc).__name__)
            return 0, None

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._session is not None:
            await self._session.close()

    # --- the phone page and its JSON routes ---------------------------------------------------------
    async def page(self, _: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / "phone.html")

    async def state(self, request: web.Request) -> web.Response:
        wanted = to_e164(request.query.get("msisdn", "")) if request.query.get("msisdn") else None
        records = [asdict(r) for r in self.records if wanted is None or r.msisdn == wanted]
        phones = [
            {"name": name, "msisdn": to_e164(number), "shown": for_citizen(number)}
            for name, number in demo_phones()
        ]
        phones.append(
            {"name": "Ukendt nummer", "msisdn": UNKNOWN_NUMBER, "shown": for_citizen(UNKNOWN_NUMBER)}
        )
        return web.json_response({"messages": records, "failure": asdict(self.failure), "phones": phones})

    async def post_mo(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return _problem(400, "JSON body with msisdn and message expected")
        msisdn = to_e164(str(body.get("msisdn", ""))) if isinstance(body, dict) else None
        text = body.get("message") if isinstance(body, dict) else None
        if msisdn is None or not isinstance(text, str) or not text.strip():
            return _problem(400, "a valid msisdn and a message are needed")
        status, answer = await self.send_mo(msisdn, text)
        return web.json_response({"bot_status": status, "bot_answer": answer})

    async def post_failure(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return _problem(400, "JSON body expected")
        mode = body.get("mode") if isinstance(body, dict) else None
        if mode not in FAILURE_MODES:
            return _problem(400, f"mode must be one of {', '.join(FAILURE_MODES)}")
        self.failure = Failure(mode, int(body.get("status", 503)), float(body.get("delay_s", 5.0)))
        return web.json_response(asdict(self.failure))

    async def post_reset(self, _: web.Request) -> web.Response:
        self.records.clear()
        self.failure = Failure()
        return web.json_response({"status": "reset"})

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/rest/mtsms", self.mtsms)
        app.router.add_get("/", self.page)
        app.router.add_static("/static/", STATIC)
        app.router.add_get("/_sim/state", self.state)
        app.router.add_post("/_sim/mo", self.post_mo)
        app.router.add_post("/_sim/failure", self.post_failure)
        app.router.add_post("/_sim/reset", self.post_reset)

        async def on_cleanup(_: web.Application) -> None:
            await self.close()

        app.on_cleanup.append(on_cleanup)
        return app


def _measured(text: str) -> dict[str, Any]:
    measured = measure(text)
    return {"encoding": measured.encoding, "segments": measured.segments}
