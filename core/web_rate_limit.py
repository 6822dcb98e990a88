"""The per-client rate limits of the project's own web apps, and the interface of their counter.

A rule says how many requests one client may make to one expensive or public route in a window
(e.g. the review app's sign-in, which runs argon2 for every attempt, also for user names that do
not exist). The counter lives outside any one process: `core.store.web_rate_limits.SqlWebRateLimit`
counts in the app's database (SQLite or PostgreSQL), so several app processes share it and a
restart resets nothing. Another counter (e.g. Redis) only has to offer `ahit`.

This complements the lockout per user name (REVIEW_MAX_FAILED_LOGINS): the lockout stops guessing
one account's password, the rate limit stops one client from trying many names or flooding the
route. Behind the municipality's proxy the client is the proxy's X-Forwarded-For (REVIEW_TRUST_PROXY).

Must not: import an app or a web framework, or answer the client (the apps answer 429 in Danish).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol


class HitCounter(Protocol):
    """Counts hits per key in fixed windows, shared by every process of an app."""

    async def ahit(self, key: str, window: timedelta) -> int:
        """Count one hit for `key`; the number of hits in its current window, this one included."""
        ...


@dataclass(frozen=True)
class RateRule:
    """At most `max_hits` requests per client to route `name` within `window`."""

    name: str
    max_hits: int
    window: timedelta

    def key(self, client: str) -> str:
        return f"{self.name}|{client[:100]}"


# The review app's POST /login: 30 attempts per client address in 10 minutes (a caseworker who
# mistypes stays far below it; the per-name lockout comes after 5 wrong passwords anyway).
REVIEW_LOGIN = RateRule("review-login", 30, timedelta(minutes=10))

TOO_MANY = "Du har prøvet mange gange på kort tid. Vent lidt, og prøv så igen."


async def allowed(counter: HitCounter, rule: RateRule, client: str) -> bool:
    """Count this request; False when the client is over the rule's limit (answer 429)."""
    return await counter.ahit(rule.key(client), rule.window) <= rule.max_hits
