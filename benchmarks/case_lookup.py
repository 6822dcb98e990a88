"""Benchmark: next-meeting lookups against a PostgreSQL case database of realistic size.

Owns a throw-away database only: it creates `moedeklar_bench_<random>` on the local PostgreSQL
server (127.0.0.1:5432, trust auth, user `postgres` or else `root`), migrates it with
`core.store.schema.migrate`, bulk-loads 10,000 citizens (1 case each, 5 meetings each = 50,000
meetings, spread from 180 days ago to 180 days ahead) with SQLAlchemy Core executemany inserts,
runs ANALYZE, and always drops the database again, also after an error. It never touches the
bot's own case database.

What it measures, for 2,000 random citizens, one call at a time (50 warm-up calls first, not
measured):
  - repository: `call(CaseRepository(Database(url)).next_meeting, citizen_id, now)`, i.e. one query through
    the repository's thread pool and timeout;
  - action: the whole `action_next_meeting` run in-process (`ActionNextMeeting().run` with a
    rasa_sdk Tracker carrying verified identity metadata and a CollectingDispatcher): identity
    check, citizen lookup, next-meeting query and the Danish reply text. No HTTP, no Rasa server.
It also runs EXPLAIN ANALYZE once on the exact SQL the repository sends for the next meeting and
says whether the plan uses the (citizen_id, starts_at) index. Results are printed as JSON.

Run (light: about 10 seconds on 2 cores, mostly the data load and the 4,100 timed calls):

  cd /work/main && PYTHONPATH=. .venv/bin/python benchmarks/case_lookup.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import sys
import time
from datetime import date, datetime, timedelta
from typing import Any, Awaitable, Callable, Iterator

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from actions.cases import ActionNextMeeting, say
from benchmarks.timing import summary as timing_summary
from core.clock import utc_now
from core.settings import get_settings
from core.store.cases.repository import CaseRepository
from core.store.cases.tables import Case, Caseworker, Citizen, Meeting
from core.store.database import Database, reset_database
from core.store.engine import make_engine
from core.store.schema import migrate
from core.vocabulary import CASE_KIND_RESSOURCEFORLOEB, MEETING_KINDS, STATUS_IGANGVAERENDE

HOST = "127.0.0.1"
PORT = 5432
ADMIN_USERS = ("postgres", "root")
CITIZENS = 10_000
MEETINGS_PER_CITIZEN = 5
CASEWORKERS = 50
SAMPLES = 2_000
WARMUP = 50
BATCH = 5_000
SPREAD_DAYS = 180
SEED = 20261123
INDEX_NAME = "ix_meetings_citizen_id_starts_at"
TARGET_ACTION_P95_MS = 20.0


# --- Server and database lifecycle ----------------------------------------------------------
def server_url(user: str, database: str) -> str:
    return f"postgresql+psycopg2://{user}@{HOST}:{PORT}/{database}"


def admin_engine() -> tuple[Engine, str]:
    """An AUTOCOMMIT engine on the `postgres` database, with the first user that can log in."""
    for user in ADMIN_USERS:
        engine = create_engine(
            server_url(user, "postgres"),
            future=True,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 5},
        )
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError:
            engine.dispose()
            continue
        return engine, user
    raise SystemExit(f"No PostgreSQL login on {HOST}:{PORT} as any of {ADMIN_USERS}")


def create_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))


def drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- Synthetic data --------------------------------------------------------------------------
def citizen_id(index: int) -> str:
    return f"bench-{index:05d}"


def batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start : start + BATCH]


def caseworker_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "identity_key": f"email:sagsbehandler{n}@kommune.example",
            "name": f"Sagsbehandler {n}",
            "phone": None,
            "email": f"sagsbehandler{n}@kommune.example",
        }
        for n in range(1, CASEWORKERS + 1)
    ]


def citizen_rows() -> list[dict[str, Any]]:
    return [{"id": citizen_id(i), "name": f"Borger {i}", "phone": None} for i in range(CITIZENS)]


def case_rows(rng: random.Random, today: date) -> list[dict[str, Any]]:
    return [
        {
            "id": f"case-{i:05d}",
            "citizen_id": citizen_id(i),
            "kind": CASE_KIND_RESSOURCEFORLOEB,
            "status": STATUS_IGANGVAERENDE,
            "opened_on": today - timedelta(days=rng.randint(30, 700)),
            "ends_on": None,
            "caseworker_id": rng.randint(1, CASEWORKERS),
        }
        for i in range(CITIZENS)
    ]


def meeting_rows(rng: random.Random, now: datetime) -> list[dict[str, Any]]:
    rows = []
    spread_minutes = SPREAD_DAYS * 24 * 60
    for i in range(CITIZENS):
        for m in range(MEETINGS_PER_CITIZEN):
            starts_at = now + timedelta(minutes=rng.randint(-spread_minutes, spread_minutes))
            rows.append(
                {
                    "id": f"meeting-{i:05d}-{m}",
                    "citizen_id": citizen_id(i),
                    "kind": rng.choice(MEETING_KINDS),
                    "starts_at": starts_at.replace(second=0, microsecond=0),
                    "location": "Jobcentret, mødelokale 2",
                    "online": rng.random() < 0.2,
                    "participants": ["sagsbehandler", "sundhedskoordinator"],
                }
            )
    return rows


def load(url: str, now: datetime) -> dict[str, float]:
    """Bulk-insert everything in one transaction, then ANALYZE; returns the seconds taken."""
    rng = random.Random(SEED)
    tables = [
        (Caseworker.__table__, caseworker_rows()),
        (Citizen.__table__, citizen_rows()),
        (Case.__table__, case_rows(rng, now.date())),
        (Meeting.__table__, meeting_rows(rng, now)),
    ]
    engine = make_engine(url)
    try:
        start = time.perf_counter()
        with engine.begin() as connection:
            for table, rows in tables:
                for chunk in batches(rows):
                    connection.execute(table.insert(), chunk)
        loaded = time.perf_counter() - start
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
        return {"load_s": round(loaded, 2), "analyze_s": round(time.perf_counter() - start - loaded, 2)}
    finally:
        engine.dispose()


def future_share(url: str, now: datetime) -> float:
    """Share of citizens with at least one meeting after `now` (the rest get NO_MEETINGS)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            count = connection.execute(
                text("SELECT count(DISTINCT citizen_id) FROM meetings WHERE starts_at > :now"),
                {"now": now},
            ).scalar_one()
        return round(count / CITIZENS, 3)
    finally:
        engine.dispose()


