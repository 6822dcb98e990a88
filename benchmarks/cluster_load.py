"""Benchmark: simulated citizens through the proxy of the production shape, and what they got.

Many citizens use the assistant at once through HAProxy (`make run-cluster`: RASA_PROCESSES Rasa
servers on PostgreSQL + Redis, tests/support/cluster.py), each from its own client address
(its HTTP connections are bound to 127.0.0.<k>; the proxy replaces any X-Forwarded-For a client
sends, so that is the only way to be a different client). The production rate limits stay
(core/limits.py): realistic use must pass them, and when it does not, that is a finding.

The mix (fixed by `--seed`; citizens are apportioned to the shares, largest remainder first):
- 45 % `faq`: anonymous FAQ questions over REST, 2-6 per conversation, from FAQ_QUESTIONS
  (38 questions in everyday Danish, some written as on a phone without æ/ø/å);
- 20 % `case`: a logged-in demo citizen (a signed token, tests/support/citizens.py's claims)
  asks for the next meeting, the caseworker or the case status over REST, 2-4 per conversation;
- 20 % `guide`: the preparation guide over socket.io long polling through the proxy with a cookie
  jar (the widget's transport; the proxy's sticky cookie keeps the browser on one server): start
  the guide, "Videre" through the five steps, then "Nej tak" (30 %) or "Ja, hjælp mig", seven
  answers in the citizen's own words (10 % "spring over") and "Det er fint";
- 15 % `sms`: signed GatewayAPI webhooks (JWT in X-Gwapi-Signature, GATEWAYAPI_WEBHOOK_SECRET)
  to the proxy, 2-5 per conversation, half of the conversations from a demo citizen's registered
  number (case questions and FAQ), the rest from a fresh unknown number (FAQ). There are six
  demo numbers and the production limit is 20 SMS per number per 10 minutes, so a registered
  number is lent to one simulated citizen at a time and only while that keeps it under the
  limit; otherwise the conversation uses an unknown number.
Each simulated citizen is a slot that holds conversations one after another (a new conversation
id, cookie jar or unknown number each time, the same client address), so a five-minute run is
many short visits rather than a few machines typing for five minutes. A citizen sends its next
message 2-5 s (uniform) after the reply arrived.

Per message it records kind, channel, conversation id, a unique marker (a six-letter word of
consonants appended to every free-text message; the guide's commands carry none and are matched
by order), the sent and acknowledged times, the HTTP status or error, and the outcome:
- acknowledged (`ok`): REST 200 with a non-empty reply; socket.io: the bot's answer arrived;
  SMS: the gateway simulator received the outgoing SMS (its own receive time is the ack time);
- `busy`: 503 or the polite "travlt" text (input_check.BUSY_TEXT / WAIT_FOR_ANSWER_TEXT);
- `rate_limited`: 429 or the rate-limit text (chat or SMS); at this load an error;
- `unavailable`: a polite reply that says something failed and the message was not answered
  ("Det er en fejl hos os": input_check.UNAVAILABLE_TEXT, also with 503, the SMS worker's
  NO_ANSWER, the actions' LOGIN_NOT_AVAILABLE): not an answer, but not silence either; at this
  load an error, under a fault the fail-closed answer;
- `error`: another 4xx/5xx, a connection error, no reply within 30 s, an empty reply;
- `retried`: on a connection error, 502 or 503 the client sends the SAME message (same REST body,
  same socket.io conversation, same gateway message id) once more after 1 s; when that is
  acknowledged the outcome is `retried`, never `ok` (when it fails too, the failure's class).
Only `ok` and `retried` count as acknowledged. Latency: first send to acknowledgement.

`LoadResult.summary()` gives counts, throughput, p50/p95/p99 by channel (benchmarks/timing.py)
and the load generator's own CPU; `audit_turns(result, url)` reads the conversation store
afterwards and compares the stored user turns of every conversation used with what was sent:
`lost` (acknowledged, not stored), `duplicated_acknowledged` (stored twice although answered the
first time: a bug), `duplicated_after_unacknowledged_resend` (allowed), `unacknowledged_stored`.
SMS conversations are `sms:` + the HMAC pseudonym of the number (core/sms/pseudonym.py).

  PYTHONPATH=. .venv/bin/python benchmarks/cluster_load.py --citizens 50 --duration 300 --processes 1 2
  # against a running `make run-cluster` (the audit reads TRACKER_STORE_URL from the environment):
  PYTHONPATH=. .venv/bin/python benchmarks/cluster_load.py --url http://localhost:5005 \\
      --simulator http://127.0.0.1:8082 --citizens 50 --duration 300

Without --url it starts a fresh cluster per process count (tests.support.cluster.running_cluster:
its own ports, PostgreSQL databases and Redis databases `--redis-dbs`, default 9 and 10, which
are flushed) and prints one JSON document: per process count the load summary and the audit,
and the factors (throughput and p95 of each count over the first). `--records FILE` writes every
message as a JSON line. Importable: `run_load(target, citizens, duration_s, seed, stop)` (the
chaos run sets `stop`), `target_from_cluster(cluster)`, `audit_turns(result, url)`.
Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import socket
import sys
import tempfile
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import socketio
from yarl import URL

from benchmarks.timing import percentile
from bot.rasa_plugins.channels import input_check
from bot.rasa_plugins.channels.input_check import BUSY_TEXT, RATE_LIMITED_TEXT, WAIT_FOR_ANSWER_TEXT
from bot.rasa_plugins.sms import messages as sms_messages
from bot.tools.gateway_simulator.app import incoming_sms_claims
from core.demo_data import demo_citizens, demo_phones
from core.limits import SMS_RATE_LIMIT_MESSAGES, SMS_RATE_LIMIT_WINDOW_S
from core.phone import to_e164
from core.sms.pseudonym import conversation_id as sms_conversation_id

# --- the mix -----------------------------------------------------------------------------------
FAQ, CASE, GUIDE, SMS = "faq", "case", "guide", "sms"
SHARES: tuple[tuple[str, float], ...] = ((FAQ, 0.45), (CASE, 0.20), (GUIDE, 0.20), (SMS, 0.15))
REST, SOCKETIO, SMS_CHANNEL = "rest", "socketio", "sms"
CHANNEL_OF = {FAQ: REST, CASE: REST, GUIDE: SOCKETIO, SMS: SMS_CHANNEL}
CHANNELS = (REST, SOCKETIO, SMS_CHANNEL)

THINK_S = (2.0, 5.0)  # from the reply to the next message
RAMP_S = 5.0  # citizens arrive over the first seconds, not all at once
REPLY_TIMEOUT_S = 30.0
RESEND_AFTER_S = 1.0
SOCKET_EXTRA_PARTS_S = 0.3  # the rest of a multi-part socket.io answer, discarded before the next message
SIM_POLL_S = 0.5  # the gateway simulator's records are polled; its own receive time is the ack time
FAQ_TURNS = (2, 6)
CASE_TURNS = (2, 4)
SMS_TURNS = (2, 5)
SMS_REGISTERED_SHARE = 0.5
GUIDE_DECLINE_SHARE = 0.3
GUIDE_SKIP_SHARE = 0.1

FAQ_QUESTIONS = (
    "hvor længe varer et ressourceforløb?",
    "Hvad er et ressourceforløb egentlig?",
    "hva er et ressource forlob",
    "hvad er et rehabiliteringsteam",
    "Hvem sidder med til mødet med rehabiliteringsteamet?",
    "må jeg tage en bisidder med til mødet",
    "kan min mor komme med som bisidder",
    "hvordan klager jeg over en afgørelse",
    "Hvad kan jeg gøre, hvis jeg er uenig i kommunens afgørelse?",
    "hvornaar bliver ydelsen udbetalt",
    "skal jeg betale skat af ydelsen",
    "hvor mange penge får man i ressourceforløbsydelse",
    "Hvad er en rehabiliteringsplan?",
    "hvad skal jeg forberede inden mødet",
    "hvad sker der efter mødet med teamet",
    "hvem bestemmer om jeg får et ressourceforløb",
    "kan jeg sige nej til et ressourceforløb",
    "hvad er en koordinerende sagsbehandler",
    "hvad hvis jeg er syg den dag jeg skal til møde",
    "kan mødet holdes over video",
    "må jeg se de papirer kommunen har om mig",
    "hvad er forskellen på ressourceforløb og jobafklaringsforløb",
    "kan jeg arbejde lidt ved siden af mit ressourceforløb",
    "mister jeg min ydelse hvis jeg ikke kommer til mødet",
    "hvad betyder det at teamet indstiller mig",
    "hvem kan komme i ressourceforløb",
    "kan jeg få et fleksjob i stedet",
    "hvad er en mentor og kan jeg få en",
    "hej",
    "tak for hjælpen",
    "hvordan får jeg fat i min kommune",
    "jeg vil gerne tale med et menneske",
    "er du en robot?",
    "hvor lang tid går der før jeg får svar",
    "kan jeg tage på ferie under forløbet",
    "skal min læge med til mødet",
    "hvad laver jobcentret i et ressourceforløb",
    "jeg forstår ikke brevet jeg har fået om mødet",
)
CASE_QUESTIONS = (
    "hvornår er mit næste møde?",
    "hvor skal jeg møde op?",
    "hvem er min sagsbehandler?",
    "hvad hedder min sagsbehandler",
    "hvad er status på min sag?",
    "hvordan går det med min sag",
    "hvilke møder har jeg?",
    "hvornaar er mit naeste moede",
)
GUIDE_START = "hjælp mig med at forberede mig til mødet"
GUIDE_NEXT = "Videre"
GUIDE_EXPLANATION_STEPS = 5
GUIDE_YES = "Ja, hjælp mig"
GUIDE_NO = "Nej tak"
GUIDE_SKIP = "spring over"
GUIDE_REVIEW_OK = "Det er fint"
GUIDE_QUESTIONS = 7
GUIDE_ANSWERS = (
    "at de forstår at jeg ikke kan sidde ned ret længe",
    "jeg vil gerne tilbage til noget arbejde på sigt",
    "det er svært for mig at sove og så er jeg træt hele dagen",
    "gåture og at have faste tider har hjulpet mig",
    "hvad sker der med min ydelse bagefter",
    "min søster kommer med som bisidder",
    "jeg har brug for at mødet ikke starter for tidligt",
    "at blive hørt og ikke bare blive sendt videre",
    "jeg har ondt i ryggen og det gør det svært at arbejde",
    "fysioterapi har hjulpet lidt",
    "hvem skal jeg ringe til hvis jeg bliver syg",
    "jeg kommer alene",
    "jeg vil gerne have pauser undervejs",
    "jeg vil gerne vide hvad planen er for det næste halve år",
)

# What a reply says when it is not an answer.
BUSY_TEXTS = (BUSY_TEXT, WAIT_FOR_ANSWER_TEXT)
RATE_LIMITED_TEXTS = (RATE_LIMITED_TEXT, sms_messages.text(sms_messages.RATE_LIMITED))
# "Undskyld, jeg kan ikke svare lige nu. Det er en fejl hos os ..." (input_check.UNAVAILABLE_TEXT:
# the message was not handled; the SMS worker's NO_ANSWER) and "Jeg kan ikke se ... lige nu. Det er
# en fejl hos os ..." (actions/replies.py LOGIN_NOT_AVAILABLE: the case lookup failed): errors.
FAILURE_PHRASE = "Det er en fejl hos os"
FAILURE_TEXTS = tuple(
    text for text in (input_check.UNAVAILABLE_TEXT, sms_messages.text(sms_messages.NO_ANSWER)) if text
)
# SMS the assistant sends that answer no message: the introduction before a number's first answer
# (bot/rasa_plugins/sms/worker.py) and a meeting reminder (actions/reminders.py REMINDER).
SMS_INTRODUCTION = sms_messages.text(sms_messages.INTRODUCTION)
SMS_REMINDER_PREFIX = "Husk: Du har "

OK, BUSY, RATE_LIMITED, ERROR, RETRIED = "ok", "busy", "rate_limited", "error", "retried"
UNAVAILABLE = "unavailable"
OUTCOMES = (OK, RETRIED, BUSY, UNAVAILABLE, RATE_LIMITED, ERROR)
ACKNOWLEDGED = (OK, RETRIED)
RESEND_STATUSES = (502, 503)

MARKER_LETTERS = "bcdfghjklmnpqrstvwxz"  # no vowels, no digits: no Danish word, nothing masked
MARKER_LENGTH = 6
COOKIE = "MOEDEKLAR_RASA"


# --- target ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadTarget:
    """Where the citizens go and the secrets they (and the simulated gateway) sign with."""

    url: str  # the proxy as citizens reach it, e.g. http://localhost:5005
    citizen_jwt_secret: str
    webhook_secret: str  # GATEWAYAPI_WEBHOOK_SECRET
    simulator_url: str  # the gateway simulator (SMS_DEMO_PORT), where outgoing SMS are seen
    sms_pseudonym_secret: str  # SMS_PSEUDONYM_SECRET: the SMS conversation ids
    tracker_store_url: str | None = None  # the conversation store, for audit_turns
    jwt_issuer: str | None = None
    jwt_audience: str | None = None


def target_from_cluster(cluster: Any) -> LoadTarget:
    """The target of a running `tests.support.cluster.Cluster`."""
    env = cluster.env
    return LoadTarget(
        url=cluster.url,
        citizen_jwt_secret=env["CITIZEN_JWT_SECRET"],
        webhook_secret=env["GATEWAYAPI_WEBHOOK_SECRET"],
        simulator_url=f"http://127.0.0.1:{env['SMS_DEMO_PORT']}",
        sms_pseudonym_secret=env["SMS_PSEUDONYM_SECRET"],
        tracker_store_url=env.get("TRACKER_STORE_URL"),
        jwt_issuer=env.get("CITIZEN_JWT_ISSUER") or None,
        jwt_audience=env.get("CITIZEN_JWT_AUDIENCE") or None,
    )


# Development defaults of the Makefile, for --url against `make run-cluster`.
MAKEFILE_DEFAULTS = {
    "CITIZEN_JWT_SECRET": "dev-only-moedeklar-demo-secret-change-me",
    "GATEWAYAPI_WEBHOOK_SECRET": "dev-only-gatewayapi-webhook-secret",
    "SMS_PSEUDONYM_SECRET": "dev-only-sms-pseudonym-key",
    "SMS_DEMO_PORT": "8082",
}


def target_from_environment(url: str, simulator_url: str | None = None) -> LoadTarget:
    """The target of a running `make run-cluster`: secrets from the environment (or the Makefile's)."""

    def value(name: str) -> str:
        return os.environ.get(name) or MAKEFILE_DEFAULTS[name]

    return LoadTarget(
        url=url.rstrip("/"),
        citizen_jwt_secret=value("CITIZEN_JWT_SECRET"),
        webhook_secret=value("GATEWAYAPI_WEBHOOK_SECRET"),
        simulator_url=(simulator_url or f"http://127.0.0.1:{value('SMS_DEMO_PORT')}").rstrip("/"),
        sms_pseudonym_secret=value("SMS_PSEUDONYM_SECRET"),
        tracker_store_url=os.environ.get("TRACKER_STORE_URL") or None,
        jwt_issuer=os.environ.get("CITIZEN_JWT_ISSUER") or None,
        jwt_audience=os.environ.get("CITIZEN_JWT_AUDIENCE") or None,
    )


def citizen_token(target: LoadTarget, citizen_id: str, ttl_s: int = 3600) -> str:
    """A demo citizen's login token, as tests/support/citizens.make_token makes it."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": citizen_id, "iat": now, "exp": now + ttl_s}
    if target.jwt_issuer:
        claims["iss"] = target.jwt_issuer
    if target.jwt_audience:
        claims["aud"] = target.jwt_audience
    return jwt.encode(claims, target.citizen_jwt_secret, algorithm="HS256")


# --- one message ---------------------------------------------------------------------------------
@dataclass
class Attempt:
    """What one send of a message got."""

    status: int | None = None  # HTTP status (REST, the SMS webhook); None on socket.io
    reply: str = ""
    error: str | None = None
    connection_error: bool = False
    acked_at: float | None = None  # epoch seconds; set when a reply arrived


@dataclass
class Message:
    """One message a simulated citizen sent, and what became of it."""

    citizen: int
    kind: str
    channel: str
    conversation_id: str
    text: str
    marker: str | None
    sent_at: float  # epoch seconds, first send
    acked_at: float | None = None
    status: int | None = None
    error: str | None = None
    attempts: int = 1
    outcome: str = ERROR
    reply_excerpt: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.outcome in ACKNOWLEDGED

    @property
    def latency_ms(self) -> float | None:
        if self.acked_at is None or not self.acknowledged:
            return None
        return (self.acked_at - self.sent_at) * 1000


def _contains(reply: str, texts: Iterable[str]) -> bool:
    return any(text and text in reply for text in texts)


def classify(attempt: Attempt) -> str:
    """The outcome of one attempt: ok, busy, rate_limited or error (see the module docstring)."""
    if attempt.error is not None:
        return ERROR
    if attempt.status == 429 or _contains(attempt.reply, RATE_LIMITED_TEXTS):
        return RATE_LIMITED
    if _contains(attempt.reply, (*FAILURE_TEXTS, FAILURE_PHRASE)):
        return UNAVAILABLE
    if attempt.status == 503 or _contains(attempt.reply, BUSY_TEXTS):
        return BUSY
    if attempt.status is not None and attempt.status != 200:
        return ERROR
    if not attempt.reply.strip():
        return ERROR
    return OK


def needs_resend(attempt: Attempt) -> bool:
    """A connection error or 502/503: the client sends the same message once more."""
    return attempt.connection_error or attempt.status in RESEND_STATUSES


def outcome_of(first: Attempt, second: Attempt | None) -> str:
    """The message's outcome from its first attempt and, if it was re-sent, the second."""
    if second is None:
        return classify(first)
    outcome = classify(second)
    return RETRIED if outcome == OK else outcome


def _describe(attempt: Attempt) -> str | None:
    if attempt.error is not None:
        return attempt.error
    outcome = classify(attempt)
    if outcome == OK:
        return None
    if _contains(attempt.reply, (*FAILURE_TEXTS, FAILURE_PHRASE)):
        return f"failure reply (http {attempt.status})" if attempt.status else "failure reply"
    if attempt.status is not None and attempt.status != 200:
        return f"http {attempt.status}"
    return {BUSY: "busy reply", RATE_LIMITED: "rate-limit reply", ERROR: "empty reply"}[outcome]


def settle(message: Message, first: Attempt, second: Attempt | None) -> Message:
    """Fill in the message's outcome, status, error and ack time from its attempt(s)."""
    last = second or first
    message.attempts = 2 if second is not None else 1
    message.outcome = outcome_of(first, second)
    message.status = last.status
    message.error = _describe(last)
    if second is not None and message.error is None:
        message.error = f"first attempt: {_describe(first)}"
    message.acked_at = last.acked_at if message.outcome in ACKNOWLEDGED else None
    message.reply_excerpt = " ".join(last.reply.split())[:80]
    return message


# --- the result ------------------------------------------------------------------------------------
def _latency(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
    }


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


@dataclass
class LoadResult:
    """Every message of a run, the run's span and the load generator's own CPU time."""

    citizens: int
    duration_s: float
    seed: int
    started_at: float
    ended_at: float
    cpu_user_s: float
    cpu_sys_s: float
    mix: dict[str, int]
    messages: list[Message] = field(default_factory=list)

    @property
    def elapsed_s(self) -> float:
        return max(self.ended_at - self.started_at, 1e-9)

    def summary(self) -> dict[str, Any]:
        sent = len(self.messages)
        outcomes = Counter(m.outcome for m in self.messages)
        acknowledged = outcomes[OK] + outcomes[RETRIED]
        latency = {"overall": _latency([m.latency_ms for m in self.messages if m.latency_ms is not None])}
        for channel in CHANNELS:
            latency[channel] = _latency(
                [m.latency_ms for m in self.messages if m.channel == channel and m.latency_ms is not None]
            )
        by_kind = {
            kind: {
                "sent": sum(1 for m in self.messages if m.kind == kind),
                "acknowledged": sum(1 for m in self.messages if m.kind == kind and m.acknowledged),
            }
            for kind, _ in SHARES
        }
        failures = Counter(
            f"{m.channel}: {m.error}" for m in self.messages if m.outcome not in (OK,) and m.error
        )
        cpu = self.cpu_user_s + self.cpu_sys_s
        counts = {outcome: outcomes[outcome] for outcome in OUTCOMES}
        return {
            "citizens": self.citizens,
            "mix": dict(self.mix),
            "seed": self.seed,
            "duration_s": self.duration_s,
            "elapsed_s": round(self.elapsed_s, 1),
            "sent": sent,
            "acknowledged": acknowledged,
            "throughput_per_s": round(acknowledged / self.elapsed_s, 2),
            "latency_ms": latency,
            "outcomes": counts,
            "outcomes_pct_of_sent": {outcome: _pct(n, sent) for outcome, n in counts.items()},
            "resent": sum(1 for m in self.messages if m.attempts > 1),
            "by_kind": by_kind,
            "failures": dict(failures.most_common(10)),
            "load_generator_cpu": {
                "user_s": round(self.cpu_user_s, 2),
                "sys_s": round(self.cpu_sys_s, 2),
                "pct_of_one_core": round(100.0 * cpu / self.elapsed_s, 1),
            },
            "targets_met": {
                "errors_zero": counts[ERROR] == 0 and counts[UNAVAILABLE] == 0,
                "rate_limited_zero": counts[RATE_LIMITED] == 0,
                "busy_below_1_pct": _pct(counts[BUSY], sent) < 1.0,
            },
        }


# --- the run's shared state ------------------------------------------------------------------------
def apportion(citizens: int, shares: Sequence[tuple[str, float]] = SHARES) -> list[str]:
    """The kind of each of `citizens` citizens: the shares' floors, then largest remainders."""
    exact = [(kind, share * citizens) for kind, share in shares]
    counts = {kind: int(value) for kind, value in exact}
    rest = citizens - sum(counts.values())
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] - int(exact[i][1])), i))
    for i in by_remainder[:rest]:
        counts[exact[i][0]] += 1
    return [kind for kind, _ in shares for _ in range(counts[kind])]


