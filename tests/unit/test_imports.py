"""Every module of every room imports (a moved module leaves no import behind it)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

ROOTS = ("core", "bot", "actions")


def modules() -> list[str]:
    found = []
    for root in ROOTS:
        package = importlib.import_module(root)
        found += [
            m.name
            for m in pkgutil.walk_packages(package.__path__, f"{root}.")
            if not m.name.endswith("__main__")
        ]
    return sorted(found)


@pytest.mark.parametrize("module", modules())
def test_the_module_imports(module: str) -> None:
    importlib.import_module(module)
