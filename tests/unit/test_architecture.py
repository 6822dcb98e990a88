"""Where code goes, checked: import-linter's contracts (pyproject.toml) hold, and break when broken.

The contracts: core imports no app; bot and actions never import each other; actions does not
import Rasa; only core.store imports sqlalchemy and alembic; the review app (bot.review) runs without
the Rasa server. `make lint` runs `lint-imports`;
these tests show that it passes on the tree and fails on a copy with one forbidden import.
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
    assert "5 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "contract"),
    [
        ("core/clock.py", "import bot.cli", "core imports no app"),
        ("core/phone.py", "import rasa_sdk", "core imports no app"),
        ("actions/danish.py", "import rasa.core.channels", "actions does not import rasa"),
        ("actions/danish.py", "import bot.web.config", "the apps are independent"),
        ("bot/cli/tokens.py", "import sqlalchemy", "only the store imports sqlalchemy"),
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