def source_address(citizen: int) -> str:
    """Citizen k's own loopback address: 127.0.0.2, 127.0.0.3, ... (250 per third octet)."""
    return f"127.0.{citizen // 250}.{2 + citizen % 250}"


class NumberPool:
    """The demo citizens' registered numbers, lent to one SMS citizen at a time and only while that
    keeps the number under the production SMS rate limit; otherwise a fresh unknown number."""

    def __init__(
        self,
        registered: Sequence[str],
        ids: random.Random,
        limit: int = SMS_RATE_LIMIT_MESSAGES,
        window_s: float = SMS_RATE_LIMIT_WINDOW_S,
    ) -> None:
        self.registered = list(registered)
        self.limit = limit
        self.window_s = window_s
        self.busy: set[str] = set()
        self.sends: dict[str, list[float]] = {number: [] for number in self.registered}
        self.used: set[str] = set(self.registered)
        self._ids = ids

    def _recent(self, number: str, now: float) -> int:
        # a little margin: the server counts by its own clock
        return sum(1 for t in self.sends.get(number, []) if t > now - self.window_s - 5)

    def lease(self, want_registered: bool, messages: int, rng: random.Random, now: float) -> tuple[str, bool]:
        """(E.164 number, registered?) for a conversation of up to `messages` SMS."""
        if want_registered:
            free = [n for n in self.registered if n not in self.busy]
            rng.shuffle(free)
            for number in free:
                if self._recent(number, now) + messages <= self.limit - 1:
                    self.busy.add(number)
                    return number, True
        while True:  # a valid Danish mobile number (the webhook answers 422 to an invalid one)
            number = f"+4540{self._ids.randrange(10**6):06d}"
            if number not in self.used and to_e164(number) == number:
                self.used.add(number)
                return number, False

    def sent(self, number: str, now: float) -> None:
        if number in self.sends:
            self.sends[number].append(now)

    def release(self, number: str) -> None:
        self.busy.discard(number)


