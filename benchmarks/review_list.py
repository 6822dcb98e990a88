"""Benchmark: the review app's conversation list and search over 100,000 conversations in PostgreSQL.

Owns a throw-away database only (`moedeklar_bench_<random>` on the local PostgreSQL, dropped again
afterwards, also after an error). In it:
  1. the case data of `benchmarks/case_lookup.py` (10,000 citizens, 50 caseworkers, 50,000 meetings);
  2. Rasa's `events` table, created by the project's real tracker store class, filled with 100,000
     generated conversations (3-12 events each, about 0.9 million rows) spread over the last year:
     citizens' messages drawn from the project's own training examples, a third of them from
     verified citizens, a tenth over SMS, some unsure, hand-offs and crisis words;
  3. the review index, built by the real indexer (`ConversationIndexer.catch_up_all`; timed).
Then the review app runs in-process (aiohttp test server, signed in through /login as an
administrator and as a caseworker with about 200 citizens) and every measured request is a real
HTTP GET of a list page: query, rendering, index catch-up and the audit row. 30 warm-up requests,
then SAMPLES per scenario. Results are printed as JSON (p50/p95/p99/max in ms).

Run (about 6-8 minutes on 2 cores, mostly generating and indexing):

  cd /work/main && PYTHONPATH=. .venv/bin/python benchmarks/review_list.py
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import secrets
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text

from benchmarks.case_lookup import (
    CASEWORKERS,
    CITIZENS,
    admin_engine,
    create_database,
    drop_database,
    load,
    server_url,
)
from benchmarks.timing import summary
from bot.review.app import create_app
from bot.review.config import ReviewConfig
from core.clock import utc_now
from core.passwords import hash_password
from core.store.conversations.events import EVENTS
from core.store.engine import make_engine
from core.store.review.store import ReviewStore
from core.store.schema import migrate

CONVERSATIONS = 100_000
SAMPLES = 200
WARMUP = 30
BATCH = 20_000
SEED = 20261129
TARGET_P95_MS = 200.0
PASSWORD = "benchmark-adgangskode"
REPO = Path(__file__).resolve().parents[1]
CONFIG = ReviewConfig("127.0.0.1", 0, False, timedelta(hours=2), 1000, timedelta(minutes=1), False)
SCENARIOS = {
    "admin: newest first, page 1": ("admin", "/"),
    "admin: page 40": ("admin", "/?side=40"),
    "admin: unsure + web, last 30 days": ("admin", "/?flag=unsure&kanal=web&fra={month_ago}"),
    "admin: hand-off + identified": ("admin", "/?flag=handoff&identitet=ja"),
    "admin: note shared": ("admin", "/?flag=note"),
    "admin: search a common word (møde)": ("admin", "/?q=møde"),
    "admin: search two words (tolk møde)": ("admin", "/?q=tolk+møde"),
    "admin: search a rare word (partshøring)": ("admin", "/?q=partshøring"),
    "admin: search a word no one wrote (xylofon)": ("admin", "/?q=xylofon"),
    "caseworker: own + anonymous, page 1": ("sagsbehandler1", "/"),
    "caseworker: search (ydelse)": ("sagsbehandler1", "/?q=ydelse"),
}


def training_examples() -> list[tuple[str, str]]:
    """(intent or faq topic, example) from data/nlu: real citizen-style sentences."""
    found: list[tuple[str, str]] = []
    for path in sorted((REPO / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if isinstance(block, dict) and isinstance(block.get("examples"), str) and block.get("intent"):
                for line in block["examples"].splitlines():
                    example = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip().lstrip("- ").strip())
                    if example:
                        found.append((str(block["intent"]), example))
    return found


def conversation_events(
    rng: random.Random, number: int, examples: list[tuple[str, str]], now: float
) -> list[dict]:
    sms = rng.random() < 0.1
    sender = f"sms:bench{number:06d}" if sms else f"rest:bench-{number:06d}"
    start = now - rng.uniform(0, 365 * 86400)
    citizen = f"c-{rng.randrange(CITIZENS):05d}" if rng.random() < 0.33 else None
    rows = [
        {
            "sender_id": sender,
            "type_name": "action",
            "timestamp": start,
            "intent_name": None,
            "action_name": "action_session_start",
            "data": json.dumps({"event": "action", "name": "action_session_start", "timestamp": start}),
        }
    ]
    at = start
    for _ in range(rng.randint(1, 4)):
        at += rng.uniform(5, 90)
        roll = rng.random()
        intent, example = rng.choice(examples)
        if roll < 0.06:
            intent, example = "nlu_fallback", "jeg forstår ikke helt " + example
        elif roll < 0.09:
            intent, example = "human_handoff", "kan jeg tale med en rigtig person"
        elif roll < 0.095:
            intent, example = "crisis", "jeg kan ikke mere"
        name, topic = (intent.split("/")[0], intent) if intent.startswith("faq/") else (intent, None)
        parse: dict[str, Any] = {
            "intent": {"name": name, "confidence": round(rng.uniform(0.3, 1.0), 3)},
            "text": example,
        }
        if topic:
            parse["response_selector"] = {
                "faq": {"response": {"intent_response_key": topic, "confidence": 0.8}}
            }
        metadata = {"identity": {"citizen_id": citizen, "via": "mitid"}} if citizen else {}
        user = {
            "event": "user",
            "timestamp": at,
            "text": example,
            "parse_data": parse,
            "input_channel": "gatewayapi" if sms else "rest",
            "metadata": metadata,
        }
        rows.append(
            {
                "sender_id": sender,
                "type_name": "user",
                "timestamp": at,
                "intent_name": name,
                "action_name": None,
                "data": json.dumps(user, ensure_ascii=False),
            }
        )
        if name == "nlu_fallback":
            rows.append(
                {
                    "sender_id": sender,
                    "type_name": "action",
                    "timestamp": at + 0.1,
                    "intent_name": None,
                    "action_name": "utter_please_rephrase",
                    "data": json.dumps(
                        {"event": "action", "name": "utter_please_rephrase", "timestamp": at + 0.1}
                    ),
                }
            )
        bot = {"event": "bot", "timestamp": at + 0.2, "text": "Et svar fra Mødeklar.", "data": {}}
        rows.append(
            {
                "sender_id": sender,
                "type_name": "bot",
                "timestamp": at + 0.2,
                "intent_name": None,
                "action_name": None,
                "data": json.dumps(bot, ensure_ascii=False),
            }
        )
    return rows


def fill_events(url: str) -> dict[str, float]:
    from rasa.shared.core.domain import Domain

    from bot.rasa_plugins.tracker_store import MaskingSQLTrackerStore

    started = time.perf_counter()
    store = MaskingSQLTrackerStore(domain=Domain.load(str(REPO / "domain.yml")), host=url)  # creates `events`
    store.engine.dispose()
    rng, examples, now = random.Random(SEED), training_examples(), utc_now().timestamp()
    engine = make_engine(url)
    total = 0
    try:
        pending: list[dict] = []
        with engine.begin() as connection:
            for number in range(CONVERSATIONS):
                pending.extend(conversation_events(rng, number, examples, now))
                if len(pending) >= BATCH:
                    connection.execute(EVENTS.insert(), pending)
                    total += len(pending)
                    pending = []
            if pending:
                connection.execute(EVENTS.insert(), pending)
                total += len(pending)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE events"))
    finally:
        engine.dispose()
    return {"events": total, "events_load_s": round(time.perf_counter() - started, 1)}


async def measure(store: ReviewStore) -> dict[str, Any]:
    client = TestClient(TestServer(create_app(CONFIG, store)))
    await client.start_server()
    results: dict[str, Any] = {}
    try:
        signed: dict[str, TestClient] = {}
        for username in ("admin", "sagsbehandler1"):
            browser = TestClient(client.server)
            await browser.start_server()
            page = await (await browser.get("/login")).text()
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            response = await browser.post(
                "/login", data={"csrf_token": token, "username": username, "password": PASSWORD}
            )
            assert response.status == 200, await response.text()
            signed[username] = browser
        month_ago = (utc_now() - timedelta(days=30)).date().isoformat()
        for name, (username, path) in SCENARIOS.items():
            browser, url = signed[username], path.format(month_ago=month_ago)
            for _ in range(WARMUP):
                await (await browser.get(url)).read()
            timings, rows = [], 0
            for _ in range(SAMPLES):
                start = time.perf_counter()
                response = await browser.get(url)
                body = await response.text()
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status == 200, body[-300:]
                rows = body.count('href="/samtale/')
            results[name] = {
                **summary(timings),
                "rows_on_page": rows,
                "p95_under_target": summary(timings)["p95_ms"] < TARGET_P95_MS,
            }
        for browser in signed.values():
            await browser.close()
    finally:
        await client.close()
    return results


NEWEST_SQL = "EXPLAIN SELECT id FROM review_conversations ORDER BY started_at DESC, id DESC LIMIT 51"
SEARCH_SQL = (
    "EXPLAIN SELECT id FROM review_conversations WHERE citizen_tsv "
    "@@ to_tsquery('danish', 'partshøring:*') ORDER BY started_at DESC LIMIT 51"
)


def explain(url: str) -> dict[str, bool]:
    """Whether PostgreSQL uses the review indexes for the newest-first page and the search."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            newest = "\n".join(row[0] for row in connection.execute(text(NEWEST_SQL)))
            search = "\n".join(row[0] for row in connection.execute(text(SEARCH_SQL)))
    finally:
        engine.dispose()
    return {
        "newest_first_uses_started_at_index": "ix_review_conversations_started_at" in newest,
        "search_uses_fts_index": "ix_review_conversations_search" in search,
    }


