"""Every package's `__all__` names things that exist: `from package import *` works."""

from __future__ import annotations

import importlib
import pkgutil

import pytest


def _packages() -> list[str]:
    found = []
    for top in ("archive", "crawler", "pipelines"):
        found.append(top)
        module = importlib.import_module(top)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{top}."):
            if info.ispkg:
                found.append(info.name)
    return found


@pytest.mark.parametrize("name", _packages())
def test_every_name_in_all_exists(name: str) -> None:
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert missing == []
    namespace: dict[str, object] = {}
    exec(f"from {name} import *", namespace)


def test_from_archive_import_star() -> None:
    namespace: dict[str, object] = {}
    exec("from archive import *", namespace)
    assert "Archive" in namespace and "ConfigError" in namespace