class Run:
    """What all citizens of one run share."""

    def __init__(self, target: LoadTarget, duration_s: float, seed: int, stop: asyncio.Event | None) -> None:
        self.target = target
        self.seed = seed
        self.deadline = time.monotonic() + duration_s
        self.stop = stop or asyncio.Event()
        self.messages: list[Message] = []
        # Identifiers (markers, conversation ids, unknown numbers, gateway ids) are unique per run,
        # not per seed: a second run against the same store must not meet the first one's.
        self.ids = random.Random(uuid.uuid4().int)
        self.tag = f"{self.ids.getrandbits(32):08x}"
        self.markers: set[str] = set()
        self.numbers = NumberPool([to_e164(phone) or phone for _, phone in demo_phones()], self.ids)
        self.sms_ids = itertools.count(int(time.time()) * 10_000 + self.ids.randrange(5_000))
        self.pseudonym_key = target.sms_pseudonym_secret.encode("utf-8")
        self.simulator: aiohttp.ClientSession | None = None

    def over(self) -> bool:
        return self.stop.is_set() or time.monotonic() >= self.deadline

    def marker(self) -> str:
        while True:
            word = "".join(self.ids.choice(MARKER_LETTERS) for _ in range(MARKER_LENGTH))
            if word not in self.markers:
                self.markers.add(word)
                return word

    def message(
        self, citizen: int, kind: str, conversation_id: str, text: str, marked: bool = True
    ) -> Message:
        marker = self.marker() if marked else None
        message = Message(
            citizen=citizen,
            kind=kind,
            channel=CHANNEL_OF[kind],
            conversation_id=conversation_id,
            text=f"{text} {marker}" if marker else text,
            marker=marker,
            sent_at=time.time(),
        )
        self.messages.append(message)
        return message

    async def pause(self, seconds: float) -> None:
        """Sleep `seconds`, or less when the run ends first."""
        left = min(seconds, self.deadline - time.monotonic())
        if left <= 0 or self.stop.is_set():
            return
        try:
            await asyncio.wait_for(self.stop.wait(), timeout=left)
        except asyncio.TimeoutError:
            pass

    async def think(self, rng: random.Random, message: Message) -> None:
        """2-5 s after the reply arrived (or after giving up on it)."""
        since = time.time() - (message.acked_at or time.time())
        await self.pause(max(0.0, rng.uniform(*THINK_S) - since))


