"""The conversation id of a phone number: `sms:` + an HMAC of the number, never the number.

The key is SMS_PSEUDONYM_SECRET (`core.sms.config`). The same number always gets the same id,
in every Rasa process and in the reminder command, so the reminder and the citizen's reply are
one conversation; without the key nobody can tell the number from the id. 32 hex characters
(128 bits) leave no realistic chance of two numbers sharing one.

Must not: log or return the number, or be called with a number that is not E.164
(`core.phone.to_e164` is the one normaliser).
"""

from __future__ import annotations

import hashlib
import hmac

from core.sms import CONVERSATION_PREFIX

PSEUDONYM_HEX_CHARS = 32


def conversation_id(e164: str, key: bytes) -> str:
    """`sms:<32 hex>` for the E.164 number `e164` under `key`."""
    if not e164.startswith("+") or not e164[1:].isdigit():
        raise ValueError("conversation_id needs an E.164 number")
    if not key:
        raise ValueError("the pseudonym key must not be empty")
    digest = hmac.new(key, e164.encode("ascii"), hashlib.sha256).hexdigest()
    return CONVERSATION_PREFIX + digest[:PSEUDONYM_HEX_CHARS]
