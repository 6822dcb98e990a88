"""Who may call the action server, and what it answers to anything else (docs/security.md).

A caller who reaches the action server could otherwise ask for any citizen's meeting by sending
a crafted tracker: the actions trust the identity in the latest message's metadata, which only
the Rasa server (after verifying the citizen) may write. So every request but `GET /health`
must carry the shared secret ACTION_SERVER_TOKEN as `Authorization: Bearer <secret>` (Rasa sends
it from endpoints.yml, `action_endpoint.headers`); it is compared in constant time, and a
request without it is answered 401 before any action runs or the body is read as JSON.

It also keeps rasa-sdk's answers to bad input clear and short: an action call of the wrong shape
is a 400 naming the field (rasa-sdk would raise deep inside and answer 500), a body larger than
MAX_ACTION_CALL_BYTES is a 413, and an unexpected error is a 500 without details (rasa-sdk's own
handler echoes the whole request body, case data included, into the answer).

Must not: import Rasa or bot; log the secret or a request body.
"""

from __future__ import annotations

import hmac
import json
import logging
import zlib
from collections.abc import Mapping
from typing import Any

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from core.settings import DEV_SECRET_PREFIX, Settings

logger = logging.getLogger(__name__)

# Rasa sends the whole tracker (every event of the conversation) and the domain with each call,
# so this is far above a citizen message's limit; the caller is the authenticated Rasa server.
MAX_ACTION_CALL_BYTES = 16 * 1024 * 1024
# A production secret must be at least this long (e.g. `openssl rand -hex 32` gives 64).
MIN_SECRET_CHARS = 32
PUBLIC_PATHS = frozenset({"/health"})
AUTH_SCHEME = "Bearer "


def token_problem(settings: Settings) -> str | None:
    """Why the action server must not start with these settings' secret, or None."""
    token = settings.action_server_token
    if not token:
        return (
            "ACTION_SERVER_TOKEN skal være sat: den delte hemmelighed, som Rasa sender til "
            "action-serveren (endpoints.yml). Make run sætter en til udvikling."
        )
    if settings.is_production and token.startswith(DEV_SECRET_PREFIX):
        return f"ACTION_SERVER_TOKEN er en {DEV_SECRET_PREFIX!r}-hemmelighed; den afvises i produktion."
    if settings.is_production and len(token) < MIN_SECRET_CHARS:
        return f"ACTION_SERVER_TOKEN skal være mindst {MIN_SECRET_CHARS} tegn i produktion."
    return None


def authorised(header: str | None, token: str) -> bool:
    """True when `header` is `Bearer <token>` (constant-time compare of the secret)."""
    if not header or not header.startswith(AUTH_SCHEME):
        return False
    given = header[len(AUTH_SCHEME) :].strip().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(given, token.encode("utf-8"))


class BadActionCall(ValueError):
    """The body is not an action call rasa-sdk can run (the message names the field)."""


def _expect(value: Any, kind: type | tuple[type, ...], where: str, optional: bool = True) -> None:
    if value is None and optional:
        return
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise BadActionCall(f"{where} has the wrong type")


def check_action_call(body: bytes, deflated: bool) -> None:
    """Raise BadActionCall unless `body` has the shape rasa-sdk's executor and Tracker read."""
    try:
        raw = zlib.decompressobj().decompress(body, MAX_ACTION_CALL_BYTES + 1) if deflated else body
        if len(raw) > MAX_ACTION_CALL_BYTES:
            raise BadActionCall("body too large")
        call = json.loads(raw)
    except (ValueError, zlib.error, RecursionError):
        raise BadActionCall("body is not JSON") from None
    if not isinstance(call, Mapping):
        raise BadActionCall("body is not an object")
    _expect(call.get("next_action"), str, "next_action", optional=False)
    _expect(call.get("sender_id"), str, "sender_id")
    _expect(call.get("version"), str, "version")
    _expect(call.get("domain"), Mapping, "domain")
    tracker = call.get("tracker")
    _expect(tracker, Mapping, "tracker", optional=False)
    # Tracker.from_dict needs sender_id; a key that is there must not be null where it reads on.
    _expect(tracker.get("sender_id"), str, "tracker.sender_id", optional=False)
    _expect(tracker.get("slots", {}), Mapping, "tracker.slots", optional=False)
    _expect(tracker.get("latest_message"), Mapping, "tracker.latest_message")
    _expect(tracker.get("events", []), list, "tracker.events", optional=False)
    for index, event in enumerate(tracker.get("events") or []):
        _expect(event, Mapping, f"tracker.events[{index}]", optional=False)
    _expect(tracker.get("paused"), bool, "tracker.paused")
    _expect(tracker.get("followup_action"), str, "tracker.followup_action")
    _expect(tracker.get("active_loop", {}), Mapping, "tracker.active_loop", optional=False)
    _expect(tracker.get("active_form", {}), Mapping, "tracker.active_form", optional=False)
    _expect(tracker.get("latest_action_name"), str, "tracker.latest_action_name")
    _expect(tracker.get("latest_action"), Mapping, "tracker.latest_action")
    message = tracker.get("latest_message") or {}
    _expect(message.get("text"), str, "tracker.latest_message.text")
    _expect(message.get("intent"), Mapping, "tracker.latest_message.intent")
    _expect(message.get("entities"), list, "tracker.latest_message.entities")
    for index, entity in enumerate(message.get("entities") or []):
        _expect(entity, Mapping, f"tracker.latest_message.entities[{index}]", optional=False)
    _expect(message.get("metadata"), Mapping, "tracker.latest_message.metadata")


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def install_guard(app: Sanic, token: str) -> None:
    """Require the secret on every route but /health; refuse malformed calls; hide errors."""
    app.config.REQUEST_MAX_SIZE = MAX_ACTION_CALL_BYTES

    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in PUBLIC_PATHS:
            return None
        if not authorised(request.headers.get("Authorization"), token):
            logger.warning("Refused a call to %s without the shared secret", request.path[:100])
            return _error(401, "unauthorised")
        if request.path == "/webhook" and request.method == "POST":
            try:
                deflated = request.headers.get("Content-Encoding") == "deflate"
                check_action_call(request.body, deflated)
            except BadActionCall as problem:
                return _error(400, f"invalid action call: {problem}")
        return None

    app.register_middleware(require_secret, "request")

    async def hide_errors(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException) and 400 <= (exception.status_code or 500) < 500:
            return _error(exception.status_code, str(exception)[:200] or "bad request")
        logger.error("Unexpected error in the action server", exc_info=exception)
        return _error(500, "internal error")

    app.error_handler.add(Exception, hide_errors)