def _connector(address: str) -> aiohttp.TCPConnector:
    return aiohttp.TCPConnector(local_addr=(address, 0), family=socket.AF_INET, limit=8)


def _reply_text(body: Any) -> str:
    if isinstance(body, list):
        return "\n".join(str(part.get("text", "")) for part in body if isinstance(part, dict))
    return ""


# --- REST ------------------------------------------------------------------------------------------
def failed_attempt(exc: BaseException) -> Attempt:
    """What a send that got no HTTP answer counts as (a connection error is re-sent once)."""
    if isinstance(exc, asyncio.TimeoutError):
        return Attempt(error="timeout")
    if isinstance(exc, aiohttp.ClientConnectionError):
        return Attempt(error=f"connection: {type(exc).__name__}", connection_error=True)
    return Attempt(error=f"client: {type(exc).__name__}")


async def rest_attempt(http: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Attempt:
    try:
        async with http.post(
            f"{url}/webhooks/rest/webhook", json=body, timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT_S)
        ) as response:
            raw = await response.read()
            at = time.time()
            status = response.status
    except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
        return failed_attempt(exc)
    try:
        reply = _reply_text(json.loads(raw.decode("utf-8")))
    except ValueError:
        reply = ""
    return Attempt(status=status, reply=reply, acked_at=at)


