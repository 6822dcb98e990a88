"""Socket.io input channel that binds each conversation to the citizen verified on the server.

Configured with the same credentials.yml keys as Rasa's `socketio` channel (see
bot/rasa_plugins/channels/__init__.py). It re-implements `SocketIOInput.blueprint` (Rasa 3.6.21's handlers,
changed where noted) because Rasa lets the browser choose the conversation id: with session
persistence anyone who knows an id could join that conversation.

Owns:
- **Conversation binding.** On `session_request` the server verifies the citizen token sent in
  the request's metadata (`auth_token`) and issues a session id
  `<random nonce>.<HMAC(CONVERSATION_ID_SECRET, nonce|citizen id or "anonymous")>`. A session id
  the browser presents again (after a reload or reconnect) is accepted only when its HMAC matches
  the identity verified *now*; otherwise the socket gets a fresh conversation. The accepted id is
  kept per socket `sid` on the server and is the Rasa sender id; the `session_id` in a message's
  data is ignored.
- **Per-message verification.** Every message still goes through `verify_message` (token,
  CPR masking, metadata). A message whose verified citizen differs from the socket's bound
  citizen (for example an expired token, or another citizen's token) is refused with a
  `session_invalid` event, and the widget starts a new conversation.
- **Input limits**: engine.io packets over MAX_SOCKET_PACKET_BYTES are refused by
  engine.io (`max_http_buffer_size`; Sanic's REQUEST_MAX_SIZE and WEBSOCKET_MAX_SIZE too, see
  bot/rasa_plugins/channels/limits.py); a message event that is not a dict with a string `message` gets
  `session_invalid` ("bad_message"); a message over MAX_INCOMING_CHARS, over the rate limit
  (per conversation and per client address) or shed by the admission control gets a polite
  Danish `bot_uttered` and never reaches the NLU; oversized or deep metadata is dropped.
- **Custom payloads.** `{"custom": {...}}` responses are emitted as `bot_uttered` events whose
  data is `{"custom": {...}}` (Rasa 3.6 would pass the keys as keyword arguments to `emit`).

The optional `jwt_key` check on connect is kept from Rasa, but it does not replace the above:
Rasa checks it only on connect and then discards the claims.

Must not: let data from the browser choose or switch the sender id, log tokens or session ids,
or accept a development secret when APP_ENV=production.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Dict

import rasa.core.channels.channel
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.rasa_plugins.channels.input_check import (
    channel_text,
    check_metadata,
    language_of_reply,
    message_language,
)
from bot.rasa_plugins.channels.limits import check_rate, guarded, install_server_limits
from bot.rasa_plugins.channels.verification import OnNewMessage, verify_message
from core.limits import MAX_INCOMING_CHARS, MAX_SOCKET_PACKET_BYTES
from core.message_metadata import AUTH_TOKEN_KEY, CITIZEN_ID_KEY, IDENTITY_KEY
from core.privacy import install_log_filter
from core.settings import DEV_SECRET_PREFIX, get_settings
from core.tokens import VerifiedCitizen, verify_citizen_token

logger = logging.getLogger(__name__)

SECRET_ENV = "CONVERSATION_ID_SECRET"
ANONYMOUS = "anonymous"
NONCE_BYTES = 18  # 144 random bits, 24 URL-safe characters
MAX_SESSION_ID_LENGTH = 200
MAX_MESSAGE_LENGTH = MAX_INCOMING_CHARS  # longer messages get a polite answer, not cut
SESSION_INVALID_EVT = "session_invalid"  # our addition; data: {"reason": ...}


class ConversationSecretError(RuntimeError):
    """CONVERSATION_ID_SECRET is missing or unusable (the channel refuses to start)."""


def conversation_secret() -> bytes:
    """The HMAC key for session ids, from CONVERSATION_ID_SECRET.

    Development without the variable gets a random per-process key (conversations then do not
    survive a server restart). Production requires a real secret, not a `dev-only-` one.
    """
    settings = get_settings()
    raw = settings.conversation_id_secret or ""
    production = settings.is_production
    if production and (not raw or raw.startswith(DEV_SECRET_PREFIX)):
        raise ConversationSecretError(
            f"{SECRET_ENV} must be set to a real secret (not {DEV_SECRET_PREFIX!r}) in production."
        )
    if not raw:
        logger.warning("%s is not set; using a random key (conversations end on restart).", SECRET_ENV)
        return secrets.token_bytes(32)
    return raw.encode("utf-8")


@dataclass(frozen=True)
class Binding:
    """The conversation a socket may talk in, and who it belongs to (citizen id or ANONYMOUS)."""

    session_id: str
    subject: str


class SessionBinder:
    """Issues and checks session ids bound to a verified subject with an HMAC."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ConversationSecretError("The session id key must not be empty.")
        self._secret = secret

    def _mac(self, nonce: str, subject: str) -> str:
        message = f"{nonce}|{subject}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def issue(self, subject: str) -> str:
        """A new session id for `subject`."""
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        return f"{nonce}.{self._mac(nonce, subject)}"

    def accepts(self, session_id: Any, subject: str) -> bool:
        """True when `session_id` was issued by this server for `subject`."""
        if not isinstance(session_id, str) or len(session_id) > MAX_SESSION_ID_LENGTH:
            return False
        nonce, dot, mac = session_id.partition(".")
        if not dot or not nonce or not mac:
            return False
        return hmac.compare_digest(mac, self._mac(nonce, subject))

    def bind(self, presented: Any, subject: str) -> Binding:
        """The presented session id when it belongs to `subject`, else a fresh one."""
        if presented and self.accepts(presented, subject):
            return Binding(presented, subject)
        return Binding(self.issue(subject), subject)


