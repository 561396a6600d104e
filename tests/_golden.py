"""Golden files: an input in tests/site/ next to its expected output, compared byte for byte.

`UPDATE_GOLDEN=1 pytest tests/test_golden*.py` rewrites the expected files from what the code
gives now (read the diff before committing it); without it a test never writes anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import SITE

UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
REGENERATE = "UPDATE_GOLDEN=1 python -m pytest tests/test_golden*.py"


def cases(folder: str, pattern: str) -> list[Path]:
    """The inputs of one golden folder: every file matching pattern that is not an expectation."""
    return sorted(p for p in (SITE / folder).glob(pattern) if ".expected" not in p.name)


def expected_path(source: Path, suffix: str) -> Path:
    """`name.ext` -> `name.expected<suffix>` beside it."""
    return source.with_name(source.stem + ".expected" + suffix)


def check(expected: Path, actual: str) -> None:
    """actual must equal the expected file; with UPDATE_GOLDEN=1 the file is rewritten first."""
    if UPDATE:
        expected.write_bytes(actual.encode("utf-8"))
    if not expected.exists():
        pytest.fail(f"{expected.relative_to(SITE.parent.parent)} is missing: write it with {REGENERATE}")
    assert actual == expected.read_bytes().decode("utf-8"), (
        f"{expected.relative_to(SITE.parent.parent)} differs; if the change is intended, "
        f"regenerate with {REGENERATE} and review the diff")
