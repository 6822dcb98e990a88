"""Rasa's output channel for SMS: collects the turn's replies with their buttons intact.

Rasa's base `OutputChannel.send_text_with_buttons` prints buttons as "1: Title (payload)",
which would show payloads to citizens. This channel never renders anything: it keeps each
reply's text and buttons as data, and `bot.rasa_plugins.sms.formatting` turns the whole turn into one SMS
with numbered options (titles only). Its name is the SMS input channel's, so responses can have
SMS variants (`channel: gatewayapi` in domain.yml).

Must not: send anything itself (the outbox does, after the turn is stored).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel

from core.sms import INPUT_CHANNEL


class SmsOutputChannel(CollectingOutputChannel):
    """Collects replies as `{"text", "buttons", "custom"}` dicts; payloads stay data."""

    @classmethod
    def name(cls) -> str:
        return INPUT_CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        # One reply stays one reply (the base class splits on blank lines).
        await self._persist_message(self._message(recipient_id, text=text))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._persist_message(self._message(recipient_id, text=text, buttons=list(buttons)))

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)