def run(user: str, name: str) -> dict[str, Any]:
    url = server_url(user, name)
    migrate(url)
    result: dict[str, Any] = {
        "database": {
            "name": name,
            "conversations": CONVERSATIONS,
            "citizens": CITIZENS,
            "caseworkers": CASEWORKERS,
        }
    }
    result["database"].update(load(url, datetime.now(timezone.utc)))
    result["database"].update(fill_events(url))
    store = ReviewStore(url, url)
    try:
        hashed = hash_password(PASSWORD)
        store.accounts.create("admin", "admin", None, hashed, utc_now())
        store.accounts.create(
            "sagsbehandler1", "caseworker", "sagsbehandler1@kommune.example", hashed, utc_now()
        )
        started = time.perf_counter()
        indexed = store.indexer.catch_up_all()
        result["index"] = {"conversations": indexed, "seconds": round(time.perf_counter() - started, 1)}
        engine = make_engine(url)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
        engine.dispose()
        result["plans"] = explain(url)
        result["requests"] = asyncio.run(measure(store))
    finally:
        store.close()
    return result


def main() -> int:
    admin, user = admin_engine()
    name = f"moedeklar_bench_{secrets.token_hex(4)}"
    try:
        create_database(admin, name)
        try:
            result = run(user, name)
        finally:
            drop_database(admin, name)
    finally:
        admin.dispose()
    result["database"]["dropped"] = True
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
