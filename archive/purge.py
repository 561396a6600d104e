"""Deleting one source from the archive: its files, then its ledger rows.

Only the files the ledger names are deleted (never a file someone else put there), each
through the archive's link-refusing folder walk; folders left empty go too. Files first:
a purge cut short is finished by running it again.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import PurePosixPath

from archive._contained import open_folder
from archive.errors import ArchiveError
from archive.store import HIDDEN, Archive


def purge_source(archive: Archive, source: str) -> int:
    """Delete the source's files and ledger rows; the number of files deleted. The caller
    holds the archive lock."""
    deleted = 0
    folders: set[tuple[str, ...]] = set()
    for entry in archive.ledger.of_source(source):
        parts = PurePosixPath(entry.path).parts
        if not parts or parts[0] == HIDDEN or ".." in parts or PurePosixPath(entry.path).is_absolute():
            raise ArchiveError(f"{archive.root}: ledger path {entry.path!r} is outside the "
                               "archive's article folders; run `feedvault verify`")
        try:
            folder = open_folder(archive.root, parts[:-1])
        except (FileNotFoundError, NotADirectoryError):
            continue
        try:
            os.unlink(parts[-1], dir_fd=folder)
            deleted += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise ArchiveError(f"{archive.root / entry.path}: cannot delete: "
                               f"{exc.strerror or exc}") from exc
        finally:
            os.close(folder)
        for depth in range(len(parts) - 1, 0, -1):
            if source in parts[:depth]:  # the source's folders, not a shared `_posts`
                folders.add(tuple(parts[:depth]))
    for parts in sorted(folders, key=len, reverse=True):  # deepest first
        with contextlib.suppress(OSError):  # not empty, or gone: left as it is
            parent = open_folder(archive.root, parts[:-1])
            try:
                os.rmdir(parts[-1], dir_fd=parent)
            finally:
                os.close(parent)
    archive.ledger.forget(source)
    return deleted