def allow_credentials(socketio_path: str) -> Any:
    """A response middleware: socket.io answers that name one allowed origin allow credentials.

    The widget connects with credentials so that a proxy's sticky cookie (MOEDEKLAR_RASA, see
    deploy/haproxy/) comes back with every polling request; the browser then needs this header.
    The origin itself is still decided by `rasa run --cors` (never `*` with credentials).
    """
    prefix = "/" + socketio_path.strip("/")

    async def middleware(request: Request, answer: HTTPResponse) -> None:
        if answer is None or not request.path.startswith(prefix):
            return
        origin = answer.headers.get("Access-Control-Allow-Origin")
        if origin and origin != "*":
            answer.headers["Access-Control-Allow-Credentials"] = "true"

    return middleware


def subject_for_token(token: Any) -> str:
    """The verified citizen id for a token sent with a session request, else ANONYMOUS."""
    if not isinstance(token, str) or not token.strip():
        return ANONYMOUS
    result = verify_citizen_token(token)
    return result.citizen_id if isinstance(result, VerifiedCitizen) else ANONYMOUS


def subject_of(message: UserMessage) -> str:
    """The subject of a message after `verify_message` (citizen id or ANONYMOUS)."""
    identity = (message.metadata or {}).get(IDENTITY_KEY) or {}
    citizen_id = identity.get(CITIZEN_ID_KEY)
    return citizen_id if isinstance(citizen_id, str) and citizen_id else ANONYMOUS


def _metadata(data: Any, key: str | None) -> Any:
    """The client's metadata dict from event data (Rasa accepts a JSON string too)."""
    if not isinstance(data, dict) or not key:
        return {}
    metadata = data.get(key, {})
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            return {}
    if not isinstance(metadata, dict) or check_metadata(metadata) is not None:
        return {}  # too large or too deep: dropped (no login, no client keys)
    return metadata


class VerifiedSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with custom payloads sent as `{"custom": ...}` event data.

    `sent_count` says how many bot messages went out through it (one instance per message), so
    the channels can tell a turn that answered from one that stayed silent (limits.guarded).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent_count = 0
        self._language: str | None = None

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Each bot message carries `lang` ("da"/"en"): the language it was written in (set by the
        response generator and the actions), else the language its text reads as, else Danish."""
        self._language = language_of_reply(message)
        try:
            await super().send_response(recipient_id, message)
        finally:
            self._language = None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if self._language is None:  # a channel's own text (a limit, an outage), not a response
            self._language = language_of_reply({"text": text})
            try:
                await super().send_text_message(recipient_id, text, **kwargs)
            finally:
                self._language = None
            return
        await super().send_text_message(recipient_id, text, **kwargs)

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent_count += 1
        if isinstance(response, dict) and self._language:
            response = {**response, "lang": self._language}
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        await self._send_message(recipient_id, {"custom": json_message})


class VerifiedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with server-bound conversations and per-message verification."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bindings: Dict[str, Binding] = {}  # socket sid -> its conversation
        self.binder: SessionBinder | None = None

    def verify(self, message: UserMessage) -> UserMessage:
        """Sanitise one incoming message (token, CPR masking, metadata)."""
        return verify_message(message, self.name())

    def client_of(self, sid: str, binding: Binding) -> str:
        """The rate-limit client of a socket: the verified citizen, else the peer address."""
        if binding.subject != ANONYMOUS:
            return f"citizen:{binding.subject}"
        environ = self.sio.get_environ(sid, namespace=self.namespace) if self.sio else None
        request = (environ or {}).get("sanic.request")
        address = (getattr(request, "remote_addr", "") or getattr(request, "ip", "")) if request else ""
        return f"ip:{address or sid}"

    async def on_message(self, sid: str, data: Any, handle: OnNewMessage) -> None:
        """One `user_uttered` event: binding, limits, verification, then `handle` (guarded)."""
        sio, namespace = self.sio, self.namespace
        assert sio is not None  # set by blueprint()
        data = data if isinstance(data, dict) else {}
        binding = self.bindings.get(sid)
        if binding is None:
            await sio.emit(SESSION_INVALID_EVT, {"reason": "no_session"}, room=sid, namespace=namespace)
            return
        text = data.get("message", "")
        if not isinstance(text, str):
            await sio.emit(SESSION_INVALID_EVT, {"reason": "bad_message"}, room=sid, namespace=namespace)
            return
        output = VerifiedSocketIOOutput(sio, self.bot_message_evt)
        decision = await check_rate(binding.session_id, self.client_of(sid, binding))
        if not decision.allowed:
            metadata = _metadata(data, self.metadata_key)
            await output.send_text_message(
                binding.session_id, channel_text("rate_limited", message_language(text, metadata))
            )
            return
        if len(text) > MAX_MESSAGE_LENGTH:  # the polite answer, without verification or NLU
            await handle(UserMessage(text, output, binding.session_id, input_channel=self.name()))
            return
        message = self.verify(
            UserMessage(
                text,
                output,
                binding.session_id,
                input_channel=self.name(),
                metadata=_metadata(data, self.metadata_key),
            )
        )
        if subject_of(message) != binding.subject:
            self.bindings.pop(sid, None)
            sio.leave_room(sid, binding.session_id, namespace=namespace)
            await sio.emit(SESSION_INVALID_EVT, {"reason": "identity_changed"}, room=sid, namespace=namespace)
            logger.info("Socket %s: message refused, identity differs from the conversation's.", sid)
            return
        await handle(message)

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return VerifiedSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa 3.6.21's socket.io blueprint, with the session handling described above."""
        install_log_filter()  # logging is configured by the time Rasa builds blueprints
        binder = self.binder = SessionBinder(conversation_secret())
        if not self.session_persistence:
            logger.warning("socketio: session_persistence is off; conversations end on reload.")
        # As in Rasa: CORS is left to Sanic (`rasa run --cors`).
        sio = AsyncServer(
            async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=MAX_SOCKET_PACKET_BYTES
        )
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        install_server_limits(socketio_webhook)
        handle = guarded(on_new_message, lambda message: message)  # verified below, per socket
        self.sio = sio
        namespace = self.namespace

        @socketio_webhook.listener("before_server_start")
        async def _credentials(app: Any, _loop: Any) -> None:
            app.register_middleware(allow_credentials(self.socketio_path), "response")

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: Dict, auth: Dict | None) -> bool:
            if self.jwt_key:  # Rasa's optional connect check, unchanged
                token = auth.get("token") if isinstance(auth, dict) else None
                payload = (
                    rasa.core.channels.channel.decode_bearer_token(token, self.jwt_key, self.jwt_algorithm)
                    if token
                    else None
                )
                if not payload:
                    return False
            logger.debug("Socket %s connected.", sid)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            self.bindings.pop(sid, None)
            logger.debug("Socket %s disconnected.", sid)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Dict | None = None) -> None:
            data = data if isinstance(data, dict) else {}
            subject = subject_for_token(_metadata(data, self.metadata_key).get(AUTH_TOKEN_KEY))
            presented = data.get("session_id") if self.session_persistence else None
            binding = binder.bind(presented, subject)
            previous = self.bindings.get(sid)
            if previous is not None and previous.session_id != binding.session_id:
                sio.leave_room(sid, previous.session_id, namespace=namespace)
            self.bindings[sid] = binding
            sio.enter_room(sid, binding.session_id, namespace=namespace)
            await sio.emit("session_confirm", binding.session_id, room=sid, namespace=namespace)
            logger.debug(
                "Socket %s: %s conversation (%s).",
                sid,
                "continued" if binding.session_id == presented else "new",
                "citizen" if subject != ANONYMOUS else "anonymous",
            )

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            await self.on_message(sid, data, handle)

        return socketio_webhook
