"""Fuzzing the case import file (`python -m bot import-cases`, bot/tools/case_file.py).

Hostile files: bytes that are not UTF-8 or not JSON, deeply nested and large documents, every JSON
type where an object is expected, and the demo file with fields removed, replaced by hostile
values or added. Each is imported by the real command's function (`run_import`) into a SQLite
database that already holds the demo citizens. Always: exit code 0 or 2, never an exception or a
traceback; exit 2 prints "Filen er ikke gyldig" with the problems and leaves the database exactly
as it was (nothing half imported). A few inputs also go through the real CLI in a subprocess.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from bot.tools.cli.case_data import run_import, run_seed_demo
from bot.tools.cli.exit_codes import EXIT_INVALID, EXIT_OK
from core.demo_data import DEMO_FILE
from core.store.engine import make_engine
from tests.support.fuzz_inputs import Tally, json_values, nasty_text, raw_bodies
from tests.support.servers import REPO

DEMO = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
SECONDS_PER_FILE = 10.0


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('import-fuzz') / 'cases.db'}"
    assert run_seed_demo(url, io.StringIO(), io.StringIO()) == EXIT_OK
    yield url


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    counted = Tally("import file")
    yield counted
    counted.report()


def snapshot(url: str) -> str:
    """A digest of every row of the case tables (to prove nothing was written)."""
    engine = make_engine(url)
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in ("citizens", "caseworkers", "cases", "meetings"):
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1")):  # noqa: S608
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def _import(path: Path, url: str, seconds: float = SECONDS_PER_FILE) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = run_import(path, url, out, err)
    assert time.monotonic() - started < seconds, "the import hung"
    return code, out.getvalue(), err.getvalue()


def check_refused_or_imported(path: Path, url: str, tally: Tally) -> None:
    before = snapshot(url)
    code, out, err = _import(path, url)
    assert "Traceback" not in out + err
    assert code in (EXIT_OK, EXIT_INVALID), (code, err[-2000:])
    if code == EXIT_INVALID:
        assert err.startswith("Filen er ikke gyldig:")
        assert "Intet er skrevet til databasen." in err or "Intet er gemt" in err
        assert snapshot(url) == before, "a refused file changed the database"
        tally.count("refused")
    else:
        assert "Import gennemført i én transaktion." in out
        tally.count("imported")


def _mutate(document: dict[str, Any], path: list[Any], value: Any, action: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node: Any = changed
    for step in path[:-1]:
        node = node[step]
    last = path[-1]
    if action == "remove" and isinstance(node, dict):
        node.pop(last, None)
    elif action == "add" and isinstance(node, dict):
        node[f"extra_{last}"] = value
    else:
        node[last] = value
    return changed


def _paths(node: Any, prefix: list[Any]) -> list[list[Any]]:
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        found.append(prefix + [key])
        found += _paths(child, prefix + [key])
    return found


DEMO_PATHS = _paths(DEMO, [])

mutated_documents = st.builds(
    _mutate,
    st.just(DEMO),
    st.sampled_from(DEMO_PATHS),
    st.one_of(json_values, nasty_text),
    st.sampled_from(["replace", "remove", "add"]),
)


@given(body=raw_bodies)
def test_any_bytes(
    body: bytes, database: str, tally: Tally, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("file") / "export.json"
    path.write_bytes(body)
    check_refused_or_imported(path, database, tally)


@given(document=st.one_of(json_values, st.fixed_dictionaries({"citizens": json_values}), mutated_documents))
def test_any_document(
    document: Any, database: str, tally: Tally, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("file") / "export.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8", errors="surrogatepass")
    check_refused_or_imported(path, database, tally)


def test_a_huge_file_is_refused_clearly(database: str, tally: Tally, tmp_path: Path) -> None:
    """About 8 MB (5,000 citizens) with one bad field at the end: refused, nothing written.

    Validation is linear (about 0.5 ms per citizen on 2 cores), so the bound is generous.
    """
    citizen = DEMO["citizens"][0]
    many = [dict(copy.deepcopy(citizen), id=f"c-{n}", phone=None) for n in range(5_000)]
    many[-1]["name"] = 42
    path = tmp_path / "huge.json"
    path.write_text(json.dumps({"citizens": many}), encoding="utf-8")
    before = snapshot(database)
    code, _out, err = _import(path, database, seconds=60)
    assert code == EXIT_INVALID and "$.citizens[4999].name" in err
    assert snapshot(database) == before
    tally.count("refused")


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe not utf-8", b"[" * 100_000 + b"]" * 100_000, b'{"citizens": [{"id": "\x00"}]}'],
    ids=["invalid-utf8", "deep", "control-char"],
)
def test_the_real_command_never_shows_a_traceback(body: bytes, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(body)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "import-cases", str(path)],
        cwd=REPO,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "CASES_DB_URL": f"sqlite:///{tmp_path / 'c.db'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == EXIT_INVALID, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Filen er ikke gyldig" in result.stderr
