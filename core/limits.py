"""The limits every entry point applies to what comes in, in one place.

Every channel (REST, socket.io, SMS webhooks) and every web app of the project reads its limits
from here, so a citizen meets the same rules everywhere: the web widget caps messages at
MAX_MESSAGE_CHARS too (bot/web/static/widget).

Must not: enforce anything itself (the entry points do, before parsing or running the NLU).
"""

from __future__ import annotations

# A request body larger than this is refused (413) before it is parsed.
MAX_BODY_BYTES = 64 * 1024
# A message longer than this gets a polite Danish answer and never reaches the NLU.
MAX_MESSAGE_CHARS = 4000
# The client's metadata (JSON) may be at most this large and this deeply nested.
MAX_METADATA_BYTES = 8 * 1024
MAX_METADATA_DEPTH = 5

# SMS (issue 11): per phone number, at most this many messages in this window are answered;
# the next gets one polite notice, then silence until the window has passed.
SMS_RATE_LIMIT_MESSAGES = 20
SMS_RATE_LIMIT_WINDOW_S = 600
