"""Talking to the running servers as a citizen: login tokens and REST conversations."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import jwt
import requests

ANNA = "c-1001"  # demo citizen: ressourceforløb in progress, a coming rehabiliteringsteam meeting
# Messages a citizen might write that the NLU is unsure about: two close topics, "Mente du …?"
# (at least one of them must be; the tests that use them say so when none is).
UNSURE = (
    "det der med pengene og møderne",
    "hvad med min ryg og det hele",
    "papirer",
    "kan jeg få hjælp til det med kommunen",
    "hvad så med min plan",
    "ydelse og forløb",
    "planen og pengene",
    "hvad med mødet og pengene bagefter",
)


def make_token(secret: str, citizen_id: str = ANNA, ttl_seconds: int = 3600) -> str:
    """A citizen token as the municipality's login would issue it (HS256, like demo-token)."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": citizen_id, "iat": now, "exp": now + ttl_seconds}
    # The servers inherit this process's environment; mirror any issuer/audience it requires.
    if os.environ.get("CITIZEN_JWT_ISSUER"):
        claims["iss"] = os.environ["CITIZEN_JWT_ISSUER"]
    if os.environ.get("CITIZEN_JWT_AUDIENCE"):
        claims["aud"] = os.environ["CITIZEN_JWT_AUDIENCE"]
    return jwt.encode(claims, secret, algorithm="HS256")


def ask(
    rest_url: str,
    text: str,
    token: str | None = None,
    metadata: dict | None = None,
    sender: str | None = None,
) -> list:
    """One message (in a new REST conversation unless `sender` is given); the replies."""
    body: dict[str, Any] = {"sender": sender or f"e2e-{uuid.uuid4().hex}", "message": text}
    meta = dict(metadata or {})
    if token is not None:
        meta["auth_token"] = token
    if meta:
        body["metadata"] = meta
    response = requests.post(rest_url, json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def texts(replies: list) -> str:
    return "\n".join(r.get("text", "") for r in replies)


class Conversation:
    """One REST conversation (one sender id), optionally with a login token on every message."""

    def __init__(self, rest_url: str, token: str | None = None, prefix: str = "e2e") -> None:
        self.rest_url = rest_url
        self.token = token
        self.sender = f"{prefix}-{uuid.uuid4().hex}"
        self.last: list[dict[str, Any]] = []

    def say(self, text: str) -> str:
        body: dict[str, Any] = {"sender": self.sender, "message": text}
        if self.token:
            body["metadata"] = {"auth_token": self.token}
        response = requests.post(self.rest_url, json=body, timeout=60)
        response.raise_for_status()
        self.last = response.json()
        return "\n".join(message.get("text", "") for message in self.last if message.get("text"))

    def buttons(self) -> list[str]:
        return [button["title"] for message in self.last for button in message.get("buttons", [])]