async def send_rest(run: Run, http: aiohttp.ClientSession, message: Message, body: dict[str, Any]) -> None:
    first = await rest_attempt(http, run.target.url, body)
    second = None
    if needs_resend(first):
        await asyncio.sleep(RESEND_AFTER_S)
        second = await rest_attempt(http, run.target.url, body)
    settle(message, first, second)


async def rest_conversation(run: Run, citizen: int, kind: str, rng: random.Random, http: Any) -> None:
    sender = f"load-{run.tag}-{citizen}-{run.ids.getrandbits(40):010x}"
    metadata: dict[str, str] = {}
    if kind == CASE:
        citizen_id = rng.choice(demo_citizens())[0]
        metadata = {"auth_token": citizen_token(run.target, citizen_id)}
        turns = rng.randint(*CASE_TURNS)
        questions = [rng.choice(CASE_QUESTIONS) if rng.random() < 0.8 else rng.choice(FAQ_QUESTIONS)]
        questions += [
            rng.choice(CASE_QUESTIONS) if rng.random() < 0.7 else rng.choice(FAQ_QUESTIONS)
            for _ in range(turns - 1)
        ]
    else:
        questions = rng.sample(FAQ_QUESTIONS, rng.randint(*FAQ_TURNS))
    for question in questions:
        if run.over():
            return
        message = run.message(citizen, kind, f"rest:{sender}", question)
        body: dict[str, Any] = {"sender": sender, "message": message.text}
        if metadata:
            body["metadata"] = metadata
        await send_rest(run, http, message, body)
        await run.think(rng, message)


# --- socket.io (the widget over long polling, through the proxy, with a cookie jar) -----------------
_DISCONNECTED = {"_event": "disconnected"}
_INVALID = {"_event": "session_invalid"}