# --- EXPLAIN on the repository's own SQL -----------------------------------------------------
def capture_next_meeting_sql(url: str, sample_id: str, now: datetime) -> tuple[str, Any]:
    """The statement and parameters `CaseRepository.next_meeting` sends to the server."""
    seen: list[tuple[str, Any]] = []

    def remember(_conn: Connection, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM meetings" in statement:
            seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", remember)
    database = Database(url)
    try:
        CaseRepository(database).next_meeting(sample_id, now)
    finally:
        event.remove(Engine, "before_cursor_execute", remember)
        database.close()
    if not seen:
        raise RuntimeError("the repository sent no query on the meetings table")
    return seen[-1]


def explain_next_meeting(url: str, sample_id: str, now: datetime) -> dict[str, Any]:
    statement, parameters = capture_next_meeting_sql(url, sample_id, now)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = [row[0] for row in rows]
    finally:
        engine.dispose()
    return {"uses_citizen_starts_at_index": any(INDEX_NAME in line for line in plan), "plan": plan}


# --- Timing ----------------------------------------------------------------------------------
def summary(timings_ms: list[float]) -> dict[str, float]:
    return {"calls": len(timings_ms), **timing_summary(timings_ms)}


async def timed(call: Callable[[str], Awaitable[None]], warmup: list[str], ids: list[str]) -> list[float]:
    for cid in warmup:
        await call(cid)
    timings = []
    for cid in ids:
        start = time.perf_counter()
        await call(cid)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


async def bench_repository(url: str, warmup: list[str], ids: list[str]) -> dict[str, float]:
    database = Database(url)
    repo = CaseRepository(database)

    async def call(cid: str) -> None:
        await call(repo.next_meeting, cid, utc_now())

    try:
        return summary(await timed(call, warmup, ids))
    finally:
        database.close()


def tracker_for(cid: str) -> Tracker:
    latest = {"text": "hvornår er mit næste møde", "metadata": {"identity": {"citizen_id": cid}}}
    return Tracker(cid, {}, latest, [], False, None, {}, "action_listen")


def first_text(dispatcher: CollectingDispatcher) -> str:
    texts = [m.get("text") for m in dispatcher.messages if m.get("text")]
    return texts[0] if texts else ""


async def bench_action(url: str, warmup: list[str], ids: list[str]) -> dict[str, Any]:
    """The full action, with the process-wide repository pointed at the bench database."""
    previous = os.environ.get("CASES_DB_URL")
    os.environ["CASES_DB_URL"] = url
    get_settings.cache_clear()
    reset_database()
    action = ActionNextMeeting()
    outcomes = {"meeting": 0, "no_meetings": 0}

    async def call(cid: str) -> None:
        dispatcher = CollectingDispatcher()
        await action.run(dispatcher, tracker_for(cid), domain={})
        reply = first_text(dispatcher)
        if reply.startswith("Dit næste møde"):
            outcomes["meeting"] += 1
        elif reply == say("no_meetings"):
            outcomes["no_meetings"] += 1
        else:
            unavailable = " (database unavailable)" if reply == say("data_unavailable") else ""
            raise RuntimeError(f"unexpected reply{unavailable}: {reply[:80]!r}")

    try:
        result: dict[str, Any] = summary(await timed(call, warmup, ids))
    finally:
        reset_database()
        if previous is None:
            os.environ.pop("CASES_DB_URL", None)
        else:
            os.environ["CASES_DB_URL"] = previous
        get_settings.cache_clear()
    result["replies"] = outcomes  # includes the warm-up calls
    return result


# --- Main ------------------------------------------------------------------------------------
def run(user: str, name: str) -> dict[str, Any]:
    url = server_url(user, name)
    now = utc_now()
    migrate(url)
    load_times = load(url, now)
    rng = random.Random(SEED + 1)
    warmup = [citizen_id(rng.randrange(CITIZENS)) for _ in range(WARMUP)]
    ids = [citizen_id(rng.randrange(CITIZENS)) for _ in range(SAMPLES)]
    explain = explain_next_meeting(url, ids[0], now)
    repo_result = asyncio.run(bench_repository(url, warmup, ids))
    action_result = asyncio.run(bench_action(url, warmup, ids))
    return {
        "database": {
            "server": f"{HOST}:{PORT}",
            "citizens": CITIZENS,
            "cases": CITIZENS,
            "meetings": CITIZENS * MEETINGS_PER_CITIZEN,
            "share_with_future_meeting": future_share(url, now),
            **load_times,
        },
        "explain_next_meeting": explain,
        "repository_anext_meeting": repo_result,
        "action_next_meeting": action_result,
        "target": {
            "action_p95_ms": TARGET_ACTION_P95_MS,
            "met": action_result["p95_ms"] < TARGET_ACTION_P95_MS,
        },
    }


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
