"""The per-client rate limits of the project's own web apps, and the interface of their counter.

A rule says how many requests one client may make to one expensive or public route in a window
(e.g. the review app's sign-in, which runs argon2 for every attempt, also for user names that do
not exist). The counter lives outside any one process, so several app processes share it and a
restart resets nothing. The counter is the same `core.rate_limit.CounterStore` the Rasa server's
chat limits use (`core.store.rate_limits.SqlCounterStore` in the app's database, or Redis), so
there is one counting mechanism and one table (`rate_limit_counters`).

This complements the lockout per user name (REVIEW_MAX_FAILED_LOGINS): the lockout stops guessing
one account's password, the rate limit stops one client from trying many names or flooding the
route. Behind the municipality's proxy the client is the proxy's X-Forwarded-For (REVIEW_TRUST_PROXY).

Must not: import an app or a web framework, or answer the client (the apps answer 429 in Danish).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from core.rate_limit import CounterStore, Limit, RateLimiter


@dataclass(frozen=True)
class RateRule:
    """At most `max_hits` requests per client to route `name` within `window`."""

    name: str
    max_hits: int
    window: timedelta

    def limit(self) -> Limit:
        """The rule as a `core.rate_limit.Limit` on keys `web-<name>:<hash of the client>`."""
        return Limit(f"web-{self.name}", self.max_hits, max(1, int(self.window.total_seconds())))


# The review app's POST /login: 30 attempts per client address in 10 minutes (a caseworker who
# mistypes stays far below it; the per-name lockout comes after 5 wrong passwords anyway).
REVIEW_LOGIN = RateRule("review-login", 30, timedelta(minutes=10))

TOO_MANY = "Du har prøvet mange gange på kort tid. Vent lidt, og prøv så igen."


async def allowed(counter: CounterStore, rule: RateRule, client: str, now: float | None = None) -> bool:
    """Count this request; False when the client is over the rule's limit (answer 429).

    The same fixed windows, hashed keys and fail-open as the chat's limits (core.rate_limit).
    """
    limit = rule.limit()
    limiter = RateLimiter(counter, [limit], clock=time.time if now is None else (lambda: now))
    return (await limiter.check({limit.prefix: client[:100]})).allowed
