"""Integration tests for the case database: migrations, import, repository, CLI.

Every test that takes `db_url`/`empty_db_url` runs on a real SQLite file and on a real
PostgreSQL database (see conftest.py). Nothing here mocks the database.
"""

from __future__ import annotations

import asyncio
import copy
import io
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.tools.case_file import load_file, to_bundles
from bot.tools.cli import tokens as token_command
from bot.tools.cli.case_data import run_import, run_seed_demo
from bot.tools.cli.exit_codes import EXIT_INVALID, EXIT_OK
from bot.tools.cli.tokens import run_demo_token
from core.demo_data import DEMO_ANCHOR, DEMO_FILE, demo_shift_weeks
from core.records import CaseworkerRecord
from core.settings import REPO_ROOT
from core.store.cases.importer import CaseWriter
from core.store.cases.repository import CaseRepository
from core.store.database import Database, call, get_database
from core.store.engine import make_engine
from core.store.errors import StoreUnavailable
from core.store.schema import migrate, schema_revision
from core.store.tables import Base
from core.vocabulary import (
    CASE_KINDS,
    CASE_STATUSES,
    MEETING_KINDS,
    STATUS_AFSLUTTET,
    STATUS_AFVENTER_AFGOERELSE,
    STATUS_IGANGVAERENDE,
)
from tests.support.databases import exclusive_lock

# The newest migration in migrations/versions/ (0006 adds a shared note's language and the
# citizen's own rendering of it).
HEAD_REVISION = "0006"

UTC = timezone.utc
CPH = ZoneInfo("Europe/Copenhagen")
MakeRepo = Callable[..., CaseRepository]
WriteJson = Callable[..., Path]


# --- Test data -----------------------------------------------------------------------------
def caseworker(name: str = "Mette Holm", email: str | None = "mh@kommune.example") -> dict[str, Any]:
    return {"name": name, "phone": "+4570112233", "email": email}


def sample_document() -> dict[str, Any]:
    """Three citizens; c-2 has an OLDER open case and a NEWER closed one; meetings out of order."""
    return {
        "citizens": [
            {
                "id": "c-1",
                "name": "Anna Jensen",
                "phone": "+45 20 12 34 56",
                "cases": [
                    {
                        "id": "RF-1",
                        "kind": "ressourceforløb",
                        "status": "igangværende",
                        "opened_on": "2025-03-01",
                        "ends_on": "2028-02-28",
                        "caseworker": caseworker(),
                    }
                ],
                "meetings": [
                    {
                        "id": "M-after-switch",
                        "kind": "opfølgningssamtale",
                        "starts_at": "2027-03-30T10:00:00+02:00",
                        "location": "Jobcentret",
                        "online": False,
                        "participants": ["Mette Holm (koordinerende sagsbehandler)"],
                    },
                    {
                        "id": "M-winter",
                        "kind": "rehabiliteringsteam",
                        "starts_at": "2026-12-08T10:00:00+01:00",
                        "location": "Jobcentret, lokale 2.14",
                        "online": False,
                        "participants": ["Mette Holm (koordinerende sagsbehandler)", "sundhedskoordinator"],
                    },
                    {
                        "id": "M-past",
                        "kind": "opfølgningssamtale",
                        "starts_at": "2026-10-13T09:00:00+02:00",
                        "location": "Jobcentret",
                        "online": False,
                        "participants": [],
                    },
                    {
                        "id": "M-before-switch",
                        "kind": "tværfagligt møde",
                        "starts_at": "2027-03-25T10:00:00+01:00",
                        "location": None,
                        "online": True,
                        "participants": ["Mette Holm"],
                    },
                    {
                        "id": "M-april",
                        "kind": "opfølgningssamtale",
                        "starts_at": "2027-04-06T09:00:00+02:00",
                        "location": "Jobcentret",
                        "online": False,
                        "participants": [],
                    },
                ],
            },
            {
                "id": "c-2",
                "name": "Jonas Nielsen",
                "phone": "+4522334455",
                "cases": [
                    {
                        "id": "JA-OLD-OPEN",
                        "kind": "jobafklaringsforløb",
                        "status": "afventer afgørelse",
                        "opened_on": "2024-01-01",
                        "ends_on": None,
                        "caseworker": caseworker("Sara Lund", "sl@kommune.example"),
                    },
                    {
                        "id": "RF-NEW-CLOSED",
                        "kind": "ressourceforløb",
                        "status": "afsluttet",
                        "opened_on": "2025-01-01",
                        "ends_on": "2025-12-31",
                        "caseworker": {"name": "Peter Dahl", "phone": "+4570112255", "email": None},
                    },
                ],
                "meetings": [],
            },
            {
                "id": "c-3",
                "name": "Karen Sørensen",
                "phone": "+4541223344",
                "cases": [
                    {
                        "id": "RF-C3-OLD",
                        "kind": "ressourceforløb",
                        "status": "afsluttet",
                        "opened_on": "2019-05-01",
                        "ends_on": "2021-05-01",
                        "caseworker": caseworker("Sara Lund", "SL@Kommune.example"),
                    },
                    {
                        "id": "RF-C3-NEW",
                        "kind": "ressourceforløb",
                        "status": "afsluttet",
                        "opened_on": "2022-01-10",
                        "ends_on": "2024-12-31",
                        "caseworker": {"name": "Peter Dahl", "phone": "+4570112255", "email": None},
                    },
                ],
            },
        ]
    }