class WidgetBrowser:
    """One browser tab with the widget: its own cookie jar, the widget's events, long polling."""

    def __init__(self, run: Run, address: str) -> None:
        self.run = run
        self.address = address
        self.jar = aiohttp.CookieJar(unsafe=True)  # keeps the proxy's cookie for 127.0.0.1 too
        self.http: aiohttp.ClientSession | None = None
        self.sio: socketio.AsyncClient | None = None
        self.session_id: str | None = None
        self.events: asyncio.Queue[Any] = asyncio.Queue()

    async def connect(self) -> None:
        """Connect (again) and ask for the conversation (again: the one it had, if any)."""
        await self.close()
        self.http = aiohttp.ClientSession(connector=_connector(self.address), cookie_jar=self.jar)
        sio = self.sio = socketio.AsyncClient(reconnection=False, http_session=self.http)
        confirmed: asyncio.Queue[Any] = asyncio.Queue()
        sio.on("session_confirm", confirmed.put_nowait)
        sio.on("bot_uttered", self.events.put_nowait)
        sio.on("session_invalid", lambda *_: self.events.put_nowait(_INVALID))
        sio.on("disconnect", lambda *_: self.events.put_nowait(_DISCONNECTED))
        await asyncio.wait_for(
            sio.connect(self.run.target.url, socketio_path="/socket.io", transports=["polling"]),
            REPLY_TIMEOUT_S,
        )
        await sio.emit("session_request", {"session_id": self.session_id, "metadata": {}})
        self.session_id = await asyncio.wait_for(confirmed.get(), REPLY_TIMEOUT_S)

    def _drain(self) -> None:
        while not self.events.empty():
            self.events.get_nowait()

    async def attempt(self, text: str) -> Attempt:
        """Send `text` (connecting first if the socket is gone) and wait for the bot's answer."""
        try:
            if self.sio is None or not self.sio.connected:
                await self.connect()
            self._drain()
            assert self.sio is not None
            await self.sio.emit(
                "user_uttered", {"message": text, "session_id": self.session_id, "metadata": {}}
            )
        except (socketio.exceptions.SocketIOError, aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            return Attempt(error=f"connection: {type(exc).__name__}", connection_error=True)
        try:
            event = await asyncio.wait_for(self.events.get(), REPLY_TIMEOUT_S)
        except asyncio.TimeoutError:
            return Attempt(error="timeout")
        if event is _DISCONNECTED:
            return Attempt(error="connection: disconnected", connection_error=True)
        if event is _INVALID:
            return Attempt(error="session_invalid")
        at = time.time()
        parts = [event]
        while True:  # the rest of a multi-part answer
            try:
                part = await asyncio.wait_for(self.events.get(), SOCKET_EXTRA_PARTS_S)
            except asyncio.TimeoutError:
                break
            if part is _DISCONNECTED or part is _INVALID:
                break
            parts.append(part)
        reply = "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
        if not reply.strip() and any(isinstance(p, dict) and p for p in parts):
            reply = "(buttons or custom payload)"
        return Attempt(reply=reply, acked_at=at)

    async def close(self) -> None:
        if self.sio is not None:
            try:
                await asyncio.wait_for(self.sio.disconnect(), 5)
            except Exception:  # noqa: BLE001 - a dead server: nothing to say goodbye to
                pass
            self.sio = None
        if self.http is not None:
            await self.http.close()
            self.http = None


def guide_script(rng: random.Random) -> list[tuple[str, bool]]:
    """The messages of one guide conversation: (text, carries a marker?)."""
    script = [(GUIDE_START, False)] + [(GUIDE_NEXT, False)] * GUIDE_EXPLANATION_STEPS
    if rng.random() < GUIDE_DECLINE_SHARE:
        return [*script, (GUIDE_NO, False)]
    script.append((GUIDE_YES, False))
    for answer in rng.sample(GUIDE_ANSWERS, GUIDE_QUESTIONS):
        script.append((GUIDE_SKIP, False) if rng.random() < GUIDE_SKIP_SHARE else (answer, True))
    return [*script, (GUIDE_REVIEW_OK, False)]


async def guide_conversation(run: Run, citizen: int, rng: random.Random) -> None:
    browser = WidgetBrowser(run, source_address(citizen))
    try:
        for text, marked in guide_script(rng):
            if run.over():
                return
            if browser.session_id is None:  # the first message: open the widget
                try:
                    await browser.connect()
                except (
                    socketio.exceptions.SocketIOError,
                    aiohttp.ClientError,
                    OSError,
                    asyncio.TimeoutError,
                ):
                    pass  # the first attempt below reports it as a connection error
            pending = f"(no session: citizen {citizen})"
            message = run.message(citizen, GUIDE, browser.session_id or pending, text, marked)
            first = await browser.attempt(message.text)
            second = None
            if needs_resend(first):
                await asyncio.sleep(RESEND_AFTER_S)
                second = await browser.attempt(message.text)
            if message.conversation_id == pending and browser.session_id:
                message.conversation_id = browser.session_id
            settle(message, first, second)
            await run.think(rng, message)
    finally:
        await browser.close()


# --- SMS -----------------------------------------------------------------------------------------------
def _sms_claims(message_id: int, msisdn: str, text: str) -> dict[str, Any]:
    """An incoming SMS as GatewayAPI posts it (the gateway simulator's own claims)."""
    return incoming_sms_claims(message_id, msisdn, text)


def is_answer_sms(text: str) -> bool:
    """An outgoing SMS that answers a message (not the introduction, not a meeting reminder)."""
    return text != SMS_INTRODUCTION and not text.startswith(SMS_REMINDER_PREFIX)


async def sent_sms(run: Run, msisdn: str) -> list[dict[str, Any]]:
    """The answers the gateway simulator received for `msisdn`, oldest first."""
    assert run.simulator is not None
    url = URL(f"{run.target.simulator_url}/_sim/state").with_query(msisdn=msisdn)
    async with run.simulator.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
        response.raise_for_status()
        state = await response.json()
    return [r for r in state.get("messages", []) if r.get("direction") == "mt" and is_answer_sms(r["text"])]


async def webhook_attempt(run: Run, http: Any, claims: dict[str, Any]) -> Attempt:
    headers = {"X-Gwapi-Signature": jwt.encode(claims, run.target.webhook_secret, algorithm="HS256")}
    try:
        async with http.post(
            f"{run.target.url}/webhooks/gatewayapi/webhook",
            json=claims,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT_S),
        ) as response:
            await response.read()
            return Attempt(status=response.status)
    except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
        return failed_attempt(exc)


async def await_sms_answer(run: Run, msisdn: str, seen: int, sent_at: float, deadline: float) -> Attempt:
    """The first answer SMS after the first `seen` that the gateway received after `sent_at`, or a
    time-out at `deadline` (monotonic). (An answer to an earlier message of the same number that
    comes later than 30 s would be taken for this one's: the number is the only link.)"""
    while True:
        try:
            answers = await sent_sms(run, msisdn)
        except (aiohttp.ClientError, asyncio.TimeoutError):
            answers = []
        new = [r for r in answers[seen:] if float(r["time"]) >= sent_at]
        if new:
            record = new[0]
            return Attempt(status=200, reply=str(record["text"]), acked_at=float(record["time"]))
        if time.monotonic() >= deadline:
            return Attempt(status=200, error="timeout (no SMS at the gateway)")
        await asyncio.sleep(SIM_POLL_S)


