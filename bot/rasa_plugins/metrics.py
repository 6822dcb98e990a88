"""Prometheus metrics of one Rasa process (served at /metrics by the operations channel).

Owns the metric objects and small helpers to count what citizens experience: messages by
channel, the time to the reply, what the reply was (answered, asked back, crisis lines), HTTP
statuses by class (4xx, 5xx) and the 503 "travlt" answers apart, and the SMS outbox's depth and
age (read when scraped). Each Rasa process has its own registry; Prometheus scrapes every
process (labels carry no citizen data: no ids, no text).

Must not: label a metric with anything a citizen wrote or any identifier of a citizen.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

# Channels as they are named in metrics; anything else is "other" (a bounded label set).
KNOWN_CHANNELS = ("rest", "socketio", "gatewayapi")
# What a reply was: the answer, a question back ("Mente du …?"), the crisis lines.
ANSWERED, ASKED, CRISIS = "answered", "asked", "crisis"

MESSAGES = Counter(
    "moedeklar_messages", "Citizens' messages received, by channel", ["channel"], registry=REGISTRY
)
REPLY_SECONDS = Histogram(
    "moedeklar_reply_seconds",
    "Seconds from a message's arrival to its reply being handed to the channel",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 30),
    registry=REGISTRY,
)
REPLIES = Counter(
    "moedeklar_replies", "Replies by kind (answered, asked, crisis)", ["kind"], registry=REGISTRY
)
HTTP_RESPONSES = Counter(
    "moedeklar_http_responses",
    "HTTP responses of the chat entry points by status class",
    ["status_class"],
    registry=REGISTRY,
)
BUSY = Counter(
    "moedeklar_busy",
    "Messages answered with the polite 'travlt' reply (shed by admission control)",
    ["reason"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter("moedeklar_rate_limited", "Messages refused by a rate limit", registry=REGISTRY)
SMS_OUTBOX_DEPTH = Gauge("moedeklar_sms_outbox_depth", "SMS waiting to go out", registry=REGISTRY)
SMS_OUTBOX_AGE = Gauge(
    "moedeklar_sms_outbox_oldest_seconds", "Age of the oldest SMS waiting to go out", registry=REGISTRY
)
PART_UP = Gauge(
    "moedeklar_part_up",
    "1 when a part this process uses answers (action server, redis, gateway, store)",
    ["part"],
    registry=REGISTRY,
)


def channel_label(name: str | None) -> str:
    return name if name in KNOWN_CHANNELS else "other"


def count_message(channel: str | None) -> None:
    MESSAGES.labels(channel_label(channel)).inc()


def observe_reply(channel: str | None, seconds: float) -> None:
    REPLY_SECONDS.labels(channel_label(channel)).observe(seconds)


def count_reply(kind: str) -> None:
    REPLIES.labels(kind).inc()


def count_status(status: int) -> None:
    if status >= 400:
        HTTP_RESPONSES.labels(f"{status // 100}xx").inc()


def count_busy(reason: str) -> None:
    BUSY.labels(reason).inc()