def import_ok(path: Path, url: str) -> list[str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_import(path, url, out, err)
    assert code == EXIT_OK, err.getvalue()
    return out.getvalue().splitlines()


def count_citizens(url: str) -> int:
    return CaseWriter(url).count_citizens()


# --- Migrations ----------------------------------------------------------------------------
def test_migration_from_empty_creates_tables_and_indexes(empty_db_url: str) -> None:
    assert schema_revision(empty_db_url) is None
    migrate(empty_db_url)
    migrate(empty_db_url)  # a second upgrade is a no-op
    assert schema_revision(empty_db_url) == HEAD_REVISION
    engine = make_engine(empty_db_url)
    try:
        inspector = inspect(engine)
        assert {"citizens", "caseworkers", "cases", "meetings", "shared_notes", "alembic_version"} <= set(
            inspector.get_table_names()
        )
        indexes = {
            (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
            for table in ("citizens", "caseworkers", "cases", "meetings")
            for ix in inspector.get_indexes(table)
        }
        assert ("ix_citizens_phone", ("phone",), True) in indexes
        assert ("ix_caseworkers_identity_key", ("identity_key",), True) in indexes
        assert ("ix_cases_citizen_id_opened_on", ("citizen_id", "opened_on"), False) in indexes
        assert ("ix_meetings_citizen_id_starts_at", ("citizen_id", "starts_at"), False) in indexes
        shared = {(ix["name"], bool(ix["unique"])) for ix in inspector.get_indexes("shared_notes")}
        assert ("ix_shared_notes_meeting_id", True) in shared
        assert inspector.get_pk_constraint("citizens")["constrained_columns"] == ["id"]
    finally:
        engine.dispose()


def test_models_match_the_migrations(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_migrate_creates_the_sqlite_folder_and_works_from_any_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'deep' / 'var' / 'cases.db'}"
    migrate(url)
    assert (tmp_path / "deep" / "var" / "cases.db").is_file()
    assert schema_revision(url) == HEAD_REVISION


# --- Import ----------------------------------------------------------------------------------
def test_import_valid_file(db_url: str, write_json: WriteJson, make_repo: MakeRepo) -> None:
    lines = import_ok(write_json(sample_document()), db_url)
    assert "borgere: 3 oprettet, 0 opdateret, 0 uændret" in lines
    # Sara Lund twice (e-mail differs only in case), Mette Holm, Peter Dahl twice (name+phone).
    assert "sagsbehandlere: 3 oprettet, 0 opdateret, 0 uændret" in lines
    assert "sager: 5 oprettet, 0 opdateret, 0 uændret" in lines
    assert "møder: 5 oprettet, 0 opdateret, 0 uændret" in lines

    repo = make_repo()
    anna = repo.get_citizen("c-1")
    assert anna is not None and anna.name == "Anna Jensen"
    assert anna.phone == "+4520123456"  # normalised to E.164
    meeting = repo.next_meeting("c-1", datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert meeting is not None and meeting.id == "M-winter"
    assert meeting.starts_at == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert meeting.starts_at.utcoffset() == timedelta(0)
    assert meeting.participants == ("Mette Holm (koordinerende sagsbehandler)", "sundhedskoordinator")
    assert meeting.online is False and meeting.location == "Jobcentret, lokale 2.14"
    assert repo.get_citizen("c-404") is None


def test_invalid_file_reports_every_problem_with_its_path_and_writes_nothing(
    db_url: str, write_json: WriteJson
) -> None:
    document = sample_document()
    citizens = document["citizens"]
    citizens[0]["meetings"][1]["starts_at"] = "2026-12-08T10:00:00"  # naive
    citizens[0]["meetings"][2]["online"] = "nej"
    citizens[0]["meetings"][3]["kind"] = "kaffemøde"
    citizens[0]["nickname"] = "Anna"  # extra field
    citizens[1]["phone"] = "12"
    citizens[1]["cases"][0]["status"] = "åben"
    citizens[1]["cases"][1]["opened_on"] = "01-01-2025"
    citizens[2]["cases"][1]["ends_on"] = "2021-01-01"  # before opened_on
    citizens[2]["cases"][1]["caseworker"] = {"name": "Uden Kontakt"}
    del citizens[2]["name"]
    citizens.append(copy.deepcopy(citizens[0]))  # duplicate ids and phone
    citizens[3].pop("nickname")
    citizens[3]["meetings"][1]["starts_at"] = "2026-12-08T10:00:00+01:00"
    citizens[3]["meetings"][2]["online"] = False
    citizens[3]["meetings"][3]["kind"] = "tværfagligt møde"
    citizens[3]["cases"][0]["caseworker"]["name"] = "M. Holm"  # same e-mail, other details
    citizens.append("ikke et objekt")
    document["version"] = 2

    out, err = io.StringIO(), io.StringIO()
    assert run_import(write_json(document), db_url, out, err) == EXIT_INVALID
    report = err.getvalue()
    expected = [
        "$.version: ukendt felt (ikke tilladt)",
        "$.citizens[0].nickname: ukendt felt (ikke tilladt)",
        "$.citizens[0].meetings[1].starts_at: mangler tidszone (UTC-offset)",
        "$.citizens[0].meetings[2].online: skal være true eller false",
        '$.citizens[0].meetings[3].kind: ukendt ord "kaffemøde"; kendte ord:',
        "$.citizens[1].phone: ugyldigt telefonnummer",
        '$.citizens[1].cases[0].status: ukendt ord "åben"; kendte ord:',
        "tilføjes under import_words.case_statuses",
        "$.citizens[1].cases[1].opened_on: ugyldig dato (brug ÅÅÅÅ-MM-DD)",
        "$.citizens[2].name: mangler (feltet er påkrævet)",
        "$.citizens[2].cases[1].ends_on: slutdatoen ligger før startdatoen (opened_on)",
        "$.citizens[2].cases[1].caseworker: mangler både e-mail og telefonnummer",
        "$.citizens[3].id: samme id som $.citizens[0].id",
        "$.citizens[3].phone: samme telefonnummer som $.citizens[0].phone",
        "$.citizens[3].cases[0].id: samme id som $.citizens[0].cases[0].id",
        "$.citizens[3].cases[0].caseworker: samme sagsbehandler som $.citizens[0].cases[0].caseworker",
        "$.citizens[3].meetings[4].id: samme id som $.citizens[0].meetings[4].id",
        "$.citizens[4]: skal være et objekt",
    ]
    for line in expected:
        assert line in report, f"missing {line!r} in:\n{report}"
    assert "Intet er skrevet til databasen" in report
    assert out.getvalue() == ""
    assert count_citizens(db_url) == 0


def test_invalid_file_does_not_even_create_the_database(tmp_path: Path, write_json: WriteJson) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'cases.db'}"
    out, err = io.StringIO(), io.StringIO()
    assert run_import(write_json({"citizens": [{"id": "c-1"}]}), url, out, err) == EXIT_INVALID
    assert "$.citizens[0].name: mangler (feltet er påkrævet)" in err.getvalue()
    assert not (tmp_path / "var").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "$: ugyldig JSON (linje 1, kolonne 2)"),
        ("[]", '$: skal være et JSON-objekt med feltet "citizens"'),
        ('{"citizens": {}}', "$.citizens: skal være en liste"),
        ("{}", "$.citizens: mangler (feltet er påkrævet)"),
    ],
)
def test_malformed_files_are_reported(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    _, problems = load_file(path)
    assert any(str(p).startswith(message) for p in problems), problems


def test_rerun_is_idempotent_and_changes_are_counted(db_url: str, write_json: WriteJson) -> None:
    document = sample_document()
    import_ok(write_json(document), db_url)
    lines = import_ok(write_json(document), db_url)
    assert lines[1:] == [
        "borgere: 0 oprettet, 0 opdateret, 3 uændret",
        "sagsbehandlere: 0 oprettet, 0 opdateret, 3 uændret",
        "sager: 0 oprettet, 0 opdateret, 5 uændret",
        "møder: 0 oprettet, 0 opdateret, 5 uændret",
    ]
    document["citizens"][0]["meetings"][1]["starts_at"] = "2026-12-08T11:00:00+01:00"
    document["citizens"][0]["cases"][0]["caseworker"]["phone"] = "+4570112299"
    document["citizens"][0]["meetings"].append(
        {"id": "M-new", "kind": "opfølgningssamtale", "starts_at": "2027-01-12T10:00:00+01:00"}
    )
    lines = import_ok(write_json(document), db_url)
    assert "sagsbehandlere: 0 oprettet, 1 opdateret, 2 uændret" in lines
    assert "møder: 1 oprettet, 1 opdateret, 4 uændret" in lines


def test_database_error_mid_import_rolls_back_everything(
    db_url: str, write_json: WriteJson, make_repo: MakeRepo
) -> None:
    before = {
        "citizens": [
            {"id": "c-9", "name": "Eksisterende Borger", "phone": "+4526789012"},
            {"id": "c-1", "name": "Gammelt Navn", "phone": "+4520123456"},
        ]
    }
    import_ok(write_json(before, "before.json"), db_url)

    document = sample_document()  # c-1 (update + new cases/meetings), c-2, c-3
    # Valid within the file, but the database already has this phone for c-9 (not in the file):
    # the unique index fails on c-2, after c-1's update and inserts were sent.
    document["citizens"][1]["phone"] = "+4526789012"

    out, err = io.StringIO(), io.StringIO()
    # A conflict with stored rows is the file's problem, said so (exit 2), not a "Databasefejl".
    assert run_import(write_json(document), db_url, out, err) == EXIT_INVALID
    assert "strider mod data, der allerede er i databasen" in err.getvalue()
    assert "rullet tilbage" in err.getvalue()
    assert "+4526789012" not in err.getvalue()
    repo = make_repo()
    assert count_citizens(db_url) == 2
    assert repo.get_citizen("c-1").name == "Gammelt Navn"
    assert repo.cases_for("c-1") == []
    assert repo.upcoming_meetings("c-1", datetime(2020, 1, 1, tzinfo=UTC)) == []
    assert repo.get_citizen("c-2") is None and repo.get_citizen("c-3") is None
    assert repo.find_citizen_by_phone("+4526789012").id == "c-9"


# --- Repository ------------------------------------------------------------------------------
@pytest.fixture
def loaded_repo(db_url: str, write_json: WriteJson, make_repo: MakeRepo) -> CaseRepository:
    import_ok(write_json(sample_document()), db_url)
    return make_repo()


def test_next_meeting_is_never_in_the_past(loaded_repo: CaseRepository) -> None:
    repo = loaded_repo
    winter = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen (+01:00)
    assert repo.next_meeting("c-1", winter - timedelta(seconds=1)).id == "M-winter"
    assert repo.next_meeting("c-1", winter).id == "M-before-switch"  # strictly after now
    assert repo.next_meeting("c-1", datetime(2030, 1, 1, tzinfo=UTC)) is None
    assert repo.next_meeting("c-2", datetime(2020, 1, 1, tzinfo=UTC)) is None
    assert repo.next_meeting("c-404", datetime(2020, 1, 1, tzinfo=UTC)) is None
    for day in range(0, 200, 7):
        now = datetime(2026, 10, 1, 12, tzinfo=UTC) + timedelta(days=day)
        meeting = repo.next_meeting("c-1", now)
        assert meeting is None or meeting.starts_at > now
    with pytest.raises(ValueError):
        repo.next_meeting("c-1", datetime(2026, 12, 1, 9, 0))  # naive


def test_next_meeting_across_the_summer_time_switch(loaded_repo: CaseRepository) -> None:
    repo = loaded_repo
    # M-after-switch is 2027-03-30 10:00+02:00 = 08:00 UTC (summer time began 2027-03-28).
    just_before = datetime(2027, 3, 30, 7, 59, tzinfo=UTC)
    meeting = repo.next_meeting("c-1", just_before)
    assert meeting is not None and meeting.id == "M-after-switch"
    assert meeting.starts_at == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
    assert meeting.starts_at.astimezone(CPH).hour == 10
    # 08:30 UTC is 10:30 local: the 10:00 meeting is over, even though "10:00" > "08:30".
    assert repo.next_meeting("c-1", datetime(2027, 3, 30, 8, 30, tzinfo=UTC)).id == "M-april"
    # The same instant given in local summer time compares the same way.
    assert repo.next_meeting("c-1", datetime(2027, 3, 30, 10, 30, tzinfo=CPH)).id == "M-april"
    assert repo.next_meeting("c-1", datetime(2027, 3, 30, 9, 59, tzinfo=CPH)).id == "M-after-switch"
    # Before the switch: 10:00+01:00 = 09:00 UTC.
    before = repo.next_meeting("c-1", datetime(2027, 3, 25, 8, 59, tzinfo=UTC))
    assert before.id == "M-before-switch" and before.starts_at.hour == 9
    assert before.starts_at.astimezone(CPH).hour == 10


def test_upcoming_meetings_are_ordered_and_limited(loaded_repo: CaseRepository) -> None:
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    upcoming = loaded_repo.upcoming_meetings("c-1", now)
    assert [m.id for m in upcoming] == ["M-winter", "M-before-switch", "M-after-switch", "M-april"]
    assert all(m.starts_at.tzinfo is not None for m in upcoming)
    assert [m.id for m in loaded_repo.upcoming_meetings("c-1", now, limit=2)] == [
        "M-winter",
        "M-before-switch",
    ]
    online = upcoming[1]
    assert online.online is True and online.location is None


def test_cases_and_caseworker(loaded_repo: CaseRepository) -> None:
    repo = loaded_repo
    assert [c.id for c in repo.cases_for("c-2")] == ["RF-NEW-CLOSED", "JA-OLD-OPEN"]
    closed, pending = repo.cases_for("c-2")
    assert closed.status == STATUS_AFSLUTTET and closed.ends_on == date(2025, 12, 31)
    assert pending.status == STATUS_AFVENTER_AFGOERELSE and pending.ends_on is None
    assert pending.caseworker == CaseworkerRecord("Sara Lund", "+4570112233", "sl@kommune.example")
    # The open case wins over the newer closed one.
    assert repo.caseworker_for("c-2").name == "Sara Lund"
    # Only closed cases: the newest case's caseworker.
    assert repo.caseworker_for("c-3") == CaseworkerRecord("Peter Dahl", "+4570112255", None)
    assert repo.caseworker_for("c-1").email == "mh@kommune.example"
    assert repo.caseworker_for("c-404") is None
    assert repo.cases_for("c-404") == []


def test_find_citizen_by_phone(loaded_repo: CaseRepository) -> None:
    repo = loaded_repo
    for raw in ("+4520123456", "20 12 34 56", "+45 20 12 34 56", "004520123456"):
        citizen = repo.find_citizen_by_phone(raw)
        assert citizen is not None and citizen.id == "c-1", raw
    assert repo.find_citizen_by_phone("+4599999999") is None
    assert repo.find_citizen_by_phone("ikke et nummer") is None


async def test_async_calls_match_the_sync_ones(loaded_repo: CaseRepository) -> None:
    repo = loaded_repo
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    results = await asyncio.gather(
        call(repo.get_citizen, "c-1"),
        call(repo.find_citizen_by_phone, "+4520123456"),
        call(repo.cases_for, "c-2"),
        call(repo.next_meeting, "c-1", now),
        call(repo.upcoming_meetings, "c-1", now, limit=3),
        call(repo.caseworker_for, "c-2"),
    )
    assert results == [
        repo.get_citizen("c-1"),
        repo.find_citizen_by_phone("+4520123456"),
        repo.cases_for("c-2"),
        repo.next_meeting("c-1", now),
        repo.upcoming_meetings("c-1", now, limit=3),
        repo.caseworker_for("c-2"),
    ]
    assert results[0] is not None and results[3].id == "M-winter"


def test_the_database_is_process_wide_and_uses_settings(demo_cases_db_url: str) -> None:
    database = get_database()
    assert database is get_database()
    assert database.url == demo_cases_db_url
    assert CaseRepository().get_citizen("c-1001").name == "Anna Jensen"


# --- Failures --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://postgres@127.0.0.1:1/test",  # closed port
        "sqlite:///{tmp}/no/such/dir/cases.db",  # folder does not exist
        "sqlite:///{tmp}/not-migrated.db",  # no schema
    ],
)
async def test_database_unavailable(url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    database = Database(url.format(tmp=tmp_path), timeout_s=3.0)
    repo = CaseRepository(database)
    try:
        with pytest.raises(StoreUnavailable) as sync_error:
            repo.get_citizen("c-1001")
        with pytest.raises(StoreUnavailable) as async_error:
            await call(repo.next_meeting, "c-1001", datetime(2026, 11, 23, tzinfo=UTC))
        with pytest.raises(StoreUnavailable):
            await call(repo.find_citizen_by_phone, "+4520123456")
    finally:
        database.close()
    assert not (tmp_path / "no").exists()
    for error in (sync_error.value, async_error.value):
        assert error.reason == "OperationalError" and error.dialect in ("sqlite", "postgresql")
        assert "c-1001" not in str(error)
    assert "OperationalError" in caplog.text
    for personal in ("c-1001", "+4520123456", "20123456"):
        assert personal not in caplog.text


async def test_slow_query_beyond_timeout(db_url: str, write_json: WriteJson, make_repo: MakeRepo) -> None:
    import_ok(write_json(sample_document()), db_url)
    repo = make_repo(timeout_s=0.5)
    assert repo.get_citizen("c-1") is not None  # warm connection pool
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    with exclusive_lock(db_url):
        tick_task = asyncio.create_task(ticker())
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as error:
            await call(repo.next_meeting, "c-1", datetime(2026, 11, 23, tzinfo=UTC))
        elapsed = time.monotonic() - started
        tick_task.cancel()
        assert error.value.reason == "TimeoutError"
        assert 0.4 < elapsed < 1.4
        assert ticks >= 10  # the event loop kept running while the query waited
        # The sync API is bounded by the server-side limit (timeout + grace).
        with pytest.raises(StoreUnavailable):
            repo.get_citizen("c-1")
    # The lock is gone: the same repository recovers.
    assert (await call(repo.get_citizen, "c-1")).name == "Anna Jensen"


# --- Demo data and seeding -------------------------------------------------------------------
def test_demo_file_covers_the_required_situations(db_url: str, make_repo: MakeRepo) -> None:
    citizens, problems = load_file(DEMO_FILE)
    assert problems == []
    assert [c.id for c in citizens] == [f"c-100{i}" for i in range(1, 7)]
    CaseWriter(db_url).upsert(to_bundles(citizens))
    repo = make_repo()
    anchor = datetime.combine(DEMO_ANCHOR, datetime.min.time(), tzinfo=CPH)

    anna = repo.next_meeting("c-1001", anchor)
    local = anna.starts_at.astimezone(CPH)
    assert repo.get_citizen("c-1001").name == "Anna Jensen"
    assert anna.kind == "rehabiliteringsteam" and not anna.online
    assert (local.weekday(), local.hour, local.minute) == (1, 10, 0)  # Tuesday 10:00
    assert 10 <= (local.date() - DEMO_ANCHOR).days <= 18
    assert repo.cases_for("c-1001")[0].status == "igangværende"
    assert repo.caseworker_for("c-1001").name == "Mette Holm"

    assert repo.next_meeting("c-1002", anchor).online is True
    assert repo.next_meeting("c-1003", anchor) is None
    assert repo.upcoming_meetings("c-1003", anchor - timedelta(days=365))  # only past ones
    assert [c.status for c in repo.cases_for("c-1004")] == ["afsluttet"]
    assert repo.cases_for("c-1005")[0].status == "afventer afgørelse"
    soon = repo.next_meeting("c-1005", anchor)
    assert soon is not None and soon.starts_at - anchor < timedelta(days=7)
    assert repo.get_citizen("c-1006") is not None
    assert repo.cases_for("c-1006") == [] and repo.upcoming_meetings("c-1006", anchor) == []

    summer = [
        m
        for c in citizens
        for m in c.meetings
        if m.starts_at.astimezone(CPH).utcoffset() == timedelta(hours=2) and m.starts_at.month in (3, 4)
    ]
    assert summer, "one meeting after the summer-time switch"
    every_kind = {case.kind for c in citizens for case in c.cases} | {
        m.kind for c in citizens for m in c.meetings
    }
    assert every_kind <= set(CASE_KINDS) | set(MEETING_KINDS)
    assert {case.status for c in citizens for case in c.cases} <= set(CASE_STATUSES)


def test_seed_demo_shifts_by_whole_weeks_and_only_into_an_empty_database(
    db_url: str, make_repo: MakeRepo
) -> None:
    assert demo_shift_weeks(date(2026, 11, 29)) == 0
    assert demo_shift_weeks(date(2026, 11, 30)) == 1
    today = date(2027, 6, 2)  # summer time: the +01:00 winter meetings move into +02:00
    weeks = demo_shift_weeks(today)
    out, err = io.StringIO(), io.StringIO()
    assert run_seed_demo(db_url, out, err, today=today) == EXIT_OK, err.getvalue()
    assert f"{weeks:+d} uger" in out.getvalue()
    assert "borgere: 6 oprettet" in out.getvalue()

    repo = make_repo()
    meeting = repo.next_meeting("c-1001", datetime(2027, 6, 1, tzinfo=UTC))
    local = meeting.starts_at.astimezone(CPH)
    assert meeting.kind == "rehabiliteringsteam"
    assert local.date() == date(2026, 12, 8) + timedelta(weeks=weeks)
    assert (local.weekday(), local.hour, local.minute) == (1, 10, 0)  # still Tuesday 10:00 local
    assert local.utcoffset() == timedelta(hours=2)
    # cases keep their dates: the demo ressourceforløb started before the 2026 reform
    assert repo.cases_for("c-1001")[0].opened_on == date(2025, 3, 1)

    # A week-old demo database: its meetings are moved forward in place (same ids).
    out = io.StringIO()
    later = date(2028, 1, 4)
    assert run_seed_demo(db_url, out, io.StringIO(), today=later) == EXIT_OK
    assert "Demo-data opdateres" in out.getvalue()
    moved = repo.next_meeting("c-1001", datetime(2027, 12, 1, tzinfo=UTC))
    assert moved is not None and moved.id == meeting.id
    assert moved.starts_at.astimezone(CPH).date() == date(2026, 12, 8) + timedelta(
        weeks=demo_shift_weeks(later)
    )
    # A database with any other citizen is never touched.
    anna = to_bundles(load_file(DEMO_FILE)[0])[0]
    stranger = replace(anna, citizen=replace(anna.citizen, id="c-9999", phone=None), cases=(), meetings=())
    CaseWriter(db_url).upsert([stranger])
    out = io.StringIO()
    assert run_seed_demo(db_url, out, io.StringIO(), today=date(2028, 6, 1)) == EXIT_OK
    assert "allerede 7 borgere" in out.getvalue()
    assert repo.next_meeting("c-1001", datetime(2027, 12, 1, tzinfo=UTC)) == moved


# --- CLI -------------------------------------------------------------------------------------
def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_the_municipalitys_own_words_are_configuration(
    db_url: str, write_json: WriteJson, make_repo: MakeRepo, tmp_path: Path
) -> None:
    """A new status word is a line in the municipality file, not a code change."""
    document = sample_document()
    document["citizens"][0]["cases"][0]["status"] = "Genbevilget"
    document["citizens"][0]["meetings"][0]["kind"] = "Rehab-møde"
    path = write_json(document)
    result = run_cli("--db-url", db_url, "import-cases", str(path))
    assert result.returncode == 2
    assert (
        '$.citizens[0].cases[0].status: ukendt ord "Genbevilget"' not in result.stderr
    )  # shipped file knows it
    assert '$.citizens[0].meetings[0].kind: ukendt ord "Rehab-møde"' in result.stderr
    assert "import_words.meeting_kinds" in result.stderr

    settings = yaml.safe_load((REPO_ROOT / "data" / "municipality.yml").read_text(encoding="utf-8"))
    settings["import_words"]["meeting_kinds"] = {"rehab-møde": "rehabiliteringsteam"}
    own = tmp_path / "kommune.yml"
    own.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    result = run_cli("--db-url", db_url, "import-cases", str(path), env={"MUNICIPALITY_FILE": str(own)})
    assert result.returncode == 0, result.stderr
    repo = make_repo()
    assert repo.cases_for("c-1")[0].status == STATUS_IGANGVAERENDE
    assert "rehabiliteringsteam" in {
        m.kind for m in repo.upcoming_meetings("c-1", datetime(2020, 1, 1, tzinfo=UTC))
    }


def test_cli_exit_codes(db_url: str, write_json: WriteJson, tmp_path: Path) -> None:
    valid = write_json(sample_document())
    result = run_cli("--db-url", db_url, "import-cases", str(valid))
    assert result.returncode == 0, result.stderr
    assert "møder: 5 oprettet, 0 opdateret, 0 uændret" in result.stdout

    result = run_cli("--db-url", db_url, "import-cases", str(valid))
    assert result.returncode == 0 and "borgere: 0 oprettet, 0 opdateret, 3 uændret" in result.stdout

    document = sample_document()
    document["citizens"][0]["meetings"][1]["starts_at"] = "2026-12-08T10:00:00"
    invalid = write_json(document, "invalid.json")
    result = run_cli("--db-url", db_url, "import-cases", str(invalid))
    assert result.returncode == 2
    assert "$.citizens[0].meetings[1].starts_at: mangler tidszone (UTC-offset)" in result.stderr

    result = run_cli("--db-url", db_url, "import-cases", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "filen findes ikke" in result.stderr

    closed_port = "postgresql+psycopg2://postgres@127.0.0.1:1/test"
    result = run_cli("--db-url", closed_port, "import-cases", str(valid))
    assert result.returncode == 1 and "Databasefejl" in result.stderr

    result = run_cli("--db-url", db_url, "migrate")
    assert result.returncode == 0, result.stderr
    assert run_cli("no-such-command").returncode == 2


# --- demo-token wiring (core.tokens' behaviour is replaced here) ---------------------------------
def _fake_identity(monkeypatch: pytest.MonkeyPatch, make: Callable[[str], str]) -> None:
    monkeypatch.setattr(token_command, "make_demo_token", make)


def test_demo_token_wiring(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(citizen_id: str) -> str:
        raise ValueError("demo-tokens er slået fra i produktion")

    _fake_identity(monkeypatch, lambda citizen_id: f"token-for-{citizen_id}")
    out, err = io.StringIO(), io.StringIO()
    assert run_demo_token("c-1001", out, err) == 0
    assert out.getvalue().strip() == "token-for-c-1001"

    _fake_identity(monkeypatch, refuse)
    out, err = io.StringIO(), io.StringIO()
    assert run_demo_token("c-1001", out, err) == 2
    assert "Afvist: demo-tokens er slået fra i produktion" in err.getvalue() and out.getvalue() == ""
