"""Where code goes, checked: import-linter's contracts (pyproject.toml) hold, and break when broken.

The contracts: core imports no app; each runtime (bot.rasa_plugins, bot.web, bot.review,
bot.tools, actions) imports no other; actions does not import Rasa; only core.store imports
sqlalchemy and alembic; the review app runs without the Rasa server; the domain rules in core do
not import the store. `make lint` runs `lint-imports`; these tests show that it passes on the tree
and fails on a copy with one forbidden import.

And core holds only shared code: `test_core_holds_only_what_two_runtimes_use` lists every core
module that a single runtime uses (directly or through other core modules; tests and benchmarks
are not users). Each one on the list below is there for the reason written beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("core", "bot", "actions")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        ("core/clock.py", "import bot.tools.cli", "core imports no app"),
        ("core/phone.py", "import rasa_sdk", "core imports no app"),
        ("actions/wording.py", "import rasa.core.channels", "actions does not import rasa"),
        ("actions/wording.py", "import bot.web.config", "each runtime imports no other runtime"),
        ("bot/web/app.py", "import bot.review.params", "each runtime imports no other runtime"),
        ("bot/tools/cli/tokens.py", "import bot.rasa_plugins.heap", "each runtime imports no other runtime"),
        ("bot/review/chart.py", "import bot.tools.cli", "each runtime imports no other runtime"),
        (
            "core/clarification.py",
            "import core.store.cases.repository",
            "the domain rules do not import the store",
        ),
        ("bot/tools/cli/tokens.py", "import sqlalchemy", "only the store imports sqlalchemy"),
        ("core/municipality.py", "from alembic import command", "only the store imports sqlalchemy"),
        ("bot/review/chart.py", "import rasa.core.agent", "the review app runs without the Rasa server"),
    ],
)
def test_a_forbidden_import_breaks_the_check(
    tmp_path: Path, module: str, forbidden_import: str, contract: str
) -> None:
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static")
        )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(f"{forbidden_import}  # noqa\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    assert any(line.startswith(contract) for line in broken), result.stdout


RUNTIMES = ("bot.rasa_plugins", "bot.web", "bot.review", "bot.tools", "actions")
# Core modules with one runtime as their user, and why they stay in core.
SINGLE_USER_REASONS = {
    "core.store.cases.importer": "the store is the only code that talks SQL (the CLI's import)",
    "core.store.cases.notes": "the store is the only code that talks SQL (the guide's shared notes)",
    "core.store.conversations.retention": "the store is the only code that talks SQL (the CLI's purge)",
    "core.store.schema": "the store is the only code that talks SQL (the CLI's migrations)",
    "core.store.sms.conversations": "the store is the only code that talks SQL (the SMS worker)",
    "core.store.sms.outbox": "the store is the only code that talks SQL (the SMS worker)",
    "core.store.tables": "every table in one place for Alembic's migrations and for tests",
}


def core_users() -> dict[str, set[str]]:
    """Every core module and the runtimes that use it, directly or through other core modules."""
    import grimp

    graph = grimp.build_graph("core", "bot", "actions")

    def runtime_of(module: str) -> str | None:
        return next((r for r in RUNTIMES if module == r or module.startswith(r + ".")), None)

    core = [m for m in graph.modules if m == "core" or m.startswith("core.")]
    users: dict[str, set[str]] = {m: set() for m in core}
    for module in core:
        users[module] |= {r for i in graph.find_modules_that_directly_import(module) if (r := runtime_of(i))}
    changed = True
    while changed:
        changed = False
        for module in core:
            for importer in graph.find_modules_that_directly_import(module):
                if importer in users and not users[importer] <= users[module]:
                    users[module] |= users[importer]
                    changed = True
    return users


def is_package(module: str) -> bool:
    return (REPO / module.replace(".", "/") / "__init__.py").exists()


def test_core_holds_only_what_two_runtimes_use() -> None:
    single = {
        module for module, runtimes in core_users().items() if len(runtimes) <= 1 and not is_package(module)
    }
    unexplained = single - set(SINGLE_USER_REASONS)
    assert unexplained == set(), "move these into their runtime, or give the reason here"


INDEXED_PACKAGES = [
    "core",
    "core/sms",
    "core/store",
    "core/store/cases",
    "core/store/sms",
    "core/store/review",
    "core/store/conversations",
    "bot",
    "bot/rasa_plugins",
    "bot/rasa_plugins/channels",
    "bot/rasa_plugins/nlu",
    "bot/rasa_plugins/sms",
    "bot/tools",
]


@pytest.mark.parametrize("package", INDEXED_PACKAGES)
def test_every_package_index_names_what_is_in_it(package: str) -> None:
    """A package's docstring lists its modules and subpackages; a new one must be added there."""
    import ast
    import re

    folder = REPO / package
    doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))) or ""
    present = {p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__")}
    present |= {p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert {name for name in present if not re.search(rf"(?<![\w.]){name}\b", doc)} == set()


def test_every_core_module_but_the_store_is_in_the_domain_layer() -> None:
    """The layers contract names the domain modules one by one: a new one must be added there."""
    import tomli as tomllib  # Python 3.10: tomllib is 3.11+; tomli is pinned (requirements.lock)

    contract = next(
        c
        for c in tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
            "contracts"
        ]
        if c["name"] == "the domain rules do not import the store"
    )
    domain = {name.strip() for name in contract["layers"][1].split(":")}
    present = {p.stem for p in (REPO / "core").glob("*.py") if p.stem != "__init__"} | {"sms"}
    assert domain == present