async def send_sms(run: Run, http: Any, message: Message, msisdn: str) -> None:
    try:
        seen = len(await sent_sms(run, msisdn))
    except (aiohttp.ClientError, asyncio.TimeoutError):
        seen = 0
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    claims = _sms_claims(next(run.sms_ids), msisdn, message.text)
    message.sent_at = time.time()
    run.numbers.sent(msisdn, time.time())
    first = await webhook_attempt(run, http, claims)
    second = None
    if needs_resend(first):
        await asyncio.sleep(RESEND_AFTER_S)
        second = await webhook_attempt(run, http, claims)  # the same gateway id: stored once
    last = second or first
    if last.error is None and last.status == 200:
        answered = await await_sms_answer(run, msisdn, seen, message.sent_at, deadline)
        if second is None:
            first = answered
        else:
            second = answered
    settle(message, first, second)


async def sms_conversation(run: Run, citizen: int, rng: random.Random, http: Any) -> None:
    turns = rng.randint(*SMS_TURNS)
    msisdn, registered = run.numbers.lease(rng.random() < SMS_REGISTERED_SHARE, turns, rng, time.time())
    conversation = sms_conversation_id(msisdn, run.pseudonym_key)
    try:
        for _ in range(turns):
            if run.over():
                return
            if registered and rng.random() < 0.6:
                question = rng.choice(CASE_QUESTIONS)
            else:
                question = rng.choice(FAQ_QUESTIONS)
            message = run.message(citizen, SMS, conversation, question)
            await send_sms(run, http, message, msisdn)
            await run.think(rng, message)
    finally:
        run.numbers.release(msisdn)


# --- the load --------------------------------------------------------------------------------------------
async def citizen_loop(run: Run, citizen: int, kind: str) -> None:
    """One simulated citizen: conversations one after another until the run ends."""
    rng = random.Random(run.seed * 1_000_003 + citizen)
    await run.pause(rng.uniform(0, RAMP_S))
    async with aiohttp.ClientSession(connector=_connector(source_address(citizen))) as http:
        while not run.over():
            if kind in (FAQ, CASE):
                await rest_conversation(run, citizen, kind, rng, http)
            elif kind == GUIDE:
                await guide_conversation(run, citizen, rng)
            else:
                await sms_conversation(run, citizen, rng, http)
            await run.pause(rng.uniform(*THINK_S))  # the next citizen in this slot arrives


def _cpu() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


async def run_load(
    target: LoadTarget,
    citizens: int,
    duration_s: float,
    seed: int = 0,
    stop: asyncio.Event | None = None,
) -> LoadResult:
    """`citizens` simulated citizens for `duration_s` seconds (or until `stop` is set); every message
    still waiting for its reply then gets up to 30 s more."""
    rng = random.Random(seed)
    kinds = apportion(citizens)
    rng.shuffle(kinds)
    user0, sys0 = _cpu()
    started = time.time()
    run = Run(target, duration_s, seed, stop)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) as simulator:
        run.simulator = simulator
        await asyncio.gather(*(citizen_loop(run, k, kind) for k, kind in enumerate(kinds)))
    user1, sys1 = _cpu()
    return LoadResult(
        citizens=citizens,
        duration_s=duration_s,
        seed=seed,
        started_at=started,
        ended_at=time.time(),
        cpu_user_s=user1 - user0,
        cpu_sys_s=sys1 - sys0,
        mix=dict(Counter(kinds)),
        messages=run.messages,
    )


# --- the audit -----------------------------------------------------------------------------------------
AUDIT_KEYS = (
    "conversations",
    "sent",
    "acknowledged",
    "stored",
    "lost",
    "duplicated",
    "duplicated_acknowledged",
    "duplicated_after_unacknowledged_resend",
    "duplicated_unacknowledged",
    "unacknowledged_stored",
    "unacknowledged_not_stored",
    "unmatched_stored",
)


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _allocate(group: Sequence[Message], available: int) -> list[int]:
    """How many of `available` stored copies of one text each message of `group` (same text, send
    order) gets: acknowledged ones first, then unacknowledged ones, then a re-sent message's second
    copy; anything left is a duplicate of an acknowledged message (else of the first)."""
    counts = [0] * len(group)
    passes = (
        [i for i, m in enumerate(group) if m.acknowledged],
        [i for i, m in enumerate(group) if not m.acknowledged],
        [i for i, m in enumerate(group) if m.attempts > 1],
    )
    for order in passes:
        for i in order:
            if available and (counts[i] == 0 or counts[i] < group[i].attempts):
                counts[i] += 1
                available -= 1
    if available:
        acknowledged = passes[0] or [0]
        counts[acknowledged[0]] += available
    return counts


def count_turns(messages: Sequence[Message], stored: dict[str, list[str]]) -> dict[str, Any]:
    """Compare the user turns stored per conversation (`stored`: conversation id -> texts in order)
    with the messages sent; totals and per channel (see the module docstring)."""
    totals: dict[str, Counter[str]] = {"total": Counter(), **{c: Counter() for c in CHANNELS}}
    lost_examples: list[dict[str, Any]] = []
    by_conversation: dict[str, list[Message]] = {}
    for message in messages:
        by_conversation.setdefault(message.conversation_id, []).append(message)
    for conversation, sent in by_conversation.items():
        texts = Counter(normalise(t) for t in stored.get(conversation, []))
        channel = sent[0].channel
        tally = Counter({"conversations": 1})
        groups: dict[str, list[Message]] = {}
        for message in sent:
            groups.setdefault(normalise(message.text), []).append(message)
        matched = 0
        for text, group in groups.items():
            available = texts.get(text, 0)
            counts = _allocate(group, available)
            matched += available
            for message, copies in zip(group, counts, strict=True):
                tally["sent"] += 1
                tally["acknowledged"] += message.acknowledged
                tally["stored"] += copies
                if message.acknowledged and copies == 0:
                    tally["lost"] += 1
                    if len(lost_examples) < 5:
                        lost_examples.append(
                            {"channel": channel, "kind": message.kind, "marker": message.marker}
                        )
                if not message.acknowledged:
                    tally["unacknowledged_stored" if copies else "unacknowledged_not_stored"] += 1
                if copies > 1:
                    tally["duplicated"] += 1
                    if copies <= message.attempts:
                        tally["duplicated_after_unacknowledged_resend"] += 1
                    elif message.acknowledged:
                        tally["duplicated_acknowledged"] += 1
                    else:
                        tally["duplicated_unacknowledged"] += 1
        tally["unmatched_stored"] += sum(texts.values()) - matched
        totals["total"].update(tally)
        totals[channel].update(tally)
    report: dict[str, Any] = {key: totals["total"][key] for key in AUDIT_KEYS}
    report["by_channel"] = {c: {key: totals[c][key] for key in AUDIT_KEYS} for c in CHANNELS}
    report["lost_examples"] = lost_examples
    return report


