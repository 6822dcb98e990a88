"""SMS as a domain: what every runtime that sends or reads SMS shares.

  encoding   GSM 03.38 or UCS-2, normalising typography and emoji away, segment counts
  config     the SMS settings (gateway, secrets, sender) and their checks
  pseudonym  the conversation id of a number (HMAC), never the number itself
  schedule   when a meeting reminder is due (days before, allowed hours, Copenhagen time)
  sender     the sender name citizens see

The Rasa server's SMS machinery (the worker, how a turn becomes one SMS, how a reply is read)
is bot/rasa_plugins/sms/; the queue, outbox and reminder marks live in the database
(core/store/sms/).

Must not: send or receive anything (no HTTP: core imports no aiohttp), read the database, or
log phone numbers or message texts.
"""

from __future__ import annotations

# The Rasa input channel name of the SMS channel (credentials.yml, `input_channel` of events).
INPUT_CHANNEL = "gatewayapi"
# Every input channel name that is an SMS channel (a second gateway adds its name here).
SMS_INPUT_CHANNELS: frozenset[str] = frozenset({INPUT_CHANNEL})
# Conversation ids of SMS conversations start with this (`core.sms.pseudonym`).
CONVERSATION_PREFIX = "sms:"
# `via` of a citizen verified by their registered mobile number (core.message_metadata).
VIA_SMS = "sms"


def is_sms_channel(input_channel: object) -> bool:
    """True when a Rasa `input_channel` value is an SMS channel."""
    return isinstance(input_channel, str) and input_channel in SMS_INPUT_CHANNELS
