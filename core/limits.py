"""The limits every entry point applies to what comes in, in one place.

Every channel (REST, socket.io, SMS webhooks) and every web app of the project reads its limits
from here, so a citizen meets the same rules everywhere: the web widget caps messages at
MAX_INCOMING_CHARS too (bot/web/static/widget).

Must not: enforce anything itself (the entry points do, before parsing or running the NLU).
"""

from __future__ import annotations

# A request body larger than this is refused (413) before it is parsed.
MAX_BODY_BYTES = 64 * 1024
# An incoming message (from a citizen) longer than this gets a polite Danish answer and never
# reaches the NLU. (What the assistant sends is bounded elsewhere: actions.replies.MAX_REPLY_CHARS
# per message, three SMS segments per turn.)
MAX_INCOMING_CHARS = 4000
# The client's metadata (JSON) may be at most this large and this deeply nested.
MAX_METADATA_BYTES = 8 * 1024
MAX_METADATA_DEPTH = 5

# SMS: per phone number, at most this many messages in this window are answered;
# the next gets one polite notice, then silence until the window has passed.
SMS_RATE_LIMIT_MESSAGES = 20
SMS_RATE_LIMIT_WINDOW_S = 600

# --- Rasa server entry points (REST, socket.io) ----------------------------------------------
# The NLU classifies at most this many tokens of a message (the first and last half): DIET's cost
# grows with the square of the token count (bot/rasa_plugins/nlu/components.py, docs/performance.md).
MAX_NLU_TOKENS = 200
# Request headers (Sanic's ceiling): GatewayAPI's signature header carries the whole SMS.
MAX_HEADER_BYTES = 16 * 1024
# A REST `sender` (conversation id chosen by the client) longer than this is refused (400).
MAX_SENDER_CHARS = 200
# socket.io: one engine.io packet (polling body or websocket frame) at most this large.
MAX_SOCKET_PACKET_BYTES = MAX_BODY_BYTES

# Rate limits on the public chat endpoints, per fixed window (defaults; RATE_LIMIT_* in
# core/settings.py override them). Beyond the limit: 429 for machines, a polite Danish answer in
# the chat. A conversation is one citizen typing; a client (IP address, or the verified citizen)
# may hold several conversations (tabs, a reload).
RATE_LIMIT_WINDOW_S = 60
RATE_LIMIT_PER_CONVERSATION = 30
RATE_LIMIT_PER_CLIENT = 120

# Overload (bot/rasa_plugins/channels/admission.py): at most this many messages are worked on at once in one
# Rasa process, at most this many wait for a turn (each at most ADMISSION_WAIT_S), and at most one
# message per conversation is in flight with one more waiting behind it. Beyond that the message
# is shed at once: "Der er travlt lige nu …" / 503 with Retry-After.
MAX_IN_FLIGHT = 4
MAX_WAITING = 16
ADMISSION_WAIT_S = 10.0
MAX_PENDING_PER_CONVERSATION = 2
RETRY_AFTER_S = 5

# --- The conversation the dialogue policies see (bot/rasa_plugins/conversation_window.py) ---
# A long conversation is handed to Rasa's policies and the action server as its state (slots,
# active form) plus its last this-many events: RulePolicy and Memoization re-featurise the whole
# tracker several times per message, so without a window a reply's cost grows with every turn.
# Nothing is dropped from the conversation store. About 12 turns; the policies look back 4.
CONVERSATION_WINDOW_EVENTS = 48
