"""archive.atomic, the one way feedvault replaces a file: old or new content, never half."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import archive
from archive.atomic import atomic_write
from crawler.outcome import json_report


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_is_public() -> None:
    assert archive.atomic_write is atomic_write
    assert "atomic_write" in archive.__all__ and "atomic_write_at" in archive.__all__


def test_replaces_a_file_and_makes_its_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "report.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert _leftovers(target.parent) == []


def test_a_link_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(b"keep me")
    link = tmp_path / "out.txt"
    link.symlink_to(elsewhere)
    atomic_write(link, b"new")
    assert not link.is_symlink() and link.read_bytes() == b"new"
    assert elsewhere.read_bytes() == b"keep me"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_the_json_report_is_readable_by_a_monitor(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "reports" / "crawl.json"
    json_report.write(path, {"schema": json_report.SCHEMA, "sources": []})
    assert json.loads(path.read_text(encoding="utf-8"))["schema"] == json_report.SCHEMA
    # another user's monitor reads it (a temporary file from mkstemp would be 0600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert _leftovers(path.parent) == []