def user_turns(events: Iterable[Any], since: float | None = None) -> list[str]:
    """The texts of the user events among a conversation's stored events (from `since` on)."""
    texts = []
    for event in events:
        if event.type_name != "user":
            continue
        stamp = event.data.get("timestamp")
        if since is not None and isinstance(stamp, (int, float)) and stamp < since:
            continue
        text = event.data.get("text")
        texts.append(text if isinstance(text, str) else "")
    return texts


def audit_turns(result: LoadResult, tracker_store_url: str) -> dict[str, Any]:
    """Read the conversation store and count lost / duplicated / unacknowledged-but-stored turns of
    every conversation the run used (user events stored since a minute before the run)."""
    from core.store.conversations.events import ConversationReader
    from core.store.database import Database

    reader = ConversationReader(Database(tracker_store_url, timeout_s=60))
    ids = sorted({m.conversation_id for m in result.messages})
    since = result.started_at - 60
    stored: dict[str, list[str]] = {}
    try:
        for start in range(0, len(ids), 200):
            found = reader.events_for_many(ids[start : start + 200])
            stored.update({cid: user_turns(events, since) for cid, events in found.items()})
    finally:
        reader.close()
    return count_turns(result.messages, stored)


# --- the CLI ---------------------------------------------------------------------------------------------
async def warm_up(target: LoadTarget, messages: int) -> None:
    """A few FAQ questions through the proxy (not measured), so the first loads are not counted."""
    async with aiohttp.ClientSession(connector=_connector("127.0.0.1")) as http:
        for i in range(messages):
            body = {"sender": f"warm-{uuid.uuid4().hex}", "message": FAQ_QUESTIONS[i % len(FAQ_QUESTIONS)]}
            await rest_attempt(http, target.url, body)


def measure(target: LoadTarget, args: argparse.Namespace, audit_url: str | None) -> dict[str, Any]:
    asyncio.run(warm_up(target, args.warmup))
    result = asyncio.run(run_load(target, args.citizens, args.duration, args.seed))
    if args.records:
        with Path(args.records).open("a", encoding="utf-8") as out:
            for message in result.messages:
                out.write(json.dumps(asdict(message), ensure_ascii=False) + "\n")
    measured: dict[str, Any] = {"load": result.summary()}
    if audit_url:
        time.sleep(args.settle)  # SMS still in the inbox: stored late, counted as unacknowledged_stored
        measured["audit"] = audit_turns(result, audit_url)
    else:
        measured["audit"] = "skipped: no TRACKER_STORE_URL"
    return measured


def run_on_cluster(processes: int, args: argparse.Namespace) -> dict[str, Any]:
    from tests.support.cluster import running_cluster
    from tests.support.databases import find_pg_admin_url

    admin_url = find_pg_admin_url()
    if admin_url is None:
        raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432 as postgres or root.")
    with tempfile.TemporaryDirectory(prefix=f"cluster-load-{processes}-") as tmp:
        print(f"Starting a cluster of {processes} Rasa server(s) ...", file=sys.stderr, flush=True)
        with running_cluster(Path(tmp), admin_url, processes, tuple(args.redis_dbs)) as cluster:
            target = target_from_cluster(cluster)
            print(f"Load: {args.citizens} citizens for {args.duration} s ...", file=sys.stderr, flush=True)
            return {"processes": processes, **measure(target, args, target.tracker_store_url)}


def factors(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Throughput and p95 of each process count over the first one's."""
    if len(runs) < 2:
        return {}
    base = runs[0]
    found: dict[str, Any] = {}
    for run in runs[1:]:
        name = f"{run['processes']}_over_{base['processes']}"
        throughput = base["load"]["throughput_per_s"]
        p95, base_p95 = (
            run["load"]["latency_ms"]["overall"]["p95_ms"],
            base["load"]["latency_ms"]["overall"]["p95_ms"],
        )
        found[name] = {
            "throughput": round(run["load"]["throughput_per_s"] / throughput, 2) if throughput else None,
            "p95": round(p95 / base_p95, 2) if p95 and base_p95 else None,
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="Rasa servers per cluster")
    parser.add_argument("--redis-dbs", type=int, nargs=2, default=[9, 10], help="lock and counter Redis dbs")
    parser.add_argument("--url", help="a running `make run-cluster`'s proxy, e.g. http://localhost:5005")
    parser.add_argument("--simulator", help="its gateway simulator (default http://127.0.0.1:$SMS_DEMO_PORT)")
    parser.add_argument("--warmup", type=int, default=8, help="unmeasured FAQ questions first")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before the audit reads the store")
    parser.add_argument("--records", help="append every message as a JSON line to this file")
    args = parser.parse_args()
    if args.url:
        target = target_from_environment(args.url, args.simulator)
        document: dict[str, Any] = {"url": target.url, **measure(target, args, target.tracker_store_url)}
    else:
        runs = [run_on_cluster(processes, args) for processes in args.processes]
        for run in runs:
            print(
                json.dumps({"processes": run["processes"], **run["load"]}, ensure_ascii=False),
                file=sys.stderr,
            )
        document = {"cores": os.cpu_count(), "runs": runs, "factors": factors(runs)}
    print(json.dumps(document, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
